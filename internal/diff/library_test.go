package diff

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// libraryDiff must give what the library's own entry point gives when its
// deadline is out of reach: the same diffs, only without the clock.
func TestLibraryDiffIsTheLibrarys(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 4))
	seq := func(n, k int) []rune {
		s := make([]rune, n)
		for i := range s {
			s[i] = rune(firstRune + r.IntN(k))
		}
		return s
	}
	for _, n := range []int{0, 1, 2, 10, 100, 1000} {
		for _, k := range []int{1, 2, 5, 50, 5000} {
			a := seq(n, k)
			// Unrelated, edited, shifted by a block, and one held twice in
			// the other: half-match and the substring search get their turn.
			edited := slices.Clone(a)
			for i := 0; i < len(edited); i += 7 {
				edited[i] = rune(firstRune + r.IntN(k))
			}
			shifted := append(seq(n/3, k), a[:len(a)*2/3]...)
			x := a[:len(a)/4]
			twice := slices.Concat(seq(1, k), x, seq(len(x), k), x, seq(1, k))
			pairs := [][2][]rune{{a, seq(n, k)}, {a, edited}, {a, shifted}, {a, a[:len(a)/2]}, {twice, x}, {x, twice}}
			for range 200 {
				pairs = append(pairs, [2][]rune{seq(r.IntN(n+1), k), seq(r.IntN(n/10+1), k)})
			}
			for _, p := range pairs {
				dmp := diffmatchpatch.New()
				dmp.DiffTimeout = time.Hour
				want := dmp.DiffMainRunes(p[0], p[1], false)
				if got := libraryDiff(dmp, p[0], p[1]); !slices.Equal(got, want) {
					t.Errorf("n=%d k=%d: libraryDiff differs from DiffMainRunes:\n%v\n%v", n, k, got, want)
				}
			}
		}
	}
}
