// Package replaytest serves recorded document histories over local HTTP, wrapped
// in the noise and faults of real web pages, for tests and benchmarks.
//
// The histories are Open Terms Archive datasets (testdata/ota-tiktok holds
// TikTok's, ODC-BY 1.0, Open Terms Archive contributors).
package replaytest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"tracker/internal/sources/page"
)

// Capture is one version of a document as a dataset recorded it.
type Capture struct {
	Service    string
	Document   string
	Seq        int
	RecordedAt time.Time
	// Kind is "change" or "technical" (the archive re-extracted the same page).
	Kind     string
	File     string
	Markdown []byte
}

// TestdataDir is the repository's shared testdata directory.
func TestdataDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata")
}

// OTADir is the TikTok dataset copied into testdata.
func OTADir() string { return filepath.Join(TestdataDir(), "ota-tiktok") }

// History is the real history of one TikTok document of testdata (such as
// "Terms of Service"), oldest first, for a test; it fails the test when
// testdata cannot be read.
func History(tb testing.TB, document string) []Capture {
	tb.Helper()
	docs, err := Load(OTADir())
	if err != nil {
		tb.Fatal(err)
	}
	if len(docs[document]) == 0 {
		tb.Fatalf("no %q in %s", document, OTADir())
	}
	return docs[document]
}

// Load reads the versions listed in a dataset's manifest.tsv, grouped by
// document and oldest first.
func Load(dir string) (map[string][]Capture, error) {
	f, err := os.Open(filepath.Join(dir, "manifest.tsv"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string][]Capture{}
	sc := bufio.NewScanner(f)
	for line := 0; sc.Scan(); line++ {
		cols := strings.Split(sc.Text(), "\t")
		if line == 0 || len(cols) < 6 {
			continue
		}
		seq, _ := strconv.Atoi(cols[2])
		at, err := time.Parse(time.RFC3339, cols[3])
		if err != nil {
			return nil, fmt.Errorf("replay: manifest line %d: %w", line+1, err)
		}
		md, err := os.ReadFile(filepath.Join(dir, cols[5]))
		if err != nil {
			return nil, err
		}
		out[cols[1]] = append(out[cols[1]], Capture{
			Service: cols[0], Document: cols[1], Seq: seq, RecordedAt: at, Kind: cols[4], File: cols[5], Markdown: md,
		})
	}
	return out, sc.Err()
}

// Page renders a Markdown document as a TikTok-like legal page: the text sits
// in <div data-testid="policy-card"> (also an <article>), surrounded by what
// changes on every load of a real page: tokens, scripts, a shuffled menu, a
// cookie banner, timestamps and a language selector.
func Page(md []byte, rnd *rand.Rand) []byte {
	doc, err := page.FromMarkdown(md)
	if err != nil {
		panic(err)
	}
	body := doc[bytes.Index(doc, []byte("<body>"))+len("<body>") : bytes.LastIndex(doc, []byte("</body>"))]
	tok := func() string { return strconv.FormatUint(rnd.Uint64(), 36) }
	menu := []string{"For You", "Following", "Explore", "LIVE", "Upload", "Profile", "Messages", "Activity", "Legal", "Help"}
	rnd.Shuffle(len(menu), func(i, j int) { menu[i], menu[j] = menu[j], menu[i] })
	langs := []string{"English", "Deutsch", "Français", "Español", "Italiano", "Polski", "Română", "Türkçe"}
	rnd.Shuffle(len(langs), func(i, j int) { langs[i], langs[j] = langs[j], langs[i] })

	var b bytes.Buffer
	fmt.Fprintf(&b, `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>TikTok Legal</title>
<meta name="csrf-token" content="%s"><style>.c-%s{color:#fe2c55}</style>
<script nonce="%s">window.__INIT_PROPS__={"requestId":"%s","ts":%d,"abTest":"%s"}</script></head><body>
<div class="cookie-banner" id="cb-%s"><p>We use cookies to improve your experience (session %s).</p><button>Accept all</button></div>
<nav class="c-%s"><ul>`, tok(), tok(), tok(), tok(), rnd.Int64(), tok(), tok(), tok(), tok())
	for _, m := range menu {
		fmt.Fprintf(&b, `<li><a href="/%s?_r=%s">%s</a></li>`, strings.ToLower(m), tok(), m)
	}
	fmt.Fprintf(&b, `</ul></nav><main><div data-testid="policy-card" data-render="%s"><article>
<div class="language-selection"><span>Language: %s</span><ul>`, tok(), langs[0])
	for _, l := range langs {
		fmt.Fprintf(&b, `<li>%s</li>`, l)
	}
	fmt.Fprintf(&b, `</ul></div><script>track("%s")</script><svg id="i-%s"><path d="M0 0"/></svg>
%s</article></div></main>
<aside><h3>Trending now</h3><p>#%s #%s</p></aside>
<footer><p>© 2026 TikTok · page generated %s · request %s</p></footer>
<script src="/static/app.%s.js"></script></body></html>`,
		tok(), tok(), body, tok(), tok(), time.Unix(rnd.Int64N(2e9), 0).UTC().Format(time.RFC1123), tok(), tok())
	return b.Bytes()
}

// Scripted answers with the shell of a JavaScript application whose script
// inserts md, as HTML, into the page after it loaded, the way TikTok's
// privacy policy reaches a browser: <main><article data-testid="policy-card">
// exists only once the script ran, and a plain fetch finds no text.
func Scripted(md []byte) http.HandlerFunc {
	doc, err := page.FromMarkdown(md)
	if err != nil {
		panic(err)
	}
	body := doc[bytes.Index(doc, []byte("<body>"))+len("<body>") : bytes.LastIndex(doc, []byte("</body>"))]
	js, _ := json.Marshal(string(body)) // escapes <, > and &: safe inside <script>
	html := fmt.Appendf(nil, `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>TikTok Legal</title></head><body>
<div id="root"><div class="loading">Loading…</div></div>
<img src="/static/logo.png" alt="TikTok">
<script>
window.addEventListener("load", function () {
	setTimeout(function () {
		document.getElementById("root").innerHTML = '<main><article data-testid="policy-card">' + %s + '</article></main>';
	}, 200);
});
</script></body></html>`, js)
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(html)
	}
}

// Faults that sites serve instead of the document.
var (
	// AccessDenied is an Akamai-style block page, served with status 200.
	AccessDenied = []byte(`<HTML><HEAD>
<TITLE>Access Denied</TITLE>
</HEAD><BODY>
<H1>Access Denied</H1>
You don't have permission to access "http&#58;&#47;&#47;www&#46;tiktok&#46;com&#47;legal&#47;page&#47;eea&#47;terms&#45;of&#45;service&#47;en" on this server.<P>
Reference&#32;&#35;18&#46;5e2d3617&#46;1732400000&#46;1a2b3c4d
</BODY>
</HTML>`)
	// Unavailable is a typical 503 body.
	Unavailable = []byte(`<html><head><title>503 Service Temporarily Unavailable</title></head>
<body><center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>`)
	// Challenge is a JavaScript bot challenge served with status 200.
	Challenge = []byte(`<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="refresh" content="390"></head><body><div class="main-wrapper" role="main">
<div class="main-content"><noscript><div class="h2"><span id="challenge-error-text">Enable JavaScript and cookies to continue</span></div></noscript></div></div>
<script>(function(){window._cf_chl_opt={cvId: '3',cZone: "www.example.com",cType: 'managed'};}());</script>
<script src="/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1?ray=8e8a2f"></script></body></html>`)
	// Redesigned is the page after a redesign that removed the selected element.
	Redesigned = []byte(`<!DOCTYPE html><html><head><title>TikTok Legal</title></head><body>
<div class="new-layout"><h1>Terms of Service</h1><p>Our terms moved into a new layout that tracker's selector does not know.</p></div></body></html>`)
)

// Server is a local HTTP server whose answer for each path the test sets.
type Server struct {
	*httptest.Server
	mu    sync.Mutex
	paths map[string]http.HandlerFunc
	hits  map[string]int
}

// NewServer starts a Server on loopback.
func NewServer() *Server {
	s := &Server{paths: map[string]http.HandlerFunc{}, hits: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		h := s.paths[r.URL.Path]
		s.hits[r.URL.Path]++
		s.mu.Unlock()
		if h == nil {
			http.NotFound(w, r)
			return
		}
		h(w, r)
	}))
	return s
}

// Handle sets what path answers.
func (s *Server) Handle(path string, h http.HandlerFunc) {
	s.mu.Lock()
	s.paths[path] = h
	s.mu.Unlock()
}

// Hits is how many requests path received.
func (s *Server) Hits(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// Document answers with md rendered by Page, with fresh noise on every request.
func Document(md []byte, seed uint64) http.HandlerFunc {
	var mu sync.Mutex
	rnd := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	return func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		body := Page(md, rnd)
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(body)
	}
}

// Static answers with a fixed status and HTML body.
func Static(status int, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		w.Write(body)
	}
}

// Conditional wraps h to answer 304 Not Modified when the request carries
// etag in If-None-Match, and to send etag with every full answer.
func Conditional(h http.HandlerFunc, etag string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		h(w, r)
	}
}
