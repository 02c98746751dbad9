package diff

import (
	"slices"
	"strings"
	"tracker/internal/text"
	"unicode"
	"unicode/utf8"
)

// tokenize splits a paragraph into its tokens (see text.Tokens): words,
// runs of white space and single punctuation characters.
func tokenize(s string) []string {
	// Counting first costs less than regrowing the slice: a 1 MB line can
	// hold a million tokens.
	n := 0
	for range text.Tokens(s) {
		n++
	}
	return slices.AppendSeq(make([]string, 0, n), text.Tokens(s))
}

func isWord(tok string) bool  { return text.IsWord(tok) }
func isSpace(tok string) bool { return text.IsSpace(tok) }
func countWords(s string) int { return text.Words(s) }

// foldWord is the form of a word used to decide whether a change is cosmetic
// and how similar two paragraphs are: case and the apostrophe's typography do
// not change what a word says.
func foldWord(w string) string {
	if strings.ContainsRune(w, '’') {
		w = strings.ReplaceAll(w, "’", "'")
	}
	return strings.ToLower(w)
}

// wordCursor walks the word tokens of a run of paragraphs.
type wordCursor struct {
	ps     []*paragraph
	pi, ti int
}

// next returns the next word, or false at the end. Symbols that say
// something count as words here: a currency ($0.99 → €0.99), a comparison
// or sign (> 18 → < 18, -5% → 5%), a percent: changing one is not cosmetic.
func (w *wordCursor) next() (string, bool) {
	for w.pi < len(w.ps) {
		toks := w.ps[w.pi].toks()
		for w.ti < len(toks) {
			t := toks[w.ti]
			w.ti++
			if isWord(t) || meaningfulSymbol(t) {
				return t, true
			}
			// A minus sign: before a digit, and not between two (a range,
			// a date, a phone number).
			if t == "-" && w.ti < len(toks) && startsWithDigit(toks[w.ti]) && (w.ti < 2 || isSpace(toks[w.ti-2])) {
				return t, true
			}
		}
		w.pi, w.ti = w.pi+1, 0
	}
	return "", false
}

func meaningfulSymbol(tok string) bool {
	r, _ := utf8.DecodeRuneInString(tok)
	return unicode.Is(unicode.Sc, r) || unicode.Is(unicode.Sm, r) || strings.ContainsRune("%‰‱§", r)
}

func startsWithDigit(tok string) bool {
	r, _ := utf8.DecodeRuneInString(tok)
	return unicode.IsDigit(r)
}

// sameWords reports whether two runs of paragraphs say the same words in the
// same order, ignoring case and the apostrophe's typography.
func sameWords(a, b []*paragraph) bool {
	ca, cb := wordCursor{ps: a}, wordCursor{ps: b}
	for {
		wa, okA := ca.next()
		wb, okB := cb.next()
		if okA != okB {
			return false
		}
		if !okA {
			return true
		}
		if wa != wb && foldWord(wa) != foldWord(wb) {
			return false
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// normalizeSpace collapses runs of whitespace and trims the ends, the
// comparison used to recognise a moved paragraph.
func normalizeSpace(s string) string {
	prevSpace := true // so that a leading space counts as irregular
	for i := 0; i < len(s); i++ {
		c := s[i]
		space := c == ' '
		if c >= utf8.RuneSelf || c != ' ' && asciiSpace(c) || space && prevSpace {
			return strings.Join(strings.Fields(s), " ")
		}
		prevSpace = space
	}
	if prevSpace && len(s) > 0 {
		return strings.TrimRight(s, " ")
	}
	return s
}

func asciiSpace(c byte) bool {
	return c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// encoder gives each distinct string one rune, so that diff-match-patch,
// which diffs runes, diffs whole lines or whole words.
//
// The runes avoid the surrogate range, which the library's string
// conversions would turn into U+FFFD, making different tokens compare equal;
// and, for words, they avoid ASCII letters, digits and whitespace, which the
// library's semantic cleanup scores as word characters and boundaries: only
// whitespace tokens are given whitespace runes, so that the cleanup aligns
// edits on the gaps between words.
type encoder struct {
	ids   map[string]rune
	next  rune
	words bool   // tokens are words: give whitespace tokens whitespace runes
	space []rune // whitespace runes still free for whitespace tokens other than " "
}

const firstRune = 0x100

func newEncoder(words bool) *encoder {
	return &encoder{ids: make(map[string]rune), next: firstRune, words: words, space: []rune{'\t', '\f'}}
}

// encode returns the runes for toks; ok is false when the rune space is
// exhausted (about a million distinct tokens), which only adversarial input
// reaches.
func (e *encoder) encode(toks []string) (rs []rune, ok bool) {
	rs = make([]rune, len(toks))
	for i, t := range toks {
		r, seen := e.ids[t]
		if !seen {
			if r, ok = e.alloc(t); !ok {
				return nil, false
			}
			e.ids[t] = r
		}
		rs[i] = r
	}
	return rs, true
}

func (e *encoder) alloc(t string) (rune, bool) {
	if e.words && t == " " {
		return ' ', true
	}
	if e.words && len(e.space) > 0 && isSpace(t) {
		r := e.space[0]
		e.space = e.space[1:]
		return r, true
	}
	r := e.next
	if r >= 0xD800 && r <= 0xDFFF {
		r = 0xE000
	}
	if r > unicode.MaxRune {
		return 0, false
	}
	e.next = r + 1
	return r, true
}
