package main

import (
	"strings"
	"testing"
)

// --topic with an id the taxonomy does not know is a usage error that lists
// the known ones: accepted, it silently matched nothing.
func TestUnknownTopicFlagIsRefused(t *testing.T) {
	e := newEnv(t, "sources:\n  - {id: a, kind: page, url: 'http://127.0.0.1:1/', select: p}\n")
	e.mustRun(exitOK, "check-config")
	for _, cmd := range []string{"changes", "items"} {
		code, _, errOut := e.run(cmd, "--topic", "privacyy")
		if code != exitUsage || !strings.Contains(errOut, `--topic: "privacyy" is not a topic (known: privacy, consumer, ip`) {
			t.Errorf("tracker %s --topic privacyy: exit %d, %q; want 2 and the known topics", cmd, code, errOut)
		}
	}
	// A topic the configuration adds is known.
	e = newEnv(t, "sources:\n  - {id: a, kind: page, url: 'http://127.0.0.1:1/', select: p}\ntopics:\n  - {id: tax, name: Tax, terms: [vat]}\n")
	if code, _, errOut := e.run("changes", "--topic", "tax"); code == exitUsage {
		t.Errorf("tracker changes --topic tax (declared): %q", errOut)
	}
}
