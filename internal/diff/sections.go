package diff

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"

	"tracker/internal/text"
)

// Section is a part of a document under one heading: a "## Title" line or a
// short numbered line ("4.1 Account details"). What comes before the first
// heading is a section with no title, the preamble.
type Section struct {
	// Number is the section's number as written ("4.1"), without its
	// trailing full stop; empty when the heading has none.
	Number string `json:"number,omitempty"`
	// Title is the heading without its number; empty for the preamble.
	Title string `json:"title"`
	// Line is the 1-based line of the heading (of the first paragraph for
	// the preamble) in its version.
	Line int `json:"line"`
	// Words counts the section's words, heading included.
	Words int `json:"words"`
	// Text is the section as written: its heading, then its paragraphs.
	Text string `json:"-"`
}

// Name is how a reader is told which section this is: its number and
// title, or "(before the first heading)".
func (s Section) Name() string {
	switch {
	case s.Title == "" && s.Number == "":
		return "(before the first heading)"
	case s.Number == "":
		return s.Title
	case s.Title == "":
		return s.Number
	}
	return s.Number + " " + s.Title
}

// numbered is a line that opens with a section number: "4.", "4.1", "12.3.1".
var numbered = regexp.MustCompile(`^(\d{1,3}(?:\.\d{1,3})*)\.?\s+(\S.*)$`)

// maxNumberedWords is how long a numbered line may be and still be a
// heading: longer, it is a numbered clause of the text.
const maxNumberedWords = 14

// heading reads a line as a section heading: its number and title.
func heading(line string) (number, title string, ok bool) {
	if level, t := text.Heading(line); level > 0 {
		t = strings.Trim(t, "*_ ")
		if m := numbered.FindStringSubmatch(t); m != nil {
			return m[1], strings.TrimSpace(m[2]), true
		}
		return "", t, true
	}
	m := numbered.FindStringSubmatch(line)
	if m == nil || text.Words(m[2]) > maxNumberedWords {
		return "", "", false
	}
	// A section number has a full stop in it or after it ("4.1", "4.")
	// and at most three parts, and a title follows: "548 Market St.",
	// "4 Grand Canal Square" and "123.45.67.89 - 25/Mar/2003" are an
	// address's lines and a log's.
	dotted := strings.Contains(m[1], ".") || strings.HasPrefix(line[len(m[1]):], ".")
	if !dotted || strings.Count(m[1], ".") > 2 || !unicode.IsLetter([]rune(m[2])[0]) {
		return "", "", false
	}
	// A heading does not end a sentence; a numbered clause does.
	if strings.ContainsAny(m[2][len(m[2])-1:], ".;:,") {
		return "", "", false
	}
	return m[1], strings.TrimSpace(m[2]), true
}

// Sections cuts a version's text into its sections, in order.
func Sections(s string) []Section {
	var out []Section
	var body []string
	cur := Section{}
	open := false
	flush := func() {
		if !open {
			return
		}
		cur.Text = strings.Join(body, "\n")
		cur.Words = text.Words(cur.Text)
		out = append(out, cur)
	}
	for _, p := range text.Paragraphs(s) {
		// The document's own title ("# Terms of Service" before any
		// section) belongs to the text before the first section.
		docTitle := len(out) == 0 && (!open || isPreamble(cur)) && strings.HasPrefix(p.Text, "# ")
		if number, title, ok := heading(p.Text); ok && !docTitle {
			flush()
			cur, body, open = Section{Number: number, Title: title, Line: p.Line}, []string{p.Text}, true
			continue
		}
		if !open {
			cur, open = Section{Line: p.Line}, true
		}
		body = append(body, p.Text)
	}
	flush()
	return out
}

// Kinds of an aligned pair of sections.
const (
	SectionSame    = "same"    // in both, word for word
	SectionChanged = "changed" // in both, with differences
	SectionOnlyA   = "only_a"  // in the first document only
	SectionOnlyB   = "only_b"  // in the second document only
)

// SectionPair is a section of one document with its counterpart in the
// other, or alone.
type SectionPair struct {
	Kind string   `json:"kind"`
	A    *Section `json:"a,omitempty"`
	B    *Section `json:"b,omitempty"`
	// Renumbered is set when the two carry different numbers.
	Renumbered bool `json:"renumbered,omitempty"`
	// Moved is set when the section stands elsewhere in the order of B's
	// sections than in A's.
	Moved bool `json:"moved,omitempty"`
	// Similarity is how alike the two sections' headings and words are,
	// from 0 to 1 (see sectionScore).
	Similarity float64 `json:"similarity,omitempty"`
	// Diff is the paragraph and word diff of A's section into B's, for a
	// changed pair.
	Diff *Result `json:"diff,omitempty"`
}

// Alignment is two documents set side by side, section by section: the
// sections in A's order, each of B's sections alone after the section it
// follows in B.
type Alignment struct {
	Sections []SectionPair `json:"sections"`
	Same     int           `json:"same"`
	Changed  int           `json:"changed"`
	OnlyA    int           `json:"only_a"`
	OnlyB    int           `json:"only_b"`
}

// Thresholds of sectionScore for two sections to be one.
const (
	// minSectionScore is the least score of a pair.
	minSectionScore = 0.45
	// minBodyForTitle is how much of their words two sections of the same
	// title must share: "Other" is not enough to make two sections one.
	minBodyForTitle = 0.15
	// maxSectionPairs bounds the pairs scored; beyond, only sections of the
	// same title are paired.
	maxSectionPairs = 250_000
	// maxSectionWork bounds the words compared in scoring them.
	maxSectionWork = 20_000_000
)

// AlignSections sets document a beside document b section by section. A
// section is matched by its heading and its words, not by its place or its
// number, so that renumbered and reordered sections are found; each pair
// that differs carries the diff of its text (see Compare).
func AlignSections(a, b string, opt Options) *Alignment {
	sa, sb := Sections(a), Sections(b)
	fa, fb := foldAll(sa), foldAll(sb)
	match := make([]int, len(sa)) // index in sb, or -1
	for i := range match {
		match[i] = -1
	}
	taken := make([]bool, len(sb))
	score := make(map[[2]int]float64)

	type cand struct {
		i, j int
		s    float64
	}
	var cands []cand
	wa, wb := 0, 0
	for k := range fa {
		wa += len(fa[k].bw)
	}
	for k := range fb {
		wb += len(fb[k].bw)
	}
	if len(sa)*len(sb) <= maxSectionPairs && len(sb)*wa+len(sa)*wb <= maxSectionWork {
		for i := range sa {
			for j := range sb {
				if s := sectionScore(fa[i], fb[j]); s >= minSectionScore {
					cands = append(cands, cand{i, j, s})
				}
			}
		}
	} else {
		// Too much to score every pair: a title found once on each side
		// pairs, the rest stands alone.
		count := func(fs []folded) map[string]int {
			m := map[string]int{}
			for k := range fs {
				m[fs[k].title]++
			}
			return m
		}
		ca, cb := count(fa), count(fb)
		byTitle := map[string]int{}
		for j := range sb {
			byTitle[fb[j].title] = j
		}
		for i := range sa {
			if t := fa[i].title; ca[t] == 1 && cb[t] == 1 {
				cands = append(cands, cand{i, byTitle[t], 1})
			}
		}
	}
	// The best pairs first; among equals, the nearest places, so that two
	// identical sections pair in order.
	sort.SliceStable(cands, func(x, y int) bool {
		if cands[x].s != cands[y].s {
			return cands[x].s > cands[y].s
		}
		return abs(cands[x].i-cands[x].j) < abs(cands[y].i-cands[y].j)
	})
	for _, c := range cands {
		if match[c.i] < 0 && !taken[c.j] {
			match[c.i], taken[c.j] = c.j, true
			score[[2]int{c.i, c.j}] = c.s
		}
	}
	// The text before the first heading is the same place in both.
	if len(sa) > 0 && len(sb) > 0 && isPreamble(sa[0]) && isPreamble(sb[0]) && match[0] < 0 && !taken[0] {
		match[0], taken[0] = 0, true
		score[[2]int{0, 0}] = sectionScore(fa[0], fb[0])
	}
	inOrder := orderKept(match)

	al := &Alignment{Sections: []SectionPair{}}
	// B's unmatched sections go after the A section matched to the
	// nearest matched section before them in B (or first).
	after := map[int][]int{} // A index (-1: the start) → B indices
	bToA := make([]int, len(sb))
	for j := range bToA {
		bToA[j] = -1
	}
	for i, j := range match {
		if j >= 0 {
			bToA[j] = i
		}
	}
	prev := -1
	for j := range sb {
		if bToA[j] >= 0 {
			prev = bToA[j]
			continue
		}
		after[prev] = append(after[prev], j)
	}
	addB := func(at int) {
		for _, j := range after[at] {
			al.Sections = append(al.Sections, SectionPair{Kind: SectionOnlyB, B: &sb[j]})
			al.OnlyB++
		}
	}
	addB(-1)
	for i := range sa {
		j := match[i]
		if j < 0 {
			al.Sections = append(al.Sections, SectionPair{Kind: SectionOnlyA, A: &sa[i]})
			al.OnlyA++
			addB(i)
			continue
		}
		p := SectionPair{A: &sa[i], B: &sb[j], Renumbered: sa[i].Number != sb[j].Number,
			Moved: !inOrder[i], Similarity: round2(score[[2]int{i, j}])}
		if sa[i].Text == sb[j].Text || p.Renumbered && sa[i].Title == sb[j].Title && body(sa[i]) == body(sb[j]) {
			// A number is the document's layout: the same words under
			// another number say the same.
			p.Kind = SectionSame
			al.Same++
		} else {
			p.Kind = SectionChanged
			p.Diff = Compare(renumbered(sa[i], sb[j].Number), sb[j].Text, opt)
			al.Changed++
		}
		al.Sections = append(al.Sections, p)
		addB(i)
	}
	return al
}

// folded is a section as similarity reads it.
type folded struct {
	title string   // folded words of the title, space-separated
	tw    []string // sorted folded words of the title
	bw    []string // sorted folded words of the body
}

func foldAll(ss []Section) []folded {
	out := make([]folded, len(ss))
	for k, s := range ss {
		out[k].tw = foldedWords(s.Title)
		out[k].title = strings.Join(foldedWordsInOrder(s.Title), " ")
		out[k].bw = foldedWords(body(s))
	}
	return out
}

func isPreamble(s Section) bool { return s.Title == "" && s.Number == "" }

// renumbered is s's text under number n: the diff of a renumbered section
// shows what its words changed, its number being said apart.
func renumbered(s Section, n string) string {
	if s.Number == "" || n == "" || s.Number == n {
		return s.Text
	}
	head, rest, _ := strings.Cut(s.Text, "\n")
	if i := strings.Index(head, s.Number); i >= 0 {
		head = head[:i] + n + head[i+len(s.Number):]
	}
	if rest == "" {
		return head
	}
	return head + "\n" + rest
}

// body is a section's text without its heading.
func body(s Section) string {
	if s.Title == "" && s.Number == "" {
		return s.Text
	}
	if i := strings.IndexByte(s.Text, '\n'); i >= 0 {
		return s.Text[i+1:]
	}
	return ""
}

func foldedWordsInOrder(s string) []string {
	var ws []string
	for _, t := range tokenize(s) {
		if isWord(t) {
			ws = append(ws, foldWord(t))
		}
	}
	return ws
}

func foldedWords(s string) []string {
	ws := foldedWordsInOrder(s)
	slices.Sort(ws)
	return ws
}

// sectionScore is how alike two sections are: the mean of their titles'
// and their bodies' Dice coefficients (word multisets, case folded), the
// body alone when a title is missing. The same title with a body that
// shares little still scores the threshold, so that a section rewritten
// under its heading is found; a rewritten heading over the same text is
// found by its body. Two headings with no body pair by their titles alone.
func sectionScore(a, b folded) float64 {
	body := dice(a.bw, b.bw)
	if len(a.bw) == 0 && len(b.bw) == 0 && len(a.tw) > 0 && len(b.tw) > 0 {
		// Two headings with nothing under them but their subsections:
		// no words to match, only their titles tell.
		return dice(a.tw, b.tw)
	}
	if len(a.tw) == 0 || len(b.tw) == 0 {
		if len(a.tw) != len(b.tw) { // a preamble is not a titled section
			return body * 0.5
		}
		return body
	}
	title := dice(a.tw, b.tw)
	s := (title + body) / 2
	if a.title == b.title && body >= minBodyForTitle {
		s = max(s, minSectionScore+0.05)
	}
	return max(s, body*0.95)
}

// dice is the Dice coefficient of two sorted multisets; two empty ones are
// alike.
func dice(a, b []string) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	common := commonSorted(a, b)
	return 2 * float64(common) / float64(len(a)+len(b))
}

// orderKept reports, for each matched section of A, whether it keeps its
// place: it is on a longest run of matches increasing in B. The others
// moved.
func orderKept(match []int) []bool {
	var idx []int // indices i of matched sections
	for i, j := range match {
		if j >= 0 {
			idx = append(idx, i)
		}
	}
	// Longest increasing subsequence of match over idx, O(n²): documents
	// have tens of sections, and maxSectionPairs bounds the rest.
	n := len(idx)
	length := make([]int, n)
	from := make([]int, n)
	best := -1
	for x := range n {
		length[x], from[x] = 1, -1
		if n > 2000 {
			continue
		}
		for y := range x {
			if match[idx[y]] < match[idx[x]] && length[y]+1 > length[x] {
				length[x], from[x] = length[y]+1, y
			}
		}
		if best < 0 || length[x] > length[best] {
			best = x
		}
	}
	kept := make([]bool, len(match))
	if n > 2000 {
		for i := range kept {
			kept[i] = true
		}
		return kept
	}
	for x := best; x >= 0; x = from[x] {
		kept[idx[x]] = true
	}
	return kept
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func round2(f float64) float64 { return float64(int(f*100+0.5)) / 100 }
