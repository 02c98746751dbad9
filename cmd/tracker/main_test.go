package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tracker/internal/store"
	"tracker/internal/storetest"
)

// TestMain lets the test binary act as the tracker command, so tests can run
// it as a real process (to kill it, or to run two at once).
func TestMain(m *testing.M) {
	if os.Getenv("TRACKER_TEST_AS_MAIN") == "1" {
		os.Exit(runMain())
	}
	os.Exit(m.Run())
}

// clock is a settable time for the commands under test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// env is a configuration file, a database and a clock for running commands.
type env struct {
	t      *testing.T
	dir    string
	config string
	db     string
	clock  *clock
}

func newEnv(t *testing.T, configYAML string) *env {
	t.Helper()
	dir := t.TempDir()
	e := &env{t: t, dir: dir, config: filepath.Join(dir, "sources.yaml"), db: filepath.Join(dir, "tracker.db"),
		clock: &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}}
	if os.Getenv(storetest.EngineEnv) == store.EnginePostgres {
		e.db = storetest.Postgres(t)
	}
	if err := os.WriteFile(e.config, []byte(configYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	return e
}

// onFile reports whether the test's database is a SQLite file: what a test
// does to the file itself (a lock, a missing file, SQL of its own) has no
// meaning on PostgreSQL.
func (e *env) onFile() bool { return !store.IsPostgres(e.db) }

// tosConfig declares one source, tos, read from a replay server at base as
// TikTok's Terms of Service page is.
func tosConfig(base string) string {
	return "settings: {retries: 0, host_delay: 0s}\nsources:\n  - {id: tos, kind: page, url: '" + base +
		"/tos', select: '[data-testid=policy-card]', remove: [.language-selection]}\n"
}

// run runs a tracker command and returns its exit code, stdout and stderr.
func (e *env) run(args ...string) (int, string, string) {
	e.t.Helper()
	var out, errOut bytes.Buffer
	a := &app{stdout: &out, stderr: &errOut, now: e.clock.Now, getenv: func(k string) string {
		switch k {
		case "TRACKER_CONFIG":
			return e.config
		case "TRACKER_DB":
			return e.db
		}
		return ""
	}}
	code := a.run(context.Background(), args)
	return code, out.String(), errOut.String()
}

// mustRun runs a command that must exit with want.
func (e *env) mustRun(want int, args ...string) string {
	e.t.Helper()
	code, out, errOut := e.run(args...)
	if code != want {
		e.t.Fatalf("tracker %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, out, errOut)
	}
	return out
}

// runJSON runs a command with --json and decodes its output into v.
func (e *env) runJSON(v any, args ...string) {
	e.t.Helper()
	out := e.mustRun(exitOK, append(args, "--json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		e.t.Fatalf("tracker %s --json: %v\n%s", strings.Join(args, " "), err, out)
	}
}
