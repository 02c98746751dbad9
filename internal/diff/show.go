package diff

import (
	"strings"
	"tracker/internal/text"
	"unicode"
	"unicode/utf8"
)

// Part is a piece of a paragraph as a reader is shown it: what the
// renderers (a terminal, a web page, a mail) mark up, each in its own way.
// Its text has hidden characters made visible (see Visible); an edit has the
// whitespace around it taken out into unchanged parts, as `git diff
// --word-diff` does, and an edit of whitespace alone is drawn.
type Part struct {
	// Kind is OpEqual, OpDelete or OpInsert; in an excerpt also PartCut,
	// PartSep or PartNote.
	Kind string
	Text string
	// Mark is set on an edit that holds no word (punctuation, or drawn
	// whitespace): a changed full stop is easy to miss, so it is marked
	// more visibly than a changed word.
	Mark bool
}

// Kinds of the parts of an excerpt besides the span operations.
const (
	PartCut  = "cut"  // text left out; Text is "…"
	PartSep  = "sep"  // between two changes of a hunk; Text is " … "
	PartNote = "note" // e.g. "(moved from line 5)", followed by a space
)

// Parts returns the word-level diff of a block as shown inline: both the
// deleted and the inserted words.
func (b Block) Parts() []Part { return showSpans(b.Spans, true, true) }

// OldParts returns the old side of a block's word-level diff: the
// unchanged and the deleted words.
func (b Block) OldParts() []Part { return showSpans(b.Spans, true, false) }

// NewParts returns the new side of a block's word-level diff: the
// unchanged and the inserted words.
func (b Block) NewParts() []Part { return showSpans(b.Spans, false, true) }

// Preview is what the old place of a moved paragraph shows of it: its first
// words, since it is shown in full where it went.
func (b Block) Preview() string { return Visible(firstWords(b.Old, movedAwayWords)) }

// movedAwayWords is how much of a moved paragraph its old place shows.
const movedAwayWords = 12

func showSpans(spans []Span, old, new bool) []Part {
	var ps []Part
	for _, s := range spans {
		switch {
		case s.Op == OpEqual:
			ps = append(ps, Part{Kind: OpEqual, Text: Visible(s.Text)})
		case s.Op == OpDelete && old, s.Op == OpInsert && new:
			ps = appendEdit(ps, s.Op, s.Text)
		}
	}
	return ps
}

// appendEdit appends an edited text, its surrounding whitespace outside the
// edit unless it is only whitespace.
func appendEdit(ps []Part, op, text string) []Part {
	lead, core, trail := splitSpace(text)
	// A line break around an edit (a paragraph split or merged) is drawn
	// too: written raw it would start a line without the diff's prefix.
	if lead != "" {
		ps = append(ps, Part{Kind: OpEqual, Text: Visible(lead)})
	}
	ps = append(ps, Part{Kind: op, Text: showEdit(core), Mark: !hasWord(core)})
	if trail != "" {
		ps = append(ps, Part{Kind: OpEqual, Text: Visible(trail)})
	}
	return ps
}

// showEdit prepares an edited span for display. An edit of whitespace alone
// would be invisible, so its characters are drawn: · for a space, ⍽ for a
// no-break space, ¶ for a paragraph break, → for a tab, ␣ for any other.
func showEdit(s string) string {
	if strings.TrimSpace(s) != "" {
		return Visible(s)
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

// Visible replaces characters that would act on a terminal or a reader
// instead of being shown: the line break between two merged paragraphs
// (shown as ¶), C0 and C1 controls (escape sequences, carriage returns that
// overwrite a line) and the bidirectional overrides that can make text read
// differently from what it is. Every renderer shows version text through
// it; escaping for HTML is the template's business.
func Visible(s string) string {
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
