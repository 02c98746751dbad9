package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// realPages serves testdata's real TikTok pages at /privacy and /terms
// (and /elsewhere, the terms at an address no source declares).
func realPages(t *testing.T) *httptest.Server {
	t.Helper()
	files := map[string]string{"/privacy": "privacy-policy.html", "/terms": "terms-of-service.html", "/elsewhere": "terms-of-service.html"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		body, err := os.ReadFile(filepath.Join("..", "..", "testdata", "tiktok-pages", name))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestProbe(t *testing.T) {
	srv := realPages(t)
	e := newEnv(t, fmt.Sprintf(`settings: {retries: 0, host_delay: 0s}
sources:
  - {id: privacy, kind: page, url: '%[1]s/privacy', select: article}
  - id: both
    kind: page
    select: '#policy-card'
    remove: ['[data-testid=language-selection-header]']
    pages: [{url: '%[1]s/terms'}, {url: '%[1]s/privacy', select: '#policy-card .content'}]
`, srv.URL))

	// The rule that misses: the probe says where the text is.
	out := e.mustRun(exitFailed, "check-config", "--probe", srv.URL+"/privacy")
	for _, want := range []string{
		srv.URL + "/privacy (source privacy)",
		"fetched: HTTP 200, 92,130 bytes, text/html; charset=utf-8",
		`rules: select "article"`,
		`failed (selector): selector "article" matched nothing`,
		"where the text is (7,139 words on the page, after the removals):",
		"#policy-card holds 7,139 words",
		"[data-testid=policy-card-post-content] holds 7,129 words",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("probe output lacks %q:\n%s", want, out)
		}
	}
	// Trying a selector before writing it into the file.
	out = e.mustRun(exitOK, "check-config", "--probe", srv.URL+"/privacy", "--select", "#policy-card .content")
	for _, want := range []string{`rules: select "#policy-card .content"`, "extracted: 7,134 words in", "    | Last updated: 30 November 2025", "more lines (--full prints them)"} {
		if !strings.Contains(out, want) {
			t.Errorf("probe output lacks %q:\n%s", want, out)
		}
	}
	// Every page of a combined source, each with its rules.
	out = e.mustRun(exitOK, "check-config", "--probe", "both")
	for _, want := range []string{"page 1 of 2: " + srv.URL + "/terms (source both)", "page 2 of 2: " + srv.URL + "/privacy (source both)",
		`rules: select "#policy-card"; remove "[data-testid=language-selection-header]"`, `rules: select "#policy-card .content"`, "    | Terms of Service"} {
		if !strings.Contains(out, want) {
			t.Errorf("probe output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "EEA/UK/CH") {
		t.Errorf("the region header was not removed:\n%s", out)
	}
	var got []probeJSON
	e.runJSON(&got, "check-config", "--probe", srv.URL+"/elsewhere", "--full")
	if len(got) != 1 || got[0].Source != "" || got[0].Select[0] != "body" || got[0].Words < 4000 ||
		len(got[0].Holders) == 0 || got[0].Holders[0].Selector != "#policy-card" || got[0].Error != "" {
		t.Errorf("probe of an undeclared address: %+v", got)
	}
	if _, _, errOut := e.run("check-config", "--select", "main"); !strings.Contains(errOut, "go with --probe") {
		t.Errorf("--select without --probe: %q", errOut)
	}
	if code, _, _ := e.run("check-config", "--probe", "nosuchsource"); code != exitUsage {
		t.Errorf("--probe of an unknown id: exit %d, want %d", code, exitUsage)
	}
	out = e.mustRun(exitFailed, "check-config", "--probe", srv.URL+"/gone")
	if !strings.Contains(out, "failed (http): HTTP 404") {
		t.Errorf("probe of a missing page:\n%s", out)
	}
}
