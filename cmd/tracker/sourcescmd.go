package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"

	"tracker/internal/config"
	"tracker/internal/store"
)

type sourceJSON struct {
	ID           string  `json:"id"`
	Name         string  `json:"name"`
	Kind         string  `json:"kind"`
	URL          string  `json:"url"`
	Origin       string  `json:"origin"`
	Declared     bool    `json:"declared"`
	Disabled     bool    `json:"disabled"`
	Jurisdiction string  `json:"jurisdiction,omitempty"`
	Document     string  `json:"document,omitempty"`
	Versions     int     `json:"versions"`
	CurrentSeq   int     `json:"current_seq"`
	Items        int     `json:"items"`
	LastFetch    *string `json:"last_fetch"`
	LastOK       *string `json:"last_ok"`
	LastChange   *string `json:"last_change"`
	Error        string  `json:"error"`
	ErrorKind    string  `json:"error_kind"`
	FailingSince *string `json:"failing_since"`
	Failures     int     `json:"failures"`
	Notice       string  `json:"notice,omitempty"`
}

// runSources lists declared and stored sources with their status.
func runSources(ctx context.Context, a *app, fs *flag.FlagSet, args []string) int {
	if len(args) > 0 {
		fs.Usage()
		return exitUsage
	}
	cfg, ok := a.loadConfig()
	if !ok {
		return exitUsage
	}
	db, ok := a.openDB(ctx, false)
	if !ok {
		return exitFailed
	}
	defer db.Close()
	stored, err := db.Sources(ctx)
	if err != nil {
		a.errorf("%v", err)
		return exitFailed
	}
	list := mergeSources(cfg, stored)
	if a.jsonOut {
		return a.printJSON(list)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tHISTORY\tLAST FETCH\tLAST CHANGE\tSTATUS")
	for _, s := range list {
		history := fmt.Sprintf("%d versions", s.Versions)
		if s.Kind == "feed" {
			history = fmt.Sprintf("%d items", s.Items)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.Kind, history, fmtStr(s.LastFetch), fmtStr(s.LastChange), status(s))
	}
	tw.Flush()
	return exitOK
}

func status(s sourceJSON) string {
	switch {
	case s.Origin == store.OriginImport && !s.Declared:
		return "import-only (not fetched)"
	case !s.Declared:
		return "not in the configuration any more"
	case s.Disabled:
		return "disabled"
	case s.Error != "":
		return fmt.Sprintf("failing since %s (%d attempts): %s", fmtStr(s.FailingSince), s.Failures, s.Error)
	case s.LastFetch == nil:
		return "never checked"
	case s.Notice != "":
		return "ok; " + s.Notice
	}
	return "ok"
}

func fmtStr(s *string) string {
	if s == nil {
		return "-"
	}
	return (*s)[:10] + " " + (*s)[11:16]
}

// mergeSources lists the declared sources in configuration order, then those
// only in the database.
func mergeSources(cfg *config.Config, stored []store.Source) []sourceJSON {
	byID := map[string]store.Source{}
	for _, s := range stored {
		byID[s.ID] = s
	}
	var out []sourceJSON
	seen := map[string]bool{}
	for _, c := range cfg.Sources {
		s, ok := byID[c.ID]
		if !ok {
			s = store.Source{ID: c.ID, Origin: store.OriginConfig}
		}
		j := toSourceJSON(s)
		j.Name, j.Kind, j.URL, j.Declared, j.Disabled = c.Name, c.Kind, c.URL, true, c.Disabled
		j.Origin = store.OriginConfig
		j.Jurisdiction, j.Document = c.Jurisdiction, c.Document
		out = append(out, j)
		seen[c.ID] = true
	}
	for _, s := range stored {
		if !seen[s.ID] {
			out = append(out, toSourceJSON(s))
		}
	}
	return out
}

func toSourceJSON(s store.Source) sourceJSON {
	return sourceJSON{
		ID: s.ID, Name: s.Name, Kind: s.Kind, URL: s.URL, Origin: s.Origin,
		Versions: s.Versions, CurrentSeq: s.CurrentSeq, Items: s.Items,
		LastFetch: jsonTime(s.LastFetchAt), LastOK: jsonTime(s.LastOKAt), LastChange: jsonTime(s.LastChangeAt),
		Error: s.Error, ErrorKind: s.ErrorKind, FailingSince: jsonTime(s.FailingSince), Failures: s.Failures, Notice: s.Notice,
	}
}
