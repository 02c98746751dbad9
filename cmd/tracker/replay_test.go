package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"tracker/internal/replaytest"
	"tracker/internal/sources/page"
	"tracker/internal/store"
)

const replayConfig = `
settings:
  retries: 1
  retry_backoff: 1ms
  host_delay: 0s
  timeout: 10s
sources:
  - id: tiktok-terms-eea
    name: TikTok Terms of Service (EEA)
    kind: page
    url: %[1]s/legal/terms
    select: "[data-testid=policy-card]"
    remove: [".language-selection"]
  - id: tiktok-privacy-eea
    name: TikTok Privacy Policy (EEA)
    kind: page
    url: %[1]s/legal/privacy
    select: article
    remove: [".language-selection"]
`

// visibleText is an oracle independent of the extractor: the words a reader
// sees on the rendered Markdown, ignoring layout.
func visibleText(t *testing.T, md []byte) string {
	doc, err := page.FromMarkdown(md)
	if err != nil {
		t.Fatal(err)
	}
	// Text tokens are joined as they come: goldmark puts a newline between
	// blocks, and inline elements (links, emphasis) must not add spaces.
	z := html.NewTokenizer(bytes.NewReader(doc))
	var b strings.Builder
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.Join(strings.Fields(strings.ReplaceAll(b.String(), "\u00a0", " ")), " ")
		case html.TextToken:
			b.Write(z.Text())
		}
	}
}

// cleanText is the extractor's text of the page without any noise around it.
func cleanText(t *testing.T, md []byte) string {
	doc, err := page.FromMarkdown(md)
	if err != nil {
		t.Fatal(err)
	}
	x, err := page.Compile(page.Rules{Select: []string{"body"}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := x.Extract(doc, "text/html; charset=utf-8")
	if err != nil {
		t.Fatal(err)
	}
	return p.Text
}

type event struct {
	source string
	path   string
	v      replaytest.Capture
}

// TestReplayTikTokHistory serves the real history of TikTok's Terms of
// Service and Privacy Policy (2020–2026) through a local server, each version
// several times with fresh noise around the policy and with server errors,
// block pages and challenges in between. Every real change of the text must
// give exactly one version, dated when it was served; noise and faults none.
//
// What is a real change is the text of the page served without noise; an
// independent oracle, the words a reader sees, checks that no change of
// wording is ever missed. Changes of layout only (a bold line that became a
// heading) are versions too: the diff marks them cosmetic.
func TestReplayTikTokHistory(t *testing.T) {
	docs, err := replaytest.Load(replaytest.OTADir())
	if err != nil {
		t.Fatal(err)
	}
	srv := replaytest.NewServer()
	defer srv.Close()
	e := newEnv(t, fmt.Sprintf(replayConfig, srv.URL))

	var events []event
	for _, d := range []struct{ source, path, doc string }{
		{"tiktok-terms-eea", "/legal/terms", "Terms of Service"},
		{"tiktok-privacy-eea", "/legal/privacy", "Privacy Policy"},
	} {
		for _, v := range docs[d.doc] {
			events = append(events, event{d.source, d.path, v})
		}
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].v.RecordedAt.Before(events[j].v.RecordedAt) })

	type expected struct {
		firstSeen time.Time
		sameAs    int
	}
	want := map[string][]expected{}
	seen := map[string]map[string]int{} // source → text → first seq
	last, lastWords := map[string]string{}, map[string]string{}
	layoutOnly := 0
	current := map[string]http.HandlerFunc{}
	faults := []struct {
		name    string
		handler http.HandlerFunc
		reason  string
	}{
		{"503", replaytest.Static(http.StatusServiceUnavailable, replaytest.Unavailable), "HTTP 503"},
		{"access denied", replaytest.Static(http.StatusOK, replaytest.AccessDenied), "block or challenge page"},
		{"challenge", replaytest.Static(http.StatusOK, replaytest.Challenge), "block or challenge page"},
		{"redesign", replaytest.Static(http.StatusOK, replaytest.Redesigned), "matched nothing"},
	}

	for i, ev := range events {
		at := ev.v.RecordedAt
		e.clock.Set(at)
		current[ev.source] = replaytest.Document(ev.v.Markdown, uint64(i))
		srv.Handle(ev.path, current[ev.source])

		text, words := cleanText(t, ev.v.Markdown), visibleText(t, ev.v.Markdown)
		changed := text != last[ev.source]
		if words != lastWords[ev.source] && !changed {
			t.Fatalf("%s: the wording changed but the extracted text did not", ev.v.File)
		}
		if changed && words == lastWords[ev.source] {
			layoutOnly++
		}
		last[ev.source], lastWords[ev.source] = text, words
		if seen[ev.source] == nil {
			seen[ev.source] = map[string]int{}
		}
		if changed {
			seq := len(want[ev.source]) + 1
			want[ev.source] = append(want[ev.source], expected{firstSeen: at, sameAs: seen[ev.source][text]})
			if seen[ev.source][text] == 0 {
				seen[ev.source][text] = seq
			}
		}

		out := e.mustRun(exitOK, "check", "--source", ev.source)
		if got := strings.Contains(out, "new version"); got != changed {
			t.Fatalf("%s %s (%s): output %q, want a new version: %v", ev.source, ev.v.File, ev.v.Kind, out, changed)
		}
		// Every source served so far again, with fresh noise: nothing new.
		var all []string
		for src := range current {
			all = append(all, "--source", src)
		}
		for k := 1; k <= 2; k++ {
			e.clock.Set(at.Add(time.Duration(k) * time.Minute))
			if out := e.mustRun(exitOK, append([]string{"check"}, all...)...); strings.Contains(out, "new version") {
				t.Fatalf("after %s: noise made a new version:\n%s", ev.v.File, out)
			}
		}
		// A fault now and then: never a version, always a reason.
		if i%7 == 3 {
			f := faults[(i/7)%len(faults)]
			srv.Handle(ev.path, f.handler)
			e.clock.Set(at.Add(3 * time.Minute))
			out := e.mustRun(exitFailed, "check", "--source", ev.source)
			if !strings.Contains(out, f.reason) {
				t.Fatalf("fault %s: output %q lacks %q", f.name, out, f.reason)
			}
			list := e.mustRun(exitOK, "sources")
			if !strings.Contains(list, "failing since") || !strings.Contains(list, f.reason) {
				t.Fatalf("fault %s not shown by `tracker sources`:\n%s", f.name, list)
			}
			srv.Handle(ev.path, current[ev.source])
			e.clock.Set(at.Add(4 * time.Minute))
			if out := e.mustRun(exitOK, append([]string{"check"}, all...)...); strings.Contains(out, "new version") || strings.Contains(out, "failed") {
				t.Fatalf("recovery after %s: %s", f.name, out)
			}
		}
	}

	for source, exp := range want {
		var history []struct {
			Seq       int     `json:"seq"`
			SHA256    string  `json:"sha256"`
			FirstSeen string  `json:"first_seen"`
			LastSeen  string  `json:"last_seen"`
			Words     int     `json:"words"`
			SameAs    *int    `json:"same_as"`
			Prov      string  `json:"provenance"`
			Origin    *string `json:"origin_ref"`
		}
		e.runJSON(&history, "history", source)
		if len(history) != len(exp) {
			t.Fatalf("%s: %d versions, want %d (one per real change)", source, len(history), len(exp))
		}
		flipFlops := 0
		for i, h := range history {
			if h.Seq != i+1 || h.FirstSeen != exp[i].firstSeen.Format(time.RFC3339) || len(h.SHA256) != 64 || h.Words < 1000 {
				t.Errorf("%s version %d: %+v, want first seen %s", source, i+1, h, exp[i].firstSeen.Format(time.RFC3339))
			}
			gotSame := 0
			if h.SameAs != nil {
				gotSame = *h.SameAs
				flipFlops++
			}
			if gotSame != exp[i].sameAs {
				t.Errorf("%s version %d: same_as %d, want %d", source, h.Seq, gotSame, exp[i].sameAs)
			}
		}
		t.Logf("%s: %d versions, %d of them identical to an earlier one", source, len(history), flipFlops)
		if source == "tiktok-privacy-eea" && flipFlops < 10 {
			t.Errorf("the Privacy Policy flip-flops of May–August 2026 were not recorded as such (%d)", flipFlops)
		}
	}
	t.Logf("%d versions changed the layout but not the wording", layoutOnly)

	// Years of history must stay small. What the history costs is the
	// compressed texts and raw pages: at most 5 % of the bytes of the
	// versions (a git pack of the versions alone is about 3–4 %). The file
	// adds the full-text index of every distinct paragraph (about 7 %) and
	// SQLite's pages and per-row bookkeeping, with a page or more for each
	// table even when empty: a fixed cost on a history this small.
	db, err := store.Open(context.Background(), e.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := db.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	blobs := float64(st.BlobBytes) / float64(st.VersionBytes) * 100
	file := float64(st.FileBytes) / float64(st.VersionBytes) * 100
	t.Logf("database: %d versions holding %d bytes of text, %d raw snapshots; compressed texts and pages %d bytes = %.2f %%; file %d bytes = %.2f %%",
		st.Versions, st.VersionBytes, st.Snapshots, st.BlobBytes, blobs, st.FileBytes, file)
	for _, p := range st.Parts {
		t.Logf("  %-36s %7d bytes = %5.2f %%", p.Name, p.Bytes, float64(p.Bytes)/float64(st.VersionBytes)*100)
	}
	if blobs > 5 {
		t.Errorf("texts and pages take %.2f %% of the bytes of the versions, more than 5 %%", blobs)
	}
	// A PostgreSQL database holds its catalog too, some 10 MB: the bound
	// is the file's.
	if file > 25 && e.onFile() {
		t.Errorf("the database file is %.2f %% of the bytes of the versions, more than 25 %%", file)
	}
	list := e.mustRun(exitOK, "sources")
	if strings.Contains(list, "failing") {
		t.Errorf("a source still shows a failure after recovering:\n%s", list)
	}
}
