package main

import (
	"strings"
	"testing"

	"tracker/internal/atomtest"
)

// tracker changes --format atom writes the feed the web serves at
// /changes.atom, entry for entry, linking to the web pages.
func TestChangesAsAtom(t *testing.T) {
	e := importedEnv(t)
	out := e.mustRun(exitOK, "changes", "--format", "atom", "--since", "2020-01-01", "--topic", "privacy")
	f := atomtest.Parse(t, []byte(out))
	if len(f.Entries) == 0 {
		t.Fatal("no entry")
	}
	for _, en := range f.Entries {
		if !strings.HasPrefix(en.Links[0].Href, "http://127.0.0.1:8080/sources/") {
			t.Errorf("entry %q links to %s", en.Title, en.Links[0].Href)
		}
	}
	based := atomtest.Parse(t, []byte(e.mustRun(exitOK, "changes", "--format", "atom", "--since", "2020-01-01", "--topic", "privacy",
		"--base-url", "https://tracker.example.com/")))
	if !strings.HasPrefix(based.Entries[0].Links[0].Href, "https://tracker.example.com/sources/") || based.Entries[0].ID != f.Entries[0].ID {
		t.Errorf("with --base-url: %s, id %s (was %s)", based.Entries[0].Links[0].Href, based.Entries[0].ID, f.Entries[0].ID)
	}

	addr, stop, stderr := e.serve(nil, "--listen", "127.0.0.1:0")
	if addr == "" {
		t.Fatalf("serve: %s", stderr)
	}
	defer stop()
	code, body := httpGet(t, addr+"/changes.atom?since=2020-01-01&topic=privacy")
	if code != 200 {
		t.Fatalf("GET /changes.atom: %d", code)
	}
	web := atomtest.Parse(t, body)
	if len(web.Entries) != len(f.Entries) {
		t.Fatalf("the web's feed has %d entries, the command's %d", len(web.Entries), len(f.Entries))
	}
	for i := range web.Entries {
		if web.Entries[i].ID != f.Entries[i].ID || web.Entries[i].Title != f.Entries[i].Title || web.Entries[i].Summary != f.Entries[i].Summary {
			t.Errorf("entry %d: web %q, command %q", i, web.Entries[i].Title, f.Entries[i].Title)
		}
	}

	if code, _, _ := e.run("changes", "--format", "rss"); code != exitUsage {
		t.Errorf("--format rss: exit %d, want 2", code)
	}
	if code, _, _ := e.run("changes", "--format", "atom", "--technical"); code != exitUsage {
		t.Errorf("--format atom --technical: exit %d, want 2", code)
	}
}
