package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"tracker"
)

const deliveryColumns = `id, target, channel, kind, key, subject, window_start, window_end, state, attempts, doubtful, last_error,
	status, created_at, next_attempt, sent_at`

func scanDelivery(r scanner) (tracker.Delivery, error) {
	var (
		d                  tracker.Delivery
		created, next      string
		start, end, sentAt sql.NullString
	)
	err := r.Scan(&d.ID, &d.Target, &d.Channel, &d.Kind, &d.Key, &d.Subject, &start, &end, &d.State, &d.Attempts, &d.Doubtful, &d.LastError,
		&d.Status, &created, &next, &sentAt)
	d.WindowStart, d.WindowEnd, d.SentAt = parseNullTime(start), parseNullTime(end), parseNullTime(sentAt)
	d.CreatedAt, d.NextAttempt = parseTime(created), parseTime(next)
	return d, err
}

// CreateDelivery records a delivery as pending, due at once, before any
// attempt. created is false when the target already has one with that key
// (recorded meanwhile by another worker, perhaps): d is then the recorded
// one, whatever its state.
func (db *DB) CreateDelivery(ctx context.Context, d tracker.Delivery) (_ tracker.Delivery, created bool, err error) {
	err = db.write(ctx, func(tx *txn) error {
		d.State, d.NextAttempt = tracker.DeliveryPending, d.CreatedAt
		err := tx.QueryRowContext(ctx, `INSERT INTO deliveries(target, channel, kind, key, subject, body, window_start,
			window_end, state, created_at, next_attempt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (target, key) DO NOTHING RETURNING id`,
			d.Target, d.Channel, d.Kind, d.Key, d.Subject, d.Body, nullTime(d.WindowStart), nullTime(d.WindowEnd), d.State,
			fmtTime(d.CreatedAt), fmtTime(d.NextAttempt)).Scan(&d.ID)
		switch {
		case err == nil:
			created = true
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("store: record delivery %s to %s: %w", d.Key, d.Target, err)
		}
		d, err = scanDelivery(tx.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE target = ? AND key = ?`, d.Target, d.Key))
		return err
	})
	return d, created, err
}

// Delivery returns a delivery by its number, without its body.
func (db *DB) Delivery(ctx context.Context, id int64) (tracker.Delivery, error) {
	d, err := scanDelivery(db.rd.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE id = ?`, id))
	if err != nil {
		return d, notFound(err, fmt.Sprintf("store: delivery %d", id))
	}
	return d, nil
}

// HasDelivery says whether target has a delivery with key.
func (db *DB) HasDelivery(ctx context.Context, target, key string) (bool, error) {
	var n int
	err := db.rd.QueryRowContext(ctx, `SELECT count(*) FROM deliveries WHERE target = ? AND key = ?`, target, key).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: deliveries of %s: %w", target, err)
	}
	return n > 0, nil
}

// DeliveryBody loads the body of a delivery.
func (db *DB) DeliveryBody(ctx context.Context, d *tracker.Delivery) error {
	if err := db.rd.QueryRowContext(ctx, `SELECT body FROM deliveries WHERE id = ?`, d.ID).Scan(&d.Body); err != nil {
		return notFound(err, fmt.Sprintf("store: delivery %d", d.ID))
	}
	return nil
}

// DueDeliveries lists the pending, failed and uncertain deliveries whose
// next attempt is at or before now, the oldest first.
func (db *DB) DueDeliveries(ctx context.Context, now time.Time) ([]tracker.Delivery, error) {
	rows, err := db.rd.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries
		WHERE state IN ('pending', 'failed', 'uncertain') AND next_attempt <= ? ORDER BY id`, fmtTime(now))
	return collect(rows, err, "due deliveries", scanDelivery)
}

// NextDeliveryAttempt is the earliest next attempt of the deliveries not
// settled, or the end of the lease of one being sent (zero when there is
// none).
func (db *DB) NextDeliveryAttempt(ctx context.Context) (time.Time, error) {
	var next sql.NullString
	err := db.rd.QueryRowContext(ctx, `SELECT min(next_attempt) FROM deliveries
		WHERE state IN ('pending', 'failed', 'uncertain', 'sending')`).Scan(&next)
	if err != nil {
		return time.Time{}, fmt.Errorf("store: next delivery: %w", err)
	}
	return parseNullTime(next), nil
}

// DeliveryAttempt is the outcome of one attempt of a delivery.
type DeliveryAttempt struct {
	State  tracker.DeliveryState
	Error  string
	Status int
	At     time.Time
	// Next is when a failed delivery is tried again.
	Next time.Time
}

// RecordDeliveryAttempt records how an attempt ended, as
// RecordDigestAttempt does for digests: a delivery already sent stays
// sent; one the target may have (an earlier attempt was doubtful) is
// uncertain, not failed, when an attempt fails; an uncertain attempt
// counts as doubtful.
func (db *DB) RecordDeliveryAttempt(ctx context.Context, id int64, a DeliveryAttempt) error {
	return db.write(ctx, func(tx *txn) error {
		next := a.Next
		if next.IsZero() {
			next = a.At
		}
		doubt := 0
		if a.State == tracker.DeliveryUncertain {
			doubt = 1
		}
		var sent any
		if a.State == tracker.DeliverySent || a.State == tracker.DeliveryUncertain {
			sent = fmtTime(a.At)
		}
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET
			state = CASE WHEN state = 'sent' THEN 'sent' WHEN ?1 = 'failed' AND doubtful > 0 THEN 'uncertain' ELSE ?1 END,
			attempts = attempts + 1, doubtful = doubtful + ?2, last_error = ?3, status = ?4, next_attempt = ?5,
			sent_at = coalesce(sent_at, ?6) WHERE id = ?7`,
			a.State, doubt, a.Error, a.Status, fmtTime(next), sent, id)
		if err != nil {
			return fmt.Errorf("store: record delivery %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("store: delivery %d: %w", id, ErrNotFound)
		}
		return nil
	})
}

// LastDigestDelivery is the digest delivery of target with the latest
// window (ErrNotFound: none yet). Every digest has a window; the test for
// one keeps PostgreSQL, which sorts NULL first when descending, from
// reading another.
func (db *DB) LastDigestDelivery(ctx context.Context, target string) (tracker.Delivery, error) {
	d, err := scanDelivery(db.rd.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries
		WHERE target = ? AND kind = 'digest' AND window_end IS NOT NULL ORDER BY window_end DESC LIMIT 1`, target))
	if err != nil {
		return d, notFound(err, "store: last digest delivery of "+target)
	}
	return d, nil
}

// DeliveryFilter narrows `tracker deliveries`.
type DeliveryFilter struct {
	// Target is a target ("webhook:NAME"), or a webhook's name or an
	// address alone; "" lists all.
	Target string
	States []tracker.DeliveryState
	Limit  int
}

// Deliveries lists deliveries, the most recent first.
func (db *DB) Deliveries(ctx context.Context, f DeliveryFilter) ([]tracker.Delivery, error) {
	q := `SELECT ` + deliveryColumns + ` FROM deliveries WHERE 1 = 1`
	var args []any
	if f.Target != "" {
		q += ` AND target IN (?, ?, ?)`
		args = append(args, f.Target, "webhook:"+f.Target, "mail:"+f.Target)
	}
	if len(f.States) > 0 {
		q += ` AND state IN (?` + strings.Repeat(`, ?`, len(f.States)-1) + `)`
		for _, s := range f.States {
			args = append(args, s)
		}
	}
	q += ` ORDER BY id DESC`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	rows, err := db.query(ctx, q, args...)
	return collect(rows, err, "list deliveries", scanDelivery)
}

// EnrollTargets records the delivery targets tracker has not seen before
// as enrolled at t.
func (db *DB) EnrollTargets(ctx context.Context, targets []string, t time.Time) error {
	return db.write(ctx, func(tx *txn) error {
		for _, target := range targets {
			if _, err := tx.ExecContext(ctx, `INSERT INTO delivery_targets(target, enrolled_at) VALUES (?, ?) ON CONFLICT (target) DO NOTHING`, target, fmtTime(t)); err != nil {
				return fmt.Errorf("store: enroll %s: %w", target, err)
			}
		}
		return nil
	})
}

// TargetEnrolled returns when a delivery target was enrolled, and until
// when its changes were read (zero: not yet); ErrNotFound: never enrolled.
func (db *DB) TargetEnrolled(ctx context.Context, target string) (enrolled, covered time.Time, err error) {
	var e string
	var c sql.NullString
	if err := db.rd.QueryRowContext(ctx, `SELECT enrolled_at, covered_until FROM delivery_targets WHERE target = ?`, target).Scan(&e, &c); err != nil {
		return time.Time{}, time.Time{}, notFound(err, "store: delivery target "+target)
	}
	return parseTime(e), parseNullTime(c), nil
}

// SetTargetCovered records that the changes of target were read until t.
func (db *DB) SetTargetCovered(ctx context.Context, target string, t time.Time) error {
	return db.write(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `UPDATE delivery_targets SET covered_until = ? WHERE target = ?`, fmtTime(t), target)
		if err != nil {
			return fmt.Errorf("store: delivery target %s: %w", target, err)
		}
		return nil
	})
}

// ClaimDelivery takes a due delivery for one attempt, before it is made:
// it is sending until the attempt is recorded, and if that never happens
// (tracker stopped), InterruptedDeliveries finds it after until. claimed is
// false when another process took it first, or it is no longer due.
func (db *DB) ClaimDelivery(ctx context.Context, id int64, now, until time.Time) (claimed bool, err error) {
	err = db.write(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = 'sending', next_attempt = ?
			WHERE id = ? AND state IN ('pending', 'failed', 'uncertain') AND next_attempt <= ?`, fmtTime(until), id, fmtTime(now))
		if err != nil {
			return fmt.Errorf("store: claim delivery %d: %w", id, err)
		}
		n, _ := res.RowsAffected()
		claimed = n == 1
		return nil
	})
	return claimed, err
}

// InterruptedDeliveries records the deliveries left sending past their
// lease (the tracker that claimed them stopped before the outcome was
// recorded) as uncertain, due at now: the target may have them, so they
// are sent again and counted as doubtful. It returns how many there were.
func (db *DB) InterruptedDeliveries(ctx context.Context, now time.Time, reason string) (n int, err error) {
	err = db.write(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = 'uncertain', attempts = attempts + 1, doubtful = doubtful + 1,
			last_error = ?, next_attempt = ? WHERE state = 'sending' AND next_attempt <= ?`, reason, fmtTime(now), fmtTime(now))
		if err != nil {
			return fmt.Errorf("store: interrupted deliveries: %w", err)
		}
		k, _ := res.RowsAffected()
		n = int(k)
		return nil
	})
	return n, err
}
