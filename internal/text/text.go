// Package text owns plain text, the form every document version, feed item
// and diff is made of: one paragraph per line (headings, list items and table
// rows included), white space collapsed, Unicode in NFC, nothing invisible.
//
// Everything that turns HTML into text, normalises a line, splits a text into
// its paragraphs or counts its words lives here, so that extraction, storage,
// diffs and topics agree on what a word and a paragraph are.
package text

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Collapse normalises one line of text: invalid UTF-8 becomes U+FFFD,
// Unicode goes to NFC, every run of white space (non-breaking spaces and
// line breaks included) becomes one space, invisible characters (zero-width
// spaces and joiners, soft hyphens, byte order marks) and control characters
// go, and the ends are trimmed. Two renderings of the same words therefore
// give the same line, and no escape sequence reaches a terminal.
func Collapse(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if !norm.NFC.IsNormalString(s) {
		s = norm.NFC.String(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case invisible(r):
			continue
		case unicode.IsSpace(r) || r == '\u00a0' || r == '\u2007' || r == '\u202f':
			space = true
			continue
		case unicode.IsControl(r):
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

func invisible(r rune) bool {
	switch r {
	case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad':
		return true
	}
	return false
}

// Normalize collapses each line of s (see Collapse) and drops the empty
// ones: the form of a version's text.
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for line := range strings.Lines(s) {
		l := Collapse(line)
		if l == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
	}
	return b.String()
}

// Paragraph is one non-blank line of a text.
type Paragraph struct {
	// Line is its 1-based line number, blank lines counted, so that "line
	// 12" means the same in a diff, a version page and an anchor.
	Line int
	Text string
}

// Paragraphs returns the non-blank lines of a text with their numbers.
func Paragraphs(s string) []Paragraph {
	var ps []Paragraph
	line := 0
	for len(s) > 0 {
		line++
		l := s
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			l, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		l = strings.TrimSuffix(l, "\r")
		if strings.TrimSpace(l) == "" {
			continue
		}
		ps = append(ps, Paragraph{Line: line, Text: l})
	}
	return ps
}

// Heading returns the level (1–6) and the text of a heading line written
// "## Title", or 0 and the line itself.
func Heading(line string) (level int, title string) {
	h := len(line) - len(strings.TrimLeft(line, "#"))
	if h > 0 && h <= 6 && h < len(line) && line[h] == ' ' {
		return h, strings.TrimSpace(line[h:])
	}
	return 0, line
}

// Hash returns the hex SHA-256 of a text: a version's identity.
func Hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Summary returns a short excerpt of text: at most n characters (runes) on
// one line, cut at a word boundary and ending in "…" when cut. A single word
// longer than n is cut inside the word.
func Summary(s string, n int) string {
	if n <= 0 {
		return ""
	}
	s = Collapse(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	// Keep room for the ellipsis within n.
	runes := []rune(s)
	cut := runes[:n-1]
	if i := lastSpace(cut); i > 0 && runes[n-1] != ' ' {
		cut = cut[:i]
	}
	out := strings.TrimRight(string(cut), " ,;:-–—")
	if out == "" {
		out = string(runes[:n-1])
	}
	return out + "…"
}

func lastSpace(rs []rune) int {
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i] == ' ' {
			return i
		}
	}
	return -1
}
