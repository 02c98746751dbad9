package diff

import (
	"fmt"
	"html"
	"html/template"
	"strings"
)

// The HTML renderers build markup by hand and escape every piece of version
// text with esc, so the template.HTML they return holds no markup from the
// page: a version containing <script> comes out as text. Styling is left to
// the page through class names:
//
//	diff, diff-hunk, diff-hunk-header        containers and hunk headers
//	diff-context, diff-changed, diff-added,  one per block kind
//	diff-removed, diff-moved, diff-moved-away
//	diff-cosmetic                            with diff-changed: formatting only
//	diff-note                                "moved from line 5" notes
//	diff-mark                                on <ins>/<del> holding no word
//	diff-side-by-side, diff-old, diff-new    the two-column table

// HTML renders the change inline: one <p> per paragraph, removed words in
// <del> and added words in <ins>.
func (r *Result) HTML() template.HTML {
	var b strings.Builder
	b.WriteString(`<div class="diff">` + "\n")
	for _, h := range r.Hunks {
		b.WriteString(`<div class="diff-hunk">` + "\n")
		fmt.Fprintf(&b, `<div class="diff-hunk-header">%s</div>`+"\n", esc(hunkTitle(h)))
		for _, bl := range h.Blocks {
			fmt.Fprintf(&b, `<p class="%s">`, blockClass(bl))
			switch bl.Kind {
			case KindContext:
				b.WriteString(esc(bl.New))
			case KindRemoved:
				b.WriteString("<del>" + esc(bl.Old) + "</del>")
			case KindAdded:
				b.WriteString("<ins>" + esc(bl.New) + "</ins>")
			case KindChanged:
				writeHTMLParts(&b, bl.Parts())
			case KindMoved:
				fmt.Fprintf(&b, `<span class="diff-note">Moved from line %d</span> `, bl.MovedFrom)
				writeMovedNew(&b, bl)
			case KindMovedAway:
				fmt.Fprintf(&b, `<span class="diff-note">Moved to line %d</span> `, bl.MovedTo)
				b.WriteString(html.EscapeString(bl.Preview()))
			}
			b.WriteString("</p>\n")
		}
		b.WriteString("</div>\n")
	}
	b.WriteString("</div>\n")
	return template.HTML(b.String())
}

// SideBySideHTML renders the change as a two-column table, the old version
// on the left and the new on the right, one row per paragraph and one
// <tbody> per hunk.
func (r *Result) SideBySideHTML() template.HTML {
	var b strings.Builder
	b.WriteString(`<table class="diff diff-side-by-side">` + "\n")
	b.WriteString(`<thead><tr><th class="diff-old">Before</th><th class="diff-new">After</th></tr></thead>` + "\n")
	for _, h := range r.Hunks {
		b.WriteString(`<tbody class="diff-hunk">` + "\n")
		fmt.Fprintf(&b, `<tr class="diff-hunk-header"><td class="diff-old">Line %d</td><td class="diff-new">Line %d</td></tr>`+"\n", h.OldStart, h.NewStart)
		for _, bl := range h.Blocks {
			fmt.Fprintf(&b, `<tr class="%s"><td class="diff-old">`, blockClass(bl))
			switch bl.Kind {
			case KindContext:
				b.WriteString(esc(bl.Old) + `</td><td class="diff-new">` + esc(bl.New))
			case KindRemoved:
				b.WriteString("<del>" + esc(bl.Old) + `</del></td><td class="diff-new">`)
			case KindAdded:
				b.WriteString(`</td><td class="diff-new"><ins>` + esc(bl.New) + "</ins>")
			case KindChanged:
				writeHTMLParts(&b, bl.OldParts())
				b.WriteString(`</td><td class="diff-new">`)
				writeHTMLParts(&b, bl.NewParts())
			case KindMoved:
				fmt.Fprintf(&b, `<span class="diff-note">Moved from line %d</span></td><td class="diff-new">`, bl.MovedFrom)
				writeMovedNew(&b, bl)
			case KindMovedAway:
				b.WriteString(esc(bl.Old))
				fmt.Fprintf(&b, `</td><td class="diff-new"><span class="diff-note">Moved to line %d</span>`, bl.MovedTo)
			}
			b.WriteString("</td></tr>\n")
		}
		b.WriteString("</tbody>\n")
	}
	b.WriteString("</table>\n")
	return template.HTML(b.String())
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

// ExcerptHTML is ExcerptText as an HTML list (class diff-excerpt), with
// <del> and <ins> as in HTML; inline writes inline styles instead of class
// names, for e-mail clients that drop style sheets.
func (r *Result) ExcerptHTML(opt ExcerptOptions, inline bool) template.HTML {
	ex, more := r.Excerpts(opt)
	st := classStyle
	if inline {
		st = inlineStyle
	}
	var b strings.Builder
	b.WriteString(`<ul` + st.list + `>` + "\n")
	for _, e := range ex {
		b.WriteString(`<li><span` + st.line + `>` + esc(e.Label))
		if e.Cosmetic {
			b.WriteString(" (formatting only)")
		}
		b.WriteString("</span> ")
		for _, p := range e.Parts {
			switch p.Kind {
			case OpDelete:
				writeHTMLEditAttr(&b, "del", st.del, st.mark, p)
			case OpInsert:
				writeHTMLEditAttr(&b, "ins", st.ins, st.mark, p)
			case PartNote:
				b.WriteString(`<span` + st.note + `>` + html.EscapeString(p.Text) + "</span> ")
			default:
				b.WriteString(html.EscapeString(p.Text))
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

// writeMovedNew writes a moved paragraph at its new place, with its edits if
// it was also edited.
func writeMovedNew(b *strings.Builder, bl Block) {
	if bl.Spans == nil {
		b.WriteString(esc(bl.New))
		return
	}
	writeHTMLParts(b, bl.Parts())
}

func writeHTMLParts(b *strings.Builder, parts []Part) {
	for _, p := range parts {
		switch p.Kind {
		case OpDelete:
			writeHTMLEditAttr(b, "del", "", ` class="diff-mark"`, p)
		case OpInsert:
			writeHTMLEditAttr(b, "ins", "", ` class="diff-mark"`, p)
		default:
			b.WriteString(html.EscapeString(p.Text))
		}
	}
}

// writeHTMLEditAttr writes an edit with attr on its tag, or markAttr when it
// holds no word (whitespace or punctuation made visible).
func writeHTMLEditAttr(b *strings.Builder, tag, attr, markAttr string, p Part) {
	if p.Mark {
		attr = markAttr
	}
	b.WriteString("<" + tag + attr + ">" + html.EscapeString(p.Text) + "</" + tag + ">")
}

// blockClass maps kinds to class names rather than deriving one, because a
// Result may come back from stored JSON and its Kind must not reach the
// markup unescaped.
func blockClass(bl Block) string {
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
	KindContext:   "diff-context",
	KindAdded:     "diff-added",
	KindRemoved:   "diff-removed",
	KindChanged:   "diff-changed",
	KindMoved:     "diff-moved",
	KindMovedAway: "diff-moved-away",
}

func hunkTitle(h Hunk) string {
	return fmt.Sprintf("Line %d (before), line %d (after)", h.OldStart, h.NewStart)
}

// esc escapes version text for HTML, after making hidden characters visible.
func esc(s string) string {
	return html.EscapeString(Visible(s))
}
