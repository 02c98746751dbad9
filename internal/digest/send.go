package digest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"tracker"
	"tracker/internal/config"
	"tracker/internal/store"
	"tracker/internal/topics"
)

// Sender sends each recipient the digest that is due, exactly once.
//
// The window of a digest runs from the end of the last digest sent to the
// recipient (or 7 days before, the first time) to the latest scheduled time:
// a digest missed or failed one week is covered by the next one, and running
// the sender twice sends nothing new. Each digest is rendered and recorded
// with its Message-ID (derived from the recipient and the window) before the
// first attempt: pending → sent, failed (retried at the next run, its window
// widened when the next one is due) or uncertain (the connection dropped
// after the server had the message: never resent automatically).
type Sender struct {
	DB     *store.DB
	Config *config.Config
	// Taxonomy names the topics and orders the sections.
	Taxonomy  *topics.Taxonomy
	Mailer    Mailer
	Templates *Templates
	Now       func() time.Time
	Log       *slog.Logger
}

// NewSender wires a Sender: SMTP when mail.smtp.host is set, otherwise .eml
// files in the outbox directory; digests name topics as tax does.
func NewSender(cfg *config.Config, tax *topics.Taxonomy, db *store.DB, getenv func(string) string, log *slog.Logger) (*Sender, error) {
	tmpl, err := LoadTemplates(cfg.Mail.Templates)
	if err != nil {
		return nil, err
	}
	m, err := NewMailer(cfg, getenv)
	if err != nil {
		return nil, err
	}
	return &Sender{DB: db, Config: cfg, Taxonomy: tax, Mailer: m, Templates: tmpl, Now: time.Now, Log: log}, nil
}

// NewMailer is the mailer of cfg: SMTP when mail.smtp.host is set,
// otherwise .eml files in the outbox directory.
func NewMailer(cfg *config.Config, getenv func(string) string) (Mailer, error) {
	if cfg.Mail.SMTP.Host != "" {
		return NewSMTPMailer(cfg.Mail.SMTP, getenv)
	}
	return &OutboxMailer{Dir: cfg.Mail.Outbox}, nil
}

// FirstDigestAfter is how long a new recipient is followed before the first
// scheduled digest: a first digest of a few hours would say nothing.
const FirstDigestAfter = 24 * time.Hour

// Enroll records the recipients tracker has not seen before: their first
// digest covers from now.
func (s *Sender) Enroll(ctx context.Context) error {
	var addrs []string
	for _, r := range s.Config.Recipients {
		addrs = append(addrs, r.Address)
	}
	return s.DB.EnrollRecipients(ctx, addrs, s.now())
}

// Window returns the window of the digest due for r at now. due is false
// when the latest scheduled time is not after the end of the last digest, or
// for a new recipient, less than a day after tracker first ran with them.
func (s *Sender) Window(ctx context.Context, r *config.Recipient, now time.Time) (start, end time.Time, due bool, err error) {
	sched, err := config.ParseSchedule(s.Config.Mail.Schedule)
	if err != nil {
		return start, end, false, fmt.Errorf("digest: mail.schedule: %w", err)
	}
	end = LastScheduled(sched, now.In(location(r)))
	if end.IsZero() {
		return start, end, false, fmt.Errorf("digest: mail.schedule %q has not fired in the past year: give it a time that comes round", s.Config.Mail.Schedule)
	}
	start, first, err := s.windowStart(ctx, r, end, true)
	if err != nil {
		return start, end, false, err
	}
	due = end.After(start)
	// A first digest of a few hours would say nothing; nor would one that
	// follows a catch-up digest (which ends off the schedule) by hours.
	if end.Sub(start) < FirstDigestAfter && (first || !LastScheduled(sched, start.In(location(r))).Equal(start)) {
		due = false
	}
	return start, end, due, nil
}

// LastScheduled returns the latest time of sched at or before now, or the
// zero time when it has not fired in the past year. It looks back a week
// first, then further for schedules with longer gaps (monthly): the end of
// a window must not move with now.
func LastScheduled(sched cron.Schedule, now time.Time) time.Time {
	for _, back := range []time.Duration{8 * 24 * time.Hour, 32 * 24 * time.Hour, 367 * 24 * time.Hour} {
		var last time.Time
		for t := sched.Next(now.Add(-back)); !t.IsZero() && !t.After(now); t = sched.Next(t) {
			last = t
		}
		if !last.IsZero() {
			return last.UTC()
		}
	}
	return time.Time{}
}

// windowStart is the end of the last digest sent to r; for a first digest
// (first is true), when r was enrolled, or a week before end when that was
// long ago. With enroll, a recipient tracker never ran with is enrolled now;
// without (a preview), nothing is recorded.
func (s *Sender) windowStart(ctx context.Context, r *config.Recipient, end time.Time, enroll bool) (start time.Time, first bool, err error) {
	last, err := s.DB.LastSentDigest(ctx, r.Address)
	switch {
	case err == nil:
		return last.WindowEnd, false, nil
	case !errors.Is(err, store.ErrNotFound):
		return time.Time{}, false, err
	}
	enrolled, err := s.DB.Enrolled(ctx, r.Address)
	switch {
	case errors.Is(err, store.ErrNotFound) && enroll:
		enrolled = s.now()
		err = s.DB.EnrollRecipients(ctx, []string{r.Address}, enrolled)
	case errors.Is(err, store.ErrNotFound):
		err = nil // a preview records nothing: a week back
	}
	if err != nil {
		return time.Time{}, true, err
	}
	// From the enrolment; a week when that was long ago. A new recipient's
	// first scheduled time may come a few hours short of a day after the
	// enrolment (FirstDigestAfter): the first digest then covers those
	// hours too, so nothing falls before it.
	start = end.Add(-7 * 24 * time.Hour)
	if !enrolled.IsZero() && end.Sub(enrolled) <= 7*24*time.Hour+FirstDigestAfter {
		start = enrolled
	}
	// A first digest that failed covers a window nobody received: the one
	// that replaces it starts where it did.
	undelivered, err := s.DB.EarliestUndelivered(ctx, r.Address)
	if err != nil {
		return time.Time{}, true, err
	}
	if !undelivered.IsZero() && undelivered.Before(start) {
		start = undelivered
	}
	return start, true, nil
}

func location(r *config.Recipient) *time.Location {
	if r.Location != nil {
		return r.Location
	}
	return time.UTC
}

// MessageID derives the Message-ID of a digest from its recipient and
// window: the same digest always has the same id.
func MessageID(from, recipient string, start, end time.Time) string {
	sum := sha256.Sum256([]byte(strings.ToLower(recipient) + "\x00" + start.UTC().Format(time.RFC3339Nano) + "\x00" + end.UTC().Format(time.RFC3339Nano)))
	domain := "tracker.invalid"
	if a, err := mail.ParseAddress(from); err == nil {
		if i := strings.LastIndexByte(a.Address, '@'); i >= 0 {
			domain = a.Address[i+1:]
		}
	}
	return "digest." + hex.EncodeToString(sum[:12]) + "@" + domain
}

// Outcome is what sending did for one recipient.
type Outcome struct {
	Recipient string
	// Digest is the recorded digest, when there is one.
	Digest tracker.Digest
	// Skipped says why nothing was sent ("" when something was).
	Skipped string
	Err     error
}

// Preview builds and renders what the next digest of r would hold if it
// were sent now, without recording or sending anything.
func (s *Sender) Preview(ctx context.Context, r *config.Recipient) (*Digest, Rendered, error) {
	end := s.now()
	start, _, err := s.windowStart(ctx, r, end, false)
	if err != nil {
		return nil, Rendered{}, err
	}
	b := &Builder{DB: s.DB, Config: s.Config, Taxonomy: s.Taxonomy}
	d, err := b.Build(ctx, r, start, end)
	if err != nil {
		return nil, Rendered{}, err
	}
	out, err := s.Templates.Render(d)
	return d, out, err
}

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// SendDue sends each recipient the digest that is due (all recipients when
// rs is empty).
func (s *Sender) SendDue(ctx context.Context, rs []*config.Recipient) []Outcome {
	if len(rs) == 0 {
		for i := range s.Config.Recipients {
			rs = append(rs, &s.Config.Recipients[i])
		}
	}
	var out []Outcome
	b := &Builder{DB: s.DB, Config: s.Config, Taxonomy: s.Taxonomy}
	for _, r := range rs {
		o := s.sendOne(ctx, b, r)
		o.Recipient = r.Address
		if s.Log != nil {
			switch {
			case o.Err != nil:
				s.Log.Error("digest not sent", "recipient", r.Address, "err", o.Err)
			case o.Skipped != "":
				s.Log.Info("no digest sent", "recipient", r.Address, "why", o.Skipped)
			default:
				s.Log.Info("digest sent", "recipient", r.Address, "message_id", o.Digest.MessageID, "to", o.Digest.DeliveredTo)
			}
		}
		out = append(out, o)
	}
	return out
}

func (s *Sender) sendOne(ctx context.Context, b *Builder, r *config.Recipient) Outcome {
	now := s.now()
	start, end, due, err := s.Window(ctx, r, now)
	if err != nil {
		return Outcome{Err: err}
	}
	if !due {
		when := func(t time.Time) string { return t.In(location(r)).Format("Mon 2 Jan 2006 15:04 MST") }
		if _, err := s.DB.LastSentDigest(ctx, r.Address); errors.Is(err, store.ErrNotFound) {
			return Outcome{Skipped: fmt.Sprintf("not due: the first digest covers from %s, when tracker first ran with this recipient, and goes out at the first scheduled time a day after", when(start))}
		}
		return Outcome{Skipped: fmt.Sprintf("not due: the last digest covers until %s", when(start))}
	}
	id := MessageID(s.Config.Mail.From, r.Address, start, end)
	d, err := s.DB.DigestByMessageID(ctx, id)
	switch {
	case err == nil:
		switch d.State {
		case tracker.DigestSent, tracker.DigestSkipped:
			return Outcome{Digest: d, Skipped: "already sent"}
		case tracker.DigestUncertain:
			return Outcome{Digest: d, Skipped: fmt.Sprintf("uncertain: the connection dropped after the server had it; check whether it arrived, and resend it with tracker digest --resend %d", d.ID)}
		case tracker.DigestPending:
			// Recorded and not yet settled: another tracker process (the
			// daemon, or digest --send run by hand) may be sending it right
			// now. Left longer than a send can take, the process that
			// recorded it died, and it is sent: under the same Message-ID,
			// a copy that did go out is the same message.
			if now.Sub(d.CreatedAt) < time.Duration(s.Config.Mail.SMTP.Timeout)+time.Minute {
				return Outcome{Digest: d, Skipped: "being sent by another tracker process"}
			}
		}
		if err := s.DB.DigestBodies(ctx, &d); err != nil {
			return Outcome{Err: err}
		}
		return s.attempt(ctx, r, d)
	case !errors.Is(err, store.ErrNotFound):
		return Outcome{Err: err}
	}

	return s.create(ctx, b, r, start, end, now)
}

// create builds, renders and records the digest of r for [start, end),
// then sends it: a new digest, whose Message-ID is not recorded yet.
func (s *Sender) create(ctx context.Context, b *Builder, r *config.Recipient, start, end, now time.Time) Outcome {
	// Checks under way when the window closed are dated when they commit:
	// wait for them, so that none lands in a window already sent.
	if err := s.DB.Settle(ctx); err != nil {
		return Outcome{Err: err}
	}
	dg, err := b.Build(ctx, r, start, end)
	if err != nil {
		return Outcome{Err: err}
	}
	rendered, err := s.Templates.Render(dg)
	if err != nil {
		return Outcome{Err: err}
	}
	rec := tracker.Digest{
		Recipient: r.Address, WindowStart: start, WindowEnd: end, MessageID: MessageID(s.Config.Mail.From, r.Address, start, end),
		Subject: rendered.Subject, CreatedAt: now, Changes: dg.Changes, Items: dg.Items, Text: rendered.Text, HTML: rendered.HTML,
	}
	if rec, err = s.DB.CreateDigest(ctx, rec); err != nil {
		return Outcome{Err: err}
	}
	if dg.Quiet && r.SkipEmpty {
		err := s.DB.RecordDigestAttempt(ctx, rec.ID, store.DigestAttempt{State: tracker.DigestSkipped, At: now})
		rec.State = tracker.DigestSkipped
		return Outcome{Digest: rec, Skipped: "quiet week: the recipient opted out of empty digests", Err: err}
	}
	return s.attempt(ctx, r, rec)
}

// Resend sends a recorded digest again, as it was rendered and with the same
// Message-ID, so that a copy which did arrive after all is the same message
// to the recipient's mail client. It is for digests whose delivery is in
// doubt (uncertain), was lost by the recipient (sent) or is still failing;
// a superseded digest's window is covered by a later one, which is the one
// to resend.
func (s *Sender) Resend(ctx context.Context, id int64) Outcome {
	d, err := s.DB.DigestByID(ctx, id)
	if err != nil {
		return Outcome{Err: err}
	}
	switch d.State {
	case tracker.DigestSuperseded:
		return Outcome{Digest: d, Recipient: d.Recipient, Err: fmt.Errorf("digest: digest %d was superseded by digest %d, which covers its window: resend that one", id, d.SupersededBy)}
	case tracker.DigestSkipped:
		return Outcome{Digest: d, Recipient: d.Recipient, Err: fmt.Errorf("digest: digest %d is a quiet week that was not sent: there is nothing to resend", id)}
	}
	if err := s.DB.DigestBodies(ctx, &d); err != nil {
		return Outcome{Digest: d, Recipient: d.Recipient, Err: err}
	}
	r := s.Config.Recipient(d.Recipient)
	if r == nil { // no longer in the configuration: the address is enough
		r = &config.Recipient{Address: d.Recipient}
	}
	o := s.attempt(ctx, r, d)
	o.Recipient = d.Recipient
	if o.Err != nil { // what the store kept: a delivered digest stays delivered
		if now, err := s.DB.DigestByID(ctx, id); err == nil {
			o.Digest.State, o.Digest.SentAt, o.Digest.DeliveredTo = now.State, now.SentAt, now.DeliveredTo
		}
	}
	if s.Log != nil {
		if o.Err != nil {
			s.Log.Error("digest not resent", "digest", id, "recipient", d.Recipient, "err", o.Err)
		} else {
			s.Log.Info("digest resent", "digest", id, "recipient", d.Recipient, "message_id", d.MessageID, "to", o.Digest.DeliveredTo)
		}
	}
	return o
}

// attempt sends a recorded digest and records the outcome.
func (s *Sender) attempt(ctx context.Context, r *config.Recipient, d tracker.Digest) Outcome {
	msg := Message{From: s.Config.Mail.From, ToName: r.Name, To: r.Address, Subject: d.Subject, Text: d.Text, HTML: d.HTML,
		MessageID: d.MessageID, Date: d.CreatedAt}
	to, err := s.Mailer.Send(ctx, msg)
	a := store.DigestAttempt{State: tracker.DigestSent, At: s.now(), Transport: s.Mailer.Transport(), DeliveredTo: to}
	if err != nil {
		a.State, a.Error = tracker.DigestFailed, err.Error()
		var se *SendError
		if errors.As(err, &se) && se.Uncertain {
			a.State = tracker.DigestUncertain
		}
	}
	// Recorded even when the daemon's grace period ran out meanwhile: a
	// sent digest left pending would go out again.
	if rerr := s.DB.RecordDigestAttempt(context.WithoutCancel(ctx), d.ID, a); rerr != nil {
		return Outcome{Digest: d, Err: errors.Join(err, rerr)}
	}
	d.State, d.LastError, d.Transport, d.DeliveredTo = a.State, a.Error, a.Transport, a.DeliveredTo
	d.Attempts++
	if a.State == tracker.DigestSent || a.State == tracker.DigestUncertain {
		d.SentAt = a.At
	}
	return Outcome{Digest: d, Err: err}
}
