package diff

import (
	"strings"
	"testing"
)

// checkReconstructs checks that a result compared with unlimited context
// accounts for every paragraph of both versions exactly once, in order, and
// that every word-level diff rebuilds both sides of its paragraph: nothing
// was lost or invented on the way.
func checkReconstructs(t *testing.T, r *Result, old, new string) {
	t.Helper()
	wantOld, wantNew := nonBlankLines(old), nonBlankLines(new)
	if len(wantOld) == 0 && len(wantNew) == 0 || equalStrings(wantOld, wantNew) {
		if len(r.Hunks) != 0 {
			t.Errorf("equal versions gave %d hunks", len(r.Hunks))
		}
		return
	}
	if len(r.Hunks) != 1 {
		t.Fatalf("with unlimited context want 1 hunk, got %d", len(r.Hunks))
	}
	var gotOld, gotNew []string
	for _, b := range r.Hunks[0].Blocks {
		if b.Spans != nil {
			o, n := spanSides(b.Spans)
			if o != b.Old || n != b.New {
				t.Errorf("%s block at old line %d, new line %d: spans do not rebuild the texts", b.Kind, b.OldLine, b.NewLine)
			}
		}
		switch b.Kind {
		case KindContext:
			if b.Old != b.New {
				t.Errorf("context block differs: %q / %q", b.Old, b.New)
			}
			gotOld = append(gotOld, b.Old)
			gotNew = append(gotNew, b.New)
		case KindRemoved, KindMovedAway:
			gotOld = append(gotOld, b.Old)
		case KindAdded, KindMoved:
			gotNew = append(gotNew, b.New)
		case KindChanged:
			gotOld = append(gotOld, strings.Split(b.Old, "\n")...)
			gotNew = append(gotNew, strings.Split(b.New, "\n")...)
		default:
			t.Errorf("unknown kind %q", b.Kind)
		}
	}
	if !equalStrings(gotOld, wantOld) {
		t.Errorf("blocks do not rebuild the old version (%d paragraphs, want %d)", len(gotOld), len(wantOld))
	}
	if !equalStrings(gotNew, wantNew) {
		t.Errorf("blocks do not rebuild the new version (%d paragraphs, want %d)", len(gotNew), len(wantNew))
	}
}

func nonBlankLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSuffix(l, "\r")
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// spanSides rebuilds the old and new text of a word-level diff.
func spanSides(spans []Span) (old, new string) {
	var o, n strings.Builder
	for _, s := range spans {
		if s.Op != OpInsert {
			o.WriteString(s.Text)
		}
		if s.Op != OpDelete {
			n.WriteString(s.Text)
		}
	}
	return o.String(), n.String()
}

// edits lists the edited spans of a result as "-text" and "+text", in order.
func edits(r *Result) []string {
	var out []string
	for _, h := range r.Hunks {
		for _, b := range h.Blocks {
			for _, s := range b.Spans {
				if s.Op != OpEqual {
					out = append(out, s.Op+s.Text)
				}
			}
		}
	}
	return out
}

// kinds lists the kinds of the non-context blocks of a result.
func kinds(r *Result) []string {
	var out []string
	for _, h := range r.Hunks {
		for _, b := range h.Blocks {
			if b.Kind != KindContext {
				out = append(out, b.Kind)
			}
		}
	}
	return out
}
