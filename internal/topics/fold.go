package topics

import "strings"

// Fold gives the comparable form of a word or phrase, as matching compares
// words: case folded, lightly stemmed, one space between the words. Two
// pieces of evidence fold alike when a topic would match them alike
// ("Cookies" and "cookie", "Personal Data" and "personal data").
func Fold(s string) string {
	var b strings.Builder
	var buf []byte
	for _, tk := range tokenize(s, nil) {
		buf = normalize(buf[:0], s[tk.start:tk.end])
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.Write(buf)
	}
	return b.String()
}
