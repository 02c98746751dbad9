package changes

import (
	"fmt"

	"tracker"
)

// Folded is a change as listings show it: one change, or a run of changes
// of one document going back and forth between texts it already had,
// folded into one line. A compliance officer needs to know a document
// flip-flops, not to read it fifty times.
type Folded struct {
	// Change is the run's first change, with the topics of all of them
	// and the importance of the weightiest.
	tracker.Change
	// Switches counts the changes folded in (1 for a change alone); Last
	// is the run's last one.
	Switches int
	Last     tracker.Change
}

// Note says what a folded run did, "" for a change alone: "went back and
// forth 46 times between versions 22 and 68, now at the text of version
// 23".
func (f Folded) Note() string {
	if f.Switches < 2 {
		return ""
	}
	note := fmt.Sprintf("went back and forth %d times between versions %d and %d", f.Switches, f.FromSeq, f.Last.ToSeq)
	if f.Last.SameAs > 0 {
		note += fmt.Sprintf(", now at the text of version %d", f.Last.SameAs)
	}
	return note
}

// minRun is the fewest switches folded: two changes back and forth are
// shown as they are.
const minRun = 3

// Fold folds, in changes of one or several documents listed oldest first,
// each run of at least three consecutive changes of a document that return
// to earlier texts (same_as), with the change that began it.
func Fold(chs []tracker.Change) []Folded {
	var out []Folded
	last := map[string]int{} // source → index in out of its latest entry
	for _, c := range chs {
		if i, ok := last[c.SourceID]; ok && c.SameAs > 0 && out[i].Last.ToSeq == c.FromSeq {
			f := &out[i]
			f.Switches++
			f.Last = c
			f.Topics = mergeTopics(f.Topics, c.Topics)
			if c.Importance.Rank() > f.Importance.Rank() {
				f.Importance = c.Importance
			}
			continue
		}
		last[c.SourceID] = len(out)
		out = append(out, Folded{Change: c, Switches: 1, Last: c})
	}
	// Runs too short to fold are shown change by change.
	var res []Folded
	for _, f := range out {
		if f.Switches >= minRun {
			res = append(res, f)
			continue
		}
		res = append(res, unfold(f, chs)...)
	}
	return res
}

// unfold gives back the changes a short run holds.
func unfold(f Folded, chs []tracker.Change) []Folded {
	if f.Switches == 1 {
		return []Folded{f}
	}
	var out []Folded
	for _, c := range chs {
		if c.SourceID == f.SourceID && c.ToSeq >= f.ToSeq && c.ToSeq <= f.Last.ToSeq {
			out = append(out, Folded{Change: c, Switches: 1, Last: c})
		}
	}
	return out
}

// mergeTopics adds b's topics to a's, a topic once.
func mergeTopics(a, b []tracker.TopicMatch) []tracker.TopicMatch {
	out := append([]tracker.TopicMatch(nil), a...)
	for _, m := range b {
		found := false
		for i := range out {
			if out[i].Topic == m.Topic {
				found = true
				if out[i].Context && !m.Context {
					out[i] = m
				}
			}
		}
		if !found {
			out = append(out, m)
		}
	}
	return out
}
