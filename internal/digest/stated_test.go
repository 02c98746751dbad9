package digest

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestUnannouncedChangeIsMarked: the week TikTok moved its Irish company's
// registered office in its terms (recorded 23 November 2024) under an
// unmoved "Last updated: August 2023", the digest says so with the date
// line; the week it dated the terms anew (27 December 2024) it says
// nothing of the kind.
func TestUnannouncedChangeIsMarked(t *testing.T) {
	cfg, db := fixture(t)
	tmpl, err := LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	b := &Builder{DB: db, Config: cfg, Taxonomy: taxonomy(t, cfg)}
	week := func(end time.Time) (ChangeEntry, Rendered) {
		t.Helper()
		d, err := b.Build(context.Background(), cfg.Recipient("ada@example.com"), end.Add(-7*24*time.Hour), end)
		if err != nil {
			t.Fatal(err)
		}
		out, err := tmpl.Render(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range d.Sections {
			for _, doc := range s.Documents {
				if doc.SourceID == "tiktok-terms-of-service" && len(doc.Changes) == 1 {
					return doc.Changes[0], out
				}
			}
		}
		t.Fatalf("the digest to %s holds no one change of the terms:\n%s", end, out.Text)
		return ChangeEntry{}, out
	}
	e, out := week(time.Date(2024, 11, 25, 8, 0, 0, 0, time.UTC))
	const note = "unannounced: the document's “Last updated” date (2023-08) did not move"
	if e.Announcement != note || e.DateLine != "Last updated: August 2023" {
		t.Errorf("entry: %q, %q; want %q with its date line", e.Announcement, e.DateLine, note)
	}
	if want := "! " + note + ": “Last updated: August 2023”"; !strings.Contains(out.Text, want) {
		t.Errorf("the text digest does not say %q:\n%s", want, out.Text)
	}
	if want := "<strong>" + strings.ReplaceAll(note, "'", "&#39;") + "</strong>: “Last updated: August 2023”"; !strings.Contains(out.HTML, want) {
		t.Errorf("the HTML digest does not say %q:\n%s", want, out.HTML)
	}
	e, out = week(time.Date(2024, 12, 30, 8, 0, 0, 0, time.UTC))
	if e.Announcement != "" || strings.Contains(out.Text, "unannounced") || strings.Contains(out.HTML, "unannounced") {
		t.Errorf("the change dated November 2024 is marked: %q", e.Announcement)
	}
}
