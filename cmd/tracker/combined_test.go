package main

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"tracker/internal/replaytest"
)

// A document of several pages through the command line: checked as one
// version, a failing page named, and rebuilt after its rules changed.
func TestCombinedSourceCommands(t *testing.T) {
	terms := replaytest.History(t, "Terms of Service")
	srv := replaytest.NewServer()
	defer srv.Close()
	srv.Handle("/one", replaytest.Document(terms[0].Markdown, 1))
	srv.Handle("/two", replaytest.Document(terms[len(terms)-1].Markdown, 2))
	conf := func(remove string) string {
		return fmt.Sprintf(`settings: {retries: 0, host_delay: 0s}
sources:
  - id: doc
    kind: page
    select: '[data-testid=policy-card]'
    remove: [%s]
    pages: [{url: '%[2]s/one'}, {url: '%[2]s/two'}]
`, remove, srv.URL)
	}
	e := newEnv(t, conf(".language-selection"))
	if out := e.mustRun(exitOK, "check"); !strings.Contains(out, "doc  new version 1") {
		t.Fatalf("first check:\n%s", out)
	}
	srv.Handle("/two", replaytest.Static(http.StatusNotFound, []byte("<html><body>Not found</body></html>")))
	out := e.mustRun(exitFailed, "check")
	if !strings.Contains(out, "doc  failed: page 2 of 2 ("+srv.URL+"/two): HTTP 404 Not Found") {
		t.Errorf("check with page 2 gone:\n%s", out)
	}
	srv.Handle("/two", replaytest.Document(terms[len(terms)-1].Markdown, 3))
	if err := os.WriteFile(e.config, []byte(conf(".language-selection, h2")), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := e.mustRun(exitOK, "rebuild"); !strings.Contains(out, "doc  technical version 2") {
		t.Errorf("rebuild after the rules changed:\n%s", out)
	}
	if out := e.mustRun(exitOK, "check"); !strings.Contains(out, "doc  unchanged (version 2)") {
		t.Errorf("check after the rebuild:\n%s", out)
	}
	var hist []struct {
		Seq        int    `json:"seq"`
		Provenance string `json:"provenance"`
		Technical  bool   `json:"technical"`
	}
	e.runJSON(&hist, "history", "doc")
	if len(hist) != 2 || hist[1].Provenance != "rebuild" || !hist[1].Technical {
		t.Errorf("history: %+v", hist)
	}
}
