package diff

import (
	"fmt"
	"strings"
	"tracker/internal/text"
	"unicode"
	"unicode/utf8"
)

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
		b.WriteString(visible(bl.New))
	case KindRemoved:
		b.WriteString(paint(style, ansiRemoved, "- "+visible(bl.Old)))
	case KindAdded:
		b.WriteString(paint(style, ansiAdded, "+ "+visible(bl.New)))
	case KindChanged:
		b.WriteString("~ ")
		writeTextSpans(b, style, bl.Spans)
	case KindMoved:
		b.WriteString(paint(style, ansiMoved, fmt.Sprintf("> (moved from line %d)", bl.MovedFrom)))
		b.WriteByte(' ')
		if bl.Spans != nil {
			writeTextSpans(b, style, bl.Spans)
		} else {
			b.WriteString(visible(bl.New))
		}
	case KindMovedAway:
		note := fmt.Sprintf("< (moved to line %d) %s", bl.MovedTo, visible(firstWords(bl.Old, movedAwayWords)))
		b.WriteString(paint(style, ansiMovedAway, note))
	}
}

// movedAwayWords is how much of a moved paragraph its old place shows.
const movedAwayWords = 12

func writeTextSpans(b *strings.Builder, style TextStyle, spans []Span) {
	for _, s := range spans {
		switch s.Op {
		case OpEqual:
			b.WriteString(visible(s.Text))
		case OpDelete:
			writeTextEdit(b, style, s.Text, "[-", "-]", ansiDel, ansiDelMark)
		case OpInsert:
			writeTextEdit(b, style, s.Text, "{+", "+}", ansiIns, ansiInsMark)
		}
	}
}

// writeTextEdit writes an edited span with its surrounding whitespace
// outside the marks, as `git diff --word-diff` does, unless the span is only
// whitespace.
func writeTextEdit(b *strings.Builder, style TextStyle, text, open, close, color, mark string) {
	lead, core, trail := splitSpace(text)
	// A line break around an edit (a paragraph split or merged) is drawn
	// too: written raw it would start a line without the diff's prefix.
	lead, trail = visible(lead), visible(trail)
	b.WriteString(lead)
	if style == ANSI {
		c := color
		if !hasWord(core) {
			c = mark
		}
		b.WriteString(c + showEdit(core) + ansiReset)
	} else {
		b.WriteString(open + showEdit(core) + close)
	}
	b.WriteString(trail)
}

// showEdit prepares an edited span for display. An edit of whitespace alone
// would be invisible, so its characters are drawn: · for a space, ⍽ for a
// no-break space, ¶ for a paragraph break, → for a tab, ␣ for any other.
func showEdit(s string) string {
	if strings.TrimSpace(s) != "" {
		return visible(s)
	}
	var b strings.Builder
	for _, r := range s {
		switch r {
		case ' ':
			b.WriteRune('·')
		case '\u00a0':
			b.WriteRune('⍽')
		case '\n':
			b.WriteRune('¶')
		case '\t':
			b.WriteRune('→')
		default:
			b.WriteRune('␣')
		}
	}
	return b.String()
}

// splitSpace cuts the leading and trailing whitespace off s; if s is only
// whitespace, it is all core.
func splitSpace(s string) (lead, core, trail string) {
	core = strings.TrimLeftFunc(s, unicode.IsSpace)
	if core == "" {
		return "", s, ""
	}
	lead = s[:len(s)-len(core)]
	trimmed := strings.TrimRightFunc(core, unicode.IsSpace)
	return lead, trimmed, core[len(trimmed):]
}

func hasWord(s string) bool {
	for _, r := range s {
		if text.IsWordRune(r) {
			return true
		}
	}
	return false
}

func paint(style TextStyle, color, s string) string {
	if style != ANSI {
		return s
	}
	return color + s + ansiReset
}

// visible replaces characters that would act on a terminal or a reader
// instead of being shown: the line break between two merged paragraphs
// (shown as ¶), C0 and C1 controls (escape sequences, carriage
// returns that overwrite a line) and the bidirectional overrides that can
// make text read differently from what it is.
func visible(s string) string {
	clean := true
	for _, r := range s {
		if Hidden(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteRune('¶') // only in a split or merged paragraph: the break
		case r < 0x20:
			b.WriteRune(0x2400 + r) // control picture, e.g. ␛ for escape
		case Hidden(r):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Hidden reports whether a terminal would take r as a command rather than
// text: a control character (but a tab) or a bidirectional override. Text
// taken from the web is shown with these replaced.
func Hidden(r rune) bool {
	return r < 0x20 && r != '\t' || r >= 0x7f && r < 0xa0 ||
		r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

// firstWords returns s cut after n words, with an ellipsis if cut.
func firstWords(s string, n int) string {
	words := 0
	toks := tokenize(s)
	for i, t := range toks {
		if isWord(t) {
			words++
			if words > n {
				return strings.TrimRightFunc(join(toks[:i]), unicode.IsSpace) + "…"
			}
		}
	}
	return s
}
