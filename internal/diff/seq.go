package diff

import (
	"sort"
	"time"
	"unicode/utf8"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// Limits that keep diff-match-patch away from its quadratic corners. Its
// substring search, half-match and cleanup passes are quadratic on long,
// repetitive input (100,000 identical tiny lines, a 1 MB line of one repeated
// word), and its Myers bisection is quadratic on sequences that share little.
// So the library is only ever handed sequences of at most maxDirect symbols
// (longer ones are first cut at patience anchors), and each call is paid for
// from the work budget before it starts.
const (
	// maxDirect is the most symbols (old plus new) given to one library
	// call. Real paragraphs are far below it (a 2,000-word clause is about
	// 4,000 tokens); a 1 MB document is about 10,000 lines.
	maxDirect = 20000
	// discardFrom is the size from which symbols found on one side only are
	// removed before diffing (see diffCommon).
	discardFrom = 2000
	// patienceBudget bounds the symbols examined while looking for anchors
	// in one comparison.
	patienceBudget = 8 << 20
	// workBudget bounds the rest of the work of one comparison: each
	// library call costs the cells of its edit graph (old symbols times new,
	// which bound the steps of its bisection) and is paid before it starts;
	// pairing paragraphs costs the words its similarities walk through. It
	// is about a second of the library's worst case, enough for one call of
	// maxDirect symbols that share little in order. The whole TikTok history
	// spends at most a tenth of it (its first Terms of Service against its
	// last), two unrelated 1 MB texts a twentieth.
	workBudget = 150_000_000
)

// match says that a[I:I+N] equals b[J:J+N].
type match struct{ I, J, N int }

// run is a stretch of one operation: '=' N symbols in both, '-' N symbols of
// the old side only, '+' N symbols of the new side only.
type run struct {
	Op byte
	N  int
}

// comparer carries what one Compare call shares: the budgets, what was
// spent of them, and whether one ran out (then the result is still correct
// but coarser).
type comparer struct {
	budget, spent int // work, see workBudget
	patience      int
	approximate   bool
}

// over reports, once the work budget is spent, that what follows is
// approximate.
func (c *comparer) over() bool {
	if c.spent > c.budget {
		c.approximate = true
		return true
	}
	return false
}

// afford spends n from the work budget if that much is left; otherwise what
// follows is approximate.
func (c *comparer) afford(n int) bool {
	if n > c.budget-c.spent {
		c.approximate = true
		return false
	}
	c.spent += n
	return true
}

// diffSeq returns the matching stretches of a and b, in order.
// semantic asks for diff-match-patch's semantic cleanup, which removes
// coincidental one-word equalities inside rewritten text.
func (c *comparer) diffSeq(a, b []rune, semantic bool) []match {
	if len(a)+len(b) >= discardFrom {
		if ms, ok := c.diffCommon(a, b, semantic); ok {
			return ms
		}
	}
	return c.diffTrimmed(a, b, semantic)
}

// diffTrimmed diffs a and b after taking off their common prefix and suffix.
func (c *comparer) diffTrimmed(a, b []rune, semantic bool) []match {
	var ms []match
	p, s := commonEnds(a, b)
	if p > 0 {
		ms = append(ms, match{0, 0, p})
	}
	for _, m := range c.diffMiddle(a[p:len(a)-s], b[p:len(b)-s], semantic) {
		ms = appendMatch(ms, match{m.I + p, m.J + p, m.N})
	}
	if s > 0 {
		ms = appendMatch(ms, match{len(a) - s, len(b) - s, s})
	}
	return ms
}

// commonEnds returns the lengths of the common prefix and, after it, the
// common suffix of a and b.
func commonEnds(a, b []rune) (prefix, suffix int) {
	for prefix < len(a) && prefix < len(b) && a[prefix] == b[prefix] {
		prefix++
	}
	for suffix < len(a)-prefix && suffix < len(b)-prefix && a[len(a)-1-suffix] == b[len(b)-1-suffix] {
		suffix++
	}
	return prefix, suffix
}

func appendMatch(ms []match, m match) []match {
	if m.N == 0 {
		return ms
	}
	if k := len(ms) - 1; k >= 0 && ms[k].I+ms[k].N == m.I && ms[k].J+ms[k].N == m.J {
		ms[k].N += m.N
		return ms
	}
	return append(ms, m)
}

// diffMiddle diffs two sequences that share no prefix or suffix.
func (c *comparer) diffMiddle(a, b []rune, semantic bool) []match {
	if len(a) == 0 || len(b) == 0 {
		return nil
	}
	if len(a)+len(b) <= maxDirect {
		return c.diffDirect(a, b, semantic)
	}
	return c.diffPatience(a, b, semantic)
}

// diffCommon diffs only the symbols that occur on both sides; the others can
// never be part of a match, and dropping them makes unrelated texts cost
// nothing. ok is false when every symbol is common, so that nothing was
// gained.
func (c *comparer) diffCommon(a, b []rune, semantic bool) ([]match, bool) {
	const inA, inB = 1, 2
	where := make(map[rune]uint8)
	for _, r := range a {
		where[r] |= inA
	}
	for _, r := range b {
		where[r] |= inB
	}
	var ca, cb []rune
	var ia, ib []int
	for i, r := range a {
		if where[r]&inB != 0 {
			ca = append(ca, r)
			ia = append(ia, i)
		}
	}
	for j, r := range b {
		if where[r]&inA != 0 {
			cb = append(cb, r)
			ib = append(ib, j)
		}
	}
	if len(ca) == len(a) && len(cb) == len(b) {
		return nil, false
	}
	var ms []match
	for _, m := range c.diffTrimmed(ca, cb, semantic) {
		for k := 0; k < m.N; k++ {
			ms = appendMatch(ms, match{ia[m.I+k], ib[m.J+k], 1})
		}
	}
	return ms, true
}

// diffDirect hands a bounded problem to diff-match-patch.
func (c *comparer) diffDirect(a, b []rune, semantic bool) []match {
	if !c.afford(len(a) * len(b)) {
		return nil
	}
	dmp := diffmatchpatch.New()
	// Any timeout keeps the library's half-match speedup on (without one
	// it is off, and some diffs come out otherwise); libraryDiff makes sure
	// the library never compares it with the clock.
	dmp.DiffTimeout = time.Second
	diffs := libraryDiff(dmp, a, b)
	if semantic {
		diffs = dmp.DiffCleanupSemantic(diffs)
	}
	var ms []match
	i, j := 0, 0
	for _, d := range diffs {
		n := utf8.RuneCountInString(d.Text)
		switch d.Type {
		case diffmatchpatch.DiffEqual:
			ms = appendMatch(ms, match{i, j, n})
			i += n
			j += n
		case diffmatchpatch.DiffDelete:
			i += n
		case diffmatchpatch.DiffInsert:
			j += n
		}
	}
	return ms
}

// diffPatience cuts a long problem at its patience anchors (symbols that
// occur exactly once on each side, in increasing order on both) and diffs
// the pieces between them. Without anchors nothing can be cut safely, and the
// whole stretch is reported as replaced.
func (c *comparer) diffPatience(a, b []rune, semantic bool) []match {
	c.patience -= len(a) + len(b)
	if c.patience < 0 {
		c.approximate = true
		return nil
	}
	anchors, candidates := patienceAnchors(a, b)
	if semantic && len(anchors) < candidates/2 {
		// Most words found once on each side are out of order: two long
		// paragraphs that do not correspond. Their word diff would be
		// confetti, rejected after spending the whole time budget.
		return nil
	}
	if len(anchors) == 0 {
		c.approximate = true
		return nil
	}
	var ms []match
	i, j := 0, 0
	for _, an := range anchors {
		for _, m := range c.diffTrimmed(a[i:an.I], b[j:an.J], semantic) {
			ms = appendMatch(ms, match{m.I + i, m.J + j, m.N})
		}
		ms = appendMatch(ms, an)
		i, j = an.I+1, an.J+1
	}
	for _, m := range c.diffTrimmed(a[i:], b[j:], semantic) {
		ms = appendMatch(ms, match{m.I + i, m.J + j, m.N})
	}
	return ms
}

// patienceAnchors returns the longest increasing chain of symbols unique on
// both sides, and how many such symbols there are.
func patienceAnchors(a, b []rune) ([]match, int) {
	type seen struct{ na, nb, ia, ib int }
	count := make(map[rune]*seen)
	for i, r := range a {
		s := count[r]
		if s == nil {
			s = &seen{}
			count[r] = s
		}
		s.na++
		s.ia = i
	}
	for j, r := range b {
		if s := count[r]; s != nil {
			s.nb++
			s.ib = j
		}
	}
	var cand []match // in order of a
	for i, r := range a {
		if s := count[r]; s.na == 1 && s.nb == 1 {
			cand = append(cand, match{i, s.ib, 1})
		}
	}
	// Longest increasing subsequence of cand by J (patience sorting).
	var tails []int // index into cand of the smallest tail of each length
	prev := make([]int, len(cand))
	for k, m := range cand {
		n := sort.Search(len(tails), func(t int) bool { return cand[tails[t]].J >= m.J })
		if n > 0 {
			prev[k] = tails[n-1]
		} else {
			prev[k] = -1
		}
		if n == len(tails) {
			tails = append(tails, k)
		} else {
			tails[n] = k
		}
	}
	if len(tails) == 0 {
		return nil, len(cand)
	}
	out := make([]match, len(tails))
	for k, n := tails[len(tails)-1], len(tails)-1; n >= 0; k, n = prev[k], n-1 {
		out[n] = cand[k]
	}
	return out, len(cand)
}

// runs turns matches into the operations that transform a into b: between
// two matches, the old symbols are deleted before the new are inserted.
func runs(ms []match, na, nb int) []run {
	var rs []run
	add := func(op byte, n int) {
		if n > 0 {
			rs = append(rs, run{op, n})
		}
	}
	i, j := 0, 0
	for _, m := range ms {
		add('-', m.I-i)
		add('+', m.J-j)
		add('=', m.N)
		i, j = m.I+m.N, m.J+m.N
	}
	add('-', na-i)
	add('+', nb-j)
	return rs
}
