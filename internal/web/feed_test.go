package web_test

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"tracker"
	"tracker/internal/atomtest"
	"tracker/internal/digest"
	"tracker/internal/store"
	"tracker/internal/web"
)

// The feed of changes is valid Atom (read back by gofeed), each entry says
// what the digest says of its change and links to the change's diff, which
// answers.
func TestChangesFeed(t *testing.T) {
	res, body := get(t, shared.h, "/changes.atom?since=2020-01-01&topic=privacy&source=tiktok-privacy-policy")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/atom+xml; charset=utf-8" {
		t.Fatalf("GET /changes.atom: %d %s\n%.300s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	f := atomtest.Parse(t, []byte(body))
	if len(f.Entries) == 0 || len(f.Entries) > 50 {
		t.Fatalf("%d entries", len(f.Entries))
	}
	if !strings.Contains(f.Title, "privacy") || f.Links[0].Href != "http://example.com/changes.atom?since=2020-01-01&source=tiktok-privacy-policy&topic=privacy" {
		t.Errorf("feed: title %q, self %q", f.Title, f.Links[0].Href)
	}

	// The latest entry is the digest's entry of the latest privacy change.
	ctx := context.Background()
	chs, err := shared.db.Changes(ctx, store.ChangeFilter{SourceIDs: []string{"tiktok-privacy-policy"}, Since: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	b := &digest.Builder{DB: shared.db, Config: shared.cfg, Taxonomy: shared.tax}
	want, err := b.Latest(ctx, chs, digest.Filter{Topics: []string{"privacy"}, MinImportance: tracker.Minor}, time.UTC, "http://example.com", 1)
	if err != nil || len(want) != 1 {
		t.Fatalf("digest entries: %v, %v", want, err)
	}
	e := f.Entries[0]
	w := want[0]
	to := w.Change.ToSeq
	if w.Switches > 1 {
		to = w.Last.ToSeq
	}
	link := e.Links[0].Href
	u, err := url.Parse(link)
	if err != nil || u.Host != "example.com" || u.Path != "/sources/tiktok-privacy-policy/diff" || u.Query().Get("to") != strconv.Itoa(to) {
		t.Errorf("entry link %q, want the diff of %d → %d", link, w.Change.FromSeq, to)
	}
	if e.Summary == "" || (w.Reason != "" && e.Summary != w.Reason) || !strings.Contains(e.Content.Value, html.EscapeString(w.Reason)) {
		t.Errorf("entry summary %q, want the digest's reason %q", e.Summary, w.Reason)
	}
	for _, p := range w.Passages {
		if !strings.Contains(e.Content.Value, p.Label) {
			t.Errorf("entry content lacks the passage %q:\n%s", p.Label, e.Content.Value)
		}
	}
	if !strings.Contains(e.Content.Value, "<del") && !strings.Contains(e.Content.Value, "<ins") {
		t.Errorf("entry content shows no changed words:\n%s", e.Content.Value)
	}
	cats := map[string]bool{}
	for _, c := range e.Categories {
		cats[c.Term] = true
	}
	if !cats["privacy"] {
		t.Errorf("entry categories %v lack privacy", e.Categories)
	}
	if res, _ := get(t, shared.h, u.RequestURI()); res.StatusCode != http.StatusOK {
		t.Errorf("the entry's diff %s answers %d", u.RequestURI(), res.StatusCode)
	}
	// Its id does not move with the address the pages are served at.
	req := httptest.NewRequest(http.MethodGet, "/changes.atom?since=2020-01-01&topic=privacy&source=tiktok-privacy-policy", nil)
	req.Host = "tracker.example.com"
	rec := httptest.NewRecorder()
	shared.h.ServeHTTP(rec, req)
	if g := atomtest.Parse(t, rec.Body.Bytes()); g.Entries[0].ID != e.ID || !strings.HasPrefix(g.Entries[0].Links[0].Href, "http://tracker.example.com/") {
		t.Errorf("served elsewhere: id %s (was %s), link %s", g.Entries[0].ID, e.ID, g.Entries[0].Links[0].Href)
	}
}

// The feed's filters are a recipient's: topic, source and the least
// importance (minor unless given).
func TestChangesFeedFilters(t *testing.T) {
	all := atomtest.Parse(t, []byte(page(t, "/changes.atom?since=2020-01-01", http.StatusOK)))
	major := atomtest.Parse(t, []byte(page(t, "/changes.atom?since=2020-01-01&min-importance=major", http.StatusOK)))
	cosmetic := atomtest.Parse(t, []byte(page(t, "/changes.atom?since=2020-01-01&min-importance=cosmetic&source=tiktok-terms-of-service", http.StatusOK)))
	terms := atomtest.Parse(t, []byte(page(t, "/changes.atom?since=2020-01-01&source=tiktok-terms-of-service", http.StatusOK)))
	if len(all.Entries) == 0 || len(all.Entries) > 50 || len(major.Entries) == 0 || len(major.Entries) >= len(all.Entries) {
		t.Fatalf("entries: all %d, major %d", len(all.Entries), len(major.Entries))
	}
	for _, e := range major.Entries {
		if !strings.Contains(e.Title, "major change") && !strings.Contains(e.Title, "back and forth") {
			t.Errorf("min-importance=major lists %q", e.Title)
		}
	}
	for _, e := range terms.Entries {
		if !strings.HasPrefix(e.Title, "TikTok Terms of Service:") || strings.Contains(e.Title, "cosmetic") || !strings.Contains(e.Links[0].Href, "/sources/tiktok-terms-of-service/diff?") {
			t.Errorf("source=tiktok-terms-of-service (minor and up) lists %q", e.Title)
		}
	}
	if len(cosmetic.Entries) <= len(terms.Entries) {
		t.Errorf("min-importance=cosmetic lists %d entries, minor %d", len(cosmetic.Entries), len(terms.Entries))
	}
	if none := atomtest.Parse(t, []byte(page(t, "/changes.atom", http.StatusOK))); len(none.Entries) != 0 {
		t.Errorf("the last 90 days (no change in them) list %d entries", len(none.Entries))
	}
	page(t, "/changes.atom?topic=privacyy", http.StatusBadRequest)
	page(t, "/changes.atom?min-importance=huge", http.StatusBadRequest)
	page(t, "/changes.atom?since=yesterday", http.StatusBadRequest)
	if !strings.Contains(page(t, "/", http.StatusOK), `type="application/atom+xml"`) {
		t.Error("the pages do not announce the feed")
	}
}

// Behind a token, a feed reader keeps the feed's address with the token and
// no cookie: the feed is served as asked, and the token is not in it.
func TestChangesFeedWithToken(t *testing.T) {
	h := web.New(web.Options{DB: shared.db, Config: shared.cfg, Taxonomy: shared.tax, Now: func() time.Time { return now },
		Access: web.Access{Token: "0123456789abcdef0123"}})
	res, body := get(t, h, "/changes.atom?since=2020-01-01&token=0123456789abcdef0123")
	if res.StatusCode != http.StatusOK || strings.Contains(body, "0123456789abcdef0123") {
		t.Fatalf("feed with its token: %d, token in it: %v", res.StatusCode, strings.Contains(body, "0123456789abcdef0123"))
	}
	atomtest.Parse(t, []byte(body))
	if res, _ := get(t, h, "/changes.atom?token=wrong"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong token: %d", res.StatusCode)
	}
	if res, _ := get(t, h, "/?token=0123456789abcdef0123"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("a page with the token: %d, want the redirect that moves it to a cookie", res.StatusCode)
	}
}
