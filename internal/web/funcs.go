package web

import (
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"tracker"
	"tracker/internal/changes"
	"tracker/internal/diff"
	"tracker/internal/links"
	"tracker/internal/topics"
)

var funcs = template.FuncMap{
	"when":       when,
	"whenStr":    fmtAPITime,
	"day":        func(t time.Time) string { return t.UTC().Format("2006-01-02") },
	"short":      func(h string) string { return h[:min(12, len(h))] },
	"sourceURL":  func(id string) string { return links.SourceURL("", id) },
	"versionURL": func(id string, seq int) string { return links.VersionURL("", id, seq) },
	"diffURL":    func(id string, from, to int) string { return links.DiffURL("", id, from, to) },
	"servedURL":  func(id string, seq int) string { return links.SnapshotURL("", id, seq) },
	"atURL":      func(id string, t time.Time) string { return links.AtURL("", id, t.UTC().Format("2006-01-02")) },
	"evidence":   func(m topics.Match) string { return quoted(m.Evidence) },
	"capture":    changes.IsCaptureArtefact,
	// announcement is why a change is flagged unannounced or redated, ""
	// when it is not.
	"announcement": func(c tracker.Change) string {
		if changes.Unannounced(c) || changes.Redated(c) {
			return changes.AnnouncementNote(c)
		}
		return ""
	},
	"runs":       runsOf,
	"number":     number,
	"add":        func(a, b int) int { return a + b },
	"f":          func(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) },
	"query":      query,
	"visible":    diff.Visible,
	"blockClass": blockClass,
	"styleSheet": styleSheet,
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return number(n) + " " + many
	},
}

// when writes a moment the way every page cites it.
func when(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// number writes 12345 as 12,345.
func number(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

type seqRun struct{ From, To int }

func runsOf(rs [][2]int) []seqRun {
	out := make([]seqRun, len(rs))
	for i, r := range rs {
		out[i] = seqRun{r[0], r[1]}
	}
	return out
}

// query builds a query string from name, value pairs, leaving out empty
// values: {{query "from" 3 "to" 4 "view" "side"}}.
func query(kv ...any) (string, error) {
	if len(kv)%2 != 0 {
		return "", fmt.Errorf("query: odd number of arguments")
	}
	v := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		val := fmt.Sprint(kv[i+1])
		if val != "" && val != "0" && val != "false" {
			v.Set(fmt.Sprint(kv[i]), val)
		}
	}
	if len(v) == 0 {
		return "", nil
	}
	return "?" + strings.ReplaceAll(v.Encode(), "+", "%20"), nil
}

// blockClass maps kinds to class names rather than deriving one, because a
// Result may come back from stored JSON, and a kind it does not know must
// not become a class it does.
func blockClass(bl diff.Block) string {
	c, ok := kindClass[bl.Kind]
	if !ok {
		c = "diff-unknown"
	}
	if bl.Cosmetic {
		c += " diff-cosmetic"
	}
	return c
}

var kindClass = map[string]string{
	diff.KindContext:   "diff-context",
	diff.KindAdded:     "diff-added",
	diff.KindRemoved:   "diff-removed",
	diff.KindChanged:   "diff-changed",
	diff.KindMoved:     "diff-moved",
	diff.KindMovedAway: "diff-moved-away",
}

// styleSheet is the embedded style sheet, for a page that has no server to
// fetch it from (see WriteDiffPage). It is tracker's own file, not text
// from the web.
func styleSheet() (template.CSS, error) {
	b, err := staticFS.ReadFile("static/style.css")
	return template.CSS(b), err
}
