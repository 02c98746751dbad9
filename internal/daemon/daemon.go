// Package daemon runs tracker unattended: it checks each source on its
// schedule, sends the digests on theirs, reports sources that keep failing,
// reloads its configuration on request and stops cleanly.
//
// Schedules are robfig/cron/v3 schedules (cron expressions and @every
// durations); the daemon computes their next times itself, on an injectable
// clock, so tests can run weeks in seconds.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net/url"
	"os"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/robfig/cron/v3"

	"tracker"
	"tracker/internal/config"
	"tracker/internal/digest"
	"tracker/internal/notify"
	"tracker/internal/sources"
	"tracker/internal/store"
	"tracker/internal/topics"
)

// Options configure a Daemon.
type Options struct {
	// ConfigPath is re-read on Reload.
	ConfigPath string
	DB         store.Store
	Log        *slog.Logger
	Clock      Clock
	Getenv     func(string) string
	// Prepare, when set, adjusts each new checker and sender (tests use it
	// to shorten waits).
	Prepare func(*sources.Checker, *digest.Sender)
	// Worker names this daemon among those sharing the database (default:
	// its host, process and start time); LeaseTTL is how long its leases
	// last without a heartbeat, so how long another worker waits for the
	// checks of one that died [2m].
	Worker   string
	LeaseTTL time.Duration
}

// DefaultLeaseTTL is how long a worker's leases outlive its last heartbeat.
const DefaultLeaseTTL = 2 * time.Minute

// Daemon is the scheduler.
type Daemon struct {
	opt     Options
	metrics *Metrics

	mu      sync.Mutex
	cfg     *config.Config
	tax     *topics.Taxonomy // compiled from cfg
	checker *sources.Checker
	sender  *digest.Sender
	// notifier is nil when the configuration has no webhook and no urgent
	// topic.
	notifier *notify.Notifier
	jobs     []*job
	running  map[string]bool // sources being checked
	slots    chan struct{}   // checks under way
	wake     chan struct{}
	// A checker replaced by a reload is closed (it may hold a browser) once
	// the checks it started are over.
	inflight map[*sources.Checker]int
	retired  map[*sources.Checker]bool

	digestMu sync.Mutex // one digest run at a time
	notifyMu sync.Mutex // one delivery run at a time
	work     sync.WaitGroup
	// busy counts the same work as the WaitGroup, which cannot be read:
	// tests wait for it to fall to zero before they move their clock.
	busy int
	// stopping is closed when the daemon is told to stop: a check still
	// waiting for a slot then never starts.
	stopping chan struct{}
}

// job is a source to check, a recipient's digest to send, or (notify) the
// deliveries to record and attempt, at next.
type job struct {
	source    *config.Source
	recipient *config.Recipient
	notify    bool
	sched     cron.Schedule
	jitter    time.Duration
	loc       *time.Location
	next      time.Time
	retries   int // failed digests, or failed checks, in a row
	// resume is a source's scheduled time that a retry came before: the
	// schedule resumes there, its place kept.
	resume time.Time
	// soon is true for a source's check soon after start, off its
	// schedule: the next one is the schedule's next after it.
	soon bool
}

func (j *job) name() string {
	switch {
	case j.source != nil:
		return "source " + j.source.ID
	case j.notify:
		return "deliveries"
	}
	return "digest for " + j.recipient.Address
}

// New prepares a daemon for cfg.
func New(opt Options, cfg *config.Config) (*Daemon, error) {
	if opt.Clock == nil {
		opt.Clock = RealClock{}
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Getenv == nil {
		opt.Getenv = func(string) string { return "" }
	}
	if opt.LeaseTTL <= 0 {
		opt.LeaseTTL = DefaultLeaseTTL
	}
	if opt.Worker == "" {
		opt.Worker = DefaultWorker(opt.Clock.Now())
	}
	d := &Daemon{opt: opt, metrics: NewMetrics(opt.DB), running: map[string]bool{}, wake: make(chan struct{}, 1), stopping: make(chan struct{}),
		inflight: map[*sources.Checker]int{}, retired: map[*sources.Checker]bool{}}
	if err := d.apply(cfg); err != nil {
		return nil, err
	}
	return d, nil
}

// Metrics are the daemon's Prometheus metrics.
func (d *Daemon) Metrics() *Metrics { return d.metrics }

// apply makes cfg the running configuration, with its taxonomy.
func (d *Daemon) apply(cfg *config.Config) error {
	tax, err := cfg.TopicsConfig().Compile()
	if err != nil {
		return err
	}
	checker := sources.NewChecker(cfg, tax, d.opt.DB, d.opt.Log)
	checker.Now = d.opt.Clock.Now
	sender, err := digest.NewSender(cfg, tax, d.opt.DB, d.opt.Getenv, d.opt.Log)
	if err != nil {
		return err
	}
	sender.Now = d.opt.Clock.Now
	sender.Worker, sender.LeaseTTL = d.opt.Worker, d.opt.LeaseTTL
	if d.opt.Prepare != nil {
		d.opt.Prepare(checker, sender)
	}
	var notifier *notify.Notifier
	if notify.Active(cfg) {
		if notifier, err = notify.New(cfg, tax, d.opt.DB, d.opt.Getenv, d.opt.Log); err != nil {
			return err
		}
		notifier.Now = d.opt.Clock.Now
		notifier.Worker, notifier.LeaseTTL = d.opt.Worker, d.opt.LeaseTTL
	}
	if err := checker.Register(context.Background()); err != nil {
		return err
	}
	if err := sender.Enroll(context.Background()); err != nil {
		return err
	}
	jobs, err := d.plan(cfg)
	if err != nil {
		return err
	}
	d.metrics.declare(context.Background(), cfg, d.opt.DB)
	d.mu.Lock()
	old := d.checker
	d.cfg, d.tax, d.checker, d.sender, d.notifier, d.jobs = cfg, tax, checker, sender, notifier, jobs
	idle := false
	if old != nil {
		d.retired[old] = true
		idle = d.inflight[old] == 0
	}
	d.mu.Unlock()
	if idle {
		d.closeChecker(old)
	}
	select {
	case d.wake <- struct{}{}:
	default:
	}
	return nil
}

// Reload re-reads the configuration file. An invalid file is rejected and
// the running configuration kept.
func (d *Daemon) Reload() error {
	cfg, err := config.Load(d.opt.ConfigPath)
	if err != nil {
		d.opt.Log.Error("configuration not reloaded: the running one is kept", "path", d.opt.ConfigPath, "err", err)
		d.metrics.reloads.WithLabelValues("rejected").Inc()
		return err
	}
	if err := d.apply(cfg); err != nil {
		d.opt.Log.Error("configuration not reloaded: the running one is kept", "path", d.opt.ConfigPath, "err", err)
		d.metrics.reloads.WithLabelValues("rejected").Inc()
		return err
	}
	d.metrics.reloads.WithLabelValues("ok").Inc()
	d.opt.Log.Info("configuration reloaded", "path", d.opt.ConfigPath, "sources", len(cfg.Sources), "recipients", len(cfg.Recipients))
	return nil
}

// Config is the running configuration, the one given to New or the last
// one a Reload took, with the taxonomy compiled from it.
func (d *Daemon) Config() (*config.Config, *topics.Taxonomy) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg, d.tax
}

// jitterOf spreads sources deterministically over [0, max): a source keeps
// its place from one run to the next.
func jitterOf(id string, max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(id))
	return time.Duration(h.Sum64() % uint64(max))
}

// plan computes when each source and each digest runs next.
func (d *Daemon) plan(cfg *config.Config) ([]*job, error) {
	ctx := context.Background()
	now := d.opt.Clock.Now()
	var jobs []*job
	for i := range cfg.Sources {
		src := &cfg.Sources[i]
		if src.Disabled {
			continue
		}
		sched, err := config.ParseSchedule(cfg.EffectiveSchedule(src))
		if err != nil {
			return nil, fmt.Errorf("daemon: source %s: %w", src.ID, err)
		}
		// The jitter is at most a quarter of the interval: an hourly feed
		// is not pushed half an hour late.
		n1 := sched.Next(now)
		jmax := min(time.Duration(cfg.Settings.Jitter), sched.Next(n1).Sub(n1)/4)
		j := &job{source: src, sched: sched, jitter: jitterOf(src.ID, jmax)}
		st, err := d.opt.DB.Source(ctx, src.ID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		switch {
		case st.LastFetchAt.IsZero() || !sched.Next(st.LastFetchAt).After(now):
			// Never checked, or overdue (the daemon was down): soon after
			// start, spread over a minute.
			j.next = now.Add(jitterOf(src.ID, min(time.Minute, jmax+time.Second)))
			j.soon = true
		default:
			j.next = sched.Next(st.LastFetchAt).Add(j.jitter)
		}
		jobs = append(jobs, j)
	}
	if err := d.planChecks(ctx, cfg, now, jobs); err != nil {
		return nil, err
	}
	dsched, err := config.ParseSchedule(cfg.Mail.Schedule)
	if err != nil {
		return nil, fmt.Errorf("daemon: mail.schedule: %w", err)
	}
	for i := range cfg.Recipients {
		r := &cfg.Recipients[i]
		loc := r.Location
		if loc == nil {
			loc = time.UTC
		}
		// Due at once: a digest missed while the daemon was down, or one
		// that failed before a reload, goes out now (SendDue sends nothing
		// that is not due), as a job like any other.
		jobs = append(jobs, &job{recipient: r, sched: dsched, loc: loc, next: now})
	}
	if notify.Active(cfg) {
		// At once: it enrols new targets, and sends what waited while the
		// daemon was down.
		jobs = append(jobs, &job{notify: true, sched: dsched, loc: time.UTC, next: now})
	}
	return jobs, nil
}

// Run runs until ctx ends, then lets in-flight work finish for the
// configured grace period and cancels what remains.
func (d *Daemon) Run(ctx context.Context) error {
	d.mu.Lock()
	cfg := d.cfg
	d.mu.Unlock()
	d.opt.Log.Info("tracker running", "sources", len(cfg.Sources), "recipients", len(cfg.Recipients), "db", d.opt.DB.Path(),
		"worker", d.opt.Worker)
	d.reclaim(ctx)
	beatCtx, stopBeat := context.WithCancel(context.Background())
	beating := make(chan struct{})
	go func() { defer close(beating); d.heartbeat(beatCtx, d.opt.Clock.Now()) }()
	defer func() {
		stopBeat()
		<-beating
		// What this worker still holds goes back to the others at once.
		if err := d.opt.DB.StopWorker(context.Background(), d.opt.Worker, d.opt.Clock.Now()); err != nil {
			d.opt.Log.Warn("leases not given back: other workers take them when they expire", "err", err)
		}
	}()

	// Work gets its own context: stopping the daemon first stops new work,
	// and cancels in-flight work only when the grace period is over.
	workCtx, cancelWork := context.WithCancel(context.Background())
	defer cancelWork()

	stopping := make(chan struct{}) // this run's: a daemon may run again
	d.mu.Lock()
	d.stopping = stopping
	d.mu.Unlock()

	for {
		d.mu.Lock()
		sort.SliceStable(d.jobs, func(i, k int) bool { return d.jobs[i].next.Before(d.jobs[k].next) })
		var next *job
		var at time.Time
		if len(d.jobs) > 0 {
			next = d.jobs[0]
			at = next.next // read under the lock: a digest's retry moves it
		}
		d.mu.Unlock()

		var wait <-chan time.Time
		if next != nil {
			wait = d.opt.Clock.Until(at)
		}
		select {
		case <-ctx.Done():
			close(stopping)
			return d.stop(cancelWork)
		case <-d.wake:
			continue
		case <-wait:
		}
		d.dispatch(workCtx, next)
	}
}

func (d *Daemon) stop(cancelWork context.CancelFunc) error {
	d.mu.Lock()
	grace := time.Duration(d.cfg.Settings.ShutdownGrace)
	d.mu.Unlock()
	d.opt.Log.Info("stopping: no new work; waiting for the work under way", "grace", grace)
	done := make(chan struct{})
	go func() { d.work.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		d.opt.Log.Warn("grace period over: cancelling the work under way")
		cancelWork()
		<-done
	}
	d.mu.Lock()
	checker := d.checker
	d.mu.Unlock()
	d.closeChecker(checker)
	d.opt.Log.Info("stopped")
	return nil
}

// Close releases what the daemon holds (a browser) when it was never run.
func (d *Daemon) Close() {
	d.mu.Lock()
	checker := d.checker
	d.mu.Unlock()
	d.closeChecker(checker)
}

func (d *Daemon) closeChecker(c *sources.Checker) {
	if c == nil {
		return
	}
	d.mu.Lock()
	delete(d.retired, c)
	delete(d.inflight, c)
	d.mu.Unlock()
	if err := c.Close(); err != nil {
		d.opt.Log.Warn("closing the browser failed", "err", err)
	}
}

// dispatch starts a due job and schedules its next run.
func (d *Daemon) dispatch(ctx context.Context, j *job) {
	now := d.opt.Clock.Now()
	var next time.Time // a source's slot after this one, when a retry resumes the schedule
	d.mu.Lock()
	stale := true
	for _, x := range d.jobs {
		if x == j {
			stale = false
		}
	}
	if stale || j.next.After(now) {
		d.mu.Unlock()
		return // replaced by a reload meanwhile, or woken early
	}
	if j.source != nil {
		// From the time this check was due, jitter removed: an @every
		// schedule's jitter would otherwise add up from one check to the
		// next, and an hourly source be checked every 1h05m.
		from := now.Add(-j.jitter)
		if j.soon {
			from, j.soon = now, false
		}
		j.next = j.sched.Next(from).Add(j.jitter)
		if j.resume.After(now) {
			j.next, next = j.resume, j.resume
		}
		j.resume = time.Time{}
	} else if j.notify {
		j.next = now.Add(time.Hour) // set when the run ends
	} else {
		j.next = j.sched.Next(now.In(j.loc))
	}
	checker, cfg := d.checker, d.cfg
	if j.source != nil && d.running[j.source.ID] {
		d.mu.Unlock()
		d.opt.Log.Warn("previous check still running: skipped", "source", j.source.ID)
		d.metrics.skipped.Inc()
		return
	}
	if j.source != nil {
		d.running[j.source.ID] = true
		d.inflight[checker]++
	}
	d.busy++
	d.mu.Unlock()

	d.work.Add(1)
	if j.notify {
		go func() {
			defer d.done()
			d.deliver(ctx, j)
		}()
		return
	}
	if j.recipient != nil {
		r := j.recipient
		go func() {
			defer d.done()
			outs := d.sendDigests(ctx, []*config.Recipient{r})
			// Failed, uncertain (sent again until it is sent), or left
			// pending: try again soon.
			failed := false
			for _, o := range outs {
				switch o.Digest.State {
				case tracker.DigestPending, tracker.DigestSending, tracker.DigestUncertain:
					failed = true
				}
				failed = failed || o.Err != nil
			}
			d.mu.Lock()
			if failed {
				// The server was down or refused it: try again soon rather
				// than at the next scheduled time, a week later.
				j.retries++
				if retry := d.opt.Clock.Now().Add(digestRetry(j.retries)); retry.Before(j.next) {
					j.next = retry
				}
			} else {
				j.retries = 0
			}
			d.mu.Unlock()
			if failed {
				select {
				case d.wake <- struct{}{}:
				default:
				}
			}
		}()
		return
	}
	src := j.source
	go func() {
		defer d.done()
		defer func() {
			d.mu.Lock()
			delete(d.running, src.ID)
			d.inflight[checker]--
			done := d.retired[checker] && d.inflight[checker] == 0
			d.mu.Unlock()
			if done {
				d.closeChecker(checker)
			}
		}()
		release, err := d.acquire(ctx, cfg)
		if err != nil {
			return
		}
		defer release()
		// The check is this worker's only once leased: another worker may
		// hold it, or have done it already.
		now := d.opt.Clock.Now()
		l, slot, err := d.opt.DB.LeaseCheck(ctx, d.opt.Worker, src.ID, now, d.opt.LeaseTTL)
		if err != nil {
			d.opt.Log.Warn("check not leased", "source", src.ID, "err", err)
			return
		}
		if l == nil {
			d.notLeased(j, slot, now, cfg)
			return
		}
		// The slot after this one follows the slot leased, which another
		// worker may have planned, and the time it is leased, not this
		// worker's plan when the check came due here: a check that waited
		// for its turn would otherwise plan a slot before its own.
		l.Next = next
		if !l.Next.After(l.Slot) {
			l.Next = j.after(l.Slot, now, l.Soon)
		}
		l.HostDelay, l.Now = time.Duration(cfg.Settings.HostDelay), d.opt.Clock.Now
		d.mu.Lock()
		if j.next.Before(l.Next) {
			j.next = l.Next
		}
		d.mu.Unlock()
		r := checker.Check(store.WithLease(ctx, l), src)
		switch {
		case errors.Is(r.Err, store.ErrLeaseLost):
			d.metrics.leaseLost.Inc()
		case r.Kind == tracker.FailCanceled || ctx.Err() != nil:
			// Stopped before its outcome was recorded: due again, for any
			// worker.
			if err := d.opt.DB.ReleaseCheck(context.Background(), l); err != nil {
				d.opt.Log.Warn("check not given back: another worker takes it when its lease expires", "source", src.ID, "err", err)
			}
		default:
			// Recorded with its outcome already, unless the check stopped
			// before recording anything (an invalid rule).
			if err := d.opt.DB.CompleteCheck(ctx, l, r.Outcome); err != nil {
				d.opt.Log.Warn("check not recorded as done", "source", src.ID, "err", err)
			}
		}
		d.metrics.observe(src, r)
		d.alert(ctx, cfg, src.ID)
		d.retryCheck(ctx, j, r)
		d.notifySoon()
	}()
}

// after is the slot that follows a source's check of slot, leased at now:
// the schedule's next after slot (after now when slot was off the
// schedule, soon), or its next after now when the check was so late that
// slot's next has passed: missed slots are not made up one by one.
func (j *job) after(slot, now time.Time, soon bool) time.Time {
	from := slot.Add(-j.jitter)
	if soon {
		from = now
	}
	next := j.sched.Next(from).Add(j.jitter)
	if !next.After(now) {
		next = j.sched.Next(now.Add(-j.jitter)).Add(j.jitter)
	}
	return next
}

// retryCheck brings a failed check's next run forward, backing off, when
// that comes before its next scheduled time: a daily source that failed
// is not left failing for a day. A configuration error waits: only an
// edit fixes it; a stopped check too.
func (d *Daemon) retryCheck(ctx context.Context, j *job, r sources.Result) {
	d.mu.Lock()
	if r.Outcome != sources.Failed {
		j.retries = 0
		d.mu.Unlock()
		return
	}
	if r.Kind == tracker.FailConfig || r.Kind == tracker.FailCanceled {
		d.mu.Unlock()
		return
	}
	j.retries++
	retry := d.opt.Clock.Now().Add(digestRetry(j.retries))
	sooner := retry.Before(j.next)
	if sooner {
		j.resume, j.next = j.next, retry
	}
	d.mu.Unlock()
	if sooner {
		// The slot is the workers' to share: brought forward there, the
		// retry is leased like any check (and its next slot is the one
		// the schedule kept).
		if err := d.opt.DB.RetryCheck(ctx, j.source.ID, retry); err != nil {
			d.opt.Log.Warn("failed check not brought forward: it is retried at its scheduled time", "source", j.source.ID, "err", err)
		}
		d.opt.Log.Info("failed check retried before its schedule", "source", j.source.ID, "at", retry.UTC().Format(time.RFC3339), "retries", j.retries)
		select {
		case d.wake <- struct{}{}:
		default:
		}
	}
}

// done ends a piece of work that dispatch started.
func (d *Daemon) done() {
	d.mu.Lock()
	d.busy--
	d.mu.Unlock()
	d.work.Done()
}

// digestRetry is how long to wait before the n-th retry of a failed
// digest or check: 15 minutes, doubling up to 6 hours.
func digestRetry(n int) time.Duration {
	d := 15 * time.Minute
	for i := 1; i < n && d < 6*time.Hour; i++ {
		d *= 2
	}
	return min(d, 6*time.Hour)
}

// sendDigests sends the digests due (of rs, or of every recipient).
func (d *Daemon) sendDigests(ctx context.Context, rs []*config.Recipient) []digest.Outcome {
	d.digestMu.Lock()
	defer d.digestMu.Unlock()
	d.mu.Lock()
	sender, cfg := d.sender, d.cfg
	d.mu.Unlock()
	if len(cfg.Recipients) == 0 {
		return nil
	}
	outs := sender.SendDue(ctx, rs)
	for _, o := range outs {
		state := o.Digest.State
		if o.Skipped != "" && state == "" {
			continue
		}
		if state == "" {
			state = tracker.DigestFailed
		}
		if o.Skipped == "" || state == tracker.DigestSkipped {
			d.metrics.digests.WithLabelValues(string(state)).Inc()
		}
	}
	return outs
}

// notifySoon has the deliveries job run now: a check may have recorded a
// change that a webhook or an urgent subscriber waits for.
func (d *Daemon) notifySoon() {
	now := d.opt.Clock.Now()
	d.mu.Lock()
	woken := false
	for _, j := range d.jobs {
		if j.notify && j.next.After(now) {
			j.next, woken = now, true
		}
	}
	d.mu.Unlock()
	if woken {
		select {
		case d.wake <- struct{}{}:
		default:
		}
	}
}

// deliver records the deliveries due and attempts them, then plans the
// job's next run: the next retry, or the next digest of a webhook, or
// after the next check. The pass is leased, as a check is: while another
// worker makes one, this worker tries again soon, for a change it
// recorded meanwhile may not be in that pass.
func (d *Daemon) deliver(ctx context.Context, j *job) {
	d.notifyMu.Lock()
	defer d.notifyMu.Unlock()
	d.mu.Lock()
	n := d.notifier
	d.mu.Unlock()
	if n == nil {
		return
	}
	p := n.Pass(ctx)
	if p.Err != nil {
		d.opt.Log.Error("deliveries not recorded", "err", p.Err)
	}
	if p.Busy {
		d.opt.Log.Debug("deliveries: another worker is making its pass")
	}
	for _, o := range p.Outcomes {
		state := o.Delivery.State
		if state == "" || state == tracker.DeliveryPending {
			state = tracker.DeliveryFailed
		}
		d.metrics.deliveries.WithLabelValues(string(state)).Inc()
	}
	now := d.opt.Clock.Now()
	next := now.Add(time.Hour)
	if n.Digests() {
		next = j.sched.Next(now)
	}
	if retry := now.Add(max(d.opt.LeaseTTL/4, time.Second)); p.Busy && retry.Before(next) {
		next = retry
	}
	if at, err := n.NextAttempt(ctx); err != nil {
		d.opt.Log.Error("next delivery unknown: retried in an hour", "err", err)
	} else if !at.IsZero() && at.Before(next) {
		next = at
	}
	if !next.After(now) {
		next = now.Add(time.Second) // claimed by another process: not before its hold
	}
	d.mu.Lock()
	j.next = next
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// alert reports, once, a source failing for longer than the threshold, and
// once again when it recovers.
func (d *Daemon) alert(ctx context.Context, cfg *config.Config, id string) {
	st, err := d.opt.DB.Source(ctx, id)
	if err != nil {
		return
	}
	now := d.opt.Clock.Now()
	after := time.Duration(cfg.Settings.AlertAfter)
	// Claimed first, so that of several workers one reports it.
	switch {
	case st.Error != "" && st.AlertedAt.IsZero() && !st.FailingSince.IsZero() && now.Sub(st.FailingSince) >= after:
		if claimed, err := d.opt.DB.ClaimAlert(ctx, id, true, now); err != nil || !claimed {
			if err != nil {
				d.opt.Log.Warn("alert not recorded", "source", id, "err", err)
			}
			return
		}
		d.opt.Log.Error("source failing", "source", id, "since", st.FailingSince.UTC().Format(time.RFC3339),
			"failures", st.Failures, "kind", st.ErrorKind, "err", st.Error)
		d.metrics.alerts.WithLabelValues("failing").Inc()
	case st.Error == "" && !st.AlertedAt.IsZero():
		if claimed, err := d.opt.DB.ClaimAlert(ctx, id, false, now); err != nil || !claimed {
			if err != nil {
				d.opt.Log.Warn("recovery not recorded", "source", id, "err", err)
			}
			return
		}
		d.opt.Log.Warn("source recovered", "source", id, "alerted", st.AlertedAt.UTC().Format(time.RFC3339))
		d.metrics.alerts.WithLabelValues("recovered").Inc()
	}
}

// acquire takes one of settings.concurrency slots: bounded parallelism,
// while the fetcher keeps one request at a time per host.
func (d *Daemon) acquire(ctx context.Context, cfg *config.Config) (release func(), err error) {
	d.mu.Lock()
	if d.slots == nil || cap(d.slots) != max(cfg.Settings.Concurrency, 1) {
		d.slots = make(chan struct{}, max(cfg.Settings.Concurrency, 1))
	}
	slots, stopping := d.slots, d.stopping
	d.mu.Unlock()
	// Stopping first: a select with a free slot too would pick at random.
	select {
	case <-stopping:
		return nil, errStopping
	default:
	}
	select {
	case slots <- struct{}{}:
		return func() { <-slots }, nil
	case <-stopping:
		return nil, errStopping
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

var errStopping = errors.New("daemon: stopping")

// DefaultWorker names a worker by its machine, its process and when it
// started.
func DefaultWorker(now time.Time) string {
	host, _ := os.Hostname()
	return store.WorkerID(host, os.Getpid(), now)
}

// planChecks records the slots of the sources' jobs in the database, where
// every worker finds them, and takes back those another worker planned
// first: all of them follow one plan.
func (d *Daemon) planChecks(ctx context.Context, cfg *config.Config, now time.Time, jobs []*job) error {
	var plans []store.CheckPlan
	for _, j := range jobs {
		plans = append(plans, store.CheckPlan{SourceID: j.source.ID, Host: hostOf(j.source.URL),
			Plan: cfg.EffectiveSchedule(j.source) + " +" + j.jitter.String(), Due: j.next, Soon: j.soon,
			// Missed while no worker ran: soon after this start, as planned.
			ReplanBefore: now.Add(-time.Minute)})
	}
	stored, err := d.opt.DB.PlanChecks(ctx, plans)
	if err != nil {
		return err
	}
	for _, j := range jobs {
		// Stored to the millisecond: the same slot keeps its precise time.
		if s, ok := stored[j.source.ID]; ok && !s.Due.Equal(j.next.Truncate(time.Millisecond)) {
			j.next, j.soon = s.Due, s.Soon
		}
	}
	return nil
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Host
}

// heartbeat keeps this worker's leases alive until ctx ends, on the wall
// clock: how often is the machine's business, the leases' times are the
// daemon's clock.
func (d *Daemon) heartbeat(ctx context.Context, started time.Time) {
	beat := func() {
		info := store.WorkerInfo{ID: d.opt.Worker, PID: os.Getpid(), StartedAt: started}
		info.Hostname, _ = os.Hostname()
		if err := d.opt.DB.Heartbeat(ctx, info, d.opt.Clock.Now(), d.opt.LeaseTTL); err != nil && ctx.Err() == nil {
			d.opt.Log.Warn("heartbeat not recorded: this worker's leases may go to others", "err", err)
		}
	}
	beat()
	t := time.NewTicker(max(d.opt.LeaseTTL/4, 100*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			beat()
		}
	}
}

// reclaim gives back at once what the workers of this machine that died
// still hold (a daemon killed, then started again): their process is gone,
// so their leases need not wait to expire. A worker whose process id is
// alive is left alone, even if another process took the id.
func (d *Daemon) reclaim(ctx context.Context) {
	host, err := os.Hostname()
	if err != nil {
		return
	}
	ws, err := d.opt.DB.WorkerList(ctx)
	if err != nil {
		d.opt.Log.Warn("workers not listed", "err", err)
		return
	}
	for _, w := range ws {
		if w.ID == d.opt.Worker || w.Hostname != host || !w.StoppedAt.IsZero() || w.PID == os.Getpid() || w.PID <= 0 ||
			syscall.Kill(w.PID, 0) != syscall.ESRCH {
			continue
		}
		if err := d.opt.DB.StopWorker(ctx, w.ID, d.opt.Clock.Now()); err != nil {
			d.opt.Log.Warn("the leases of a dead worker not given back: they expire", "worker", w.ID, "err", err)
			continue
		}
		d.opt.Log.Info("gave back what a dead worker of this machine held", "worker", w.ID, "checks", w.Leases)
	}
}

// notLeased follows the database when a due check was not leased: done
// by another worker already (its next slot is the one to wait for), held
// by another worker (tried again when its lease expires: if that worker
// died, this one checks the slot), or on a host whose turn another worker
// holds (tried again once its pause is over).
func (d *Daemon) notLeased(j *job, slot store.CheckSlot, now time.Time, cfg *config.Config) {
	retry := now.Add(max(time.Duration(cfg.Settings.HostDelay), time.Second))
	d.mu.Lock()
	switch {
	case slot.Worker != "" && slot.Worker != d.opt.Worker && slot.LeaseUntil.After(now):
		d.metrics.leasedElsewhere.Inc()
		retry = slot.LeaseUntil.Add(time.Millisecond)
	case slot.Due.After(now):
		j.next, retry = slot.Due, time.Time{}
	}
	if !retry.IsZero() && retry.Before(j.next) {
		j.next = retry
	}
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}
