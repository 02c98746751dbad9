package sources

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"tracker"
	"tracker/internal/config"
	"tracker/internal/replaytest"
	"tracker/internal/store"
	"tracker/internal/storetest"
)

func mustConfig(tb testing.TB, yaml string) *config.Config {
	tb.Helper()
	cfg, err := config.Parse("sources.yaml", []byte(yaml))
	if err != nil {
		tb.Fatal(err)
	}
	return cfg
}

func newChecker(tb testing.TB, cfg *config.Config) *Checker {
	tax, err := cfg.TopicsConfig().Compile()
	if err != nil {
		tb.Fatal(err)
	}
	return NewChecker(cfg, tax, storetest.Open(tb), slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func checkOne(t *testing.T, c *Checker, id string) Result {
	t.Helper()
	rs, err := c.CheckAll(context.Background(), []string{id}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rs[0]
}

func TestConditionalGet(t *testing.T) {
	terms := replaytest.History(t, "Terms of Service")
	srv := replaytest.NewServer()
	defer srv.Close()
	srv.Handle("/t", replaytest.Conditional(replaytest.Document(terms[0].Markdown, 1), `"v1"`))
	cfg := mustConfig(t, fmt.Sprintf("settings: {retries: 0, host_delay: 0s}\nsources:\n  - {id: t, kind: page, url: '%s/t', select: '[data-testid=policy-card]', remove: [.language-selection]}\n", srv.URL))
	c := newChecker(t, cfg)

	if r := checkOne(t, c, "t"); r.Outcome != New {
		t.Fatalf("first check: %+v", r)
	}
	if r := checkOne(t, c, "t"); r.Outcome != NotModified || r.Version.Seq != 1 {
		t.Fatalf("second check: %+v, want not-modified", r)
	}
	// New rules: the stored page is re-extracted under them into a
	// technical version, and the fetch, unconditional since a 304 would
	// confirm text extracted under the old rules, finds it unchanged.
	cfg.Sources[0].Remove = append(cfg.Sources[0].Remove, "h2")
	r := checkOne(t, c, "t")
	if r.Outcome != Unchanged || r.Version.Seq != 2 || !r.Version.Technical || r.Version.Provenance != tracker.ProvenanceRebuild {
		t.Fatalf("check after changing the rules: %+v, want unchanged against technical version 2", r)
	}
	if chs, err := c.DB.Changes(context.Background(), store.ChangeFilter{}); err != nil || len(chs) != 0 {
		t.Errorf("the re-extraction was reported as a change of the document: %+v %v", chs, err)
	}
	if chs, _ := c.DB.Changes(context.Background(), store.ChangeFilter{Technical: true}); len(chs) != 1 || !chs[0].Technical {
		t.Errorf("technical changes: %+v", chs)
	}
	if r := checkOne(t, c, "t"); r.Outcome != NotModified {
		t.Fatalf("check after that: %+v, want not-modified", r)
	}
	// After a failure the next fetch is unconditional too.
	srv.Handle("/t", replaytest.Static(http.StatusServiceUnavailable, replaytest.Unavailable))
	if r := checkOne(t, c, "t"); r.Outcome != Failed {
		t.Fatalf("%+v", r)
	}
	srv.Handle("/t", replaytest.Conditional(replaytest.Document(terms[0].Markdown, 2), `"v1"`))
	if r := checkOne(t, c, "t"); r.Outcome != Unchanged {
		t.Fatalf("check after a failure: %+v, want a full fetch confirming the version", r)
	}
}

func TestFailuresAreNeverVersions(t *testing.T) {
	terms := replaytest.History(t, "Terms of Service")
	srv := replaytest.NewServer()
	defer srv.Close()
	cfg := mustConfig(t, fmt.Sprintf("settings: {retries: 0, host_delay: 0s, min_words: 200}\nsources:\n  - {id: t, kind: page, url: '%s/t', select: '[data-testid=policy-card]', remove: [.language-selection]}\n", srv.URL))
	c := newChecker(t, cfg)
	srv.Handle("/t", replaytest.Document(terms[5].Markdown, 1))
	if r := checkOne(t, c, "t"); r.Outcome != New {
		t.Fatalf("%+v", r)
	}
	short := []byte(`<html><body><div data-testid="policy-card"><p>We are updating our terms. Please come back later.</p></div></body></html>`)
	for _, tc := range []struct {
		name string
		h    http.HandlerFunc
		kind tracker.FailureKind
	}{
		{"403 block page", replaytest.Static(http.StatusForbidden, replaytest.AccessDenied), "blocked"},
		{"200 block page", replaytest.Static(http.StatusOK, replaytest.AccessDenied), "blocked"},
		{"challenge", replaytest.Static(http.StatusOK, replaytest.Challenge), "blocked"},
		{"503", replaytest.Static(http.StatusServiceUnavailable, replaytest.Unavailable), "http"},
		{"redesign", replaytest.Static(http.StatusOK, replaytest.Redesigned), "selector"},
		{"placeholder text", replaytest.Static(http.StatusOK, short), "too-short"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv.Handle("/t", tc.h)
			r := checkOne(t, c, "t")
			if r.Outcome != Failed || r.Kind != tc.kind {
				t.Fatalf("outcome %s kind %q err %v; want failed, %s", r.Outcome, r.Kind, r.Err, tc.kind)
			}
			st, _ := c.DB.Source(context.Background(), "t")
			if st.Versions != 1 || st.ErrorKind != tc.kind || st.Error == "" {
				t.Errorf("source after %s: %+v", tc.name, st)
			}
		})
	}
}

// benchSources declares n sources spread over hosts local servers, all
// serving the same unchanged page.
func benchSources(b *testing.B, n, hosts int, conditional bool) *Checker {
	terms := replaytest.History(b, "Terms of Service")
	var cfg strings.Builder
	cfg.WriteString("settings: {retries: 0, host_delay: 0s, concurrency: 4}\nsources:\n")
	for h := range hosts {
		srv := replaytest.NewServer()
		b.Cleanup(srv.Close)
		for i := h; i < n; i += hosts {
			path := fmt.Sprintf("/doc/%d", i)
			handler := replaytest.Document(terms[i%len(terms)].Markdown, uint64(i))
			if conditional {
				handler = replaytest.Conditional(handler, fmt.Sprintf(`"%d"`, i))
			}
			srv.Handle(path, handler)
			fmt.Fprintf(&cfg, "  - {id: doc-%d, kind: page, url: '%s%s', select: '[data-testid=policy-card]', remove: [.language-selection]}\n", i, srv.URL, path)
		}
	}
	c := newChecker(b, mustConfig(b, cfg.String()))
	c.Log = nil
	if _, err := c.CheckAll(context.Background(), nil, nil); err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkCheckUnchanged is one pass over 200 unchanged sources on 4 local
// hosts: each page is fetched and extracted, or answered 304.
func BenchmarkCheckUnchanged(b *testing.B) {
	for _, conditional := range []bool{false, true} {
		name := "full"
		if conditional {
			name = "304"
		}
		b.Run(name, func(b *testing.B) {
			c := benchSources(b, 200, 4, conditional)
			want := Unchanged
			if conditional {
				want = NotModified
			}
			start := time.Now()
			for b.Loop() {
				rs, err := c.CheckAll(context.Background(), nil, nil)
				if err != nil || rs[0].Outcome != want || rs[199].Outcome != want {
					b.Fatalf("%v %+v", err, rs[0])
				}
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/float64(b.N)/200, "µs/source")
		})
	}
}
