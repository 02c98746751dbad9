package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"tracker"
)

func TestConfirmations(t *testing.T) { engines(t, testConfirmations) }

// Confirmations are the fetches that read one version: not the failures
// between them, not the fetches of another version.
func testConfirmations(t *testing.T, db *DB) {
	ctx := context.Background()
	addSource(t, db, "p")
	add(t, db, "p", "Privacy policy text.", t0)
	for i := 1; i <= 3; i++ {
		if err := db.Confirm(ctx, "p", t0.Add(time.Duration(i)*time.Hour), tracker.OutcomeUnchanged, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.RecordFailure(ctx, Failure{SourceID: "p", At: t0.Add(4 * time.Hour), Kind: "http", Reason: "HTTP 503", Status: 503}); err != nil {
		t.Fatal(err)
	}
	if err := db.Confirm(ctx, "p", t0.Add(5*time.Hour), tracker.OutcomeNotModified, nil); err != nil {
		t.Fatal(err)
	}
	add(t, db, "p", "Privacy policy text, amended.", t0.Add(6*time.Hour))
	if err := db.Confirm(ctx, "p", t0.Add(7*time.Hour), tracker.OutcomeUnchanged, nil); err != nil {
		t.Fatal(err)
	}
	runs := func(seq int) string {
		rs, err := db.Confirmations(ctx, "p", seq)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rs {
			out = append(out, fmt.Sprintf("%s×%d@%s", r.Outcome, r.Count, r.LastAt.Sub(t0)))
		}
		return strings.Join(out, " ")
	}
	if got, want := runs(1), "new×1@0s unchanged×3@3h0m0s not-modified×1@5h0m0s"; got != want {
		t.Errorf("confirmations of version 1: %s, want %s", got, want)
	}
	if got, want := runs(2), "new×1@6h0m0s unchanged×1@7h0m0s"; got != want {
		t.Errorf("confirmations of version 2: %s, want %s", got, want)
	}
	if got := runs(3); got != "" {
		t.Errorf("confirmations of a version that does not exist: %s", got)
	}
}
