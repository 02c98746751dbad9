package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"tracker/internal/api"
	"tracker/internal/cite"
	"tracker/internal/replaytest"
)

// Versions imported from Open Terms Archive are cited as the dataset's:
// its attribution, the file each came from, and a "last confirmed" that is
// the dataset's recording, not a fetch of tracker's. The sources are
// import-only: their latest text is never called in force without saying
// that tracker no longer follows them.
func TestCitationsOfImportedHistory(t *testing.T) {
	e := importedEnv(t)
	id := "tiktok-terms-of-service"

	out := e.mustRun(exitOK, "show", id, "--at", "2023-06-01")
	for _, want := range []string{
		"first seen 2023-05-05 00:42 UTC, last confirmed 2023-08-07 00:45 UTC by Open Terms Archive, when it recorded the next version\n",
		"Cite as: TikTok Terms of Service, version 10, first seen 2023-05-05 00:42 UTC, last confirmed 2023-08-07 00:45 UTC by Open Terms Archive",
		"; imported from Open Terms Archive (ota-tiktok/TikTok/Terms of Service/2023-05-05T00-42-06Z.md); Open Terms Archive contributors, ODC-BY 1.0",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("show --at 2023-06-01 lacks %q:\n%.900s", want, out)
		}
	}
	if strings.Contains(out, "tracker's fetches") || strings.Contains(out, "Caveat:") {
		t.Errorf("show of a replaced imported version claims tracker's fetches or carries the caveat of a current text:\n%.900s", out)
	}

	out = e.mustRun(exitOK, "show", id)
	if !strings.Contains(out, "Caveat: no longer followed since 2026-07-23 00:56 UTC: the last text tracker holds, not necessarily the one in force today.\n") {
		t.Errorf("show of an import-only source's latest text lacks the caveat:\n%.900s", out)
	}
	var shown api.Shown
	e.runJSON(&shown, "show", id)
	if c := shown.Citation; c == nil || c.ConfirmedBy != cite.ByDataset || c.UntilNext || c.Followed || !c.Current ||
		c.Attribution != "Open Terms Archive contributors, ODC-BY 1.0" || c.OriginRef != "ota-tiktok/TikTok/Terms of Service/2026-07-23T00-56-42Z.md" ||
		!strings.HasPrefix(c.Caveat, "no longer followed since 2026-07-23 00:56 UTC") {
		t.Errorf("show --json citation %+v", c)
	}

	var history []api.Version
	e.runJSON(&history, "history", id)
	if len(history) != 22 {
		t.Fatalf("%d versions", len(history))
	}
	for _, v := range history {
		if v.Citation == nil || v.Citation.ConfirmedBy != cite.ByDataset || v.Citation.OriginRef != v.OriginRef || v.Citation.UntilNext != (v.Seq < 22) {
			t.Errorf("history --json: version %d cited %+v", v.Seq, v.Citation)
		}
	}
	text := e.mustRun(exitOK, "history", id)
	for _, want := range []string{"Imported versions: Open Terms Archive contributors, ODC-BY 1.0.",
		id + " is no longer followed since 2026-07-23 00:56 UTC: version 22 is the last text tracker holds."} {
		if !strings.Contains(text, want) {
			t.Errorf("history lacks %q:\n%s", want, text)
		}
	}

	// search: a paragraph of the latest terms is not "still in force".
	out = e.mustRun(exitOK, "search", "personal data", "--source", id)
	if strings.Contains(out, "still in force") || !strings.Contains(out, "in the latest version; no longer followed since 2026-07-23 00:56 UTC") {
		t.Errorf("search in an import-only source:\n%s", out)
	}
	var hits []api.SearchHit
	e.runJSON(&hits, "search", "personal data", "--source", id)
	current := 0
	for _, h := range hits {
		if h.Current != (h.Caveat != "") {
			t.Errorf("search --json: hit current=%v with caveat %q", h.Current, h.Caveat)
		}
		if h.Current {
			current++
		}
	}
	if current == 0 {
		t.Error("search --json: no hit in the latest terms")
	}
}

// A fetched version is last confirmed by tracker's own fetches, at the
// later of two that read the same text; once the source leaves
// sources.yaml, its text carries the caveat.
func TestCitationOfFetchedVersion(t *testing.T) {
	terms := replaytest.History(t, "Terms of Service")
	srv := replaytest.NewServer()
	defer srv.Close()
	srv.Handle("/tos", replaytest.Document(terms[0].Markdown, 1))
	e := newEnv(t, tosConfig(srv.URL))
	first := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	e.clock.Set(first)
	e.mustRun(exitOK, "check")
	later := first.Add(26 * time.Hour)
	e.clock.Set(later)
	e.mustRun(exitOK, "check")

	var shown api.Shown
	e.runJSON(&shown, "show", "tos")
	c := shown.Citation
	if shown.Seq != 1 || c == nil || c.ConfirmedBy != cite.ByTracker || c.LastConfirmed == nil || *c.LastConfirmed != "2026-11-24T11:00:00Z" ||
		c.DocumentURL != srv.URL+"/tos" || !c.Followed || c.Caveat != "" || c.Attribution != "" || c.Provenance != "fetch" {
		t.Fatalf("show --json: version %d cited %+v", shown.Seq, c)
	}
	out := e.mustRun(exitOK, "show", "tos")
	want := "Cite as: tos, " + srv.URL + "/tos, version 1, first seen 2026-11-23 09:00 UTC, last confirmed 2026-11-24 11:00 UTC by tracker's fetches, SHA-256 " +
		shown.SHA256 + "; fetched by tracker.\n"
	if !strings.Contains(out, want) || strings.Contains(out, "Open Terms Archive") || strings.Contains(out, "Caveat:") {
		t.Errorf("show lacks %q:\n%.600s", want, out)
	}

	// Removed from the configuration: no longer followed since the last
	// fetch that read it.
	if err := os.WriteFile(e.config, []byte("sources:\n  - {id: unrelated, kind: page, url: 'https://example.com', select: article}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out = e.mustRun(exitOK, "show", "tos")
	if !strings.Contains(out, "Caveat: no longer followed since 2026-11-24 11:00 UTC: the last text tracker holds") {
		t.Errorf("show of a source removed from sources.yaml:\n%.600s", out)
	}

	// A broken sources.yaml is not passed over: the error says what to do.
	if err := os.WriteFile(e.config, []byte("sources:\n  - id: x\n    bogus: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range [][]string{{"show", "tos"}, {"history", "tos"}, {"search", "terms"}} {
		code, _, stderr := e.run(cmd...)
		if code != exitUsage || !strings.Contains(stderr, `unknown key "bogus"`) || !strings.Contains(stderr, "(`tracker check-config` says what is wrong), or give --config another one") {
			t.Errorf("tracker %s with a broken sources.yaml: exit %d, %q", strings.Join(cmd, " "), code, stderr)
		}
	}

	// No sources.yaml at all (show run from another directory than the
	// daemon's): tracker cannot tell, and must not say it stopped.
	t.Chdir(t.TempDir())
	e.config = ""
	out = e.mustRun(exitOK, "show", "tos")
	if strings.Contains(out, "no longer followed") || !strings.Contains(out, "Caveat: not known to be followed (no sources.yaml was read: give --config)") {
		t.Errorf("show with no sources.yaml:\n%.600s", out)
	}
	e.runJSON(&shown, "show", "tos")
	if c := shown.Citation; c == nil || c.Followed || c.UnfollowedSince != nil || !strings.HasPrefix(c.Caveat, "not known to be followed") {
		t.Errorf("show --json with no sources.yaml: %+v", c)
	}
}
