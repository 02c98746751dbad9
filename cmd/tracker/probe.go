package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"tracker"
	"tracker/internal/config"
	"tracker/internal/sources"
)

type probeFlags struct {
	target string
	sel    stringList
	remove stringList
	render string
	full   bool
}

type probeJSON struct {
	URL         string              `json:"url"`
	Source      string              `json:"source,omitempty"`
	FinalURL    string              `json:"final_url,omitempty"`
	Status      int                 `json:"status,omitempty"`
	Bytes       int                 `json:"bytes"`
	ContentType string              `json:"content_type,omitempty"`
	Rendered    bool                `json:"rendered"`
	Select      []string            `json:"select"`
	Remove      []string            `json:"remove"`
	Words       int                 `json:"words"`
	Text        string              `json:"text"`
	PageWords   int                 `json:"page_words"`
	Holders     []holderJSON        `json:"holders"`
	Error       string              `json:"error,omitempty"`
	ErrorKind   tracker.FailureKind `json:"error_kind,omitempty"`
}

type holderJSON struct {
	Selector string `json:"selector"`
	Words    int    `json:"words"`
	Elements int    `json:"elements"`
}

// probeTarget resolves --probe into the source and pages to fetch: every
// page of a declared source, the declared page with that address, or an
// undeclared address read whole.
func probeTarget(cfg *config.Config, t string) (*config.Source, []config.Page, error) {
	if s := cfg.Source(t); s != nil {
		if s.Kind != config.KindPage {
			return nil, nil, fmt.Errorf("--probe: %s is a feed; probe one of its item pages by its address", t)
		}
		return s, s.EffectivePages(), nil
	}
	if !strings.HasPrefix(t, "http://") && !strings.HasPrefix(t, "https://") {
		return nil, nil, fmt.Errorf("--probe %q: give an http:// or https:// address, or the id of a page source", t)
	}
	for i := range cfg.Sources {
		s := &cfg.Sources[i]
		if s.Kind != config.KindPage {
			continue
		}
		for _, p := range s.EffectivePages() {
			if p.URL == t {
				return s, []config.Page{p}, nil
			}
		}
	}
	return &config.Source{ID: "", Kind: config.KindPage, URL: t}, []config.Page{{URL: t, Select: config.StringList{"body"}}}, nil
}

// probe fetches the pages of --probe and prints what they give.
func (a *app) probe(ctx context.Context, cfg *config.Config, f *probeFlags) error {
	src, pages, err := probeTarget(cfg, f.target)
	if err != nil {
		return usage(err)
	}
	switch f.render {
	case "", config.RenderBrowser, config.RenderNone:
	default:
		return usagef("--render %q: write browser or none", f.render)
	}
	for i := range pages {
		if len(f.sel) > 0 {
			pages[i].Select = config.StringList(f.sel)
		}
		if len(f.remove) > 0 {
			pages[i].Remove = config.StringList(f.remove)
		}
		switch f.render {
		case config.RenderBrowser:
			pages[i].Render = config.RenderBrowser
		case config.RenderNone:
			pages[i].Render = ""
		}
	}
	checker := sources.NewChecker(cfg, nil, nil, a.logger())
	defer func() {
		if err := checker.Close(); err != nil {
			a.errorf("%v", err)
		}
	}()
	code := exitOK
	var out []probeJSON
	for i, p := range pages {
		pr, err := checker.ProbePage(ctx, src, p)
		if err != nil {
			return usagef("--probe %s: %v", p.URL, err)
		}
		if pr.Err != nil {
			code = exitFailed
		}
		if a.jsonOut {
			out = append(out, toProbeJSON(src, pr))
			continue
		}
		a.printProbe(src, pr, i, len(pages), f.full)
	}
	if a.jsonOut {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return reported(exitFailed) // stdout is gone: nowhere to say it
		}
	}
	return status(code) // each page that failed says so
}

func (a *app) printProbe(src *config.Source, pr *sources.Probe, i, n int, full bool) {
	w := a.stdout
	head := pr.Page.URL
	if n > 1 {
		head = fmt.Sprintf("page %d of %d: %s", i+1, n, head)
	}
	if src.ID != "" {
		head += fmt.Sprintf(" (source %s)", src.ID)
	} else {
		head += " (not declared: the whole <body> is read)"
	}
	fmt.Fprintln(w, head)
	if pr.Status != 0 || pr.Bytes > 0 {
		how := "fetched"
		if pr.Rendered {
			how = "rendered in a browser"
		}
		fmt.Fprintf(w, "  %s: HTTP %d, %s bytes, %s", how, pr.Status, thousands(pr.Bytes), orDash(pr.ContentType))
		if pr.URL != "" && pr.URL != pr.Page.URL {
			fmt.Fprintf(w, ", from %s", terminalSafe(pr.URL))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "  rules: select %s", quoted(pr.Page.Select))
	if len(pr.Page.Remove) > 0 {
		fmt.Fprintf(w, "; remove %s", quoted(pr.Page.Remove))
	}
	fmt.Fprintln(w)
	if pr.Err != nil {
		fmt.Fprintf(w, "  failed (%s): %s\n", pr.Kind, terminalSafe(pr.Err.Error()))
	} else {
		lines := strings.Split(pr.Text, "\n")
		fmt.Fprintf(w, "  extracted: %s words in %s lines\n", thousands(pr.Words), thousands(len(lines)))
		shown := lines
		if !full && len(lines) > 13 {
			shown = append(append(lines[:10:10], fmt.Sprintf("… %s more lines (--full prints them) …", thousands(len(lines)-13))), lines[len(lines)-3:]...)
		}
		for _, l := range shown {
			fmt.Fprintf(w, "    | %s\n", terminalSafe(l))
		}
	}
	if l := pr.Where; l != nil {
		if len(l.Holders) == 0 {
			fmt.Fprintf(w, "  where the text is: the page has only %s words; if a browser shows more, scripts insert it: try --render browser\n", thousands(l.Words))
		} else {
			fmt.Fprintf(w, "  where the text is (%s words on the page, after the removals):\n", thousands(l.Words))
			for _, h := range l.Holders {
				fmt.Fprintf(w, "    %s\n", terminalSafe(h.String()))
			}
		}
	}
}

func toProbeJSON(src *config.Source, pr *sources.Probe) probeJSON {
	j := probeJSON{URL: pr.Page.URL, Source: src.ID, FinalURL: pr.URL, Status: pr.Status, Bytes: pr.Bytes, ContentType: pr.ContentType,
		Rendered: pr.Rendered, Select: pr.Page.Select, Remove: pr.Page.Remove, Words: pr.Words, Text: pr.Text, Holders: []holderJSON{}}
	if j.Remove == nil {
		j.Remove = []string{}
	}
	if pr.Err != nil {
		j.Error, j.ErrorKind = pr.Err.Error(), pr.Kind
	}
	if l := pr.Where; l != nil {
		j.PageWords = l.Words
		for _, h := range l.Holders {
			j.Holders = append(j.Holders, holderJSON{Selector: h.Selector, Words: h.Words, Elements: h.Elements})
		}
	}
	return j
}

func quoted(sels []string) string {
	q := make([]string, len(sels))
	for i, s := range sels {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// thousands writes n with commas between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
