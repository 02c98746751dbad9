package sources

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"tracker"
	"tracker/internal/replaytest"
	"tracker/internal/store"
)

// A body fetched again byte for byte is confirmed without being read, but
// only while it still gives the current version: after an import, or under
// a stricter min_words, it is read again.
func TestUnchangedBodyIsConfirmedUnread(t *testing.T) {
	ctx := context.Background()
	terms := replaytest.History(t, "Terms of Service")
	body := replaytest.Page(terms[0].Markdown, rand.New(rand.NewPCG(1, 2)))
	srv := replaytest.NewServer()
	defer srv.Close()
	srv.Handle("/t", replaytest.Static(http.StatusOK, body))
	cfg := mustConfig(t, fmt.Sprintf("settings: {retries: 0, host_delay: 0s}\nsources:\n  - {id: t, kind: page, url: '%s/t', select: '[data-testid=policy-card]', remove: [.language-selection]}\n", srv.URL))
	c := newChecker(t, cfg)

	if r := checkOne(t, c, "t"); r.Outcome != New {
		t.Fatalf("first check: %+v", r)
	}
	if st, _ := c.DB.Source(ctx, "t"); st.Validators.Body == "" {
		t.Fatalf("the body read was not kept with the validators: %+v", st.Validators)
	}
	if r := checkOne(t, c, "t"); r.Outcome != Unchanged || r.Version.Seq != 1 {
		t.Fatalf("second check: %+v, want unchanged", r)
	}

	// An import makes another text current, even under the same rules: the
	// same body must now be recorded again, not confirmed as the imported
	// text.
	if _, _, err := c.DB.AddVersion(ctx, store.NewVersion{SourceID: "t", Text: "An imported text.", At: c.now(),
		ExpectSeq: 1, Provenance: tracker.ProvenanceImport, RulesHash: RulesHash(&cfg.Sources[0])}); err != nil {
		t.Fatal(err)
	}
	r := checkOne(t, c, "t")
	if r.Outcome != New || r.Version.Seq != 3 || r.Version.SameAs != 1 {
		t.Fatalf("check after an import: %+v, want version 3 with version 1's text", r)
	}
	if r := checkOne(t, c, "t"); r.Outcome != Unchanged || r.Version.Seq != 3 {
		t.Fatalf("check after that: %+v, want unchanged", r)
	}

	// The same body under a min_words it does not reach fails.
	cfg.Settings.MinWords = 1_000_000
	if r := checkOne(t, c, "t"); r.Outcome != Failed || r.Kind != tracker.FailTooShort {
		t.Fatalf("check under a higher min_words: %+v, want too-short", r)
	}
}

// A combined source whose every page comes back byte for byte is confirmed
// unread; one page changed is read and recorded.
func TestUnchangedCombinedPagesAreConfirmedUnread(t *testing.T) {
	terms := replaytest.History(t, "Terms of Service")
	rnd := rand.New(rand.NewPCG(3, 4))
	a, b := replaytest.Page(terms[0].Markdown, rnd), replaytest.Page(terms[1].Markdown, rnd)
	srv := replaytest.NewServer()
	defer srv.Close()
	srv.Handle("/a", replaytest.Static(http.StatusOK, a))
	srv.Handle("/b", replaytest.Static(http.StatusOK, b))
	cfg := mustConfig(t, fmt.Sprintf(`settings: {retries: 0, host_delay: 0s}
sources:
  - id: t
    kind: page
    select: '[data-testid=policy-card]'
    remove: [.language-selection]
    pages: [{url: '%[1]s/a'}, {url: '%[1]s/b'}]
`, srv.URL))
	c := newChecker(t, cfg)
	if r := checkOne(t, c, "t"); r.Outcome != New {
		t.Fatalf("first check: %+v", r)
	}
	if r := checkOne(t, c, "t"); r.Outcome != Unchanged || r.Version.Seq != 1 {
		t.Fatalf("second check: %+v, want unchanged", r)
	}
	srv.Handle("/b", replaytest.Static(http.StatusOK, replaytest.Page(terms[2].Markdown, rnd)))
	if r := checkOne(t, c, "t"); r.Outcome != New || r.Version.Seq != 2 {
		t.Fatalf("check after page 2 changed: %+v, want version 2", r)
	}
	if r := checkOne(t, c, "t"); r.Outcome != Unchanged || r.Version.Seq != 2 {
		t.Fatalf("check after that: %+v, want unchanged", r)
	}
}

// A drastic change a second fetch did not confirm leaves the body that
// gave the current version with the validators, not the passing one: the
// same new page, fetched later and confirmed by its second fetch, is read
// and recorded.
func TestUnconfirmedBodyIsReadAgain(t *testing.T) {
	terms := realPage(t, "Terms of Service", 0)
	short := []byte(strings.Replace(string(terms), "<main>", "<main><p>Our terms are being reorganised into several documents; the part that applies to you is below.</p></main><template>", 1))
	srv := replaytest.NewServer()
	defer srv.Close()
	cfg := mustConfig(t, fmt.Sprintf("settings: {retries: 0, host_delay: 0s}\nsources:\n  - {id: t, kind: page, url: '%s/t', select: main, remove: [.language-selection], min_words: 5}\n", srv.URL))
	c := newChecker(t, cfg)
	srv.Handle("/t", replaytest.Static(http.StatusOK, terms))
	if r := checkOne(t, c, "t"); r.Outcome != New {
		t.Fatalf("the document: %s %v", r.Outcome, r.Err)
	}
	seq := &sequence{pages: [][]byte{short, terms}}
	srv.Handle("/t", seq.handler)
	if r := checkOne(t, c, "t"); r.Outcome != Unchanged || r.Version.Seq != 1 {
		t.Fatalf("a passing page, then the document: %s seq %d %v; want unchanged", r.Outcome, r.Version.Seq, r.Err)
	}
	srv.Handle("/t", replaytest.Static(http.StatusOK, short))
	if r := checkOne(t, c, "t"); r.Outcome != New || r.Version.Seq != 2 {
		t.Fatalf("the new page twice: %s seq %d %v; want version 2", r.Outcome, r.Version.Seq, r.Err)
	}
}
