package topics

import (
	"cmp"
	"slices"
	"sort"
	"strings"
	"tracker/internal/text"
	"unicode"
	"unicode/utf8"
)

// Classify returns the topics found in texts, each text counting as changed
// in full. Matches come in taxonomy order.
func (t *Taxonomy) Classify(texts ...string) []Match {
	frags := make([]Fragment, len(texts))
	for i, s := range texts {
		frags[i] = Fragment{Text: s, Changed: [][2]int{{0, len(s)}}}
	}
	return t.ClassifyFragments(frags)
}

// ClassifyFragments returns the topics found in the fragments. Topics with
// evidence inside the changed ranges come first, in taxonomy order, with
// only that evidence; then, marked Context, the topics found only in the
// unchanged words around the changes.
func (t *Taxonomy) ClassifyFragments(frags []Fragment) []Match {
	type cand struct {
		frag, start, end int
		words            int
		pattern          bool
		seq              int
	}
	changed := make([][]cand, len(t.topics))
	context := make([][]cand, len(t.topics))
	var sc scratch
	seq := 0
	for fi, f := range frags {
		for _, h := range t.scan(f.Text, &sc) {
			c := cand{frag: fi, start: int(h.start), end: int(h.end), words: int(h.words), pattern: h.pattern, seq: seq}
			seq++
			if overlaps(c.start, c.end, f.Changed) {
				changed[h.topic] = append(changed[h.topic], c)
			} else {
				context[h.topic] = append(context[h.topic], c)
			}
		}
	}
	evidence := func(cs []cand) []string {
		// Vocabulary before pattern matches (which can be long but are
		// the fallback), the most specific (most words) first, then in
		// reading order.
		slices.SortStableFunc(cs, func(a, b cand) int {
			if a.pattern != b.pattern {
				if b.pattern {
					return -1
				}
				return 1
			}
			if c := cmp.Compare(b.words, a.words); c != 0 {
				return c
			}
			return cmp.Compare(a.seq, b.seq)
		})
		var out []string
		seen := map[string]bool{}
		for _, c := range cs {
			s := text.Collapse(frags[c.frag].Text[c.start:c.end])
			k := strings.ToLower(s)
			if seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, s)
			if len(out) == MaxEvidence {
				break
			}
		}
		return out
	}
	var out []Match
	for i, cs := range changed {
		if len(cs) > 0 {
			out = append(out, Match{Topic: t.topics[i].ID, Evidence: evidence(cs)})
		}
	}
	for i, cs := range context {
		if len(cs) > 0 && len(changed[i]) == 0 {
			out = append(out, Match{Topic: t.topics[i].ID, Evidence: evidence(cs), Context: true})
		}
	}
	return out
}

// Hits returns every place in text where a topic matched, in text order, so
// that a page can highlight the evidence.
func (t *Taxonomy) Hits(text string) []Hit {
	var sc scratch
	raw := t.scan(text, &sc)
	out := make([]Hit, len(raw))
	for i, h := range raw {
		out[i] = Hit{Topic: t.topics[h.topic].ID, Start: int(h.start), End: int(h.end)}
	}
	slices.SortStableFunc(out, func(a, b Hit) int { return cmp.Compare(a.Start, b.Start) })
	return out
}

// overlaps reports whether [start, end) touches one of the changed ranges.
// An empty range marks a deletion point: it counts when it falls strictly
// inside the match (words removed from the middle of a phrase).
func overlaps(start, end int, ranges [][2]int) bool {
	for _, r := range ranges {
		a, b := r[0], r[1]
		if a == b {
			if start < a && a < end {
				return true
			}
			continue
		}
		if start < b && a < end {
			return true
		}
	}
	return false
}

type rawHit struct {
	topic      int32
	start, end int32
	words      int32
	exclude    bool
	pattern    bool
}

// scratch holds buffers reused across the fragments of one call.
type scratch struct {
	toks   []token
	ids    []int32
	buf    []byte
	hits   []rawHit
	keep   []rawHit
	lower  []byte
	starts []int32
	locs   [][2]int
}

// scan finds the hits of every topic in text, after dropping those inside
// an exclude of their topic and those inside a longer hit of their topic.
// The result is ordered by topic, then position.
func (t *Taxonomy) scan(text string, sc *scratch) []rawHit {
	sc.toks = tokenize(text, sc.toks[:0])
	sc.ids = sc.ids[:0]
	for _, tk := range sc.toks {
		sc.buf = normalize(sc.buf[:0], text[tk.start:tk.end])
		id, ok := t.vocab[string(sc.buf)]
		if !ok {
			id = -1
		}
		sc.ids = append(sc.ids, id)
	}
	hits := sc.hits[:0]
	ids, toks := sc.ids, sc.toks
	for i, id := range ids {
		if id < 0 {
			continue
		}
	next:
		for _, p := range t.byFirst[id] {
			n := len(p.words)
			if i+n > len(ids) {
				continue
			}
			for k := 1; k < n; k++ {
				if ids[i+k] != p.words[k] || !toks[i+k].soft {
					continue next
				}
			}
			hits = append(hits, rawHit{
				topic: int32(p.topic), start: toks[i].start, end: toks[i+n-1].end,
				words: int32(n), exclude: p.exclude,
			})
		}
	}
	lower := ""
	for ti, ct := range t.topics {
		if len(ct.patterns) == 0 {
			continue
		}
		if lower == "" {
			sc.lower = asciiLower(sc.lower[:0], text)
			lower = string(sc.lower)
			sc.starts = wordStarts(sc.starts[:0], text)
		}
		sc.locs = sc.locs[:0]
		for _, p := range ct.patterns {
			sc.locs = p.findAll(text, lower, sc.starts, sc.locs)
		}
		for _, loc := range sc.locs {
			// Count the words inside the match to rank it against phrases.
			lo := sort.Search(len(toks), func(i int) bool { return int(toks[i].end) > loc[0] })
			hi := sort.Search(len(toks), func(i int) bool { return int(toks[i].start) >= loc[1] })
			hits = append(hits, rawHit{topic: int32(ti), start: int32(loc[0]), end: int32(loc[1]), words: int32(max(hi-lo, 1)), pattern: true})
		}
	}
	sc.hits = hits
	if len(hits) == 0 {
		return nil
	}
	slices.SortFunc(hits, func(a, b rawHit) int {
		if c := cmp.Compare(a.topic, b.topic); c != 0 {
			return c
		}
		if c := cmp.Compare(a.start, b.start); c != 0 {
			return c
		}
		return cmp.Compare(b.end, a.end)
	})
	keep := sc.keep[:0]
	for lo := 0; lo < len(hits); {
		hi := lo
		for hi < len(hits) && hits[hi].topic == hits[lo].topic {
			hi++
		}
		group := hits[lo:hi]
		maxEnd := int32(-1)
		for _, h := range group {
			if h.exclude || h.end <= maxEnd || excluded(h, group) {
				continue
			}
			maxEnd = h.end
			keep = append(keep, h)
		}
		lo = hi
	}
	sc.keep = keep
	return keep
}

func excluded(h rawHit, group []rawHit) bool {
	for _, x := range group {
		if x.exclude && x.start <= h.start && h.end <= x.end {
			return true
		}
	}
	return false
}

// token is one word of a text: a run of letters and digits, with
// apostrophes inside ("children's").
type token struct {
	start, end int32
	// soft is true when only whitespace, hyphens or emphasis markup stand
	// between this word and the previous one, so a phrase may continue
	// across; punctuation ends a phrase.
	soft bool
}

func tokenize(s string, dst []token) []token {
	soft := false
	for i := 0; i < len(s); {
		r, size := decode(s, i)
		if !isWord(r) {
			if !isSoft(r) {
				soft = false
			}
			i += size
			continue
		}
		start := i
		i += size
		for i < len(s) {
			r, size = decode(s, i)
			if isWord(r) {
				i += size
				continue
			}
			if r == '\'' || r == '’' {
				if r2, _ := decode(s, i+size); i+size < len(s) && unicode.IsLetter(r2) {
					i += size
					continue
				}
			}
			break
		}
		dst = append(dst, token{start: int32(start), end: int32(i), soft: soft})
		soft = true
	}
	return dst
}

func decode(s string, i int) (rune, int) {
	if i >= len(s) {
		return utf8.RuneError, 0
	}
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[i:])
}

func isWord(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

func isSoft(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '-', '_', '*',
		'\u00a0', '\u00ad', '\u2010', '\u2011', '\u2012', '\u2013':
		return true
	}
	return r >= utf8.RuneSelf && unicode.IsSpace(r)
}

// normalize appends the comparable form of word w to dst: lower case,
// typographic apostrophes made plain, 'z' spelled 's' (so -ize and -ise
// agree), then stemmed.
func normalize(dst []byte, w string) []byte {
	for i := 0; i < len(w); {
		c := w[i]
		if c < utf8.RuneSelf {
			switch {
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			}
			if c == 'z' {
				c = 's'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(w[i:])
		i += size
		if r == '’' || r == 'ʼ' {
			dst = append(dst, '\'')
			continue
		}
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
	}
	return stem(dst)
}

// stem strips English inflections well enough that a word and its plural,
// -ing and -ed forms meet ("policies" and "policy" both become "polici",
// "sharing", "shared" and "share" become "shar"). It only has to be
// consistent: vocabulary and text go through the same function.
func stem(b []byte) []byte {
	if n := len(b); n > 2 && b[n-2] == '\'' && b[n-1] == 's' {
		b = b[:n-2]
	}
	n := len(b)
	switch {
	case n > 4 && hasSuffix(b, "ies"):
		b = append(b[:n-3], 'i')
	case n > 4 && hasSuffix(b, "sses"):
		b = b[:n-2]
	case n >= 3 && b[n-1] == 's' && !hasSuffix(b, "ss") && !hasSuffix(b, "us") && !hasSuffix(b, "is"):
		b = b[:n-1]
	}
	n = len(b)
	switch {
	case n > 4 && hasSuffix(b, "ied"):
		b = append(b[:n-3], 'i')
	case n >= 6 && hasSuffix(b, "ing"):
		b = undouble(b[:n-3])
	case n >= 5 && hasSuffix(b, "ed"):
		b = undouble(b[:n-2])
	}
	n = len(b)
	if n >= 4 {
		switch b[n-1] {
		case 'y':
			b[n-1] = 'i'
		case 'e':
			b = b[:n-1]
		}
	}
	return b
}

func hasSuffix(b []byte, s string) bool {
	return len(b) >= len(s) && string(b[len(b)-len(s):]) == s
}

// undouble turns "bann" (from "banned") back into "ban"; only for the
// consonants English doubles before -ed and -ing.
func undouble(b []byte) []byte {
	if n := len(b); n >= 3 && b[n-1] == b[n-2] && strings.IndexByte("bdgmnprt", b[n-1]) >= 0 {
		return b[:n-1]
	}
	return b
}
