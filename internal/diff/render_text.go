package diff

import (
	"fmt"
	"strings"
)

// The plain-text forms of a change live here, beside the data they show,
// because they are plain strings that several users share: the terminal
// (tracker diff), the Markdown export of the web (a fenced diff), the
// digest's text part (ExcerptText) and the golden files of this package.
// HTML is rendered with html/template by the web and digest packages, from
// the same Parts.

// TextStyle selects how Text marks changes.
type TextStyle int

const (
	// Plain marks changes like `git diff --word-diff=plain`:
	// [-removed-]{+added+}. For pipes, files and plain-text mail.
	Plain TextStyle = iota
	// ANSI colours removed text red and added text green, for a terminal.
	ANSI
)

// ANSI escape sequences. Spans without a word (a lone comma, a space) get a
// background colour, since a coloured full stop is easy to miss.
const (
	ansiReset     = "\x1b[0m"
	ansiHeader    = "\x1b[36m"
	ansiDel       = "\x1b[9;31m" // struck through, for readers who cannot tell red from green
	ansiIns       = "\x1b[32m"
	ansiDelMark   = "\x1b[9;41m"
	ansiInsMark   = "\x1b[42m"
	ansiRemoved   = "\x1b[31m" // whole paragraphs: the prefix says it
	ansiAdded     = "\x1b[32m"
	ansiMoved     = "\x1b[35m"
	ansiMovedAway = "\x1b[2;35m"
)

// Text renders the change for reading in a terminal or a plain-text file:
// a header per hunk, then one line per paragraph, prefixed with "  " for
// context, "~ " for a paragraph edited in place, "- " and "+ " for a
// paragraph removed or added, "> " for a moved paragraph at its new place and
// "< " at its old one (shortened, since it is shown in full where it went).
// Control characters in the text are replaced so that a page cannot send
// escape sequences to the reader's terminal.
func (r *Result) Text(style TextStyle) string {
	var b strings.Builder
	for _, h := range r.Hunks {
		header := fmt.Sprintf("@@ -%d +%d @@", h.OldStart, h.NewStart)
		b.WriteString(paint(style, ansiHeader, header))
		b.WriteByte('\n')
		for _, bl := range h.Blocks {
			writeTextBlock(&b, style, bl)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func writeTextBlock(b *strings.Builder, style TextStyle, bl Block) {
	switch bl.Kind {
	case KindContext:
		b.WriteString("  ")
		b.WriteString(Visible(bl.New))
	case KindRemoved:
		b.WriteString(paint(style, ansiRemoved, "- "+Visible(bl.Old)))
	case KindAdded:
		b.WriteString(paint(style, ansiAdded, "+ "+Visible(bl.New)))
	case KindChanged:
		b.WriteString("~ ")
		writeTextParts(b, style, bl.Parts())
	case KindMoved:
		b.WriteString(paint(style, ansiMoved, fmt.Sprintf("> (moved from line %d)", bl.MovedFrom)))
		b.WriteByte(' ')
		if bl.Spans != nil {
			writeTextParts(b, style, bl.Parts())
		} else {
			b.WriteString(Visible(bl.New))
		}
	case KindMovedAway:
		note := fmt.Sprintf("< (moved to line %d) %s", bl.MovedTo, bl.Preview())
		b.WriteString(paint(style, ansiMovedAway, note))
	}
}

// writeTextParts writes parts with their edits marked: in brackets for
// Plain, as `git diff --word-diff` does, in colour for ANSI.
func writeTextParts(b *strings.Builder, style TextStyle, parts []Part) {
	for _, p := range parts {
		switch p.Kind {
		case OpDelete:
			writeTextEdit(b, style, p, "[-", "-]", ansiDel, ansiDelMark)
		case OpInsert:
			writeTextEdit(b, style, p, "{+", "+}", ansiIns, ansiInsMark)
		case PartNote:
			b.WriteString(p.Text + " ")
		default:
			b.WriteString(p.Text)
		}
	}
}

func writeTextEdit(b *strings.Builder, style TextStyle, p Part, open, close, color, mark string) {
	if style != ANSI {
		b.WriteString(open + p.Text + close)
		return
	}
	if p.Mark {
		color = mark
	}
	b.WriteString(color + p.Text + ansiReset)
}

func paint(style TextStyle, color, s string) string {
	if style != ANSI {
		return s
	}
	return color + s + ansiReset
}

// PartsText writes parts as plain text, [-removed-]{+added+}.
func PartsText(parts []Part) string {
	var b strings.Builder
	writeTextParts(&b, Plain, parts)
	return b.String()
}
