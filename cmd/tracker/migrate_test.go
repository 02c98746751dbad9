package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tracker/internal/storetest"
)

// tracker migrate moves a history from SQLite to PostgreSQL and back: every
// command then reads the same, and checks go on from the copy.
func TestMigrateBothWays(t *testing.T) {
	text := "We collect your data."
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "<html><body><main><p>%s</p></main></body></html>", text)
	}))
	defer srv.Close()
	e := newEnv(t, "settings: {retries: 0, host_delay: 0s}\nsources:\n  - {id: terms, kind: page, url: '"+srv.URL+"/t', select: main, min_words: 1}\n")
	e.db = filepath.Join(e.dir, "tracker.db")
	for i, s := range []string{"We collect your data.", "We collect and sell your data.", "We collect your data."} {
		text = s
		e.clock.Set(time.Date(2026, 11, 23+i, 9, 0, 0, 0, time.UTC))
		e.mustRun(exitOK, "check")
	}
	listings := func() string {
		var b strings.Builder
		for _, args := range [][]string{{"history", "terms", "--json"}, {"changes", "--json"}, {"search", "sell", "--json"},
			{"show", "terms", "--at", "2026-11-24T12:00:00Z"}} {
			b.WriteString(e.mustRun(exitOK, args...))
		}
		return b.String()
	}
	want := listings()

	lite := e.db
	pg := storetest.Postgres(t)
	out := e.mustRun(exitOK, "migrate", "--to", pg)
	if !strings.Contains(out, "3 versions (each checked against its SHA-256)") {
		t.Errorf("migrate said %q", out)
	}
	e.db = pg
	if got := listings(); got != want {
		t.Errorf("on PostgreSQL the listings read\n%s\nwant\n%s", got, want)
	}
	// A second move into the same database is refused.
	if code, _, errOut := e.run("migrate", "--to", pg, "--db", lite); code == exitOK || !strings.Contains(errOut, "empty database") {
		t.Errorf("a second migrate into %s: exit %d, %q", pg, code, errOut)
	}
	// And back, into a new file.
	back := filepath.Join(e.dir, "back.db")
	e.mustRun(exitOK, "migrate", "--to", back)
	e.db = back
	if got := listings(); got != want {
		t.Errorf("copied back to SQLite, the listings read\n%s\nwant\n%s", got, want)
	}
	// A backup of PostgreSQL is a SQLite file that reads the same.
	e.db = pg
	saved := filepath.Join(e.dir, "saved.db")
	e.mustRun(exitOK, "backup", saved)
	e.db = saved
	if got := listings(); got != want {
		t.Errorf("the backup of PostgreSQL reads\n%s\nwant\n%s", got, want)
	}
	// The PostgreSQL copy goes on recording.
	e.db = pg
	text = "We sell your data."
	e.clock.Set(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	e.mustRun(exitOK, "check")
	if out := e.mustRun(exitOK, "history", "terms"); strings.Count(out, "\n") < 5 {
		t.Errorf("after a check on the copy, history reads\n%s", out)
	}
}
