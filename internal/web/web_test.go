package web_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"tracker"
	"tracker/internal/changes"
	"tracker/internal/cite"
	"tracker/internal/config"
	"tracker/internal/links"
	"tracker/internal/ota"
	"tracker/internal/replaytest"
	"tracker/internal/sources"
	"tracker/internal/store"
	"tracker/internal/storetest"
	"tracker/internal/topics"
	"tracker/internal/web"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// now is the clock of every test: after the last change of the history.
var now = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// fixture is a database holding TikTok's real history (2020–2026) and the
// items of a real Federal Register feed, with the handler serving it.
type fixture struct {
	db  *store.DB
	cfg *config.Config
	tax *topics.Taxonomy // compiled from cfg, as the wiring does
	h   http.Handler
}

// shared is built once by TestMain: importing the history takes a second.
var shared *fixture

// tmpDir holds the databases of the tests; TestMain removes it.
var tmpDir string

func mkdirTemp() (string, error) { return os.MkdirTemp(tmpDir, "db") }

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "web-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	f, err := newFixture(filepath.Join(dir, "tracker.db"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "web tests:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	shared, tmpDir = f, dir
	code := m.Run()
	f.db.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

func newFixture(path string) (*fixture, error) {
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	feedBody, err := os.ReadFile(filepath.Join(replaytest.TestdataDir(), "feeds", "federal-register-documents-2025-08-04.rss"))
	if err != nil {
		return nil, err
	}
	// The feed's first fetch holds its older half (the baseline, never
	// announced); the second brings the newer half as new items.
	first := dropItems(string(feedBody), 100)
	var body string
	srv := replaytest.NewServer()
	defer srv.Close()
	srv.Handle("/fr", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		io.WriteString(w, body)
	})
	cfg, err := config.Parse("sources.yaml", []byte(fmt.Sprintf(`settings: {retries: 0, host_delay: 0s}
sources:
  - id: federal-register-ftc
    name: Federal Register (Federal Trade Commission)
    kind: feed
    url: '%s/fr'
    topics: [privacy, consumer, ip]
`, srv.URL)))
	if err != nil {
		return nil, err
	}
	tax, err := cfg.TopicsConfig().Compile()
	if err != nil {
		return nil, err
	}
	if _, err := ota.Import(ctx, db, replaytest.OTADir(), ota.Options{Taxonomy: tax}); err != nil {
		return nil, err
	}
	c := sources.NewChecker(cfg, tax, db, slog.New(slog.DiscardHandler))
	for i, b := range []string{first, string(feedBody)} {
		body = b
		c.Now = func() time.Time { return time.Date(2025, 8, 3+i, 12, 0, 0, 0, time.UTC) }
		rs, err := c.CheckAll(ctx, nil, nil)
		if err != nil {
			return nil, err
		}
		if rs[0].Outcome == sources.Failed {
			return nil, fmt.Errorf("feed check: %+v", rs[0])
		}
	}
	return &fixture{db: db, cfg: cfg, tax: tax, h: web.New(web.Options{DB: db, Config: cfg, Taxonomy: tax, Now: func() time.Time { return now }})}, nil
}

// dropItems removes the first n items of an RSS feed (the newest).
func dropItems(feed string, n int) string {
	for range n {
		i := strings.Index(feed, "<item>")
		j := strings.Index(feed, "</item>")
		if i < 0 || j < i {
			break
		}
		feed = feed[:i] + feed[j+len("</item>"):]
	}
	return feed
}

// get requests a path and returns the response with its body.
func get(t *testing.T, h http.Handler, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// page gets a page that must answer with status want.
func page(t *testing.T, path string, want int) string {
	t.Helper()
	res, body := get(t, shared.h, path)
	if res.StatusCode != want {
		t.Fatalf("GET %s: %d, want %d\n%s", path, res.StatusCode, want, body)
	}
	return body
}

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s: %q missing", what, w)
		}
	}
}

func mustNotContain(t *testing.T, what, body string, bad ...string) {
	t.Helper()
	for _, w := range bad {
		if strings.Contains(body, w) {
			t.Errorf("%s: %q present", what, w)
		}
	}
}

func version(t *testing.T, id string, seq int) tracker.Version {
	t.Helper()
	v, err := shared.db.Version(context.Background(), id, seq)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSecurityHeadersEverywhere(t *testing.T) {
	for _, path := range []string{"/", "/sources/tiktok-terms-of-service", "/nope", "/sources/nope", "/api/sources",
		"/sources/tiktok-terms-of-service/history.csv", "/static/style.css", "/search?q=%22"} {
		res, _ := get(t, shared.h, path)
		for k, want := range map[string]string{
			"Content-Security-Policy": web.ContentSecurityPolicy,
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "no-referrer",
		} {
			if got := res.Header.Get(k); got != want {
				t.Errorf("GET %s: %s = %q, want %q", path, k, got, want)
			}
		}
	}
	if strings.Contains(web.ContentSecurityPolicy, "script-src") || !strings.Contains(web.ContentSecurityPolicy, "default-src 'none'") {
		t.Errorf("the pages need no script: the policy must allow none (%s)", web.ContentSecurityPolicy)
	}
}

func TestReadOnly(t *testing.T) {
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
		for _, path := range []string{"/", "/sources/tiktok-terms-of-service", "/api/sources", "/nope"} {
			rec := httptest.NewRecorder()
			shared.h.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader("x=1")))
			if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
				t.Errorf("%s %s: %d, Allow %q; want 405 and GET, HEAD", method, path, rec.Code, rec.Header().Get("Allow"))
			}
			if api := strings.HasPrefix(path, "/api/"); api != strings.HasPrefix(rec.Body.String(), `{`) {
				t.Errorf("%s %s: %q; the API answers in JSON, pages in text", method, path, rec.Body.String())
			}
		}
	}
	rec := httptest.NewRecorder()
	shared.h.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, "/sources/tiktok-terms-of-service", nil))
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Errorf("HEAD: %d with %d bytes of body", rec.Code, rec.Body.Len())
	}
}

func TestOverview(t *testing.T) {
	body := page(t, "/", http.StatusOK)
	mustContain(t, "overview", body,
		`<a href="/sources/tiktok-terms-of-service">TikTok Terms of Service</a>`,
		`<a href="/sources/federal-register-ftc">Federal Register (Federal Trade Commission)</a>`,
		"import-only (not fetched)", "22 versions", "70 versions", "200 items",
		// The last change of the Privacy Policy, although imported.
		`<td class="when">2026-08-17</td>`,
		// Nothing changed in the 90 days before now: the latest changes instead.
		"No change was recorded in that time", `href="/sources/tiktok-privacy-policy/diff?from=69&amp;to=70"`)

	body = page(t, "/?days=3650", http.StatusOK)
	mustContain(t, "ten years", body, "<h3>Privacy and data protection", "major</span>",
		`href="/sources/tiktok-terms-of-service/diff?from=2&amp;to=3"`, `&#34;violates our Community Guidelines&#34;`)
	// The Privacy Policy's banner flip-flops are folded into one line, a
	// cosmetic one: privacy lists the ten changes of substance. The changes
	// without a topic are more than a page lists: it counts the others.
	mustContain(t, "ten years", body, "6 major", "4 minor", "… and 11 older changes about this topic", "went back and forth 46 times")
	privacy := body[strings.Index(body, "<h3>Privacy and data protection"):]
	privacy = privacy[:strings.Index(privacy[1:], "<h3>")+1]
	if strings.Contains(privacy, "went back and forth") || strings.Count(privacy, "version") < 10 {
		t.Errorf("privacy must list its ten changes and no banner flip-flop:\n%s", privacy)
	}
	if i, j := strings.Index(body, "Privacy and data protection"), strings.Index(body, "No legal topic"); i < 0 || j < i {
		t.Error("changes without a topic must come after the topics")
	}
	page(t, "/?days=x", http.StatusBadRequest)
}

func TestSourcePage(t *testing.T) {
	body := page(t, "/sources/tiktok-terms-of-service", http.StatusOK)
	mustContain(t, "document page", body,
		"<h1>TikTok Terms of Service</h1>", `<p class="status-idle">Status: import-only (not fetched)</p>`, `<svg class="activity" role="img"`, `<svg viewBox="0 0 720.0 130.0" preserveAspectRatio="none"`, `<text class="year" x="`,
		`class="bar-major"`, `href="/sources/tiktok-terms-of-service/versions/22">Version 22</a>`,
		`href="/sources/tiktok-terms-of-service/diff?from=8&amp;to=9">what changed from version 8</a>`,
		`href="/sources/tiktok-terms-of-service/history.csv"`, `name="from"`,
		"<strong>Caveat:</strong> no longer followed since 2026-07-23 00:56 UTC; version 22 is the last text tracker holds, not necessarily the one in force today.")
	if strings.Index(body, ">Version 22<") > strings.Index(body, ">Version 1<") {
		t.Error("the timeline must show the newest version first")
	}
	page(t, "/sources/tiktok-terms-of-service?page=9", http.StatusBadRequest)
	body = page(t, "/sources/nope", http.StatusNotFound)
	mustContain(t, "unknown source", body, "there is no source &#34;nope&#34;")

	feed := page(t, "/sources/federal-register-ftc", http.StatusOK)
	mustContain(t, "feed page", feed, "200 items stored", `href="/items?source=federal-register-ftc"`)
}

func TestVersionPageCitesTheVersion(t *testing.T) {
	v := version(t, "tiktok-terms-of-service", 10)
	body := page(t, "/sources/tiktok-terms-of-service/versions/10", http.StatusOK)
	// An imported version: its last seen is when Open Terms Archive
	// recorded the next one, not a fetch of tracker's, and the dataset is
	// credited as its licence asks.
	mustContain(t, "version page", body,
		"TikTok Terms of Service, version 10, first seen 2023-05-05 00:42 UTC, last confirmed 2023-08-07 00:45 UTC by Open Terms Archive, when it recorded the next version, SHA-256 "+v.SHA256+
			"; imported from Open Terms Archive (ota-tiktok/TikTok/Terms of Service/2023-05-05T00-42-06Z.md); Open Terms Archive contributors, ODC-BY 1.0; no longer followed since 2026-07-23 00:56 UTC.",
		"<dt>Last confirmed</dt><dd>2023-08-07 00:45 UTC by Open Terms Archive, when it recorded the next version</dd>",
		"<strong>Caveat:</strong> no longer followed since 2026-07-23 00:56 UTC. Tracker never fetched this document: its versions were imported from Open Terms Archive, and its latest version",
		`<a href="/sources/tiktok-terms-of-service/versions/10">/sources/tiktok-terms-of-service/versions/10</a>`,
		`<p id="L1"><a class="ln" href="#L1">1</a>EEA/UK/CH</p>`,
		`href="/sources/tiktok-terms-of-service/diff?from=9&amp;to=10"`, "← version 9", "version 11 →")
	// Headings are headings, numbered like every line.
	pp := page(t, "/sources/tiktok-privacy-policy/versions/1", http.StatusOK)
	if !regexp.MustCompile(`<h3 id="L(\d+)"><a class="ln" href="#L(\d+)">(\d+)</a>1. The types of personal data we use</h3>`).MatchString(pp) {
		t.Error("privacy policy: no heading for \"## 1. The types of personal data we use\"")
	}
	mustNotContain(t, "version page of an imported version", body, "tracker&#39;s fetches", "still in force")
	// The latest version of a source tracker no longer follows is not
	// called in force.
	last := page(t, "/sources/tiktok-terms-of-service/versions/22", http.StatusOK)
	mustContain(t, "latest imported version", last, "(the latest version tracker holds)")
	mustNotContain(t, "latest imported version", last, "still in force")
	page(t, "/sources/tiktok-terms-of-service/versions/999", http.StatusNotFound)
	page(t, "/sources/tiktok-terms-of-service/versions/x", http.StatusBadRequest)

	// With a base URL the permalink is absolute.
	h := web.New(web.Options{DB: shared.db, BaseURL: "https://tracker.example.org/"})
	_, body = get(t, h, "/sources/tiktok-terms-of-service/versions/10")
	mustContain(t, "base URL", body, `<a href="https://tracker.example.org/sources/tiktok-terms-of-service/versions/10">`)
}

func TestAtRedirectsToTheVersionInForce(t *testing.T) {
	for _, tc := range []struct {
		path     string
		status   int
		location string
	}{
		{"/sources/tiktok-terms-of-service/at/2023-06-01", http.StatusFound, "/sources/tiktok-terms-of-service/versions/10"},
		// A version first seen during the day is in force at its end.
		{"/sources/tiktok-terms-of-service/at/2023-04-13", http.StatusFound, "/sources/tiktok-terms-of-service/versions/9"},
		{"/sources/tiktok-terms-of-service/at?date=2023-04-12", http.StatusFound, "/sources/tiktok-terms-of-service/at/2023-04-12"},
		{"/sources/tiktok-terms-of-service/at/2019-01-01", http.StatusNotFound, ""},
		{"/sources/tiktok-terms-of-service/at/yesterday", http.StatusBadRequest, ""},
		{"/sources/nope/at/2023-06-01", http.StatusNotFound, ""},
	} {
		res, body := get(t, shared.h, tc.path)
		if res.StatusCode != tc.status || res.Header.Get("Location") != tc.location {
			t.Errorf("GET %s: %d to %q, want %d to %q\n%s", tc.path, res.StatusCode, res.Header.Get("Location"), tc.status, tc.location, body)
		}
	}
}

func TestDiffPage(t *testing.T) {
	// TikTok dropped one word from the title of its Terms on 2023-04-13.
	body := page(t, "/sources/tiktok-terms-of-service/diff?from=8&to=9", http.StatusOK)
	mustContain(t, "inline diff", body,
		"<h1>TikTok Terms of Service: version 8 → 9</h1>",
		"<del>TikTok</del> Terms of Service", "0 words added, 1 removed",
		"first seen 2022-12-15 06:42 UTC", version(t, "tiktok-terms-of-service", 9).SHA256,
		`href="/sources/tiktok-terms-of-service/diff?from=8&amp;to=9&amp;view=side"`,
		`href="/sources/tiktok-terms-of-service/diff.md?from=8&amp;to=9"`)

	side := page(t, "/sources/tiktok-terms-of-service/diff?from=8&to=9&view=side", http.StatusOK)
	mustContain(t, "side by side", side, `<table class="diff diff-side-by-side">`, `<del>TikTok</del>`)

	// Topics with their evidence.
	body = page(t, "/sources/tiktok-terms-of-service/diff?from=2&to=3", http.StatusOK)
	mustContain(t, "topics", body, "<strong>moderation</strong>: &#34;violates our Community Guidelines&#34;",
		"<ins>If you find inappropriate content that violates our Community Guidelines")

	// By default: the latest version against the one before.
	body = page(t, "/sources/tiktok-privacy-policy/diff", http.StatusOK)
	mustContain(t, "default diff", body, "version 69 → 70", "This returns to the text of")

	// Any two versions, dates included, either way round.
	body = page(t, "/sources/tiktok-terms-of-service/diff?from=2021-01-01&to=1", http.StatusOK)
	mustContain(t, "dates", body, "version 3 → 1")

	page(t, "/sources/tiktok-terms-of-service/diff?from=0", http.StatusNotFound)
	page(t, "/sources/tiktok-terms-of-service/diff?to=soon", http.StatusBadRequest)
	page(t, "/sources/nope/diff", http.StatusNotFound)
}

func TestItemsPage(t *testing.T) {
	body := page(t, "/items", http.StatusOK)
	// The newer half of the feed came in the second fetch; the filters
	// keep those about privacy, consumer protection or IP.
	items, err := shared.db.Items(context.Background(), store.ItemFilter{})
	if err != nil || len(items) == 0 || len(items) >= 100 {
		t.Fatalf("%d kept new items, %v: the fixture should have a few", len(items), err)
	}
	mustContain(t, "items", body, fmt.Sprintf("%d item", len(items)),
		`<option value="federal-register-ftc">`, `<option value="privacy">`)
	for _, it := range items {
		mustContain(t, "items", body, strings.ReplaceAll(template(it.Title), "&#39;", "&#39;"))
	}
	all := page(t, "/items?all=1", http.StatusOK)
	mustContain(t, "all items", all, "200 items", "already in the feed at its first fetch", "left out by the feed's filters")

	for _, tc := range []struct {
		query string
		want  func(tracker.Item) bool
	}{
		{"?topic=privacy&all=1", func(it tracker.Item) bool { return hasTopic(it, "privacy") }},
		{"?since=2025-08-04&all=1", func(it tracker.Item) bool { return !it.FirstSeen.Before(time.Date(2025, 8, 4, 0, 0, 0, 0, time.UTC)) }},
		{"?until=2025-08-03&all=1", func(it tracker.Item) bool { return it.Baseline }},
		{"?source=nope&all=1", func(tracker.Item) bool { return false }},
	} {
		all, err := shared.db.Items(context.Background(), store.ItemFilter{All: true})
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for _, it := range all {
			if tc.want(it) {
				want++
			}
		}
		body := page(t, "/items"+tc.query, http.StatusOK)
		if got := strings.Count(body, `<div class="title">`); got != want {
			t.Errorf("/items%s: %d items, want %d", tc.query, got, want)
		}
	}
	page(t, "/items?since=last+week", http.StatusBadRequest)
}

func hasTopic(it tracker.Item, id string) bool {
	for _, m := range it.Topics {
		if m.Topic == id {
			return true
		}
	}
	return false
}

// template escapes text as html/template does in an element's content.
func template(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "+", "&#43;").Replace(s)
}

var markRe = regexp.MustCompile(`<mark>([^<]*)</mark>`)

func TestSearchPage(t *testing.T) {
	body := page(t, "/search?q=personal+data", http.StatusOK)
	marks := markRe.FindAllStringSubmatch(body, -1)
	if len(marks) < 20 {
		t.Fatalf("%d matches highlighted", len(marks))
	}
	for _, m := range marks {
		if strings.ToLower(m[1]) != "personal data" {
			t.Errorf("highlighted %q for the phrase \"personal data\"", m[1])
		}
	}
	mustContain(t, "search", body, `value="personal data"`, "In the documents", `href="/sources/tiktok-privacy-policy/versions/1">1</a>`,
		"no longer followed since 2026-07-23 00:56 UTC: the last text tracker holds, not necessarily the one in force today")
	// Every source of the fixture but the feed is import-only.
	mustNotContain(t, "search", body, "still in force")

	hits, err := shared.db.Search(context.Background(), store.SearchQuery{Text: "personal data", SourceIDs: []string{"tiktok-terms-of-service"}})
	if err != nil {
		t.Fatal(err)
	}
	body = page(t, "/search?q=personal+data&source=tiktok-terms-of-service", http.StatusOK)
	if got := strings.Count(body, `<div class="hit-head"><a href="/sources/tiktok-terms-of-service">`); got != len(hits) || strings.Contains(body, `<a href="/sources/tiktok-privacy-policy">`) {
		t.Errorf("filter by document: %d hits of the Terms, want %d, and none of another document", got, len(hits))
	}

	// In force on a date: only paragraphs of the versions of that day.
	at := page(t, "/search?q=personal+data&at=2020-08-01", http.StatusOK)
	mustNotContain(t, "at 2020-08-01", at, "In the regulator items", "still in force")
	// Seen since 2026: only paragraphs still around then.
	since := page(t, "/search?q=personal+data&since=2026-01-01", http.StatusOK)
	mustNotContain(t, "since 2026", since, "last seen 2020", "last seen 2021")

	// Topics: a paragraph about cookies is a privacy paragraph.
	priv := page(t, "/search?q=cookies&topic=privacy", http.StatusOK)
	ip := page(t, "/search?q=cookies&topic=minors", http.StatusOK)
	if strings.Count(priv, "<mark>") <= strings.Count(ip, "<mark>") {
		t.Errorf("topic filter: %d privacy matches, %d minors", strings.Count(priv, "<mark>"), strings.Count(ip, "<mark>"))
	}

	// Items are searched too, accents and case ignored.
	items := page(t, "/search?q=PEOPLE%27S+REPUBLIC+OF+CHINA", http.StatusOK)
	mustContain(t, "items", items, "In the regulator items", "<mark>People&#39;s Republic of China</mark>")

	// FTS5 queries: terms and prefixes highlighted, errors explained.
	fts := page(t, "/search?q=keystroke*+AND+rhythm*&fts=1", http.StatusOK)
	mustContain(t, "fts", fts, "<mark>keystroke</mark>", "<mark>rhythms</mark>")
	bad := page(t, "/search?q=%22unbalanced&fts=1", http.StatusBadRequest)
	mustContain(t, "bad fts", bad, `<p class="error">`, "not a valid query")

	empty := page(t, "/search", http.StatusOK)
	mustNotContain(t, "empty search", empty, "In the documents")
}

func TestExports(t *testing.T) {
	id := "tiktok-terms-of-service"
	res, body := get(t, shared.h, "/sources/"+id+"/history.json")
	var h web.History
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		t.Fatal(err)
	}
	if res.Header.Get("Content-Disposition") != `attachment; filename="tiktok-terms-of-service-history.json"` ||
		len(h.Versions) != 22 || len(h.Changes) != 21 || h.Source.ID != id || h.Versions[9].SHA256 != version(t, id, 10).SHA256 {
		t.Errorf("history.json: %s, %d versions, %d changes", res.Header.Get("Content-Disposition"), len(h.Versions), len(h.Changes))
	}

	// Every version is cited: imported, so confirmed by the dataset, with
	// its attribution and the file it came from.
	if c := h.Versions[9].Citation; c == nil || c.ConfirmedBy != cite.ByDataset || !c.UntilNext || c.Followed ||
		c.Attribution != "Open Terms Archive contributors, ODC-BY 1.0" || c.OriginRef != "ota-tiktok/TikTok/Terms of Service/2023-05-05T00-42-06Z.md" ||
		c.LastConfirmed == nil || *c.LastConfirmed != "2023-08-07T00:45:31Z" || c.UnfollowedSince == nil || !strings.HasPrefix(*c.UnfollowedSince, "2026-07-23") {
		t.Errorf("history.json: citation of version 10 %+v", c)
	}
	if h.Attribution != "Open Terms Archive contributors, ODC-BY 1.0" || !strings.HasPrefix(h.Following, "no longer followed since 2026-07-23") {
		t.Errorf("history.json: attribution %q, following %q", h.Attribution, h.Following)
	}

	res, body = get(t, shared.h, "/sources/"+id+"/history.csv")
	lines := strings.Split(strings.TrimSpace(body), "\n")
	if res.Header.Get("Content-Type") != "text/csv; charset=utf-8" || len(lines) != 23 ||
		!strings.HasPrefix(lines[0], "source,seq,first_seen,last_seen,sha256") || !strings.Contains(lines[3], "moderation: ") {
		t.Errorf("history.csv: %s, %d lines:\n%s", res.Header.Get("Content-Type"), len(lines), body)
	}
	if !strings.HasSuffix(lines[0], ",document_url,confirmed_by,attribution,citation") ||
		!strings.Contains(lines[10], ",dataset,\"Open Terms Archive contributors, ODC-BY 1.0\",\"TikTok Terms of Service, version 10, first seen 2023-05-05 00:42 UTC, last confirmed 2023-08-07 00:45 UTC by Open Terms Archive") {
		t.Errorf("history.csv: no citation columns:\n%s\n%s", lines[0], lines[10])
	}

	body = page(t, "/sources/"+id+"/history.md", http.StatusOK)
	mustContain(t, "history.md", body, "# TikTok Terms of Service: history", "| 9 | 2023-04-13 06:43 UTC | 2023-05-05 00:42 UTC | 4792 | cosmetic: +0 −1 |",
		"Tracker never fetched this document: its versions were imported from Open Terms Archive: no longer followed since 2026-07-23 00:56 UTC.",
		"Versions imported from Open Terms Archive (their origin reference below): Open Terms Archive contributors, ODC-BY 1.0.",
		"| Open Terms Archive (next version recorded) | import: ota-tiktok/TikTok/Terms of Service/2023-04-13T06-43-30Z.md |")

	for _, ext := range []string{"md", "csv"} {
		body = page(t, "/sources/"+id+"/diff."+ext+"?from=2&to=3", http.StatusOK)
		golden(t, "diff-tos-2-3."+ext, body)
	}
	body = page(t, "/sources/"+id+"/diff.json?from=8&to=9", http.StatusOK)
	var d struct {
		From, To struct{ Seq int }
		Hunks    []json.RawMessage
	}
	if err := json.Unmarshal([]byte(body), &d); err != nil || d.From.Seq != 8 || d.To.Seq != 9 || len(d.Hunks) != 1 {
		t.Errorf("diff.json: %+v, %v", d, err)
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from its golden file (go test -update rewrites it):\n%s", name, got)
	}
}

func TestAPI(t *testing.T) {
	for _, tc := range []struct {
		path   string
		status int
		check  func(t *testing.T, v any)
	}{
		{"/api/sources", 200, func(t *testing.T, v any) {
			list := v.([]any)
			if len(list) != 4 || list[0].(map[string]any)["id"] != "federal-register-ftc" {
				t.Errorf("sources: %v", v)
			}
		}},
		{"/api/sources/tiktok-terms-of-service/history", 200, func(t *testing.T, v any) {
			if vs := v.([]any); len(vs) != 22 || vs[0].(map[string]any)["provenance"] != "import" {
				t.Errorf("history: %d versions", len(vs))
			}
		}},
		{"/api/sources/tiktok-terms-of-service/show?at=2023-06-01", 200, func(t *testing.T, v any) {
			m := v.(map[string]any)
			if m["seq"] != 10.0 || !strings.HasPrefix(m["text"].(string), "EEA/UK/CH\nTerms of Service") {
				t.Errorf("show: seq %v", m["seq"])
			}
		}},
		{"/api/sources/tiktok-terms-of-service/diff?from=8&to=9", 200, func(t *testing.T, v any) {
			if m := v.(map[string]any); m["words_removed"] != 1.0 || m["importance"] != "cosmetic" || m["artefact"] != "chrome" {
				t.Errorf("diff: %v", m)
			}
		}},
		{"/api/changes?source=tiktok-terms-of-service&min-importance=major&since=2023-01-01", 200, func(t *testing.T, v any) {
			for _, c := range v.([]any) {
				if m := c.(map[string]any); m["importance"] != "major" || m["detected_at"].(string) < "2023" {
					t.Errorf("change %v", m)
				}
			}
		}},
		{"/api/items?topic=privacy&all=1", 200, func(t *testing.T, v any) {
			if len(v.([]any)) == 0 {
				t.Error("no privacy item")
			}
		}},
		{"/api/search?q=personal+data&source=tiktok-privacy-policy", 200, func(t *testing.T, v any) {
			if len(v.([]any)) == 0 || v.([]any)[0].(map[string]any)["kind"] != "document" {
				t.Error("no document hit")
			}
		}},
		// fts=0 is no, as it reads: a phrase, not query syntax.
		{"/api/search?q=data+personal&fts=0&source=tiktok-privacy-policy", 200, func(t *testing.T, v any) {
			if len(v.([]any)) != 0 {
				t.Errorf("fts=0 searched with query syntax: %d hits for the phrase 'data personal'", len(v.([]any)))
			}
		}},
		{"/api/search?q=data+personal&fts=1&source=tiktok-privacy-policy", 200, func(t *testing.T, v any) {
			if len(v.([]any)) == 0 {
				t.Error("fts=1: no hit for data AND personal")
			}
		}},
		{"/api/search?q=data&fts=maybe", 400, nil},
		{"/api/search?q=%00", 400, nil},
		{"/api/search?q=data+AND+(&fts=1", 400, nil},
		{"/api/changes?technical=perhaps", 400, nil},
		{"/api/sources/nope/history", 404, nil},
		{"/api/changes?min-importance=huge", 400, nil},
		{"/api/search", 400, nil},
		{"/api/nothing", 404, nil},
	} {
		res, body := get(t, shared.h, tc.path)
		var v any
		if err := json.Unmarshal([]byte(body), &v); err != nil || res.StatusCode != tc.status ||
			res.Header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Errorf("GET %s: %d %s, %v\n%s", tc.path, res.StatusCode, res.Header.Get("Content-Type"), err, body)
			continue
		}
		if tc.status != 200 {
			if m, ok := v.(map[string]any); !ok || m["error"] == "" {
				t.Errorf("GET %s: error %v", tc.path, v)
			}
			continue
		}
		tc.check(t, v)
	}
}

// TestHostileTextIsInert stores a version whose text holds markup, as a
// compromised or malicious page would give, and checks that every page shows
// it as text.
func TestHostileTextIsInert(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t)
	if err := db.UpsertSource(ctx, store.SourceInfo{ID: "evil", Kind: "page", Name: `Evil <b onmouseover=alert(3)>Corp</b>`, URL: "javascript:alert(4)"}); err != nil {
		t.Fatal(err)
	}
	texts := []string{
		"# Terms\n\nWe keep your data safe.\n",
		"# Terms\n\nWe keep your data <script>alert(1)</script> safe.\n\n<img src=x onerror=alert(2)> and <a href=\"javascript:alert(5)\">click</a>\n",
	}
	for i, text := range texts {
		if _, _, err := db.AddVersion(ctx, store.NewVersion{SourceID: "evil", Text: text, At: time.Date(2026, 1, 1+i, 0, 0, 0, 0, time.UTC),
			ExpectSeq: i, Provenance: tracker.ProvenanceImport, Change: &tracker.Change{Importance: "minor"}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.UpsertSource(ctx, store.SourceInfo{ID: "evil-feed", Kind: "feed", Name: "Evil feed"}); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveFeedFetch(ctx, store.FeedFetch{SourceID: "evil-feed", At: now, New: []tracker.Item{{
		Key: "k", Title: `Data <script>alert(6)</script> rules`, Link: "javascript:alert(7)", Text: `<img src=x onerror=alert(8)> data`,
		Hash: "h", FirstSeen: now, Published: now, Kept: true}}}); err != nil {
		t.Fatal(err)
	}
	h := web.New(web.Options{DB: db, Now: func() time.Time { return now }})
	for _, path := range []string{"/", "/sources/evil", "/sources/evil/versions/2", "/sources/evil/diff", "/sources/evil/diff?view=side",
		"/search?q=data", "/search?q=script", "/items"} {
		res, body := get(t, h, path)
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d\n%s", path, res.StatusCode, body)
			continue
		}
		for _, bad := range liveMarkup(t, body) {
			t.Errorf("GET %s: %s", path, bad)
		}
	}
	// What the reader types comes back escaped too, on errors included.
	for _, path := range []string{"/search?q=%22%3E%3Cscript%3Ealert(9)%3C%2Fscript%3E", "/%3Cscript%3Ealert(10)%3C/script%3E",
		"/sources/%3Cimg%20src=x%20onerror=alert(11)%3E", "/sources/evil/diff?from=%3Cscript%3E", "/items?since=%3Cscript%3E"} {
		_, body := get(t, h, path)
		for _, bad := range liveMarkup(t, body) {
			t.Errorf("GET %s: %s", path, bad)
		}
	}
	// In Markdown, outside the fenced diff, no character may open a tag.
	for _, path := range []string{"/sources/evil/history.md", "/sources/evil/diff.md"} {
		_, body := get(t, h, path)
		if i := strings.Index(body, "```"); i >= 0 {
			body = body[:i]
		}
		if m := regexp.MustCompile(`(^|[^\\])<|javascript:`).FindString(body); m != "" {
			t.Errorf("GET %s: %q unescaped in\n%s", path, m, body)
		}
	}
	_, body := get(t, h, "/sources/evil/versions/2")
	mustContain(t, "version page", body, "&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(2)&gt;", "Evil &lt;b onmouseover=alert(3)&gt;Corp&lt;/b&gt;")
	_, body = get(t, h, "/sources/evil/diff")
	mustContain(t, "diff page", body, "<ins>&lt;script&gt;alert(1)&lt;/script&gt;</ins>")
	_, body = get(t, h, "/search?q=script")
	mustContain(t, "search page", body, "&lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt;")

	// The diff page written to a file, as tracker diff --format html does.
	standalone := writeDiffPage(t, web.Options{DB: db}, "evil", 1, 2)
	for _, bad := range liveMarkup(t, standalone) {
		t.Errorf("standalone diff page: %s", bad)
	}
	mustContain(t, "standalone diff page", standalone, "<ins>&lt;script&gt;alert(1)&lt;/script&gt;</ins>", "Evil &lt;b onmouseover=alert(3)&gt;Corp&lt;/b&gt;")
}

// writeDiffPage writes the standalone diff page of two versions of a source.
func writeDiffPage(t *testing.T, o web.Options, id string, from, to int) string {
	t.Helper()
	ctx := context.Background()
	var texts [2]string
	var vs [2]tracker.Version
	for i, seq := range []int{from, to} {
		v, err := o.DB.Version(ctx, id, seq)
		if err != nil {
			t.Fatal(err)
		}
		if texts[i], err = o.DB.Text(ctx, v); err != nil {
			t.Fatal(err)
		}
		vs[i] = v
	}
	tax, err := topics.Compile(topics.Defaults(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := web.WriteDiffPage(ctx, &b, o, id, vs[0], vs[1], changes.Analyze(texts[0], texts[1], tax)); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// The diff page as a file: what the served page says, with its style sheet
// inline and nothing that needs the server.
func TestStandaloneDiffPage(t *testing.T) {
	body := writeDiffPage(t, web.Options{DB: shared.db, Config: shared.cfg, Taxonomy: shared.tax}, "tiktok-terms-of-service", 8, 9)
	mustContain(t, "standalone diff page", body,
		"<!DOCTYPE html>", "<title>TikTok Terms of Service: version 8 → 9 · tracker</title>",
		"<h1>TikTok Terms of Service: version 8 → 9</h1>",
		"<del>TikTok</del> Terms of Service", "0 words added, 1 removed",
		"<strong>Before:</strong> version 8, first seen 2022-12-15 06:42 UTC", version(t, "tiktok-terms-of-service", 9).SHA256,
		"<style>\n/* tracker's only style sheet", "ins{")
	for _, server := range []string{"<a ", "<form", "<link", "/static/", "<nav"} {
		if strings.Contains(body, server) {
			t.Errorf("the standalone page holds %q, which needs the server:\n%s", server, body)
		}
	}
	if _, err := html.Parse(strings.NewReader(body)); err != nil {
		t.Error(err)
	}
	body = writeDiffPage(t, web.Options{DB: shared.db}, "tiktok-terms-of-service", 2, 3)
	mustContain(t, "standalone diff page", body, "<strong>moderation</strong>: &#34;violates our Community Guidelines&#34;")
}

func TestAccess(t *testing.T) {
	const token = "0123456789abcdef-secret"
	h := web.New(web.Options{DB: shared.db, Access: web.Access{Token: token}})
	if res, body := get(t, h, "/api/sources"); res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "?token=") ||
		!strings.HasPrefix(body, `{`) || !strings.Contains(body, `"error"`) {
		t.Errorf("no token: %d %s", res.StatusCode, body)
	}
	if res, _ := get(t, h, "/api/sources", "Authorization", "Bearer "+token); res.StatusCode != http.StatusOK {
		t.Errorf("bearer token: %d", res.StatusCode)
	}
	if res, _ := get(t, h, "/api/sources", "Authorization", "Bearer nope"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong bearer token: %d", res.StatusCode)
	}
	// The token in the address becomes a cookie, and the address loses it.
	res, _ := get(t, h, "/search?q=refund&token="+token)
	cookies := res.Cookies()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/search?q=refund" || len(cookies) != 1 ||
		!cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteStrictMode || cookies[0].Path != "/" {
		t.Fatalf("token in the URL: %d to %q, cookies %+v", res.StatusCode, res.Header.Get("Location"), cookies)
	}
	if res, _ := get(t, h, "/search?q=refund", "Cookie", cookies[0].String()); res.StatusCode != http.StatusOK {
		t.Errorf("with the cookie: %d", res.StatusCode)
	}
	// The clean address stays on this site.
	for _, path := range []string{"//evil.example/?token=" + token, "/%2F%2Fevil.example/?token=" + token, "/%5Cevil.example?token=" + token} {
		res, _ := get(t, h, path)
		if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, `/\`) {
			t.Errorf("GET %s redirects to %q", path, loc)
		}
	}
	res, _ = get(t, h, "/?token="+token, "X-Forwarded-Proto", "https")
	if c := res.Cookies(); len(c) != 1 || !c[0].Secure {
		t.Errorf("behind a TLS proxy the cookie must be Secure: %+v", c)
	}
	if res, _ := get(t, h, "/?token=wrong"); res.StatusCode != http.StatusUnauthorized || len(res.Cookies()) != 0 {
		t.Errorf("wrong token in the URL: %d, cookies %v", res.StatusCode, res.Cookies())
	}
	if res, _ := get(t, h, "/", "Cookie", tokenCookie+"=wrong"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong cookie: %d", res.StatusCode)
	}
	// Refusals carry the security headers too.
	if res, _ := get(t, h, "/"); res.Header.Get("Content-Security-Policy") == "" {
		t.Error("401 without the security headers")
	}

	basic := web.New(web.Options{DB: shared.db, Access: web.Access{User: "counsel", Password: "correct horse"}})
	res, _ = get(t, basic, "/")
	if res.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Basic ") {
		t.Errorf("basic, no credentials: %d %q", res.StatusCode, res.Header.Get("WWW-Authenticate"))
	}
	for _, tc := range []struct {
		user, pass string
		want       int
	}{{"counsel", "correct horse", 200}, {"counsel", "wrong", 401}, {"other", "correct horse", 401}} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.SetBasicAuth(tc.user, tc.pass)
		rec := httptest.NewRecorder()
		basic.ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("basic %s/%s: %d, want %d", tc.user, tc.pass, rec.Code, tc.want)
		}
	}
}

const tokenCookie = "tracker_token"

// liveMarkup parses a page as a browser would and reports what could run:
// script, image or bold elements (none of the pages has any), event-handler
// attributes and javascript: links.
func liveMarkup(t *testing.T, page string) []string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var bad []string
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		switch n.Data {
		case "script", "img", "b", "iframe", "object", "embed":
			bad = append(bad, "a live <"+n.Data+"> element")
		}
		for _, a := range n.Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") {
				bad = append(bad, "an event handler "+a.Key+"="+a.Val)
			}
			if (a.Key == "href" || a.Key == "src") && strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
				bad = append(bad, "a javascript: link")
			}
		}
	}
	return bad
}

func TestAccessFromEnvAndListen(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		env     map[string]string
		wantErr string
		enabled bool
	}{
		{map[string]string{}, "", false},
		{map[string]string{web.EnvToken: "0123456789abcdef"}, "", true},
		{map[string]string{web.EnvToken: "short"}, "too short", false},
		{map[string]string{web.EnvUser: "counsel"}, "TRACKER_WEB_PASSWORD", false},
		{map[string]string{web.EnvUser: "counsel", web.EnvPassword: "pw"}, "", true},
	} {
		a, err := web.AccessFromEnv(env(tc.env))
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%v: error %v, want %q", tc.env, err, tc.wantErr)
			}
			continue
		}
		if err != nil || a.Enabled() != tc.enabled {
			t.Errorf("%v: %v, enabled %v", tc.env, err, a.Enabled())
		}
	}
	for _, tc := range []struct {
		addr string
		ok   bool
	}{{"127.0.0.1:8080", true}, {"localhost:80", true}, {"[::1]:8080", true}, {":8080", false}, {"0.0.0.0:8080", false},
		{"192.168.1.5:8080", false}, {"tracker.example.org:443", false}} {
		err := web.CheckListen(tc.addr, web.Access{})
		if (err == nil) != tc.ok {
			t.Errorf("listen %s without access control: %v", tc.addr, err)
		}
		if err != nil && !strings.Contains(err.Error(), web.EnvToken) {
			t.Errorf("the refusal must say how to set a token: %v", err)
		}
		if err := web.CheckListen(tc.addr, web.Access{Token: "0123456789abcdef"}); err != nil {
			t.Errorf("listen %s with a token: %v", tc.addr, err)
		}
	}
}

// The links that digests use lead to the pages.
func TestURLBuilders(t *testing.T) {
	for _, path := range []string{
		links.SourceURL("", "tiktok-terms-of-service"),
		links.VersionURL("", "tiktok-terms-of-service", 3),
		links.DiffURL("", "tiktok-terms-of-service", 8, 9),
		links.SearchURL("", "personal data"),
	} {
		page(t, path, http.StatusOK)
	}
	if res, _ := get(t, shared.h, links.AtURL("", "tiktok-terms-of-service", "2023-06-01")); res.StatusCode != http.StatusFound {
		t.Errorf("AtURL: %d", res.StatusCode)
	}
}
