package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"tracker"
	"tracker/internal/text"
)

// ErrConflict is returned when the source's current version is not the one
// the caller compared against (another process recorded a version meanwhile).
var ErrConflict = errors.New("store: the source changed meanwhile")

// NewVersion is a text to record as the next version of a source.
type NewVersion struct {
	SourceID string
	Text     string
	At       time.Time
	// Snapshot is the raw document the text was extracted from (nil for
	// imports); SnapshotID instead refers to one already stored.
	Snapshot   *tracker.Snapshot
	SnapshotID int64
	// ExpectSeq is the seq of the version the caller compared against (0 when
	// the source had none).
	ExpectSeq  int
	Provenance tracker.Provenance
	OriginRef  string
	Technical  bool
	RulesHash  string
	Validators *tracker.Validators
	// Change is the new version's change against the current one, as the
	// caller classified it (importance, topics, words, summary, artefact,
	// reason). It is recorded when the source already had a version, with
	// what the new version decides: the source, the two seqs, the time it
	// was detected, technical and same_as; once recorded, *Change holds
	// them too.
	Change *tracker.Change
	// Now, when set, dates the version (and its change) when its write
	// begins rather than At, when the fetch began: a digest reads after
	// Settle, so a change is in the digest of the window it is dated in,
	// however long its fetch took.
	Now func() time.Time
}

// AddVersion records nv as the next version of its source, with its snapshot
// and a fetch-log entry, in one transaction. When the text equals the current
// version nothing is added and ok is false: the caller should Confirm instead.
func (db *DB) AddVersion(ctx context.Context, nv NewVersion) (v tracker.Version, ok bool, err error) {
	if nv.Provenance == "" {
		nv.Provenance = tracker.ProvenanceFetch
	}
	sum := text.Hash(nv.Text)
	var recorded *tracker.Change
	err = db.write(ctx, func(tx *txn) error {
		cur, err := currentVersion(ctx, tx, nv.SourceID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if cur.Seq != nv.ExpectSeq {
			return fmt.Errorf("%w: expected version %d of %s, found %d", ErrConflict, nv.ExpectSeq, nv.SourceID, cur.Seq)
		}
		if cur.Seq > 0 && cur.SHA256 == sum {
			return nil
		}
		if nv.Now != nil {
			nv.At = nv.Now()
		}
		var base int64 // the current text, the new one's compression dictionary
		if cur.Seq > 0 {
			if base, err = blobOf(ctx, tx, cur.SourceID, cur.Seq); err != nil {
				return err
			}
		}
		blobID, err := db.putBlob(ctx, tx, []byte(nv.Text), base)
		if err != nil {
			return err
		}
		snapID := sql.NullInt64{Int64: nv.SnapshotID, Valid: nv.SnapshotID != 0}
		if nv.Snapshot != nil {
			id, err := db.insertSnapshot(ctx, tx, nv.SourceID, nv.Snapshot, blobID)
			if err != nil {
				return err
			}
			snapID = sql.NullInt64{Int64: id, Valid: true}
		}
		var sameAs sql.NullInt64
		err = tx.QueryRowContext(ctx, `SELECT min(seq) FROM versions WHERE source_id = ? AND sha256 = ?`, nv.SourceID, sum).Scan(&sameAs)
		if err != nil {
			return fmt.Errorf("store: find identical version: %w", err)
		}
		v = tracker.Version{
			SourceID: nv.SourceID, Seq: cur.Seq + 1, SHA256: sum, Words: text.Words(nv.Text),
			FirstSeen: nv.At, LastSeen: nv.At, SameAs: int(sameAs.Int64), SnapshotID: snapID.Int64,
			Provenance: nv.Provenance, OriginRef: nv.OriginRef, Technical: nv.Technical, RulesHash: nv.RulesHash,
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO versions(source_id, seq, sha256, blob_id, words, first_seen, last_seen,
			same_as, snapshot_id, provenance, origin_ref, technical, rules_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			v.SourceID, v.Seq, v.SHA256, blobID, v.Words, fmtTime(v.FirstSeen), fmtTime(v.LastSeen),
			sameAs, snapID, v.Provenance, v.OriginRef, v.Technical, v.RulesHash)
		if err != nil {
			return fmt.Errorf("store: save version %d of %s: %w", v.Seq, v.SourceID, err)
		}
		if cur.Seq > 0 && nv.Change != nil {
			c := *nv.Change
			c.SourceID, c.FromSeq, c.ToSeq, c.DetectedAt = v.SourceID, cur.Seq, v.Seq, v.FirstSeen
			c.Technical, c.SameAs = v.Technical, v.SameAs
			if err := insertChange(ctx, tx, c); err != nil {
				return err
			}
			recorded = &c
		}
		if err := indexVersion(ctx, tx, v.SourceID, v.Seq, nv.Text); err != nil {
			return err
		}
		if nv.Provenance == tracker.ProvenanceFetch {
			if err := markOK(ctx, tx, nv.SourceID, nv.At, nv.Validators, true); err != nil {
				return err
			}
			if err := logFetch(ctx, tx, nv.SourceID, nv.At, tracker.OutcomeNew, v.Seq, statusOf(nv.Snapshot), ""); err != nil {
				return err
			}
		} else if _, err := tx.ExecContext(ctx, `UPDATE sources SET body_sha256 = '' WHERE id = ? AND body_sha256 != ''`, nv.SourceID); err != nil {
			// The body last fetched no longer gives the current version.
			return fmt.Errorf("store: update source %s: %w", nv.SourceID, err)
		}
		ok = true
		return nil
	})
	if err == nil && recorded != nil {
		*nv.Change = *recorded
	}
	return v, ok, err
}

func statusOf(s *tracker.Snapshot) int {
	if s == nil {
		return 0
	}
	return s.Status
}

// Confirm records a fetch that found the current version unchanged
// (tracker.OutcomeUnchanged) or was answered 304 (tracker.OutcomeNotModified).
func (db *DB) Confirm(ctx context.Context, sourceID string, at time.Time, outcome tracker.Outcome, v *tracker.Validators) error {
	return db.write(ctx, func(tx *txn) error {
		cur, err := currentVersion(ctx, tx, sourceID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE versions SET last_seen = ? WHERE source_id = ? AND seq = ? AND last_seen < ?`,
			fmtTime(at), sourceID, cur.Seq, fmtTime(at)); err != nil {
			return fmt.Errorf("store: confirm %s: %w", sourceID, err)
		}
		if err := markOK(ctx, tx, sourceID, at, v, false); err != nil {
			return err
		}
		status := 200
		if outcome == tracker.OutcomeNotModified {
			status = 304
		}
		return logFetch(ctx, tx, sourceID, at, outcome, cur.Seq, status, "")
	})
}

func currentVersion(ctx context.Context, q querier, sourceID string) (tracker.Version, error) {
	v, err := scanVersion(q.QueryRowContext(ctx, `SELECT `+versionColumns+` FROM versions
		WHERE source_id = ? ORDER BY seq DESC LIMIT 1`, sourceID))
	if errors.Is(err, sql.ErrNoRows) {
		return v, fmt.Errorf("store: current version of %s: %w", sourceID, ErrNotFound)
	}
	if err != nil {
		return v, fmt.Errorf("store: current version of %s: %w", sourceID, err)
	}
	return v, nil
}

const versionColumns = `source_id, seq, sha256, words, first_seen, last_seen, same_as, snapshot_id, provenance, origin_ref, technical, rules_hash`

func scanVersion(r scanner) (tracker.Version, error) {
	var (
		v           tracker.Version
		first, last string
		sameAs      sql.NullInt64
		snap        sql.NullInt64
	)
	err := r.Scan(&v.SourceID, &v.Seq, &v.SHA256, &v.Words, &first, &last, &sameAs, &snap, &v.Provenance, &v.OriginRef, &v.Technical, &v.RulesHash)
	v.FirstSeen, v.LastSeen = parseTime(first), parseTime(last)
	v.SameAs, v.SnapshotID = int(sameAs.Int64), snap.Int64
	return v, err
}

// CurrentVersion returns the latest version of a source; ErrNotFound when it
// has none.
func (db *DB) CurrentVersion(ctx context.Context, sourceID string) (tracker.Version, error) {
	return currentVersion(ctx, db.rd, sourceID)
}

// Versions lists the versions of a source, oldest first.
func (db *DB) Versions(ctx context.Context, sourceID string) ([]tracker.Version, error) {
	rows, err := db.rd.QueryContext(ctx, `SELECT `+versionColumns+` FROM versions WHERE source_id = ? ORDER BY seq`, sourceID)
	return collect(rows, err, "versions of "+sourceID, scanVersion)
}

// Version returns version seq of a source; ErrNotFound when it does not exist.
func (db *DB) Version(ctx context.Context, sourceID string, seq int) (tracker.Version, error) {
	v, err := scanVersion(db.rd.QueryRowContext(ctx, `SELECT `+versionColumns+` FROM versions WHERE source_id = ? AND seq = ?`, sourceID, seq))
	if errors.Is(err, sql.ErrNoRows) {
		return v, fmt.Errorf("store: version %d of %s: %w", seq, sourceID, ErrNotFound)
	}
	if err != nil {
		return v, fmt.Errorf("store: version %d of %s: %w", seq, sourceID, err)
	}
	return v, nil
}

// VersionAt returns the version in force at t: the latest first seen at or
// before t. ErrNotFound when the source had no version yet.
func (db *DB) VersionAt(ctx context.Context, sourceID string, t time.Time) (tracker.Version, error) {
	v, err := scanVersion(db.rd.QueryRowContext(ctx, `SELECT `+versionColumns+` FROM versions
		WHERE source_id = ? AND first_seen <= ? ORDER BY seq DESC LIMIT 1`, sourceID, fmtTime(t)))
	if errors.Is(err, sql.ErrNoRows) {
		return v, fmt.Errorf("store: version of %s at %s: %w", sourceID, t.UTC().Format(time.RFC3339), ErrNotFound)
	}
	if err != nil {
		return v, fmt.Errorf("store: version of %s at %s: %w", sourceID, t.UTC().Format(time.RFC3339), err)
	}
	return v, nil
}

// Text returns the cleaned text of a version, found by its source and seq.
func (db *DB) Text(ctx context.Context, v tracker.Version) (string, error) {
	blobID, err := blobOf(ctx, db.rd, v.SourceID, v.Seq)
	if err != nil {
		return "", err
	}
	b, err := db.readBlob(ctx, db.rd, blobID)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// blobOf returns the blob holding the text of version seq of a source. The
// blob is the store's own business: a tracker.Version names its text by
// source and seq only.
func blobOf(ctx context.Context, q querier, sourceID string, seq int) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT blob_id FROM versions WHERE source_id = ? AND seq = ?`, sourceID, seq).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("store: version %d of %s: %w", seq, sourceID, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("store: version %d of %s: %w", seq, sourceID, err)
	}
	return id, nil
}

// SetRulesHash records that version seq of a source is also what the rules
// identified by hash extract from its page.
func (db *DB) SetRulesHash(ctx context.Context, sourceID string, seq int, hash string) error {
	return db.write(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `UPDATE versions SET rules_hash = ? WHERE source_id = ? AND seq = ?`, hash, sourceID, seq)
		if err != nil {
			return fmt.Errorf("store: update version %d of %s: %w", seq, sourceID, err)
		}
		return nil
	})
}

// ExtendLastSeen records that version seq of a source was still in force at
// t (an imported version holds until the next one was recorded).
func (db *DB) ExtendLastSeen(ctx context.Context, sourceID string, seq int, t time.Time) error {
	return db.write(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `UPDATE versions SET last_seen = ? WHERE source_id = ? AND seq = ? AND last_seen < ?`,
			fmtTime(t), sourceID, seq, fmtTime(t))
		if err != nil {
			return fmt.Errorf("store: update version %d of %s: %w", seq, sourceID, err)
		}
		return nil
	})
}

// ImportedUnder lists the sources holding versions imported from files
// whose origin, past its first segment (the dataset's name), begins with
// prefix: the sources an earlier import put a document in ("TikTok/Terms
// of Service/"), whatever it mapped the document to.
func (db *DB) ImportedUnder(ctx context.Context, prefix string) ([]string, error) {
	// LIKE narrows (the engines differ on its case), the loop decides.
	like := "%/" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(prefix) + "%"
	rows, err := db.rd.QueryContext(ctx, `SELECT DISTINCT source_id, origin_ref FROM versions
		WHERE provenance = ? AND origin_ref LIKE ? ESCAPE '\' ORDER BY source_id`, tracker.ProvenanceImport, like)
	type ref struct{ id, origin string }
	refs, err := collect(rows, err, "sources imported from "+prefix, func(r scanner) (ref, error) {
		var x ref
		return x, r.Scan(&x.id, &x.origin)
	})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, x := range refs {
		_, rest, _ := strings.Cut(x.origin, "/")
		if strings.HasPrefix(rest, prefix) && (len(ids) == 0 || ids[len(ids)-1] != x.id) {
			ids = append(ids, x.id)
		}
	}
	return ids, nil
}
