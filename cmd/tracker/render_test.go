package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"tracker/internal/api"
	"tracker/internal/replaytest"
	"tracker/internal/sources/render"
)

// needBrowser skips a test when no Chromium is installed, except in CI,
// where the browser tests must run.
func needBrowser(tb testing.TB) {
	tb.Helper()
	if _, err := render.LookBrowser(""); err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("CI must run the browser tests: %v (.ci/run installs it)", err)
		}
		tb.Skipf("skipping the browser test: %v", err)
	}
}

// browsersUsing lists the processes whose command line names dir.
func browsersUsing(dir string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		if cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline"); err == nil && bytes.Contains(cmdline, []byte(dir)) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// The privacy policy of a JavaScript application, checked end to end: a
// plain fetch fails and says the page may need render: browser; with it,
// versions are recorded, a change the script makes between two checks is
// exactly one new version, and no browser outlives the command.
func TestRenderedPageEndToEnd(t *testing.T) {
	needBrowser(t)
	profiles := t.TempDir()
	t.Setenv("TMPDIR", profiles) // where the browser's temporary profile goes
	privacy := replaytest.History(t, "Privacy Policy")
	srv := replaytest.NewServer()
	defer srv.Close()
	srv.Handle("/legal/privacy-policy", replaytest.Scripted(privacy[len(privacy)-2].Markdown))
	e := newEnv(t, fmt.Sprintf(`settings: {retries: 0, host_delay: 0s}
sources:
  - id: privacy-plain
    kind: page
    url: %[1]s/legal/privacy-policy
    select: "[data-testid=policy-card]"
  - id: privacy
    kind: page
    url: %[1]s/legal/privacy-policy
    select: "[data-testid=policy-card]"
    render: browser
`, srv.URL))
	if code, _, errOut := e.run("check-config"); code != exitOK || strings.Contains(errOut, "warning") {
		t.Errorf("check-config with Chromium installed: exit %d, stderr %q", code, errOut)
	}

	var results []struct {
		Source    string `json:"source"`
		Outcome   string `json:"outcome"`
		Seq       int    `json:"seq"`
		Error     string `json:"error"`
		ErrorKind string `json:"error_kind"`
	}
	code, out, errOut := e.run("check", "--json")
	if code != exitFailed {
		t.Fatalf("check: exit %d, want 1 (the plain source fails)\n%s\n%s", code, out, errOut)
	}
	if err := json.Unmarshal([]byte(out), &results); err != nil {
		t.Fatal(err)
	}
	byID := map[string]int{}
	for i, r := range results {
		byID[r.Source] = i
	}
	plain, rendered := results[byID["privacy-plain"]], results[byID["privacy"]]
	if plain.Outcome != "failed" || plain.ErrorKind != "selector" || !strings.Contains(plain.Error, "it may need `render: browser`") {
		t.Errorf("the plain fetch: %+v, want a selector failure hinting at render: browser", plain)
	}
	if rendered.Outcome != "new" || rendered.Seq != 1 {
		t.Errorf("the rendered page: %+v, want version 1", rendered)
	}
	if pids := browsersUsing(profiles); len(pids) > 0 {
		t.Errorf("browser processes %v outlived `tracker check`", pids)
	}

	if out := e.mustRun(exitOK, "check", "--source", "privacy"); !strings.Contains(out, "unchanged (version 1)") {
		t.Errorf("second check: %q", out)
	}
	srv.Handle("/legal/privacy-policy", replaytest.Scripted(privacy[len(privacy)-1].Markdown))
	if out := e.mustRun(exitOK, "check", "--source", "privacy"); !strings.Contains(out, "new version 2") {
		t.Errorf("check after the script's text changed: %q", out)
	}
	if out := e.mustRun(exitOK, "check", "--source", "privacy"); !strings.Contains(out, "unchanged (version 2)") {
		t.Errorf("check after that: %q", out)
	}
	var versions []api.Version
	e.runJSON(&versions, "history", "privacy")
	if len(versions) != 2 {
		t.Errorf("%d versions, want 2: %+v", len(versions), versions)
	}
	if out := e.mustRun(exitOK, "show", "privacy"); strings.Contains(out, "Loading") || !strings.Contains(out, "Privacy Policy") {
		t.Errorf("the current text is not the rendered policy:\n%.400s", out)
	}
	if pids := browsersUsing(profiles); len(pids) > 0 {
		t.Errorf("browser processes %v outlived the checks", pids)
	}
	if left, _ := os.ReadDir(profiles); len(left) > 0 {
		t.Errorf("browser profiles left behind: %v", left)
	}
}

func TestCheckConfigWarnsWithoutBrowser(t *testing.T) {
	e := newEnv(t, `settings: {browser: /nonexistent/chromium}
sources:
  - {id: plain, kind: page, url: 'https://e.com/a', select: p}
  - {id: privacy, kind: page, url: 'https://e.com/p', select: article, render: browser}
  - {id: shop, kind: page, url: 'https://e.com/s', select: main, render: browser}
  - {id: off, kind: page, url: 'https://e.com/o', select: main, render: browser, disabled: true}
`)
	code, out, errOut := e.run("check-config")
	if code != exitOK || !strings.Contains(out, "ok: 4 sources, 3 enabled") {
		t.Fatalf("exit %d, stdout %q: a missing browser is a warning, not a configuration error", code, out)
	}
	if !strings.Contains(errOut, "warning: privacy, shop are rendered in a browser") || strings.Contains(errOut, "off") ||
		!strings.Contains(errOut, "apt-get install chromium") {
		t.Errorf("stderr %q: want a warning naming the enabled sources that need a browser and how to install one", errOut)
	}
	if err := os.WriteFile(e.config, []byte("settings: {browser: /nonexistent/chromium}\nsources:\n  - {id: plain, kind: page, url: 'https://e.com/a', select: p}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, errOut := e.run("check-config"); errOut != "" {
		t.Errorf("no source needs a browser, yet check-config said %q", errOut)
	}
}
