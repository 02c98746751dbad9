package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// needBrowser skips a test when no Chromium is installed, except in CI,
// where the browser tests must run.
func needBrowser(tb testing.TB) {
	tb.Helper()
	if _, err := LookBrowser(""); err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("CI must run the browser tests: %v (.ci/run installs it)", err)
		}
		tb.Skipf("skipping the browser test: %v", err)
	}
}

// newRenderer returns a Renderer whose profiles live in a directory of the
// test, closed (and checked to leave no process behind) at the end.
func newRenderer(t *testing.T, opt Options) (*Renderer, string) {
	t.Helper()
	needBrowser(t)
	dir := t.TempDir()
	opt.DataDir = dir
	// A loaded CI machine can take longer than the default 30s to start a
	// browser or open a tab; no test is about that bound.
	if opt.StartTimeout == 0 {
		opt.StartTimeout = 3 * time.Minute
	}
	t.Setenv("TMPDIR", dir) // where Chromium puts its own temporary files
	r := New(opt)
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Error(err)
		}
		if pids := leftovers(dir); len(pids) > 0 {
			t.Errorf("browser processes %v are still running after Close", pids)
		}
		if left, _ := os.ReadDir(dir); len(left) > 0 {
			t.Errorf("Close left files behind: %v", left)
		}
	})
	return r, dir
}

// leftovers lists the processes whose command line names dir: the browsers
// a test started, and their children.
func leftovers(dir string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && bytes.Contains(cmdline, []byte(dir)) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// current is the pid of the browser new pages go to, 0 if none.
func current(r *Renderer) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cur == nil {
		return 0
	}
	return r.cur.pid
}

// scripted is a page whose policy text a script inserts after load, the
// way JavaScript applications render theirs.
func scripted(text string, delay time.Duration) string {
	return fmt.Sprintf(`<!DOCTYPE html><html><head><title>Policy</title></head><body>
<div id="root"><p class="spinner">Loading…</p></div>
<script>
window.addEventListener("load", () => setTimeout(() => {
	document.getElementById("root").innerHTML = "<article><h1>Privacy Policy</h1><p>" + %q + "</p></article>";
}, %d));
</script>
</body></html>`, text, delay.Milliseconds())
}

func html(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body)
	}
}

func TestRenderWaitsForScriptedText(t *testing.T) {
	mux := http.NewServeMux()
	var lang atomic.Value
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/policy", http.StatusFound) })
	mux.HandleFunc("/policy", func(w http.ResponseWriter, r *http.Request) {
		lang.Store(r.Header.Get("Accept-Language") + " | " + r.Header.Get("User-Agent"))
		html(scripted("We collect what you give us.", 300*time.Millisecond))(w, r)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	r, _ := newRenderer(t, Options{UserAgent: "tracker/test"})
	if n := r.Running(); n != 0 {
		t.Fatalf("%d browsers run before the first page: none should start until needed", n)
	}

	p, err := r.Render(context.Background(), Request{URL: srv.URL + "/old", WaitFor: []string{"article"}, Header: map[string]string{"Accept-Language": "fr"}})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Found || !strings.Contains(string(p.HTML), "<p>We collect what you give us.</p>") || strings.Contains(string(p.HTML), "Loading…") {
		t.Errorf("the rendered page lacks the text the script inserts (found %v):\n%s", p.Found, p.HTML)
	}
	if p.URL != srv.URL+"/policy" || p.Status != http.StatusOK {
		t.Errorf("URL %s status %d, want the redirect's target with 200", p.URL, p.Status)
	}
	if got, _ := lang.Load().(string); !strings.HasPrefix(got, "fr | ") || !strings.HasSuffix(got, "tracker/test") || !strings.Contains(got, "Chrome/") {
		t.Errorf("the page was requested with %q, want the source's Accept-Language and the browser's User-Agent naming tracker", got)
	}

	// The same browser serves the next pages.
	pid := current(r)
	if _, err := r.Render(context.Background(), Request{URL: srv.URL + "/policy", WaitFor: []string{"article"}}); err != nil {
		t.Fatal(err)
	}
	if current(r) != pid || r.Running() != 1 {
		t.Errorf("a second page started another browser: one is shared across pages")
	}
}

func TestImagesMediaAndFontsAreNotLoaded(t *testing.T) {
	var mu sync.Mutex
	hits := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		switch r.URL.Path {
		case "/":
			html(`<!DOCTYPE html><html><head>
<style>@font-face { font-family: F; src: url(/font.woff2) format("woff2"); } body { font-family: F; }</style>
<script src="/app.js"></script></head><body>
<img src="/logo.png"><video src="/intro.mp4" autoplay muted></video>
<div style="background-image: url(/bg.jpg)">x</div>
<article><p>The terms.</p></article></body></html>`)(w, r)
		case "/app.js":
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, `document.addEventListener("DOMContentLoaded", () => { const i = new Image(); i.src = "/late.gif"; document.body.appendChild(i); });`)
		default:
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write(make([]byte, 1024))
		}
	}))
	defer srv.Close()
	r, _ := newRenderer(t, Options{})
	p, err := r.Render(context.Background(), Request{URL: srv.URL + "/", WaitFor: []string{"article"}})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if hits["/app.js"] != 1 || !strings.Contains(string(p.HTML), "/late.gif") {
		t.Fatalf("the page's script was not run (hits %v): the test proves nothing", hits)
	}
	for _, path := range []string{"/logo.png", "/late.gif", "/intro.mp4", "/font.woff2", "/bg.jpg"} {
		if hits[path] > 0 {
			t.Errorf("%s was requested: images, media and fonts must not be loaded", path)
		}
	}
}

// A page whose script never ends fails within the timeout, and the browser
// whose renderer is stuck is replaced: no process of it remains.
func TestScriptThatNeverEndsTimesOut(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/loop", html(`<!DOCTYPE html><html><body><article><p>Terms</p></article><script>while (true) {}</script></body></html>`))
	mux.HandleFunc("/ok", html(scripted("Fine.", 0)))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	r, dir := newRenderer(t, Options{Timeout: 3 * time.Second})

	_, err := r.Render(context.Background(), Request{URL: srv.URL + "/loop", WaitFor: []string{"article"}})
	var re *Error
	if !errors.As(err, &re) || re.Kind != KindTimeout || !strings.Contains(re.Msg, "did not render within 3s") {
		t.Fatalf("err = %v, want a %s error saying the page did not render within 3s", err, KindTimeout)
	}
	first := r.Running()
	// The stuck browser goes as soon as its page is given up.
	r.wg.Wait()
	if r.Running() != 0 || len(leftovers(dir)) != 0 {
		t.Errorf("after the timeout %d browsers and processes %v remain (had %d browsers)", r.Running(), leftovers(dir), first)
	}
	// And the next page gets a new one. Its own time is ample: a loaded
	// machine starts a browser slowly, and what is tested is that the page
	// renders in the new one, not how fast.
	p, err := r.Render(context.Background(), Request{URL: srv.URL + "/ok", WaitFor: []string{"article"}, Timeout: time.Minute})
	if err != nil || !p.Found {
		t.Fatalf("the page after a timeout: %v", err)
	}
}

func TestSelectorThatNeverAppears(t *testing.T) {
	srv := httptest.NewServer(html(scripted("Text in an article.", 0)))
	defer srv.Close()
	r, _ := newRenderer(t, Options{Quiet: time.Second})
	p, err := r.Render(context.Background(), Request{URL: srv.URL, WaitFor: []string{"main.policy"}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Found || !strings.Contains(string(p.HTML), "Text in an article.") {
		t.Errorf("found %v; want the rendered page, taken once it stopped changing, without a match", p.Found)
	}
}

func TestCrashedBrowserIsReplaced(t *testing.T) {
	srv := httptest.NewServer(html(scripted("Terms.", 0)))
	defer srv.Close()
	r, dir := newRenderer(t, Options{})
	req := Request{URL: srv.URL, WaitFor: []string{"article"}}
	if _, err := r.Render(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	in := r.cur
	r.mu.Unlock()
	old := in.pid
	syscall.Kill(old, syscall.SIGKILL)
	for deadline := time.Now().Add(5 * time.Second); !in.dead() && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
	}
	if _, err := r.Render(context.Background(), req); err != nil {
		t.Fatalf("the page after the browser crashed: %v", err)
	}
	if current(r) == old {
		t.Error("the crashed browser was not replaced")
	}
	r.wg.Wait()
	for _, pid := range leftovers(dir) {
		if stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil && groupOf(stat) == old {
			t.Errorf("process %d of the crashed browser still runs", pid)
		}
	}
}

func TestBrowserReplacedAfterMaxPages(t *testing.T) {
	srv := httptest.NewServer(html(scripted("Terms.", 0)))
	defer srv.Close()
	r, _ := newRenderer(t, Options{MaxPages: 2})
	var pids []int
	for range 3 {
		if _, err := r.Render(context.Background(), Request{URL: srv.URL, WaitFor: []string{"article"}}); err != nil {
			t.Fatal(err)
		}
		pids = append(pids, current(r))
	}
	// The second page retires the first browser; the third gets a new one.
	if pids[0] == pids[2] {
		t.Errorf("browsers %v: the one that served 2 pages was not replaced", pids)
	}
	r.wg.Wait()
	if r.Running() != 1 {
		t.Errorf("%d browsers run, want the replacement only", r.Running())
	}
}

func TestTabsAreBounded(t *testing.T) {
	var inFlight, peak atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/page", html(`<!DOCTYPE html><html><body><script src="/slow.js"></script><article><p>Terms.</p></article></body></html>`))
	mux.HandleFunc("/slow.js", func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(300 * time.Millisecond)
		inFlight.Add(-1)
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, "// slow")
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	r, _ := newRenderer(t, Options{Tabs: 2})
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			if _, err := r.Render(context.Background(), Request{URL: srv.URL + "/page", WaitFor: []string{"article"}}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if peak.Load() > 2 {
		t.Errorf("%d pages loaded at once, want at most 2 (Tabs)", peak.Load())
	}
}

func TestLoadFailures(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/"
	ln.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("/missing", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, "<html><body><h1>Not found</h1></body></html>")
	})
	mux.HandleFunc("/doc.pdf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		fmt.Fprint(w, "%PDF-1.4\n")
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	r, _ := newRenderer(t, Options{})

	_, err = r.Render(context.Background(), Request{URL: closed})
	var re *Error
	if !errors.As(err, &re) || re.Kind != KindNetwork || !strings.Contains(re.Msg, "ERR_CONNECTION_REFUSED") {
		t.Errorf("closed port: %v, want a %s error naming the refused connection", err, KindNetwork)
	}
	p, err := r.Render(context.Background(), Request{URL: srv.URL + "/missing", WaitFor: []string{"article"}})
	if err != nil || p.Status != http.StatusNotFound {
		t.Errorf("404: %+v %v, want the page with its status for the caller to judge", p, err)
	}
	if _, err := r.Render(context.Background(), Request{URL: srv.URL + "/doc.pdf"}); !errors.As(err, &re) || (re.Kind != KindNotHTML && re.Kind != KindNetwork) {
		t.Errorf("PDF: %v, want an error saying it is not an HTML page", err)
	}
}

// A rendered page past max_body is refused, the limit written as it was set.
func TestRenderedPageTooLarge(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, "<html><body><article><p>%s</p></article></body></html>", strings.Repeat("Terms of service. ", 40000))
	}))
	defer srv.Close()
	r, _ := newRenderer(t, Options{MaxBody: 512 << 10})
	_, err := r.Render(context.Background(), Request{URL: srv.URL, WaitFor: []string{"article"}})
	var re *Error
	if !errors.As(err, &re) || re.Kind != KindTooLarge || !strings.Contains(re.Msg, "larger than 512 KiB") {
		t.Errorf("%v, want a %s error naming 512 KiB", err, KindTooLarge)
	}
}

func TestNoBrowser(t *testing.T) {
	r := New(Options{Browser: "/nonexistent/chromium", DataDir: t.TempDir()})
	defer r.Close()
	_, err := r.Render(context.Background(), Request{URL: "http://127.0.0.1:1/"})
	var re *Error
	if !errors.As(err, &re) || re.Kind != KindNoBrowser || !strings.Contains(re.Msg, "apt-get install chromium") || !strings.Contains(re.Msg, "settings.browser") {
		t.Errorf("err = %v, want a %s error saying how to install Chromium", err, KindNoBrowser)
	}
	t.Setenv("PATH", t.TempDir())
	if _, err := LookBrowser(""); err == nil || !strings.Contains(err.Error(), "chromium, chromium-browser, google-chrome") {
		t.Errorf("LookBrowser with an empty PATH: %v, want the names looked for", err)
	}
}
