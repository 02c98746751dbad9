// Package loadgen serves generated legal documents from many loopback hosts,
// for benchmarks of tracker against another tool on the same load: each
// source is an HTML page of a given size, the same bytes on every request
// until the benchmark changes it, with or without an ETag.
//
// The text is drawn from the words of TikTok's real documents in testdata,
// with their frequencies, so that compression and the search index work on
// text with the statistics of a legal document rather than on noise.
package loadgen

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"tracker/internal/replaytest"
)

// Options say what to serve.
type Options struct {
	Sources int // [1000]
	Hosts   int // loopback hosts the sources are spread over [100]
	Size    int // bytes of a page, markup included [100 KB]
	// Cache keeps every page served in memory: serving then costs nothing
	// beside the process measured. Without it each request generates its
	// page again (about a millisecond), which keeps the heap of an
	// in-process benchmark free of the pages.
	Cache bool
}

// Set is the running servers of generated sources.
type Set struct {
	opt    Options
	words  []string
	cum    []float64 // cumulative weights of words
	lns    []net.Listener
	srvs   []*http.Server
	hostOf []int // source → host

	mu    sync.Mutex
	gen   []int // source → generation of its text
	cache map[[2]int][]byte

	etag     atomic.Bool
	requests atomic.Int64
	notMod   atomic.Int64
}

// Start starts the servers on loopback: 127.0.0.2, 127.0.0.3... where the
// system routes the whole of 127.0.0.0/8 (Linux), 127.0.0.1 on several
// ports elsewhere.
func Start(opt Options) (*Set, error) {
	if opt.Sources <= 0 {
		opt.Sources = 1000
	}
	if opt.Hosts <= 0 {
		opt.Hosts = 100
	}
	opt.Hosts = min(opt.Hosts, opt.Sources, 250)
	if opt.Size <= 0 {
		opt.Size = 100_000
	}
	s := &Set{opt: opt, gen: make([]int, opt.Sources), cache: map[[2]int][]byte{}, hostOf: make([]int, opt.Sources)}
	if err := s.loadWords(); err != nil {
		return nil, err
	}
	for i := range opt.Sources {
		s.hostOf[i] = i % opt.Hosts
	}
	for h := range opt.Hosts {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:0", 2+h))
		if err != nil {
			ln, err = net.Listen("tcp", "127.0.0.1:0")
		}
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("loadgen: listen: %w", err)
		}
		srv := &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
		s.lns = append(s.lns, ln)
		s.srvs = append(s.srvs, srv)
		go srv.Serve(ln)
	}
	return s, nil
}

// Close stops the servers.
func (s *Set) Close() {
	for _, srv := range s.srvs {
		srv.Close()
	}
}

// Len is the number of sources.
func (s *Set) Len() int { return s.opt.Sources }

// Hosts is the number of hosts.
func (s *Set) Hosts() int { return len(s.lns) }

// URL is the address of source i.
func (s *Set) URL(i int) string {
	return fmt.Sprintf("http://%s/doc/%d", s.lns[s.hostOf[i]].Addr(), i)
}

// SetETag makes the servers send an ETag and answer a request carrying it
// 304 Not Modified (on), or send none and answer every request in full
// (off).
func (s *Set) SetETag(on bool) { s.etag.Store(on) }

// Reset gives every source its first text again.
func (s *Set) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.gen)
}

// Change moves a fraction of the sources (every 1/fraction-th one, starting
// at offset) to their next text, and returns how many changed.
func (s *Set) Change(fraction float64, offset int) int {
	if fraction <= 0 {
		return 0
	}
	step := max(1, int(1/fraction+0.5))
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for i := offset % step; i < len(s.gen); i += step {
		s.gen[i]++
		n++
	}
	return n
}

// Counts are the requests served since the start, and how many of them were
// answered 304.
func (s *Set) Counts() (requests, notModified int64) {
	return s.requests.Load(), s.notMod.Load()
}

func (s *Set) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	i, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/doc/"))
	if err != nil || i < 0 || i >= s.opt.Sources {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	gen := s.gen[i]
	s.mu.Unlock()
	if s.etag.Load() {
		etag := fmt.Sprintf(`"d%d-g%d"`, i, gen)
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			s.notMod.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	body := s.Page(i, gen)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

// Page is the page of source i at generation gen: a fixed layout around
// <main><article data-testid="policy-card">, which holds the document.
// Generation g is generation g-1 with a few paragraphs edited, one added
// and one removed, the way a legal document changes.
func (s *Set) Page(i, gen int) []byte {
	if s.opt.Cache {
		s.mu.Lock()
		b, ok := s.cache[[2]int{i, gen}]
		s.mu.Unlock()
		if ok {
			return b
		}
	}
	b := s.render(i, gen)
	if s.opt.Cache {
		s.mu.Lock()
		s.cache[[2]int{i, gen}] = b
		s.mu.Unlock()
	}
	return b
}

// Text is the text tracker extracts from source i at generation gen, one
// block per line; tests compare it with what the extractor reads.
func (s *Set) Text(i, gen int) string {
	var b strings.Builder
	for _, p := range s.paragraphs(i, gen) {
		b.WriteString(p.text())
		b.WriteByte('\n')
	}
	return strings.TrimSuffix(b.String(), "\n")
}

type block struct {
	heading bool
	words   []string
}

func (p block) text() string {
	if p.heading {
		return "## " + strings.Join(p.words, " ")
	}
	return strings.Join(p.words, " ")
}

// paragraphs generates the blocks of source i's document at gen.
func (s *Set) paragraphs(i, gen int) []block {
	rnd := rand.New(rand.NewPCG(uint64(i)+1, 0x5eed))
	budget := s.opt.Size * 9 / 10 // the layout takes the rest
	var out []block
	for n := 0; budget > 0; n++ {
		p := s.block(rnd, n%9 == 0)
		budget -= len(p.text()) + 10
		out = append(out, p)
	}
	for g := 1; g <= gen; g++ {
		rnd := rand.New(rand.NewPCG(uint64(i)+1, uint64(g)))
		for range 3 { // edit a word in three paragraphs
			p := &out[rnd.IntN(len(out))]
			p.words = slices.Clone(p.words)
			p.words[rnd.IntN(len(p.words))] = s.word(rnd)
		}
		at := rnd.IntN(len(out))
		out = slices.Insert(out, at, s.block(rnd, false))
		out = slices.Delete(out, (at+len(out)/2)%len(out), (at+len(out)/2)%len(out)+1)
	}
	return out
}

func (s *Set) block(rnd *rand.Rand, heading bool) block {
	n := 20 + rnd.IntN(100)
	if heading {
		n = 2 + rnd.IntN(5)
	}
	ws := make([]string, n)
	for k := range ws {
		ws[k] = s.word(rnd)
	}
	if !heading {
		ws[0] = strings.ToUpper(ws[0][:1]) + ws[0][1:]
		ws[n-1] += "."
	}
	return block{heading: heading, words: ws}
}

func (s *Set) word(rnd *rand.Rand) string {
	return s.words[sort.SearchFloat64s(s.cum, rnd.Float64()*s.cum[len(s.cum)-1])]
}

func (s *Set) render(i, gen int) []byte {
	var b bytes.Buffer
	b.Grow(s.opt.Size + 4096)
	fmt.Fprintf(&b, `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Terms of Service %d</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="/static/site.css">
<style>body{font-family:sans-serif;margin:0}nav ul{display:flex;list-style:none}.policy{max-width:48rem;margin:auto}</style>
<script>window.__CONFIG__={"region":"eu","lang":"en","doc":%d}</script></head><body>
<header><a href="/">Example Platform %d</a><nav><ul>`, i, i, i)
	for _, m := range []string{"Home", "Explore", "Creators", "Business", "Developers", "Safety", "Legal", "Help", "Careers", "Press"} {
		fmt.Fprintf(&b, `<li><a href="/%s">%s</a></li>`, strings.ToLower(m), m)
	}
	b.WriteString("</ul></nav></header>\n<main><article class=\"policy\" data-testid=\"policy-card\">\n")
	for _, p := range s.paragraphs(i, gen) {
		if p.heading {
			fmt.Fprintf(&b, "<h2>%s</h2>\n", strings.Join(p.words, " "))
		} else {
			fmt.Fprintf(&b, "<p>%s</p>\n", strings.Join(p.words, " "))
		}
	}
	b.WriteString("</article></main>\n<footer><p>© 2026 Example Platform</p><ul>")
	for _, f := range []string{"Terms", "Privacy", "Cookies", "Community Guidelines", "Intellectual Property", "Law Enforcement"} {
		fmt.Fprintf(&b, `<li><a href="/legal/%s">%s</a></li>`, strings.ReplaceAll(strings.ToLower(f), " ", "-"), f)
	}
	b.WriteString("</ul></footer><script src=\"/static/app.js\" defer></script></body></html>\n")
	return b.Bytes()
}

// loadWords reads the vocabulary of TikTok's documents in testdata, with the
// number of times each word occurs in their latest versions.
func (s *Set) loadWords() error {
	docs, err := replaytest.Load(replaytest.OTADir())
	if err != nil {
		return fmt.Errorf("loadgen: %w", err)
	}
	count := map[string]int{}
	for _, vs := range docs {
		for _, w := range strings.Fields(string(vs[len(vs)-1].Markdown)) {
			w = strings.Trim(w, ".,;:()[]*#\"'!?“”’‘")
			if w == "" || strings.ContainsAny(w, "<>&/=|_`\\{}") {
				continue
			}
			count[strings.ToLower(w)]++
		}
	}
	for w := range count {
		s.words = append(s.words, w)
	}
	sort.Strings(s.words)
	total := 0.0
	for _, w := range s.words {
		total += float64(count[w])
		s.cum = append(s.cum, total)
	}
	if len(s.words) < 100 {
		return fmt.Errorf("loadgen: only %d words in %s", len(s.words), replaytest.OTADir())
	}
	return nil
}

// TrackerConfig writes a sources.yaml for tracker: every source a page
// selected by its article, no pause between two requests to one host, no
// retry, concurrency hosts at once. schedule, when not empty, is every
// source's schedule in the daemon (jitter spreading them).
func (s *Set) TrackerConfig(w io.Writer, concurrency int, schedule string, jitter time.Duration) error {
	var b strings.Builder
	fmt.Fprintf(&b, "settings:\n  host_delay: 0s\n  retries: 0\n  timeout: 60s\n  concurrency: %d\n", concurrency)
	if schedule != "" {
		fmt.Fprintf(&b, "  schedule: %q\n  jitter: %s\n", schedule, jitter)
	}
	b.WriteString("sources:\n")
	for i := range s.opt.Sources {
		fmt.Fprintf(&b, "  - {id: doc-%04d, kind: page, url: '%s', select: '[data-testid=policy-card]'}\n", i, s.URL(i))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// UrlwatchJobs writes urlwatch's urls.yaml for the same sources, with the
// filters that read the same text: the article, as text.
func (s *Set) UrlwatchJobs(w io.Writer) error {
	var b strings.Builder
	for i := range s.opt.Sources {
		if i > 0 {
			b.WriteString("---\n")
		}
		fmt.Fprintf(&b, "name: doc-%04d\nurl: %s\nfilter:\n  - css: '[data-testid=policy-card]'\n  - html2text: re\n", i, s.URL(i))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
