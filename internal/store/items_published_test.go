package store

import (
	"context"
	"testing"
	"time"

	"tracker"
)

// Items can be chosen by their own dates, not by when tracker read them:
// a feed read today holds items published years ago. An undated item counts
// from when it was first seen.
func TestItemsByPublished(t *testing.T) { engines(t, testItemsByPublished) }

func testItemsByPublished(t *testing.T, db *DB) {
	ctx := context.Background()
	if err := db.UpsertSource(ctx, SourceInfo{ID: "dpc", Kind: "feed", Name: "DPC", URL: "https://example.com/feed"}); err != nil {
		t.Fatal(err)
	}
	read := t0 // every item is first read today
	item := func(key string, published time.Time) tracker.Item {
		return tracker.Item{SourceID: "dpc", Key: key, GUID: key, Title: key, Text: "The text of " + key, PageText: "Page of " + key,
			Published: published, Hash: "h-" + key, FirstSeen: read, Revision: 1, Kept: true,
			Topics: []tracker.TopicMatch{{Topic: "privacy", Evidence: []string{"personal data"}}}}
	}
	old := time.Date(2023, 9, 15, 10, 0, 0, 0, time.UTC)
	if err := db.SaveFeedFetch(ctx, FeedFetch{SourceID: "dpc", At: read, New: []tracker.Item{
		item("fine", old), item("older", old.AddDate(0, -3, 0)), item("undated", time.Time{}),
	}}); err != nil {
		t.Fatal(err)
	}
	got, err := db.Items(ctx, ItemFilter{PublishedSince: old.AddDate(0, 0, -7), PublishedUntil: old.AddDate(0, 0, 7), NoText: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Key != "fine" {
		t.Fatalf("items published the week of %s: %v", old.Format(time.DateOnly), got)
	}
	if got[0].Text != "" || got[0].PageText != "" || len(got[0].Topics) != 1 || !got[0].Published.Equal(old) {
		t.Errorf("NoText: text %q, page %q, topics %v, published %s", got[0].Text, got[0].PageText, got[0].Topics, got[0].Published)
	}
	got, err = db.Items(ctx, ItemFilter{PublishedSince: read.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Key != "undated" || got[0].Text != "The text of undated" {
		t.Errorf("items dated today: %v", got)
	}
}
