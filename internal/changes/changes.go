// Package changes turns two versions of a document into a change a reader
// can act on: the word-level diff, the legal topics the changed words touch
// with the words that justify them, and an importance.
//
// Importance, from the least to the most:
//
//   - cosmetic: only whitespace, punctuation, case or the way the text is
//     cut into paragraphs changed; the words are the same.
//   - minor: words changed, but not words of a legal topic, and fewer than
//     MajorWords of them (a date, an address, a link text, a typo).
//   - major: the changed words themselves match a legal topic (privacy,
//     consumer protection, intellectual property...), or at least
//     MajorWords words changed, or a section heading was added or removed.
//
// A topic found only in the unchanged words around a change (the change sits
// in a sentence about privacy but does not touch what it says about it) is
// kept as context and does not make the change major, unless the changed
// words turn what the sentence says: a negation (not, never, without...), a
// modal (may, must, will...) or a number ("30 days" to "10 years", "under
// 13" to "under 16").
package changes

import (
	"strings"
	"unicode"

	"tracker/internal/diff"
	"tracker/internal/topics"
)

// Importance levels, in increasing order.
const (
	Cosmetic = "cosmetic"
	Minor    = "minor"
	Major    = "major"
)

// MajorWords is how many changed words make a change major whatever they say.
const MajorWords = 150

// Rank orders importance levels: cosmetic 0, minor 1, major 2, unknown -1.
func Rank(importance string) int {
	switch importance {
	case Cosmetic:
		return 0
	case Minor:
		return 1
	case Major:
		return 2
	}
	return -1
}

// Change is the analysis of one version against another.
type Change struct {
	Diff       *diff.Result
	Importance string
	Topics     []topics.Match
}

// Analyze compares old with new and classifies the change.
func Analyze(old, new string, tax *topics.Taxonomy) Change {
	d := diff.Compare(old, new, diff.Options{})
	c := Change{Diff: d}
	if d.Cosmetic || !d.Changed() {
		c.Importance = Cosmetic
		return c
	}
	var frags []topics.Fragment
	for _, f := range d.Fragments() {
		if f.Cosmetic {
			continue
		}
		tf := topics.Fragment{Text: f.Text}
		for _, r := range f.Changed {
			tf.Changed = append(tf.Changed, [2]int{r.Start, r.End})
		}
		frags = append(frags, tf)
	}
	if tax != nil {
		c.Topics = tax.ClassifyFragments(frags)
	}
	c.Importance = Minor
	if d.WordsAdded+d.WordsRemoved >= MajorWords || headingAddedOrRemoved(d) {
		c.Importance = Major
	}
	context := false
	for _, m := range c.Topics {
		if !m.Context {
			c.Importance = Major
		}
		context = context || m.Context
	}
	if context && c.Importance != Major && turnsMeaning(frags) {
		c.Importance = Major
	}
	return c
}

// turning are the words whose change turns what a sentence says.
var turning = map[string]bool{
	"not": true, "no": true, "never": true, "none": true, "nor": true, "neither": true, "without": true,
	"unless": true, "except": true, "cannot": true, "only": true, "always": true, "any": true, "all": true,
	"may": true, "must": true, "shall": true, "will": true, "might": true, "should": true, "can": true,
	"before": true, "after": true, "under": true, "over": true, "above": true, "below": true,
}

// turnsMeaning reports whether the changed words of the fragments hold a
// negation, a modal, a bound or a number.
func turnsMeaning(frags []topics.Fragment) bool {
	for _, f := range frags {
		for _, r := range f.Changed {
			if r[0] < 0 || r[1] > len(f.Text) || r[0] >= r[1] {
				continue
			}
			for _, w := range strings.FieldsFunc(strings.ToLower(f.Text[r[0]:r[1]]), func(c rune) bool {
				return !unicode.IsLetter(c) && !unicode.IsDigit(c) && c != '\''
			}) {
				if turning[w] || strings.HasSuffix(w, "n't") || strings.IndexFunc(w, unicode.IsDigit) >= 0 {
					return true
				}
			}
		}
	}
	return false
}

func headingAddedOrRemoved(d *diff.Result) bool {
	for _, h := range d.Hunks {
		for _, b := range h.Blocks {
			switch b.Kind {
			case diff.KindAdded:
				if strings.HasPrefix(b.New, "#") {
					return true
				}
			case diff.KindRemoved:
				if strings.HasPrefix(b.Old, "#") {
					return true
				}
			}
		}
	}
	return false
}
