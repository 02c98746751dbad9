package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"tracker/internal/api"
	"tracker/internal/config"
	"tracker/internal/replaytest"
	"tracker/internal/sources"
	"tracker/internal/storetest"
	"tracker/internal/web"
)

// A version tracker fetched twice, the text unchanged, is last confirmed
// by the later fetch, by tracker; the page calls it in force, as the
// source is followed, and names no dataset.
func TestVersionPageCitesTrackersFetches(t *testing.T) {
	ctx := context.Background()
	terms := replaytest.History(t, "Terms of Service")
	srv := replaytest.NewServer()
	defer srv.Close()
	srv.Handle("/tos", replaytest.Document(terms[0].Markdown, 1))
	cfg, err := config.Parse("sources.yaml", []byte(fmt.Sprintf(`settings: {retries: 0, host_delay: 0s}
sources:
  - {id: tos, name: TikTok Terms of Service (EEA), kind: page, url: '%s/tos', select: '[data-testid=policy-card]', remove: [.language-selection]}
`, srv.URL)))
	if err != nil {
		t.Fatal(err)
	}
	tax, err := cfg.TopicsConfig().Compile()
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.Open(t)
	c := sources.NewChecker(cfg, tax, db, slog.New(slog.DiscardHandler))
	first := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for _, at := range []time.Time{first, first.Add(26 * time.Hour)} {
		c.Now = func() time.Time { return at }
		rs, err := c.CheckAll(ctx, nil, nil)
		if err != nil || rs[0].Outcome == sources.Failed {
			t.Fatalf("check at %s: %+v %v", at, rs, err)
		}
	}
	h := web.New(web.Options{DB: db, Config: cfg, Taxonomy: tax, Now: func() time.Time { return first.Add(48 * time.Hour) }})
	v, err := db.Version(ctx, "tos", 1)
	if err != nil {
		t.Fatal(err)
	}
	_, body := get(t, h, "/sources/tos/versions/1")
	mustContain(t, "fetched version page",
		body, "TikTok Terms of Service (EEA), "+srv.URL+"/tos, version 1, first seen 2026-11-23 09:00 UTC, last confirmed 2026-11-24 11:00 UTC by tracker&#39;s fetches, SHA-256 "+v.SHA256+"; fetched by tracker.",
		"<dt>Last confirmed</dt><dd>2026-11-24 11:00 UTC by tracker&#39;s fetches (still in force)</dd>")
	mustNotContain(t, "fetched version page", body, "Open Terms Archive", "Caveat:", "no longer followed")

	res, body := get(t, h, "/api/sources/tos/show")
	var shown api.Shown
	if err := json.Unmarshal([]byte(body), &shown); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("show: %d %v\n%s", res.StatusCode, err, body)
	}
	if c := shown.Citation; c == nil || c.ConfirmedBy != "tracker" || *c.LastConfirmed != "2026-11-24T11:00:00Z" || !c.Followed || c.Caveat != "" ||
		c.DocumentURL != srv.URL+"/tos" || c.Document != "TikTok Terms of Service (EEA)" {
		t.Errorf("/api/sources/tos/show citation %+v", c)
	}
	if strings.Contains(body, "unfollowed_since\": \"") {
		t.Errorf("a followed source has an unfollowed_since:\n%s", body)
	}

	// Served without sources.yaml (tracker serve from another folder),
	// the page cannot know whether the daemon still follows the source:
	// it says so, and does not call it unfollowed.
	bare := web.New(web.Options{DB: db, Taxonomy: tax, Now: func() time.Time { return first.Add(48 * time.Hour) }})
	_, body = get(t, bare, "/sources/tos/versions/1")
	mustContain(t, "version page served without a configuration", body, "not known to be followed")
	mustNotContain(t, "version page served without a configuration", body, "no longer followed")
}
