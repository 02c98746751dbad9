package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"tracker"
	"tracker/internal/config"
	"tracker/internal/digest"
	"tracker/internal/replaytest"
	"tracker/internal/store"
	"tracker/internal/storetest"
)

const hour = time.Hour

// setup writes a configuration and opens a database for a daemon.
func setup(t *testing.T, yaml string) (string, *store.DB, *config.Config) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "sources.yaml")
	yaml = strings.ReplaceAll(yaml, "OUTBOX", filepath.Join(dir, "outbox"))
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, storetest.Open(t), cfg
}

func logger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// sim runs a daemon on a manual clock. The clock moves only in until, from
// one due job to the next, and only once the daemon has finished what the
// last move made due: each check and digest runs at its exact simulated
// time, however slow the machine.
type sim struct {
	t       *testing.T
	d       *Daemon
	clock   *manualClock
	cancel  context.CancelFunc
	done    chan error
	running bool
}

// settleTimeout bounds the real time the daemon may take to finish what
// came due: far more than it needs on a loaded machine, and a failure, not
// a pass, when it is exceeded.
const settleTimeout = time.Minute

// simulate starts d, whose clock is clock, and waits for it to settle.
func simulate(t *testing.T, d *Daemon, clock *manualClock) *sim {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &sim{t: t, d: d, clock: clock, cancel: cancel, done: make(chan error, 1), running: true}
	go func() { s.done <- d.Run(ctx) }()
	t.Cleanup(func() {
		if s.running {
			s.cancel()
			<-s.done
		}
	})
	s.settle(0)
	return s
}

// settle waits until the daemon has nothing due on its clock, underway
// pieces of work under way (checks the test holds up, or waiting for a
// slot) and its loop waiting for the next job's time. It returns that time
// (zero without jobs).
func (s *sim) settle(underway int) time.Time {
	s.t.Helper()
	deadline := time.Now().Add(settleTimeout)
	for {
		now := s.clock.Now()
		s.d.mu.Lock()
		busy := s.d.busy
		var next time.Time
		for i, j := range s.d.jobs {
			if i == 0 || j.next.Before(next) {
				next = j.next
			}
		}
		s.d.mu.Unlock()
		waiting, ok := s.clock.Waiting()
		if busy == underway && (next.IsZero() || next.After(now) && ok && waiting.Equal(next)) {
			return next
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("at %v the daemon did not settle within %v: %d pieces of work under way (want %d), next job at %v, its loop waiting for %v (%v)",
				now, settleTimeout, busy, underway, next, waiting, ok)
		}
		select {
		case err := <-s.done:
			s.running = false
			s.t.Fatalf("the daemon stopped by itself at %v: %v", now, err)
		case <-time.After(time.Millisecond):
		}
	}
}

// until lives through every job due up to and including at, each at its
// time, and leaves the clock at at with the daemon settled.
func (s *sim) until(at time.Time) { s.untilHolding(at, 0) }

// untilHolding is until while underway pieces of work stay under way (the
// test holds them up).
func (s *sim) untilHolding(at time.Time, underway int) {
	s.t.Helper()
	for {
		next := s.settle(underway)
		if next.IsZero() || next.After(at) {
			break
		}
		s.clock.AdvanceTo(next)
	}
	s.clock.AdvanceTo(at)
}

// stop stops the daemon and waits for Run to return.
func (s *sim) stop() {
	s.t.Helper()
	s.cancel()
	select {
	case err := <-s.done:
		s.running = false
		if err != nil {
			s.t.Fatal(err)
		}
	case <-time.After(settleTimeout):
		s.t.Fatalf("the daemon did not stop within %v", settleTimeout)
	}
}

// visits records the simulated times at which a test server is asked for
// a page.
type visits struct {
	clock Clock
	mu    sync.Mutex
	at    []time.Time
}

func (v *visits) record(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v.mu.Lock()
		v.at = append(v.at, v.clock.Now())
		v.mu.Unlock()
		h(w, r)
	}
}

// times are the simulated times of the visits in [from, to].
func (v *visits) times(from, to time.Time) []time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	var ts []time.Time
	for _, t := range v.at {
		if !t.Before(from) && !t.After(to) {
			ts = append(ts, t)
		}
	}
	return ts
}

func outbox(t *testing.T, cfgPath string) []string {
	entries, _ := os.ReadDir(filepath.Join(filepath.Dir(cfgPath), "outbox"))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

const scheduleConfig = `
settings: {retries: 0, host_delay: 0s, jitter: 5m, shutdown_grace: 5s}
mail:
  from: tracker@example.com
  outbox: OUTBOX
recipients:
  - {name: Ada, address: ada@example.com}
sources:
  - {id: terms, kind: page, url: '%s/terms', select: '[data-testid=policy-card]', remove: [.language-selection], schedule: '@every 1h'}
`

// The daemon, first started on Saturday, checks the page every (simulated)
// hour, records the change made on Sunday night, mails the digest once on
// Monday at 08:00; restarted after missing the next Monday, it sends that
// digest at once and checks the overdue page.
func TestSchedulesAndDigests(t *testing.T) {
	terms := replaytest.History(t, "Terms of Service")
	// A real change of substance: the 2025 rewrite of the terms.
	version := func(file string) []byte {
		for _, c := range terms {
			if strings.Contains(c.File, file) {
				return c.Markdown
			}
		}
		t.Fatalf("no version %s", file)
		return nil
	}
	srv := replaytest.NewServer()
	defer srv.Close()
	start := time.Date(2026, 6, 6, 8, 0, 0, 0, time.UTC) // Saturday
	clock := newManualClock(start)
	page := &visits{clock: clock}
	srv.Handle("/terms", page.record(replaytest.Document(version("2025-05-05T18-18-57Z"), 1)))
	path, db, cfg := setup(t, fmt.Sprintf(scheduleConfig, srv.URL))
	d, err := New(Options{ConfigPath: path, DB: db, Log: logger(t), Clock: clock}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := simulate(t, d, clock)
	changedAt := start.Add(40 * hour) // Monday 00:00
	s.until(changedAt)
	srv.Handle("/terms", page.record(replaytest.Document(version("2025-06-25T06-16-50Z"), 2)))
	stopped := start.Add(52 * hour) // Monday 12:00
	s.until(stopped)
	s.stop()

	vs, err := db.Versions(context.Background(), "terms")
	if err != nil || len(vs) != 2 {
		t.Fatalf("%d versions, %v", len(vs), err)
	}
	checks := page.times(start, stopped)
	if len(checks) != 52 || checks[0].After(start.Add(time.Minute)) || checks[1].Sub(checks[0]) > hour+5*time.Minute {
		t.Fatalf("checks over 52 hours of an hourly schedule started at %v: %v", start, checks)
	}
	// Then every hour at the source's place in it: its jitter does not add
	// up from one check to the next.
	for i := 2; i < len(checks); i++ {
		if gap := checks[i].Sub(checks[i-1]); gap != hour {
			t.Fatalf("%v between the checks at %v and %v of an hourly source", gap, checks[i-1], checks[i])
		}
	}
	// The change is recorded by the first check after it, within the hour.
	var first time.Time
	for _, c := range checks {
		if c.After(changedAt) {
			first = c
			break
		}
	}
	if !vs[1].FirstSeen.Equal(first.Truncate(time.Millisecond)) || first.Sub(changedAt) > hour {
		t.Errorf("the change made at %v was recorded at %v, not by the next check, at %v, within the hour", changedAt, vs[1].FirstSeen, first)
	}
	monday8 := time.Date(2026, 6, 8, 8, 0, 0, 0, time.UTC)
	sent, _ := db.Digests(context.Background(), "", 0)
	if len(sent) != 1 || sent[0].State != tracker.DigestSent || !sent[0].WindowEnd.Equal(monday8) || !sent[0].SentAt.Equal(monday8) || sent[0].Changes != 1 {
		t.Fatalf("digests %+v", sent)
	}
	if n := len(outbox(t, path)); n != 1 {
		t.Errorf("%d messages in the outbox, want 1", n)
	}

	// Down from Monday 12:00 to the next Monday 10:00: missed digest, and
	// an overdue page.
	restart := time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)
	clock.AdvanceTo(restart)
	d, err = New(Options{ConfigPath: path, DB: db, Log: logger(t), Clock: clock}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s = simulate(t, d, clock)
	s.until(restart.Add(30 * time.Minute))
	s.stop()
	sent, _ = db.Digests(context.Background(), "", 0)
	if len(sent) != 2 || sent[0].State != tracker.DigestSent || !sent[0].WindowEnd.Equal(time.Date(2026, 6, 15, 8, 0, 0, 0, time.UTC)) || !sent[0].SentAt.Equal(restart) {
		t.Errorf("after the restart at %v: %+v", restart, sent)
	}
	if n := len(outbox(t, path)); n != 2 {
		t.Errorf("%d messages in the outbox, want 2", n)
	}
	checks = page.times(stopped, restart.Add(30*time.Minute))
	st, _ := db.Source(context.Background(), "terms")
	if len(checks) != 1 || checks[0].After(restart.Add(time.Minute)) || !st.LastFetchAt.Equal(checks[0].Truncate(time.Millisecond)) {
		t.Errorf("the overdue page was not checked once within a minute of the restart at %v: checks %v, last %v", restart, checks, st.LastFetchAt)
	}
}

// arrivals signals each request a test server receives, without ever
// blocking it.
type arrivals chan struct{}

func (a arrivals) signal() {
	select {
	case a <- struct{}{}:
	default:
	}
}

// wait waits for a request, for at most settleTimeout.
func (a arrivals) wait(t *testing.T, what string) {
	t.Helper()
	select {
	case <-a:
	case <-time.After(settleTimeout):
		t.Fatalf("%s: no request within %v", what, settleTimeout)
	}
}

// Sources keep their place in their schedule: a cron source is checked at
// its times plus its jitter, an @every one at its interval; the check soon
// after start is not followed by another minutes later.
func TestSchedulesKeepTheirPlace(t *testing.T) {
	srv := replaytest.NewServer()
	defer srv.Close()
	start := time.Date(2026, 6, 1, 11, 0, 30, 0, time.UTC)
	clock := newManualClock(start)
	cron, every := &visits{clock: clock}, &visits{clock: clock}
	page := replaytest.Static(200, []byte("<html><body><article>"+strings.Repeat("Terms. ", 40)+"</article></body></html>"))
	srv.Handle("/cron", cron.record(page))
	srv.Handle("/every", every.record(page))
	path, db, cfg := setup(t, fmt.Sprintf(`
settings: {retries: 0, host_delay: 0s, jitter: 10m}
sources:
  - {id: hourly, kind: page, url: '%[1]s/cron', select: article, schedule: '0 * * * *'}
  - {id: every, kind: page, url: '%[1]s/every', select: article, schedule: '@every 1h'}
`, srv.URL))
	d, err := New(Options{ConfigPath: path, DB: db, Log: logger(t), Clock: clock}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := simulate(t, d, clock)
	end := start.Add(6 * hour)
	s.until(end)
	s.stop()

	soon := jitterOf("hourly", time.Minute)
	place := jitterOf("hourly", 10*time.Minute)
	want := []time.Time{start.Add(soon)}
	for h := 12; h <= 16; h++ {
		want = append(want, time.Date(2026, 6, 1, h, 0, 0, 0, time.UTC).Add(place))
	}
	if got := cron.times(start, end); !slices.EqualFunc(got, want, time.Time.Equal) {
		t.Errorf("checks of the hourly cron source: %v, want %v", got, want)
	}
	got := every.times(start, end)
	if len(got) != 6 || !got[0].Equal(start.Add(jitterOf("every", time.Minute))) {
		t.Fatalf("checks of the @every 1h source: %v", got)
	}
	for i := 2; i < len(got); i++ {
		if gap := got[i].Sub(got[i-1]); gap != hour {
			t.Errorf("%v between the checks at %v and %v of an @every 1h source", gap, got[i-1], got[i])
		}
	}
}

// A check never overlaps the previous one of the same source.
func TestNoOverlap(t *testing.T) {
	var inFlight, peak atomic.Int32
	arrived, release, failed := make(arrivals, 1), make(chan struct{}), make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		if n > peak.Load() {
			peak.Store(n)
		}
		arrived.signal()
		select { // the first check lasts twenty minutes
		case <-release:
		case <-failed:
		}
		w.Write([]byte("<html><body><article>" + strings.Repeat("Some terms of service text. ", 20) + "</article></body></html>"))
	}))
	defer slow.Close()
	defer close(failed) // before Close: a failed test leaves the check held
	path, db, cfg := setup(t, fmt.Sprintf(`
settings: {retries: 0, host_delay: 0s, jitter: 0s, timeout: 1h}
sources:
  - {id: slow, kind: page, url: '%s/', select: article, schedule: '@every 1m'}
`, slow.URL))
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	clock := newManualClock(start)
	d, err := New(Options{ConfigPath: path, DB: db, Log: logger(t), Clock: clock}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := simulate(t, d, clock)
	clock.AdvanceTo(s.settle(0)) // the first check, within a second
	arrived.wait(t, "the first check")
	s.untilHolding(start.Add(20*time.Minute), 1)
	if n := testutil.ToFloat64(d.metrics.skipped); n != 20 {
		t.Errorf("%v checks skipped while the first one lasted from 00:00 to 00:20, want 20 (one a minute)", n)
	}
	close(release)
	s.until(start.Add(30 * time.Minute))
	s.stop()
	if peak.Load() != 1 {
		t.Errorf("%d checks of one source at once", peak.Load())
	}
	// The first, then one a minute from 00:21 to 00:30.
	if n := testutil.ToFloat64(d.metrics.checks.WithLabelValues("slow", "new")) + testutil.ToFloat64(d.metrics.checks.WithLabelValues("slow", "unchanged")); n != 11 {
		t.Errorf("%v checks over 30 minutes, the first lasting 20, want 11", n)
	}
	if n := testutil.ToFloat64(d.metrics.skipped); n != 20 {
		t.Errorf("%v checks skipped once the first was over, want still 20", n)
	}
}

// Told to stop, the daemon lets the check under way finish but starts none
// of those still waiting for a slot.
func TestStopStartsNoWaitingCheck(t *testing.T) {
	arrived, release, failed := make(arrivals, 1), make(chan struct{}), make(chan struct{})
	var hits atomic.Int32
	page := []byte("<html><body><article>" + strings.Repeat("Some terms of service text. ", 20) + "</article></body></html>")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		arrived.signal()
		select { // whichever source holds the only slot
		case <-release:
		case <-failed:
		}
		w.Write(page)
	}))
	defer srv.Close()
	defer close(failed) // before Close: a failed test leaves the check held
	path, db, cfg := setup(t, fmt.Sprintf(`
settings: {retries: 0, host_delay: 0s, jitter: 0s, timeout: 1h, concurrency: 1, shutdown_grace: 10s}
sources:
  - {id: a, kind: page, url: '%[1]s/a', select: article, schedule: '@every 1h'}
  - {id: b, kind: page, url: '%[1]s/b', select: article, schedule: '@every 1h'}
`, srv.URL))
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	clock := newManualClock(start)
	d, err := New(Options{ConfigPath: path, DB: db, Log: logger(t), Clock: clock}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := simulate(t, d, clock)
	clock.AdvanceTo(s.settle(0)) // the first check, within a second
	arrived.wait(t, "the first check")
	clock.AdvanceTo(s.settle(1)) // the other's, some tenths of a second later
	s.settle(2)                  // waiting for the slot
	d.mu.Lock()
	stopping := d.stopping
	d.mu.Unlock()
	s.cancel()
	select {
	case <-stopping:
	case <-time.After(settleTimeout):
		t.Fatal("told to stop, the daemon did not stop taking new work")
	}
	close(release)
	s.stop()
	if n := hits.Load(); n != 1 {
		t.Errorf("%d checks started; the one waiting for a slot started after the daemon was told to stop", n)
	}
	var versions int
	for _, id := range []string{"a", "b"} {
		vs, _ := db.Versions(context.Background(), id)
		versions += len(vs)
	}
	if versions != 1 {
		t.Errorf("%d versions recorded, want 1: the check under way, let finish", versions)
	}
}

// A check that comes to wait for a slot once the daemon is told to stop
// never starts, even when a slot is free: it is not a coin toss.
func TestNoCheckStartsOnceStopping(t *testing.T) {
	path, db, cfg := setup(t, "settings: {concurrency: 1}\nsources:\n  - {id: a, kind: page, url: 'http://127.0.0.1:1/', select: article}\n")
	d, err := New(Options{ConfigPath: path, DB: db, Log: logger(t), Clock: newManualClock(time.Now())}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	close(d.stopping)
	for range 64 {
		release, err := d.acquire(context.Background(), cfg)
		if err == nil {
			release()
			t.Fatal("a slot was taken after the daemon was told to stop")
		}
	}
}

// A source failing longer than the threshold is reported once, not at
// every attempt, and once again when it recovers.
func TestAlertOnceAndRecovery(t *testing.T) {
	var down atomic.Bool
	down.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("<html><body><article>" + strings.Repeat("Some terms of service text. ", 20) + "</article></body></html>"))
	}))
	defer srv.Close()
	path, db, cfg := setup(t, fmt.Sprintf(`
settings: {retries: 0, host_delay: 0s, jitter: 0s, alert_after: 2h}
sources:
  - {id: flaky, kind: page, url: '%s/', select: article, schedule: '@every 10m'}
`, srv.URL))
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	clock := newManualClock(start)
	d, err := New(Options{ConfigPath: path, DB: db, Log: logger(t), Clock: clock}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := simulate(t, d, clock)
	// Checks at 00:00 (and a fraction of a second), then every ten minutes
	// up to 05:00: all fail.
	s.until(start.Add(5 * hour))
	if n := testutil.ToFloat64(d.metrics.failures.WithLabelValues("flaky", "http")); n != 31 {
		t.Errorf("%v failed checks from 00:00 to 05:00, want 31", n)
	}
	if n := testutil.ToFloat64(d.metrics.alerts.WithLabelValues("failing")); n != 1 {
		t.Errorf("%v failure alerts over 5 hours of failing checks, want 1", n)
	}
	// The first check two hours after the first failure reports it.
	if st, _ := db.Source(context.Background(), "flaky"); !st.AlertedAt.Equal(start.Add(2*hour + 10*time.Minute)) {
		t.Errorf("alerted at %v, want 02:10, the first check two hours after the first failure", st.AlertedAt)
	}
	down.Store(false)
	s.until(start.Add(5*hour + 10*time.Minute))
	if n := testutil.ToFloat64(d.metrics.alerts.WithLabelValues("recovered")); n != 1 {
		t.Errorf("%v recovery reports after the check at 05:10, the first to succeed, want 1", n)
	}
	s.until(start.Add(6 * hour))
	s.stop()
	if n := testutil.ToFloat64(d.metrics.alerts.WithLabelValues("recovered")); n != 1 {
		t.Errorf("%v recovery reports by 06:00, want still 1", n)
	}
	if n := testutil.ToFloat64(d.metrics.alerts.WithLabelValues("failing")); n != 1 {
		t.Errorf("%v failure alerts after the recovery, want still 1", n)
	}
	st, _ := db.Source(context.Background(), "flaky")
	if !st.AlertedAt.IsZero() || st.Error != "" || !st.LastFetchAt.Equal(start.Add(6*hour)) {
		t.Errorf("after recovery: %+v", st)
	}
}

// An invalid configuration is rejected on reload and the running one kept.
func TestReload(t *testing.T) {
	srv := replaytest.NewServer()
	defer srv.Close()
	srv.Handle("/a", replaytest.Static(200, []byte("<html><body><article>"+strings.Repeat("Terms. ", 40)+"</article></body></html>")))
	conf := "settings: {retries: 0, host_delay: 0s, jitter: 0s}\nsources:\n  - {id: a, kind: page, url: '" + srv.URL + "/a', select: article, schedule: '@every 1m'}\n"
	path, db, cfg := setup(t, conf)
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	clock := newManualClock(start)
	d, err := New(Options{ConfigPath: path, DB: db, Log: logger(t), Clock: clock}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := simulate(t, d, clock)
	if err := os.WriteFile(path, []byte("sources:\n  - {id: a, kind: pgae}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := d.Reload(); err == nil {
		t.Fatal("a broken configuration was accepted")
	}
	// 00:00 (and a fraction of a second), then every minute up to 00:10.
	s.until(start.Add(10 * time.Minute))
	if hits := srv.Hits("/a"); hits != 11 {
		t.Errorf("%d checks in the 10 minutes after the rejected reload, want 11: the old configuration should keep running", hits)
	}
	// A valid one is taken.
	srv.Handle("/b", replaytest.Static(200, []byte("<html><body><article>"+strings.Repeat("Privacy. ", 40)+"</article></body></html>")))
	if err := os.WriteFile(path, []byte(strings.Replace(conf, "/a'", "/b'", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := d.Reload(); err != nil {
		t.Fatal(err)
	}
	s.until(start.Add(15 * time.Minute))
	s.stop()
	// Five checks of the new URL; the first, whose text keeps none of the
	// old one's words, fetched twice to confirm so drastic a change.
	if a, b := srv.Hits("/a"), srv.Hits("/b"); a != 11 || b != 6 {
		t.Errorf("from 00:11 to 00:15, %d fetches of the old URL and %d of the reloaded one, want 0 and 6", a-11, b)
	}
	if ok, rejected := testutil.ToFloat64(d.metrics.reloads.WithLabelValues("ok")), testutil.ToFloat64(d.metrics.reloads.WithLabelValues("rejected")); ok != 1 || rejected != 1 {
		t.Errorf("reloads: %v ok, %v rejected, want 1 and 1", ok, rejected)
	}
}

func TestLock(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tracker.db")
	unlock, err := Lock(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Lock(db); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("process %d", os.Getpid())) {
		t.Errorf("a second lock: %v", err)
	}
	unlock()
	// A clean stop leaves no lock file behind.
	if _, err := os.Stat(db + ".lock"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s.lock after unlock: %v", db, err)
	}
	again, err := Lock(db)
	if err != nil {
		t.Errorf("after unlock: %v", err)
	}
	again()
	// A file left by a process that was killed holds no lock: taken over.
	if err := os.WriteFile(db+".lock", []byte("99999999\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	left, err := Lock(db)
	if err != nil {
		t.Fatalf("over a file left behind: %v", err)
	}
	left()
}

func TestHealthzAndMetrics(t *testing.T) {
	path, db, cfg := setup(t, "sources:\n  - {id: a, kind: page, url: 'http://127.0.0.1:1/', select: article}\n")
	d, err := New(Options{ConfigPath: path, DB: db, Log: logger(t)}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(d.Handler())
	defer srv.Close()
	for path, want := range map[string]string{"/healthz": `"status":"ok"`, "/metrics": "go_goroutines"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("%s: %d %.200s", path, resp.StatusCode, b)
		}
	}
}

// A digest that fails at 08:00 (here the outbox cannot be written) is tried
// again within the hour, backing off, rather than a week later.
func TestFailedDigestIsRetried(t *testing.T) {
	terms := replaytest.History(t, "Terms of Service")
	srv := replaytest.NewServer()
	defer srv.Close()
	srv.Handle("/terms", replaytest.Document(terms[len(terms)-1].Markdown, 1))
	path, db, cfg := setup(t, fmt.Sprintf(scheduleConfig, srv.URL))
	blocker := filepath.Join(filepath.Dir(path), "outbox")
	if err := os.WriteFile(blocker, []byte("not a directory"), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 6, 7, 7, 0, 0, 0, time.UTC) // Sunday: Ada is enrolled a day before her first digest
	clock := newManualClock(start)
	d, err := New(Options{ConfigPath: path, DB: db, Log: logger(t), Clock: clock}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := simulate(t, d, clock)
	monday := time.Date(2026, 6, 8, 8, 0, 0, 0, time.UTC)
	s.until(monday.Add(hour))
	sent, _ := db.Digests(context.Background(), "", 0)
	// Failed at 08:00, 08:15 and 08:45; next try at 09:45.
	if len(sent) != 1 || sent[0].State != tracker.DigestFailed || sent[0].Attempts != 3 {
		t.Fatalf("at 09:00: digests %+v", sent)
	}
	if err := os.Remove(blocker); err != nil { // fixed at 09:00
		t.Fatal(err)
	}
	s.until(monday.Add(6 * hour))
	s.stop()
	sent, _ = db.Digests(context.Background(), "", 0)
	if len(sent) != 1 || sent[0].State != tracker.DigestSent || sent[0].Attempts != 4 || !sent[0].SentAt.Equal(monday.Add(105*time.Minute)) {
		t.Fatalf("digests %+v", sent)
	}
}

// A digest left pending (recorded, not handed over) or sending (handed
// over, the answer not recorded) by a daemon killed meanwhile: the next
// daemon sends it at once, the same day rather than a week later; the
// second may have arrived before the crash, and is counted doubtful.
func TestPendingDigestIsSentAfterACrash(t *testing.T) {
	for _, state := range []tracker.DigestState{tracker.DigestPending, tracker.DigestSending} {
		t.Run(string(state), func(t *testing.T) {
			terms := replaytest.History(t, "Terms of Service")
			srv := replaytest.NewServer()
			defer srv.Close()
			srv.Handle("/terms", replaytest.Document(terms[len(terms)-1].Markdown, 1))
			path, db, cfg := setup(t, fmt.Sprintf(scheduleConfig, srv.URL))
			ctx := context.Background()
			monday := time.Date(2026, 6, 8, 8, 0, 0, 0, time.UTC)
			if err := db.EnrollRecipients(ctx, []string{"ada@example.com"}, monday.Add(-7*24*hour)); err != nil {
				t.Fatal(err)
			}
			start, end := monday.Add(-7*24*hour), monday
			rec, err := db.CreateDigest(ctx, tracker.Digest{Recipient: "ada@example.com", WindowStart: start, WindowEnd: end,
				MessageID: digest.MessageID(cfg.Mail.From, "ada@example.com", start, end), Subject: "Digest",
				CreatedAt: monday.Add(time.Minute), Text: "text", HTML: "<p>html</p>"})
			if err != nil {
				t.Fatal(err)
			}
			if state == tracker.DigestSending {
				if err := db.BeginDigestAttempt(ctx, rec.ID); err != nil {
					t.Fatal(err)
				}
			}
			// The crashed daemon held the digests lock while sending: the
			// kernel released it, so the restarted one knows nothing is
			// under way.
			restart := monday.Add(2 * time.Minute)
			clock := newManualClock(restart)
			d, err := New(Options{ConfigPath: path, DB: db, Log: logger(t), Clock: clock}, cfg)
			if err != nil {
				t.Fatal(err)
			}
			s := simulate(t, d, clock)
			s.until(restart.Add(time.Minute))
			s.stop()
			sent, _ := db.Digests(ctx, "", 0)
			doubtful := 0
			if state == tracker.DigestSending {
				doubtful = 1 // it may have arrived before the crash
			}
			if len(sent) != 1 || sent[0].State != tracker.DigestSent || !sent[0].SentAt.Equal(restart) || sent[0].Doubtful != doubtful {
				t.Fatalf("digests %+v", sent)
			}
		})
	}
}

// A check that fails is tried again soon, backing off (15 minutes, then
// 30, 1 hour, 2...), rather than at its next scheduled time a day later;
// once it succeeds the schedule resumes in its place.
func TestFailedCheckIsRetriedSooner(t *testing.T) {
	var down atomic.Bool
	down.Store(true)
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	clock := newManualClock(start)
	v := &visits{clock: clock}
	srv := httptest.NewServer(v.record(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("<html><body><article>" + strings.Repeat("Some terms of service text. ", 20) + "</article></body></html>"))
	}))
	defer srv.Close()
	path, db, cfg := setup(t, fmt.Sprintf(`
settings: {retries: 0, host_delay: 0s, jitter: 0s}
sources:
  - {id: daily, kind: page, url: '%s/', select: article, schedule: '@every 24h'}
`, srv.URL))
	d, err := New(Options{ConfigPath: path, DB: db, Log: logger(t), Clock: clock}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := simulate(t, d, clock)
	s.until(start.Add(2 * hour))
	down.Store(false)
	s.until(start.Add(50 * hour))
	s.stop()
	first := v.times(start, start.Add(time.Minute))
	if len(first) != 1 {
		t.Fatalf("checks in the first minute: %v", first)
	}
	t0 := first[0]
	want := []time.Time{t0, t0.Add(15 * time.Minute), t0.Add(45 * time.Minute), t0.Add(105 * time.Minute), t0.Add(225 * time.Minute),
		t0.Truncate(time.Second).Add(24 * hour), t0.Truncate(time.Second).Add(48 * hour)} // @every runs on whole seconds
	got := v.times(start, start.Add(50*hour))
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("checks at\n%v\nwant\n%v", got, want)
	}
}

// A restarted daemon says at once which sources are failing, and every
// counter reads 0 until it first counts, rather than being absent.
func TestMetricsAtStart(t *testing.T) {
	path, db, cfg := setup(t, "sources:\n  - {id: a, kind: page, url: 'http://127.0.0.1:1/', select: article}\n  - {id: b, kind: page, url: 'http://127.0.0.1:1/b', select: article}\n")
	ctx := context.Background()
	for _, id := range []string{"a", "b"} {
		if err := db.UpsertSource(ctx, store.SourceInfo{ID: id, Kind: tracker.KindPage, URL: "http://127.0.0.1:1/"}); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	if err := db.RecordFailure(ctx, store.Failure{SourceID: "a", At: at, Kind: "network", Reason: "connection refused"}); err != nil {
		t.Fatal(err)
	}
	d, err := New(Options{ConfigPath: path, DB: db, Log: logger(t)}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	srv := httptest.NewServer(d.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`tracker_source_failing{source="a"} 1`,
		`tracker_source_failing{source="b"} 0`,
		`tracker_source_last_check_timestamp_seconds{source="a"} 1.7803008e+09`,
		`tracker_checks_total{outcome="failed",source="b"} 0`,
		`tracker_changes_total{importance="major",source="a"} 0`,
		`tracker_digests_total{state="sent"} 0`,
		`tracker_alerts_total{kind="failing"} 0`,
		`tracker_config_reloads_total{result="rejected"} 0`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
