package fetch

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// waits records the pauses a Fetcher asked for, without waiting.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) sleep(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	w.d = append(w.d, d)
	w.mu.Unlock()
	return ctx.Err()
}

func newFetcher(t *testing.T, opt Options) (*Fetcher, *waits) {
	t.Helper()
	w := &waits{}
	if opt.Sleep == nil {
		opt.Sleep = w.sleep
	}
	if opt.Timeout == 0 {
		opt.Timeout = 5 * time.Second
	}
	if opt.MaxRedirects == 0 {
		opt.MaxRedirects = 5
	}
	return New(opt), w
}

func fetchErr(t *testing.T, err error) *Error {
	t.Helper()
	var fe *Error
	if !errors.As(err, &fe) {
		t.Fatalf("error = %v (%T), want *fetch.Error", err, err)
	}
	return fe
}

func TestFetchOK(t *testing.T) {
	var ua, accept string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua, accept = r.UserAgent(), r.Header.Get("Accept-Language")
		w.Header().Set("ETag", `"v1"`)
		w.Write([]byte("<p>hello</p>"))
	}))
	defer srv.Close()
	f, _ := newFetcher(t, Options{UserAgent: "tracker/test"})
	resp, err := f.Fetch(context.Background(), Request{URL: srv.URL, Header: map[string]string{"Accept-Language": "en"}})
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != "<p>hello</p>" || resp.Status != 200 || resp.Header.Get("ETag") != `"v1"` {
		t.Errorf("got %d %q %v", resp.Status, resp.Body, resp.Header)
	}
	if ua != "tracker/test" || accept != "en" {
		t.Errorf("server saw User-Agent %q, Accept-Language %q", ua, accept)
	}
}

// A source's own timeout holds even when longer than the settings' one:
// a slow regulator site gets the time its source allows.
func TestSourceTimeoutLongerThanTheSetting(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(400 * time.Millisecond) // before any header
		w.Write([]byte("<html><body><p>Guidance.</p></body></html>"))
	}))
	defer srv.Close()
	f, _ := newFetcher(t, Options{Timeout: 100 * time.Millisecond})
	if _, err := f.Fetch(context.Background(), Request{URL: srv.URL, Timeout: 5 * time.Second}); err != nil {
		t.Errorf("with the source's 5s: %v", err)
	}
	_, err := f.Fetch(context.Background(), Request{URL: srv.URL})
	if fe := fetchErr(t, err); fe.Kind != KindTimeout || !strings.Contains(err.Error(), "timed out after 100ms") {
		t.Errorf("with the setting's 100ms: %v", err)
	}
}

func TestBackoffStaysWithinAnHour(t *testing.T) {
	b := ExponentialBackoff(time.Second)
	for n, want := range map[int]time.Duration{1: time.Second, 4: 8 * time.Second, 12: 2048 * time.Second, 13: time.Hour, 35: time.Hour, 70: time.Hour} {
		if d := b(n); d < want*8/10 || d > want*12/10 {
			t.Errorf("backoff(%d) = %v, want %v ± 20 %%", n, d, want)
		}
	}
}

// A permanent redirect says where the source now lives; a temporary one
// after it (a session or geo address) is not that place.
func TestMovedTo(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/new", http.StatusMovedPermanently) })
	mux.HandleFunc("/new", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/geo-fr?session=123", http.StatusFound)
	})
	mux.HandleFunc("/geo-fr", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html><body>Terms</body></html>")) })
	mux.HandleFunc("/temp", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/geo-fr", http.StatusFound) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f, _ := newFetcher(t, Options{})
	for path, want := range map[string]string{"/old": srv.URL + "/new", "/temp": "", "/geo-fr": ""} {
		resp, err := f.Fetch(context.Background(), Request{URL: srv.URL + path})
		if err != nil || resp.MovedTo != want {
			t.Errorf("%s: moved to %q, want %q (%v)", path, resp.MovedTo, want, err)
		}
	}
}

func TestTimeoutIsRetriedThenFails(t *testing.T) {
	var hits atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	f, w := newFetcher(t, Options{Timeout: 100 * time.Millisecond, Retries: 2, Backoff: func(n int) time.Duration { return time.Duration(n) * time.Second }})
	_, err := f.Fetch(context.Background(), Request{URL: srv.URL})
	fe := fetchErr(t, err)
	if fe.Kind != KindTimeout || !fe.Transient || fe.Attempts != 3 {
		t.Errorf("kind %q transient %v attempts %d, want timeout, true, 3", fe.Kind, fe.Transient, fe.Attempts)
	}
	if !strings.Contains(err.Error(), "timed out after 100ms") {
		t.Errorf("message %q does not say it timed out", err)
	}
	if hits.Load() != 3 {
		t.Errorf("server saw %d requests, want 3", hits.Load())
	}
	if len(w.d) != 2 || w.d[0] != time.Second || w.d[1] != 2*time.Second {
		t.Errorf("backoff waits %v, want [1s 2s]", w.d)
	}
}

func TestSlowBodyTimesOut(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<p>start of a long page"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	f, _ := newFetcher(t, Options{Timeout: 100 * time.Millisecond})
	resp, err := f.Fetch(context.Background(), Request{URL: srv.URL})
	if resp != nil {
		t.Fatalf("a body cut by the timeout was returned: %q", resp.Body)
	}
	if fe := fetchErr(t, err); fe.Kind != KindTimeout {
		t.Errorf("kind %q, want timeout", fe.Kind)
	}
}

func TestBodyCap(t *testing.T) {
	for _, tc := range []struct {
		name string
		size int
		gzip bool
		ok   bool
	}{
		{"exactly the cap", 1024, false, true},
		{"one byte over", 1025, false, false},
		{"gzip within the cap", 1024, true, true},
		{"gzip bomb over the cap once decompressed", 1 << 20, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := bytes.Repeat([]byte("a"), tc.size)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.gzip {
					if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
						t.Error("the client did not accept gzip")
					}
					w.Header().Set("Content-Encoding", "gzip")
					zw := gzip.NewWriter(w)
					zw.Write(body)
					zw.Close()
					return
				}
				w.Write(body)
			}))
			defer srv.Close()
			f, _ := newFetcher(t, Options{MaxBody: 1024})
			resp, err := f.Fetch(context.Background(), Request{URL: srv.URL})
			if tc.ok {
				if err != nil || !bytes.Equal(resp.Body, body) {
					t.Fatalf("err %v, body of %d bytes", err, len(resp.Body))
				}
				return
			}
			if resp != nil {
				t.Fatalf("an oversize body was returned (%d bytes): it must fail, never be truncated", len(resp.Body))
			}
			fe := fetchErr(t, err)
			if fe.Kind != KindTooLarge || fe.Transient || !strings.Contains(fe.Msg, "max_body") {
				t.Errorf("kind %q transient %v msg %q", fe.Kind, fe.Transient, fe.Msg)
			}
		})
	}
}

func TestRedirects(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/a", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/b", http.StatusFound) })
	mux.HandleFunc("/b", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/a", http.StatusFound) })
	for i := 0; i < 10; i++ {
		mux.HandleFunc("/chain/"+string(rune('0'+i)), func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/chain/"+string(rune('0'+i+1)), http.StatusMovedPermanently)
		})
	}
	mux.HandleFunc("/chain/:", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("end")) })
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/final", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/final", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("final")) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f, _ := newFetcher(t, Options{MaxRedirects: 5, Retries: 3})

	resp, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/moved"})
	if err != nil || string(resp.Body) != "final" || resp.URL != srv.URL+"/final" {
		t.Fatalf("one redirect: %v %+v", err, resp)
	}

	_, err = f.Fetch(context.Background(), Request{URL: srv.URL + "/a"})
	fe := fetchErr(t, err)
	if fe.Kind != KindRedirect || fe.Transient || !strings.Contains(fe.Msg, "redirect loop") || fe.Attempts != 1 {
		t.Errorf("loop: kind %q transient %v attempts %d msg %q", fe.Kind, fe.Transient, fe.Attempts, fe.Msg)
	}

	_, err = f.Fetch(context.Background(), Request{URL: srv.URL + "/chain/0"})
	fe = fetchErr(t, err)
	if fe.Kind != KindRedirect || !strings.Contains(fe.Msg, "more than 5 redirects") {
		t.Errorf("chain: kind %q msg %q", fe.Kind, fe.Msg)
	}
}

func TestConditionalGet(t *testing.T) {
	const etag, lastMod = `"abc"`, "Mon, 16 Nov 2026 08:00:00 GMT"
	var gotETag, gotSince string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotETag, gotSince = r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")
		if gotETag == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod)
		w.Write([]byte("<p>terms</p>"))
	}))
	defer srv.Close()
	f, _ := newFetcher(t, Options{})

	resp, err := f.Fetch(context.Background(), Request{URL: srv.URL})
	if err != nil || resp.NotModified || gotETag != "" {
		t.Fatalf("first fetch: %v notModified=%v sent If-None-Match %q", err, resp.NotModified, gotETag)
	}
	resp, err = f.Fetch(context.Background(), Request{URL: srv.URL, ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")})
	if err != nil {
		t.Fatal(err)
	}
	if !resp.NotModified || resp.Body != nil || gotETag != etag || gotSince != lastMod {
		t.Errorf("conditional fetch: notModified=%v body %q, sent %q %q", resp.NotModified, resp.Body, gotETag, gotSince)
	}
}

func TestUnsolicited304IsAnError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotModified) }))
	defer srv.Close()
	f, _ := newFetcher(t, Options{})
	_, err := f.Fetch(context.Background(), Request{URL: srv.URL})
	if fe := fetchErr(t, err); fe.Status != 304 {
		t.Errorf("status %d", fe.Status)
	}
}

func TestRateLimitHonoursRetryAfter(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	f, w := newFetcher(t, Options{Retries: 3, Backoff: func(int) time.Duration { return time.Second }})
	resp, err := f.Fetch(context.Background(), Request{URL: srv.URL})
	if err != nil || string(resp.Body) != "ok" || resp.Attempts != 2 {
		t.Fatalf("err %v resp %+v", err, resp)
	}
	if len(w.d) != 1 || w.d[0] != 7*time.Second {
		t.Errorf("waited %v, want [7s] as Retry-After asked", w.d)
	}
}

func TestRateLimitRetryAfterTooLong(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Retry-After", time.Now().Add(2*time.Hour).UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	f, w := newFetcher(t, Options{Retries: 3, MaxRetryAfter: time.Minute})
	_, err := f.Fetch(context.Background(), Request{URL: srv.URL})
	fe := fetchErr(t, err)
	if fe.Kind != KindRateLimited || hits.Load() != 1 || len(w.d) != 0 {
		t.Errorf("kind %q, %d requests, waits %v: a 2h Retry-After must end the fetch at once", fe.Kind, hits.Load(), w.d)
	}
	if !strings.Contains(err.Error(), "asks to wait") {
		t.Errorf("message %q does not say the server asked to wait", err)
	}
}

func TestStatusHandling(t *testing.T) {
	for _, tc := range []struct {
		status    int
		transient bool
		attempts  int32
	}{
		{http.StatusServiceUnavailable, true, 3},
		{http.StatusBadGateway, true, 3},
		{http.StatusNotFound, false, 1},
		{http.StatusForbidden, false, 1},
	} {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				w.WriteHeader(tc.status)
				w.Write([]byte("<h1>error page</h1>"))
			}))
			defer srv.Close()
			f, _ := newFetcher(t, Options{Retries: 2})
			_, err := f.Fetch(context.Background(), Request{URL: srv.URL})
			fe := fetchErr(t, err)
			if fe.Status != tc.status || fe.Transient != tc.transient || hits.Load() != tc.attempts {
				t.Errorf("status %d transient %v requests %d", fe.Status, fe.Transient, hits.Load())
			}
			if string(fe.Body) != "<h1>error page</h1>" {
				t.Errorf("error body %q not kept for inspection", fe.Body)
			}
		})
	}
}

func TestTransientThenSuccess(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	f, _ := newFetcher(t, Options{Retries: 3})
	resp, err := f.Fetch(context.Background(), Request{URL: srv.URL})
	if err != nil || resp.Attempts != 3 {
		t.Fatalf("err %v attempts %d", err, resp.Attempts)
	}
}

func TestConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	f, _ := newFetcher(t, Options{Retries: 1})
	_, err = f.Fetch(context.Background(), Request{URL: "http://" + addr + "/"})
	fe := fetchErr(t, err)
	// The message names the address: a port mistyped in the url, or a
	// server down, is found from it.
	if fe.Kind != KindNetwork || !fe.Transient || !strings.HasPrefix(fe.Msg, "connection refused by "+addr+":") || fe.Attempts != 2 {
		t.Errorf("kind %q transient %v attempts %d msg %q", fe.Kind, fe.Transient, fe.Attempts, fe.Msg)
	}
}

// One request at a time reaches a host, with the polite delay between them,
// while two hosts are fetched in parallel.
func TestHostGate(t *testing.T) {
	var inFlight, peak atomic.Int32
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		inFlight.Add(-1)
	})
	srv := httptest.NewServer(handler)
	defer srv.Close()
	f, w := newFetcher(t, Options{HostDelay: time.Hour})
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.Fetch(context.Background(), Request{URL: srv.URL}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if peak.Load() != 1 {
		t.Errorf("%d requests reached one host at once, want 1", peak.Load())
	}
	if len(w.d) != 3 {
		t.Errorf("polite delay applied %d times, want 3 (between 4 requests)", len(w.d))
	}

	// Two hosts: each handler waits until both requests are in flight.
	both := make(chan struct{})
	var arrived atomic.Int32
	meet := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if arrived.Add(1) == 2 {
			close(both)
		}
		select {
		case <-both:
		case <-time.After(5 * time.Second):
			http.Error(w, "the other host was not fetched in parallel", http.StatusInternalServerError)
		}
	})
	a, b := httptest.NewServer(meet), httptest.NewServer(meet)
	defer a.Close()
	defer b.Close()
	f2, _ := newFetcher(t, Options{HostDelay: time.Hour})
	for _, u := range []string{a.URL, b.URL} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f2.Fetch(context.Background(), Request{URL: u}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"120", 2 * time.Minute, true},
		{"Mon, 23 Nov 2026 12:00:30 GMT", 30 * time.Second, true},
		{"Mon, 23 Nov 2026 11:00:00 GMT", 0, true},
		{"soon", 0, false},
		{"", 0, false},
	} {
		h := http.Header{}
		if tc.v != "" {
			h.Set("Retry-After", tc.v)
		}
		got, ok := retryAfter(h, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Retry-After %q = %v, %v; want %v, %v", tc.v, got, ok, tc.want, tc.ok)
		}
	}
}

// A request made outside the Fetcher (a page rendered in a browser) takes
// its turn at the host like a fetch: no fetch reaches the host while it is
// under way, and the polite pause separates them.
func TestAcquireSharesTheHostGate(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	f, w := newFetcher(t, Options{HostDelay: time.Hour})
	host := strings.TrimPrefix(srv.URL, "http://")
	release, err := f.Acquire(context.Background(), host)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := f.Fetch(context.Background(), Request{URL: srv.URL})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("a fetch reached the host while a rendered page held it (err %v)", err)
	case <-time.After(100 * time.Millisecond):
	}
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(w.d) != 1 {
		t.Errorf("polite delay applied %d times, want 1 (between the rendered page and the fetch)", len(w.d))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.Acquire(ctx, host); !errors.Is(err, context.Canceled) {
		t.Errorf("Acquire with a canceled context: %v", err)
	}
}
