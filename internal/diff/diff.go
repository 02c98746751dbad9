// Package diff compares two versions of a document and describes the change
// the way a reader checks it: paragraph by paragraph, and word by word inside
// each edited paragraph, with moved paragraphs shown as moved and changes of
// whitespace, punctuation or case marked cosmetic.
//
// A version is plain text with one paragraph per line (headings, list items
// and table rows included); blank lines are ignored. Everything here is a pure
// function of its inputs: the same two texts always give the same Result.
//
// The diff itself is github.com/sergi/go-diff (diff-match-patch): lines are
// diffed first, each line mapped to one rune, then the words of each pair of
// corresponding paragraphs, each word mapped to one rune, followed by the
// library's semantic cleanup. The library is wrapped so that adversarial input
// cannot make a comparison run away with time or memory: the work of one
// comparison is bounded by a budget counted in symbols compared, not by a
// clock, so that a slow or busy machine gives the same result (see seq.go).
//
// It returns data: the Result, the Parts of a paragraph as a reader is
// shown them and the Excerpts a mail shows. The plain-text forms (Text for a
// terminal, ExcerptText for mail) are here too; HTML is rendered by the web
// and digest packages with html/template.
package diff

import "tracker/internal/text"

// Block kinds.
const (
	KindContext   = "context"    // an unchanged paragraph shown for orientation
	KindAdded     = "added"      // a paragraph only in the new version
	KindRemoved   = "removed"    // a paragraph only in the old version
	KindChanged   = "changed"    // a paragraph edited in place; Spans say how
	KindMoved     = "moved"      // a paragraph at its new place; MovedFrom is its old line
	KindMovedAway = "moved_away" // the old place of a moved paragraph; MovedTo is its new line
)

// Span operations.
const (
	OpEqual  = "="
	OpInsert = "+"
	OpDelete = "-"
)

// Options tune Compare. The zero value gives the defaults.
type Options struct {
	// Context is the number of unchanged paragraphs shown before and after
	// each hunk. 0 means the default (1); a negative value means none.
	Context int
	// Budget bounds the work of the comparison, counted in symbols
	// compared (see workBudget). 0 means the default. When it runs out the
	// result is still correct, but some edited paragraphs are shown whole
	// instead of word by word, and Result.Approximate is set.
	Budget int
}

const defaultContext = 1

// Result is the change from one version to the next. Its JSON form is
// stored and shown by `tracker diff --format json`, so field names are part
// of the interface.
type Result struct {
	Hunks []Hunk `json:"hunks"`
	// WordsAdded and WordsRemoved count words (not punctuation or
	// whitespace) in added and removed text. A moved paragraph counts only
	// for the words edited inside it; a word whose case alone changed counts
	// once on each side.
	WordsAdded   int `json:"words_added"`
	WordsRemoved int `json:"words_removed"`
	// Cosmetic is true when the versions differ but their words do not,
	// ignoring case: only whitespace, punctuation, case or the way the text
	// is cut into paragraphs changed.
	Cosmetic bool `json:"cosmetic"`
	// Approximate is true when the work budget or a size guard ran out; the
	// result is then correct but coarser than usual.
	Approximate bool `json:"approximate"`
}

// Hunk is a run of changed paragraphs with their context.
type Hunk struct {
	// OldStart and NewStart are the 1-based line numbers where the hunk
	// starts in each version; for a side with no line in the hunk, the line
	// before which the hunk sits.
	OldStart int     `json:"old_start"`
	NewStart int     `json:"new_start"`
	Blocks   []Block `json:"blocks"`
}

// Block is one paragraph of a hunk (or one pair of corresponding
// paragraphs).
type Block struct {
	Kind string `json:"kind"`
	// OldLine and NewLine are the paragraph's 1-based line numbers, 0 on
	// the side it is absent from.
	// For a paragraph split in two, or two merged into one, the side with
	// two paragraphs gives the first one's line, and its text holds both,
	// separated by a line break.
	OldLine int `json:"old_line,omitempty"`
	NewLine int `json:"new_line,omitempty"`
	// Old and New are the paragraph's text in each version. A moved block
	// has both (Old as it was at its old place); a moved_away block only Old.
	Old string `json:"old,omitempty"`
	New string `json:"new,omitempty"`
	// Spans is the word-level diff of Old into New, for changed paragraphs
	// and for moved paragraphs that were also edited.
	Spans     []Span `json:"spans,omitempty"`
	MovedFrom int    `json:"moved_from,omitempty"`
	MovedTo   int    `json:"moved_to,omitempty"`
	// Cosmetic marks a changed paragraph whose words, ignoring case, did
	// not change.
	Cosmetic bool `json:"cosmetic,omitempty"`
}

// Span is a piece of a paragraph's word-level diff.
type Span struct {
	Op   string `json:"op"`
	Text string `json:"text"`
}

// Changed reports whether the two versions differ at all.
func (r *Result) Changed() bool { return len(r.Hunks) > 0 }

// paragraph is one non-blank line of a version.
type paragraph struct {
	line int // 1-based line number in its version
	text string

	tokens []string // lazily filled by comparison
	sim    []int32  // sorted ids of folded words, for similarity
}

// splitParagraphs returns the non-blank lines of a version, numbered as
// text.Paragraphs numbers them everywhere.
func splitParagraphs(s string) []*paragraph {
	var ps []*paragraph
	for _, p := range text.Paragraphs(s) {
		ps = append(ps, &paragraph{line: p.Line, text: p.Text})
	}
	return ps
}

func (p *paragraph) toks() []string {
	if p.tokens == nil {
		p.tokens = tokenize(p.text)
	}
	return p.tokens
}

// Compare returns the change from old to new.
func Compare(old, new string, opt Options) *Result {
	if opt.Context == 0 {
		opt.Context = defaultContext
	} else if opt.Context < 0 {
		opt.Context = 0
	}
	if opt.Budget <= 0 {
		opt.Budget = workBudget
	}
	c := &comparison{
		comparer:  comparer{budget: opt.Budget, patience: patienceBudget},
		old:       splitParagraphs(old),
		new:       splitParagraphs(new),
		words:     newEncoder(true),
		simIDs:    make(map[string]int32),
		joinedOld: make(map[[2]int]*paragraph),
		joinedNew: make(map[[2]int]*paragraph),
	}
	return c.run(opt.Context)
}

// comparison holds the state of one Compare call.
type comparison struct {
	comparer
	old, new []*paragraph
	words    *encoder         // word tokens to runes for the word-level diff
	simIDs   map[string]int32 // folded words to ids for similarity

	joinedOld, joinedNew map[[2]int]*paragraph // two adjacent paragraphs as one
}

// region is a maximal stretch of paragraphs that the line diff did not match,
// between two matched ones.
type region struct {
	oldAt, newAt int   // index of the first paragraph of the region on each side
	removed      []int // indices into comparison.old
	added        []int // indices into comparison.new
	blocks       []Block
}

func (c *comparison) run(context int) *Result {
	res := &Result{Hunks: []Hunk{}}
	regions := c.regions()
	if len(regions) == 0 {
		return res
	}
	// Each paragraph's fate: moved, edited in place, or plainly removed or
	// added. Identical moves go first so that pairing cannot take a moved
	// paragraph for an edit of a neighbour; edited moves go last, among what
	// pairing left.
	l := newLinks()
	c.exactMoves(regions, l)
	for k := range regions {
		c.pairRegion(&regions[k], l)
	}
	c.nearMoves(regions, l)

	cosmetic := true
	for k := range regions {
		r := &regions[k]
		r.blocks = c.regionBlocks(r, l, res)
		if !c.sameWords(r) {
			cosmetic = false
		}
	}
	res.Cosmetic = cosmetic
	res.Hunks = c.hunks(regions, context)
	res.Approximate = c.approximate
	return res
}

// regions runs the line-level diff.
func (c *comparison) regions() []region {
	lines := newEncoder(false)
	a, okA := lines.encode(texts(c.old))
	b, okB := lines.encode(texts(c.new))
	var ms []match
	if okA && okB {
		ms = c.diffSeq(a, b, false)
	} else {
		c.approximate = true
	}
	var rs []region
	i, j := 0, 0
	flush := func(ie, je int) {
		if i == ie && j == je {
			return
		}
		r := region{oldAt: i, newAt: j}
		for ; i < ie; i++ {
			r.removed = append(r.removed, i)
		}
		for ; j < je; j++ {
			r.added = append(r.added, j)
		}
		rs = append(rs, r)
	}
	for _, m := range ms {
		flush(m.I, m.J)
		i, j = m.I+m.N, m.J+m.N
	}
	flush(len(c.old), len(c.new))
	return rs
}

func texts(ps []*paragraph) []string {
	ts := make([]string, len(ps))
	for i, p := range ps {
		ts[i] = p.text
	}
	return ts
}

// sameWords reports whether a region's old and new paragraphs say the same
// words in the same order, ignoring case. Checking region by region is
// stricter than comparing whole documents: words that travel across an
// unchanged paragraph make the change non-cosmetic, which errs on the side
// of showing it.
func (c *comparison) sameWords(r *region) bool {
	a := make([]*paragraph, len(r.removed))
	for k, i := range r.removed {
		a[k] = c.old[i]
	}
	b := make([]*paragraph, len(r.added))
	for k, j := range r.added {
		b[k] = c.new[j]
	}
	return sameWords(a, b)
}
