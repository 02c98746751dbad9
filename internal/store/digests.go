package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"tracker"
)

const digestColumns = `id, recipient, window_start, window_end, message_id, subject, state, attempts, doubtful, last_error,
	created_at, sent_at, transport, delivered_to, changes, items, superseded_by`

func scanDigest(r scanner) (tracker.Digest, error) {
	var (
		d                   tracker.Digest
		start, end, created string
		sent                sql.NullString
		superseded          sql.NullInt64
	)
	err := r.Scan(&d.ID, &d.Recipient, &start, &end, &d.MessageID, &d.Subject, &d.State, &d.Attempts, &d.Doubtful, &d.LastError,
		&created, &sent, &d.Transport, &d.DeliveredTo, &d.Changes, &d.Items, &superseded)
	d.WindowStart, d.WindowEnd, d.CreatedAt, d.SentAt = parseTime(start), parseTime(end), parseTime(created), parseNullTime(sent)
	d.SupersededBy = superseded.Int64
	return d, err
}

// LastSentDigest returns the latest digest sent to a recipient, or being
// sent until it is (ErrNotFound when none was).
func (db *DB) LastSentDigest(ctx context.Context, recipient string) (tracker.Digest, error) {
	d, err := scanDigest(db.rd.QueryRowContext(ctx, `SELECT `+digestColumns+` FROM digests
		WHERE recipient = ? AND state IN ('sent', 'sending', 'uncertain', 'skipped') ORDER BY window_end DESC LIMIT 1`, recipient))
	if err != nil {
		return d, notFound(err, "store: last digest of "+recipient)
	}
	return d, nil
}

// EarliestUndelivered is the start of the earliest window of a recipient's
// digests that failed or are pending and were not superseded (zero when
// there is none).
func (db *DB) EarliestUndelivered(ctx context.Context, recipient string) (time.Time, error) {
	var start sql.NullString
	err := db.rd.QueryRowContext(ctx, `SELECT min(window_start) FROM digests
		WHERE recipient = ? AND state IN ('failed', 'pending')`, recipient).Scan(&start)
	if err != nil {
		return time.Time{}, fmt.Errorf("store: digests of %s: %w", recipient, err)
	}
	return parseNullTime(start), nil
}

// DigestByMessageID returns the digest with that Message-ID.
func (db *DB) DigestByMessageID(ctx context.Context, id string) (tracker.Digest, error) {
	d, err := scanDigest(db.rd.QueryRowContext(ctx, `SELECT `+digestColumns+` FROM digests WHERE message_id = ?`, id))
	if err != nil {
		return d, notFound(err, "store: digest "+id)
	}
	return d, nil
}

// DigestByID returns a digest by its number, as `tracker digests` lists it.
func (db *DB) DigestByID(ctx context.Context, id int64) (tracker.Digest, error) {
	d, err := scanDigest(db.rd.QueryRowContext(ctx, `SELECT `+digestColumns+` FROM digests WHERE id = ?`, id))
	if err != nil {
		return d, notFound(err, fmt.Sprintf("store: digest %d", id))
	}
	return d, nil
}

// CreateDigest records a rendered digest as pending, before any attempt to
// send it, and marks the recipient's failed digests as superseded by it: its
// window covers theirs.
func (db *DB) CreateDigest(ctx context.Context, d tracker.Digest) (tracker.Digest, error) {
	err := db.write(ctx, func(tx *txn) error {
		textID, err := db.putBlob(ctx, tx, []byte(d.Text))
		if err != nil {
			return err
		}
		htmlID, err := db.putBlob(ctx, tx, []byte(d.HTML), textID)
		if err != nil {
			return err
		}
		d.State = tracker.DigestPending
		err = tx.QueryRowContext(ctx, `INSERT INTO digests(recipient, window_start, window_end, message_id, subject, state,
			created_at, changes, items, text_blob, html_blob) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			d.Recipient, fmtTime(d.WindowStart), fmtTime(d.WindowEnd), d.MessageID, d.Subject, d.State,
			fmtTime(d.CreatedAt), d.Changes, d.Items, textID, htmlID).Scan(&d.ID)
		if err != nil {
			return fmt.Errorf("store: record digest for %s: %w", d.Recipient, err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE digests SET state = 'superseded', superseded_by = ?
			WHERE recipient = ? AND state IN ('failed', 'pending') AND id != ? AND window_start >= ?`,
			d.ID, d.Recipient, d.ID, fmtTime(d.WindowStart))
		return err
	})
	return d, err
}

// DigestBodies loads the rendered text and HTML of a digest, found by its
// ID.
func (db *DB) DigestBodies(ctx context.Context, d *tracker.Digest) error {
	var textID, htmlID int64
	err := db.rd.QueryRowContext(ctx, `SELECT text_blob, html_blob FROM digests WHERE id = ?`, d.ID).Scan(&textID, &htmlID)
	if err != nil {
		return notFound(err, fmt.Sprintf("store: digest %d", d.ID))
	}
	t, err := db.readBlob(ctx, db.rd, textID)
	if err != nil {
		return err
	}
	h, err := db.readBlob(ctx, db.rd, htmlID)
	if err != nil {
		return err
	}
	d.Text, d.HTML = string(t), string(h)
	return nil
}

// InDoubt lists a recipient's digests whose delivery is in doubt, oldest
// first: uncertain, or left sending by a process that stopped (the caller
// holds the digests lock, so none is being sent).
func (db *DB) InDoubt(ctx context.Context, recipient string) ([]tracker.Digest, error) {
	rows, err := db.rd.QueryContext(ctx, `SELECT `+digestColumns+` FROM digests
		WHERE recipient = ? AND state IN ('uncertain', 'sending') ORDER BY id`, recipient)
	return collect(rows, err, "digests in doubt of "+recipient, scanDigest)
}

// Doubtful lists a recipient's digests that may have arrived more than
// once, or not yet, for the digest that closes its window at end: those
// still in doubt, and those sent again after a doubtful attempt since the
// recipient's last digest before end was recorded.
func (db *DB) Doubtful(ctx context.Context, recipient string, end time.Time) ([]tracker.Digest, error) {
	rows, err := db.rd.QueryContext(ctx, `SELECT `+digestColumns+` FROM digests
		WHERE recipient = ?1 AND doubtful > 0 AND window_end <= ?2 AND (state IN ('uncertain', 'sending')
			OR state = 'sent' AND (NOT EXISTS (SELECT 1 FROM digests WHERE recipient = ?1 AND created_at < ?2)
				OR sent_at >= (SELECT max(created_at) FROM digests WHERE recipient = ?1 AND created_at < ?2)))
		ORDER BY window_end`, recipient, fmtTime(end))
	return collect(rows, err, "doubtful digests of "+recipient, scanDigest)
}

// BeginDigestAttempt records that digest id is being handed to the server
// (the state sending), unless it was already delivered: if tracker stops
// before the outcome is recorded, the next run knows the server may have
// it (see Interrupted).
func (db *DB) BeginDigestAttempt(ctx context.Context, id int64) error {
	return db.write(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `UPDATE digests SET state = 'sending' WHERE id = ? AND state IN ('pending', 'failed', 'uncertain')`, id)
		if err != nil {
			return fmt.Errorf("store: record digest %d: %w", id, err)
		}
		return nil
	})
}

// Interrupted records that the attempt to send digest id was cut short by
// tracker stopping (it was left sending): its outcome is unknown, and the
// digest is uncertain.
func (db *DB) Interrupted(ctx context.Context, id int64, reason string) error {
	return db.write(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `UPDATE digests SET state = 'uncertain', attempts = attempts + 1, doubtful = doubtful + 1,
			last_error = ? WHERE id = ? AND state = 'sending'`, reason, id)
		if err != nil {
			return fmt.Errorf("store: record digest %d: %w", id, err)
		}
		return nil
	})
}

// DigestAttempt is the outcome of one attempt to send a digest.
type DigestAttempt struct {
	State       tracker.DigestState
	Error       string
	At          time.Time
	Transport   string
	DeliveredTo string
}

// RecordDigestAttempt records how an attempt to send a digest ended. A
// digest the server took (sent) stays so whatever an attempt to send it
// again does: only that attempt's error is recorded. One the server may
// have (an earlier attempt was doubtful) is uncertain, not failed, when an
// attempt fails. An uncertain attempt counts as doubtful.
func (db *DB) RecordDigestAttempt(ctx context.Context, id int64, a DigestAttempt) error {
	return db.write(ctx, func(tx *txn) error {
		var (
			state    tracker.DigestState
			doubtful int
		)
		err := tx.QueryRowContext(ctx, `SELECT state, doubtful FROM digests WHERE id = ?`, id).Scan(&state, &doubtful)
		if err != nil {
			return notFound(err, fmt.Sprintf("store: digest %d", id))
		}
		if state == tracker.DigestSent && a.State != tracker.DigestSent {
			_, err := tx.ExecContext(ctx, `UPDATE digests SET attempts = attempts + 1, last_error = ? WHERE id = ?`, a.Error, id)
			if err != nil {
				return fmt.Errorf("store: record digest %d: %w", id, err)
			}
			return nil
		}
		if a.State == tracker.DigestFailed && doubtful > 0 {
			_, err := tx.ExecContext(ctx, `UPDATE digests SET state = 'uncertain', attempts = attempts + 1, last_error = ? WHERE id = ?`, a.Error, id)
			if err != nil {
				return fmt.Errorf("store: record digest %d: %w", id, err)
			}
			return nil
		}
		doubt := 0
		if a.State == tracker.DigestUncertain {
			doubt = 1
		}
		var sent any
		if a.State == tracker.DigestSent || a.State == tracker.DigestUncertain {
			sent = fmtTime(a.At)
		}
		_, err = tx.ExecContext(ctx, `UPDATE digests SET state = ?, last_error = ?, attempts = attempts + 1, doubtful = doubtful + ?,
			sent_at = ?, transport = ?, delivered_to = ? WHERE id = ?`, a.State, a.Error, doubt, sent, a.Transport, a.DeliveredTo, id)
		if err != nil {
			return fmt.Errorf("store: record digest %d: %w", id, err)
		}
		return nil
	})
}

// Digests lists digests, the most recent first; recipient "" lists all.
func (db *DB) Digests(ctx context.Context, recipient string, limit int) ([]tracker.Digest, error) {
	q := `SELECT ` + digestColumns + ` FROM digests`
	var args []any
	if recipient != "" {
		q += ` WHERE recipient = ?`
		args = append(args, recipient)
	}
	q += ` ORDER BY created_at DESC, id DESC`
	if limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, limit)
	}
	rows, err := db.query(ctx, q, args...)
	return collect(rows, err, "list digests", scanDigest)
}

// FailuresBetween lists the runs of failed fetches that overlap [start, end).
func (db *DB) FailuresBetween(ctx context.Context, start, end time.Time) ([]tracker.FailureRun, error) {
	rows, err := db.rd.QueryContext(ctx, `SELECT source_id, error, first_at, last_at, count FROM fetch_log
		WHERE outcome = 'failed' AND first_at < ? AND last_at >= ? ORDER BY source_id, first_at`, fmtTime(end), fmtTime(start))
	if err != nil {
		return nil, fmt.Errorf("store: failures: %w", err)
	}
	defer rows.Close()
	var out []tracker.FailureRun
	for rows.Next() {
		var f tracker.FailureRun
		var first, last string
		if err := rows.Scan(&f.SourceID, &f.Error, &first, &last, &f.Count); err != nil {
			return nil, err
		}
		f.FirstAt, f.LastAt = parseTime(first), parseTime(last)
		out = append(out, f)
	}
	return out, rows.Err()
}

// SourcesCheckedBetween counts the sources fetched at least once in
// [start, end).
func (db *DB) SourcesCheckedBetween(ctx context.Context, start, end time.Time) (int, error) {
	var n int
	err := db.rd.QueryRowContext(ctx, `SELECT count(DISTINCT source_id) FROM fetch_log WHERE first_at < ? AND last_at >= ?`,
		fmtTime(end), fmtTime(start)).Scan(&n)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("store: sources checked: %w", err)
	}
	return n, nil
}

// EnrollRecipients records the recipients tracker has not seen before as
// enrolled at t.
func (db *DB) EnrollRecipients(ctx context.Context, addresses []string, t time.Time) error {
	return db.write(ctx, func(tx *txn) error {
		for _, a := range addresses {
			if _, err := tx.ExecContext(ctx, `INSERT INTO recipients(address, enrolled_at) VALUES (?, ?) ON CONFLICT DO NOTHING`, a, fmtTime(t)); err != nil {
				return fmt.Errorf("store: enroll %s: %w", a, err)
			}
		}
		return nil
	})
}

// Enrolled returns when a recipient was enrolled (ErrNotFound: never).
func (db *DB) Enrolled(ctx context.Context, address string) (time.Time, error) {
	var s string
	if err := db.rd.QueryRowContext(ctx, `SELECT enrolled_at FROM recipients WHERE address = ?`, address).Scan(&s); err != nil {
		return time.Time{}, notFound(err, "store: recipient "+address)
	}
	return parseTime(s), nil
}
