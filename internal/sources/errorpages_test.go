package sources

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"tracker"
	"tracker/internal/replaytest"
)

// realPage is a TikTok document as the site serves it, the same bytes on
// every request.
func realPage(t *testing.T, document string, n int) []byte {
	t.Helper()
	h := replaytest.History(t, document)
	return replaytest.Page(h[n].Markdown, rand.New(rand.NewPCG(1, 2)))
}

// Each error, block and login page of testdata/error-pages, served with
// status 200 in place of a TikTok document, fails the check and stores
// nothing; when the document returns, nothing changed.
func TestErrorPagesNeverBecomeVersions(t *testing.T) {
	dir := filepath.Join(replaytest.TestdataDir(), "error-pages")
	tsv, err := os.ReadFile(filepath.Join(dir, "pages.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	doc := realPage(t, "Terms of Service", 0)
	lines := strings.Split(strings.TrimSpace(string(tsv)), "\n")[1:]
	if len(lines) < 11 {
		t.Fatalf("%d pages in the corpus", len(lines))
	}
	for _, line := range lines {
		c := strings.Split(line, "\t")
		file, sel, kind := c[0], c[1], c[2]
		t.Run(file, func(t *testing.T) {
			bad, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil {
				t.Fatal(err)
			}
			srv := replaytest.NewServer()
			defer srv.Close()
			cfg := mustConfig(t, fmt.Sprintf("settings: {retries: 0, host_delay: 0s}\nsources:\n  - {id: t, kind: page, url: '%s/t', select: '%s', remove: [.language-selection]}\n", srv.URL, sel))
			c := newChecker(t, cfg)

			// A first fetch: nothing to compare with.
			srv.Handle("/t", replaytest.Static(http.StatusOK, bad))
			if r := checkOne(t, c, "t"); r.Outcome != Failed || r.Kind != tracker.FailureKind(kind) {
				t.Fatalf("first fetch: %s %s %v; want a %s failure", r.Outcome, r.Kind, r.Err, kind)
			}
			srv.Handle("/t", replaytest.Static(http.StatusOK, doc))
			if r := checkOne(t, c, "t"); r.Outcome != New || r.Version.Seq != 1 {
				t.Fatalf("the document: %s %v", r.Outcome, r.Err)
			}
			srv.Handle("/t", replaytest.Static(http.StatusOK, bad))
			r := checkOne(t, c, "t")
			if r.Outcome != Failed || r.Kind != tracker.FailureKind(kind) || !strings.Contains(r.Err.Error(), "next check") {
				t.Fatalf("in place of the document: %s %s %v; want a %s failure saying what happens next", r.Outcome, r.Kind, r.Err, kind)
			}
			srv.Handle("/t", replaytest.Static(http.StatusOK, doc))
			if r := checkOne(t, c, "t"); r.Outcome != Unchanged || r.Version.Seq != 1 {
				t.Fatalf("the document back: %s seq %d %v; want unchanged", r.Outcome, r.Version.Seq, r.Err)
			}
		})
	}
}

// A soft 404 inside a site's chrome with plenty of text (a sitemap in the
// footer) is too long to be refused by itself, but it loses most of the
// document and reads like an error page: a failed fetch.
func TestLongErrorPageThatLosesTheDocument(t *testing.T) {
	var footer strings.Builder
	for i := range 60 {
		fmt.Fprintf(&footer, `<li><a href="/s/%d">Creator tools and resources %d</a></li>`, i, i)
	}
	bad := []byte(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>TikTok</title></head><body>
<main><h1>Page not found</h1><p>Sorry, we couldn't find this page. It may have been moved.</p></main>
<footer><ul>` + footer.String() + `</ul></footer></body></html>`)
	srv := replaytest.NewServer()
	defer srv.Close()
	cfg := mustConfig(t, fmt.Sprintf("settings: {retries: 0, host_delay: 0s}\nsources:\n  - {id: t, kind: page, url: '%s/t', select: body, remove: [.language-selection]}\n", srv.URL))
	c := newChecker(t, cfg)
	srv.Handle("/t", replaytest.Static(http.StatusOK, realPage(t, "Terms of Service", 0)))
	if r := checkOne(t, c, "t"); r.Outcome != New {
		t.Fatalf("the document: %s %v", r.Outcome, r.Err)
	}
	srv.Handle("/t", replaytest.Static(http.StatusOK, bad))
	r := checkOne(t, c, "t")
	if r.Outcome != Failed || r.Kind != "error-page" || !strings.Contains(r.Err.Error(), "of the document's") {
		t.Fatalf("%s %s %v; want an error-page failure saying how much of the document is left", r.Outcome, r.Kind, r.Err)
	}
}

// sequence answers each request with the next page, the last one for
// ever after.
type sequence struct {
	pages [][]byte
	n     atomic.Int32
}

func (s *sequence) handler(w http.ResponseWriter, r *http.Request) {
	i := min(int(s.n.Add(1))-1, len(s.pages)-1)
	replaytest.Static(http.StatusOK, s.pages[i])(w, r)
}

// A drastic change that does not read like an error page (most of the
// words gone) is recorded only when a second fetch reads the same.
func TestDrasticChangeIsConfirmedBySecondFetch(t *testing.T) {
	terms := realPage(t, "Terms of Service", 0)
	// A short notice in the page's layout: no error signal in it.
	short := []byte(strings.Replace(string(terms), "<main>", "<main><p>Our terms are being reorganised into several documents; the part that applies to you is below.</p></main><template>", 1))
	for _, tc := range []struct {
		name    string
		pages   [][]byte
		outcome tracker.Outcome
		seq     int
	}{
		{"a passing page, then the document again", [][]byte{short, terms}, Unchanged, 1},
		{"the same text twice", [][]byte{short, short}, New, 2},
		{"two different texts", [][]byte{short, realPage(t, "Privacy Policy", 0)}, Failed, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := replaytest.NewServer()
			defer srv.Close()
			cfg := mustConfig(t, fmt.Sprintf("settings: {retries: 0, host_delay: 0s}\nsources:\n  - {id: t, kind: page, url: '%s/t', select: main, remove: [.language-selection], min_words: 5}\n", srv.URL))
			c := newChecker(t, cfg)
			srv.Handle("/t", replaytest.Static(http.StatusOK, terms))
			if r := checkOne(t, c, "t"); r.Outcome != New {
				t.Fatalf("the document: %s %v", r.Outcome, r.Err)
			}
			seq := &sequence{pages: tc.pages}
			srv.Handle("/t", seq.handler)
			r := checkOne(t, c, "t")
			if r.Outcome != tc.outcome || r.Version.Seq != tc.seq && r.Outcome != Failed {
				t.Fatalf("%s seq %d %v; want %s, seq %d", r.Outcome, r.Version.Seq, r.Err, tc.outcome, tc.seq)
			}
			if got := srv.Hits("/t"); got != 3 {
				t.Errorf("%d fetches, want 3: the drastic change fetched twice", got)
			}
			if tc.outcome == Failed && (r.Kind != tracker.FailUnconfirmed || !strings.Contains(r.Err.Error(), "two fetches agree")) {
				t.Errorf("%s %v", r.Kind, r.Err)
			}
			if cur, _ := c.DB.CurrentVersion(t.Context(), "t"); cur.Seq != tc.seq {
				t.Errorf("current version %d, want %d", cur.Seq, tc.seq)
			}
		})
	}
}
