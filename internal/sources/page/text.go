package page

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// collapse normalises a line of text: Unicode NFC, every run of white space
// (non-breaking spaces included) becomes one space, invisible characters
// (zero-width spaces, soft hyphens, byte order marks) go, and the ends are
// trimmed. Two renderings of the same words therefore give the same text.
func collapse(s string) string {
	if !norm.NFC.IsNormalString(s) {
		s = norm.NFC.String(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\u2060' || r == '\ufeff' || r == '\u00ad':
			continue
		case unicode.IsSpace(r):
			space = true
			continue
		case unicode.IsControl(r):
			continue // never text, and an escape sequence would reach terminals
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}
