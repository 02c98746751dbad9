package text

import (
	"iter"
	"unicode"
	"unicode/utf8"
)

// Tokens yields the tokens of a paragraph in order: words, runs of white
// space and single punctuation characters. Concatenating them gives the
// paragraph back, so spans built from tokens reproduce the text exactly.
//
// A word keeps an apostrophe between letters ("don’t") and a dot or comma
// between digits ("1,000.50"): splitting those would make an edited amount
// or contraction read as several unrelated edits. Han, Hiragana and Katakana
// characters are one word each: those scripts do not separate words with
// spaces.
func Tokens(s string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for i := 0; i < len(s); {
			r, size := utf8.DecodeRuneInString(s[i:])
			j := i + size
			switch {
			case unicode.IsSpace(r):
				for j < len(s) {
					r2, n := utf8.DecodeRuneInString(s[j:])
					if !unicode.IsSpace(r2) {
						break
					}
					j += n
				}
			case isIdeograph(r):
				// one character is one word
			case isWordRune(r):
				j = wordEnd(s, j, unicode.IsDigit(r))
			}
			if !yield(s[i:j]) {
				return
			}
			i = j
		}
	}
}

// wordEnd returns where the word that continues at j ends.
func wordEnd(s string, j int, lastDigit bool) int {
	for j < len(s) {
		r, n := utf8.DecodeRuneInString(s[j:])
		if isWordRune(r) && !isIdeograph(r) {
			lastDigit = unicode.IsDigit(r)
			j += n
			continue
		}
		next, m := utf8.DecodeRuneInString(s[j+n:])
		if m == 0 {
			break
		}
		joins := (r == '\'' || r == '’') && unicode.IsLetter(next) ||
			(r == '.' || r == ',') && lastDigit && unicode.IsDigit(next)
		if !joins {
			break
		}
		j += n
	}
	return j
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

func isIdeograph(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r)
}

// IsWordRune reports whether r is part of a word (a letter, digit or mark).
func IsWordRune(r rune) bool { return isWordRune(r) }

// IsWord reports whether a token counts as a word (as opposed to white
// space or punctuation).
func IsWord(tok string) bool {
	r, _ := utf8.DecodeRuneInString(tok)
	return isWordRune(r)
}

// IsSpace reports whether a token is white space.
func IsSpace(tok string) bool {
	r, _ := utf8.DecodeRuneInString(tok)
	return unicode.IsSpace(r)
}

// Words counts the words of a text, as diffs count words added and removed
// and versions record their length.
func Words(s string) int {
	n := 0
	for t := range Tokens(s) {
		if IsWord(t) {
			n++
		}
	}
	return n
}

// FewerWords reports whether s has fewer than n words, reading no further
// than the nth.
func FewerWords(s string, n int) bool {
	if n <= 0 {
		return false
	}
	words := 0
	for t := range Tokens(s) {
		if IsWord(t) {
			if words++; words >= n {
				return false
			}
		}
	}
	return true
}

// Kept counts the words of old that new still holds, each as many times as
// both hold it: how much of a document a new text keeps, whatever it
// moved.
func Kept(old, new string) int {
	have := map[string]int{}
	for t := range Tokens(new) {
		if IsWord(t) {
			have[t]++
		}
	}
	n := 0
	for t := range Tokens(old) {
		if IsWord(t) && have[t] > 0 {
			have[t]--
			n++
		}
	}
	return n
}
