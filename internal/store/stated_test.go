package store

import (
	"context"
	"testing"
	"time"

	"tracker"
)

func TestStatedDatesKept(t *testing.T) { engines(t, testStatedDatesKept) }

// testStatedDatesKept: what a change did to the document's stated date is
// read back as recorded, and replaced by UpdateMeaning (rebuild --changes).
func testStatedDatesKept(t *testing.T, db *DB) {
	ctx := context.Background()
	addSource(t, db, "terms")
	add(t, db, "terms", "Last updated: July 2020\n\nWe collect data.", t0)
	stated := tracker.StatedDates{Announcement: tracker.Unannounced, Before: "2020-07", After: "2020-07",
		BeforeLine: "Last updated: July 2020", AfterLine: "_Last updated: July 2020_"}
	_, ok, err := db.AddVersion(ctx, NewVersion{SourceID: "terms", Text: "Last updated: July 2020\n\nWe collect and sell data.",
		At: t0.Add(24 * time.Hour), ExpectSeq: 1,
		Change: &tracker.Change{SourceID: "terms", FromSeq: 1, ToSeq: 2, DetectedAt: t0.Add(24 * time.Hour), Importance: tracker.Minor, Stated: stated}})
	if err != nil || !ok {
		t.Fatalf("AddVersion: ok=%v err=%v", ok, err)
	}
	c, err := db.ChangeTo(ctx, "terms", 2)
	if err != nil {
		t.Fatal(err)
	}
	if c.Stated != stated {
		t.Errorf("stated %+v, want %+v", c.Stated, stated)
	}
	c.Stated = tracker.StatedDates{Announcement: tracker.Undated}
	if err := db.UpdateMeaning(ctx, c); err != nil {
		t.Fatal(err)
	}
	list, err := db.Changes(ctx, ChangeFilter{SourceIDs: []string{"terms"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Stated != c.Stated {
		t.Errorf("after UpdateMeaning: %+v, want one change with %+v", list, c.Stated)
	}
}
