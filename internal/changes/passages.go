package changes

import (
	"strings"

	"tracker/internal/diff"
	"tracker/internal/text"
	"tracker/internal/topics"
)

// Passage is one changed paragraph of a change (or a pair of corresponding
// paragraphs), with what the classification made of it. A change's
// passages come ordered by weight: those that carry its importance and
// topics first.
type Passage struct {
	// Kind is the diff's: added, removed, changed or moved.
	Kind string `json:"kind"`
	// OldLine and NewLine are its line numbers in each version (0 where it
	// is absent).
	OldLine int `json:"old_line,omitempty"`
	NewLine int `json:"new_line,omitempty"`
	// Section is the heading it sits under, "" at the top.
	Section string `json:"section,omitempty"`
	// Words is how many words it adds and removes.
	Words int `json:"words"`
	// Artefact says why it tells a reader nothing new ("" when it does).
	Artefact string `json:"artefact,omitempty"`
	// Topics are the topics of what it changes, with their evidence.
	Topics []topics.Match `json:"topics,omitempty"`
	// Turn is true when it turns what a sentence says (a negation, a
	// modal, a bound, a period or an age).
	Turn bool `json:"turn,omitempty"`
	// Weight orders passages: how much this one matters to a reader.
	Weight float64 `json:"weight"`
	// Reason is one sentence saying what it changes.
	Reason string `json:"reason"`

	old, new string
	spans    []diff.Span
	// changedOld and changedNew are its removed and added pieces.
	changedOld, changedNew []string
	heading                bool           // a heading line itself
	why                    string         // what kind of chrome it is
	strong                 bool           // its changed words carry several phrases of a topic
	strength               map[string]int // distinct phrases of each topic in its changed words
	frags                  []topics.Fragment
	// sentences are the diff's fragments of an edited paragraph: the
	// sentences that hold its changes.
	sentences []topics.Fragment
	// paras are the paragraphs of the version the passage is read in.
	paras []text.Paragraph
}

// line is the passage's line in the version it is read in.
func (p *Passage) line() int {
	if p.Kind == diff.KindRemoved {
		return p.OldLine
	}
	return p.NewLine
}

// passagesOf lists the changed paragraphs of a diff in document order, with
// the heading each sits under.
func passagesOf(d *diff.Result, oldText, newText string) []*Passage {
	oldSec, newSec := sections(oldText), sections(newText)
	type at struct {
		kind string
		line int
	}
	sentences := map[at][]topics.Fragment{}
	for _, f := range d.Fragments() {
		tf := topics.Fragment{Text: f.Text}
		for _, r := range f.Changed {
			tf.Changed = append(tf.Changed, [2]int{r.Start, r.End})
		}
		sentences[at{f.Kind, f.Line}] = append(sentences[at{f.Kind, f.Line}], tf)
	}
	var out []*Passage
	for _, h := range d.Hunks {
		for _, b := range h.Blocks {
			p := &Passage{Kind: b.Kind, OldLine: b.OldLine, NewLine: b.NewLine, old: b.Old, new: b.New, spans: b.Spans}
			switch b.Kind {
			case diff.KindContext, diff.KindMovedAway:
				continue
			case diff.KindAdded:
				p.changedNew = []string{b.New}
				p.Section = newSec[b.NewLine]
			case diff.KindRemoved:
				p.changedOld = []string{b.Old}
				p.Section = oldSec[b.OldLine]
			case diff.KindChanged, diff.KindMoved:
				if b.Kind == diff.KindMoved {
					p.OldLine = b.MovedFrom
				}
				for _, s := range b.Spans {
					switch s.Op {
					case diff.OpInsert:
						p.changedNew = append(p.changedNew, s.Text)
					case diff.OpDelete:
						p.changedOld = append(p.changedOld, s.Text)
					}
				}
				p.Section = newSec[b.NewLine]
				if p.Section == "" {
					p.Section = oldSec[b.OldLine]
				}
				if b.Cosmetic {
					p.Artefact = ArtefactFormat
				}
			}
			for _, s := range p.changedOld {
				p.Words += text.Words(s)
			}
			for _, s := range p.changedNew {
				p.Words += text.Words(s)
			}
			if b.Kind == diff.KindMoved && p.Words == 0 {
				p.Artefact = ArtefactFormat // moved unchanged: the order, not the words
			}
			if b.Kind == diff.KindChanged || b.Kind == diff.KindMoved {
				p.sentences = append(sentences[at{diff.FragmentRemoved, p.OldLine}], sentences[at{diff.FragmentAdded, p.NewLine}]...)
				if p.sentences == nil {
					p.sentences = []topics.Fragment{}
				}
			}
			lvlOld, _ := text.Heading(strings.TrimSpace(b.Old))
			lvlNew, _ := text.Heading(strings.TrimSpace(b.New))
			p.heading = lvlOld > 0 || lvlNew > 0
			out = append(out, p)
		}
	}
	return out
}

// sections maps each line of a text to the heading it sits under, written
// "Parent › Heading" for a nested one.
func sections(s string) map[int]string {
	out := map[int]string{}
	var stack []struct {
		level int
		title string
	}
	for _, p := range text.Paragraphs(s) {
		lvl, title := text.Heading(strings.TrimSpace(p.Text))
		if lvl > 0 {
			for len(stack) > 0 && stack[len(stack)-1].level >= lvl {
				stack = stack[:len(stack)-1]
			}
			stack = append(stack, struct {
				level int
				title string
			}{lvl, title})
		}
		if len(stack) > 0 {
			// The two innermost headings say where a passage is.
			from := max(0, len(stack)-2)
			parts := make([]string, 0, 2)
			for _, h := range stack[from:] {
				parts = append(parts, h.title)
			}
			out[p.Line] = strings.Join(parts, " › ")
		}
	}
	return out
}

// fragments are the passage's pieces for the topic classifier: for an
// edited paragraph, the sentences holding its changes on each side, with
// the changed words marked; for one added or removed, the paragraph.
func (p *Passage) fragments() []topics.Fragment {
	if p.frags != nil {
		return p.frags
	}
	if p.sentences != nil {
		p.frags = p.sentences
		return p.frags
	}
	side := func(spans []diff.Span, keep string, whole string) topics.Fragment {
		if spans == nil {
			return topics.Fragment{Text: whole, Changed: [][2]int{{0, len(whole)}}}
		}
		var b strings.Builder
		var ch [][2]int
		for _, s := range spans {
			if s.Op != diff.OpEqual && s.Op != keep {
				continue
			}
			start := b.Len()
			b.WriteString(s.Text)
			if s.Op == keep && text.Words(s.Text) > 0 {
				ch = append(ch, [2]int{start, b.Len()})
			}
		}
		return topics.Fragment{Text: b.String(), Changed: ch}
	}
	switch p.Kind {
	case diff.KindAdded:
		p.frags = []topics.Fragment{side(nil, "", p.new)}
	case diff.KindRemoved:
		p.frags = []topics.Fragment{side(nil, "", p.old)}
	default:
		p.frags = []topics.Fragment{side(p.spans, diff.OpDelete, p.old), side(p.spans, diff.OpInsert, p.new)}
	}
	return p.frags
}

// text is the passage's paragraph: the new one, or the old one when it was
// removed.
func (p *Passage) text() string {
	if p.Kind == diff.KindRemoved {
		return p.old
	}
	return p.new
}

// Place is where a passage is in the change's diff: block Block of hunk
// Hunk.
type Place struct{ Hunk, Block int }

// Places finds each passage's place in the diff, passages in their order
// (the weightiest first).
func (a *Analysis) Places() []Place {
	if a.Diff == nil {
		return nil
	}
	at := map[[2]int]Place{}
	for h, hk := range a.Diff.Hunks {
		for b, bl := range hk.Blocks {
			old := bl.OldLine
			if bl.Kind == diff.KindMoved {
				old = bl.MovedFrom
			}
			if bl.Kind != diff.KindContext && bl.Kind != diff.KindMovedAway {
				at[[2]int{old, bl.NewLine}] = Place{h, b}
			}
		}
	}
	out := make([]Place, len(a.Passages))
	for i, p := range a.Passages {
		out[i] = at[[2]int{p.OldLine, p.NewLine}]
	}
	return out
}

// twinShare is how much of its words an added paragraph must share with a
// paragraph the page still shows to be read as a second copy of it.
const twinShare = 0.75

// readTwins reads each added paragraph that repeats, nearly word for word,
// a paragraph the page still shows (an announced version of the document
// printed above the one in force) as what it changes in that paragraph:
// the copy of a paragraph that stays tells nothing; the words it changes
// do.
func readTwins(ps []*Passage, oldParas, newParas []text.Paragraph) {
	inNew := map[string]bool{}
	for _, p := range newParas {
		inNew[strings.TrimSpace(p.Text)] = true
	}
	type kept struct {
		text  string
		words map[string]bool
	}
	var keptParas []kept
	for _, p := range oldParas {
		t := strings.TrimSpace(p.Text)
		if inNew[t] && text.Words(t) >= 8 {
			keptParas = append(keptParas, kept{t, lowerWordSet(t)})
		}
	}
	if len(keptParas) == 0 {
		return
	}
	for _, p := range ps {
		if p.Kind != diff.KindAdded || p.heading || p.Artefact != "" || text.Words(p.new) < 8 {
			continue
		}
		ws := lowerWordSet(p.new)
		best, share := "", 0.0
		for _, k := range keptParas {
			common := 0
			for w := range ws {
				if k.words[w] {
					common++
				}
			}
			if s := float64(common) / float64(len(ws)+len(k.words)-common); s > share {
				best, share = k.text, s
			}
		}
		if share < twinShare {
			continue
		}
		d := diff.Compare(best, p.new, diff.Options{})
		p.changedNew, p.spans, p.sentences = nil, nil, []topics.Fragment{}
		for _, h := range d.Hunks {
			for _, b := range h.Blocks {
				for _, s := range b.Spans {
					if s.Op == diff.OpInsert {
						p.changedNew = append(p.changedNew, s.Text)
					}
				}
			}
		}
		for _, f := range d.Fragments() {
			if f.Kind != diff.FragmentAdded {
				continue
			}
			tf := topics.Fragment{Text: f.Text}
			for _, r := range f.Changed {
				tf.Changed = append(tf.Changed, [2]int{r.Start, r.End})
			}
			p.sentences = append(p.sentences, tf)
		}
		p.Words = 0
		for _, s := range p.changedNew {
			p.Words += text.Words(s)
		}
		if p.Words == 0 {
			p.Artefact, p.why = ArtefactChrome, "a second copy of a paragraph the page still shows"
		}
	}
}

// lowerWordSet is the set of a text's words, in lower case.
func lowerWordSet(s string) map[string]bool {
	set := map[string]bool{}
	for _, w := range wordsOf(s) {
		set[strings.ToLower(w)] = true
	}
	return set
}
