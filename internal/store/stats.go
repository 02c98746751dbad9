package store

import (
	"context"
	"fmt"
)

// Stats describe what the database holds and what it costs on disk.
type Stats struct {
	Sources   int
	Versions  int
	Snapshots int
	// VersionBytes is the total size of the text of every version, as if
	// each were stored in full.
	VersionBytes int64
	// BlobBytes is what texts and snapshots take once compressed.
	BlobBytes int64
	// FileBytes is the size of the database file (page count × page size),
	// after a WAL checkpoint.
	FileBytes int64
}

// Stats checkpoints the WAL and measures the database.
func (db *DB) Stats(ctx context.Context) (Stats, error) {
	var s Stats
	if _, err := db.w.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return s, fmt.Errorf("store: checkpoint: %w", err)
	}
	err := db.r.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM sources),
		(SELECT count(*) FROM versions),
		(SELECT count(*) FROM snapshots),
		(SELECT coalesce(sum(b.size), 0) FROM versions v JOIN blobs b ON b.id = v.blob_id),
		(SELECT coalesce(sum(length(data)), 0) FROM blobs),
		(SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size())`).Scan(
		&s.Sources, &s.Versions, &s.Snapshots, &s.VersionBytes, &s.BlobBytes, &s.FileBytes)
	if err != nil {
		return s, fmt.Errorf("store: stats: %w", err)
	}
	return s, nil
}
