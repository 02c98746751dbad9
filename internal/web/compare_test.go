package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tracker/internal/api"
	"tracker/internal/config"
	"tracker/internal/ota"
	"tracker/internal/replaytest"
	"tracker/internal/store"
	"tracker/internal/storetest"
	"tracker/internal/web"
)

// variantsHandler serves a database holding the two servings of TikTok's
// EEA privacy policy (testdata/variants) and TikTok's EEA terms of 2020
// and of 2023 as two documents, declared as variants.
func variantsHandler(t *testing.T) http.Handler {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.Parse("sources.yaml", []byte(`sources:
  - {id: privacy-eea, kind: page, url: "http://127.0.0.1:9/eea", select: main}
  - {id: privacy-uk, kind: page, url: "http://127.0.0.1:9/uk", select: main, variant_of: privacy-eea}
  - {id: terms-2020, kind: page, url: "http://127.0.0.1:9/t20", select: main}
  - {id: terms-2023, kind: page, url: "http://127.0.0.1:9/t23", select: main, variant_of: terms-2020}
  - {id: edpb, kind: feed, url: "http://127.0.0.1:9/feed"}
`))
	if err != nil {
		t.Fatal(err)
	}
	tax, err := cfg.TopicsConfig().Compile()
	if err != nil {
		t.Fatal(err)
	}
	variants := filepath.Join(replaytest.TestdataDir(), "variants", "TikTok")
	dir := t.TempDir()
	copyFile := func(from, to string) {
		b, err := os.ReadFile(filepath.Join(variants, from))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, to)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, to), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"Privacy Policy/2025-09-23T07-42-00Z.md", "Privacy Policy/2026-07-16T12-58-04Z.md",
		"Privacy Policy (UK notice)/2026-05-20T00-55-55Z.md", "Privacy Policy (UK notice)/2026-07-16T00-57-09Z.md"} {
		copyFile(f, "TikTok/"+f)
	}
	copyFile("Terms of Service/2020-07-29T13-32-40Z.md", "TikTok/Terms 2020/2020-07-29T13-32-40Z.md")
	copyFile("Terms of Service/2023-08-07T00-45-31Z.md", "TikTok/Terms 2023/2023-08-07T00-45-31Z.md")
	db := storetest.Open(t)
	for _, s := range cfg.Sources {
		if err := db.UpsertSource(ctx, store.SourceInfo{ID: s.ID, Kind: s.Kind, Name: s.Name, URL: s.URL}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = ota.Import(ctx, db, dir, ota.Options{Taxonomy: tax, Declared: func(id string) bool { return cfg.Source(id) != nil },
		Map: map[string]string{"TikTok/Privacy Policy": "privacy-eea", "TikTok/Privacy Policy (UK notice)": "privacy-uk",
			"TikTok/Terms 2020": "terms-2020", "TikTok/Terms 2023": "terms-2023"}})
	if err != nil {
		t.Fatal(err)
	}
	return web.New(web.Options{DB: db, Config: cfg, Taxonomy: tax, Now: func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }})
}

func TestComparePage(t *testing.T) {
	h := variantsHandler(t)
	fetch := func(path string, want int) string {
		t.Helper()
		res, body := get(t, h, path)
		if res.StatusCode != want {
			t.Fatalf("GET %s: %d, want %d\n%s", path, res.StatusCode, want, body)
		}
		return body
	}

	body := fetch("/compare?a=privacy-uk&b=privacy-eea", 200)
	mustContain(t, "compare page", body,
		"24 sections say the same in both, 1 differs, 0 only in privacy-uk, 0 only in privacy-eea.",
		"24 sections say the same in both, word for word: not shown.",
		"<del>We are changing how we show ads to UK users.",
		`<a href="/sources/privacy-uk/versions/1">version 1</a>`, `<a href="/sources/privacy-eea/versions/2">version 2</a>`,
		`href="/api/compare?a=privacy-uk&amp;b=privacy-eea"`)
	mustNotContain(t, "compare page", body, "<h2>Introduction", "<script")

	// The 2023 rewrite: a section renumbered and moved, sections in one only.
	body = fetch("/compare?a=terms-2020&b=terms-2023", 200)
	mustContain(t, "compare page of a rewrite", body,
		"<h2>4 Changes to the Terms and Services ↔ 7.1 What happens when we make changes</h2>",
		"renumbered · in another place",
		"only in A (terms-2020)", "only in B (terms-2023)",
		`<option value="terms-2023" selected>`)

	// --at, and the versions in force then.
	body = fetch("/compare?a=privacy-eea&b=privacy-uk&at=2026-06-01", 200)
	mustContain(t, "compare page at a date", body, "As they stood on 2026-06-01.", `<a href="/sources/privacy-eea/versions/1">version 1</a>`)

	for _, tc := range []struct {
		path string
		want int
		msg  string
	}{
		{"/compare?a=privacy-uk", 400, "give the two documents as a=ID&amp;b=ID"},
		{"/compare?a=nope&b=privacy-eea", 404, "nope"},
		{"/compare?a=privacy-uk&b=privacy-eea&at=2025-01-01", 404, "privacy-uk had no version yet on 2025-01-01"},
		{"/compare?a=privacy-uk&b=privacy-eea&at=3", 400, "is a version number, not a date"},
		{"/compare?a=privacy-uk&b=privacy-uk", 400, "is compared with itself"},
		{"/compare?a=privacy-uk&b=edpb", 400, "edpb is a regulator&#39;s feed, not a document"},
	} {
		mustContain(t, tc.path, fetch(tc.path, tc.want), tc.msg)
	}

	// The source page links its sibling.
	mustContain(t, "source page", fetch("/sources/privacy-eea", 200),
		`<a href="/compare?a=privacy-eea&amp;b=privacy-uk">compare side by side with privacy-uk</a>`)
}

func TestCompareAPI(t *testing.T) {
	h := variantsHandler(t)
	res, body := get(t, h, "/api/compare?a=terms-2020&b=terms-2023")
	if res.StatusCode != 200 {
		t.Fatalf("%d %s", res.StatusCode, body)
	}
	var got api.Compare
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if got.A.Source != "terms-2020" || got.B.Source != "terms-2023" || got.OnlyA == 0 || got.OnlyB == 0 || got.Changed == 0 {
		t.Fatalf("%+v", got)
	}
	kinds := map[string]int{}
	for _, s := range got.Sections {
		kinds[s.Kind]++
		switch s.Kind {
		case "only_a":
			if s.A == nil || s.B != nil || !strings.Contains(strings.SplitN(s.Text, "\n", 2)[0], s.A.Title) || s.WordsRemoved != s.A.Words {
				t.Errorf("only_a: %+v", s)
			}
		case "only_b":
			if s.B == nil || s.A != nil || s.Text == "" {
				t.Errorf("only_b: %+v", s)
			}
		case "changed":
			if len(s.Hunks) == 0 || s.Similarity <= 0 {
				t.Errorf("changed: %+v", s)
			}
		}
	}
	if kinds["only_a"] != got.OnlyA || kinds["only_b"] != got.OnlyB || kinds["changed"] != got.Changed || kinds["same"] != got.Same {
		t.Errorf("counts %+v, sections %v", got, kinds)
	}
	res, body = get(t, h, "/api/compare?a=terms-2020&b=nope")
	if res.StatusCode != 404 || !strings.Contains(body, `"error"`) {
		t.Errorf("unknown source: %d %s", res.StatusCode, body)
	}
}
