package main

import (
	"bufio"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"tracker"

	"tracker/internal/api"
	"tracker/internal/daemon"
	"tracker/internal/replaytest"
	"tracker/internal/store"
)

// importedEnv is a database holding the whole TikTok history (128 files of
// three documents), imported from the dataset in testdata.
func importedEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t, "sources:\n  - {id: unrelated, kind: page, url: 'https://example.com', select: article}\n")
	out := e.mustRun(exitOK, "import", "ota", replaytest.OTADir())
	for _, want := range []string{
		"TikTok/Terms of Service → tiktok-terms-of-service (import-only source): 22 versions added",
		"TikTok/Privacy Policy → tiktok-privacy-policy (import-only source): 70 versions added",
		"TikTok/Copyright Claims Policy → tiktok-copyright-claims-policy (import-only source): 12 versions added",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("import output lacks %q:\n%s", want, out)
		}
	}
	return e
}

// manifest reads testdata's manifest: document → recorded times, oldest first.
func manifest(t *testing.T) map[string][]time.Time {
	t.Helper()
	f, err := os.Open(filepath.Join(replaytest.OTADir(), "manifest.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]time.Time{}
	sc := bufio.NewScanner(f)
	sc.Scan()
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		at, err := time.Parse(time.RFC3339, cols[3])
		if err != nil {
			t.Fatal(err)
		}
		out[cols[1]] = append(out[cols[1]], at)
	}
	return out
}

func TestImportHistory(t *testing.T) {
	e := importedEnv(t)
	recorded := manifest(t)["Terms of Service"]

	// Every version carries the real date it was recorded and its origin.
	var history []api.Version
	e.runJSON(&history, "history", "tiktok-terms-of-service")
	if len(history) != 22 {
		t.Fatalf("%d versions", len(history))
	}
	isRecorded := map[string]bool{}
	for _, at := range recorded {
		isRecorded[at.Format(time.RFC3339)] = true
	}
	// Its last change is its last version's, as the web overview says too.
	var list []api.Source
	e.runJSON(&list, "sources")
	for _, s := range list {
		if s.ID == "tiktok-terms-of-service" && (s.LastChange == nil || *s.LastChange != *history[len(history)-1].FirstSeen) {
			t.Errorf("sources: last change %v, want the last version's first seen %s", s.LastChange, *history[len(history)-1].FirstSeen)
		}
	}
	for i, v := range history {
		if !isRecorded[*v.FirstSeen] || v.Provenance != "import" || !strings.HasPrefix(v.OriginRef, "ota-tiktok/TikTok/Terms of Service/") {
			t.Errorf("version %d: first seen %s, provenance %s %s", v.Seq, *v.FirstSeen, v.Provenance, v.OriginRef)
		}
		if i > 0 && *v.FirstSeen <= *history[i-1].FirstSeen {
			t.Errorf("versions out of order at %d", v.Seq)
		}
	}
	if *history[0].FirstSeen != "2020-07-29T13:32:40Z" || *history[21].FirstSeen != "2026-07-23T00:56:42Z" {
		t.Errorf("first and last versions dated %s and %s", *history[0].FirstSeen, *history[21].FirstSeen)
	}
	text := e.mustRun(exitOK, "history", "tiktok-terms-of-service")
	if !strings.Contains(text, "import ota-tiktok/TikTok/Terms of Service/2020-07-29T13-32-40Z.md") {
		t.Errorf("history does not cite where versions come from:\n%s", text)
	}

	// The terms in force on 2023-06-01 are those recorded on 2023-05-05.
	out := e.mustRun(exitOK, "show", "tiktok-terms-of-service", "--at", "2023-06-01")
	if !strings.Contains(out, "first seen 2023-05-05 00:42 UTC") || !strings.Contains(out, "Last updated: November 2022") ||
		strings.Contains(out, "Last updated: August 2023") {
		t.Errorf("show --at 2023-06-01:\n%.600s", out)
	}
	if code, _, errOut := e.run("show", "tiktok-terms-of-service", "--at", "2019-01-01"); code == exitOK || !strings.Contains(errOut, "no version yet on 2019-01-01") {
		t.Errorf("show before the first version: exit %d, %q", code, errOut)
	}

	// The diff between a 2021 and a 2025 version names the changed words.
	// The version recorded 2025-10-07 changed a link target only, so the
	// text in force at the end of 2025 is the one recorded 2025-08-12.
	out = e.mustRun(exitOK, "diff", "tiktok-terms-of-service", "--from", "2021-06-30", "--to", "2025-12-31")
	for _, want := range []string{
		"version 6 (first seen 2021-06-15 16:35 UTC) → version 18 (first seen 2025-08-12 18:17 UTC)",
		"Last updated: [-July 2020-]{+August 2025+}",
		"- (If you are a user having your residence in the EEA, the United Kingdom or Switzerland)",
		"+ (These terms apply if you live or have your principal place of business in the European Economic Area, Switzerland or the UK)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("diff lacks %q:\n%.1500s", want, out)
		}
	}
	var dj struct {
		From, To   api.Version
		Importance string `json:"importance"`
		Added      int    `json:"words_added"`
		Hunks      []any  `json:"hunks"`
	}
	e.runJSON(&dj, "diff", "tiktok-terms-of-service", "--from", "8", "--to", "20")
	if dj.From.Seq != 8 || dj.To.Seq != 20 || dj.Importance != "major" || dj.Added < 1000 || len(dj.Hunks) == 0 {
		t.Errorf("diff --json: from %d to %d, %s, +%d, %d hunks", dj.From.Seq, dj.To.Seq, dj.Importance, dj.Added, len(dj.Hunks))
	}
}

func TestImportSearch(t *testing.T) {
	e := importedEnv(t)
	// "TikTok Inc in the US" was in the Privacy Policy from its first
	// recorded version (2020-07-29) until the version recorded 2021-07-15,
	// replaced on 2021-10-18.
	var hits []struct {
		Source    string   `json:"source"`
		Text      string   `json:"text"`
		Versions  []int    `json:"versions"`
		Runs      [][2]int `json:"runs"`
		FirstSeen string   `json:"first_seen"`
		LastSeen  string   `json:"last_seen"`
		Current   bool     `json:"current"`
	}
	e.runJSON(&hits, "search", "tiktok inc in the US")
	if len(hits) == 0 {
		t.Fatal("no hit")
	}
	first, last := hits[0].FirstSeen, hits[0].LastSeen
	for _, h := range hits {
		if h.Source != "tiktok-privacy-policy" || h.Current || !strings.Contains(h.Text, "TikTok Inc in the US") {
			t.Errorf("hit %+v", h)
		}
		first, last = min(first, h.FirstSeen), max(last, h.LastSeen)
	}
	if first != "2020-07-29T13:32:39Z" || last != "2021-10-18T12:05:02Z" {
		t.Errorf("first seen %s, last seen %s; want 2020-07-29T13:32:39Z and 2021-10-18T12:05:02Z", first, last)
	}
	out := e.mustRun(exitOK, "search", "TikTok Inc in the US", "--at", "2021-01-01")
	if !strings.Contains(out, "tiktok-privacy-policy") {
		t.Errorf("search --at 2021-01-01:\n%s", out)
	}
	out = e.mustRun(exitOK, "search", "TikTok Inc in the US", "--at", "2022-01-01")
	if !strings.Contains(out, "is in no version") {
		t.Errorf("search --at 2022-01-01 found it:\n%s", out)
	}
	// Mentioned since 2023-08-07, in a paragraph reworded on 2025-06-25
	// and in the latest version, of a source tracker does not follow: not
	// called in force.
	out = e.mustRun(exitOK, "search", "Commercial Music Library", "--source", "tiktok-terms-of-service")
	if !strings.Contains(out, "versions 11–15  first seen 2023-08-07 00:45 UTC, last seen 2025-06-25 06:16 UTC") ||
		!strings.Contains(out, "versions 16–22  first seen 2025-06-25 06:16 UTC, in the latest version; no longer followed since 2026-07-23 00:56 UTC") {
		t.Errorf("search Commercial Music Library:\n%s", out)
	}
	if code, _, errOut := e.run("search", "data AND (", "--fts"); code != exitUsage || !strings.Contains(errOut, "not a valid search") {
		t.Errorf("bad FTS query: exit %d %q", code, errOut)
	}
	// NEAR between two words is the word "near" to FTS5: said, not
	// quietly searched for.
	// (PostgreSQL's tsquery writes it minimum <-> age.)
	if !e.onFile() {
		if out := e.mustRun(exitOK, "search", "minimum <-> age", "--fts"); !strings.Contains(out, "Minimum age") {
			t.Errorf("search 'minimum <-> age' --fts:\n%s", out)
		}
	} else if code, _, errOut := e.run("search", "minimum NEAR age", "--fts"); code != exitUsage || !strings.Contains(errOut, "NEAR(minimum age)") {
		t.Errorf("search 'minimum NEAR age' --fts: exit %d %q, want 2 and how to write NEAR", code, errOut)
	} else if out := e.mustRun(exitOK, "search", "NEAR(minimum age, 5)", "--fts"); !strings.Contains(out, "Minimum age") {
		t.Errorf("search 'NEAR(minimum age, 5)' --fts:\n%s", out)
	}

	// The index lost (here wiped behind tracker's back) is built again from
	// the versions, and answers as before; not while a daemon runs.
	before := e.mustRun(exitOK, "search", "Commercial Music Library")
	if pasted := e.mustRun(exitOK, "search", "Commercial Music\nLibrary"); pasted != before {
		t.Errorf("a phrase pasted across a line break:\n%s", pasted)
	}
	if !e.onFile() {
		return // the lock and the wiping below are SQLite's
	}
	unlock, err := daemon.Lock(e.db)
	if err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := e.run("rebuild", "--index"); code != exitFailed || !strings.Contains(errOut, "stop it first") {
		t.Errorf("rebuild --index beside a daemon: exit %d %q", code, errOut)
	}
	unlock()
	raw, err := sql.Open("sqlite", e.db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO paragraphs_fts(paragraphs_fts) VALUES ('delete-all')`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	if out := e.mustRun(exitOK, "search", "Commercial Music Library"); !strings.Contains(out, "is in no version") {
		t.Fatalf("search with the index wiped:\n%s", out)
	}
	if out := e.mustRun(exitOK, "rebuild", "--index"); !strings.Contains(out, "search index built again from 104 versions") {
		t.Errorf("rebuild --index: %s", out)
	}
	if after := e.mustRun(exitOK, "search", "Commercial Music Library"); after != before {
		t.Errorf("search after rebuild --index:\n%s\nbefore:\n%s", after, before)
	}
}

func TestImportIsIdempotent(t *testing.T) {
	src := filepath.Join(replaytest.OTADir(), "TikTok", "Terms of Service")
	files, err := filepath.Glob(filepath.Join(src, "*.md"))
	if err != nil || len(files) < 3 {
		t.Fatal(files, err)
	}
	// A first release of the dataset lacks the last two versions.
	older := filepath.Join(t.TempDir(), "release-1")
	dir := filepath.Join(older, "TikTok", "Terms of Service")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range files[:len(files)-2] {
		b, _ := os.ReadFile(f)
		os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644)
	}
	e := newEnv(t, "sources:\n  - {id: tos, kind: page, url: 'https://example.com/tos', select: article}\n")
	e.mustRun(exitOK, "check-config")
	mapping := "TikTok/Terms of Service=tos"
	out := e.mustRun(exitOK, "import", "ota", older, "--map", mapping)
	if !strings.Contains(out, "→ tos (declared source): 20 versions added") {
		t.Fatalf("first import: %s", out)
	}
	out = e.mustRun(exitOK, "import", "ota", older, "--map", "TikTok/Terms of Service = tos") // spaces as people type them
	if !strings.Contains(out, "0 versions added, 26 already imported, 0 unchanged") {
		t.Errorf("second import of the same dataset: %s", out)
	}
	out = e.mustRun(exitOK, "import", "ota", replaytest.OTADir(), "--map", mapping, "--terms", "Terms of Service")
	if !strings.Contains(out, "2 versions added") {
		t.Errorf("newer release: %s", out)
	}
	list := e.mustRun(exitOK, "sources")
	if strings.Contains(list, "import-only") || !strings.Contains(list, "tos ") {
		t.Errorf("a mapped document became an import-only source:\n%s", list)
	}
	if code, _, errOut := e.run("import", "ota", older, "--map", "TikTok/Terms of Service=nope"); code != exitUsage || !strings.Contains(errOut, "nope is not declared") {
		t.Errorf("mapping to an unknown source: exit %d %q", code, errOut)
	}
}

// Imported versions never rewrite what tracker fetched itself.
func TestImportOlderThanFetchedIsRejected(t *testing.T) {
	terms := replaytest.History(t, "Terms of Service")
	srv := replaytest.NewServer()
	defer srv.Close()
	srv.Handle("/tos", replaytest.Document(terms[len(terms)-1].Markdown, 1))
	e := newEnv(t, tosConfig(srv.URL))
	e.mustRun(exitOK, "check")
	code, out, _ := e.run("import", "ota", replaytest.OTADir(), "--map", "TikTok/Terms of Service=tos", "--terms", "Terms of Service")
	if code != exitFailed || !strings.Contains(out, "28 files rejected: they are older than versions tracker already holds") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	var history []api.Version
	e.runJSON(&history, "history", "tos")
	if len(history) != 1 || history[0].Provenance != "fetch" {
		t.Errorf("history after a rejected import: %+v", history)
	}
}

func TestChangesFilters(t *testing.T) {
	e := importedEnv(t)
	var list []api.Change
	e.runJSON(&list, "changes", "--source", "tiktok-terms-of-service", "--min-importance", "major")
	if len(list) == 0 {
		t.Fatal("no major change of the terms")
	}
	for _, c := range list {
		if c.Source != "tiktok-terms-of-service" || c.Importance != "major" {
			t.Errorf("%+v", c)
		}
	}
	e.runJSON(&list, "changes", "--until", "2020-12-31")
	for _, c := range list {
		if *c.DetectedAt > "2020-12-31T23:59:59Z" {
			t.Errorf("change detected %s listed --until 2020-12-31", *c.DetectedAt)
		}
	}
	e.runJSON(&list, "changes", "--since", "2025-01-01", "--topic", "ip")
	found := false
	for _, c := range list {
		found = found || (c.Source == "tiktok-copyright-claims-policy" && *c.DetectedAt == "2025-03-27T06:17:25Z")
	}
	if !found {
		t.Errorf("the 2025-03-27 rewrite of the Copyright Claims Policy is not listed under ip: %+v", list)
	}
	if code, _, errOut := e.run("changes", "--min-importance", "huge"); code != exitUsage || !strings.Contains(errOut, "cosmetic, minor, major") {
		t.Errorf("exit %d %q", code, errOut)
	}
	if code, _, errOut := e.run("changes", "--since", "last week"); code != exitUsage || !strings.Contains(errOut, "YYYY-MM-DD") {
		t.Errorf("exit %d %q", code, errOut)
	}
	out := e.mustRun(exitOK, "changes", "--source", "tiktok-privacy-policy", "--since", "2026-05-20", "--until", "2026-05-20")
	if !strings.Contains(out, "back to version") {
		t.Errorf("the May 2026 flip-flop does not say it returns to an earlier version:\n%s", out)
	}
}

// The first fetch after an imported history is read by tracker, the history
// by Open Terms Archive: what differs between them is marked technical,
// never reported as a change of the document.
func TestFirstFetchAfterImportIsTechnical(t *testing.T) {
	terms := replaytest.History(t, "Terms of Service")
	srv := replaytest.NewServer()
	defer srv.Close()
	srv.Handle("/tos", replaytest.Document(terms[len(terms)-2].Markdown, 1)) // reads differently from the last imported file
	e := newEnv(t, tosConfig(srv.URL))
	e.mustRun(exitOK, "import", "ota", replaytest.OTADir(), "--map", "TikTok/Terms of Service=tos", "--terms", "Terms of Service")
	if out := e.mustRun(exitOK, "check"); !strings.Contains(out, "new version 23") || !strings.Contains(out, "technical") {
		t.Fatalf("first fetch after the import: %s", out)
	}
	var list []api.Change
	e.runJSON(&list, "changes", "--since", "2026-11-01")
	if len(list) != 0 {
		t.Errorf("the first fetch after an import was reported as a change: %+v", list)
	}
	srv.Handle("/tos", replaytest.Document(terms[len(terms)-1].Markdown, 2))
	if out := e.mustRun(exitOK, "check"); !strings.Contains(out, "new version 24") || strings.Contains(out, "technical") {
		t.Errorf("the next real change: %s", out)
	}
}

// Diffing the first version says what to do, on the command line and on the
// web alike.
func TestDiffOfTheFirstVersion(t *testing.T) {
	e := importedEnv(t)
	for _, cmd := range [][]string{{"changes"}, {"items"}, {"search", "data"}} {
		if code, _, errOut := e.run(append(cmd, "--source", "nope")...); code != exitUsage || !strings.Contains(errOut, `no source "nope"`) {
			t.Errorf("%s --source nope: exit %d %q", cmd[0], code, errOut)
		}
	}
	code, _, errOut := e.run("diff", "tiktok-terms-of-service", "--to", "1")
	if code != exitUsage || !strings.Contains(errOut, "version 1 of tiktok-terms-of-service is its first") || !strings.Contains(errOut, "pass --from") {
		t.Errorf("diff --to 1: exit %d %q", code, errOut)
	}
	if out := e.mustRun(exitOK, "diff", "tiktok-terms-of-service", "--from", "1", "--to", "2"); !strings.HasPrefix(out, "tiktok-terms-of-service: version 1 (first seen 2020-07-29 13:32 UTC) → version 2") {
		t.Errorf("diff --from 1 --to 2:\n%.300s", out)
	}
	// The JSON diff has the fields of a change (README), read off the two
	// versions.
	var d map[string]any
	e.runJSON(&d, "diff", "tiktok-terms-of-service", "--from", "8", "--to", "9", "--format", "json")
	for _, k := range []string{"source", "from", "to", "from_seq", "to_seq", "detected_at", "importance", "technical", "same_as",
		"words_added", "words_removed", "topics", "summary", "hunks"} {
		if _, ok := d[k]; !ok {
			t.Errorf("diff --format json lacks %q", k)
		}
	}
	if d["from_seq"] != 8.0 || d["to_seq"] != 9.0 || d["detected_at"] != d["to"].(map[string]any)["first_seen"] {
		t.Errorf("diff json: from_seq %v to_seq %v detected_at %v", d["from_seq"], d["to_seq"], d["detected_at"])
	}
	// The HTML diff is the web's diff page as one file.
	page := e.mustRun(exitOK, "diff", "tiktok-terms-of-service", "--from", "8", "--to", "9", "--format", "html")
	for _, want := range []string{"<!DOCTYPE html>", "version 8 → 9</h1>", "<del>TikTok</del> Terms of Service",
		"SHA-256 <code>" + d["to"].(map[string]any)["sha256"].(string) + "</code>", "<style>\n/* tracker's only style sheet"} {
		if !strings.Contains(page, want) {
			t.Errorf("diff --format html lacks %q:\n%.3000s", want, page)
		}
	}
}

// After an upgrade, the changes stored by an older classification are read
// again by `rebuild --changes`: a banner toggling that an older version
// called a major privacy change becomes the cosmetic chrome it is.
func TestRebuildChanges(t *testing.T) {
	e := importedEnv(t)
	ctx := context.Background()
	db, err := store.Open(ctx, e.db)
	if err != nil {
		t.Fatal(err)
	}
	var now []api.Change
	e.runJSON(&now, "changes", "--source", "tiktok-privacy-policy", "--since", "2026-05-20", "--until", "2026-05-21")
	if len(now) == 0 || now[0].Importance != tracker.Cosmetic || now[0].Artefact != "chrome" {
		db.Close()
		t.Fatalf("the banner toggling, as imported: %+v", now)
	}
	// As an older tracker stored it.
	old := tracker.Change{SourceID: now[0].Source, FromSeq: now[0].FromSeq, ToSeq: now[0].ToSeq, Importance: tracker.Major,
		Topics: []tracker.TopicMatch{{Topic: "privacy", Evidence: []string{"Privacy Policy"}}}, Summary: now[0].Summary}
	if err := db.UpdateMeaning(ctx, old); err != nil {
		t.Fatal(err)
	}
	db.Close()
	out := e.mustRun(exitOK, "rebuild", "--changes", "--source", "tiktok-privacy-policy")
	if !strings.Contains(out, "changes read again, 1 of them classified differently now") {
		t.Errorf("rebuild --changes: %s", out)
	}
	var again []api.Change
	e.runJSON(&again, "changes", "--source", "tiktok-privacy-policy", "--since", "2026-05-20", "--until", "2026-05-21")
	if again[0].Importance != tracker.Cosmetic || again[0].Artefact != "chrome" || again[0].Reason == "" || len(again[0].Topics) != 0 {
		t.Errorf("read again: %+v", again[0])
	}
	if code, _, _ := e.run("rebuild", "--changes", "--index"); code != exitUsage {
		t.Errorf("--changes with --index: exit %d, want %d", code, exitUsage)
	}
}

// An import recognises the documents it already holds, whatever the
// mapping: a plain import, then one with --map, keeps one history; a
// --map that names nothing in the dataset is refused.
func TestImportRecognisesWhatItHoldsWhateverTheMap(t *testing.T) {
	e := newEnv(t, "sources:\n  - {id: tos, kind: page, url: 'https://example.com/tos', select: article}\n")
	e.mustRun(exitOK, "import", "ota", replaytest.OTADir(), "--terms", "Terms of Service")
	code, out, _ := e.run("import", "ota", replaytest.OTADir(), "--terms", "Terms of Service", "--map", "TikTok/Terms of Service=tos")
	if code != exitFailed || !strings.Contains(out, "→ tiktok-terms-of-service (import-only source): 0 versions added, 28 already imported") ||
		!strings.Contains(out, "not imported as tos: an earlier import put this document in tiktok-terms-of-service") {
		t.Errorf("import with another --map: exit %d\n%s", code, out)
	}
	var history []api.Version
	e.runJSON(&history, "history", "tos")
	if len(history) != 0 {
		t.Errorf("the history was imported a second time, under tos: %d versions", len(history))
	}
	// Case as people type it is the dataset's document, a misspelling is not.
	code, out, _ = e.run("import", "ota", replaytest.OTADir(), "--terms", "Terms of Service", "--map", "tiktok/terms of service=tos")
	if code != exitFailed || !strings.Contains(out, "not imported as tos") {
		t.Errorf("--map in lower case: exit %d\n%s", code, out)
	}
	code, out, errOut := e.run("import", "ota", replaytest.OTADir(), "--map", "TikTok/Terms of Servise=tos")
	if code != exitUsage || !strings.Contains(errOut, `"TikTok/Terms of Servise=tos": no such document`) || !strings.Contains(errOut, "TikTok/Terms of Service") {
		t.Errorf("a misspelt --map: exit %d\n%s\n%s", code, out, errOut)
	}
	// And the other way round: mapped first, then a plain import.
	e2 := newEnv(t, "sources:\n  - {id: tos, kind: page, url: 'https://example.com/tos', select: article}\n")
	e2.mustRun(exitOK, "import", "ota", replaytest.OTADir(), "--terms", "Terms of Service", "--map", "TikTok/Terms of Service=tos")
	out = e2.mustRun(exitOK, "import", "ota", replaytest.OTADir(), "--terms", "Terms of Service")
	if !strings.Contains(out, "→ tos (declared source): 0 versions added, 28 already imported") {
		t.Errorf("a plain import after a mapped one:\n%s", out)
	}
	if list := e2.mustRun(exitOK, "sources"); strings.Contains(list, "tiktok-terms-of-service") {
		t.Errorf("a second source for the same document:\n%s", list)
	}
}
