package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"tracker"
)

// SourceInfo describes a source to create or update.
type SourceInfo struct {
	ID     string
	Kind   tracker.SourceKind
	Name   string
	URL    string
	Origin tracker.Origin
}

// UpsertSource creates the source or updates its description. A declared
// source replaces an import-only one of the same id.
func (db *DB) UpsertSource(ctx context.Context, s SourceInfo) error {
	if s.Origin == "" {
		s.Origin = tracker.OriginConfig
	}
	return db.write(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sources(id, kind, name, url, origin, created_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, name = excluded.name, url = excluded.url,
			origin = CASE WHEN excluded.origin = 'config' THEN 'config' ELSE sources.origin END`,
			s.ID, s.Kind, s.Name, s.URL, s.Origin, fmtTime(db.Now()))
		if err != nil {
			return fmt.Errorf("store: save source %s: %w", s.ID, err)
		}
		return nil
	})
}

// sourceColumns: the last change is the later of the last new version
// fetched and the last change recorded otherwise (an import).
const sourceColumns = `s.id, s.kind, s.name, s.url, s.origin, s.created_at, s.etag, s.last_modified, s.rules_hash, s.body_sha256,
	s.last_fetch_at, s.last_ok_at,
	(SELECT max(t) FROM (SELECT s.last_change_at AS t UNION ALL
		SELECT max(detected_at) FROM changes c WHERE c.source_id = s.id AND NOT c.technical) AS lc), s.error, s.error_kind, s.failing_since, s.failures, s.notice, s.alerted_at,
	(SELECT count(*) FROM versions v WHERE v.source_id = s.id),
	(SELECT coalesce(max(seq), 0) FROM versions v WHERE v.source_id = s.id),
	(SELECT count(*) FROM items i WHERE i.source_id = s.id)`

type scanner interface{ Scan(...any) error }

func scanSource(r scanner) (tracker.Source, error) {
	var (
		s                              tracker.Source
		created                        string
		fetch, ok, change, failedSince sql.NullString
		alerted                        sql.NullString
	)
	err := r.Scan(&s.ID, &s.Kind, &s.Name, &s.URL, &s.Origin, &created,
		&s.Validators.ETag, &s.Validators.LastModified, &s.Validators.RulesHash, &s.Validators.Body,
		&fetch, &ok, &change, &s.Error, &s.ErrorKind, &failedSince, &s.Failures, &s.Notice, &alerted, &s.Versions, &s.CurrentSeq, &s.Items)
	if err != nil {
		return s, err
	}
	s.CreatedAt = parseTime(created)
	s.LastFetchAt, s.LastOKAt, s.LastChangeAt = parseNullTime(fetch), parseNullTime(ok), parseNullTime(change)
	s.FailingSince, s.AlertedAt = parseNullTime(failedSince), parseNullTime(alerted)
	return s, nil
}

// Sources lists every source in the database, ordered by id.
func (db *DB) Sources(ctx context.Context) ([]tracker.Source, error) {
	rows, err := db.rd.QueryContext(ctx, `SELECT `+sourceColumns+` FROM sources s ORDER BY s.id`)
	return collect(rows, err, "list sources", scanSource)
}

// Source returns one source; ErrNotFound when it does not exist.
func (db *DB) Source(ctx context.Context, id string) (tracker.Source, error) {
	s, err := scanSource(db.rd.QueryRowContext(ctx, `SELECT `+sourceColumns+` FROM sources s WHERE s.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("store: source %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return s, fmt.Errorf("store: source %q: %w", id, err)
	}
	return s, nil
}

// markOK records a successful fetch on the source row; v, when given,
// replaces the validators, and changed sets the time of the last change.
func markOK(ctx context.Context, tx *txn, id string, at time.Time, v *tracker.Validators, changed bool) error {
	var val tracker.Validators
	if v != nil {
		val = *v
	}
	res, err := tx.ExecContext(ctx, `UPDATE sources SET last_fetch_at = ?1, last_ok_at = ?1, error = '', error_kind = '',
		failing_since = NULL, failures = 0,
		etag = CASE WHEN ?2 THEN ?3 ELSE etag END,
		last_modified = CASE WHEN ?2 THEN ?4 ELSE last_modified END,
		rules_hash = CASE WHEN ?2 THEN ?5 ELSE rules_hash END,
		body_sha256 = CASE WHEN ?2 THEN ?8 ELSE body_sha256 END,
		last_change_at = CASE WHEN ?6 THEN ?1 ELSE last_change_at END
		WHERE id = ?7`, fmtTime(at), v != nil, val.ETag, val.LastModified, val.RulesHash, changed, id, val.Body)
	if err != nil {
		return fmt.Errorf("store: update source %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: source %q: %w", id, ErrNotFound)
	}
	return nil
}

// SetNotice records what the operator should know about a source's
// successful fetches ("" clears it).
func (db *DB) SetNotice(ctx context.Context, id, notice string) error {
	return db.write(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `UPDATE sources SET notice = ? WHERE id = ? AND notice != ?`, notice, id, notice)
		if err != nil {
			return fmt.Errorf("store: update source %s: %w", id, err)
		}
		return nil
	})
}

// SetValidators replaces the validators of a source.
func (db *DB) SetValidators(ctx context.Context, id string, v tracker.Validators) error {
	return db.write(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `UPDATE sources SET etag = ?, last_modified = ?, rules_hash = ?, body_sha256 = ? WHERE id = ?`,
			v.ETag, v.LastModified, v.RulesHash, v.Body, id)
		if err != nil {
			return fmt.Errorf("store: update source %s: %w", id, err)
		}
		return nil
	})
}

// SetAlerted records when a source's failure was reported; the zero time
// clears it once the source recovered.
func (db *DB) SetAlerted(ctx context.Context, id string, at time.Time) error {
	return db.write(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `UPDATE sources SET alerted_at = ? WHERE id = ?`, nullTime(at), id); err != nil {
			return fmt.Errorf("store: update source %s: %w", id, err)
		}
		return nil
	})
}
