package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"tracker"
	"tracker/internal/store"
)

// Three `tracker run` processes share one PostgreSQL database and 500
// sources on ten local hosts, a fifth of which change every 25 seconds;
// one is killed with SIGKILL while it works. Every source is checked in
// each of its slots exactly once (each check's next slot is the slot of the
// next check), no version is lost (every edition served more than once, so
// seen by a worker that lived, is a version) or recorded twice (no two
// versions in a row alike), and each recipient gets one digest per window.
func TestWorkerProcessesShareOnePlan(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tracker processes")
	}
	e := newEnv(t, "")
	if e.onFile() {
		t.Skip("several workers share a PostgreSQL database (TRACKER_TEST_ENGINE=postgres); on SQLite a second tracker run refuses (TestSecondDaemonRefuses)")
	}
	const nSources, nHosts, every, edition = 500, 10, 10 * time.Second, 25 * time.Second
	words := []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliett", "kilo", "lima"}
	t0 := time.Now()
	var mu sync.Mutex
	served := map[int]map[string]int{} // source → edition → requests
	var hosts []string
	for range nHosts {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var i int
			fmt.Sscanf(r.URL.Path, "/s%d", &i)
			ed := "standing"
			if i%5 == 0 {
				ed = words[int(time.Since(t0)/edition)%len(words)]
			}
			mu.Lock()
			if served[i] == nil {
				served[i] = map[string]int{}
			}
			served[i][ed]++
			mu.Unlock()
			fmt.Fprintf(w, "<html><body><main><p>Terms of source %d, the %s edition.</p></main></body></html>", i, ed)
		}))
		defer srv.Close()
		hosts = append(hosts, srv.URL)
	}
	var yaml strings.Builder
	fmt.Fprintf(&yaml, `settings: {retries: 0, host_delay: 0s, jitter: 0s, concurrency: 4, shutdown_grace: 10s, lease_ttl: 6s, schedule: '@every %s'}
mail: {from: tracker@example.com, outbox: %s, schedule: '* * * * *'}
recipients:
  - {name: Ada, address: ada@example.com}
  - {name: Bob, address: bob@example.com}
sources:
`, every, filepath.Join(e.dir, "outbox"))
	for i := range nSources {
		fmt.Fprintf(&yaml, "  - {id: s%03d, kind: page, url: '%s/s%d', select: main, min_words: 1}\n", i, hosts[i%nHosts], i)
	}
	if err := os.WriteFile(e.config, []byte(yaml.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, e.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Followed for a day already: a digest is due at once, and each minute.
	if err := db.EnrollRecipients(ctx, []string{"ada@example.com", "bob@example.com"}, t0.Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}

	workers := []*daemonProc{startDaemon(t, e), startDaemon(t, e), startDaemon(t, e)}
	// The third dies once every worker has checked, while work is under way.
	checked := func(p *daemonProc) int { return strings.Count(p.log(), `"msg":"checked"`) }
	eventually(t, 3*time.Minute, func() error {
		for i, p := range workers {
			if checked(p) < 20 {
				return fmt.Errorf("worker %d has done %d checks", i+1, checked(p))
			}
		}
		return nil
	})
	killed := workers[2]
	if err := killed.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-killed.done
	killedAt := time.Now()
	// The survivors go on until every source was checked again after the
	// dead worker's leases expired (6s), and the changing ones saw another
	// edition: however loaded the machine, this is a wait on what they do.
	eventually(t, 15*time.Minute, func() error {
		time.Sleep(time.Second) // the listing is of every check done
		all, err := db.Checks(ctx, "", 1000000)
		if err != nil {
			return err
		}
		after := map[string]bool{}
		for _, c := range all {
			if c.StartedAt.After(killedAt.Add(6 * time.Second)) {
				after[c.SourceID] = true
			}
		}
		if len(after) < nSources || time.Since(killedAt) < edition {
			return fmt.Errorf("%d sources of %d checked since the kill", len(after), nSources)
		}
		return nil
	})
	for _, p := range workers[:2] {
		p.cmd.Process.Signal(syscall.SIGTERM)
	}
	for i, p := range workers[:2] {
		if code := p.wait(t, 2*time.Minute); code != 0 {
			t.Errorf("worker %d: exit %d after SIGTERM\n%s", i+1, code, p.log())
		}
	}

	byWorker := map[string]int{}
	for i := range nSources {
		id := fmt.Sprintf("s%03d", i)
		checks, err := db.Checks(ctx, id, 10000)
		if err != nil {
			t.Fatal(err)
		}
		sort.Slice(checks, func(a, b int) bool { return checks[a].Slot.Before(checks[b].Slot) })
		for k, c := range checks {
			byWorker[c.Worker]++
			if k > 0 && !checks[k-1].NextSlot.Equal(c.Slot) {
				t.Errorf("%s: a check of slot %v planned the next at %v, but the next check done was of slot %v: a slot skipped or done twice",
					id, checks[k-1].Slot, checks[k-1].NextSlot, c.Slot)
			}
		}
		vs, err := db.Versions(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		texts := map[string]bool{}
		prev := ""
		for k, v := range vs {
			text, err := db.Text(ctx, v)
			if err != nil {
				t.Fatal(err)
			}
			if v.Seq != k+1 {
				t.Errorf("%s: version %d at position %d", id, v.Seq, k+1)
			}
			if k > 0 && text == prev {
				t.Errorf("%s: versions %d and %d are the same text: recorded twice", id, k, k+1)
			}
			texts[text], prev = true, text
		}
		mu.Lock()
		for ed, n := range served[i] {
			found := false
			for text := range texts {
				if strings.Contains(text, "the "+ed+" edition") {
					found = true
				}
			}
			if n > 1 && !found {
				t.Errorf("%s: the %s edition, served %d times, is in no version: lost", id, ed, n)
			}
		}
		mu.Unlock()
	}
	if len(byWorker) != 3 {
		t.Errorf("checks by worker: %v, want all three workers", byWorker)
	}
	t.Logf("checks by worker: %v", byWorker)

	// One digest per recipient and window, whichever worker sent it, and
	// each in the outbox once (twice only if it says it may have been).
	files, _ := filepath.Glob(filepath.Join(e.dir, "outbox", "*"))
	var outbox strings.Builder
	for _, f := range files {
		b, _ := os.ReadFile(f)
		outbox.Write(b)
	}
	for _, r := range []string{"ada@example.com", "bob@example.com"} {
		ds, err := db.Digests(ctx, r, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) == 0 {
			t.Errorf("%s: no digest", r)
		}
		sort.Slice(ds, func(a, b int) bool { return ds[a].WindowEnd.Before(ds[b].WindowEnd) })
		for k, d := range ds {
			if k > 0 && d.WindowStart.Before(ds[k-1].WindowEnd) {
				t.Errorf("%s: digest %d's window starts at %v, before the previous one's end %v: two digests for one window", r, d.ID, d.WindowStart, ds[k-1].WindowEnd)
			}
			if d.State != tracker.DigestSent {
				t.Errorf("%s: digest %d is %s (%s)", r, d.ID, d.State, d.LastError)
			}
			if n := strings.Count(outbox.String(), "Message-ID: <"+strings.Trim(d.MessageID, "<>")+">"); n != 1 && !(n == 2 && d.Doubtful > 0) {
				t.Errorf("%s: digest %d (%s) is in the outbox %d times", r, d.ID, d.MessageID, n)
			}
		}
	}
}
