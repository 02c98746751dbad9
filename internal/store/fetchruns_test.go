package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"tracker"
)

func TestFetchRuns(t *testing.T) { engines(t, testFetchRuns) }

// FetchRuns gives the runs of the fetch log while the versions asked for
// were current, oldest first, and none of another version or source.
func testFetchRuns(t *testing.T, db *DB) {
	ctx := context.Background()
	addSource(t, db, "p")
	addSource(t, db, "other")
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	confirm := func(id string, h int, o tracker.Outcome) {
		t.Helper()
		if err := db.Confirm(ctx, id, at(h), o, nil); err != nil {
			t.Fatal(err)
		}
	}
	add(t, db, "p", "Version one.", at(0))
	add(t, db, "other", "Another document.", at(0))
	confirm("p", 1, tracker.OutcomeUnchanged)
	confirm("p", 2, tracker.OutcomeUnchanged)
	confirm("other", 2, tracker.OutcomeUnchanged)
	add(t, db, "p", "Version two.", at(3))
	confirm("p", 4, tracker.OutcomeNotModified)
	if err := db.RecordFailure(ctx, Failure{SourceID: "p", At: at(5), Kind: "http", Reason: "HTTP 503", Status: 503}); err != nil {
		t.Fatal(err)
	}
	confirm("p", 6, tracker.OutcomeUnchanged)
	add(t, db, "p", "Version three.", at(7))
	confirm("p", 8, tracker.OutcomeUnchanged)

	runs := func(from, to int) string {
		t.Helper()
		rs, err := db.FetchRuns(ctx, "p", from, to)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rs {
			if r.SourceID != "p" {
				t.Errorf("a run of %s", r.SourceID)
			}
			out = append(out, fmt.Sprintf("v%d %s×%d %s–%s", r.VersionSeq, r.Outcome, r.Count, r.FirstAt.Format("15"), r.LastAt.Format("15")))
		}
		return strings.Join(out, ", ")
	}
	for _, c := range []struct {
		from, to int
		want     string
	}{
		{1, 1, "v1 new×1 12–12, v1 unchanged×2 13–14"},
		{2, 2, "v2 new×1 15–15, v2 not-modified×1 16–16, v2 failed×1 17–17, v2 unchanged×1 18–18"},
		{2, 3, "v2 new×1 15–15, v2 not-modified×1 16–16, v2 failed×1 17–17, v2 unchanged×1 18–18, v3 new×1 19–19, v3 unchanged×1 20–20"},
		{4, 5, ""},
	} {
		if got := runs(c.from, c.to); got != c.want {
			t.Errorf("runs of versions %d–%d:\n got %s\nwant %s", c.from, c.to, got, c.want)
		}
	}
}
