package digest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"tracker/internal/config"
	"tracker/internal/store"
)

// CatchUpWindow is how far back a new recipient's catch-up digest reaches.
const CatchUpWindow = 7 * 24 * time.Hour

// Next is when the next digest of a recipient goes out, and what it covers.
type Next struct {
	// At is the scheduled time it goes out; Due says it is due already (the
	// daemon sends it within a minute, tracker digest --send at once).
	At  time.Time
	Due bool
	// Start is where its window begins.
	Start time.Time
	// First is true for a recipient who has had no digest yet: tracker
	// digest --send --catch-up sends one now.
	First bool
}

// Next says when r's next digest goes out, recording nothing.
func (s *Sender) Next(ctx context.Context, r *config.Recipient) (Next, error) {
	sched, err := config.ParseSchedule(s.Config.Mail.Schedule)
	if err != nil {
		return Next{}, fmt.Errorf("digest: mail.schedule: %w", err)
	}
	now := s.now()
	loc := location(r)
	_, err = s.DB.Enrolled(ctx, r.Address)
	known := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Next{}, err
	}
	start, first, err := s.windowStart(ctx, r, LastScheduled(sched, now.In(loc)), false)
	if err != nil {
		return Next{}, err
	}
	if !known {
		start = now // followed from the first run that knows the recipient
	} else if wstart, end, due, err := s.Window(ctx, r, now); err != nil {
		return Next{}, err
	} else if due {
		return Next{At: end, Due: true, Start: wstart, First: first}, nil
	}
	// The first scheduled time that makes a window worth sending (see
	// Window): a day after the start for a first digest, or after a
	// catch-up digest, which ends off the schedule.
	onSchedule := LastScheduled(sched, start.In(loc)).Equal(start)
	t := sched.Next(now.In(loc))
	for i := 0; i < 1000 && !t.IsZero() && t.Sub(start) < FirstDigestAfter && (first || !onSchedule); i++ {
		t = sched.Next(t)
	}
	return Next{At: t.UTC(), Start: start, First: first}, nil
}

// CatchUp sends each recipient of rs (every recipient when rs is empty)
// who has had no digest yet the last seven days now, rather than at the
// first scheduled time a day after tracker first ran with them. Once: a
// recipient who has had a digest is skipped, and the next scheduled digest
// starts where the catch-up ended. Its items include what the regulators
// published in those days even when tracker first read their feeds today.
func (s *Sender) CatchUp(ctx context.Context, rs []*config.Recipient) []Outcome {
	// As SendDue: one process sends digests at a time.
	rs, release, failed := s.lockFor(ctx, rs)
	if release == nil {
		return failed
	}
	defer release()
	var out []Outcome
	b := &Builder{DB: s.DB, Config: s.Config, Taxonomy: s.Taxonomy, Published: true}
	for _, r := range rs {
		o := s.catchUp(ctx, b, r)
		o.Recipient = r.Address
		if s.Log != nil {
			switch {
			case o.Err != nil:
				s.Log.Error("catch-up digest not sent", "recipient", r.Address, "err", o.Err)
			case o.Skipped != "":
				s.Log.Info("no catch-up digest sent", "recipient", r.Address, "why", o.Skipped)
			default:
				s.Log.Info("catch-up digest sent", "recipient", r.Address, "message_id", o.Digest.MessageID, "to", o.Digest.DeliveredTo)
			}
		}
		out = append(out, o)
	}
	return out
}

func (s *Sender) catchUp(ctx context.Context, b *Builder, r *config.Recipient) Outcome {
	// Under the recipient's lease, as SendDue: a worker sending r's
	// digest at the same time is left to it.
	release, o := s.claim(ctx, r)
	if release == nil {
		return o
	}
	defer release()
	now := s.now()
	last, err := s.DB.LastSentDigest(ctx, r.Address)
	switch {
	case err == nil:
		next, err := s.Next(ctx, r)
		if err != nil {
			return Outcome{Err: err}
		}
		return Outcome{Skipped: fmt.Sprintf("not a new recipient: digest %d went out on %s; the next one goes out %s",
			last.ID, when(r, last.SentAt), when(r, next.At))}
	case !errors.Is(err, store.ErrNotFound):
		return Outcome{Err: err}
	}
	if err := s.DB.EnrollRecipients(ctx, []string{r.Address}, now); err != nil {
		return Outcome{Err: err}
	}
	// A digest that failed before covers a window nobody received: the
	// catch-up covers it too, and supersedes it.
	start := now.Add(-CatchUpWindow)
	undelivered, err := s.DB.EarliestUndelivered(ctx, r.Address)
	if err != nil {
		return Outcome{Err: err}
	}
	if !undelivered.IsZero() && undelivered.Before(start) {
		start = undelivered
	}
	return s.create(ctx, b, r, start, now, now)
}

func when(r *config.Recipient, t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(location(r)).Format("Mon 2 Jan 2006 15:04 MST")
}
