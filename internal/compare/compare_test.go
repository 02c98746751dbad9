package compare_test

import (
	"context"
	"testing"

	"tracker/internal/compare"
	"tracker/internal/ota"
	"tracker/internal/replaytest"
	"tracker/internal/storetest"
	"tracker/internal/topics"
)

// comparer holds TikTok's real history.
func comparer(t *testing.T) *compare.Comparer {
	t.Helper()
	tax, err := topics.Compile(topics.Defaults(), nil)
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.Open(t)
	if _, err := ota.Import(context.Background(), db, replaytest.OTADir(), ota.Options{Taxonomy: tax}); err != nil {
		t.Fatal(err)
	}
	return &compare.Comparer{DB: db, Taxonomy: tax}
}

// Two versions compared the other way round count the same words,
// swapped, and a version compared with itself is the same version.
func TestBackwardsIsTheMirror(t *testing.T) {
	ctx := context.Background()
	c := comparer(t)
	for _, id := range []string{"tiktok-terms-of-service", "tiktok-privacy-policy", "tiktok-copyright-claims-policy"} {
		vs, err := c.DB.Versions(ctx, id)
		if err != nil || len(vs) < 2 {
			t.Fatalf("%s: %d versions, %v", id, len(vs), err)
		}
		for i := range vs {
			for _, j := range []int{i + 1, i + 5} { // the next version, and now and then one further on
				if j >= len(vs) || j == i+5 && i%4 != 0 {
					continue
				}
				fwd, err := c.Compare(ctx, vs[i], vs[j])
				if err != nil {
					t.Fatal(err)
				}
				back, err := c.Compare(ctx, vs[j], vs[i])
				if err != nil {
					t.Fatal(err)
				}
				if back.WordsAdded != fwd.WordsRemoved || back.WordsRemoved != fwd.WordsAdded {
					t.Errorf("%s: %d→%d counts +%d −%d, %d→%d +%d −%d: not the mirror", id,
						vs[i].Seq, vs[j].Seq, fwd.WordsAdded, fwd.WordsRemoved, vs[j].Seq, vs[i].Seq, back.WordsAdded, back.WordsRemoved)
				}
			}
		}
		self, err := c.Compare(ctx, vs[2], vs[2])
		if err != nil {
			t.Fatal(err)
		}
		if self.Summary != "the same version" || self.Diff.Changed() {
			t.Errorf("%s: version 3 against itself: %q", id, self.Summary)
		}
	}
}
