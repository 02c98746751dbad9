package diff

import (
	"fmt"
	"html/template"
	"strings"
	"unicode"
)

// ExcerptOptions limit an excerpt. The zero value gives the defaults.
type ExcerptOptions struct {
	Hunks   int // hunks shown (default 3); the others are counted
	Words   int // words shown per hunk, context included (default 50)
	Context int // words of unchanged text kept around a change (default 10)
	// Inline writes inline styles instead of class names, for e-mail
	// clients that drop style sheets.
	Inline bool
}

// excerptStyle holds the attributes of the elements of an HTML excerpt.
type excerptStyle struct{ list, line, note, more, del, ins, mark string }

var (
	classStyle = excerptStyle{list: ` class="diff-excerpt"`, line: ` class="diff-line"`, note: ` class="diff-note"`,
		more: ` class="diff-more"`, mark: ` class="diff-mark"`}
	inlineStyle = excerptStyle{
		list: ` style="margin:6px 0;padding-left:18px"`,
		line: ` style="color:#6b6b6b"`,
		note: ` style="color:#6b6b6b;font-style:italic"`,
		more: ` style="color:#6b6b6b;list-style:none"`,
		del:  ` style="background:#fde2e2;color:#8f1d1d;text-decoration:line-through"`,
		ins:  ` style="background:#dff3df;color:#1b5e20;text-decoration:none;font-weight:600"`,
		mark: ` style="background:#fff3c4"`,
	}
)

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

// piece is a bit of an excerpt: text with a span op, an elision, a block
// separator or a note.
type piece struct {
	kind string // OpEqual, OpInsert, OpDelete, pieceCut, pieceSep, pieceNote
	text string
}

const (
	pieceCut  = "cut"  // text left out: "…"
	pieceSep  = "sep"  // between two changes of a hunk: " … "
	pieceNote = "note" // e.g. "(moved from line 5)"
)

type excerpt struct {
	label    string
	cosmetic bool
	pieces   []piece
}

// ExcerptText renders a short form of the change for plain-text mail, one
// line per hunk: "Line 12: …ten words of context [-removed-]{+added+} ten
// words…". Hunks that change words are preferred to cosmetic ones; what does
// not fit is counted on a last line.
func (r *Result) ExcerptText(opt ExcerptOptions) string {
	ex, more := r.excerpts(opt.withDefaults())
	var b strings.Builder
	for _, e := range ex {
		b.WriteString(e.label)
		if e.cosmetic {
			b.WriteString(" (formatting only)")
		}
		b.WriteString(": ")
		for _, p := range e.pieces {
			switch p.kind {
			case OpEqual:
				b.WriteString(visible(p.text))
			case OpDelete:
				writeTextEdit(&b, Plain, p.text, "[-", "-]", "", "")
			case OpInsert:
				writeTextEdit(&b, Plain, p.text, "{+", "+}", "", "")
			case pieceCut:
				b.WriteString("…")
			case pieceSep:
				b.WriteString(" … ")
			case pieceNote:
				b.WriteString(visible(p.text) + " ")
			}
		}
		b.WriteByte('\n')
	}
	if more > 0 {
		fmt.Fprintf(&b, "(%s not shown)\n", plural(more, "more change", "more changes"))
	}
	return b.String()
}

// ExcerptHTML is ExcerptText as an HTML list (class diff-excerpt), with
// <del> and <ins> as in HTML.
func (r *Result) ExcerptHTML(opt ExcerptOptions) template.HTML {
	ex, more := r.excerpts(opt.withDefaults())
	st := classStyle
	if opt.Inline {
		st = inlineStyle
	}
	var b strings.Builder
	b.WriteString(`<ul` + st.list + `>` + "\n")
	for _, e := range ex {
		b.WriteString(`<li><span` + st.line + `>` + esc(e.label))
		if e.cosmetic {
			b.WriteString(" (formatting only)")
		}
		b.WriteString("</span> ")
		for _, p := range e.pieces {
			switch p.kind {
			case OpEqual:
				b.WriteString(esc(p.text))
			case OpDelete:
				writeHTMLEditAttr(&b, "del", st.del, st.mark, p.text)
			case OpInsert:
				writeHTMLEditAttr(&b, "ins", st.ins, st.mark, p.text)
			case pieceCut:
				b.WriteString("…")
			case pieceSep:
				b.WriteString(" … ")
			case pieceNote:
				b.WriteString(`<span` + st.note + `>` + esc(p.text) + "</span> ")
			}
		}
		b.WriteString("</li>\n")
	}
	if more > 0 {
		fmt.Fprintf(&b, `<li%s>%s not shown</li>`+"\n", st.more, plural(more, "more change", "more changes"))
	}
	b.WriteString("</ul>\n")
	return template.HTML(b.String())
}

// excerpts picks the hunks to show, preferring those that change words, and
// keeps them in document order.
func (r *Result) excerpts(opt ExcerptOptions) ([]excerpt, int) {
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
	var ex []excerpt
	for i, h := range r.Hunks {
		if pick[i] {
			ex = append(ex, hunkExcerpt(h, opt))
		}
	}
	return ex, len(r.Hunks) - n
}

func hunkCosmetic(h Hunk) bool {
	for _, b := range h.Blocks {
		if b.Kind != KindContext && !(b.Kind == KindChanged && b.Cosmetic) {
			return false
		}
	}
	return true
}

func hunkExcerpt(h Hunk, opt ExcerptOptions) excerpt {
	e := excerpt{cosmetic: hunkCosmetic(h)}
	var ps []piece
	for _, bl := range h.Blocks {
		if bl.Kind == KindContext {
			continue
		}
		if e.label == "" {
			if bl.NewLine > 0 {
				e.label = fmt.Sprintf("Line %d", bl.NewLine)
			} else {
				e.label = fmt.Sprintf("Old line %d", bl.OldLine)
			}
		}
		if len(ps) > 0 {
			ps = append(ps, piece{kind: pieceSep})
		}
		switch bl.Kind {
		case KindChanged:
			ps = append(ps, spanPieces(bl.Spans, opt.Context)...)
		case KindRemoved:
			ps = append(ps, piece{OpDelete, bl.Old})
		case KindAdded:
			ps = append(ps, piece{OpInsert, bl.New})
		case KindMoved:
			ps = append(ps, piece{pieceNote, fmt.Sprintf("(moved from line %d)", bl.MovedFrom)})
			if bl.Spans != nil {
				ps = append(ps, spanPieces(bl.Spans, opt.Context)...)
			} else {
				ps = append(ps, leadPieces(bl.New, opt.Context)...)
			}
		case KindMovedAway:
			ps = append(ps, piece{pieceNote, fmt.Sprintf("(moved to line %d)", bl.MovedTo)})
			ps = append(ps, leadPieces(bl.Old, opt.Context)...)
		}
	}
	e.pieces = limitWords(ps, opt.Words)
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
			ps = append(ps, piece{kind: pieceCut}, piece{OpEqual, lastWords(toks, n)})
		case last && words > n:
			ps = append(ps, piece{OpEqual, join(toks[:wordIndex(toks, n)])}, piece{kind: pieceCut})
		case !first && !last && words > 2*n:
			ps = append(ps, piece{OpEqual, join(toks[:wordIndex(toks, n)])}, piece{kind: pieceCut},
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
	return []piece{{OpEqual, strings.TrimRightFunc(join(toks[:i]), unicode.IsSpace)}, {kind: pieceCut}}
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
			out = append(out, piece{kind: pieceCut})
		case p.kind == OpEqual:
			out = append(out, piece{p.kind, kept}, piece{kind: pieceCut})
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
		if p.kind == pieceCut || p.kind == pieceSep {
			if k := len(out) - 1; k >= 0 && out[k].kind == OpEqual {
				out[k].text = strings.TrimRightFunc(out[k].text, unicode.IsSpace)
			}
			if k := len(out) - 1; k >= 0 && (out[k].kind == pieceCut || out[k].kind == pieceSep) {
				if p.kind == pieceSep {
					out[k].kind = pieceSep
				}
				continue
			}
		}
		out = append(out, p)
	}
	if k := len(out) - 1; k >= 0 && out[k].kind == pieceSep {
		out[k].kind = pieceCut
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
