package digest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tracker/internal/config"
	"tracker/internal/ota"
	"tracker/internal/replaytest"
	"tracker/internal/store"
	"tracker/internal/storetest"
)

const siblingsConfig = `
mail:
  from: "Tracker <tracker@example.com>"
  base_url: https://tracker.example.com
recipients:
  - {name: Ada Lovelace, address: ada@example.com, time_zone: UTC}
sources:
  - {id: privacy-eea, name: TikTok Privacy Policy (EEA), kind: page, url: "http://127.0.0.1:9/eea", select: main}
  - {id: privacy-uk, name: TikTok Privacy Policy (UK), kind: page, url: "http://127.0.0.1:9/uk", select: main, variant_of: privacy-eea}
  - {id: terms-a, name: Terms A, kind: page, url: "http://127.0.0.1:9/a", select: main}
  - {id: terms-b, name: Terms B, kind: page, url: "http://127.0.0.1:9/b", select: main, variant_of: terms-a}
  - {id: terms-c, name: Terms C, kind: page, url: "http://127.0.0.1:9/c", select: main, variant_of: terms-a}
`

// siblingsFixture holds real TikTok texts (testdata/variants): the EEA
// privacy policy, which changed on 16 July 2026, beside its UK serving,
// which did not; and the EEA terms of 2023 and 2026 recorded as two
// sources, terms-a and terms-b, that both changed on 23 July 2026, with a
// third variant, terms-c, never read.
func siblingsFixture(t *testing.T) (*config.Config, *store.DB) {
	t.Helper()
	cfg, err := config.Parse("sources.yaml", []byte(siblingsConfig))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db := storetest.Open(t)
	for _, s := range cfg.Sources {
		if err := db.UpsertSource(ctx, store.SourceInfo{ID: s.ID, Kind: s.Kind, Name: s.Name, URL: s.URL}); err != nil {
			t.Fatal(err)
		}
	}
	src := filepath.Join(replaytest.TestdataDir(), "variants", "TikTok")
	dir := t.TempDir()
	for from, to := range map[string][]string{
		"Privacy Policy/2025-09-23T07-42-00Z.md":             {"Privacy Policy"},
		"Privacy Policy/2026-07-16T12-58-04Z.md":             {"Privacy Policy"},
		"Privacy Policy (UK notice)/2026-05-20T00-55-55Z.md": {"Privacy Policy UK"},
		"Terms of Service/2023-08-07T00-45-31Z.md":           {"Terms A", "Terms B"},
		"Terms of Service/2026-07-23T00-56-42Z.md":           {"Terms A", "Terms B"},
	} {
		b, err := os.ReadFile(filepath.Join(src, from))
		if err != nil {
			t.Fatal(err)
		}
		for _, folder := range to {
			if err := os.MkdirAll(filepath.Join(dir, "TikTok", folder), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "TikTok", folder, filepath.Base(from)), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, err = ota.Import(ctx, db, dir, ota.Options{Taxonomy: taxonomy(t, cfg), Declared: func(string) bool { return true },
		Map: map[string]string{"TikTok/Privacy Policy": "privacy-eea", "TikTok/Privacy Policy UK": "privacy-uk",
			"TikTok/Terms A": "terms-a", "TikTok/Terms B": "terms-b"}})
	if err != nil {
		t.Fatal(err)
	}
	return cfg, db
}

func TestSiblingThatDidNotChange(t *testing.T) {
	cfg, db := siblingsFixture(t)
	tmpl, err := LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	b := &Builder{DB: db, Config: cfg, Taxonomy: taxonomy(t, cfg)}
	build := func(start time.Time) (*Digest, Rendered) {
		t.Helper()
		d, err := b.Build(context.Background(), cfg.Recipient("ada@example.com"), start, start.Add(7*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		out, err := tmpl.Render(d)
		if err != nil {
			t.Fatal(err)
		}
		return d, out
	}
	docs := func(d *Digest) map[string][]Sibling {
		m := map[string][]Sibling{}
		for _, s := range d.Sections {
			for _, doc := range s.Documents {
				m[doc.SourceID] = doc.Siblings
			}
		}
		return m
	}

	// The week of 16 July: the EEA policy changed, its UK serving did not.
	d, out := build(time.Date(2026, 7, 13, 8, 0, 0, 0, time.UTC))
	got := docs(d)
	if sibs, ok := got["privacy-eea"]; !ok || len(sibs) != 1 || sibs[0].SourceID != "privacy-uk" {
		t.Fatalf("the week of 16 July: documents %v; want privacy-eea with its sibling privacy-uk", got)
	}
	const note = "TikTok Privacy Policy (UK) did not change this week"
	link := "https://tracker.example.com/compare?a=privacy-eea&at=2026-07-20&b=privacy-uk"
	if got["privacy-eea"][0].Note != note || got["privacy-eea"][0].CompareURL != link {
		t.Errorf("sibling: %+v", got["privacy-eea"][0])
	}
	if !strings.Contains(out.Text, "("+note+"; side by side: "+link+")") {
		t.Errorf("the text digest lacks the sibling's note:\n%s", out.Text)
	}
	if !strings.Contains(out.HTML, "<em>"+note+"</em>") || !strings.Contains(out.HTML, `href="https://tracker.example.com/compare?a=privacy-eea&amp;at=2026-07-20&amp;b=privacy-uk"`) {
		t.Errorf("the HTML digest lacks the sibling's note:\n%s", out.HTML)
	}
	// The note sits under the change of the EEA policy.
	if i, j := strings.Index(out.Text, "TikTok Privacy Policy (EEA)\n"), strings.Index(out.Text, note); i < 0 || j < i {
		t.Errorf("the note is not under the EEA policy's change:\n%s", out.Text)
	}

	// The week of 23 July: both terms changed, and terms-c was never read:
	// no note.
	d, out = build(time.Date(2026, 7, 20, 8, 0, 0, 0, time.UTC))
	got = docs(d)
	if _, ok := got["terms-a"]; !ok {
		t.Fatalf("the week of 23 July: documents %v; want terms-a and terms-b", got)
	}
	if _, ok := got["terms-b"]; !ok {
		t.Fatalf("the week of 23 July: documents %v; want terms-a and terms-b", got)
	}
	for id, sibs := range got {
		if len(sibs) != 0 {
			t.Errorf("%s: siblings %+v, want none: its variants changed too or were never read", id, sibs)
		}
	}
	if strings.Contains(out.Text, "did not change") {
		t.Errorf("a note where both changed:\n%s", out.Text)
	}
}

// A sibling whose every fetch failed that week is not said to have stayed
// the same: tracker does not know.
func TestSiblingThatCouldNotBeRead(t *testing.T) {
	cfg, db := siblingsFixture(t)
	ctx := context.Background()
	for _, at := range []time.Time{time.Date(2026, 7, 14, 8, 0, 0, 0, time.UTC), time.Date(2026, 7, 17, 8, 0, 0, 0, time.UTC)} {
		if err := db.RecordFailure(ctx, store.Failure{SourceID: "privacy-uk", At: at, Kind: "http", Reason: "HTTP 503", Status: 503}); err != nil {
			t.Fatal(err)
		}
	}
	b := &Builder{DB: db, Config: cfg, Taxonomy: taxonomy(t, cfg)}
	start := time.Date(2026, 7, 13, 8, 0, 0, 0, time.UTC)
	d, err := b.Build(ctx, cfg.Recipient("ada@example.com"), start, start.Add(7*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, s := range d.Sections {
		for _, doc := range s.Documents {
			for _, sib := range doc.Siblings {
				notes = append(notes, sib.Note)
			}
		}
	}
	if len(notes) != 1 || notes[0] != "TikTok Privacy Policy (UK) could not be read this week: whether it changed is not known" {
		t.Errorf("notes: %q", notes)
	}
}
