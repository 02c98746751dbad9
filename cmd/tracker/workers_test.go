package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"tracker"
	"tracker/internal/store"
)

// tracker workers shows each worker with the checks it did, and the latest
// checks with who did them.
func TestWorkersListing(t *testing.T) {
	e := newEnv(t, "sources:\n  - {id: a, kind: page, url: 'http://127.0.0.1:1/a', select: p}\n")
	ctx := context.Background()
	db, err := store.Open(ctx, e.db)
	if err != nil {
		t.Fatal(err)
	}
	at := e.clock.Now()
	if err := db.UpsertSource(ctx, store.SourceInfo{ID: "a", Kind: "page", URL: "http://127.0.0.1:1/a"}); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"m1:10:x", "m2:20:y"} {
		if err := db.Heartbeat(ctx, store.WorkerInfo{ID: w, Hostname: w[:2], PID: 1, StartedAt: at}, at, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.PlanChecks(ctx, []store.CheckPlan{{SourceID: "a", Host: "127.0.0.1:1", Plan: "p", Due: at}}); err != nil {
		t.Fatal(err)
	}
	ls, err := db.LeaseChecks(ctx, "m2:20:y", at, 1, time.Minute)
	if err != nil || len(ls) != 1 {
		t.Fatalf("lease: %v %v", ls, err)
	}
	ls[0].Next, ls[0].Now = at.Add(time.Hour), func() time.Time { return at.Add(time.Second) }
	if err := db.CompleteCheck(ctx, ls[0], tracker.OutcomeUnchanged); err != nil {
		t.Fatal(err)
	}
	if err := db.StopWorker(ctx, "m1:10:x", at); err != nil {
		t.Fatal(err)
	}
	db.Close()

	var got workersJSON
	e.runJSON(&got, "workers")
	if len(got.Workers) != 2 || len(got.Checks) != 1 || got.Checks[0].Worker != "m2:20:y" || got.Checks[0].Source != "a" ||
		got.Checks[0].Outcome != "unchanged" || !got.Checks[0].Slot.Equal(at) {
		t.Fatalf("workers --json: %+v", got)
	}
	for _, w := range got.Workers {
		if want := map[string]int{"m1:10:x": 0, "m2:20:y": 1}[w.ID]; w.Checks != want || (w.ID == "m1:10:x") != (w.StoppedAt != nil) {
			t.Errorf("worker %+v: want %d checks, stopped only for m1", w, want)
		}
	}
	out := e.mustRun(exitOK, "workers")
	if !strings.Contains(out, "m1:10:x") || !strings.Contains(out, "stopped") || !strings.Contains(out, "unchanged") {
		t.Errorf("workers:\n%s", out)
	}
}
