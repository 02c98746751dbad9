package sources

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"tracker"
	"tracker/internal/config"
	"tracker/internal/replaytest"
	"tracker/internal/sources/fetch"
	"tracker/internal/sources/page"
	"tracker/internal/sources/render"
	"tracker/internal/store"
)

// combinedConfig declares one document made of the pages /p1, /p2 and /p3
// of url.
func combinedConfig(t *testing.T, url, extra string) *config.Config {
	return mustConfig(t, fmt.Sprintf(`settings: {retries: 0, host_delay: 0s}
sources:
  - id: doc
    kind: page
    select: '[data-testid=policy-card]'
    remove: [.language-selection]
%[2]s    pages:
      - url: '%[1]s/p1'
      - url: '%[1]s/p2'
      - url: '%[1]s/p3'
`, url, extra))
}

func versionText(t *testing.T, c *Checker, v tracker.Version) string {
	t.Helper()
	text, err := c.DB.Text(context.Background(), v)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// pageText is the text of md served as a TikTok-like page, extracted alone.
func pageText(t *testing.T, md []byte) string {
	t.Helper()
	x, err := page.Compile(page.Rules{Select: []string{"[data-testid=policy-card]"}, Remove: []string{".language-selection"}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := x.Extract(replaytest.Page(md, rand.New(rand.NewPCG(1, 1))), "text/html; charset=utf-8")
	if err != nil {
		t.Fatal(err)
	}
	return p.Text
}

// firstLine is the first line of a Markdown document's text, to find it in
// a combined version.
func firstLine(t *testing.T, md []byte) string {
	t.Helper()
	for _, l := range strings.Split(string(md), "\n") {
		if l = strings.Trim(l, "#*_ "); len(l) > 20 {
			return l
		}
	}
	t.Fatal("no line of text")
	return ""
}

func TestCombinedDocument(t *testing.T) {
	terms := replaytest.History(t, "Terms of Service")
	privacy := replaytest.History(t, "Privacy Policy")
	copyright := replaytest.History(t, "Copyright Claims Policy")
	srv := replaytest.NewServer()
	defer srv.Close()
	srv.Handle("/p1", replaytest.Document(terms[len(terms)-1].Markdown, 1))
	srv.Handle("/p2", replaytest.Document(privacy[0].Markdown, 2))
	srv.Handle("/p3", replaytest.Document(copyright[len(copyright)-1].Markdown, 3))
	c := newChecker(t, combinedConfig(t, srv.URL, ""))
	ctx := context.Background()

	r := checkOne(t, c, "doc")
	if r.Outcome != New || r.Version.Seq != 1 {
		t.Fatalf("first check: %+v", r)
	}
	want := pageText(t, terms[len(terms)-1].Markdown) + "\n" + pageText(t, privacy[0].Markdown) + "\n" + pageText(t, copyright[len(copyright)-1].Markdown)
	if got := versionText(t, c, r.Version); got != want {
		t.Errorf("the version is not the three pages' texts in order:\n%.500s", got)
	}
	if r := checkOne(t, c, "doc"); r.Outcome != Unchanged || r.Version.Seq != 1 {
		t.Fatalf("second check, every page's noise changed: %+v, want unchanged", r)
	}

	// One page changes: one new version of the document, with its change.
	srv.Handle("/p2", replaytest.Document(privacy[len(privacy)-1].Markdown, 4))
	r = checkOne(t, c, "doc")
	if r.Outcome != New || r.Version.Seq != 2 || r.Change == nil || r.Change.WordsAdded+r.Change.WordsRemoved == 0 {
		t.Fatalf("check after page 2 changed: %+v, want version 2 with its change", r)
	}
	if !strings.Contains(versionText(t, c, r.Version), "Welcome to TikTok") {
		t.Error("version 2 lost page 1")
	}

	// A failing page fails the document, naming the page: no version.
	for _, tc := range []struct {
		name, path string
		h          http.HandlerFunc
		kind       tracker.FailureKind
		says       string
	}{
		{"gone", "/p3", replaytest.Static(http.StatusNotFound, []byte("<html><body>Not found</body></html>")), "http", "page 3 of 3 (" + srv.URL + "/p3): HTTP 404"},
		{"redesigned", "/p2", replaytest.Static(http.StatusOK, replaytest.Redesigned), "selector", "page 2 of 3 (" + srv.URL + "/p2): selector"},
		{"blocked", "/p1", replaytest.Static(http.StatusForbidden, replaytest.AccessDenied), "blocked", "page 1 of 3 (" + srv.URL + "/p1): HTTP 403"},
		{"placeholder", "/p3", replaytest.Static(http.StatusOK, []byte(`<html><body><div data-testid="policy-card"><p>Coming soon.</p></div></body></html>`)), "too-short", "page 3 of 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := map[string]http.HandlerFunc{
				"/p1": replaytest.Document(terms[len(terms)-1].Markdown, 1),
				"/p2": replaytest.Document(privacy[len(privacy)-1].Markdown, 4),
				"/p3": replaytest.Document(copyright[len(copyright)-1].Markdown, 3),
			}[tc.path]
			srv.Handle(tc.path, tc.h)
			defer srv.Handle(tc.path, old)
			r := checkOne(t, c, "doc")
			if r.Outcome != Failed || r.Kind != tc.kind || !strings.Contains(r.Err.Error(), tc.says) {
				t.Fatalf("%s %q %v; want a %s failure saying %q", r.Outcome, r.Kind, r.Err, tc.kind, tc.says)
			}
			st, _ := c.DB.Source(ctx, "doc")
			if st.Versions != 2 || st.ErrorKind != tc.kind || !strings.Contains(st.Error, tc.says) {
				t.Errorf("source after the failure: %+v", st)
			}
		})
	}
	if r := checkOne(t, c, "doc"); r.Outcome != Unchanged || r.Version.Seq != 2 {
		t.Fatalf("check after the pages recovered: %+v, want unchanged", r)
	}

	// New rules: the stored pages are read again under them, into a
	// technical version, by rebuild as by the next check.
	src := c.Config.Source("doc")
	src.Remove = append(src.Remove, "h2")
	v, err := c.Rebuild(ctx, src)
	if err != nil || v.Seq != 3 || !v.Technical || v.Provenance != tracker.ProvenanceRebuild {
		t.Fatalf("rebuild after the rules changed: %+v %v, want technical version 3", v, err)
	}
	if chs, _ := c.DB.Changes(ctx, store.ChangeFilter{}); len(chs) != 1 {
		t.Errorf("%d changes of the document, want 1: the rebuild is technical", len(chs))
	}
	if r := checkOne(t, c, "doc"); r.Outcome != Unchanged || r.Version.Seq != 3 {
		t.Fatalf("check after the rebuild: %+v, want unchanged against version 3", r)
	}
	src.Pages[1].Select = config.StringList{"[data-testid=policy-card] p"}
	if r := checkOne(t, c, "doc"); r.Outcome != Unchanged || r.Version.Seq != 4 || !r.Version.Technical {
		t.Fatalf("check after page 2's own rules changed: %+v, want unchanged against technical version 4", r)
	}
}

// conditional answers 304 to a request that carries the current etag of
// its page, counting both kinds of answers.
type conditional struct {
	mu     sync.Mutex
	etags  map[string]string
	bodies map[string][]byte
	full   int
	not    int
}

func (s *conditional) set(path, etag string, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.etags[path], s.bodies[path] = etag, body
}

func (s *conditional) counts() (full, not int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	full, not = s.full, s.not
	s.full, s.not = 0, 0
	return full, not
}

func (s *conditional) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	etag := s.etags[r.URL.Path]
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		s.not++
		w.WriteHeader(http.StatusNotModified)
		return
	}
	s.full++
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(s.bodies[r.URL.Path])
}

// A document is not modified only when every page answers 304; when one
// page changed, the pages that answered 304 are their stored selves.
func TestCombinedConditionalRequests(t *testing.T) {
	terms := replaytest.History(t, "Terms of Service")
	rnd := rand.New(rand.NewPCG(1, 2))
	s := &conditional{etags: map[string]string{}, bodies: map[string][]byte{}}
	for i, p := range []string{"/p1", "/p2", "/p3"} {
		s.set(p, fmt.Sprintf(`"%d"`, i), replaytest.Page(terms[i*5].Markdown, rnd))
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c := newChecker(t, combinedConfig(t, srv.URL, ""))

	if r := checkOne(t, c, "doc"); r.Outcome != New {
		t.Fatalf("first check: %+v", r)
	}
	if full, not := s.counts(); full != 3 || not != 0 {
		t.Errorf("first check: %d full answers and %d 304s, want 3 and 0", full, not)
	}
	if r := checkOne(t, c, "doc"); r.Outcome != NotModified || r.Version.Seq != 1 {
		t.Fatalf("second check: %+v, want not-modified", r)
	}
	if full, not := s.counts(); full != 0 || not != 3 {
		t.Errorf("second check: %d full answers and %d 304s, want every page conditional", full, not)
	}
	s.set("/p2", `"changed"`, replaytest.Page(terms[len(terms)-1].Markdown, rnd))
	r := checkOne(t, c, "doc")
	if r.Outcome != New || r.Version.Seq != 2 {
		t.Fatalf("check after page 2 changed: %+v, want version 2", r)
	}
	if full, not := s.counts(); full != 1 || not != 2 {
		t.Errorf("check after page 2 changed: %d full answers and %d 304s, want 1 and 2", full, not)
	}
	text := versionText(t, c, r.Version)
	for _, md := range [][]byte{terms[0].Markdown, terms[len(terms)-1].Markdown, terms[10].Markdown} {
		if !strings.Contains(text, firstLine(t, md)) {
			t.Errorf("version 2 lacks %q: a page that answered 304 must be its stored self", firstLine(t, md))
		}
	}
	if r := checkOne(t, c, "doc"); r.Outcome != NotModified || r.Version.Seq != 2 {
		t.Fatalf("check after that: %+v, want not-modified", r)
	}
	s.counts()
	// After a failure, every page is fetched in full again.
	if err := c.DB.RecordFailure(context.Background(), store.Failure{SourceID: "doc", At: time.Now(), Kind: "http", Reason: "HTTP 503"}); err != nil {
		t.Fatal(err)
	}
	if r := checkOne(t, c, "doc"); r.Outcome != Unchanged {
		t.Fatalf("check after a failure: %+v, want unchanged", r)
	}
	if full, not := s.counts(); full != 3 || not != 0 {
		t.Errorf("check after a failure: %d full answers and %d 304s, want 3 and 0", full, not)
	}
}

// pagesRenderer renders each address as the page it is given, recording
// requests.
type pagesRenderer struct {
	mu    sync.Mutex
	reqs  []render.Request
	pages map[string]string
}

func (f *pagesRenderer) Render(ctx context.Context, req render.Request) (*render.Page, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, req)
	html, ok := f.pages[req.URL]
	if !ok {
		return &render.Page{URL: req.URL, Status: http.StatusNotFound, HTML: []byte("<html><body>Not found</body></html>")}, nil
	}
	return &render.Page{URL: req.URL, Status: http.StatusOK, HTML: []byte(html), Found: true}, nil
}

func (f *pagesRenderer) Close() error { return nil }

// Each page of a rendered document is rendered with its own selector, with
// the politeness of fetches; a page with render: none is fetched.
func TestCombinedRenderedPages(t *testing.T) {
	terms := replaytest.History(t, "Terms of Service")
	srv := replaytest.NewServer()
	defer srv.Close()
	srv.Handle("/plain", replaytest.Document(terms[3].Markdown, 1))
	cfg := mustConfig(t, fmt.Sprintf(`settings: {retries: 0, host_delay: 1h}
sources:
  - id: guidelines
    kind: page
    render: browser
    select: main
    pages:
      - {url: 'http://127.0.0.1:1/a'}
      - {url: 'http://127.0.0.1:1/b', select: article}
      - {url: '%s/plain', render: none, select: '[data-testid=policy-card]', remove: [.language-selection]}
`, srv.URL))
	c := newChecker(t, cfg)
	var mu sync.Mutex
	pauses := 0
	c.Fetcher = fetch.New(fetch.Options{HostDelay: time.Hour, Sleep: func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		pauses++
		mu.Unlock()
		return nil
	}})
	f := &pagesRenderer{pages: map[string]string{
		"http://127.0.0.1:1/a": "<html><body><main>" + string(terms[0].Markdown) + "</main></body></html>",
		"http://127.0.0.1:1/b": "<html><body><article>" + string(terms[1].Markdown) + "</article></body></html>",
	}}
	c.Renderer = f
	r := checkOne(t, c, "guidelines")
	if r.Outcome != New {
		t.Fatalf("%+v", r)
	}
	if len(f.reqs) != 2 || f.reqs[0].WaitFor[0] != "main" || f.reqs[1].WaitFor[0] != "article" {
		t.Errorf("render requests %+v: want pages a and b, each awaiting its own selector", f.reqs)
	}
	if pauses != 1 {
		t.Errorf("%d polite pauses between the two rendered pages of one host, want 1", pauses)
	}
	if srv.Hits("/plain") != 1 {
		t.Errorf("the page with render: none was fetched %d times, want 1", srv.Hits("/plain"))
	}
	snap, err := c.DB.Snapshot(context.Background(), r.Version.SnapshotID)
	if err != nil {
		t.Fatal(err)
	}
	pages, err := unpackPages(snap)
	if err != nil || len(pages) != 3 || pages["http://127.0.0.1:1/a"].headers["X-Rendered-By"] != "browser" ||
		string(pages["http://127.0.0.1:1/b"].body) != f.pages["http://127.0.0.1:1/b"] || pages[srv.URL+"/plain"].status != 200 {
		t.Errorf("combined snapshot: %v %v", pages, err)
	}
	delete(f.pages, "http://127.0.0.1:1/b")
	if r := checkOne(t, c, "guidelines"); r.Outcome != Failed || r.Kind != "http" || !strings.Contains(r.Err.Error(), "page 2 of 3 (http://127.0.0.1:1/b): HTTP 404") {
		t.Errorf("a rendered page answering 404: %+v", r)
	}
}

// The same in a real browser: pages whose text a script inserts.
func TestCombinedRenderedInBrowser(t *testing.T) {
	needBrowser(t)
	privacy := replaytest.History(t, "Privacy Policy")
	srv := replaytest.NewServer()
	defer srv.Close()
	srv.Handle("/one", replaytest.Scripted(privacy[0].Markdown))
	srv.Handle("/two", replaytest.Scripted(privacy[len(privacy)-1].Markdown))
	cfg := mustConfig(t, fmt.Sprintf(`settings: {retries: 0, host_delay: 0s}
sources:
  - id: doc
    kind: page
    render: browser
    select: '[data-testid=policy-card]'
    pages: [{url: '%[1]s/one'}, {url: '%[1]s/two'}]
`, srv.URL))
	c := newChecker(t, cfg)
	closeChecker(t, c)
	r := checkOne(t, c, "doc")
	if r.Outcome != New {
		t.Fatalf("%+v", r)
	}
	text := versionText(t, c, r.Version)
	if strings.Count(text, "Privacy Policy") < 2 || strings.Contains(text, "Loading") {
		t.Errorf("the version does not hold both rendered pages:\n%.300s", text)
	}
	if r := checkOne(t, c, "doc"); r.Outcome != Unchanged {
		t.Errorf("second check: %+v, want unchanged", r)
	}
}
