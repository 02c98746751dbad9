package loadgen

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tracker/internal/config"
	"tracker/internal/sources/page"
)

func start(t *testing.T, opt Options) *Set {
	t.Helper()
	s, err := Start(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func get(t *testing.T, url, etag string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// What tracker reads from a generated page is the generated text, so that
// a benchmark measures versions where the load says there are some.
func TestPagesReadAsTheirText(t *testing.T) {
	s := start(t, Options{Sources: 20, Hosts: 4, Size: 50_000})
	x, err := page.Compile(page.Rules{Select: []string{"[data-testid=policy-card]"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 7, 19} {
		for gen := range 3 {
			body := s.Page(i, gen)
			if len(body) < 45_000 || len(body) > 55_000 {
				t.Errorf("source %d gen %d: %d bytes, want about 50,000", i, gen, len(body))
			}
			p, err := x.Extract(body, "text/html; charset=utf-8")
			if err != nil {
				t.Fatal(err)
			}
			if want := s.Text(i, gen); p.Text != want {
				t.Fatalf("source %d gen %d: extracted text differs from the generated one:\n%.300s\nwant\n%.300s", i, gen, p.Text, want)
			}
		}
	}
	if s.Text(3, 0) == s.Text(4, 0) {
		t.Error("two sources have the same text")
	}
	a, b := strings.Split(s.Text(3, 0), "\n"), strings.Split(s.Text(3, 1), "\n")
	same := 0
	for i := range min(len(a), len(b)) {
		if a[i] == b[i] {
			same++
		}
	}
	if s.Text(3, 0) == s.Text(3, 1) || same < len(a)/3 {
		t.Errorf("a new generation should change a few paragraphs: %d of %d lines in place", same, len(a))
	}
}

func TestServeChangeAndETag(t *testing.T) {
	s := start(t, Options{Sources: 20, Hosts: 4, Size: 20_000, Cache: true})
	if s.Hosts() != 4 || s.URL(0) == s.URL(4) || hostOf(s.URL(0)) == hostOf(s.URL(1)) || hostOf(s.URL(0)) != hostOf(s.URL(4)) {
		t.Fatalf("sources are not spread over 4 hosts: %s %s %s", s.URL(0), s.URL(1), s.URL(4))
	}
	resp, first := get(t, s.URL(5), "")
	if resp.StatusCode != 200 || resp.Header.Get("ETag") != "" {
		t.Fatalf("without ETags: %d, ETag %q", resp.StatusCode, resp.Header.Get("ETag"))
	}
	if _, again := get(t, s.URL(5), ""); !bytes.Equal(first, again) {
		t.Fatal("an unchanged page must be the same bytes on every request")
	}
	if n := s.Change(0.25, 1); n != 5 {
		t.Fatalf("changed %d sources of 20, want 5", n)
	}
	if _, now := get(t, s.URL(5), ""); bytes.Equal(first, now) {
		t.Error("source 5 should have changed (every 4th from 1)")
	}
	if _, now := get(t, s.URL(6), ""); !bytes.Equal(now, s.Page(6, 0)) {
		t.Error("source 6 should not have changed")
	}

	s.SetETag(true)
	resp, _ = get(t, s.URL(6), "")
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || etag == "" {
		t.Fatalf("with ETags: %d, ETag %q", resp.StatusCode, etag)
	}
	if resp, _ := get(t, s.URL(6), etag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match %s: %d, want 304", etag, resp.StatusCode)
	}
	s.Change(1, 0)
	if resp, _ := get(t, s.URL(6), etag); resp.StatusCode != 200 {
		t.Errorf("after a change, the old ETag: %d, want 200", resp.StatusCode)
	}
	if req, nm := s.Counts(); req != 7 || nm != 1 {
		t.Errorf("counts %d requests, %d not modified; want 7, 1", req, nm)
	}
	s.Reset()
	if _, now := get(t, s.URL(5), ""); !bytes.Equal(first, now) {
		t.Error("Reset should give source 5 its first text again")
	}
}

func hostOf(u string) string { return strings.Split(strings.TrimPrefix(u, "http://"), "/")[0] }

// The configuration written for tracker is one it accepts.
func TestTrackerConfigLoads(t *testing.T) {
	s := start(t, Options{Sources: 30, Hosts: 3})
	var b bytes.Buffer
	if err := s.TrackerConfig(&b, 4, "* * * * *", 15*time.Second); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sources.yaml")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Sources) != 30 || cfg.Settings.Concurrency != 4 || cfg.Settings.HostDelay != 0 || cfg.Sources[29].URL != s.URL(29) {
		t.Errorf("config: %d sources, concurrency %d, host_delay %v, last url %s", len(cfg.Sources), cfg.Settings.Concurrency, cfg.Settings.HostDelay, cfg.Sources[29].URL)
	}
	var u bytes.Buffer
	if err := s.UrlwatchJobs(&u); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(u.String(), "\nurl: "); n != 30 {
		t.Errorf("urlwatch jobs: %d urls, want 30", n)
	}
}
