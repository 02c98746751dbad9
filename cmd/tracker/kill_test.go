package main

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"tracker/internal/replaytest"
	"tracker/internal/store"
)

// startTracker runs the tracker command as a separate process.
func startTracker(t *testing.T, e *env, args ...string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "TRACKER_TEST_AS_MAIN=1", "TRACKER_CONFIG="+e.config, "TRACKER_DB="+e.db)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, bufio.NewScanner(stdout)
}

var newVersionLine = regexp.MustCompile(`^(\S+)\s+new version (\d+)`)

// Killing `tracker check` at any moment leaves a database that opens, passes
// the integrity check and holds every version reported before the kill.
func TestKillDuringCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tracker processes")
	}
	history := replaytest.History(t, "Privacy Policy")
	srv := replaytest.NewServer()
	defer srv.Close()

	const n = 30
	var cfg strings.Builder
	cfg.WriteString("settings:\n  retries: 0\n  host_delay: 0s\n  concurrency: 1\nsources:\n")
	for i := range n {
		fmt.Fprintf(&cfg, "  - {id: doc-%02d, kind: page, url: '%s/doc/%d', select: article, remove: [.language-selection]}\n", i, srv.URL, i)
	}
	e := newEnv(t, cfg.String())
	rnd := rand.New(rand.NewPCG(7, 11))

	for round := range 12 {
		for i := range n {
			v := history[(round*n+i*3)%len(history)]
			srv.Handle(fmt.Sprintf("/doc/%d", i), replaytest.Document(v.Markdown, uint64(round*n+i)))
		}
		cmd, lines := startTracker(t, e, "check")
		kill := time.Duration(rnd.IntN(400)) * time.Millisecond
		timer := time.AfterFunc(kill, func() { cmd.Process.Kill() })

		reported := map[string]int{} // source → highest seq printed
		for lines.Scan() {
			if m := newVersionLine.FindStringSubmatch(lines.Text()); m != nil {
				seq, _ := strconv.Atoi(m[2])
				reported[m[1]] = seq
			}
		}
		cmd.Wait()
		timer.Stop()

		db, err := store.Open(context.Background(), e.db)
		if err != nil {
			t.Fatalf("round %d (killed after %v): the database does not open: %v", round, kill, err)
		}
		if err := db.IntegrityCheck(context.Background()); err != nil {
			t.Fatalf("round %d (killed after %v): %v", round, kill, err)
		}
		for id, seq := range reported {
			v, err := db.Version(context.Background(), id, seq)
			if err != nil {
				t.Fatalf("round %d: version %d of %s was reported before the kill but is not stored: %v", round, seq, id, err)
			}
			if _, err := db.Text(context.Background(), v); err != nil {
				t.Fatalf("round %d: version %d of %s does not read back: %v", round, seq, id, err)
			}
		}
		db.Close()
		t.Logf("round %d: killed after %v, %d new versions reported", round, kill, len(reported))
	}
}
