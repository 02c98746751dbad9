package store

import (
	"context"
	"fmt"
	"time"

	"tracker"
)

// LastChanges returns when each source's text last changed (its latest
// change that is not technical), by source id. Unlike Source.LastChangeAt,
// which only fetches set, it covers imported histories too.
func (db *DB) LastChanges(ctx context.Context) (map[string]time.Time, error) {
	rows, err := db.rd.QueryContext(ctx, `SELECT source_id, max(detected_at) FROM changes WHERE NOT technical GROUP BY source_id`)
	if err != nil {
		return nil, fmt.Errorf("store: last changes: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var id, at string
		if err := rows.Scan(&id, &at); err != nil {
			return nil, fmt.Errorf("store: last changes: %w", err)
		}
		out[id] = parseTime(at)
	}
	return out, rows.Err()
}

// LatestChanges returns the n most recent changes that are not technical,
// newest first.
func (db *DB) LatestChanges(ctx context.Context, n int) ([]tracker.Change, error) {
	rows, err := db.rd.QueryContext(ctx, `SELECT `+changeColumns+` FROM changes WHERE NOT technical
		ORDER BY detected_at DESC, source_id, to_seq DESC LIMIT ?`, n)
	return collect(rows, err, "latest changes", scanChange)
}
