package web

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"tracker"
	"tracker/internal/api"
	"tracker/internal/changes"
	"tracker/internal/cite"
	"tracker/internal/diff"
	"tracker/internal/links"
	"tracker/internal/topics"
)

type format int

const (
	formatJSON format = iota
	formatCSV
	formatMarkdown
)

var formats = map[format]struct{ ext, contentType string }{
	formatJSON:     {"json", "application/json; charset=utf-8"},
	formatCSV:      {"csv", "text/csv; charset=utf-8"},
	formatMarkdown: {"md", "text/markdown; charset=utf-8"},
}

// History is a document's history as exported: the source, every version
// and every change, in the JSON forms of the command line.
type History struct {
	Source   api.Source    `json:"source"`
	Versions []api.Version `json:"versions"`
	Changes  []api.Change  `json:"changes"`
	// Attribution is what the dataset's licence asks to be credited, when
	// versions were imported from it.
	Attribution string `json:"attribution,omitempty"`
	// Following says since when tracker no longer follows the source ("":
	// it does).
	Following string `json:"following,omitempty"`
}

// download sends an export as a file to keep.
func download(w http.ResponseWriter, r *http.Request, f format, name string, body []byte) {
	w.Header().Set("Content-Type", formats[f].contentType)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, name, formats[f].ext))
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

func (s *server) exportHistory(f format) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id := r.PathValue("id")
		src, versions, list, err := s.history(r.Context(), id)
		if err != nil {
			return err
		}
		h := History{Source: src, Versions: []api.Version{}, Changes: []api.Change{}}
		cs, err := cite.All(r.Context(), s.db, s.citeDoc(src), versions)
		if err != nil {
			return err
		}
		for i, v := range versions {
			h.Versions = append(h.Versions, api.Cited(v, cs[i]))
			if cs[i].Attribution != "" {
				h.Attribution = cs[i].Attribution
			}
		}
		if len(cs) > 0 {
			h.Following = cs[len(cs)-1].Following()
		}
		byTo := map[int]api.Change{}
		for _, c := range list {
			h.Changes = append(h.Changes, api.NewChange(c))
			byTo[c.ToSeq] = api.NewChange(c)
		}
		var body []byte
		switch f {
		case formatJSON:
			body, err = json.MarshalIndent(h, "", "  ")
			body = append(body, '\n')
		case formatCSV:
			body, err = historyCSV(h, byTo)
		case formatMarkdown:
			body = historyMarkdown(h, byTo, links.SourceURL(s.base, id), s.now().UTC().Format("2006-01-02 15:04 UTC"))
		}
		if err != nil {
			return err
		}
		download(w, r, f, id+"-history", body)
		return nil
	}
}

func historyCSV(h History, byTo map[int]api.Change) ([]byte, error) {
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	cw.Write([]string{"source", "seq", "first_seen", "last_seen", "sha256", "words", "same_as", "provenance", "origin_ref",
		"technical", "importance", "words_added", "words_removed", "topics", "summary", "document_url", "confirmed_by", "attribution", "citation"})
	for _, v := range h.Versions {
		row := []string{v.Source, strconv.Itoa(v.Seq), str(v.FirstSeen), str(v.LastSeen), v.SHA256, strconv.Itoa(v.Words),
			intStr(v.SameAs), string(v.Provenance), cell(v.OriginRef), strconv.FormatBool(v.Technical)}
		if c, ok := byTo[v.Seq]; ok {
			row = append(row, string(c.Importance), strconv.Itoa(c.WordsAdded), strconv.Itoa(c.WordsRemoved), cell(topicText(c.Topics)), cell(c.Summary))
		} else {
			row = append(row, "", "", "", "", "")
		}
		if c := v.Citation; c != nil {
			row = append(row, cell(c.DocumentURL), string(c.ConfirmedBy), cell(c.Attribution), cell(c.Text))
		}
		cw.Write(row)
	}
	cw.Flush()
	return b.Bytes(), cw.Error()
}

func historyMarkdown(h History, byTo map[int]api.Change, link, now string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: history\n\n", md(displayName(h.Source)))
	fmt.Fprintf(&b, "Source `%s`", h.Source.ID)
	// Only web addresses become links: a javascript: URL must not.
	if u := h.Source.URL; strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
		fmt.Fprintf(&b, " (<%s>)", strings.ReplaceAll(h.Source.URL, ">", "%3E"))
	}
	fmt.Fprintf(&b, ". %d versions. Exported from tracker on %s; pages: %s\n\n", len(h.Versions), now, link)
	if h.Following != "" {
		what := "Tracker does not follow this document any more"
		if h.Source.Origin == tracker.OriginImport && !h.Source.Declared {
			what = "Tracker never fetched this document: its versions were imported from " + cite.DatasetName
		}
		fmt.Fprintf(&b, "%s: %s. Its latest version is the last text tracker holds, not necessarily the one in force today.\n\n", what, h.Following)
	}
	if h.Attribution != "" {
		fmt.Fprintf(&b, "Versions imported from %s (their origin reference below): %s.\n\n", cite.DatasetName, h.Attribution)
	}
	b.WriteString("| Version | First seen | Last confirmed | Words | Change | Topics | SHA-256 | Confirmed by | Provenance |\n")
	b.WriteString("| ---: | --- | --- | ---: | --- | --- | --- | --- | --- |\n")
	for i := len(h.Versions) - 1; i >= 0; i-- {
		v := h.Versions[i]
		change := "first version"
		topicCell := ""
		if c, ok := byTo[v.Seq]; ok {
			change = fmt.Sprintf("%s: +%d −%d", c.Importance, c.WordsAdded, c.WordsRemoved)
			if c.Technical {
				change += ", technical"
			}
			topicCell = md(topicText(c.Topics))
		}
		if v.SameAs != nil {
			change += fmt.Sprintf(", same as version %d", *v.SameAs)
		}
		by, origin := "", string(v.Provenance)
		if c := v.Citation; c != nil {
			by = confirmedBy(c.ConfirmedBy, c.UntilNext)
		}
		if v.OriginRef != "" {
			origin += ": " + md(v.OriginRef)
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %d | %s | %s | `%s` | %s | %s |\n", v.Seq, fmtAPITime(v.FirstSeen), fmtAPITime(v.LastSeen),
			v.Words, change, topicCell, v.SHA256, by, origin)
	}
	return []byte(b.String())
}

func (s *server) exportDiff(f format) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		id := r.PathValue("id")
		src, err := s.source(ctx, id)
		if err != nil {
			return err
		}
		from, to, ch, err := s.diffOf(ctx, id, r.URL.Query())
		if err != nil {
			return err
		}
		var body []byte
		switch f {
		case formatJSON:
			body, err = json.MarshalIndent(api.NewDiff(from, to, ch), "", "  ")
			body = append(body, '\n')
		case formatCSV:
			body, err = diffCSV(ch.Diff)
		case formatMarkdown:
			var fc, tc cite.Citation
			if fc, err = s.citation(ctx, src, from); err != nil {
				return err
			}
			if tc, err = s.citation(ctx, src, to); err != nil {
				return err
			}
			body = diffMarkdown(src, fc, tc, ch, links.DiffURL(s.base, id, from.Seq, to.Seq))
		}
		if err != nil {
			return err
		}
		download(w, r, f, fmt.Sprintf("%s-diff-%d-%d", id, from.Seq, to.Seq), body)
		return nil
	}
}

// diffCSV writes one row per paragraph of the diff, with the words removed
// and added in it.
func diffCSV(res *diff.Result) ([]byte, error) {
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	cw.Write([]string{"hunk", "kind", "old_line", "new_line", "old_text", "new_text", "removed", "added"})
	for i, h := range res.Hunks {
		for _, bl := range h.Blocks {
			var removed, added []string
			switch bl.Kind {
			case diff.KindRemoved:
				removed = []string{bl.Old}
			case diff.KindAdded:
				added = []string{bl.New}
			}
			for _, sp := range bl.Spans {
				switch sp.Op {
				case diff.OpDelete:
					removed = append(removed, strings.TrimSpace(sp.Text))
				case diff.OpInsert:
					added = append(added, strings.TrimSpace(sp.Text))
				}
			}
			cw.Write([]string{strconv.Itoa(i + 1), bl.Kind, lineStr(bl.OldLine), lineStr(bl.NewLine), cell(bl.Old), cell(bl.New),
				cell(strings.Join(removed, " … ")), cell(strings.Join(added, " … "))})
		}
	}
	cw.Flush()
	return b.Bytes(), cw.Error()
}

// diffMarkdown cites both versions and gives the diff as plain text in a
// fence, where no character of the documents can turn into markup.
func diffMarkdown(src api.Source, from, to cite.Citation, ch changes.Analysis, link string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: version %d → version %d\n\n", md(displayName(src)), from.Seq, to.Seq)
	fmt.Fprintf(&b, "- From: %s\n- To: %s\n- Importance: **%s**; %s\n", md(from.Text()), md(to.Text()), ch.Importance, ch.Summary)
	if ch.Reason != "" {
		fmt.Fprintf(&b, "- What it does: %s\n", md(ch.Reason))
	}
	for _, m := range ch.Topics {
		note := ""
		if m.Context {
			note = " (only in the sentences around the change)"
		}
		fmt.Fprintf(&b, "- Topic %s%s: %s\n", m.Topic, note, md(quoted(m.Evidence)))
	}
	fmt.Fprintf(&b, "- Page: %s\n\nRemoved words are marked [-like this-], added words {+like this+}.\n\n", link)
	text := ch.Diff.Text(diff.Plain)
	fence := "```"
	for strings.Contains(text, fence) {
		fence += "`"
	}
	fmt.Fprintf(&b, "%stext\n%s%s\n", fence, text, fence)
	return []byte(b.String())
}

// confirmedBy names who last confirmed a text, for a table cell.
func confirmedBy(by cite.ConfirmedBy, untilNext bool) string {
	switch by {
	case cite.ByTracker:
		return "tracker's fetches"
	case cite.ByDataset:
		if untilNext {
			return cite.DatasetName + " (next version recorded)"
		}
		return cite.DatasetName
	case cite.ByRebuild:
		return "tracker (rebuilt)"
	}
	return ""
}

func topicText(ms []topics.Match) string {
	var parts []string
	for _, m := range ms {
		name := m.Topic
		if m.Context {
			name += " (context)"
		}
		parts = append(parts, name+": "+quoted(m.Evidence))
	}
	return strings.Join(parts, "; ")
}

func quoted(ev []string) string {
	q := make([]string, len(ev))
	for i, e := range ev {
		q[i] = strconv.Quote(e)
	}
	return strings.Join(q, ", ")
}

// cell keeps a spreadsheet from reading a text cell as a formula: the
// documents and feeds come from the web, and a cell starting with = + - @
// would run in Excel or LibreOffice.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// md escapes text for Markdown, so that a title or an evidence phrase
// cannot become a link, an image or a table cell boundary.
func md(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>|~", r) {
			b.WriteByte('\\')
		}
		if r == '\n' || r == '\r' {
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func intStr(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

func lineStr(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func fmtAPITime(p *string) string {
	if p == nil {
		return "–"
	}
	return strings.Replace((*p)[:16], "T", " ", 1) + " UTC"
}
