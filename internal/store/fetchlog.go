package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"tracker"
)

// logFetch appends to the fetch log, extending the last run when the outcome
// repeats, so a source checked every hour for years costs a row per change of
// state rather than a row per fetch.
func logFetch(ctx context.Context, tx *txn, sourceID string, at time.Time, outcome tracker.Outcome, seq, status int, msg string) error {
	var (
		id          int64
		lastOutcome tracker.Outcome
		lastE       string
		lastSeq     sql.NullInt64
		lastStatus  int
	)
	err := tx.QueryRowContext(ctx, `SELECT id, outcome, version_seq, status, error FROM fetch_log
		WHERE source_id = ? ORDER BY id DESC LIMIT 1`, sourceID).Scan(&id, &lastOutcome, &lastSeq, &lastStatus, &lastE)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: fetch log of %s: %w", sourceID, err)
	}
	var seqArg any
	if seq > 0 {
		seqArg = seq
	}
	if err == nil && outcome != tracker.OutcomeNew && lastOutcome == outcome && int(lastSeq.Int64) == seq && lastStatus == status && lastE == msg {
		_, err = tx.ExecContext(ctx, `UPDATE fetch_log SET last_at = ?, count = count + 1 WHERE id = ?`, fmtTime(at), id)
	} else {
		_, err = tx.ExecContext(ctx, `INSERT INTO fetch_log(source_id, outcome, version_seq, status, error, first_at, last_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, sourceID, outcome, seqArg, status, msg, fmtTime(at), fmtTime(at))
	}
	if err != nil {
		return fmt.Errorf("store: fetch log of %s: %w", sourceID, err)
	}
	return recordLeased(ctx, tx, sourceID, outcome)
}

// FetchLog returns the most recent runs of fetch outcomes of a source, newest
// first.
func (db *DB) FetchLog(ctx context.Context, sourceID string, limit int) ([]tracker.FetchRun, error) {
	rows, err := db.rd.QueryContext(ctx, `SELECT source_id, outcome, version_seq, status, error, first_at, last_at, count
		FROM fetch_log WHERE source_id = ? ORDER BY id DESC LIMIT ?`, sourceID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: fetch log of %s: %w", sourceID, err)
	}
	defer rows.Close()
	var out []tracker.FetchRun
	for rows.Next() {
		var (
			e           tracker.FetchRun
			seq         sql.NullInt64
			first, last string
		)
		if err := rows.Scan(&e.SourceID, &e.Outcome, &seq, &e.Status, &e.Error, &first, &last, &e.Count); err != nil {
			return nil, err
		}
		e.VersionSeq, e.FirstAt, e.LastAt = int(seq.Int64), parseTime(first), parseTime(last)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Failure is a failed fetch to record.
type Failure struct {
	SourceID string
	At       time.Time
	// Kind classifies the failure: network, timeout, http, blocked, selector,
	// too-large, redirect, too-short, parse...
	Kind   tracker.FailureKind
	Reason string
	Status int
	// Snapshot is the body that was received, if any.
	Snapshot *tracker.Snapshot
}

// RecordFailure stores a failed fetch on the source's status and in the log,
// with the received body for inspection. Stored versions are left untouched.
func (db *DB) RecordFailure(ctx context.Context, f Failure) error {
	return db.write(ctx, func(tx *txn) error {
		if f.Snapshot != nil {
			if f.Snapshot.Error == "" {
				f.Snapshot.Error = f.Reason
			}
			if _, err := db.insertSnapshot(ctx, tx, f.SourceID, f.Snapshot, 0); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE sources SET last_fetch_at = ?, error = ?, error_kind = ?,
			failing_since = coalesce(failing_since, ?), failures = failures + 1 WHERE id = ?`,
			fmtTime(f.At), f.Reason, f.Kind, fmtTime(f.At), f.SourceID)
		if err != nil {
			return fmt.Errorf("store: record failure of %s: %w", f.SourceID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("store: source %q: %w", f.SourceID, ErrNotFound)
		}
		var seq int
		_ = tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM versions WHERE source_id = ?`, f.SourceID).Scan(&seq)
		return logFetch(ctx, tx, f.SourceID, f.At, tracker.OutcomeFailed, seq, f.Status, f.Reason)
	})
}

// FetchRuns returns the runs of the fetch log of a source while one of its
// versions fromSeq to toSeq was current, oldest first: every fetch that
// confirmed their text still in force, and every failure between (a failed
// fetch is logged under the version current then).
func (db *DB) FetchRuns(ctx context.Context, sourceID string, fromSeq, toSeq int) ([]tracker.FetchRun, error) {
	rows, err := db.rd.QueryContext(ctx, `SELECT source_id, outcome, version_seq, status, error, first_at, last_at, count
		FROM fetch_log WHERE source_id = ? AND version_seq >= ? AND version_seq <= ? ORDER BY id`, sourceID, fromSeq, toSeq)
	return collect(rows, err, "fetch log of "+sourceID, scanFetchRun)
}

func scanFetchRun(r scanner) (tracker.FetchRun, error) {
	var (
		e           tracker.FetchRun
		seq         sql.NullInt64
		first, last string
	)
	err := r.Scan(&e.SourceID, &e.Outcome, &seq, &e.Status, &e.Error, &first, &last, &e.Count)
	e.VersionSeq, e.FirstAt, e.LastAt = int(seq.Int64), parseTime(first), parseTime(last)
	return e, err
}
