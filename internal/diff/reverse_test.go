package diff

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// history returns the texts of each document of the TikTok dataset, oldest
// first.
func history(tb testing.TB) map[string][]string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "ota-tiktok", "manifest.tsv"))
	if err != nil {
		tb.Fatal(err)
	}
	docs := map[string][]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
		f := strings.Split(l, "\t")
		docs[f[1]] = append(docs[f[1]], readVersion(tb, strings.TrimSuffix(f[5], ".md")))
	}
	return docs
}

// The reverse of a comparison is its mirror: the same paragraphs, the
// counts swapped, every paragraph of both versions accounted for; and the
// reverse of the reverse is the comparison itself.
func TestReversedMirrorsTheComparison(t *testing.T) {
	pairs := 0
	for doc, texts := range history(t) {
		for i := 1; i < len(texts); i++ {
			old, new := texts[i-1], texts[i]
			for _, ctx := range []int{0, 1 << 30} {
				r := Compare(old, new, Options{Context: ctx})
				rev := r.Reversed()
				if rev.WordsAdded != r.WordsRemoved || rev.WordsRemoved != r.WordsAdded || rev.Cosmetic != r.Cosmetic {
					t.Errorf("%s %d→%d: reversed counts +%d −%d, forward +%d −%d", doc, i, i+1, rev.WordsAdded, rev.WordsRemoved, r.WordsAdded, r.WordsRemoved)
				}
				if !reflect.DeepEqual(rev.Reversed(), r) {
					t.Errorf("%s %d→%d: reversing twice does not give the comparison back", doc, i, i+1)
				}
				if ctx == 0 {
					continue
				}
				checkReconstructs(t, rev, new, old)
				pairs++
			}
		}
	}
	t.Logf("%d pairs", pairs)
}
