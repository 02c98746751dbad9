package digest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"tracker"
	"tracker/internal/config"
)

// Next says when a digest goes out: for a recipient enrolled today, the
// first scheduled time a day on; for one who had a digest, the next
// scheduled time; now, when one is due.
func TestNextDigest(t *testing.T) {
	cfg, db := fixture(t)
	ctx := context.Background()
	now := monday.Add(-5 * time.Hour) // Monday 30 June 03:00 UTC
	s := sender(t, cfg, db, &fakeMailer{}, &now)

	lin := &config.Recipient{Name: "Lin", Address: "lin@example.com"}
	n, err := s.Next(ctx, lin)
	if err != nil || n.Due || !n.First || !n.At.Equal(monday.Add(7*24*time.Hour)) || !n.Start.Equal(now) {
		t.Errorf("a recipient tracker never ran with: %+v, %v; want next Monday, from now", n, err)
	}
	// Ada, enrolled long ago, never had a digest: last week's is due.
	ada := cfg.Recipient("ada@example.com")
	if n, err = s.Next(ctx, ada); err != nil || !n.Due || !n.At.Equal(adaMonday.Add(-7*24*time.Hour)) {
		t.Errorf("Ada, enrolled long ago: %+v, %v", n, err)
	}
	if o := s.SendDue(ctx, []*config.Recipient{ada})[0]; o.Digest.State != tracker.DigestSent {
		t.Fatalf("send: %+v", o)
	}
	if n, err = s.Next(ctx, ada); err != nil || n.Due || n.First || !n.At.Equal(adaMonday) || !n.Start.Equal(adaMonday.Add(-7*24*time.Hour)) {
		t.Errorf("after last week's digest, before 08:00 in Paris: %+v, %v", n, err)
	}
	now = adaMonday.Add(time.Hour)
	if n, err = s.Next(ctx, ada); err != nil || !n.Due || !n.At.Equal(adaMonday) {
		t.Errorf("after 08:00 in Paris: %+v, %v", n, err)
	}
}

// A catch-up digest covers the last seven days now, once; the digest after
// it waits for a window worth sending and starts where it ended.
func TestCatchUp(t *testing.T) {
	cfg, db := fixture(t)
	ctx := context.Background()
	m := &fakeMailer{}
	now := monday.Add(-5 * time.Hour) // Monday 03:00 UTC, before Ada's 08:00 in Paris
	s := sender(t, cfg, db, m, &now)
	lin := config.Recipient{Name: "Lin", Address: "lin@example.com", MinImportance: tracker.Minor}
	cfg.Recipients = append(cfg.Recipients, lin)
	r := cfg.Recipient("lin@example.com")

	// A worker is sending Lin's digest: the catch-up leaves it to it.
	if ok, err := db.ClaimLease(ctx, "digest:lin@example.com", "another worker", now, time.Minute); err != nil || !ok {
		t.Fatalf("lease: %v %v", ok, err)
	}
	if o := s.CatchUp(ctx, []*config.Recipient{r})[0]; o.Skipped != "another worker is sending it" || len(m.sent) != 0 {
		t.Fatalf("catch-up while another worker sends: %+v, %d sent", o, len(m.sent))
	}
	if err := db.ReleaseLease(ctx, "digest:lin@example.com", "another worker"); err != nil {
		t.Fatal(err)
	}
	o := s.CatchUp(ctx, []*config.Recipient{r})[0]
	if o.Err != nil || o.Digest.State != tracker.DigestSent || len(m.sent) != 1 {
		t.Fatalf("catch-up: %+v", o)
	}
	if !o.Digest.WindowEnd.Equal(now) || !o.Digest.WindowStart.Equal(now.Add(-CatchUpWindow)) {
		t.Errorf("catch-up window %v – %v", o.Digest.WindowStart, o.Digest.WindowEnd)
	}
	if !strings.Contains(m.sent[0].Text, "FTC Takes Action Against App Developer") {
		t.Errorf("the catch-up lacks the week's items:\n%s", m.sent[0].Text)
	}
	if o := s.CatchUp(ctx, []*config.Recipient{r})[0]; !strings.Contains(o.Skipped, "not a new recipient") || len(m.sent) != 1 {
		t.Errorf("second catch-up: %+v, %d sent", o, len(m.sent))
	}
	// Monday 08:00 is five hours after the catch-up: not worth a digest.
	now = monday.Add(time.Hour)
	if o := s.SendDue(ctx, []*config.Recipient{r})[0]; !strings.Contains(o.Skipped, "not due") || len(m.sent) != 1 {
		t.Errorf("five hours after the catch-up: %+v", o)
	}
	now = monday.Add(7*24*time.Hour + time.Hour)
	o = s.SendDue(ctx, []*config.Recipient{r})[0]
	if o.Digest.State != tracker.DigestSent || !o.Digest.WindowStart.Equal(monday.Add(-5*time.Hour)) || !o.Digest.WindowEnd.Equal(monday.Add(7*24*time.Hour)) {
		t.Errorf("the week after: %+v", o.Digest)
	}
}

// A catch-up that could not be sent is tried again by the next catch-up,
// whose window covers it and supersedes it.
func TestFailedCatchUpIsCovered(t *testing.T) {
	cfg, db := fixture(t)
	ctx := context.Background()
	m := &fakeMailer{fail: &SendError{Err: errors.New("connection refused")}}
	now := monday
	s := sender(t, cfg, db, m, &now)
	cfg.Recipients = append(cfg.Recipients, config.Recipient{Address: "lin@example.com", MinImportance: tracker.Minor})
	r := cfg.Recipient("lin@example.com")
	if o := s.CatchUp(ctx, []*config.Recipient{r})[0]; o.Err == nil || o.Digest.State != tracker.DigestFailed {
		t.Fatalf("with the server down: %+v", o)
	}
	m.fail = nil
	now = monday.Add(time.Hour)
	o := s.CatchUp(ctx, []*config.Recipient{r})[0]
	if o.Err != nil || o.Digest.State != tracker.DigestSent || !o.Digest.WindowStart.Equal(monday.Add(-CatchUpWindow)) {
		t.Fatalf("catch-up again: %+v", o)
	}
	list, err := db.Digests(ctx, "lin@example.com", 0)
	if err != nil || len(list) != 2 || list[1].State != tracker.DigestSuperseded {
		t.Errorf("digests: %+v, %v", list, err)
	}
}
