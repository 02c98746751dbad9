// Package notify delivers what happens as it happens: each change to the
// webhooks that send changes, each digest to those that send digests, and
// the major changes on urgent topics to the recipients and webhooks that
// asked for them, by mail or webhook.
//
// Every delivery goes through a ledger (store.CreateDelivery), as digests
// do: recorded before the first attempt, one per target and change or
// window, marked sending while an attempt is under way, retried with
// backoff until the target accepts it, never dropped: at least once. An
// attempt whose outcome tracker cannot know (a webhook request sent that
// got no answer, an alert mail whose connection dropped after the server
// had it, or tracker stopping while sending) leaves the delivery
// uncertain: it is sent again, with the same X-Tracker-Delivery id or
// Message-ID, and counted as doubtful. That is the only duplicate, and a
// receiver drops it by that id.
package notify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"tracker"
	"tracker/internal/config"
	"tracker/internal/digest"
	"tracker/internal/store"
	"tracker/internal/topics"
)

// Notifier records and delivers the notifications of a configuration.
type Notifier struct {
	DB       store.Store
	Config   *config.Config
	Taxonomy *topics.Taxonomy
	// Mailer sends the urgent alerts of recipients.
	Mailer digest.Mailer
	Client *http.Client
	// Secrets are the webhooks' secrets, by name.
	Secrets map[string][]byte
	Now     func() time.Time
	Log     *slog.Logger
	// UserAgent names tracker to the receivers.
	UserAgent string
	// Worker names this notifier among the processes sharing the
	// database: one of them at a time makes a pass (see Pass), for
	// LeaseTTL at least unless its heartbeat renews it.
	Worker   string
	LeaseTTL time.Duration
}

// New wires a Notifier for cfg, reading the webhooks' secrets from the
// environment.
func New(cfg *config.Config, tax *topics.Taxonomy, db store.Store, getenv func(string) string, log *slog.Logger) (*Notifier, error) {
	m, err := digest.NewMailer(cfg, getenv)
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	n := &Notifier{DB: db, Config: cfg, Taxonomy: tax, Mailer: m, Client: &http.Client{}, Secrets: map[string][]byte{},
		Now: time.Now, Log: log, UserAgent: cfg.Settings.UserAgent,
		Worker: store.WorkerID(host, os.Getpid(), time.Now()), LeaseTTL: 10 * time.Minute}
	for _, w := range cfg.Webhooks {
		if w.SecretEnv == "" {
			continue
		}
		s := getenv(w.SecretEnv)
		if s == "" {
			return nil, fmt.Errorf("notify: webhook %s: the environment variable %s (secret_env) is empty: set it to the webhook's secret, or remove secret_env to send unsigned requests", w.Name, w.SecretEnv)
		}
		n.Secrets[w.Name] = []byte(s)
	}
	return n, nil
}

// Active says whether cfg has anything to notify: a webhook, or a
// recipient with urgent topics.
func Active(cfg *config.Config) bool {
	if len(cfg.Webhooks) > 0 {
		return true
	}
	for _, r := range cfg.Recipients {
		if len(r.Urgent) > 0 {
			return true
		}
	}
	return false
}

func (n *Notifier) now() time.Time {
	if n.Now != nil {
		return n.Now()
	}
	return time.Now()
}

func (n *Notifier) log() *slog.Logger {
	if n.Log != nil {
		return n.Log
	}
	return slog.New(slog.DiscardHandler)
}

// lookBack bounds what a first pass sends: a target hears of the changes
// from when tracker first ran with it, and never of more than a week; later
// passes read from where the last one stopped.
const lookBack = 7 * 24 * time.Hour

// subscription is one kind of delivery to one target, with its filter.
type subscription struct {
	target  string
	channel tracker.Channel
	kind    tracker.DeliveryKind
	filter  digest.Filter
	webhook *config.Webhook
	rcpt    *config.Recipient
}

func (n *Notifier) subscriptions() []subscription {
	var out []subscription
	for i := range n.Config.Webhooks {
		w := &n.Config.Webhooks[i]
		t := "webhook:" + w.Name
		out = append(out, subscription{target: t, channel: tracker.ChannelWebhook, kind: w.Send, webhook: w,
			filter: digest.Filter{Topics: w.Topics, Sources: w.Sources, MinImportance: w.MinImportance}})
		if len(w.Urgent) > 0 {
			out = append(out, subscription{target: t, channel: tracker.ChannelWebhook, kind: tracker.DeliverUrgent, webhook: w,
				filter: digest.Filter{Topics: w.Urgent, Sources: w.Sources, MinImportance: tracker.Major}})
		}
	}
	for i := range n.Config.Recipients {
		r := &n.Config.Recipients[i]
		if len(r.Urgent) > 0 {
			out = append(out, subscription{target: "mail:" + r.Address, channel: tracker.ChannelMail, kind: tracker.DeliverUrgent, rcpt: r,
				filter: digest.Filter{Topics: r.Urgent, Sources: r.Sources, MinImportance: tracker.Major}})
		}
	}
	return out
}

// DeliveryID is the id a target sees of a delivery, the same on every
// attempt and in every database: derived from the target and what it
// carries.
func DeliveryID(target, key string) string {
	sum := sha256.Sum256([]byte(target + "\x00" + key))
	return hex.EncodeToString(sum[:16])
}

// Lease names the lease, and the store's lock, of a pass.
const Lease = "deliveries"

// Pass is what one pass did.
type Pass struct {
	// Busy is set when another worker holds the pass: nothing was done.
	Busy bool
	// Recorded counts the deliveries recorded, Outcomes the attempts.
	Recorded int
	Outcomes []Outcome
	// Err is what kept deliveries from being recorded; those recorded
	// before were attempted.
	Err error
}

// Pass records the deliveries due and attempts those due now (Enqueue,
// then Deliver), as one worker among every tracker process on the
// database. The lease comes first: while a worker that lives holds it,
// the others skip their pass rather than wait (Busy), and try again. The
// store's lock then covers a pass whose lease expired while it went on
// (its worker stalled): the next one waits for it to end, so that a
// delivery found sending past its hold was left so by a process that
// stopped, never by one still sending it, however far the workers'
// clocks are apart.
func (n *Notifier) Pass(ctx context.Context) Pass {
	got, err := n.DB.ClaimLease(ctx, Lease, n.Worker, n.now(), max(n.LeaseTTL, time.Minute))
	if err != nil {
		return Pass{Err: err}
	}
	if !got {
		return Pass{Busy: true}
	}
	defer n.DB.ReleaseLease(context.WithoutCancel(ctx), Lease, n.Worker)
	release, err := n.DB.Lock(ctx, Lease)
	if err != nil {
		return Pass{Err: fmt.Errorf("notify: waiting for another tracker process to finish its deliveries: %w", err)}
	}
	defer release()
	var p Pass
	p.Recorded, p.Err = n.Enqueue(ctx)
	p.Outcomes = n.Deliver(ctx)
	return p
}

// Enqueue records the deliveries due now: the changes detected since each
// target was enrolled (change and urgent), and the digests whose window
// closed (digest). It records each once; it sends nothing. It is the first
// half of a pass (see Pass).
func (n *Notifier) Enqueue(ctx context.Context) (recorded int, err error) {
	now := n.now()
	subs := n.subscriptions()
	var targets []string
	for _, s := range subs {
		targets = append(targets, s.target)
	}
	if err := n.DB.EnrollTargets(ctx, targets, now); err != nil {
		return 0, err
	}
	if err := n.DB.Settle(ctx); err != nil {
		return 0, err
	}
	b := &digest.Builder{DB: n.DB, Config: n.Config, Taxonomy: n.Taxonomy}
	var errs []error
	failed := map[string]bool{}
	for _, s := range subs {
		enrolled, covered, err := n.DB.TargetEnrolled(ctx, s.target)
		if err != nil {
			errs = append(errs, err)
			failed[s.target] = true
			continue
		}
		var k int
		if s.kind == tracker.DeliverDigest {
			k, err = n.enqueueDigest(ctx, b, s, enrolled, now)
		} else {
			k, err = n.enqueueChanges(ctx, b, s, enrolled, covered, now)
		}
		recorded += k
		if err != nil {
			errs = append(errs, fmt.Errorf("notify: %s: %w", s.target, err))
			failed[s.target] = true
		}
	}
	// The changes were read until now (Settle waited for the records under
	// way): the next pass reads from there, however long ago that was.
	for _, t := range slices.Compact(slices.Sorted(slices.Values(targets))) {
		if !failed[t] {
			if err := n.DB.SetTargetCovered(ctx, t, now); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return recorded, errors.Join(errs...)
}

func (n *Notifier) sourceName(id string) string {
	if s := n.Config.Source(id); s != nil && s.Name != "" {
		return s.Name
	}
	return id
}

func (n *Notifier) base() string { return strings.TrimRight(n.Config.Mail.BaseURL, "/") }

func (n *Notifier) enqueueChanges(ctx context.Context, b *digest.Builder, s subscription, enrolled, covered, now time.Time) (int, error) {
	// From where the last pass stopped (an hour's overlap costs a lookup
	// per change: each is recorded once); the first time, from the
	// enrolment, a week at most.
	since := later(enrolled, now.Add(-lookBack))
	if !covered.IsZero() {
		since = later(enrolled, covered.Add(-time.Hour))
	}
	chs, err := n.DB.Changes(ctx, store.ChangeFilter{Since: since, SourceIDs: s.filter.Sources})
	if err != nil {
		return 0, err
	}
	recorded := 0
	for _, c := range chs {
		if _, ok := s.filter.Keeps(c); !ok {
			continue
		}
		key := fmt.Sprintf("%s:%s:%d:%d", s.kind, c.SourceID, c.FromSeq, c.ToSeq)
		if has, err := n.DB.HasDelivery(ctx, s.target, key); err != nil || has {
			if err != nil {
				return recorded, err
			}
			continue
		}
		entries, _, err := b.Entries(ctx, []tracker.Change{c}, s.filter, time.UTC, n.base())
		if err != nil {
			return recorded, err
		}
		if len(entries) == 0 {
			continue
		}
		ch := newChange(entries[0], n.sourceName(c.SourceID))
		d := tracker.Delivery{Target: s.target, Channel: s.channel, Kind: s.kind, Key: key, CreatedAt: now,
			Subject: ch.title(s.kind == tracker.DeliverUrgent)}
		if d.Body, err = n.render(s, d, Payload{Change: &ch}, entries[0]); err != nil {
			return recorded, err
		}
		if _, created, err := n.DB.CreateDelivery(ctx, d); err != nil {
			return recorded, err
		} else if created {
			recorded++
		}
	}
	return recorded, nil
}

// enqueueDigest records the digest of a webhook whose window closed at the
// latest time of mail.schedule (in UTC): from the end of its last digest,
// or its enrolment (a week at most), as for a recipient. A failed digest is
// retried, not superseded: the next window starts where it ended.
func (n *Notifier) enqueueDigest(ctx context.Context, b *digest.Builder, s subscription, enrolled, now time.Time) (int, error) {
	sched, err := config.ParseSchedule(n.Config.Mail.Schedule)
	if err != nil {
		return 0, fmt.Errorf("mail.schedule: %w", err)
	}
	end := digest.LastScheduled(sched, now)
	if end.IsZero() {
		return 0, nil
	}
	start, first := later(enrolled, end.Add(-lookBack)), true
	switch last, err := n.DB.LastDigestDelivery(ctx, s.target); {
	case err == nil:
		start, first = last.WindowEnd, false
	case !errors.Is(err, store.ErrNotFound):
		return 0, err
	}
	if !end.After(start) || first && end.Sub(start) < digest.FirstDigestAfter {
		return 0, nil
	}
	r := &config.Recipient{Name: s.webhook.Name, Topics: s.filter.Topics, Sources: s.filter.Sources, MinImportance: s.filter.MinImportance, Location: time.UTC}
	dg, err := b.Build(ctx, r, start, end)
	if err != nil {
		return 0, err
	}
	chs, err := n.DB.Changes(ctx, store.ChangeFilter{Since: start, Until: end.Add(-time.Millisecond), SourceIDs: s.filter.Sources})
	if err != nil {
		return 0, err
	}
	entries, hidden, err := b.Entries(ctx, chs, s.filter, time.UTC, n.base())
	if err != nil {
		return 0, err
	}
	d := tracker.Delivery{Target: s.target, Channel: s.channel, Kind: s.kind, Key: "digest:" + stamp(end), CreatedAt: now,
		WindowStart: start, WindowEnd: end, Subject: n.Config.Mail.SubjectPrefix + ": " + dg.Headline + " — week of " + dg.WeekOf}
	if d.Body, err = n.render(s, d, Payload{Digest: newDigest(dg, entries, hidden, n.sourceName)}, digest.Entry{}); err != nil {
		return 0, err
	}
	_, created, err := n.DB.CreateDelivery(ctx, d)
	if err != nil || !created {
		return 0, err
	}
	return 1, nil
}

// render is the body of a delivery: the webhook's request body, or the
// alert mail as JSON.
func (n *Notifier) render(s subscription, d tracker.Delivery, p Payload, e digest.Entry) (string, error) {
	p.Event, p.Delivery = d.Kind, DeliveryID(d.Target, d.Key)
	if s.channel == tracker.ChannelWebhook {
		p.Webhook = s.webhook.Name
		b, err := body(s.webhook.Format, p, n.Config.Mail.SubjectPrefix)
		return string(b), err
	}
	m := alertMail(n.Config, s.rcpt, d, *p.Change, e)
	b, err := json.Marshal(m)
	return string(b), err
}

// Outcome is what one attempt of a delivery did.
type Outcome struct {
	Delivery tracker.Delivery
	Err      error
}

// retryAfter is the wait before the attempt after the n-th: 30 seconds,
// doubling up to an hour. A delivery is retried for as long as it takes.
func retryAfter(n int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// interrupted is the error of an attempt cut short by tracker stopping.
const interrupted = "tracker stopped while sending it: it may have arrived"

// Deliver attempts the deliveries that are due (new, or failed or
// uncertain and due for a retry), each claimed first so that two tracker
// processes never send one at once. Those left sending by a tracker that
// stopped are uncertain, and due again.
func (n *Notifier) Deliver(ctx context.Context) []Outcome {
	now := n.now()
	if k, err := n.DB.InterruptedDeliveries(ctx, now, interrupted); err != nil {
		return []Outcome{{Err: err}}
	} else if k > 0 {
		n.log().Warn("deliveries left sending by a tracker that stopped: sent again, in doubt", "deliveries", k)
	}
	due, err := n.DB.DueDeliveries(ctx, now)
	if err != nil {
		return []Outcome{{Err: err}}
	}
	var out []Outcome
	for _, d := range due {
		if ctx.Err() != nil {
			break
		}
		// Held for longer than an attempt can take: a process that died
		// meanwhile leaves it sending, in doubt from then.
		claimed, err := n.DB.ClaimDelivery(ctx, d.ID, now, now.Add(n.hold(d)))
		if err != nil {
			out = append(out, Outcome{Delivery: d, Err: err})
			continue
		}
		if !claimed {
			continue
		}
		if err := n.DB.DeliveryBody(ctx, &d); err != nil {
			out = append(out, Outcome{Delivery: d, Err: err})
			continue
		}
		out = append(out, n.attempt(ctx, d))
	}
	return out
}

func (n *Notifier) hold(d tracker.Delivery) time.Duration {
	if w := n.Config.Webhook(strings.TrimPrefix(d.Target, "webhook:")); w != nil && d.Channel == tracker.ChannelWebhook {
		return time.Duration(w.Timeout) + time.Minute
	}
	return time.Duration(n.Config.Mail.SMTP.Timeout) + time.Minute
}

func (n *Notifier) attempt(ctx context.Context, d tracker.Delivery) Outcome {
	var a store.DeliveryAttempt
	var err error
	switch d.Channel {
	case tracker.ChannelWebhook:
		a, err = n.post(ctx, d)
	case tracker.ChannelMail:
		a, err = n.mail(ctx, d)
	default:
		err = fmt.Errorf("notify: delivery %d: unknown channel %q", d.ID, d.Channel)
		a.State = tracker.DeliveryFailed
	}
	a.At = n.now()
	if err != nil {
		a.Error = err.Error()
		a.Next = a.At.Add(retryAfter(d.Attempts + 1))
	}
	// Recorded even when the daemon's grace period ran out meanwhile: a
	// sent delivery left due would go out again.
	if rerr := n.DB.RecordDeliveryAttempt(context.WithoutCancel(ctx), d.ID, a); rerr != nil {
		return Outcome{Delivery: d, Err: errors.Join(err, rerr)}
	}
	d.Attempts++
	d.State, d.LastError, d.Status, d.NextAttempt = a.State, a.Error, a.Status, a.Next
	if now, rerr := n.DB.Delivery(context.WithoutCancel(ctx), d.ID); rerr == nil {
		now.Body = d.Body
		d = now // as the ledger has it: a failure after a doubtful attempt is uncertain
	}
	log := n.log().With("delivery", d.ID, "target", d.Target, "kind", d.Kind, "key", d.Key, "attempt", d.Attempts)
	switch {
	case d.State == tracker.DeliverySent && d.Doubtful > 0:
		log.Warn("delivered after an attempt whose outcome is unknown: a copy may have arrived twice", "doubtful", d.Doubtful)
	case d.State == tracker.DeliverySent:
		log.Info("delivered")
	case d.State == tracker.DeliveryFailed:
		log.Warn("delivery failed: retried later", "next", d.NextAttempt.UTC().Format(time.RFC3339), "err", err)
	default:
		log.Warn("delivery in doubt: sent again later", "next", d.NextAttempt.UTC().Format(time.RFC3339), "err", err)
	}
	return Outcome{Delivery: d, Err: err}
}

// post sends a webhook request. Any answer but a 2xx is a failure, retried
// later with the same body and delivery id; no answer to a request sent
// whole is uncertain (the receiver may have acted on it), retried so too.
func (n *Notifier) post(ctx context.Context, d tracker.Delivery) (store.DeliveryAttempt, error) {
	a := store.DeliveryAttempt{State: tracker.DeliveryFailed}
	name := strings.TrimPrefix(d.Target, "webhook:")
	w := n.Config.Webhook(name)
	if w == nil {
		return a, fmt.Errorf("notify: webhook %s is no longer in %s: its delivery stays in the ledger; declare it again to deliver it", name, n.Config.Path)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(w.Timeout))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, strings.NewReader(d.Body))
	if err != nil {
		return a, fmt.Errorf("notify: webhook %s: %w", name, err)
	}
	var wrote atomic.Bool
	req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) { wrote.Store(i.Err == nil) },
	}))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", n.UserAgent)
	req.Header.Set(HeaderDelivery, DeliveryID(d.Target, d.Key))
	req.Header.Set(HeaderEvent, string(d.Kind))
	if secret, ok := n.Secrets[name]; ok {
		ts := n.now()
		req.Header.Set(HeaderTimestamp, fmt.Sprint(ts.Unix()))
		req.Header.Set(HeaderSignature, Sign(secret, ts, []byte(d.Body)))
	}
	client := n.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		if wrote.Load() {
			a.State = tracker.DeliveryUncertain
		}
		return a, fmt.Errorf("notify: webhook %s: no answer (%w): it is sent again with the same %s, which a receiver that had it drops", name, err, HeaderDelivery)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	a.Status = resp.StatusCode
	if resp.StatusCode/100 != 2 {
		return a, fmt.Errorf("notify: webhook %s answered %s: %s", name, resp.Status, bytes.TrimSpace(msg))
	}
	a.State = tracker.DeliverySent
	return a, nil
}

// mailMessage is an alert mail as the ledger keeps it.
type mailMessage struct {
	digest.Message
}

func alertMail(cfg *config.Config, r *config.Recipient, d tracker.Delivery, c Change, e digest.Entry) mailMessage {
	var t strings.Builder
	fmt.Fprintf(&t, "%s\n\n", c.title(true))
	if c.Reason != "" {
		fmt.Fprintf(&t, "%s\n\n", c.Reason)
	}
	if e.Excerpt != "" {
		fmt.Fprintf(&t, "%s\n", e.Excerpt)
	}
	if c.DiffURL != "" {
		fmt.Fprintf(&t, "The diff: %s\n", c.DiffURL)
	}
	fmt.Fprintf(&t, "\n--\nAn urgent alert: a major change on a topic you asked to hear of at once (%s), besides your digest. Changes are marked [-removed-] and {+added+}. Sent by tracker to %s.\n",
		strings.Join(r.Urgent, ", "), r.Address)
	var h strings.Builder
	h.WriteString("<!DOCTYPE html>\n<html><body>\n<h1>" + htmlEscape(c.title(true)) + "</h1>\n")
	if c.Reason != "" {
		h.WriteString("<p>" + htmlEscape(c.Reason) + "</p>\n")
	}
	h.WriteString(string(e.ExcerptHTML))
	if c.DiffURL != "" {
		h.WriteString(`<p><a href="` + htmlEscape(c.DiffURL) + `">The diff</a></p>` + "\n")
	}
	h.WriteString("<p><small>An urgent alert: a major change on a topic you asked to hear of at once (" + htmlEscape(strings.Join(r.Urgent, ", ")) + "), besides your digest.</small></p>\n</body></html>\n")
	id := "alert." + DeliveryID(d.Target, d.Key)[:24] + "@" + domainOf(cfg.Mail.From)
	return mailMessage{digest.Message{From: cfg.Mail.From, ToName: r.Name, To: r.Address, Subject: cfg.Mail.SubjectPrefix + ": " + c.title(true),
		Text: t.String(), HTML: h.String(), MessageID: id, Date: d.CreatedAt}}
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")

func htmlEscape(s string) string { return htmlEscaper.Replace(s) }

func domainOf(from string) string {
	if i := strings.LastIndexByte(from, '@'); i >= 0 {
		return strings.TrimRight(from[i+1:], "> ")
	}
	return "tracker.invalid"
}

// mail sends an alert mail; a connection lost after the server had it is
// uncertain, and the mail is sent again under the same Message-ID.
func (n *Notifier) mail(ctx context.Context, d tracker.Delivery) (store.DeliveryAttempt, error) {
	a := store.DeliveryAttempt{State: tracker.DeliveryFailed}
	var m mailMessage
	if err := json.Unmarshal([]byte(d.Body), &m); err != nil {
		return a, fmt.Errorf("notify: delivery %d: %w", d.ID, err)
	}
	_, err := n.Mailer.Send(ctx, m.Message)
	if err != nil {
		var se *digest.SendError
		if errors.As(err, &se) && se.Uncertain {
			a.State = tracker.DeliveryUncertain
		}
		return a, err
	}
	a.State = tracker.DeliverySent
	return a, nil
}

// NextAttempt is when a delivery is next due (zero: none is waiting).
func (n *Notifier) NextAttempt(ctx context.Context) (time.Time, error) {
	return n.DB.NextDeliveryAttempt(ctx)
}

// Digests says whether a webhook of the configuration sends digests.
func (n *Notifier) Digests() bool {
	return slices.ContainsFunc(n.Config.Webhooks, func(w config.Webhook) bool { return w.Send == tracker.DeliverDigest })
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
