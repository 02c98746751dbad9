package diff

import (
	"cmp"
	"slices"
)

// Tuning of paragraph pairing, checked on the whole TikTok history
// (2020–2026): real edits of a paragraph keep well above these figures,
// unrelated legal paragraphs (which share many function words) stay below
// them once the word diff's semantic cleanup has dropped coincidental
// one-word equalities.
const (
	// minSimilarity is the least similarity (see similarity) for a removed
	// and an added paragraph to be word-diffed as one changed paragraph.
	minSimilarity = 0.5
	// minKept is the least share of the shorter paragraph's words the word
	// diff must find unchanged; below it the pair reads as confetti and is
	// shown as one paragraph removed and another added.
	minKept = 0.5
	// minMoveSimilarity and minMoveWords decide when a removed paragraph
	// and an added one elsewhere are the same paragraph moved and edited.
	minMoveSimilarity = 0.8
	minMoveWords      = 8
	// maxPairs bounds the similarity computations of one region or of the
	// search for edited moves; larger regions are paired greedily along the
	// diagonal with a window of pairWindow.
	maxPairs   = 40000
	pairWindow = 8
	// maxPairWords bounds the same work by the words compared: a few huge
	// paragraphs against many small ones cost as much as many pairs.
	maxPairWords = 20_000_000
)

// pairWork is the number of words the similarities of every pair of rem and
// add would walk through.
func (c *comparison) pairWork(rem, add []int) int {
	wr, wa := 0, 0
	for _, i := range rem {
		wr += len(c.simOf(c.old[i]))
	}
	for _, j := range add {
		wa += len(c.simOf(c.new[j]))
	}
	return wr*len(add) + wa*len(rem)
}

// link records what became of a paragraph: the paragraphs it corresponds
// to on the other side and, if edited, the word-level diff. An edit in place
// links one or two old paragraphs to one or two new ones (two when a
// paragraph was split or two were merged); a move links one to one.
type link struct {
	olds, news []int
	spans      []Span
	moved      bool
}

// links between the two versions, by paragraph index on each side.
type links struct {
	byOld map[int]*link
	byNew map[int]*link
}

func newLinks() *links {
	return &links{byOld: make(map[int]*link), byNew: make(map[int]*link)}
}

func (l *links) add(k *link) {
	for _, i := range k.olds {
		l.byOld[i] = k
	}
	for _, j := range k.news {
		l.byNew[j] = k
	}
}

// free reports whether old paragraph i is not linked to anything.
func (l *links) free(i int) bool { return l.byOld[i] == nil }

// freeNew reports whether new paragraph j is not linked to anything.
func (l *links) freeNew(j int) bool { return l.byNew[j] == nil }

// simOf returns the sorted ids of a paragraph's folded words.
func (c *comparison) simOf(p *paragraph) []int32 {
	if p.sim == nil {
		ids := make([]int32, 0, 8)
		for _, t := range p.toks() {
			if !isWord(t) {
				continue
			}
			w := foldWord(t)
			id, ok := c.simIDs[w]
			if !ok {
				id = int32(len(c.simIDs))
				c.simIDs[w] = id
			}
			ids = append(ids, id)
		}
		slices.Sort(ids)
		p.sim = ids
	}
	return p.sim
}

// similarity is the Dice coefficient of two paragraphs' word multisets,
// ignoring case and punctuation: 1 for the same words, 0 for none shared.
// A paragraph whose words are all found in the other (one that grew by whole
// sentences) scores at least minSimilarity, so that it can pair although
// the Dice coefficient of a short and a long text is low; whether the words
// really line up is for keep to decide.
// Paragraphs without words (rules, lone symbols) are similar only to each
// other, at the threshold, so they pair when nothing better is around.
func (c *comparison) similarity(p, q *paragraph) float64 {
	a, b := c.simOf(p), c.simOf(q)
	c.spent += len(a) + len(b)
	if len(a) == 0 || len(b) == 0 {
		if len(a) == 0 && len(b) == 0 {
			return minSimilarity
		}
		return 0
	}
	common := commonSorted(a, b)
	dice := 2 * float64(common) / float64(len(a)+len(b))
	if common == min(len(a), len(b)) {
		return max(dice, minSimilarity)
	}
	return dice
}

// exactMoves links paragraphs removed in one region and added, identical
// after whitespace normalisation, in another. Only paragraphs that occur once
// among the removed and once among the added count: a repeated line (a table
// cell saying "Yes") has no identity to follow, and matching repeats would be
// quadratic on hostile input.
func (c *comparison) exactMoves(regions []region, l *links) {
	type occurrence struct{ removed, added, idx, region int }
	seen := make(map[string]*occurrence)
	for k, r := range regions {
		for _, i := range r.removed {
			key := normalizeSpace(c.old[i].text)
			o := seen[key]
			if o == nil {
				o = &occurrence{}
				seen[key] = o
			}
			o.removed++
			o.idx, o.region = i, k
		}
	}
	key := make(map[int]string) // new index -> normalised text
	for _, r := range regions {
		for _, j := range r.added {
			key[j] = normalizeSpace(c.new[j].text)
			if o := seen[key[j]]; o != nil {
				o.added++
			}
		}
	}
	for k, r := range regions {
		for _, j := range r.added {
			o := seen[key[j]]
			if o == nil || o.added != 1 || o.removed != 1 || o.region == k {
				continue
			}
			p, q := c.old[o.idx], c.new[j]
			var spans []Span
			if p.text != q.text {
				spans = c.wordSpans(p, q)
			}
			l.add(&link{olds: []int{o.idx}, news: []int{j}, spans: spans, moved: true})
		}
	}
}

// pairRegion links the removed and added paragraphs of a region that are
// the same paragraph edited, keeping their order.
func (c *comparison) pairRegion(r *region, l *links) {
	var rem, add []int
	for _, i := range r.removed {
		if l.free(i) {
			rem = append(rem, i)
		}
	}
	for _, j := range r.added {
		if l.freeNew(j) {
			add = append(add, j)
		}
	}
	if len(rem) == 0 || len(add) == 0 {
		return
	}
	var groups []link
	if len(rem)*len(add) <= maxPairs && c.pairWork(rem, add) <= maxPairWords {
		groups = c.alignPairs(rem, add)
	} else {
		groups = c.greedyPairs(rem, add)
	}
	for _, g := range groups {
		p, q := c.joined(true, g.olds), c.joined(false, g.news)
		if spans, ok := c.keep(p, q); ok {
			g.spans = spans
			l.add(&g)
		}
	}
}

// joined returns the paragraph at idx[0], or for two indices a paragraph
// made of both, separated by a line break so that the join shows in the
// word diff.
func (c *comparison) joined(old bool, idx []int) *paragraph {
	ps, cache := c.new, c.joinedNew
	if old {
		ps, cache = c.old, c.joinedOld
	}
	if len(idx) == 1 {
		return ps[idx[0]]
	}
	key := [2]int{idx[0], idx[1]}
	if p, ok := cache[key]; ok {
		return p
	}
	a, b := ps[idx[0]], ps[idx[1]]
	p := &paragraph{line: a.line, text: a.text + "\n" + b.text}
	p.tokens = append(append(append(make([]string, 0, len(a.toks())+len(b.toks())+1), a.toks()...), "\n"), b.toks()...)
	sim := append(append(make([]int32, 0, len(c.simOf(a))+len(c.simOf(b))), c.simOf(a)...), c.simOf(b)...)
	slices.Sort(sim)
	p.sim = sim
	cache[key] = p
	return p
}

// alignPairs finds the order-preserving pairing of rem and add with the
// greatest total similarity (a Needleman–Wunsch alignment where gaps cost
// nothing and pairs below minSimilarity are not allowed). Besides one to one,
// two adjacent paragraphs may pair with one: a merge or a split.
func (c *comparison) alignPairs(rem, add []int) []link {
	gain := func(sim float64) float64 { return sim }
	m, n := len(rem), len(add)
	w := n + 1
	score := make([]float64, (m+1)*w)
	// move: 'u' skip a removed paragraph, 'l' skip an added one, 'd' pair
	// one with one, 'm' two removed with one added, 's' one with two.
	move := make([]byte, (m+1)*w)
	for i := 0; i <= m; i++ {
		if c.over() {
			return c.greedyPairs(rem, add) // stops at once: nothing is paired
		}
		for j := 0; j <= n; j++ {
			if i == 0 && j == 0 {
				continue
			}
			best, mv := -1.0, byte(0)
			try := func(s float64, k byte) {
				if s > best {
					best, mv = s, k
				}
			}
			if i > 0 {
				try(score[(i-1)*w+j], 'u')
			}
			if j > 0 {
				try(score[i*w+j-1], 'l')
			}
			if i > 0 && j > 0 {
				if sim := c.similarity(c.old[rem[i-1]], c.new[add[j-1]]); sim >= minSimilarity {
					try(score[(i-1)*w+j-1]+gain(sim), 'd')
				}
			}
			if i > 1 && j > 0 && rem[i-1] == rem[i-2]+1 {
				if sim := c.similarity(c.joined(true, rem[i-2:i]), c.new[add[j-1]]); sim >= minSimilarity {
					try(score[(i-2)*w+j-1]+gain(sim), 'm')
				}
			}
			if i > 0 && j > 1 && add[j-1] == add[j-2]+1 {
				if sim := c.similarity(c.old[rem[i-1]], c.joined(false, add[j-2:j])); sim >= minSimilarity {
					try(score[(i-1)*w+j-2]+gain(sim), 's')
				}
			}
			score[i*w+j], move[i*w+j] = best, mv
		}
	}
	var groups []link
	for i, j := m, n; i > 0 || j > 0; {
		switch move[i*w+j] {
		case 'd':
			groups = append(groups, link{olds: rem[i-1 : i], news: add[j-1 : j]})
			i, j = i-1, j-1
		case 'm':
			groups = append(groups, link{olds: rem[i-2 : i], news: add[j-1 : j]})
			i, j = i-2, j-1
		case 's':
			groups = append(groups, link{olds: rem[i-1 : i], news: add[j-2 : j]})
			i, j = i-1, j-2
		case 'u':
			i--
		default:
			j--
		}
	}
	slices.Reverse(groups)
	return groups
}

// greedyPairs pairs a large region in one pass, looking a few paragraphs
// ahead on either side. It bounds the work on huge rewrites (two unrelated
// documents form one region), where an optimal alignment would be quadratic.
func (c *comparison) greedyPairs(rem, add []int) []link {
	var pairs []link
	i, j := 0, 0
	for i < len(rem) && j < len(add) {
		if c.over() {
			break
		}
		found := false
		for k := 0; k <= pairWindow && !found; k++ {
			switch {
			case j+k < len(add) && c.similarity(c.old[rem[i]], c.new[add[j+k]]) >= minSimilarity:
				pairs = append(pairs, link{olds: rem[i : i+1], news: add[j+k : j+k+1]})
				j += k
				found = true
			case k > 0 && i+k < len(rem) && c.similarity(c.old[rem[i+k]], c.new[add[j]]) >= minSimilarity:
				pairs = append(pairs, link{olds: rem[i+k : i+k+1], news: add[j : j+1]})
				i += k
				found = true
			}
		}
		i++
		j++
	}
	return pairs
}

// nearMoves links paragraphs left unpaired that are, nearly word for word,
// one paragraph moved elsewhere and edited.
func (c *comparison) nearMoves(regions []region, l *links) {
	var rem, add []int
	for _, r := range regions {
		for _, i := range r.removed {
			if l.free(i) && len(c.simOf(c.old[i])) >= minMoveWords {
				rem = append(rem, i)
			}
		}
		for _, j := range r.added {
			if l.freeNew(j) && len(c.simOf(c.new[j])) >= minMoveWords {
				add = append(add, j)
			}
		}
	}
	if len(rem) == 0 || len(add) == 0 || len(rem)*len(add) > maxPairs || c.pairWork(rem, add) > maxPairWords {
		return
	}
	taken := make(map[int]bool)
	for _, j := range add {
		if c.over() {
			return
		}
		best, bestSim := -1, minMoveSimilarity
		for _, i := range rem {
			if taken[i] {
				continue
			}
			if s := c.similarity(c.old[i], c.new[j]); s >= bestSim && (best < 0 || s > bestSim) {
				best, bestSim = i, s
			}
		}
		if best < 0 {
			continue
		}
		spans, ok := c.keep(c.old[best], c.new[j])
		if !ok {
			continue
		}
		taken[best] = true
		l.add(&link{olds: []int{best}, news: []int{j}, spans: spans, moved: true})
	}
}

// keep word-diffs a candidate pair and reports whether the result reads as
// one paragraph edited rather than confetti.
func (c *comparison) keep(p, q *paragraph) ([]Span, bool) {
	spans := c.wordSpans(p, q)
	kept := 0
	for _, s := range spans {
		if s.Op == OpEqual {
			kept += countWords(s.Text)
		}
	}
	shorter := min(len(c.simOf(p)), len(c.simOf(q)))
	return spans, float64(kept) >= minKept*float64(shorter)
}

// wordSpans returns the word-level diff of two paragraphs.
func (c *comparison) wordSpans(p, q *paragraph) []Span {
	ta, tb := p.toks(), q.toks()
	a, okA := c.words.encode(ta)
	b, okB := c.words.encode(tb)
	var ms []match
	if okA && okB {
		ms = c.diffSeq(a, b, true)
	} else {
		c.approximate = true
	}
	var spans []Span
	add := func(op string, toks []string) {
		if len(toks) == 0 {
			return
		}
		text := join(toks)
		if k := len(spans) - 1; k >= 0 && spans[k].Op == op {
			spans[k].Text += text
			return
		}
		spans = append(spans, Span{op, text})
	}
	i, j := 0, 0
	for _, r := range runs(ms, len(ta), len(tb)) {
		switch r.Op {
		case '=':
			add(OpEqual, ta[i:i+r.N])
			i += r.N
			j += r.N
		case '-':
			add(OpDelete, ta[i:i+r.N])
			i += r.N
		case '+':
			add(OpInsert, tb[j:j+r.N])
			j += r.N
		}
	}
	return spans
}

func join(toks []string) string {
	n := 0
	for _, t := range toks {
		n += len(t)
	}
	b := make([]byte, 0, n)
	for _, t := range toks {
		b = append(b, t...)
	}
	return string(b)
}

// commonSorted counts the elements two sorted multisets share.
func commonSorted[T cmp.Ordered](a, b []T) int {
	common := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			common++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return common
}
