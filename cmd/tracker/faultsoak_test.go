package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"tracker/internal/api"
)

// TestFaultSoak runs the daemon beside repeated manual checks and digest
// sends, the SMTP server dropping connections at random at the end of
// DATA and after its 250, for TRACKER_FAULT_SOAK (say 10m). It counts
// false failures (a check of a page that always answers, failing), lost
// versions (a fetched text not recorded) and duplicate digests outside
// the promise (a Message-ID received twice by a digest not marked in
// doubt); each must be 0 (#16).
//
//	TRACKER_FAULT_SOAK=10m go test ./cmd/tracker -run TestFaultSoak -v -timeout 30m
func TestFaultSoak(t *testing.T) {
	d, err := time.ParseDuration(os.Getenv("TRACKER_FAULT_SOAK"))
	if err != nil {
		t.Skip("set TRACKER_FAULT_SOAK=10m to run the fault soak")
	}
	var fetches atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<html><body><article><h1>Privacy policy</h1><p>%s</p><p>We keep your data for %d days.</p></article></body></html>",
			strings.Repeat("We process your personal data to provide the service and as the law requires. ", 8), fetches.Add(1))
	}))
	defer srv.Close()
	smtp := startFaultySMTP(t)
	e := newEnv(t, fmt.Sprintf(`
settings: {retries: 0, host_delay: 0s, jitter: 0s, schedule: '* * * * *'}
mail:
  from: "Tracker <tracker@example.com>"
  schedule: '* * * * *'
  smtp: {host: 127.0.0.1, port: %d, tls: none, timeout: 5s}
recipients:
  - {name: Ada Lovelace, address: ada@example.com}
sources:
  - {id: pp, kind: page, url: '%s/pp', select: article}
`, smtp.port, srv.URL))
	// Enrolled a day ago, so that digests are due from the start, then every
	// minute.
	e.clock.Set(time.Now().Add(-25 * time.Hour))
	e.mustRun(exitOK, "digest", "--send")
	daemon := startDaemon(t, e)
	run := func(args ...string) (int, string) {
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), "TRACKER_TEST_AS_MAIN=1", "TRACKER_CONFIG="+e.config, "TRACKER_DB="+e.db)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), out.String()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, out.String()
	}
	rnd := rand.New(rand.NewPCG(16, 4))
	modes := []string{"ok", "ok", "drop"}
	falseFailures, checks, sends := 0, 0, 0
	for end := time.Now().Add(d); time.Now().Before(end); {
		smtp.set(modes[rnd.IntN(len(modes))])
		if code, out := run("check"); code != 0 {
			falseFailures++
			t.Errorf("tracker check beside the daemon: exit %d\n%s", code, out)
		}
		checks++
		if code, out := run("digest", "--send"); code != 0 && code != exitFailed || strings.Contains(out, "UNIQUE") || strings.Contains(out, "SQL") {
			t.Errorf("tracker digest --send: exit %d\n%s", code, out)
		}
		sends++
		time.Sleep(time.Duration(rnd.IntN(3000)) * time.Millisecond)
	}
	smtp.set("ok")
	// The daemon's own checks, and their failures, are in its logs.
	if n := strings.Count(daemon.log(), `"msg":"check failed"`); n > 0 {
		falseFailures += n
		t.Errorf("%d failed checks in the daemon's logs", n)
	}
	daemon.cmd.Process.Signal(os.Interrupt)
	<-daemon.done
	if testing.Verbose() {
		t.Logf("the daemon's logs:\n%s", daemon.log())
	}

	var history []api.Version
	e.runJSON(&history, "history", "pp")
	lost := int(fetches.Load()) - len(history)
	if lost != 0 {
		t.Errorf("%d fetches, %d versions: %d lost", fetches.Load(), len(history), lost)
	}
	var digests []api.Digest
	e.runJSON(&digests, "digests")
	byID := map[string]api.Digest{}
	for _, dg := range digests {
		byID[dg.MessageID] = dg
	}
	got := map[string]int{}
	for _, id := range smtp.received() {
		got[id]++
	}
	dupes, doubtful := 0, 0
	for id, n := range got {
		dg, ok := byID[id]
		if !ok {
			t.Errorf("the server got %s, which no digest has", id)
			continue
		}
		if n > 1 {
			doubtful++
			if dg.Doubtful < n-1 {
				dupes++
				t.Errorf("digest %d arrived %d times, %d of its attempts marked in doubt", dg.ID, n, dg.Doubtful)
			}
		}
	}
	t.Logf("%v: %d manual checks and %d digest sends beside the daemon; %d fetches, %d versions; %d digests, %d messages received, %d received more than once (all marked in doubt: %v); false failures %d, lost versions %d, duplicates outside the promise %d",
		d, checks, sends, fetches.Load(), len(history), len(digests), len(smtp.received()), doubtful, dupes == 0, falseFailures, lost, dupes)
}
