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
	"tracker/internal/replaytest"
	"tracker/internal/store"
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
