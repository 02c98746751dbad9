package main

import (
	"context"
	"strings"
	"testing"

	"tracker"
	"tracker/internal/api"
	"tracker/internal/replaytest"
	"tracker/internal/store"
)

// TestChangesSayUnannounced: on TikTok's real terms, `changes --json`
// flags the change of 23 November 2024 (the Irish company's registered
// office moved under an unmoved "Last updated: August 2023"), not the one
// that dated the terms anew; the text listing says so; and a change
// stored before tracker read stated dates gets them from `rebuild
// --changes`.
func TestChangesSayUnannounced(t *testing.T) {
	e := newEnv(t, "sources:\n  - {id: unrelated, kind: page, url: 'https://example.com', select: article}\n")
	e.mustRun(exitOK, "import", "ota", replaytest.OTADir(), "--terms", "Terms of Service")
	byTo := func() map[int]api.Change {
		var list []api.Change
		e.runJSON(&list, "changes", "--source", "tiktok-terms-of-service")
		m := map[int]api.Change{}
		for _, c := range list {
			m[c.ToSeq] = c
		}
		return m
	}
	list := byTo()
	c := list[12]
	if !c.Unannounced || c.StatedDate == nil || c.StatedDate.Kind != tracker.Unannounced || *c.StatedDate.Before != "2023-08" ||
		*c.StatedDate.After != "2023-08" || c.StatedDate.Line != "Last updated: August 2023" {
		t.Errorf("change to version 12: unannounced %v, stated %+v", c.Unannounced, c.StatedDate)
	}
	if c := list[13]; c.Unannounced || c.StatedDate == nil || c.StatedDate.Kind != tracker.Announced || *c.StatedDate.After != "2024-11" {
		t.Errorf("change to version 13: unannounced %v, stated %+v", c.Unannounced, c.StatedDate)
	}

	out := e.mustRun(exitOK, "changes", "--source", "tiktok-terms-of-service", "--since", "2024-11-01", "--until", "2025-01-01")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	const note = "unannounced: the document's “Last updated” date (2023-08) did not move"
	if len(lines) != 2 || !strings.Contains(lines[0], "v11→v12") || !strings.Contains(lines[0], note) || strings.Contains(lines[1], "unannounced") {
		t.Errorf("changes of November and December 2024:\n%s", out)
	}

	// As a tracker that did not read stated dates stored it.
	ctx := context.Background()
	db, err := store.Open(ctx, e.db)
	if err != nil {
		t.Fatal(err)
	}
	old, err := db.ChangeTo(ctx, "tiktok-terms-of-service", 12)
	if err == nil {
		old.Stated = tracker.StatedDates{}
		err = db.UpdateMeaning(ctx, old)
	}
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if c := byTo()[12]; c.Unannounced || c.StatedDate != nil {
		t.Fatalf("a change stored without stated dates: unannounced %v, stated %+v; want false and null", c.Unannounced, c.StatedDate)
	}
	out = e.mustRun(exitOK, "rebuild", "--changes", "--source", "tiktok-terms-of-service")
	if !strings.Contains(out, "changes read again, 1 of them classified differently now") {
		t.Errorf("rebuild --changes: %s", out)
	}
	if c := byTo()[12]; !c.Unannounced || c.StatedDate == nil || c.StatedDate.Note != note {
		t.Errorf("after rebuild --changes: unannounced %v, stated %+v", c.Unannounced, c.StatedDate)
	}
}
