package record_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"tracker"
	"tracker/internal/record"
	"tracker/internal/store"
	"tracker/internal/storetest"
	"tracker/internal/topics"
)

const (
	v1 = "# Privacy\nWe keep your personal data for 30 days.\nContact us at privacy@example.com."
	v2 = "# Privacy\nWe keep your personal data for 10 years.\nContact us at privacy@example.com."
	v3 = "# Privacy\nWe keep your personal data for 10 years.\nContact us at dpo@example.com."
)

func recorder(t *testing.T) (*record.Recorder, *store.DB) {
	t.Helper()
	tax, err := topics.Compile(topics.Defaults(), nil)
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.Open(t)
	if err := db.UpsertSource(context.Background(), store.SourceInfo{ID: "pp", Kind: "page", Name: "Privacy Policy"}); err != nil {
		t.Fatal(err)
	}
	return &record.Recorder{DB: db, Taxonomy: tax}, db
}

func fetched(text string, at time.Time) record.Text {
	return record.Text{SourceID: "pp", Text: text, At: at, Provenance: tracker.ProvenanceFetch, RulesHash: "r1",
		Snapshot: &tracker.Snapshot{FetchedAt: at, URL: "http://127.0.0.1/pp", Status: 200, Body: []byte("<p>" + text + "</p>")}}
}

// A recorded version carries its change against the one before it, as the
// history and the digests show it.
func TestRecordsVersionWithItsChange(t *testing.T) {
	ctx := context.Background()
	r, db := recorder(t)
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	first, err := r.Record(ctx, fetched(v1, t0), tracker.Version{}, "")
	if err != nil || !first.Added || first.Change != nil || first.Version.Seq != 1 {
		t.Fatalf("first version: %+v, %v", first, err)
	}
	second, err := r.Record(ctx, fetched(v2, t0.Add(time.Hour)), first.Version, v1)
	if err != nil || !second.Added || second.Version.Seq != 2 {
		t.Fatalf("second version: %+v, %v", second, err)
	}
	c, err := db.ChangeTo(ctx, "pp", 2)
	if err != nil {
		t.Fatal(err)
	}
	if c.FromSeq != 1 || c.Importance != "major" || c.WordsAdded != 2 || c.WordsRemoved != 2 || !hasTopic(c.Topics, "privacy") {
		t.Errorf("change 1→2: %+v, want major privacy, +2 −2 (30 days → 10 years)", c)
	}
	same, err := r.Record(ctx, fetched(v2, t0.Add(2*time.Hour)), second.Version, "")
	if err != nil || same.Added || same.Version.Seq != 2 {
		t.Errorf("the current text again: %+v, %v; want nothing added", same, err)
	}
}

// Two checks at once: the later writer compared its fetch with a version
// that is no longer current. Its text is recorded after the one the other
// check recorded, diffed against that one, and nothing fetched is lost.
func TestFetchRecordedAfterAConcurrentWrite(t *testing.T) {
	ctx := context.Background()
	r, db := recorder(t)
	// Another check records v2 while ours, begun against version 1, has v3.
	first, t0 := twoChecks(t, r)
	late, err := r.Record(ctx, fetched(v3, t0.Add(2*time.Minute)), first.Version, v1)
	if err != nil || !late.Added || late.Version.Seq != 3 {
		t.Fatalf("the later check: %+v, %v; want version 3 recorded", late, err)
	}
	c, err := db.ChangeTo(ctx, "pp", 3)
	if err != nil {
		t.Fatal(err)
	}
	if c.FromSeq != 2 || c.WordsAdded != 1 || c.WordsRemoved != 1 || !strings.Contains(c.Summary, "1 word") {
		t.Errorf("change to 3: %+v; want it against version 2 (only the address changed)", c)
	}

	// The same text as what the other check recorded: nothing to add.
	dup, err := r.Record(ctx, fetched(v3, t0.Add(3*time.Minute)), first.Version, v1)
	if err != nil || dup.Added || dup.Version.Seq != 3 {
		t.Errorf("a late fetch of the current text: %+v, %v; want version 3, nothing added", dup, err)
	}
}

// A rebuild re-reads the page of one version: recorded after any other
// version it would be wrong, so a concurrent write makes it fail.
func TestRebuildAgainstAStaleVersionFails(t *testing.T) {
	ctx := context.Background()
	r, _ := recorder(t)
	first, t0 := twoChecks(t, r)
	_, err := r.Record(ctx, record.Text{SourceID: "pp", Text: v1 + "\nRead again.", At: t0.Add(2 * time.Minute),
		SnapshotID: first.Version.SnapshotID, Provenance: tracker.ProvenanceRebuild, Technical: true}, first.Version, v1)
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("rebuild of version 1 after version 2: %v, want store.ErrConflict", err)
	}
}

func hasTopic(ms []topics.Match, id string) bool {
	for _, m := range ms {
		if m.Topic == id {
			return true
		}
	}
	return false
}

// twoChecks records v1, then v2 as a check begun against version 1 would:
// the first result, and when the first was fetched.
func twoChecks(t *testing.T, r *record.Recorder) (record.Result, time.Time) {
	t.Helper()
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	first, err := r.Record(ctx, fetched(v1, t0), tracker.Version{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Record(ctx, fetched(v2, t0.Add(time.Minute)), first.Version, v1); err != nil {
		t.Fatal(err)
	}
	return first, t0
}
