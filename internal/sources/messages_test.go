package sources

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"tracker/internal/replaytest"
)

// Failures a person reads say what happened and what to do, in words of
// the page and the address, not of the library that noticed.
func TestFailureMessagesSayWhatToDo(t *testing.T) {
	srv := replaytest.NewServer()
	defer srv.Close()
	srv.Handle("/empty", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
	})
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<p>hi</p>") }))
	defer plain.Close()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<p>hi</p>") }))
	defer tlsSrv.Close()
	cfg := mustConfig(t, fmt.Sprintf(`settings: {retries: 2, retry_backoff: 1ms, host_delay: 0s}
sources:
  - {id: empty, kind: page, url: '%s/empty', select: article}
  - {id: https-to-http, kind: page, url: '%s/', select: article}
  - {id: http-to-https, kind: page, url: '%s/', select: article}
  - {id: bad-certificate, kind: page, url: '%s/', select: article}
`, srv.URL, strings.Replace(plain.URL, "http://", "https://", 1), strings.Replace(tlsSrv.URL, "https://", "http://", 1), tlsSrv.URL))
	c := newChecker(t, cfg)
	for _, tc := range []struct {
		id, kind string
		says     []string
		not      []string
	}{
		{"empty", "empty", []string{"the page is empty", "retries at the next check"}, []string{"character set", "EOF"}},
		{"https-to-http", "tls", []string{"answers plain HTTP, not HTTPS", "http://"}, []string{"attempts"}},
		{"http-to-https", "tls", []string{"answers HTTPS", "https://"}, []string{"attempts", "malformed"}},
		{"bad-certificate", "tls", []string{"TLS certificate of 127.0.0.1", "is not valid"}, []string{"attempts"}},
	} {
		r := checkOne(t, c, tc.id)
		msg := fmt.Sprint(r.Err)
		if r.Outcome != Failed || string(r.Kind) != tc.kind {
			t.Errorf("%s: %s %s %v; want a %s failure", tc.id, r.Outcome, r.Kind, r.Err, tc.kind)
		}
		for _, s := range tc.says {
			if !strings.Contains(msg, s) {
				t.Errorf("%s: %q lacks %q", tc.id, msg, s)
			}
		}
		for _, s := range tc.not {
			if strings.Contains(msg, s) {
				t.Errorf("%s: %q says %q", tc.id, msg, s)
			}
		}
	}
}
