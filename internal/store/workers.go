package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"tracker"
)

// Workers is what the daemons sharing a database agree through: each due
// check leased to one of them, each host's turn, named leases (a digest
// sent by one worker), and who checked what, when.
type Workers interface {
	// Heartbeat records that worker w is alive at now and renews its leases
	// and host turns until now+ttl.
	Heartbeat(ctx context.Context, w WorkerInfo, now time.Time, ttl time.Duration) error
	// StopWorker gives back what a stopping worker still holds.
	StopWorker(ctx context.Context, id string, now time.Time) error
	// PlanChecks makes plans the declared checks: a source without a slot,
	// or whose plan changed, gets the plan's due time; one no longer
	// planned loses its slot. It returns the slots as stored, by source:
	// another worker may have planned them first.
	PlanChecks(ctx context.Context, plans []CheckPlan) (map[string]CheckSlot, error)
	// LeaseCheck leases the check of one source, when it is due at now and
	// free, as LeaseChecks does; otherwise it returns nil and the slot.
	LeaseCheck(ctx context.Context, worker, sourceID string, now time.Time, ttl time.Duration) (*Lease, CheckSlot, error)
	// NextDue is the earliest slot not leased (the zero time when none).
	NextDue(ctx context.Context) (time.Time, error)
	// LeaseChecks leases up to n checks due at now to worker, for ttl:
	// none whose lease is live, and none on a host whose turn another
	// worker holds.
	LeaseChecks(ctx context.Context, worker string, now time.Time, n int, ttl time.Duration) ([]*Lease, error)
	// CompleteCheck records a leased check that recorded no outcome of its
	// own (see WithLease); it does nothing when the check was recorded.
	CompleteCheck(ctx context.Context, l *Lease, outcome tracker.Outcome) error
	// ReleaseCheck gives a leased check back unchecked: it is due again.
	ReleaseCheck(ctx context.Context, l *Lease) error
	// RetryCheck brings a source's next check forward to at, when no
	// worker holds it and it is due later: a failed check tried again
	// before its schedule.
	RetryCheck(ctx context.Context, sourceID string, at time.Time) error
	// ClaimLease takes the named lease for worker until now+ttl: false
	// when another worker holds it.
	ClaimLease(ctx context.Context, name, worker string, now time.Time, ttl time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, name, worker string) error
	// ClaimAlert records, once among every worker, that a source's failure
	// is reported (failing) or its recovery (not failing): false when it
	// was already.
	ClaimAlert(ctx context.Context, id string, failing bool, at time.Time) (bool, error)
	// WorkerList lists the workers, the most recently seen first.
	WorkerList(ctx context.Context) ([]WorkerInfo, error)
	// Checks lists the checks done, the latest first (source "" for all).
	Checks(ctx context.Context, source string, limit int) ([]CheckRecord, error)
}

// WorkerInfo is a worker as its heartbeats describe it.
type WorkerInfo struct {
	ID        string
	Hostname  string
	PID       int
	StartedAt time.Time
	SeenAt    time.Time
	StoppedAt time.Time
	// Leases counts the checks it holds now, Checks those it did.
	Leases int
	Checks int
}

// CheckPlan is when a source is due, planned from its schedule.
type CheckPlan struct {
	SourceID string
	Host     string
	// Plan names the schedule and jitter Due was planned with: a slot
	// planned otherwise is planned again.
	Plan string
	Due  time.Time
	Soon bool
	// ReplanBefore, when set, replaces a stored slot due before it that no
	// worker holds: a check missed while no worker ran is planned afresh.
	ReplanBefore time.Time
}

// CheckSlot is a source's next check as stored: when it is due, and who
// holds its lease until when (Worker "" when none does).
type CheckSlot struct {
	Due        time.Time
	Soon       bool
	Worker     string
	LeaseUntil time.Time
}

// Lease is a due check leased to a worker.
type Lease struct {
	SourceID string
	Host     string
	Slot     time.Time
	Soon     bool
	Worker   string
	Token    string
	Started  time.Time
	// Next is the slot that follows, and HostDelay the pause owed to the
	// host after the check: the worker sets them once leased.
	Next      time.Time
	HostDelay time.Duration
	// Now is the worker's clock.
	Now func() time.Time
}

// CheckRecord is a check done.
type CheckRecord struct {
	SourceID   string
	Slot       time.Time
	NextSlot   time.Time
	Worker     string
	StartedAt  time.Time
	FinishedAt time.Time
	Outcome    tracker.Outcome
}

// ErrLeaseLost is a check's outcome refused because its lease expired and
// went to another worker, who checks the slot again.
var ErrLeaseLost = errors.New("store: the check's lease expired and went to another worker")

type leaseKey struct{}

// WithLease returns a context whose write of a check's outcome (a new
// version fetched, a confirmation, a failure, a feed fetch) also records
// the leased check as done, in the same transaction: a check is recorded
// once, or not at all.
func WithLease(ctx context.Context, l *Lease) context.Context {
	return context.WithValue(ctx, leaseKey{}, l)
}

func leaseOf(ctx context.Context, sourceID string) *Lease {
	l, _ := ctx.Value(leaseKey{}).(*Lease)
	if l == nil || l.SourceID != sourceID {
		return nil
	}
	return l
}

func (l *Lease) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// completeCheck ends lease l with its outcome in transaction tx. ok is
// false when the lease is no longer l's (lost, or completed already).
func completeCheck(ctx context.Context, tx *txn, l *Lease, outcome tracker.Outcome) (ok bool, err error) {
	now := l.now()
	next := l.Next
	if next.IsZero() {
		next = now
	}
	res, err := tx.ExecContext(ctx, `UPDATE check_slots SET due_at = ?, soon = FALSE, worker = NULL, token = NULL, lease_until = NULL
		WHERE source_id = ? AND token = ?`, fmtTime(next), l.SourceID, l.Token)
	if err != nil {
		return false, fmt.Errorf("store: complete the check of %s: %w", l.SourceID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO checks(source_id, slot, next_slot, worker, started_at, finished_at, outcome)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, l.SourceID, fmtTime(l.Slot), fmtTime(next), l.Worker, fmtTime(l.Started), fmtTime(now), outcome); err != nil {
		return false, fmt.Errorf("store: record the check of %s: %w", l.SourceID, err)
	}
	// The host's turn ends host_delay after the worker's last check there.
	if _, err := tx.ExecContext(ctx, `UPDATE host_turns SET until = ? WHERE host = ? AND worker = ?
		AND NOT EXISTS (SELECT 1 FROM check_slots WHERE host = ? AND worker = ? AND token IS NOT NULL)`,
		fmtTime(now.Add(l.HostDelay)), l.Host, l.Worker, l.Host, l.Worker); err != nil {
		return false, fmt.Errorf("store: end the turn of %s: %w", l.Host, err)
	}
	return true, nil
}

// recordLeased records the check leased in ctx, if any, as done with
// outcome; the write fails with ErrLeaseLost when the lease went to
// another worker.
func recordLeased(ctx context.Context, tx *txn, sourceID string, outcome tracker.Outcome) error {
	l := leaseOf(ctx, sourceID)
	if l == nil {
		return nil
	}
	ok, err := completeCheck(ctx, tx, l, outcome)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w (check of %s due %s)", ErrLeaseLost, sourceID, fmtTime(l.Slot))
	}
	return nil
}

// Heartbeat implements Workers.
func (db *DB) Heartbeat(ctx context.Context, w WorkerInfo, now time.Time, ttl time.Duration) error {
	until := fmtTime(now.Add(ttl))
	return db.write(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO workers(id, hostname, pid, started_at, seen_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at, stopped_at = NULL`,
			w.ID, w.Hostname, w.PID, fmtTime(w.StartedAt), fmtTime(now)); err != nil {
			return fmt.Errorf("store: heartbeat of %s: %w", w.ID, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE check_slots SET lease_until = ? WHERE worker = ? AND token IS NOT NULL`, until, w.ID); err != nil {
			return fmt.Errorf("store: renew the leases of %s: %w", w.ID, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE host_turns SET until = ? WHERE worker = ? AND until < ?
			AND EXISTS (SELECT 1 FROM check_slots c WHERE c.host = host_turns.host AND c.worker = ? AND c.token IS NOT NULL)`,
			until, w.ID, until, w.ID); err != nil {
			return fmt.Errorf("store: renew the host turns of %s: %w", w.ID, err)
		}
		_, err := tx.ExecContext(ctx, `UPDATE leases SET until = ? WHERE worker = ?`, until, w.ID)
		return err
	})
}

// StopWorker implements Workers.
func (db *DB) StopWorker(ctx context.Context, id string, now time.Time) error {
	return db.write(ctx, func(tx *txn) error {
		for _, q := range []string{
			`UPDATE check_slots SET worker = NULL, token = NULL, lease_until = NULL WHERE worker = ?`,
			`DELETE FROM host_turns WHERE worker = ?`,
			`DELETE FROM leases WHERE worker = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return fmt.Errorf("store: stop worker %s: %w", id, err)
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE workers SET stopped_at = ?, seen_at = ? WHERE id = ?`, fmtTime(now), fmtTime(now), id)
		return err
	})
}

// PlanChecks implements Workers.
func (db *DB) PlanChecks(ctx context.Context, plans []CheckPlan) (map[string]CheckSlot, error) {
	stored := map[string]CheckSlot{}
	err := db.write(ctx, func(tx *txn) error {
		keep := map[string]bool{}
		for _, p := range plans {
			keep[p.SourceID] = true
			if _, err := tx.ExecContext(ctx, `INSERT INTO check_slots(source_id, host, plan, due_at, soon) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (source_id) DO UPDATE SET host = excluded.host, plan = excluded.plan, due_at = excluded.due_at, soon = excluded.soon
				WHERE check_slots.plan != excluded.plan OR check_slots.token IS NULL AND check_slots.due_at < ?`,
				p.SourceID, p.Host, p.Plan, fmtTime(p.Due), p.Soon, fmtTime(p.ReplanBefore)); err != nil {
				return fmt.Errorf("store: plan the checks of %s: %w", p.SourceID, err)
			}
		}
		rows, err := tx.QueryContext(ctx, `SELECT source_id, `+slotColumns+` FROM check_slots`)
		type row struct {
			id   string
			slot CheckSlot
		}
		all, err := collect(rows, err, "planned checks", func(r scanner) (row, error) {
			var x row
			s, err := scanSlot(r, &x.id)
			x.slot = s
			return x, err
		})
		if err != nil {
			return err
		}
		for _, x := range all {
			if !keep[x.id] {
				if _, err := tx.ExecContext(ctx, `DELETE FROM check_slots WHERE source_id = ?`, x.id); err != nil {
					return fmt.Errorf("store: unplan %s: %w", x.id, err)
				}
				continue
			}
			stored[x.id] = x.slot
		}
		return nil
	})
	return stored, err
}

const slotColumns = `due_at, soon, coalesce(worker, ''), lease_until`

func scanSlot(r scanner, dest ...any) (CheckSlot, error) {
	var s CheckSlot
	var due string
	var until sql.NullString
	err := r.Scan(append(dest, &due, &s.Soon, &s.Worker, &until)...)
	s.Due, s.LeaseUntil = parseTime(due), parseNullTime(until)
	return s, err
}

// LeaseCheck implements Workers.
func (db *DB) LeaseCheck(ctx context.Context, worker, sourceID string, now time.Time, ttl time.Duration) (*Lease, CheckSlot, error) {
	ls, err := db.leaseChecks(ctx, worker, sourceID, now, 1, ttl)
	if err != nil || len(ls) == 1 {
		if err == nil {
			return ls[0], CheckSlot{Due: ls[0].Slot, Soon: ls[0].Soon, Worker: worker}, nil
		}
		return nil, CheckSlot{}, err
	}
	slot, err := scanSlot(db.rd.QueryRowContext(ctx, `SELECT `+slotColumns+` FROM check_slots WHERE source_id = ?`, sourceID))
	if err != nil {
		return nil, slot, notFound(err, "store: the check of "+sourceID)
	}
	return nil, slot, nil
}

// NextDue implements Workers.
func (db *DB) NextDue(ctx context.Context) (time.Time, error) {
	var t sql.NullString
	if err := db.rd.QueryRowContext(ctx, `SELECT min(due_at) FROM check_slots WHERE token IS NULL`).Scan(&t); err != nil {
		return time.Time{}, fmt.Errorf("store: next check: %w", err)
	}
	return parseNullTime(t), nil
}

func newToken() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// LeaseChecks implements Workers. PostgreSQL skips the slots another
// worker is leasing at the same moment (FOR UPDATE SKIP LOCKED); SQLite's
// one writer does the same by taking turns.
func (db *DB) LeaseChecks(ctx context.Context, worker string, now time.Time, n int, ttl time.Duration) ([]*Lease, error) {
	return db.leaseChecks(ctx, worker, "", now, n, ttl)
}

// leaseChecks leases up to n due checks, of one source when sourceID is
// given.
func (db *DB) leaseChecks(ctx context.Context, worker, sourceID string, now time.Time, n int, ttl time.Duration) ([]*Lease, error) {
	if n <= 0 {
		return nil, nil
	}
	var out []*Lease
	at, until := fmtTime(now), fmtTime(now.Add(ttl))
	err := db.write(ctx, func(tx *txn) error {
		out = nil
		q := `SELECT source_id, host, due_at, soon FROM check_slots c
			WHERE due_at <= ? AND (token IS NULL OR lease_until < ?)
			AND NOT EXISTS (SELECT 1 FROM host_turns h WHERE h.host = c.host AND h.worker != ? AND h.until >= ?)
			AND (source_id = ? OR ? = '')
			ORDER BY due_at, source_id LIMIT ?`
		if db.pg != nil {
			q += ` FOR UPDATE SKIP LOCKED`
		}
		rows, err := db.txQuery(ctx, tx, q, at, at, worker, at, sourceID, sourceID, n)
		cands, err := collect(rows, err, "due checks", func(r scanner) (*Lease, error) {
			var l Lease
			var due string
			err := r.Scan(&l.SourceID, &l.Host, &due, &l.Soon)
			l.Slot = parseTime(due)
			return &l, err
		})
		if err != nil {
			return err
		}
		turns := map[string]bool{}
		for _, l := range cands {
			got, ok := turns[l.Host]
			if !ok {
				var h string
				err := tx.QueryRowContext(ctx, `INSERT INTO host_turns(host, worker, until) VALUES (?, ?, ?)
					ON CONFLICT (host) DO UPDATE SET worker = excluded.worker, until = excluded.until
					WHERE host_turns.worker = excluded.worker OR host_turns.until < ?
					RETURNING host`, l.Host, worker, until, at).Scan(&h)
				if err != nil && !errors.Is(err, sql.ErrNoRows) {
					return fmt.Errorf("store: take the turn of %s: %w", l.Host, err)
				}
				got = err == nil
				turns[l.Host] = got
			}
			if !got {
				continue // another worker took the host meanwhile
			}
			l.Worker, l.Token, l.Started = worker, newToken(), now
			if _, err := tx.ExecContext(ctx, `UPDATE check_slots SET worker = ?, token = ?, lease_until = ? WHERE source_id = ?`,
				worker, l.Token, until, l.SourceID); err != nil {
				return fmt.Errorf("store: lease the check of %s: %w", l.SourceID, err)
			}
			out = append(out, l)
		}
		return nil
	})
	return out, err
}

// CompleteCheck implements Workers.
func (db *DB) CompleteCheck(ctx context.Context, l *Lease, outcome tracker.Outcome) error {
	return db.write(ctx, func(tx *txn) error {
		_, err := completeCheck(ctx, tx, l, outcome)
		return err
	})
}

// ReleaseCheck implements Workers.
func (db *DB) ReleaseCheck(ctx context.Context, l *Lease) error {
	return db.write(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `UPDATE check_slots SET worker = NULL, token = NULL, lease_until = NULL
			WHERE source_id = ? AND token = ?`, l.SourceID, l.Token); err != nil {
			return fmt.Errorf("store: release the check of %s: %w", l.SourceID, err)
		}
		_, err := tx.ExecContext(ctx, `UPDATE host_turns SET until = ? WHERE host = ? AND worker = ?
			AND NOT EXISTS (SELECT 1 FROM check_slots WHERE host = ? AND worker = ? AND token IS NOT NULL)`,
			fmtTime(l.now()), l.Host, l.Worker, l.Host, l.Worker)
		return err
	})
}

// RetryCheck implements Workers.
func (db *DB) RetryCheck(ctx context.Context, sourceID string, at time.Time) error {
	return db.write(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `UPDATE check_slots SET due_at = ? WHERE source_id = ? AND token IS NULL AND due_at > ?`,
			fmtTime(at), sourceID, fmtTime(at))
		if err != nil {
			return fmt.Errorf("store: bring the check of %s forward: %w", sourceID, err)
		}
		return nil
	})
}

// ClaimLease implements Workers.
func (db *DB) ClaimLease(ctx context.Context, name, worker string, now time.Time, ttl time.Duration) (bool, error) {
	got := false
	err := db.write(ctx, func(tx *txn) error {
		var n string
		err := tx.QueryRowContext(ctx, `INSERT INTO leases(name, worker, until) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET worker = excluded.worker, until = excluded.until
			WHERE leases.worker = excluded.worker OR leases.until < ?
			RETURNING name`, name, worker, fmtTime(now.Add(ttl)), fmtTime(now)).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		got = err == nil
		return err
	})
	if err != nil {
		return false, fmt.Errorf("store: lease %s: %w", name, err)
	}
	return got, nil
}

// ReleaseLease implements Workers.
func (db *DB) ReleaseLease(ctx context.Context, name, worker string) error {
	return db.write(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM leases WHERE name = ? AND worker = ?`, name, worker)
		return err
	})
}

// ClaimAlert implements Workers.
func (db *DB) ClaimAlert(ctx context.Context, id string, failing bool, at time.Time) (bool, error) {
	q := `UPDATE sources SET alerted_at = ? WHERE id = ? AND alerted_at IS NULL AND error != ''`
	args := []any{fmtTime(at), id}
	if !failing {
		q, args = `UPDATE sources SET alerted_at = NULL WHERE id = ? AND alerted_at IS NOT NULL AND error = ''`, []any{id}
	}
	claimed := false
	err := db.write(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("store: alert of %s: %w", id, err)
		}
		n, _ := res.RowsAffected()
		claimed = n > 0
		return nil
	})
	return claimed, err
}

// WorkerList implements Workers.
func (db *DB) WorkerList(ctx context.Context) ([]WorkerInfo, error) {
	rows, err := db.rd.QueryContext(ctx, `SELECT w.id, w.hostname, w.pid, w.started_at, w.seen_at, w.stopped_at,
		(SELECT count(*) FROM check_slots c WHERE c.worker = w.id AND c.token IS NOT NULL),
		(SELECT count(*) FROM checks c WHERE c.worker = w.id)
		FROM workers w ORDER BY w.seen_at DESC, w.id`)
	return collect(rows, err, "workers", func(r scanner) (WorkerInfo, error) {
		var w WorkerInfo
		var started, seen string
		var stopped sql.NullString
		err := r.Scan(&w.ID, &w.Hostname, &w.PID, &started, &seen, &stopped, &w.Leases, &w.Checks)
		w.StartedAt, w.SeenAt, w.StoppedAt = parseTime(started), parseTime(seen), parseNullTime(stopped)
		return w, err
	})
}

// Checks implements Workers.
func (db *DB) Checks(ctx context.Context, source string, limit int) ([]CheckRecord, error) {
	q := `SELECT source_id, slot, next_slot, worker, started_at, finished_at, outcome FROM checks`
	var args []any
	if source != "" {
		q += ` WHERE source_id = ?`
		args = append(args, source)
	}
	q += ` ORDER BY finished_at DESC, source_id`
	if limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, limit)
	}
	rows, err := db.query(ctx, q, args...)
	return collect(rows, err, "checks", func(r scanner) (CheckRecord, error) {
		var c CheckRecord
		var slot, next, started, finished string
		err := r.Scan(&c.SourceID, &slot, &next, &c.Worker, &started, &finished, &c.Outcome)
		c.Slot, c.NextSlot, c.StartedAt, c.FinishedAt = parseTime(slot), parseTime(next), parseTime(started), parseTime(finished)
		return c, err
	})
}

// WorkerID names a worker: its machine, its process and when it started.
func WorkerID(hostname string, pid int, started time.Time) string {
	return strings.Join([]string{hostname, fmt.Sprint(pid), started.UTC().Format("20060102T150405.000")}, ":")
}
