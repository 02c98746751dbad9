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
	"fmt"
	"strings"
	"unicode"

	"tracker"
	"tracker/internal/diff"
	"tracker/internal/text"
	"tracker/internal/topics"
)

// Importance levels, in increasing order: the domain's (tracker.Cosmetic,
// Minor, Major), named here for the code that decides them.
const (
	Cosmetic = tracker.Cosmetic
	Minor    = tracker.Minor
	Major    = tracker.Major
)

// MajorWords is how many changed words make a change major whatever they say.
const MajorWords = 150

// Analysis is the comparison of one version's text with another's: the
// word-level diff, the changed passages, and the change they make,
// classified.
type Analysis struct {
	Diff *diff.Result
	// Passages are the changed paragraphs, the weightiest first.
	Passages []*Passage
	// Change is the classified change, as recorded: its Importance; its
	// Topics, of what changed in substance, with the words (or the
	// section, or the document's subject) that justify each; the words
	// added and removed and the diff's summary; its Artefact, why a
	// cosmetic change tells nothing new (see the Artefact constants), ""
	// for a change of substance; and its Reason, what it does in a
	// sentence. An analysis knows only two texts: the source, the seqs and
	// the time are the caller's to fill in.
	tracker.Change
}

// Analyze compares old with new and classifies the change, knowing nothing
// of the document but its texts.
func Analyze(old, new string, tax *topics.Taxonomy) Analysis {
	return AnalyzeIn(old, new, Context{Taxonomy: tax})
}

// AnalyzeIn compares old with new and classifies the change, as a reader
// of the document (ctx.Document) would: what is page chrome, a date, a
// capture fault or the same words laid out anew tells nothing; what is left
// has the topics of its words, its section and the document's subject, and
// an importance by what it does.
func AnalyzeIn(old, new string, ctx Context) Analysis {
	return AnalyzeDiff(old, new, diff.Compare(old, new, diff.Options{}), ctx)
}

// AnalyzeDiff classifies the change d from old to new, as AnalyzeIn does:
// d is diff.Compare(old, new), or the mirror of the comparison the other
// way round (diff.Result.Reversed), for a change read backwards to count
// what it counts forwards.
func AnalyzeDiff(old, new string, d *diff.Result, ctx Context) Analysis {
	c := Analysis{Diff: d}
	c.WordsAdded, c.WordsRemoved, c.Summary = d.WordsAdded, d.WordsRemoved, d.Summary()
	if !d.Changed() {
		c.Importance = Cosmetic
		c.Reason = "The two versions are the same."
		c.Stated = Announce(old, new, false)
		return c
	}
	doc := ctx.Document
	ps := passagesOf(d, old, new)
	oldParas, newParas := text.Paragraphs(old), text.Paragraphs(new)
	readTwins(ps, oldParas, newParas)
	whole := classify(ps, old, new, oldParas, newParas, doc)
	subject := doc.Subject
	if subject == nil {
		subject = Subject(doc.Name, titleOf(new))
	}
	decide(&c, ps, ctx.Taxonomy, subject)
	weigh(ps)
	c.Passages = ps
	if c.Importance == Cosmetic {
		c.Artefact = whole
		if c.Artefact == "" {
			c.Artefact = kindOfArtefacts(ps)
		}
	}
	c.Reason = reason(c)
	c.Stated = Announce(old, new, c.Importance != Cosmetic)
	return c
}

// kindOfArtefacts names what the passages of a cosmetic change are: one
// kind, or mixed.
func kindOfArtefacts(ps []*Passage) string {
	kind := ""
	for _, p := range ps {
		switch {
		case kind == "":
			kind = p.Artefact
		case kind != p.Artefact:
			return ArtefactMixed
		}
	}
	if kind == "" {
		kind = ArtefactFormat
	}
	return kind
}

// reason says in a sentence what the change does: its weightiest passage,
// and how many more there are.
func reason(c Analysis) string {
	if len(c.Passages) == 0 {
		return "Only the layout changed."
	}
	top := c.Passages[0]
	if c.Importance == Cosmetic {
		switch c.Artefact {
		case ArtefactMixed:
			return "Nothing of substance: only the layout, the date and page furniture changed."
		case ArtefactDate:
			return "Only the document's date changed."
		}
		return top.Reason
	}
	r := top.Reason
	if n := substantive(c.Passages) - 1; n > 0 {
		r = strings.TrimSuffix(r, ".") + fmt.Sprintf("; and %d more passage%s.", n, map[bool]string{true: "", false: "s"}[n == 1])
	}
	return r
}

func substantive(ps []*Passage) int {
	n := 0
	for _, p := range ps {
		if p.Artefact == "" {
			n++
		}
	}
	return n
}

// turning are the words whose change turns what a sentence says.
var turning = map[string]bool{
	"not": true, "no": true, "never": true, "none": true, "nor": true, "neither": true, "without": true,
	"unless": true, "except": true, "cannot": true, "only": true, "always": true, "any": true, "all": true,
	"may": true, "must": true, "shall": true, "will": true, "might": true, "should": true, "can": true,
	"before": true, "after": true, "under": true, "over": true, "above": true, "below": true,
}

// measures are the words that make a number a period, an age or a rate
// ("30 days", "under 13", "16 or older", "5 %"), unlike a date, an address
// or a phone number.
var measures = map[string]bool{
	"day": true, "days": true, "week": true, "weeks": true, "month": true, "months": true, "year": true, "years": true,
	"hour": true, "hours": true, "minute": true, "minutes": true, "percent": true, "%": true, "age": true, "aged": true,
	"old": true, "older": true, "younger": true, "under": true, "over": true, "below": true, "above": true, "within": true,
}

// turnsMeaning reports whether the changed words of a fragment hold a
// negation, a modal, a bound, or a number that is a period, an age or a
// rate.
func turnsMeaning(f topics.Fragment) bool {
	type word struct {
		text       string
		start, end int
	}
	var words []word
	start := -1
	for i, r := range f.Text + " " {
		in := i < len(f.Text) && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '%')
		switch {
		case in && start < 0:
			start = i
		case !in && start >= 0:
			words = append(words, word{strings.ToLower(f.Text[start:i]), start, i})
			start = -1
		}
	}
	changed := func(w word) bool {
		for _, r := range f.Changed {
			if w.start < r[1] && r[0] < w.end {
				return true
			}
		}
		return false
	}
	for i, w := range words {
		if !changed(w) {
			continue
		}
		if turning[w.text] || strings.HasSuffix(w.text, "n't") {
			return true
		}
		if strings.IndexFunc(w.text, unicode.IsDigit) >= 0 {
			for _, k := range []int{i - 1, i + 1, i + 2} {
				if k >= 0 && k < len(words) && measures[words[k].text] {
					return true
				}
			}
			if strings.HasSuffix(w.text, "%") {
				return true
			}
		}
	}
	return false
}
