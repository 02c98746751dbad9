package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"tracker"
)

// The ledger of deliveries reads the same on both engines: recorded once
// per target and key, claimed by one process, failed after a doubtful
// attempt is uncertain, sent stays sent, and one left sending past its
// hold is in doubt.
func TestDeliveryLedger(t *testing.T) { engines(t, testDeliveryLedger) }

func testDeliveryLedger(t *testing.T, db *DB) {
	ctx := context.Background()
	hook := tracker.Delivery{Target: "webhook:legal", Channel: tracker.ChannelWebhook, Kind: tracker.DeliverChange,
		Key: "change:terms:1:2", Subject: "Terms changed", Body: `{"event":"change"}`, CreatedAt: t0}
	d1, created, err := db.CreateDelivery(ctx, hook)
	if err != nil || !created || d1.ID == 0 || d1.State != tracker.DeliveryPending || !d1.NextAttempt.Equal(t0) {
		t.Fatalf("first record: %+v created=%v err=%v", d1, created, err)
	}
	again := hook
	again.Body, again.CreatedAt = "another body", t0.Add(time.Hour)
	d, created, err := db.CreateDelivery(ctx, again)
	if err != nil || created || d.ID != d1.ID || !d.CreatedAt.Equal(t0) {
		t.Fatalf("the same key again: %+v created=%v err=%v, want the first one", d, created, err)
	}
	if has, err := db.HasDelivery(ctx, hook.Target, hook.Key); err != nil || !has {
		t.Errorf("HasDelivery: %v %v", has, err)
	}
	if has, err := db.HasDelivery(ctx, hook.Target, "change:terms:2:3"); err != nil || has {
		t.Errorf("HasDelivery of another key: %v %v", has, err)
	}
	alert, _, err := db.CreateDelivery(ctx, tracker.Delivery{Target: "mail:a@example.com", Channel: tracker.ChannelMail,
		Kind: tracker.DeliverUrgent, Key: "urgent:terms:1:2", Body: "{}", CreatedAt: t0.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	dig, _, err := db.CreateDelivery(ctx, tracker.Delivery{Target: "webhook:legal", Channel: tracker.ChannelWebhook, Kind: tracker.DeliverDigest,
		Key: "digest:1", Body: "{}", WindowStart: t0.Add(-7 * 24 * time.Hour), WindowEnd: t0, CreatedAt: t0.Add(2 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}

	due, err := db.DueDeliveries(ctx, t0.Add(time.Minute))
	if err != nil || len(due) != 2 || due[0].ID != d1.ID || due[1].ID != alert.ID {
		t.Fatalf("due at t0+1m: %+v (%v), want the webhook's and the alert", due, err)
	}
	if err := db.DeliveryBody(ctx, &due[0]); err != nil || due[0].Body != hook.Body {
		t.Errorf("body %q (%v)", due[0].Body, err)
	}

	// Claimed by one of two processes at once.
	other, err := Open(ctx, db.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	now, hold := t0.Add(time.Minute), t0.Add(2*time.Minute)
	var wg sync.WaitGroup
	got := make([]bool, 2)
	errs := make([]error, 2)
	for i, s := range []Store{db, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = s.ClaimDelivery(ctx, d1.ID, now, hold)
		}()
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil || got[0] == got[1] {
		t.Fatalf("two processes claimed: %v, errors %v; want exactly one", got, errs)
	}
	if n, err := db.NextDeliveryAttempt(ctx); err != nil || !n.Equal(t0.Add(time.Minute)) {
		t.Errorf("next attempt %v (%v), want the alert's", n, err)
	}

	// No answer: uncertain and doubtful; then refused: still uncertain.
	if err := db.RecordDeliveryAttempt(ctx, d1.ID, DeliveryAttempt{State: tracker.DeliveryUncertain, Error: "timeout",
		At: now, Next: now.Add(30 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	if ok, err := db.ClaimDelivery(ctx, d1.ID, now.Add(30*time.Second), hold); err != nil || !ok {
		t.Fatalf("claim of the retry: %v %v", ok, err)
	}
	if err := db.RecordDeliveryAttempt(ctx, d1.ID, DeliveryAttempt{State: tracker.DeliveryFailed, Error: "503", Status: 503,
		At: now.Add(31 * time.Second), Next: now.Add(2 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	d, err = db.Delivery(ctx, d1.ID)
	if err != nil || d.State != tracker.DeliveryUncertain || d.Attempts != 2 || d.Doubtful != 1 || d.Status != 503 ||
		!d.SentAt.Equal(now) || !d.NextAttempt.Equal(now.Add(2*time.Minute)) {
		t.Fatalf("after a doubtful attempt and a refusal: %+v (%v)", d, err)
	}
	if ok, _ := db.ClaimDelivery(ctx, d1.ID, now.Add(time.Minute), hold); ok {
		t.Error("claimed before its next attempt")
	}
	if ok, err := db.ClaimDelivery(ctx, d1.ID, now.Add(2*time.Minute), hold); err != nil || !ok {
		t.Fatalf("claim at its next attempt: %v %v", ok, err)
	}
	if err := db.RecordDeliveryAttempt(ctx, d1.ID, DeliveryAttempt{State: tracker.DeliverySent, Status: 200, At: now.Add(2 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	// A late failure of an older attempt leaves it sent.
	if err := db.RecordDeliveryAttempt(ctx, d1.ID, DeliveryAttempt{State: tracker.DeliveryFailed, At: now.Add(3 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if d, err = db.Delivery(ctx, d1.ID); err != nil || d.State != tracker.DeliverySent || !d.SentAt.Equal(now) {
		t.Errorf("sent, then a failure: %+v (%v)", d, err)
	}
	if err := db.RecordDeliveryAttempt(ctx, 999, DeliveryAttempt{State: tracker.DeliverySent, At: now}); !errors.Is(err, ErrNotFound) {
		t.Errorf("an attempt of no delivery: %v", err)
	}

	// The alert's sender stops while sending: in doubt once its hold ends.
	if ok, err := db.ClaimDelivery(ctx, alert.ID, now, hold); err != nil || !ok {
		t.Fatalf("claim of the alert: %v %v", ok, err)
	}
	if n, err := db.InterruptedDeliveries(ctx, hold.Add(-time.Second), "stopped"); err != nil || n != 0 {
		t.Errorf("interrupted before the hold ends: %d (%v)", n, err)
	}
	if n, err := db.InterruptedDeliveries(ctx, hold, "stopped"); err != nil || n != 1 {
		t.Errorf("interrupted at the end of the hold: %d (%v)", n, err)
	}
	if d, err = db.Delivery(ctx, alert.ID); err != nil || d.State != tracker.DeliveryUncertain || d.Doubtful != 1 || d.LastError != "stopped" {
		t.Errorf("the interrupted alert: %+v (%v)", d, err)
	}

	last, err := db.LastDigestDelivery(ctx, "webhook:legal")
	if err != nil || last.ID != dig.ID || !last.WindowEnd.Equal(t0) || !last.WindowStart.Equal(t0.Add(-7*24*time.Hour)) {
		t.Errorf("last digest delivery %+v (%v)", last, err)
	}
	if _, err := db.LastDigestDelivery(ctx, "webhook:other"); !errors.Is(err, ErrNotFound) {
		t.Errorf("last digest of a webhook without one: %v", err)
	}

	for _, c := range []struct {
		f    DeliveryFilter
		want []int64
	}{
		{DeliveryFilter{}, []int64{dig.ID, alert.ID, d1.ID}},
		{DeliveryFilter{Target: "legal"}, []int64{dig.ID, d1.ID}},
		{DeliveryFilter{Target: "a@example.com"}, []int64{alert.ID}},
		{DeliveryFilter{Target: "mail:a@example.com"}, []int64{alert.ID}},
		{DeliveryFilter{States: []tracker.DeliveryState{tracker.DeliveryPending, tracker.DeliveryUncertain}}, []int64{dig.ID, alert.ID}},
		{DeliveryFilter{Limit: 1}, []int64{dig.ID}},
	} {
		ds, err := db.Deliveries(ctx, c.f)
		var ids []int64
		for _, d := range ds {
			ids = append(ids, d.ID)
		}
		if err != nil || len(ids) != len(c.want) || len(ids) > 0 && ids[0] != c.want[0] || len(ids) > 1 && ids[len(ids)-1] != c.want[len(c.want)-1] {
			t.Errorf("deliveries %+v: %v (%v), want %v", c.f, ids, err, c.want)
		}
	}
}

// A target is enrolled once, and remembers how far its changes were read.
func TestDeliveryTargets(t *testing.T) { engines(t, testDeliveryTargets) }

func testDeliveryTargets(t *testing.T, db *DB) {
	ctx := context.Background()
	if _, _, err := db.TargetEnrolled(ctx, "webhook:legal"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a target never enrolled: %v", err)
	}
	if err := db.EnrollTargets(ctx, []string{"webhook:legal", "mail:a@example.com"}, t0); err != nil {
		t.Fatal(err)
	}
	if err := db.EnrollTargets(ctx, []string{"webhook:legal"}, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	e, c, err := db.TargetEnrolled(ctx, "webhook:legal")
	if err != nil || !e.Equal(t0) || !c.IsZero() {
		t.Errorf("enrolled %v, covered %v (%v); want t0 and not yet", e, c, err)
	}
	if err := db.SetTargetCovered(ctx, "webhook:legal", t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, c, err = db.TargetEnrolled(ctx, "webhook:legal"); err != nil || !c.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("covered %v (%v)", c, err)
	}
}
