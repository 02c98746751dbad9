package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A disk that cannot take another byte (here: the process may write no
// file past 8 KiB, as on a full disk) fails even the commands that only
// read: SQLite must create the shared-memory file tracker.db-shm beside the
// database. The message names the disk and says what to do, rather than
// "disk I/O error (4874)".
func TestFullDiskIsNamed(t *testing.T) {
	e := newEnv(t, "sources:\n  - {id: a, kind: page, url: 'http://127.0.0.1:1/', select: p}\n")
	if !e.onFile() {
		t.Skip("a full disk of SQLite's: PostgreSQL's server names its own (see the store's explain)")
	}
	e.mustRun(exitFailed, "check")
	os.Remove(e.db + "-shm")
	os.Remove(e.db + "-wal")
	for _, args := range [][]string{{"sources"}, {"history", "a"}, {"check"}} {
		cmd := exec.Command("/bin/sh", append([]string{"-c", `ulimit -f 16 && exec "$0" "$@"`, os.Args[0]}, args...)...)
		cmd.Env = append(os.Environ(), "TRACKER_TEST_AS_MAIN=1", "TRACKER_CONFIG="+e.config, "TRACKER_DB="+e.db)
		out, err := cmd.CombinedOutput()
		msg := string(out)
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitFailed {
			t.Errorf("tracker %s on a full disk: %v\n%s", strings.Join(args, " "), err, msg)
			continue
		}
		dir, _ := filepath.Abs(e.dir)
		for _, want := range []string{"the disk holding " + dir, "free", "tracker.db-shm", "free space"} {
			if !strings.Contains(msg, want) {
				t.Errorf("tracker %s on a full disk says %q, which lacks %q", strings.Join(args, " "), msg, want)
			}
		}
	}
}
