package digest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"os"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"tracker"
	"tracker/internal/config"
	"tracker/internal/store"
	"tracker/internal/topics"
)

// Sender sends each recipient the digest that is due, at least once and
// under one Message-ID.
//
// The window of a digest runs from the end of the last digest sent to the
// recipient (or 7 days before, the first time) to the latest scheduled time:
// a digest missed or failed one week is covered by the next one, and running
// the sender twice sends nothing new. Each digest is rendered and recorded
// with its Message-ID (derived from the recipient and the window) before the
// first attempt: pending → sending → sent, failed (retried at the next run,
// its window widened when the next one is due) or uncertain (the server may
// have it: the connection dropped as it took it, or tracker stopped while
// sending). An uncertain digest is sent again, unchanged, at the next run,
// and says so: exactly once cannot be promised over SMTP, since the server's
// answer can be lost after it took the message, and a copy that arrives
// twice is one message to mail clients. One process at a time sends (the
// store's digests lock), so a digest found sending was left so by a process
// that stopped.
type Sender struct {
	DB     store.Store
	Config *config.Config
	// Taxonomy names the topics and orders the sections.
	Taxonomy  *topics.Taxonomy
	Mailer    Mailer
	Templates *Templates
	Now       func() time.Time
	Log       *slog.Logger
	// Worker names this sender among the processes sharing the database:
	// one of them at a time sends a recipient's digest, for LeaseTTL at
	// most unless its heartbeat renews it.
	Worker   string
	LeaseTTL time.Duration
}

// NewSender wires a Sender: SMTP when mail.smtp.host is set, otherwise .eml
// files in the outbox directory; digests name topics as tax does.
func NewSender(cfg *config.Config, tax *topics.Taxonomy, db store.Store, getenv func(string) string, log *slog.Logger) (*Sender, error) {
	tmpl, err := LoadTemplates(cfg.Mail.Templates)
	if err != nil {
		return nil, err
	}
	m, err := NewMailer(cfg, getenv)
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	return &Sender{DB: db, Config: cfg, Taxonomy: tax, Mailer: m, Templates: tmpl, Now: time.Now, Log: log,
		Worker: store.WorkerID(host, os.Getpid(), time.Now()), LeaseTTL: 10 * time.Minute}, nil
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
	// Note says why a digest was sent again.
	Note string
	Err  error
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

// digestsLock is the store's lock one sending process holds.
const digestsLock = "digests"

// lockFor takes the digests lock to send to rs (every recipient when rs is
// empty), waiting for another process sending digests to finish. It returns
// the recipients and what releases the lock, or, when it could not be
// taken, a nil release and each recipient's failure.
func (s *Sender) lockFor(ctx context.Context, rs []*config.Recipient) ([]*config.Recipient, func(), []Outcome) {
	if len(rs) == 0 {
		for i := range s.Config.Recipients {
			rs = append(rs, &s.Config.Recipients[i])
		}
	}
	release, err := s.DB.Lock(ctx, digestsLock)
	if err != nil {
		var out []Outcome
		for _, r := range rs {
			out = append(out, Outcome{Recipient: r.Address, Err: fmt.Errorf("digest: waiting for another tracker process to finish sending digests: %w", err)})
		}
		return rs, nil, out
	}
	return rs, release, nil
}

// SendDue sends each recipient the digest that is due (all recipients when
// rs is empty), after sending again those whose delivery is in doubt. It
// waits for another process sending digests to finish first.
func (s *Sender) SendDue(ctx context.Context, rs []*config.Recipient) []Outcome {
	rs, release, failed := s.lockFor(ctx, rs)
	if release == nil {
		return failed
	}
	defer release()
	var out []Outcome
	b := &Builder{DB: s.DB, Config: s.Config, Taxonomy: s.Taxonomy}
	for _, r := range rs {
		for _, o := range s.sendOne(ctx, b, r) {
			o.Recipient = r.Address
			s.logOutcome(o)
			out = append(out, o)
		}
	}
	return out
}

func (s *Sender) logOutcome(o Outcome) {
	if s.Log == nil {
		return
	}
	switch {
	case o.Err != nil:
		s.Log.Error("digest not sent", "recipient", o.Recipient, "digest", o.Digest.ID, "state", o.Digest.State, "err", o.Err)
	case o.Skipped != "":
		s.Log.Info("no digest sent", "recipient", o.Recipient, "why", o.Skipped)
	case o.Note != "":
		s.Log.Warn("digest sent again", "recipient", o.Recipient, "digest", o.Digest.ID, "message_id", o.Digest.MessageID, "to", o.Digest.DeliveredTo, "why", o.Note)
	default:
		s.Log.Info("digest sent", "recipient", o.Recipient, "digest", o.Digest.ID, "message_id", o.Digest.MessageID, "to", o.Digest.DeliveredTo)
	}
}

// sendOne sends r's digests in doubt again, then the one that is due.
func (s *Sender) sendOne(ctx context.Context, b *Builder, r *config.Recipient) []Outcome {
	// One sender at a time per recipient, among every worker.
	release, held := s.claim(ctx, r)
	if release == nil {
		return []Outcome{held}
	}
	defer release()
	doubt, err := s.DB.InDoubt(ctx, r.Address)
	if err != nil {
		return []Outcome{{Err: err}}
	}
	var out []Outcome
	for _, d := range doubt {
		o := s.again(ctx, r, d)
		out = append(out, o)
		if o.Err != nil {
			return out // the server is unwell: the next run tries both
		}
	}
	o := s.due(ctx, b, r)
	if o.Skipped != "" && o.Digest.ID == 0 && len(out) > 0 {
		return out
	}
	return append(out, o)
}

// claim takes the lease of r's digests: one sender at a time per
// recipient, among every worker, so that the next one finds the digest
// sent. release is nil when it is not taken, with the outcome that says
// why.
func (s *Sender) claim(ctx context.Context, r *config.Recipient) (release func(), o Outcome) {
	lease := "digest:" + r.Address
	got, err := s.DB.ClaimLease(ctx, lease, s.Worker, s.now(), max(s.LeaseTTL, time.Minute))
	if err != nil {
		return nil, Outcome{Err: err}
	}
	if !got {
		return nil, Outcome{Skipped: "another worker is sending it"}
	}
	return func() { s.DB.ReleaseLease(context.WithoutCancel(ctx), lease, s.Worker) }, Outcome{}
}

// again sends digest d, whose delivery is in doubt, again: unchanged and
// under its Message-ID, saying so.
func (s *Sender) again(ctx context.Context, r *config.Recipient, d tracker.Digest) Outcome {
	if err := s.interrupted(ctx, &d); err != nil {
		return Outcome{Digest: d, Err: err}
	}
	earlier := d.LastError
	if err := s.DB.DigestBodies(ctx, &d); err != nil {
		return Outcome{Digest: d, Err: err}
	}
	o := s.attempt(ctx, r, d)
	if o.Err != nil {
		o.Err = fmt.Errorf("digest %d is uncertain (%s) and could not be sent again: %w; it is retried at the next run (tracker digest --resend %d tries now)", d.ID, earlier, o.Err, d.ID)
		return o
	}
	o.Note = fmt.Sprintf("digest %d sent again, unchanged: an earlier attempt was uncertain (%s), so a copy may have arrived twice, under the same Message-ID", d.ID, earlier)
	return o
}

// interrupted records a digest left sending by a process that stopped
// while handing it over (the caller holds the digests lock) as uncertain:
// the server may have it.
func (s *Sender) interrupted(ctx context.Context, d *tracker.Digest) error {
	if d.State != tracker.DigestSending {
		return nil
	}
	const why = "tracker stopped while handing it to the server: it may have arrived"
	if err := s.DB.Interrupted(ctx, d.ID, why); err != nil {
		return err
	}
	d.State, d.LastError = tracker.DigestUncertain, why
	d.Attempts++
	d.Doubtful++
	return nil
}

// due sends r the digest that is due, if one is.
func (s *Sender) due(ctx context.Context, b *Builder, r *config.Recipient) Outcome {
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
		return s.existing(ctx, r, d)
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
	id := MessageID(s.Config.Mail.From, r.Address, start, end)
	rec := tracker.Digest{
		Recipient: r.Address, WindowStart: start, WindowEnd: end, MessageID: id, Subject: rendered.Subject,
		CreatedAt: now, Changes: dg.Changes, Items: dg.Items, Text: rendered.Text, HTML: rendered.HTML,
	}
	if rec, err = s.DB.CreateDigest(ctx, rec); err != nil {
		// Recorded meanwhile by a tracker process that does not take the
		// digests lock (an older one): that one is the digest.
		if d, gerr := s.DB.DigestByMessageID(ctx, id); gerr == nil {
			return s.existing(ctx, r, d)
		}
		return Outcome{Err: err}
	}
	if dg.Quiet && r.SkipEmpty {
		err := s.DB.RecordDigestAttempt(ctx, rec.ID, store.DigestAttempt{State: tracker.DigestSkipped, At: now})
		rec.State = tracker.DigestSkipped
		return Outcome{Digest: rec, Skipped: "quiet week: the recipient opted out of empty digests", Err: err}
	}
	return s.attempt(ctx, r, rec)
}

// existing settles the due digest d, recorded before: sent, or sent now.
func (s *Sender) existing(ctx context.Context, r *config.Recipient, d tracker.Digest) Outcome {
	switch d.State {
	case tracker.DigestSent, tracker.DigestSkipped:
		return Outcome{Digest: d, Skipped: fmt.Sprintf("already sent (digest %d)", d.ID)}
	case tracker.DigestUncertain, tracker.DigestSending:
		return Outcome{Digest: d, Skipped: fmt.Sprintf("digest %d is uncertain (%s): it is sent again at the next run; tracker digest --resend %d sends it now", d.ID, d.LastError, d.ID)}
	}
	// Pending (its recorder stopped before handing it over: it holds the
	// lock while it sends) or failed: sent now.
	if err := s.DB.DigestBodies(ctx, &d); err != nil {
		return Outcome{Err: err}
	}
	return s.attempt(ctx, r, d)
}

// Resend sends a recorded digest again, as it was rendered and with the same
// Message-ID, so that a copy which did arrive after all is the same message
// to the recipient's mail client. It is for digests whose delivery is in
// doubt (uncertain), was lost by the recipient (sent) or is still failing;
// a superseded digest's window is covered by a later one, which is the one
// to resend.
func (s *Sender) Resend(ctx context.Context, id int64) Outcome {
	release, err := s.DB.Lock(ctx, digestsLock)
	if err != nil {
		return Outcome{Err: fmt.Errorf("digest: waiting for another tracker process to finish sending digests: %w", err)}
	}
	defer release()
	d, err := s.DB.DigestByID(ctx, id)
	if err != nil {
		return Outcome{Err: err}
	}
	if err := s.interrupted(ctx, &d); err != nil {
		return Outcome{Digest: d, Recipient: d.Recipient, Err: err}
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
	o := s.attempt(ctx, r, d) // its Digest is what the store kept: a delivered digest stays delivered
	o.Recipient = d.Recipient
	if s.Log != nil {
		if o.Err != nil {
			s.Log.Error("digest not resent", "digest", id, "recipient", d.Recipient, "err", o.Err)
		} else {
			s.Log.Info("digest resent", "digest", id, "recipient", d.Recipient, "message_id", d.MessageID, "to", o.Digest.DeliveredTo)
		}
	}
	return o
}

// attempt sends a recorded digest and records the outcome. It is marked
// sending first: if tracker stops before the outcome is recorded, the next
// run knows that the server may have it.
func (s *Sender) attempt(ctx context.Context, r *config.Recipient, d tracker.Digest) Outcome {
	msg := Message{From: s.Config.Mail.From, ToName: r.Name, To: r.Address, Subject: d.Subject, Text: d.Text, HTML: d.HTML,
		MessageID: d.MessageID, Date: d.CreatedAt}
	if err := s.DB.BeginDigestAttempt(ctx, d.ID); err != nil {
		return Outcome{Digest: d, Err: err}
	}
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
	if now, rerr := s.DB.DigestByID(context.WithoutCancel(ctx), d.ID); rerr == nil {
		now.Text, now.HTML = d.Text, d.HTML
		d = now
	}
	return Outcome{Digest: d, Err: err}
}
