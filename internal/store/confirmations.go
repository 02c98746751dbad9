package store

import (
	"context"
	"database/sql"
	"fmt"

	"tracker"
)

// Confirmations returns the runs of tracker's fetches that read version seq
// of a source (recorded it, found it unchanged or were answered 304),
// oldest first: who last confirmed a text, and when, for a citation.
func (db *DB) Confirmations(ctx context.Context, sourceID string, seq int) ([]tracker.FetchRun, error) {
	rows, err := db.rd.QueryContext(ctx, `SELECT source_id, outcome, version_seq, status, error, first_at, last_at, count
		FROM fetch_log WHERE source_id = ? AND version_seq = ? AND outcome != ? ORDER BY id`, sourceID, seq, tracker.OutcomeFailed)
	return collect(rows, err, fmt.Sprintf("confirmations of version %d of %s", seq, sourceID), func(r scanner) (tracker.FetchRun, error) {
		var (
			e           tracker.FetchRun
			s           sql.NullInt64
			first, last string
		)
		err := r.Scan(&e.SourceID, &e.Outcome, &s, &e.Status, &e.Error, &first, &last, &e.Count)
		e.VersionSeq, e.FirstAt, e.LastAt = int(s.Int64), parseTime(first), parseTime(last)
		return e, err
	})
}
