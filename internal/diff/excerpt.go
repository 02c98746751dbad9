package diff

import (
	"fmt"
	"strings"
	"unicode"
)

// ExcerptOptions limit an excerpt. The zero value gives the defaults.
type ExcerptOptions struct {
	Hunks   int // hunks shown (default 3); the others are counted
	Words   int // words shown per hunk, context included (default 50)
	Context int // words of unchanged text kept around a change (default 10)
}

func (o ExcerptOptions) withDefaults() ExcerptOptions {
	if o.Hunks <= 0 {
		o.Hunks = 3
	}
	if o.Words <= 0 {
		o.Words = 50
	}
	if o.Context <= 0 {
		o.Context = 10
	}
	return o
}

// Excerpt is one hunk of a change cut short, as a mail shows it: the
// changed words with a few words of context around them.
type Excerpt struct {
	// Label says where: "Line 12", or "Old line 12" when the hunk has no
	// line in the new version.
	Label string
	// Cosmetic marks a hunk that only changes formatting.
	Cosmetic bool
	Parts    []Part
}

// Excerpts returns a short form of the change: the hunks to show, at most
// opt.Hunks of them, in document order, preferring those that change words
// to cosmetic ones, and how many hunks were left out.
func (r *Result) Excerpts(opt ExcerptOptions) (ex []Excerpt, more int) {
	opt = opt.withDefaults()
	pick := make([]bool, len(r.Hunks))
	n := 0
	for _, wantCosmetic := range []bool{false, true} {
		for i, h := range r.Hunks {
			if n < opt.Hunks && !pick[i] && hunkCosmetic(h) == wantCosmetic {
				pick[i] = true
				n++
			}
		}
	}
	for i, h := range r.Hunks {
		if pick[i] {
			ex = append(ex, hunkExcerpt(h, opt))
		}
	}
	return ex, len(r.Hunks) - n
}

// ExcerptOf is the excerpt of block b of hunk h alone, for callers that
// choose the passages to show themselves (by what they mean rather than
// where they are).
func (r *Result) ExcerptOf(h, b int, opt ExcerptOptions) Excerpt {
	return hunkExcerpt(Hunk{Blocks: r.Hunks[h].Blocks[b : b+1]}, opt.withDefaults())
}

// ExcerptText renders the excerpts for plain-text mail, one line per hunk:
// "Line 12: …ten words of context [-removed-]{+added+} ten words…", and
// what does not fit counted on a last line.
func (r *Result) ExcerptText(opt ExcerptOptions) string {
	ex, more := r.Excerpts(opt)
	return ExcerptsText(ex, more)
}

// ExcerptsText renders excerpts as ExcerptText does.
func ExcerptsText(ex []Excerpt, more int) string {
	var b strings.Builder
	for _, e := range ex {
		b.WriteString(e.Label)
		if e.Cosmetic {
			b.WriteString(" (formatting only)")
		}
		b.WriteString(": ")
		writeTextParts(&b, Plain, e.Parts)
		b.WriteByte('\n')
	}
	if more > 0 {
		fmt.Fprintf(&b, "(%s not shown)\n", plural(more, "more change", "more changes"))
	}
	return b.String()
}

// piece is a bit of an excerpt while it is cut: text with a span op, or a
// part of kind PartCut, PartSep or PartNote.
type piece struct {
	kind string
	text string
}

// parts shows the pieces of an excerpt.
func parts(ps []piece) []Part {
	var out []Part
	for _, p := range ps {
		switch p.kind {
		case OpDelete, OpInsert:
			out = appendEdit(out, p.kind, p.text)
		case PartCut:
			out = append(out, Part{Kind: PartCut, Text: "…"})
		case PartSep:
			out = append(out, Part{Kind: PartSep, Text: " … "})
		default:
			out = append(out, Part{Kind: p.kind, Text: Visible(p.text)})
		}
	}
	return out
}

func hunkCosmetic(h Hunk) bool {
	for _, b := range h.Blocks {
		if b.Kind != KindContext && !(b.Kind == KindChanged && b.Cosmetic) {
			return false
		}
	}
	return true
}

func hunkExcerpt(h Hunk, opt ExcerptOptions) Excerpt {
	e := Excerpt{Cosmetic: hunkCosmetic(h)}
	var ps []piece
	for _, bl := range h.Blocks {
		if bl.Kind == KindContext {
			continue
		}
		if e.Label == "" {
			if bl.NewLine > 0 {
				e.Label = fmt.Sprintf("Line %d", bl.NewLine)
			} else {
				e.Label = fmt.Sprintf("Old line %d", bl.OldLine)
			}
		}
		if len(ps) > 0 {
			ps = append(ps, piece{kind: PartSep})
		}
		switch bl.Kind {
		case KindChanged:
			ps = append(ps, spanPieces(bl.Spans, opt.Context)...)
		case KindRemoved:
			ps = append(ps, piece{OpDelete, bl.Old})
		case KindAdded:
			ps = append(ps, piece{OpInsert, bl.New})
		case KindMoved:
			ps = append(ps, piece{PartNote, fmt.Sprintf("(moved from line %d)", bl.MovedFrom)})
			if bl.Spans != nil {
				ps = append(ps, spanPieces(bl.Spans, opt.Context)...)
			} else {
				ps = append(ps, leadPieces(bl.New, opt.Context)...)
			}
		case KindMovedAway:
			ps = append(ps, piece{PartNote, fmt.Sprintf("(moved to line %d)", bl.MovedTo)})
			ps = append(ps, leadPieces(bl.Old, opt.Context)...)
		}
	}
	e.Parts = parts(limitWords(ps, opt.Words))
	return e
}

// spanPieces keeps the edits of a paragraph and up to n words of unchanged
// text on each side of each edit.
func spanPieces(spans []Span, n int) []piece {
	var ps []piece
	for k, s := range spans {
		if s.Op != OpEqual {
			ps = append(ps, piece{s.Op, s.Text})
			continue
		}
		toks := tokenize(s.Text)
		first, last := k == 0, k == len(spans)-1
		words := 0
		for _, t := range toks {
			if isWord(t) {
				words++
			}
		}
		switch {
		case first && last:
			ps = append(ps, leadPieces(s.Text, n)...)
		case first && words > n:
			ps = append(ps, piece{kind: PartCut}, piece{OpEqual, lastWords(toks, n)})
		case last && words > n:
			ps = append(ps, piece{OpEqual, join(toks[:wordIndex(toks, n)])}, piece{kind: PartCut})
		case !first && !last && words > 2*n:
			ps = append(ps, piece{OpEqual, join(toks[:wordIndex(toks, n)])}, piece{kind: PartCut},
				piece{OpEqual, lastWords(toks, n)})
		default:
			ps = append(ps, piece{OpEqual, s.Text})
		}
	}
	return ps
}

// leadPieces keeps the first n words of an unchanged text.
func leadPieces(text string, n int) []piece {
	toks := tokenize(text)
	i := wordIndex(toks, n)
	if i == len(toks) {
		return []piece{{OpEqual, text}}
	}
	return []piece{{OpEqual, strings.TrimRightFunc(join(toks[:i]), unicode.IsSpace)}, {kind: PartCut}}
}

// wordIndex returns the index of the token just after the n-th word
// (len(toks) if there are fewer), keeping the punctuation that follows it.
func wordIndex(toks []string, n int) int {
	words := 0
	for i, t := range toks {
		if isWord(t) {
			if words == n {
				return i
			}
			words++
		}
	}
	return len(toks)
}

// lastWords returns the text from the n-th word before the end, starting at
// that word.
func lastWords(toks []string, n int) string {
	words := 0
	for i := len(toks) - 1; i >= 0; i-- {
		if isWord(toks[i]) {
			words++
			if words == n {
				return join(toks[i:])
			}
		}
	}
	return join(toks)
}

// limitWords cuts the pieces after max words.
func limitWords(ps []piece, max int) []piece {
	left := max
	for k, p := range ps {
		if p.kind != OpEqual && p.kind != OpInsert && p.kind != OpDelete {
			continue
		}
		toks := tokenize(p.text)
		i := wordIndex(toks, left)
		if i == len(toks) {
			left -= countWords(p.text)
			continue
		}
		out := ps[:k:k]
		kept := strings.TrimRightFunc(join(toks[:i]), unicode.IsSpace)
		switch {
		case strings.TrimSpace(kept) == "":
			out = append(out, piece{kind: PartCut})
		case p.kind == OpEqual:
			out = append(out, piece{p.kind, kept}, piece{kind: PartCut})
		default:
			out = append(out, piece{p.kind, kept + "…"})
		}
		return tidy(out)
	}
	return tidy(ps)
}

// tidy merges runs of elisions and separators into one, so that an excerpt
// never shows "… … …", and drops separators at the end.
func tidy(ps []piece) []piece {
	var out []piece
	for _, p := range ps {
		if p.kind == PartCut || p.kind == PartSep {
			if k := len(out) - 1; k >= 0 && out[k].kind == OpEqual {
				out[k].text = strings.TrimRightFunc(out[k].text, unicode.IsSpace)
			}
			if k := len(out) - 1; k >= 0 && (out[k].kind == PartCut || out[k].kind == PartSep) {
				if p.kind == PartSep {
					out[k].kind = PartSep
				}
				continue
			}
		}
		out = append(out, p)
	}
	if k := len(out) - 1; k >= 0 && out[k].kind == PartSep {
		out[k].kind = PartCut
	}
	return out
}

// Summary describes the change in a few words, e.g. "12 words added,
// 3 removed, 1 paragraph moved" or "formatting only".
func (r *Result) Summary() string {
	if !r.Changed() {
		return "no change"
	}
	if r.Cosmetic {
		return "formatting only (whitespace, punctuation or case)"
	}
	moved := 0
	for _, h := range r.Hunks {
		for _, b := range h.Blocks {
			if b.Kind == KindMoved {
				moved++
			}
		}
	}
	parts := []string{
		plural(r.WordsAdded, "word", "words") + " added",
		fmt.Sprintf("%d removed", r.WordsRemoved),
	}
	if moved > 0 {
		parts = append(parts, plural(moved, "paragraph", "paragraphs")+" moved")
	}
	return strings.Join(parts, ", ")
}

// plural formats n with the singular or plural noun.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
