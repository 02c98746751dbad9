package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tracker/internal/replaytest"
)

// TestRelatedRegulatorItems links a real change of TikTok's Privacy Policy
// (v21→v22, 29 October 2025, from Open Terms Archive's history) to what
// regulators published on its subject that week, read from their real
// feeds: the EDPB's opinion on personal data a week later is linked, both
// ways, with the why; the Commission's DSA finding five days before is on
// another topic, and the ICO's data breach fine two weeks before is out of
// the window.
func TestRelatedRegulatorItems(t *testing.T) {
	feed := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(replaytest.TestdataDir(), "feeds", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var mu sync.Mutex
	bodies := map[string][]byte{
		"/edpb": withoutItems(feed("edpb-news.xml"), "Draft adequacy decision for Brazil"),
		"/ec":   feed("ec-press-corner.xml"),
		"/ico":  feed("ico-news.xml"),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		b, ok := bodies[r.URL.Path]
		mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Write(b)
	}))
	defer srv.Close()
	e := newEnv(t, fmt.Sprintf(`settings: {retries: 0, host_delay: 0s}
sources:
  - {id: edpb, name: EDPB news, kind: feed, url: '%[1]s/edpb'}
  - {id: ec-press, name: European Commission press corner, kind: feed, url: '%[1]s/ec'}
  - {id: ico, name: ICO news, kind: feed, url: '%[1]s/ico'}
`, srv.URL))
	e.mustRun(exitOK, "import", "ota", replaytest.OTADir())
	e.mustRun(exitOK, "check")
	// The EDPB's opinion appears in its feed at the next check: news.
	mu.Lock()
	bodies["/edpb"] = feed("edpb-news.xml")
	mu.Unlock()
	if out := e.mustRun(exitOK, "check"); !strings.Contains(out, "1 new item") {
		t.Fatalf("second check:\n%s", out)
	}

	type topic struct {
		Topic          string   `json:"topic"`
		ChangeEvidence []string `json:"change_evidence"`
		ItemEvidence   []string `json:"item_evidence"`
		Weight         int      `json:"weight"`
	}
	var chs []struct {
		Source       string `json:"source"`
		ToSeq        int    `json:"to_seq"`
		RelatedItems []struct {
			Source, Title, Why string
			Days               int
			Topics             []topic
		} `json:"related_items"`
	}
	e.runJSON(&chs, "changes", "--source", "tiktok-privacy-policy", "--since", "2025-10-29", "--until", "2025-10-29")
	if len(chs) != 1 || chs[0].ToSeq != 22 {
		t.Fatalf("changes of 29 October 2025: %+v", chs)
	}
	rel := chs[0].RelatedItems
	if len(rel) != 1 || rel[0].Source != "edpb" || !strings.HasPrefix(rel[0].Title, "Draft adequacy decision for Brazil") || rel[0].Days != 7 {
		t.Fatalf("related items: %+v", rel)
	}
	if tp := rel[0].Topics; len(tp) != 1 || tp[0].Topic != "privacy" || !contains(tp[0].ItemEvidence, "personal data") ||
		!contains(tp[0].ChangeEvidence, "precise location") || !strings.Contains(rel[0].Why, "published 7 days after the change") {
		t.Errorf("why: %+v", rel[0])
	}
	// A whole history costs no more than its busy weeks: every change
	// carries the field, [] when nothing relates.
	var all []map[string]any
	e.runJSON(&all, "changes")
	for _, c := range all {
		if _, ok := c["related_items"].([]any); !ok {
			t.Fatalf("change without related_items: %v", c)
		}
	}

	var items []struct {
		Title          string `json:"title"`
		RelatedChanges []struct {
			Source string `json:"source"`
			ToSeq  int    `json:"to_seq"`
			Days   int    `json:"days"`
			Topics []topic
		} `json:"related_changes"`
	}
	e.runJSON(&items, "items", "--source", "edpb")
	if len(items) != 1 || len(items[0].RelatedChanges) != 1 {
		t.Fatalf("items of the EDPB: %+v", items)
	}
	if rc := items[0].RelatedChanges[0]; rc.Source != "tiktok-privacy-policy" || rc.ToSeq != 22 || rc.Days != -7 || rc.Topics[0].Topic != "privacy" {
		t.Errorf("the item's related change: %+v", rc)
	}

	// A wider window takes in the ICO's fine of 15 October.
	cfg, _ := os.ReadFile(e.config)
	if err := os.WriteFile(e.config, []byte(strings.Replace(string(cfg), "host_delay: 0s}", "host_delay: 0s, related_window: 360h}", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	e.runJSON(&chs, "changes", "--source", "tiktok-privacy-policy", "--since", "2025-10-29", "--until", "2025-10-29")
	var titles []string
	for _, r := range chs[0].RelatedItems {
		titles = append(titles, r.Title)
	}
	if len(titles) != 2 || !strings.Contains(strings.Join(titles, "|"), "Capita fined") {
		t.Errorf("with related_window: 360h: %q", titles)
	}
	if err := os.WriteFile(e.config, cfg, 0o644); err != nil {
		t.Fatal(err)
	}

	// The web pages show the links both ways, with the why.
	addr, stop, stderr := e.serve(nil, "--listen", "127.0.0.1:0")
	if addr == "" {
		t.Fatalf("serve: %s", stderr)
	}
	defer stop()
	for _, path := range []string{"/sources/tiktok-privacy-policy/diff?from=21&to=22", "/sources/tiktok-privacy-policy/versions/22"} {
		code, body := httpGet(t, addr+path)
		page := string(body)
		if code != 200 || !strings.Contains(page, "Regulators on this, that week") || !strings.Contains(page, "Draft adequacy decision for Brazil") ||
			!strings.Contains(page, "published 7 days after the change") || !strings.Contains(page, "“precise location”") {
			t.Errorf("GET %s: %d\n%s", path, code, page)
		}
		if strings.Contains(page, "Capita fined") || strings.Contains(page, "transparency obligations under the Digital Services Act") {
			t.Errorf("GET %s links an item out of the window or on another topic", path)
		}
	}
	code, body := httpGet(t, addr+"/items?source=edpb")
	if page := string(body); code != 200 || !strings.Contains(page, "Changes on this, that week") ||
		!strings.Contains(page, `href="/sources/tiktok-privacy-policy/diff?from=21&amp;to=22"`) {
		t.Errorf("GET /items?source=edpb: %d\n%s", code, page)
	}
	code, body = httpGet(t, addr+"/api/items?source=edpb")
	if code != 200 || !strings.Contains(string(body), `"related_changes"`) || !strings.Contains(string(body), `"to_seq": 22`) {
		t.Errorf("GET /api/items: %d %s", code, body)
	}

	// The digest of that week shows them under the change.
	e.clock.Set(time.Date(2025, 11, 3, 12, 0, 0, 0, time.UTC))
	html := filepath.Join(e.dir, "preview.html")
	out := e.mustRun(exitOK, "digest", "--preview", "--out", html)
	i := strings.Index(out, "version 21 → 22")
	if i < 0 {
		t.Fatalf("the preview lacks the change:\n%s", out)
	}
	under := out[i:]
	if j := strings.Index(under, "\n  * "); j > 0 {
		under = under[:j]
	}
	if !strings.Contains(under, "Regulators on this, that week:") || !strings.Contains(under, "EDPB news: Draft adequacy decision for Brazil") ||
		!strings.Contains(under, "Why: Privacy and data protection: the change says “precise location”") {
		t.Errorf("under the change in the digest:\n%s", under)
	}
	b, err := os.ReadFile(html)
	if err != nil || !strings.Contains(string(b), "Regulators on this, that week") || !strings.Contains(string(b), "Draft adequacy decision for Brazil") {
		t.Errorf("the HTML digest lacks the related item: %v", err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
