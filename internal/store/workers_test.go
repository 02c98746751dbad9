package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"tracker"
)

// Two workers never hold the same check; a lease that expires goes to the
// other worker, and the first one's outcome is then refused, so the slot is
// recorded once.
func TestLeases(t *testing.T) { engines(t, testLeases) }

func testLeases(t *testing.T, db *DB) {
	ctx := context.Background()
	for _, id := range []string{"a", "b", "c"} {
		addSource(t, db, id)
	}
	plans := []CheckPlan{
		{SourceID: "a", Host: "h1", Plan: "p", Due: t0},
		{SourceID: "b", Host: "h1", Plan: "p", Due: t0},
		{SourceID: "c", Host: "h2", Plan: "p", Due: t0.Add(time.Hour)},
	}
	if _, err := db.PlanChecks(ctx, plans); err != nil {
		t.Fatal(err)
	}
	ttl := time.Minute
	l1, err := db.LeaseChecks(ctx, "w1", t0, 10, ttl)
	if err != nil || len(l1) != 2 {
		t.Fatalf("w1 leased %d checks (%v), want a and b", len(l1), err)
	}
	// Host h1 is w1's turn; c is not due yet.
	if l2, err := db.LeaseChecks(ctx, "w2", t0, 10, ttl); err != nil || len(l2) != 0 {
		t.Fatalf("w2 leased %d checks (%v) while w1 holds them", len(l2), err)
	}
	a := l1[0]
	a.Next, a.Now = t0.Add(6*time.Hour), func() time.Time { return t0.Add(time.Second) }
	add(t, db, "a", "First text of a.", t0) // no lease in the context: nothing completed
	if err := db.Confirm(WithLease(ctx, a), "a", t0, tracker.OutcomeUnchanged, nil); err != nil {
		t.Fatal(err)
	}
	// w1 stops heartbeating: b's lease expires and w2 takes it.
	later := t0.Add(2 * ttl)
	l2, err := db.LeaseChecks(ctx, "w2", later, 10, ttl)
	if err != nil || len(l2) != 1 || l2[0].SourceID != "b" {
		t.Fatalf("after expiry w2 leased %v (%v), want b", l2, err)
	}
	b1 := l1[1]
	b1.Now = func() time.Time { return later }
	add(t, db, "b", "Text of b.", t0)
	err = db.Confirm(WithLease(ctx, b1), "b", later, tracker.OutcomeUnchanged, nil)
	if !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("w1's outcome after its lease expired: %v, want ErrLeaseLost", err)
	}
	b2 := l2[0]
	b2.Next, b2.Now = later.Add(6*time.Hour), func() time.Time { return later }
	if err := db.Confirm(WithLease(ctx, b2), "b", later, tracker.OutcomeUnchanged, nil); err != nil {
		t.Fatal(err)
	}
	// Completing again is a no-op.
	if err := db.CompleteCheck(ctx, b2, tracker.OutcomeUnchanged); err != nil {
		t.Fatal(err)
	}
	checks, err := db.Checks(ctx, "", 0)
	if err != nil || len(checks) != 2 {
		t.Fatalf("%d checks recorded (%v), want 2: %+v", len(checks), err, checks)
	}
	for _, c := range checks {
		if c.SourceID == "b" && c.Worker != "w2" || c.SourceID == "a" && c.Worker != "w1" || !c.Slot.Equal(t0) {
			t.Errorf("check %+v", c)
		}
	}
	next, err := db.NextDue(ctx)
	if err != nil || !next.Equal(t0.Add(time.Hour)) {
		t.Errorf("next due %v (%v), want c's", next, err)
	}

	// Named leases and alerts: one holder.
	if ok, _ := db.ClaimLease(ctx, "digest:x", "w1", t0, ttl); !ok {
		t.Error("w1 could not take a free lease")
	}
	if ok, _ := db.ClaimLease(ctx, "digest:x", "w2", t0, ttl); ok {
		t.Error("w2 took w1's lease")
	}
	if ok, _ := db.ClaimLease(ctx, "digest:x", "w2", t0.Add(2*ttl), ttl); !ok {
		t.Error("w2 could not take an expired lease")
	}
	if err := db.RecordFailure(ctx, Failure{SourceID: "c", At: t0, Reason: "down"}); err != nil {
		t.Fatal(err)
	}
	first, _ := db.ClaimAlert(ctx, "c", true, t0)
	second, _ := db.ClaimAlert(ctx, "c", true, t0)
	if !first || second {
		t.Errorf("alert claimed %v then %v, want once", first, second)
	}
}
