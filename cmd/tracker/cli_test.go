package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"tracker/internal/api"
	"tracker/internal/replaytest"
)

func TestUsageErrors(t *testing.T) {
	e := newEnv(t, "sources:\n  - {id: a, kind: page, url: 'http://127.0.0.1:1/', select: p}\n")
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{[]string{"check", "--nope"}, exitUsage, "flag provided but not defined"},
		{[]string{"check", "--source", "zzz"}, exitUsage, `unknown source "zzz"`},
		{[]string{"history"}, exitUsage, "usage: tracker history ID"},
		{[]string{"history", "a"}, exitFailed, "no database"},
		{[]string{"show", "a", "--at", "garbage"}, exitUsage, `--at: "garbage" is not a date`},
	} {
		if tc.msg == "no database" && !e.onFile() {
			continue // a PostgreSQL database is there before any check
		}
		code, _, errOut := e.run(tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.msg) {
			t.Errorf("tracker %s: exit %d, stderr %q; want %d and %q", strings.Join(tc.args, " "), code, errOut, tc.code, tc.msg)
		}
	}
}

func TestCheckConfig(t *testing.T) {
	e := newEnv(t, "sources:\n  - id: a\n    kind: page\n    url: https://e.com\n    select: p\n  - id: a\n    kind: page\n    url: https://e.com/2\n    sellect: p\n")
	code, out, errOut := e.run("check-config")
	if code != exitFailed || !strings.Contains(errOut, `sources.yaml:9: unknown key "sellect"`) {
		t.Errorf("exit %d stdout %q stderr %q", code, out, errOut)
	}
	// A broken configuration stops check with exit 2 before anything is fetched.
	if code, _, _ := e.run("check"); code != exitUsage {
		t.Errorf("check with a broken config: exit %d, want 2", code)
	}
	if _, err := os.Stat(e.db); err == nil && e.onFile() {
		t.Error("check with a broken config created a database")
	}
	if err := os.WriteFile(e.config, []byte("sources:\n  - {id: a, kind: page, url: 'https://e.com', select: p}\n  - {id: b, kind: page, url: 'https://e.com/b', select: p, disabled: true}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := e.mustRun(exitOK, "check-config"); !strings.Contains(out, "ok: 2 sources, 1 enabled") {
		t.Errorf("check-config said %q", out)
	}
}

// A check where one source fails exits 1, says why per source, and the
// failure shows in `tracker sources`; the other sources are recorded.
func TestCheckReportsEachSource(t *testing.T) {
	docs, err := replaytest.Load(replaytest.OTADir())
	if err != nil {
		t.Fatal(err)
	}
	srv := replaytest.NewServer()
	defer srv.Close()
	terms := docs["Terms of Service"]
	srv.Handle("/ok", replaytest.Document(terms[len(terms)-1].Markdown, 1))
	srv.Handle("/denied", replaytest.Static(http.StatusOK, replaytest.AccessDenied))
	e := newEnv(t, fmt.Sprintf(`
settings: {retries: 0, host_delay: 0s}
sources:
  - {id: terms, kind: page, url: '%[1]s/ok', select: '[data-testid=policy-card]', remove: [.language-selection]}
  - {id: blocked, kind: page, url: '%[1]s/denied', select: '[data-testid=policy-card]'}
  - {id: gone, kind: page, url: '%[1]s/gone', select: article}
  - {id: off, kind: page, url: '%[1]s/off', select: article, disabled: true}
`, srv.URL))
	out := e.mustRun(exitFailed, "check")
	for _, want := range []string{
		"terms    new version 1 (",
		"blocked  failed: the site served a block or challenge page (titled \"Access Denied\")",
		"gone     failed: HTTP 404 Not Found",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "off") {
		t.Errorf("a disabled source was checked:\n%s", out)
	}
	var list []api.Source
	e.runJSON(&list, "sources")
	byID := map[string]api.Source{}
	for _, s := range list {
		byID[s.ID] = s
	}
	if s := byID["terms"]; s.Versions != 1 || s.Error != "" || s.LastChange == nil || s.LastFetch == nil {
		t.Errorf("terms: %+v", s)
	}
	if s := byID["blocked"]; s.Versions != 0 || s.ErrorKind != "blocked" || s.Failures != 1 || s.FailingSince == nil {
		t.Errorf("blocked: %+v", s)
	}
	if s := byID["off"]; !s.Disabled || s.LastFetch != nil {
		t.Errorf("off: %+v", s)
	}
	text := e.mustRun(exitOK, "sources")
	if !strings.Contains(text, "disabled") || !strings.Contains(text, "failing since") {
		t.Errorf("sources:\n%s", text)
	}
	// Only the requested source is checked.
	out = e.mustRun(exitOK, "check", "--source", "terms")
	if strings.Join(strings.Fields(out), " ") != "terms unchanged (version 1)" {
		t.Errorf("check --source terms: %q", out)
	}
}

// New selectors: tracker rebuild re-extracts the current version from its
// stored page; the difference is a technical version, never a change of the
// document.
func TestRebuild(t *testing.T) {
	docs, err := replaytest.Load(replaytest.OTADir())
	if err != nil {
		t.Fatal(err)
	}
	srv := replaytest.NewServer()
	defer srv.Close()
	terms := docs["Terms of Service"]
	srv.Handle("/tos", replaytest.Document(terms[len(terms)-1].Markdown, 1))
	conf := "settings: {retries: 0, host_delay: 0s}\nsources:\n  - {id: tos, kind: page, url: '" + srv.URL + "/tos', select: '[data-testid=policy-card]', remove: [%s]}\n"
	e := newEnv(t, fmt.Sprintf(conf, ".language-selection"))
	e.mustRun(exitOK, "check")
	if out := e.mustRun(exitOK, "rebuild"); strings.TrimSpace(out) != "tos  unchanged" {
		t.Errorf("rebuild without new selectors: %q", out)
	}
	// The operator drops the "In short" summaries, set in italics.
	if err := os.WriteFile(e.config, []byte(fmt.Sprintf(conf, ".language-selection, em")), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := e.mustRun(exitOK, "rebuild"); !strings.Contains(out, "tos  technical version 2") {
		t.Errorf("rebuild: %q", out)
	}
	var list []api.Change
	e.runJSON(&list, "changes")
	if len(list) != 0 {
		t.Errorf("the new selectors were reported as a change of the document: %+v", list)
	}
	e.runJSON(&list, "changes", "--technical")
	if len(list) != 1 || !list[0].Technical || list[0].ToSeq != 2 || list[0].WordsRemoved == 0 {
		t.Errorf("technical changes: %+v", list)
	}
	if out := e.mustRun(exitOK, "history", "tos"); !strings.Contains(out, "rebuild; technical (extraction rules changed)") {
		t.Errorf("history:\n%s", out)
	}
	if out := e.mustRun(exitOK, "check"); !strings.Contains(out, "unchanged (version 2)") {
		t.Errorf("check after the rebuild: %q", out)
	}
}

func TestFeedCommands(t *testing.T) {
	fr, err := os.ReadFile(filepath.Join(replaytest.TestdataDir(), "feeds", "federal-register-documents-2025-08-04.rss"))
	if err != nil {
		t.Fatal(err)
	}
	// The feed at first without its two Privacy Act notices, then with them.
	cut := func(b []byte, title string) []byte {
		out := b
		for {
			i := bytes.Index(out, []byte("<title>"+title))
			if i < 0 {
				return out
			}
			start := bytes.LastIndex(out[:i], []byte("<item>"))
			end := i + bytes.Index(out[i:], []byte("</item>")) + len("</item>")
			out = append(append([]byte(nil), out[:start]...), out[end:]...)
		}
	}
	srv := replaytest.NewServer()
	defer srv.Close()
	srv.Handle("/fr", replaytest.Static(http.StatusOK, cut(fr, "Privacy Act of 1974")))
	e := newEnv(t, "settings: {retries: 0, host_delay: 0s}\nsources:\n  - {id: federal-register, name: Federal Register, kind: feed, url: '"+srv.URL+"/fr', topics: [privacy, consumer, ip]}\n")
	if out := e.mustRun(exitOK, "check"); !strings.Contains(out, "first fetch: 198 items stored as the baseline, not announced") {
		t.Errorf("first check: %q", out)
	}
	srv.Handle("/fr", replaytest.Static(http.StatusOK, fr))
	if out := e.mustRun(exitOK, "check"); !strings.Contains(out, "2 new items (2 kept by the filters)") {
		t.Errorf("second check: %q", out)
	}
	var items []api.Item
	e.runJSON(&items, "items")
	if len(items) != 2 {
		t.Fatalf("%d items announced, want the 2 new ones: %+v", len(items), items)
	}
	for _, it := range items {
		if it.Source != "federal-register" || it.Title != "Privacy Act of 1974; System of Records" || it.Published != "2025-08-01" ||
			!it.DateOnly || it.FirstSeen == nil || it.Updated || len(it.Topics) == 0 || it.Topics[0].Topic != "privacy" ||
			!strings.HasPrefix(it.Key, "https://www.federalregister.gov/documents/2025/08/01/") || it.Link == "" {
			t.Errorf("item %+v", it)
		}
	}
	var raw []map[string]any
	e.runJSON(&raw, "items", "--topic", "privacy")
	for _, field := range []string{"source", "key", "title", "link", "published", "first_seen", "updated", "topics"} {
		if _, ok := raw[0][field]; !ok {
			t.Errorf("items --json lacks %q", field)
		}
	}
	e.runJSON(&items, "items", "--all", "--topic", "ip")
	if len(items) != 2 {
		t.Errorf("--all --topic ip: %d items, want the 2 ITC Section 337 notices", len(items))
	}
	e.runJSON(&items, "items", "--topic", "consumer")
	if len(items) != 0 {
		t.Errorf("--topic consumer: %+v", items)
	}
	out := e.mustRun(exitOK, "search", "system of records")
	if !strings.Contains(out, "Regulator items:") || !strings.Contains(out, "2025-08-01  federal-register  Privacy Act of 1974; System of Records") {
		t.Errorf("search:\n%s", out)
	}
	if out := e.mustRun(exitOK, "items"); !strings.Contains(out, `privacy: "System of Records"`) {
		t.Errorf("items:\n%s", out)
	}
}

func TestStats(t *testing.T) {
	terms := replaytest.History(t, "Terms of Service")
	srv := replaytest.NewServer()
	defer srv.Close()
	e := newEnv(t, tosConfig(srv.URL))
	if e.onFile() {
		e.mustRun(exitFailed, "stats") // no database yet
	}

	stats := func() statsJSON {
		t.Helper()
		var st statsJSON
		e.runJSON(&st, "stats")
		var parts int64
		for _, p := range st.Parts {
			parts += p.Bytes
		}
		if parts+st.FreeBytes != st.FileBytes || st.FileBytes == 0 || e.onFile() && st.FileBytes%st.PageSize != 0 {
			t.Errorf("parts %d + free %d bytes do not make the file's %d bytes", parts, st.FreeBytes, st.FileBytes)
		}
		return st
	}
	srv.Handle("/tos", replaytest.Document(terms[0].Markdown, 1))
	e.mustRun(exitOK, "check")
	first := stats()
	srv.Handle("/tos", replaytest.Document(terms[2].Markdown, 2)) // terms[1] differs in layout only
	e.mustRun(exitOK, "check")
	second := stats()

	if first.Versions != 1 || second.Versions != 2 || second.DistinctTexts != 2 || second.Snapshots != 2 {
		t.Errorf("counts: %+v then %+v", first, second)
	}
	// The second version is stored as a delta against the first: a few
	// hundred bytes where its text takes tens of thousands.
	added := second.Compressed.Texts - first.Compressed.Texts
	grown := second.VersionBytes - first.VersionBytes
	if added <= 0 || added*20 > grown {
		t.Errorf("the second version added %d compressed bytes for %d bytes of text", added, grown)
	}
	if second.Compressed.Pages <= first.Compressed.Pages {
		t.Errorf("the second raw page was not counted: %d then %d bytes", first.Compressed.Pages, second.Compressed.Pages)
	}
	names := map[string]bool{}
	for _, p := range second.Parts {
		names[p.Part] = p.Bytes > 0
	}
	for _, n := range []string{"compressed texts, pages and digests", "search index", "versions and changes", "snapshots and fetch log"} {
		if !names[n] {
			t.Errorf("part %q missing or empty: %+v", n, second.Parts)
		}
	}
	out := e.mustRun(exitOK, "stats")
	if !strings.Contains(out, "for 2 versions of 1 sources") || !strings.Contains(out, "2 distinct texts of versions") {
		t.Errorf("stats:\n%s", out)
	}
}

// The times tracker prints find the versions they belong to when given back,
// although versions are stored to the millisecond and printed to the second.
func TestPrintedTimesFindTheirVersion(t *testing.T) {
	terms := replaytest.History(t, "Terms of Service")
	srv := replaytest.NewServer()
	defer srv.Close()
	e := newEnv(t, tosConfig(srv.URL))
	first := time.Date(2026, 11, 23, 9, 0, 0, 673e6, time.UTC)
	e.clock.Set(first)
	srv.Handle("/tos", replaytest.Document(terms[0].Markdown, 1))
	e.mustRun(exitOK, "check")
	e.clock.Set(first.Add(26*time.Hour + 42*time.Second + 250*time.Millisecond))
	srv.Handle("/tos", replaytest.Document(terms[2].Markdown, 2))
	e.mustRun(exitOK, "check")

	var history []api.Version
	e.runJSON(&history, "history", "tos")
	if len(history) != 2 {
		t.Fatalf("%d versions", len(history))
	}
	var raw []map[string]any
	e.runJSON(&raw, "history", "tos")
	if ref, ok := raw[0]["origin_ref"]; !ok || ref != "" {
		t.Errorf("a fetched version's origin_ref: %v (present %v), want \"\"", ref, ok)
	}
	for _, v := range history {
		var shown api.Shown
		e.runJSON(&shown, "show", "tos", "--at", *v.FirstSeen)
		if shown.Seq != v.Seq {
			t.Errorf("show --at %s (version %d's first_seen): version %d", *v.FirstSeen, v.Seq, shown.Seq)
		}
	}
	var list []api.Change
	e.runJSON(&list, "changes", "--since", *history[1].FirstSeen, "--until", *history[1].FirstSeen)
	if len(list) != 1 || list[0].ToSeq != 2 {
		t.Errorf("changes between version 2's printed first_seen and itself: %+v", list)
	}
	// The listings' minute, as printed.
	if out := e.mustRun(exitOK, "show", "tos", "--at", "2026-11-24 11:00 UTC"); !strings.Contains(out, "version 2") {
		t.Errorf("show --at the minute version 2 was first seen:\n%.300s", out)
	}
}

// tracker sources lists what it can: the declared sources before any
// database exists (creating none), the stored ones without a configuration.
// A configuration asked for by name must exist.
func TestSourcesWithoutDatabaseOrConfig(t *testing.T) {
	e := newEnv(t, "sources:\n  - {id: tos, kind: page, url: 'https://www.tiktok.com/legal/terms', select: article}\n")
	typo := filepath.Join(e.dir, "trakcer.db")
	if out := e.mustRun(exitOK, "sources", "--db", typo); !strings.Contains(out, "tos") || !strings.Contains(out, "never checked") {
		t.Errorf("sources before any database:\n%s", out)
	}
	if _, err := os.Stat(typo); err == nil {
		t.Error("tracker sources created a database")
	}

	imported := importedEnv(t)
	os.Remove(imported.config)
	imported.config = filepath.Join(imported.dir, "missing.yaml")
	if code, _, errOut := imported.run("sources"); code != exitUsage || !strings.Contains(errOut, "no configuration at") {
		t.Errorf("sources with a missing --config: exit %d %q", code, errOut)
	}
	if code, _, errOut := imported.run("diff", "tiktok-terms-of-service"); code != exitUsage || !strings.Contains(errOut, "no configuration at") {
		t.Errorf("diff with a missing --config: exit %d %q", code, errOut)
	}
	imported.config = defaultConf // not in this directory: the database alone
	if out := imported.mustRun(exitOK, "sources"); !regexp.MustCompile(`tiktok-privacy-policy +page +70 versions`).MatchString(out) {
		t.Errorf("sources from the database alone:\n%s", out)
	}
}
