package main

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
	"tracker/internal/storetest"
)

// tracker deliveries --send records and attempts what a webhook is due, as
// the daemon does; tracker deliveries lists the ledger, a failure with its
// error and its next attempt, and --json its fields.
func TestDeliveriesCommand(t *testing.T) {
	srv := replaytest.NewServer()
	defer srv.Close()
	srv.Handle("/terms", replaytest.Document(otaFile(t, "Terms of Service", "2025-05-05T18-18-57Z"), 1))
	var mu sync.Mutex
	var ids []string
	up := false
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		ids = append(ids, r.Header.Get(notify.HeaderDelivery))
		if !up {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
		}
	}))
	defer hook.Close()
	e := newEnv(t, fmt.Sprintf(`
settings: {retries: 0, host_delay: 0s}
mail: {from: "Tracker <tracker@example.com>", base_url: 'http://tracker.example.com'}
sources:
  - {id: terms, name: TikTok Terms of Service, kind: page, url: '%s/terms', select: '[data-testid=policy-card]', remove: [.language-selection]}
webhooks:
  - {name: legal-slack, url: '%s', format: slack}
`, srv.URL, hook.URL))
	at := func(s string) {
		tm, _ := time.Parse(time.RFC3339, s)
		e.clock.Set(tm)
	}
	if out := e.mustRun(exitOK, "check-config"); !strings.Contains(out, "webhook legal-slack: each change, slack, unsigned") {
		t.Errorf("check-config:\n%s", out)
	}
	at("2025-08-05T09:00:00Z")
	e.mustRun(exitOK, "check")
	if out := e.mustRun(exitOK, "deliveries", "--send"); !strings.Contains(out, "no delivery yet") {
		t.Fatalf("first run:\n%s", out)
	}
	at("2025-08-05T10:00:00Z")
	srv.Handle("/terms", replaytest.Document(otaFile(t, "Terms of Service", "2025-06-25T06-16-50Z"), 2))
	e.mustRun(exitOK, "check")
	code, out, errOut := e.run("deliveries", "--send")
	if code != exitFailed || !strings.Contains(errOut, "answered 503 Service Unavailable: maintenance, retried after 2025-08-05T10:00:30Z") ||
		!strings.Contains(out, "webhook:legal-slack  change  failed  1") || !strings.Contains(out, "2025-08-05 10:00 UTC") {
		t.Fatalf("a failed delivery: exit %d\n%s\n%s", code, out, errOut)
	}
	// Not due yet: nothing is sent.
	e.mustRun(exitOK, "deliveries", "--send")
	up = true
	at("2025-08-05T10:01:00Z")
	// While a daemon makes its pass, --send leaves the deliveries to it.
	db := storetest.OpenAt(t, e.db)
	if ok, err := db.ClaimLease(context.Background(), notify.Lease, "a daemon", e.clock.Now(), time.Hour); err != nil || !ok {
		t.Fatalf("the daemon's lease: %v %v", ok, err)
	}
	if code, out, errOut := e.run("deliveries", "--send"); code != exitOK || !strings.Contains(errOut, "another tracker process is recording and sending them now") ||
		!strings.Contains(out, "failed") {
		t.Errorf("--send during a daemon's pass: exit %d\n%s\n%s", code, out, errOut)
	}
	mu.Lock()
	if len(ids) != 1 {
		t.Errorf("%d requests during a daemon's pass, want the first one only", len(ids))
	}
	mu.Unlock()
	if err := db.ReleaseLease(context.Background(), notify.Lease, "a daemon"); err != nil {
		t.Fatal(err)
	}
	e.mustRun(exitOK, "deliveries", "--send")
	var list []struct {
		ID          int64   `json:"id"`
		Target      string  `json:"target"`
		Kind        string  `json:"kind"`
		Key         string  `json:"key"`
		State       string  `json:"state"`
		Attempts    int     `json:"attempts"`
		Status      int     `json:"status"`
		SentAt      *string `json:"sent_at"`
		NextAttempt *string `json:"next_attempt"`
	}
	e.runJSON(&list, "deliveries", "--target", "legal-slack")
	if len(list) != 1 || list[0].State != "sent" || list[0].Attempts != 2 || list[0].Status != 204 && list[0].Status != 200 ||
		list[0].Key != "change:terms:1:2" || list[0].SentAt == nil || *list[0].SentAt != "2025-08-05T10:01:00Z" || list[0].NextAttempt != nil {
		t.Errorf("deliveries --json: %+v", list)
	}
	mu.Lock()
	if len(ids) != 2 || ids[0] != ids[1] || ids[0] == "" {
		t.Errorf("requests %v: want two with the same delivery id", ids)
	}
	mu.Unlock()
	if code, _, errOut := e.run("deliveries", "--state", "lost"); code != exitUsage || !strings.Contains(errOut, "not one of pending") {
		t.Errorf("--state lost: %d %q", code, errOut)
	}
}

// tracker deliveries says which deliveries are in doubt and which may have
// arrived twice, as tracker digests does for digests.
func TestDeliveryNote(t *testing.T) {
	for _, tc := range []struct {
		d    tracker.Delivery
		want string
	}{
		{tracker.Delivery{State: tracker.DeliverySent}, ""},
		{tracker.Delivery{State: tracker.DeliveryFailed, LastError: "answered 503"}, " — answered 503"},
		{tracker.Delivery{State: tracker.DeliveryUncertain, Channel: tracker.ChannelWebhook, LastError: "tracker stopped while sending it"},
			" — in doubt (tracker stopped while sending it): sent again under the same X-Tracker-Delivery"},
		{tracker.Delivery{State: tracker.DeliverySent, Channel: tracker.ChannelMail, Doubtful: 1},
			" — sent again after an attempt whose outcome is unknown: a copy may have arrived twice, under the same Message-ID"},
		{tracker.Delivery{State: tracker.DeliverySent, Channel: tracker.ChannelWebhook, Doubtful: 2},
			" — sent again after 2 attempts whose outcome is unknown: a copy may have arrived twice, under the same X-Tracker-Delivery"},
	} {
		if got := deliveryNote(tc.d); got != tc.want {
			t.Errorf("%s, %d doubtful: %q, want %q", tc.d.State, tc.d.Doubtful, got, tc.want)
		}
	}
}
