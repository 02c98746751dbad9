package changes

import (
	"strings"
	"unicode"

	"tracker/internal/text"
)

// stopwords are frequent function words of the languages legal pages are
// served in; they tell the language of a text of a few dozen words.
var stopwords = map[string][]string{
	"en": {"the", "and", "of", "to", "you", "your", "we", "our", "is", "are", "for", "with", "that", "this", "or", "by", "not", "may", "will", "any"},
	"fr": {"le", "la", "les", "des", "et", "vous", "votre", "vos", "nous", "est", "pour", "avec", "une", "sur", "dans", "par", "qui", "que", "du", "ou"},
	"de": {"der", "die", "das", "und", "sie", "ihre", "wir", "ist", "für", "mit", "von", "zu", "den", "dem", "nicht", "eine", "oder", "auf", "werden", "sind"},
	"es": {"el", "los", "las", "y", "de", "usted", "su", "sus", "nosotros", "es", "para", "con", "una", "por", "que", "del", "en", "se", "o", "como"},
	"it": {"il", "gli", "e", "di", "voi", "tuo", "tuoi", "noi", "è", "per", "con", "una", "che", "dei", "della", "delle", "non", "sono", "nel", "alla"},
	"pt": {"o", "os", "as", "e", "de", "você", "seu", "seus", "nós", "é", "para", "com", "uma", "que", "dos", "das", "não", "em", "ao", "pelo"},
	"nl": {"de", "het", "een", "en", "van", "u", "uw", "wij", "is", "voor", "met", "dat", "die", "niet", "op", "te", "zijn", "worden", "ons", "onze"},
	"pl": {"i", "w", "na", "z", "się", "do", "nie", "jest", "że", "lub", "przez", "są", "oraz", "twoje", "twoich", "my", "nasze", "jak", "dla", "od"},
}

// language guesses the language of a text: an ISO 639-1 code, or a script
// name for texts not written in Latin letters ("arabic", "cyrillic",
// "cjk"...); "" when the text is too short or mixed to tell.
func language(s string) string {
	counts := map[string]int{}
	scripts := map[string]int{}
	words := 0
	for tok := range text.Tokens(s) {
		if !text.IsWord(tok) {
			continue
		}
		words++
		if words > 3000 {
			break
		}
		r := []rune(tok)[0]
		switch {
		case unicode.Is(unicode.Arabic, r):
			scripts["arabic"]++
		case unicode.Is(unicode.Cyrillic, r):
			scripts["cyrillic"]++
		case unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r):
			scripts["cjk"]++
		case unicode.Is(unicode.Greek, r):
			scripts["greek"]++
		case unicode.Is(unicode.Hebrew, r):
			scripts["hebrew"]++
		case unicode.Is(unicode.Thai, r):
			scripts["thai"]++
		case unicode.Is(unicode.Latin, r) || unicode.IsDigit(r):
			scripts["latin"]++
		}
		w := strings.ToLower(tok)
		for lang, list := range stopwords {
			for _, sw := range list {
				if w == sw {
					counts[lang]++
					break
				}
			}
		}
	}
	if words < 8 {
		return ""
	}
	best, n := "", 0
	for s, c := range scripts {
		if c > n {
			best, n = s, c
		}
	}
	if best != "latin" {
		if 2*n > words {
			return best
		}
		return ""
	}
	best, n, second := "", 0, 0
	for _, lang := range []string{"en", "fr", "de", "es", "it", "pt", "nl", "pl"} {
		switch c := counts[lang]; {
		case c > n:
			best, n, second = lang, c, n
		case c > second:
			second = c
		}
	}
	// A language's function words make a tenth of its running text or
	// more; a text whose function words are mostly one language's is in it.
	if 12*n < words || 3*second >= 2*n {
		return ""
	}
	return best
}
