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
// kept as context and does not make the change major.
package changes

import (
	"strings"

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
	for _, m := range c.Topics {
		if !m.Context {
			c.Importance = Major
		}
	}
	return c
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
