package store

import (
	"context"

	"tracker"
)

// Confirmations returns the runs of tracker's fetches that read version seq
// of a source (recorded it, found it unchanged or were answered 304),
// oldest first: who last confirmed a text, and when, for a citation.
func (db *DB) Confirmations(ctx context.Context, sourceID string, seq int) ([]tracker.FetchRun, error) {
	runs, err := db.FetchRuns(ctx, sourceID, seq, seq)
	if err != nil {
		return nil, err
	}
	out := runs[:0]
	for _, r := range runs {
		if r.Outcome != tracker.OutcomeFailed {
			out = append(out, r)
		}
	}
	return out, nil
}
