package diff

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Fragment kinds.
const (
	FragmentAdded   = "added"
	FragmentRemoved = "removed"
	FragmentMoved   = "moved"
)

// Fragment is changed text with the sentences around it, the unit a topic
// classifier looks at. Text is the sentence or sentences containing the
// change (for an added or removed paragraph, the whole paragraph); Changed
// says which parts of Text were actually added or removed, so that evidence
// can be told apart from context.
type Fragment struct {
	Kind string `json:"kind"`
	// Line is the paragraph's line number: in the new version for added and
	// moved fragments, in the old version for removed ones.
	Line    int     `json:"line"`
	Text    string  `json:"text"`
	Changed []Range `json:"changed"`
	// Cosmetic marks fragments of a paragraph whose words did not change.
	Cosmetic bool `json:"cosmetic,omitempty"`
}

// Range is a byte range [Start, End) of a fragment's Text.
type Range struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// ChangedText returns the changed parts of the fragment's text, in order.
func (f Fragment) ChangedText() []string {
	out := make([]string, len(f.Changed))
	for i, r := range f.Changed {
		out[i] = f.Text[r.Start:r.End]
	}
	return out
}

// Fragments returns the added and removed text of the change in document
// order. For an edited paragraph that is, on the old side, the sentences
// holding removed words and, on the new side, the sentences holding added
// words; consecutive such sentences make one fragment. A paragraph moved
// without its words edited gives one "moved" fragment with nothing marked
// changed.
func (r *Result) Fragments() []Fragment {
	var fs []Fragment
	for _, h := range r.Hunks {
		for _, b := range h.Blocks {
			switch b.Kind {
			case KindAdded:
				fs = append(fs, wholeFragment(FragmentAdded, b.NewLine, b.New))
			case KindRemoved:
				fs = append(fs, wholeFragment(FragmentRemoved, b.OldLine, b.Old))
			case KindChanged:
				fs = append(fs, spanFragments(FragmentRemoved, b.OldLine, b.Spans, b.Cosmetic)...)
				fs = append(fs, spanFragments(FragmentAdded, b.NewLine, b.Spans, b.Cosmetic)...)
			case KindMoved:
				if !editsWords(b.Spans) {
					fs = append(fs, Fragment{Kind: FragmentMoved, Line: b.NewLine, Text: b.New, Changed: []Range{}})
					continue
				}
				fs = append(fs, spanFragments(FragmentRemoved, b.MovedFrom, b.Spans, false)...)
				fs = append(fs, spanFragments(FragmentAdded, b.NewLine, b.Spans, false)...)
			}
		}
	}
	return fs
}

// editsWords reports whether a word-level diff adds or removes any word
// (rather than only whitespace or punctuation).
func editsWords(spans []Span) bool {
	for _, s := range spans {
		if s.Op != OpEqual && hasWord(s.Text) {
			return true
		}
	}
	return false
}

func wholeFragment(kind string, line int, text string) Fragment {
	return Fragment{Kind: kind, Line: line, Text: text, Changed: []Range{trimRange(text, 0, len(text))}}
}

// spanFragments cuts one side of an edited paragraph into fragments.
func spanFragments(kind string, line int, spans []Span, cosmetic bool) []Fragment {
	changedOp := OpInsert
	if kind == FragmentRemoved {
		changedOp = OpDelete
	}
	// Rebuild this side's text and where its changes are.
	var b strings.Builder
	var changed []Range
	for _, s := range spans {
		if s.Op != OpEqual && s.Op != changedOp {
			continue
		}
		start := b.Len()
		b.WriteString(s.Text)
		if s.Op == changedOp {
			r := trimRange(s.Text, 0, len(s.Text))
			changed = append(changed, Range{r.Start + start, r.End + start})
		}
	}
	if len(changed) == 0 {
		return nil
	}
	text := b.String()
	var fs []Fragment
	first, last := -1, -1 // the run of touched sentences being collected
	var in []Range
	flush := func() {
		if first < 0 {
			return
		}
		r := trimRange(text, first, last)
		for _, c := range in {
			r.Start = min(r.Start, c.Start)
			r.End = max(r.End, c.End)
		}
		rs := make([]Range, len(in))
		for k, c := range in {
			rs[k] = Range{c.Start - r.Start, c.End - r.Start}
		}
		fs = append(fs, Fragment{Kind: kind, Line: line, Text: text[r.Start:r.End], Changed: rs, Cosmetic: cosmetic})
		first, in = -1, nil
	}
	k := 0 // next change to place
	for _, sen := range sentences(text) {
		touched := false
		for ; k < len(changed) && changed[k].Start < sen.End; k++ {
			in = append(in, changed[k])
			touched = true
		}
		// A change running on from an earlier sentence also touches this one.
		if !touched && len(in) > 0 && in[len(in)-1].End > sen.Start {
			touched = true
		}
		if !touched {
			flush()
			continue
		}
		if first < 0 {
			first = sen.Start
		}
		last = sen.End
	}
	flush()
	return fs
}

// trimRange returns [start, end) of s without surrounding whitespace, or
// unchanged if it is all whitespace.
func trimRange(s string, start, end int) Range {
	sub := s[start:end]
	lead := len(sub) - len(strings.TrimLeftFunc(sub, unicode.IsSpace))
	if lead == len(sub) {
		return Range{start, end}
	}
	trail := len(sub) - len(strings.TrimRightFunc(sub, unicode.IsSpace))
	return Range{start + lead, end - trail}
}

// sentences cuts a paragraph into sentences, each with the whitespace that
// follows it, so that the ranges cover the text. A sentence ends at ".", "!",
// "?" or "…" (and any closing quotes or brackets) followed by whitespace and
// a word that does not start in lower case, except after a one-letter word
// or a common abbreviation ("e.g.", "Ltd.") and after a lone leading number
// ("1. Who your contract is with").
func sentences(s string) []Range {
	toks := tokenize(s)
	var out []Range
	start, pos, words := 0, 0, 0
	prev := ""
	for k := 0; k < len(toks); k++ {
		t := toks[k]
		pos += len(t)
		p := prev
		prev = t
		if isWord(t) {
			words++
			continue
		}
		if t != "." && t != "!" && t != "?" && t != "…" {
			continue
		}
		if t == "." && (words < 2 || isWord(p) && isAbbreviation(p)) {
			continue
		}
		end, n := pos, k+1
		for n < len(toks) && isCloser(toks[n]) {
			end += len(toks[n])
			n++
		}
		if n+1 >= len(toks) || !isSpace(toks[n]) || startsLower(toks[n+1]) {
			continue
		}
		end += len(toks[n])
		out = append(out, Range{start, end})
		start, pos, words, prev, k = end, end, 0, toks[n], n
	}
	if start < len(s) {
		out = append(out, Range{start, len(s)})
	}
	return out
}

// abbreviations that end with a full stop without ending a sentence,
// lower case, without the stop.
var abbreviations = map[string]bool{
	"approx": true, "art": true, "cf": true, "co": true, "corp": true, "dr": true,
	"eg": true, "etc": true, "fig": true, "ie": true, "inc": true, "jr": true,
	"ltd": true, "mr": true, "mrs": true, "ms": true, "no": true, "nos": true,
	"para": true, "pp": true, "pte": true, "sec": true, "st": true, "vol": true, "vs": true,
}

func isAbbreviation(w string) bool {
	return utf8.RuneCountInString(w) == 1 || abbreviations[strings.ToLower(w)]
}

func isCloser(t string) bool {
	switch t {
	case ")", "]", "”", "’", "\"", "'", "»":
		return true
	}
	return false
}

func startsLower(t string) bool {
	r, _ := utf8.DecodeRuneInString(t)
	return unicode.IsLower(r)
}
