package daemon

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tracker"
	"tracker/internal/config"
	"tracker/internal/store"
	"tracker/internal/storetest"
)

// Three workers share one PostgreSQL database and 500 sources on ten
// hosts, each checked at a start and every hour; the pages of one in five
// change every hour. At 02:00 one worker dies in the middle of a check (its
// connection to the database cut, as SIGKILL would). Every source is
// checked once in each of its slots, the dead worker's within its lease's
// expiry after it; each version is recorded once, none lost; each
// recipient gets one digest. The clocks are manual: the workers live
// through the same simulated times however slow the machine.
func TestSeveralWorkers(t *testing.T) {
	if testing.Short() {
		t.Skip("500 sources, three workers")
	}
	const nSources, nHosts, ttl = 500, 10, 2 * time.Minute
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) // Monday
	ref := newManualClock(start)                         // the pages' time

	// The pages: one in five changes at every hour. hold, when armed,
	// keeps each request waiting until it is closed.
	var mu sync.Mutex
	var hold chan struct{}
	held := make(chan struct{}, 3*nSources)
	revision := func(i int, at time.Time) int {
		if i%5 != 0 {
			return 0
		}
		return int(at.Sub(start) / time.Hour)
	}
	var hosts []*httptest.Server
	for range nHosts {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			h := hold
			mu.Unlock()
			if h != nil {
				held <- struct{}{}
				<-h
			}
			var i int
			fmt.Sscanf(r.URL.Path, "/s%d", &i)
			fmt.Fprintf(w, "<html><body><main><p>Terms of source %d, revision %d.</p></main></body></html>", i, revision(i, ref.Now()))
		}))
		defer srv.Close()
		hosts = append(hosts, srv)
	}

	var yaml strings.Builder
	yaml.WriteString(`settings: {retries: 0, host_delay: 0s, jitter: 0s, concurrency: 1, shutdown_grace: 5s, schedule: '0 * * * *'}
mail: {from: tracker@example.com, outbox: OUTBOX, schedule: '30 1 * * *'}
recipients:
  - {name: Ada, address: ada@example.com}
  - {name: Bob, address: bob@example.com}
sources:
`)
	for i := range nSources {
		fmt.Fprintf(&yaml, "  - {id: s%03d, kind: page, url: '%s/s%d', select: main, min_words: 1}\n", i, hosts[i%nHosts].URL, i)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "sources.yaml")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(yaml.String(), "OUTBOX", filepath.Join(dir, "outbox"))), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	addr := storetest.Postgres(t)
	// Followed for a while already: their first digest is at 01:30.
	if err := storetest.OpenAt(t, addr).EnrollRecipients(context.Background(), []string{"ada@example.com", "bob@example.com"}, start.Add(-23*time.Hour)); err != nil {
		t.Fatal(err)
	}
	var dbs []*store.DB
	var sims []*sim
	for w := range 3 {
		db := storetest.OpenAt(t, addr)
		clock := newManualClock(start)
		d, err := New(Options{ConfigPath: path, DB: db, Log: logger(t), Clock: clock, Worker: fmt.Sprintf("w%d", w+1), LeaseTTL: ttl}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		dbs = append(dbs, db)
		sims = append(sims, simulate(t, d, clock))
	}
	alive := sims
	// until lives through every job due up to at on every live worker's
	// clock, in step.
	until := func(at time.Time) {
		t.Helper()
		for {
			var next time.Time
			for _, s := range alive {
				if n := s.settle(0); !n.IsZero() && (next.IsZero() || n.Before(next)) {
					next = n
				}
			}
			if next.IsZero() || next.After(at) {
				break
			}
			ref.AdvanceTo(next)
			for _, s := range alive {
				s.clock.AdvanceTo(next)
			}
		}
		ref.AdvanceTo(at)
		for _, s := range alive {
			s.clock.AdvanceTo(at)
		}
	}
	until(start.Add(2*time.Hour - time.Second))

	// 02:00: every worker's check held at the page, then the third worker
	// dies holding its lease.
	release := make(chan struct{})
	mu.Lock()
	hold = release
	mu.Unlock()
	two := start.Add(2 * time.Hour)
	ref.AdvanceTo(two)
	for _, s := range sims {
		s.clock.AdvanceTo(two)
	}
	for range 3 {
		select {
		case <-held:
		case <-time.After(settleTimeout):
			t.Fatal("the three workers did not each start a check at 02:00")
		}
	}
	ctx := context.Background()
	dead := ""
	ws, err := dbs[0].WorkerList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		if w.ID == "w3" && w.Leases == 1 {
			dead = w.ID
		}
	}
	if dead == "" {
		t.Fatalf("w3 holds no lease at 02:00: %+v", ws)
	}
	dbs[2].Close()
	alive = sims[:2]
	mu.Lock()
	hold = nil
	mu.Unlock()
	close(release)
	until(start.Add(3*time.Hour + 30*time.Minute))
	end := ref.Now()

	// Every source checked once in each slot: at its start (within the
	// first second), then at 01:00, 02:00 and 03:00, each within the lease
	// of a dead worker after its slot.
	for i := range nSources {
		id := fmt.Sprintf("s%03d", i)
		checks, err := dbs[0].Checks(ctx, id, 0)
		if err != nil {
			t.Fatal(err)
		}
		var slots []time.Time
		for k := len(checks) - 1; k >= 0; k-- {
			c := checks[k]
			slots = append(slots, c.Slot)
			if late := c.StartedAt.Sub(c.Slot); late < 0 || late > ttl+time.Minute {
				t.Errorf("%s: the check of the slot at %v started at %v", id, c.Slot, c.StartedAt)
			}
			if c.Worker == dead && c.StartedAt.After(two.Add(-time.Second)) {
				t.Errorf("%s: the check of %v is recorded as done by the dead worker", id, c.Slot)
			}
		}
		if len(slots) != 4 || slots[0].After(start.Add(time.Second)) || !slots[1].Equal(start.Add(time.Hour)) ||
			!slots[2].Equal(two) || !slots[3].Equal(start.Add(3*time.Hour)) {
			t.Fatalf("%s was checked in the slots %v, want its start, 01:00, 02:00 and 03:00", id, slots)
		}
		// Each revision of the page recorded once, in order.
		vs, err := dbs[0].Versions(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		want := 1
		if i%5 == 0 {
			want = 4
		}
		if len(vs) != want {
			t.Fatalf("%s: %d versions, want %d", id, len(vs), want)
		}
		for k, v := range vs {
			text, err := dbs[0].Text(ctx, v)
			if err != nil || !strings.Contains(text, fmt.Sprintf("revision %d.", revision(i, start.Add(time.Duration(k)*time.Hour)))) {
				t.Fatalf("%s: version %d reads %q (%v)", id, v.Seq, text, err)
			}
		}
	}
	// The dead worker's lease went to a live one once expired, and with it
	// its turn at its host: the sources there waited for it, no other
	// host did.
	takenHosts := map[int]int{}
	all, err := dbs[0].Checks(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	perWorker := map[string]int{}
	for _, c := range all {
		perWorker[c.Worker]++
		if c.Slot.Equal(two) && c.StartedAt.After(two.Add(ttl)) {
			var i int
			fmt.Sscanf(c.SourceID, "s%d", &i)
			takenHosts[i%nHosts]++
		}
	}
	if len(takenHosts) != 1 {
		t.Errorf("checks of 02:00 taken over after the dead worker's lease expired, by host: %v; want those of its host", takenHosts)
	}
	t.Logf("checks per worker by %v: %v", end, perWorker)
	if perWorker["w1"] == 0 || perWorker["w2"] == 0 || perWorker["w3"] == 0 {
		t.Errorf("some worker checked nothing: %v", perWorker)
	}
	// One digest per recipient, from whichever worker.
	for _, r := range []string{"ada@example.com", "bob@example.com"} {
		ds, err := dbs[0].Digests(ctx, r, 0)
		if err != nil || len(ds) != 1 || !ds[0].WindowEnd.Equal(start.Add(90*time.Minute)) || ds[0].State != tracker.DigestSent {
			t.Errorf("%s: digests %+v (%v), want one sent for the day up to 01:30", r, ds, err)
		}
	}
	if n := len(outbox(t, path)); n != 2 {
		t.Errorf("%d messages in the outbox, want 2", n)
	}
}

// A daemon started again on the machine where its predecessor was killed
// takes back at once what the dead process held, rather than waiting for
// its leases to expire.
func TestRestartTakesBackTheDeadWorkersLeases(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<html><body><main><p>Terms.</p></main></body></html>")
	}))
	defer srv.Close()
	path, db, cfg := setup(t, "settings: {retries: 0, host_delay: 0s, jitter: 0s}\nsources:\n  - {id: a, kind: page, url: '"+srv.URL+"/a', select: main, min_words: 1}\n")
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	ctx := context.Background()
	// The dead worker: this machine, a process that has exited.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	old := store.WorkerID(host, dead.Process.Pid, start.Add(-time.Hour))
	if err := db.Heartbeat(ctx, store.WorkerInfo{ID: old, Hostname: host, PID: dead.Process.Pid, StartedAt: start.Add(-time.Hour)}, start, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := db.UpsertSource(ctx, store.SourceInfo{ID: "a", Kind: "page", URL: srv.URL + "/a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PlanChecks(ctx, []store.CheckPlan{{SourceID: "a", Host: "x", Plan: "old", Due: start}}); err != nil {
		t.Fatal(err)
	}
	if ls, err := db.LeaseChecks(ctx, old, start, 1, time.Hour); err != nil || len(ls) != 1 {
		t.Fatalf("lease: %v %v", ls, err)
	}
	clock := newManualClock(start)
	d, err := New(Options{ConfigPath: path, DB: db, Log: logger(t), Clock: clock, Worker: "new"}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := simulate(t, d, clock)
	s.until(start.Add(2 * time.Minute)) // well within the dead worker's hour of lease
	s.stop()
	checks, err := db.Checks(ctx, "a", 0)
	if err != nil || len(checks) != 1 || checks[0].Worker != "new" {
		t.Fatalf("checks %+v (%v): want one, by the new worker", checks, err)
	}
	ws, _ := db.WorkerList(ctx)
	for _, w := range ws {
		if w.ID == old && w.StoppedAt.IsZero() {
			t.Errorf("the dead worker is not recorded as stopped: %+v", w)
		}
	}
}
