package daemon

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"tracker"
	"tracker/internal/notify"
	"tracker/internal/replaytest"
	"tracker/internal/store"
	"tracker/internal/storetest"
)

// The daemon sends a change to a webhook after the check that found it,
// and retries on its clock when the receiver fails: the change arrives
// once, minutes after the receiver is back, not at the next check.
func TestWebhookAfterTheCheck(t *testing.T) {
	terms := replaytest.History(t, "Terms of Service")
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
	start := time.Date(2026, 6, 6, 8, 0, 0, 0, time.UTC)
	clock := newManualClock(start)
	srv.Handle("/terms", replaytest.Document(version("2025-05-05T18-18-57Z"), 1))

	var mu sync.Mutex
	var got []time.Time // when requests came, on the daemon's clock
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, clock.Now())
		if len(got) <= 3 {
			http.Error(w, "down", http.StatusBadGateway)
		}
	}))
	defer hook.Close()
	path, db, cfg := setup(t, fmt.Sprintf(scheduleConfig+`webhooks:
  - {name: hook, url: '%s'}
`, srv.URL, hook.URL))
	d, err := New(Options{ConfigPath: path, DB: db, Log: logger(t), Clock: clock}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := simulate(t, d, clock)
	s.until(start.Add(2 * hour))
	srv.Handle("/terms", replaytest.Document(version("2025-06-25T06-16-50Z"), 2))
	s.until(start.Add(5 * hour))
	s.stop()

	ds, err := db.Deliveries(context.Background(), store.DeliveryFilter{Target: "hook"})
	if err != nil || len(ds) != 1 {
		t.Fatalf("deliveries %+v, %v", ds, err)
	}
	dl := ds[0]
	if dl.State != tracker.DeliverySent || dl.Key != "change:terms:1:2" || dl.Attempts != 4 {
		t.Errorf("delivery %+v", dl)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 4 {
		t.Fatalf("%d requests, want 4", len(got))
	}
	// The first right after the check that found the change (within the
	// hour after it was made), then after 30s, 1m and 2m.
	if got[0].Before(start.Add(2*hour)) || got[0].After(start.Add(3*hour+10*time.Minute)) || !got[0].Truncate(time.Millisecond).Equal(dl.CreatedAt) {
		t.Errorf("first request at %v, recorded at %v", got[0], dl.CreatedAt)
	}
	for i, want := range []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute} {
		// The ledger keeps milliseconds.
		if gap := got[i+1].Sub(got[i]); gap < want-time.Millisecond || gap > want+time.Millisecond {
			t.Errorf("retry %d after %v, want %v", i+1, gap, want)
		}
	}
}

// While another worker makes its pass of the deliveries, the daemon sends
// nothing, and tries again every quarter of its lease's time rather than
// at its next hourly pass: a change it recorded meanwhile goes out within
// that once the other worker is done.
func TestDeliveriesPassLeasedAmongWorkers(t *testing.T) {
	start := time.Date(2026, 6, 6, 8, 0, 0, 0, time.UTC)
	clock := newManualClock(start)
	var mu sync.Mutex
	days := 30
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, "<html><body><main><h1>Privacy</h1><p>We keep your personal data for %d days after you close your account.</p></main></body></html>", days)
	}))
	defer page.Close()
	var got []time.Time // when requests came, on the daemon's clock
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, clock.Now())
	}))
	defer hook.Close()
	path, db, cfg := setup(t, fmt.Sprintf(`
settings: {retries: 0, host_delay: 0s, jitter: 0s, shutdown_grace: 5s}
mail: {from: tracker@example.com, outbox: OUTBOX}
sources:
  - {id: pp, kind: page, url: '%s/pp', select: main, min_words: 1, schedule: '@every 1h'}
webhooks:
  - {name: hook, url: '%s'}
`, page.URL, hook.URL))
	const ttl = 2 * time.Minute
	d, err := New(Options{ConfigPath: path, DB: db, Log: logger(t), Clock: clock, Worker: "w1", LeaseTTL: ttl}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := simulate(t, d, clock)
	s.until(start.Add(30 * time.Minute)) // the first version, the webhook enrolled
	ctx := context.Background()
	// Another worker starts its pass, and takes long.
	if ok, err := db.ClaimLease(ctx, notify.Lease, "w2", clock.Now(), 2*hour); err != nil || !ok {
		t.Fatalf("the other worker's lease: %v %v", ok, err)
	}
	mu.Lock()
	days = 500
	mu.Unlock()
	s.until(start.Add(90 * time.Minute))
	mu.Lock()
	n := len(got)
	mu.Unlock()
	if ds, err := db.Deliveries(ctx, store.DeliveryFilter{}); n != 0 || err != nil || len(ds) != 0 {
		t.Fatalf("while another worker held the pass: %d requests, deliveries %+v (%v); want none", n, ds, err)
	}
	if err := db.ReleaseLease(ctx, notify.Lease, "w2"); err != nil {
		t.Fatal(err)
	}
	released := clock.Now()
	s.until(start.Add(100 * time.Minute))
	s.stop()
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0].After(released.Add(ttl/4)) {
		t.Fatalf("requests at %v; want one within %v of %v", got, ttl/4, released)
	}
	ds, err := db.Deliveries(ctx, store.DeliveryFilter{})
	if err != nil || len(ds) != 1 || ds[0].State != tracker.DeliverySent || ds[0].Key != "change:pp:1:2" {
		t.Errorf("deliveries %+v (%v), want the change sent", ds, err)
	}
}

// Three workers share a database, twenty sources on two hosts, a webhook
// and a recipient with urgent topics; half the pages change every hour.
// Each change reaches the webhook once, under its delivery id, and its
// urgent alert is mailed once, whichever worker found it; none waits for
// the next hourly pass. The clocks are manual, in step.
func TestSeveralWorkersDeliverOnce(t *testing.T) {
	const nSources, ttl = 20, 2 * time.Minute
	start := time.Date(2026, 6, 3, 0, 0, 0, 0, time.UTC) // a Wednesday
	ref := newManualClock(start)                         // the pages' time
	var hosts []*httptest.Server
	for range 2 {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var i int
			fmt.Sscanf(r.URL.Path, "/s%d", &i)
			days := 30
			if i%2 == 0 {
				days += 15 * int(ref.Now().Sub(start)/time.Hour)
			}
			fmt.Fprintf(w, "<html><body><main><h1>Privacy of %d</h1><p>We keep your personal data for %d days after you close your account.</p></main></body></html>", i, days)
		}))
		defer srv.Close()
		hosts = append(hosts, srv)
	}
	var mu sync.Mutex
	seen := map[string]int{} // requests by delivery id
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		seen[r.Header.Get(notify.HeaderDelivery)]++
	}))
	defer hook.Close()
	var yaml strings.Builder
	fmt.Fprintf(&yaml, `settings: {retries: 0, host_delay: 0s, jitter: 0s, concurrency: 2, shutdown_grace: 5s, schedule: '0 * * * *'}
mail: {from: tracker@example.com, outbox: OUTBOX, schedule: '0 8 * * 1'}
recipients:
  - {name: Ada, address: ada@example.com, urgent: [privacy]}
webhooks:
  - {name: hook, url: '%s'}
sources:
`, hook.URL)
	for i := range nSources {
		fmt.Fprintf(&yaml, "  - {id: s%02d, kind: page, url: '%s/s%d', select: main, min_words: 1}\n", i, hosts[i%2].URL, i)
	}
	path, db, cfg := setup(t, yaml.String())
	var sims []*sim
	for w := range 3 {
		clock := newManualClock(start)
		wdb := db
		if w > 0 {
			wdb = storetest.OpenAt(t, db.Path())
		}
		d, err := New(Options{ConfigPath: path, DB: wdb, Log: logger(t), Clock: clock, Worker: fmt.Sprintf("w%d", w+1), LeaseTTL: ttl}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		sims = append(sims, simulate(t, d, clock))
	}
	until := func(at time.Time) {
		t.Helper()
		for {
			var next time.Time
			for _, s := range sims {
				if n := s.settle(0); !n.IsZero() && (next.IsZero() || n.Before(next)) {
					next = n
				}
			}
			if next.IsZero() || next.After(at) {
				break
			}
			ref.AdvanceTo(next)
			for _, s := range sims {
				s.clock.AdvanceTo(next)
			}
		}
		ref.AdvanceTo(at)
		for _, s := range sims {
			s.clock.AdvanceTo(at)
		}
	}
	until(start.Add(3*time.Hour + 30*time.Minute))
	for _, s := range sims {
		s.stop()
	}

	ctx := context.Background()
	chs, err := db.Changes(ctx, store.ChangeFilter{})
	if err != nil || len(chs) != nSources/2*3 {
		t.Fatalf("%d changes (%v), want %d", len(chs), err, nSources/2*3)
	}
	ds, err := db.Deliveries(ctx, store.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	byKind := map[tracker.Channel]int{}
	for _, dl := range ds {
		byKind[dl.Channel]++
		if dl.State != tracker.DeliverySent || dl.Attempts != 1 || dl.Doubtful != 0 {
			t.Errorf("delivery %d (%s %s): %s after %d attempts, %d doubtful; want sent at the first", dl.ID, dl.Target, dl.Key, dl.State, dl.Attempts, dl.Doubtful)
		}
		if dl.SentAt.Sub(dl.CreatedAt) > ttl {
			t.Errorf("delivery %d (%s %s) recorded at %v, sent at %v", dl.ID, dl.Target, dl.Key, dl.CreatedAt, dl.SentAt)
		}
	}
	for _, c := range chs {
		created := false
		for _, dl := range ds {
			if dl.Key == fmt.Sprintf("change:%s:%d:%d", c.SourceID, c.FromSeq, c.ToSeq) {
				created = true
				if dl.CreatedAt.Sub(c.DetectedAt) > ttl {
					t.Errorf("the change of %s at %v recorded for the webhook at %v", c.SourceID, c.DetectedAt, dl.CreatedAt)
				}
			}
		}
		if !created {
			t.Errorf("the change of %s at %v was never recorded for the webhook", c.SourceID, c.DetectedAt)
		}
	}
	if byKind[tracker.ChannelWebhook] != len(chs) || byKind[tracker.ChannelMail] != len(chs) {
		t.Errorf("deliveries by channel %v, want %d of each", byKind, len(chs))
	}
	mu.Lock()
	defer mu.Unlock()
	for id, n := range seen {
		if n != 1 {
			t.Errorf("delivery %s received %d times", id, n)
		}
	}
	if len(seen) != len(chs) {
		t.Errorf("the webhook received %d deliveries, want %d", len(seen), len(chs))
	}
	if n := len(outbox(t, path)); n != len(chs) {
		t.Errorf("%d alert mails in the outbox, want %d", n, len(chs))
	}
}
