package sources

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"tracker/internal/replaytest"
)

// A server that answers 304 with a new ETag (a rotated validator) must be
// sent that ETag next time, by page and feed checks alike: keeping the old
// one makes every later request unconditional, or wrongly conditional.
func TestNotModifiedKeepsANewETag(t *testing.T) {
	page := []byte("<html><body><article>" + strings.Repeat("Terms of service apply to you. ", 20) + "</article></body></html>")
	feedBody := readFeed(t, "sec-pressreleases.rss")
	for _, tc := range []struct {
		kind, extra, contentType string
		body                     []byte
	}{
		{"page", ", select: article", "text/html; charset=utf-8", page},
		{"feed", "", "application/rss+xml; charset=utf-8", feedBody},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			var mu sync.Mutex
			var sent []string
			etag := `"v1"`
			srv := replaytest.NewServer()
			defer srv.Close()
			srv.Handle("/doc", func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				defer mu.Unlock()
				sent = append(sent, r.Header.Get("If-None-Match"))
				if inm := r.Header.Get("If-None-Match"); inm != "" {
					etag = fmt.Sprintf(`"v%d"`, len(sent)) // rotated on every 304
					w.Header().Set("ETag", etag)
					w.WriteHeader(http.StatusNotModified)
					return
				}
				w.Header().Set("ETag", etag)
				w.Header().Set("Content-Type", tc.contentType)
				w.Write(tc.body)
			})
			cfg := mustConfig(t, fmt.Sprintf("settings: {retries: 0, host_delay: 0s}\nsources:\n  - {id: s, kind: %s, url: '%s/doc'%s}\n", tc.kind, srv.URL, tc.extra))
			c := newChecker(t, cfg)
			for i := range 3 {
				if r := checkOne(t, c, "s"); r.Outcome == Failed {
					t.Fatalf("check %d: %v", i+1, r.Err)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			want := []string{"", `"v1"`, `"v2"`}
			if fmt.Sprint(sent) != fmt.Sprint(want) {
				t.Errorf("If-None-Match sent: %q, want %q (the ETag of the last 304)", sent, want)
			}
		})
	}
}
