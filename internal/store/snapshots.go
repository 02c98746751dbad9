package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"tracker"
)

// insertSnapshot stores s; textBlob, when not 0, is the blob of the text
// extracted from it, used as a second compression dictionary.
func (db *DB) insertSnapshot(ctx context.Context, tx *txn, sourceID string, s *tracker.Snapshot, textBlob int64) (int64, error) {
	// The dictionary is the previous snapshot of the same kind: a page is
	// best compressed against the previous page, an error page against the
	// previous error page.
	var base sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT blob_id FROM snapshots WHERE source_id = ? AND (error = '') = (? = '')
		ORDER BY id DESC LIMIT 1`, sourceID, s.Error).Scan(&base)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("store: previous snapshot of %s: %w", sourceID, err)
	}
	blobID, err := db.putBlob(ctx, tx, s.Body, base.Int64, textBlob)
	if err != nil {
		return 0, err
	}
	headers, err := json.Marshal(s.Headers)
	if err != nil {
		return 0, err
	}
	if s.Headers == nil {
		headers = []byte("{}")
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO snapshots(source_id, fetched_at, url, status, headers, blob_id, error)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, sourceID, fmtTime(s.FetchedAt), s.URL, s.Status, string(headers), blobID, s.Error).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: save snapshot of %s: %w", sourceID, err)
	}
	return id, nil
}

// Snapshot returns a stored snapshot with its body.
func (db *DB) Snapshot(ctx context.Context, id int64) (tracker.Snapshot, error) {
	var (
		s       tracker.Snapshot
		fetched string
		headers string
		blobID  int64
	)
	err := db.rd.QueryRowContext(ctx, `SELECT id, source_id, fetched_at, url, status, headers, blob_id, error
		FROM snapshots WHERE id = ?`, id).Scan(&s.ID, &s.SourceID, &fetched, &s.URL, &s.Status, &headers, &blobID, &s.Error)
	if errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("store: snapshot %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return s, fmt.Errorf("store: snapshot %d: %w", id, err)
	}
	s.FetchedAt = parseTime(fetched)
	if err := json.Unmarshal([]byte(headers), &s.Headers); err != nil {
		return s, fmt.Errorf("store: snapshot %d headers: %w", id, err)
	}
	s.Body, err = db.readBlob(ctx, db.rd, blobID)
	return s, err
}
