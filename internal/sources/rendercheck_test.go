package sources

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"tracker"
	"tracker/internal/replaytest"
	"tracker/internal/sources/fetch"
	"tracker/internal/sources/render"
)

// needBrowser skips a test when no Chromium is installed, except in CI,
// where the browser tests must run.
func needBrowser(tb testing.TB) {
	tb.Helper()
	if _, err := render.LookBrowser(""); err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("CI must run the browser tests: %v (.ci/run installs it)", err)
		}
		tb.Skipf("skipping the browser test: %v", err)
	}
}

// closeChecker closes c at the end of the test, checking that it stopped
// its browser and removed its files.
func closeChecker(t *testing.T, c *Checker) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where the browser's profile and Chromium's own files go
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Error(err)
		}
		if r, ok := c.Renderer.(*render.Renderer); ok && r.Running() != 0 {
			t.Errorf("%d browsers still run after Close", r.Running())
		}
		if left, _ := os.ReadDir(tmp); len(left) > 0 {
			t.Errorf("the browser left files behind: %v", left)
		}
	})
}

// fakeRenderer answers every page with the same HTML, recording requests.
type fakeRenderer struct {
	mu   sync.Mutex
	reqs []render.Request
	html string
	err  error
}

func (f *fakeRenderer) Render(ctx context.Context, req render.Request) (*render.Page, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, req)
	if f.err != nil {
		return nil, f.err
	}
	return &render.Page{URL: req.URL, Status: http.StatusOK, HTML: []byte(f.html), Found: true}, nil
}

func (f *fakeRenderer) Close() error { return nil }

// Rendered pages keep the politeness of fetched ones, get the source's
// selector, headers and timeout, and are stored as UTF-8 HTML snapshots.
func TestRenderedPagesArePolite(t *testing.T) {
	terms := replaytest.History(t, "Terms of Service")
	cfg := mustConfig(t, `settings: {retries: 0, host_delay: 1h, min_words: 10}
sources:
  - {id: a, kind: page, url: 'http://127.0.0.1:1/a', select: article, render: browser, headers: {Accept-Language: en}}
  - {id: b, kind: page, url: 'http://127.0.0.1:1/b', select: article, render: browser, timeout: 9s}
`)
	c := newChecker(t, cfg)
	var mu sync.Mutex
	var pauses []time.Duration
	c.Fetcher = fetch.New(fetch.Options{HostDelay: time.Hour, Sleep: func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		pauses = append(pauses, d)
		mu.Unlock()
		return nil
	}})
	f := &fakeRenderer{html: "<html><body><article>" + string(terms[0].Markdown) + "</article></body></html>"}
	c.Renderer = f
	rs, err := c.CheckAll(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.Outcome != New {
			t.Fatalf("%s: %+v", r.SourceID, r)
		}
	}
	if len(pauses) != 1 {
		t.Errorf("%d polite pauses between two rendered pages of one host, want 1", len(pauses))
	}
	a, b := f.reqs[0], f.reqs[1]
	if a.URL != "http://127.0.0.1:1/a" || a.WaitFor[0] != "article" || a.Header["Accept-Language"] != "en" || a.Timeout != 45*time.Second || b.Timeout != 9*time.Second {
		t.Errorf("render requests %+v %+v: want the source's url, selector, headers and timeout (render_timeout by default)", a, b)
	}
	snap, err := c.DB.Snapshot(context.Background(), rs[0].Version.SnapshotID)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Headers["Content-Type"] != "text/html; charset=utf-8" || snap.URL != "http://127.0.0.1:1/a" || string(snap.Body) != f.html {
		t.Errorf("snapshot %+v: want the rendered HTML as UTF-8 with the final URL", snap)
	}
}

func TestNoBrowserSaysHowToInstallAndWhoNeedsIt(t *testing.T) {
	srv := replaytest.NewServer()
	defer srv.Close()
	srv.Handle("/plain", replaytest.Document(replaytest.History(t, "Terms of Service")[0].Markdown, 1))
	cfg := mustConfig(t, fmt.Sprintf(`settings: {retries: 0, host_delay: 0s, browser: /nonexistent/chromium}
sources:
  - {id: plain, kind: page, url: '%[1]s/plain', select: '[data-testid=policy-card]'}
  - {id: privacy, kind: page, url: '%[1]s/p', select: article, render: browser}
  - {id: copyright, kind: page, url: '%[1]s/c', select: article, render: browser}
`, srv.URL))
	c := newChecker(t, cfg)
	closeChecker(t, c)
	rs, err := c.CheckAll(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Outcome != New {
		t.Errorf("the plain source: %+v; it needs no browser", rs[0])
	}
	for _, r := range rs[1:] {
		if r.Outcome != Failed || r.Kind != render.KindNoBrowser || !strings.Contains(r.Err.Error(), "apt-get install chromium") ||
			!strings.Contains(r.Err.Error(), "needed by sources privacy, copyright") {
			t.Errorf("%s: %s %v; want a no-browser failure saying how to install Chromium and which sources need it", r.SourceID, r.Kind, r.Err)
		}
	}
	st, err := c.DB.Source(context.Background(), "privacy")
	if err != nil || st.ErrorKind != render.KindNoBrowser {
		t.Errorf("the failure was not recorded on the source: %+v %v", st, err)
	}
}

// A page whose text a script inserts: a plain fetch fails with the hint to
// render it; rendered, it is recorded, and a change the script makes
// between two checks is one new version.
func TestRenderedSource(t *testing.T) {
	needBrowser(t)
	privacy := replaytest.History(t, "Privacy Policy")
	srv := replaytest.NewServer()
	defer srv.Close()
	srv.Handle("/privacy", replaytest.Scripted(privacy[0].Markdown))
	srv.Handle("/terms", replaytest.Document(replaytest.History(t, "Terms of Service")[0].Markdown, 1))
	sel := "'[data-testid=policy-card]'"
	cfg := mustConfig(t, fmt.Sprintf(`settings: {retries: 0, host_delay: 0s}
sources:
  - {id: plain, kind: page, url: '%[1]s/privacy', select: %[2]s}
  - {id: rendered, kind: page, url: '%[1]s/privacy', select: %[2]s, render: browser}
  - {id: terms, kind: page, url: '%[1]s/terms', select: %[2]s}
`, srv.URL, sel))
	c := newChecker(t, cfg)
	closeChecker(t, c)
	r := c.Renderer.(*render.Renderer)

	if res := checkOne(t, c, "terms"); res.Outcome != New || r.Running() != 0 {
		t.Fatalf("a plain source: %+v, %d browsers started; none is needed", res, r.Running())
	}
	res := checkOne(t, c, "plain")
	if res.Outcome != Failed || res.Kind != "selector" || !strings.Contains(res.Err.Error(), "it may need `render: browser`") {
		t.Fatalf("the page fetched without a browser: %+v, want a selector failure hinting at render: browser", res)
	}

	res = checkOne(t, c, "rendered")
	if res.Outcome != New || res.Version.Seq != 1 {
		t.Fatalf("first rendered check: %+v", res)
	}
	text, err := c.DB.Text(context.Background(), res.Version)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "Privacy Policy") || strings.Contains(text, "Loading") {
		t.Errorf("the version is not the document the script inserted:\n%.300s", text)
	}
	if res := checkOne(t, c, "rendered"); res.Outcome != Unchanged {
		t.Errorf("second check of the same page: %+v, want unchanged", res)
	}
	srv.Handle("/privacy", replaytest.Scripted(privacy[len(privacy)-1].Markdown))
	res = checkOne(t, c, "rendered")
	if res.Outcome != New || res.Version.Seq != 2 || res.Change == nil || res.Change.WordsAdded+res.Change.WordsRemoved == 0 {
		t.Fatalf("check after the script's text changed: %+v, want version 2 with its change", res)
	}
	if res := checkOne(t, c, "rendered"); res.Outcome != Unchanged {
		t.Errorf("check after that: %+v, want unchanged", res)
	}
	vs, err := c.DB.Versions(context.Background(), "rendered")
	if err != nil || len(vs) != 2 {
		t.Errorf("versions %+v %v, want exactly 2", vs, err)
	}
	if r.Running() != 1 {
		t.Errorf("%d browsers run, want the one shared across checks", r.Running())
	}
}

func TestRenderedFailures(t *testing.T) {
	needBrowser(t)
	srv := replaytest.NewServer()
	defer srv.Close()
	srv.Handle("/gone", replaytest.Static(http.StatusNotFound, []byte("<html><body><h1>Not found</h1></body></html>")))
	srv.Handle("/redesigned", replaytest.Static(http.StatusOK, replaytest.Redesigned))
	srv.Handle("/stuck", replaytest.Static(http.StatusOK, []byte(`<html><body><article>Terms</article><script>while (true) {}</script></body></html>`)))
	cfg := mustConfig(t, fmt.Sprintf(`settings: {retries: 0, host_delay: 0s}
sources:
  - {id: gone, kind: page, url: '%[1]s/gone', select: article, render: browser}
  - {id: redesigned, kind: page, url: '%[1]s/redesigned', select: article, render: browser, timeout: 8s}
  - {id: stuck, kind: page, url: '%[1]s/stuck', select: article, render: browser, timeout: 3s}
`, srv.URL))
	c := newChecker(t, cfg)
	closeChecker(t, c)
	for _, tc := range []struct {
		id   string
		kind tracker.FailureKind
		says string
	}{
		{"gone", "http", "HTTP 404"},
		{"redesigned", "selector", "after rendering it in a browser"},
		{"stuck", render.KindTimeout, "did not render within 3s"},
	} {
		t.Run(tc.id, func(t *testing.T) {
			res := checkOne(t, c, tc.id)
			if res.Outcome != Failed || res.Kind != tc.kind || !strings.Contains(res.Err.Error(), tc.says) {
				t.Fatalf("%+v, want a %s failure saying %q", res, tc.kind, tc.says)
			}
			var re *render.Error
			if tc.kind == render.KindTimeout && !errors.As(res.Err, &re) {
				t.Errorf("the timeout is not a render error: %v", res.Err)
			}
			if vs, _ := c.DB.Versions(context.Background(), tc.id); len(vs) != 0 {
				t.Errorf("a failure became a version: %+v", vs)
			}
		})
	}
}
