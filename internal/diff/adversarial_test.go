package diff

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// Adversarial inputs: what a broken or hostile page could make the daemon
// compare. Each must finish within the work budget (plus the bounded work
// done outside it) and still give a correct result.

// words makes n pseudo-random words from a vocabulary of size vocab,
// deterministically from seed.
func randomWords(seed uint64, n, vocab int) []string {
	r := rand.New(rand.NewPCG(seed, 1))
	ws := make([]string, n)
	for i := range ws {
		k := r.IntN(vocab)
		// Words of 2 to 9 letters derived from k, so that distinct k give
		// distinct words.
		var b strings.Builder
		for k > 0 || b.Len() < 2 {
			b.WriteByte(byte('a' + k%26))
			k /= 26
		}
		ws[i] = b.String()
	}
	return ws
}

// randomText makes about size bytes of text in lines of perLine words.
func randomText(seed uint64, size, perLine, vocab int) string {
	var b strings.Builder
	ws := randomWords(seed, size/5, vocab)
	for i, w := range ws {
		if b.Len() >= size {
			break
		}
		b.WriteString(w)
		if (i+1)%perLine == 0 {
			b.WriteString(".\n")
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// paragraphs makes n paragraphs of words random words each, drawn from a
// vocabulary of vocab.
func paragraphs(seed uint64, n, words, vocab int) string {
	ws := randomWords(seed, n*words, vocab)
	var b strings.Builder
	for i := range n {
		b.WriteString(strings.Join(ws[i*words:(i+1)*words], " "))
		b.WriteString(".\n")
	}
	return b.String()
}

// tinyLines makes n lines of one letter from an alphabet of size k.
func tinyLines(seed uint64, n, k int) string {
	r := rand.New(rand.NewPCG(seed, 2))
	var b strings.Builder
	for range n {
		b.WriteByte(byte('a' + r.IntN(k)))
		b.WriteByte('\n')
	}
	return b.String()
}

// periodic makes the worst case of a naive substring search: the old text
// is the new one shifted by one symbol, so that every other offset matches
// for the whole length before failing at the end.
func periodic(n int, sep string) (old, new string) {
	var a, b strings.Builder
	a.WriteString("b" + sep)
	for range n {
		a.WriteString("a" + sep + "b" + sep)
		b.WriteString("a" + sep + "b" + sep)
	}
	a.WriteString("x")
	b.WriteString("y")
	return a.String(), b.String()
}

// halfPeriodic makes lines c (ab)^2n against b (ab)^n c: every symbol common,
// no common prefix or suffix, and the new text a near-substring of the old
// at every other offset, the worst case of the library's substring search
// and half-match within one call.
func halfPeriodic(n int) (old, new string) {
	var a, b strings.Builder
	a.WriteString("c\n")
	b.WriteString("b\n")
	for range 2 * n {
		a.WriteString("a\nb\n")
	}
	for range n {
		b.WriteString("a\nb\n")
	}
	b.WriteString("c\n")
	return a.String(), b.String()
}

type adversarialCase struct {
	name     string
	old, new string
}

func adversarialCases() []adversarialCase {
	oneMB := 1 << 20
	lineOld := strings.ReplaceAll(randomText(7, oneMB, 100, 50000), "\n", " ")
	lineNew := strings.Replace(lineOld, " ", " inserted ", 3)
	perOld, perNew := periodic(oneMB/4, " ")
	perLinesOld, perLinesNew := periodic(50000, "\n")
	directOld, directNew := halfPeriodic(maxDirect / 6)
	return []adversarialCase{
		{"unrelated 1MB texts", randomText(1, oneMB, 100, 50000), randomText(2, oneMB, 100, 50000)},
		{"unrelated 1MB texts, small vocabulary", randomText(3, oneMB, 100, 300), randomText(4, oneMB, 100, 300)},
		{"1MB single line, three insertions", lineOld, lineNew},
		{"1MB single line vs unrelated line", lineOld, strings.ReplaceAll(randomText(8, oneMB, 100, 50000), "\n", " ")},
		{"1MB single line, periodic", perOld, perNew},
		{"100000 tiny lines", tinyLines(5, 100000, 2), tinyLines(6, 100000, 2)},
		{"100000 tiny lines, periodic", perLinesOld, perLinesNew},
		{"periodic lines at the size limit of one library call", directOld, directNew},
		{"1MB, every line edited", randomText(9, oneMB, 20, 50000), editEveryLine(randomText(9, oneMB, 20, 50000))},
		// Pairing paragraphs compares every removed one with every added
		// one: few pairs of long paragraphs cost as much as many pairs.
		{"200 unrelated paragraphs of 1000 words", paragraphs(10, 200, 1000, 5000), paragraphs(11, 200, 1000, 5000)},
		{"20 paragraphs of 20000 words against 2000 of 10", paragraphs(12, 20, 20000, 50000), paragraphs(13, 2000, 10, 300)},
		// Two long paragraphs of the same few words in another order: a
		// library call of nearly maxDirect symbols sharing little in order
		// fits the work budget, the second one (trying them as an edited
		// move) no longer does.
		{"two paragraphs of 4900 words from 20", paragraphs(14, 1, 4900, 20), paragraphs(15, 1, 4900, 20)},
	}
}

// editEveryLine changes one word in every line.
func editEveryLine(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if j := strings.IndexByte(l, ' '); j > 0 {
			lines[i] = "changed" + l[j:]
		}
	}
	return strings.Join(lines, "\n")
}

func TestAdversarialInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("large inputs")
	}
	for _, tc := range adversarialCases() {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			r := Compare(tc.old, tc.new, Options{Context: 1 << 30})
			t.Logf("%v, %d hunks, +%d -%d words, approximate=%v", time.Since(start), len(r.Hunks), r.WordsAdded, r.WordsRemoved, r.Approximate)
			checkReconstructs(t, r, tc.old, tc.new)
		})
	}
}
