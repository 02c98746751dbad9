package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
	"tracker/internal/text"
)

// Version provenances.
const (
	ProvenanceFetch   = "fetch"   // fetched by tracker
	ProvenanceImport  = "import"  // imported from a dataset
	ProvenanceRebuild = "rebuild" // re-extracted from a stored snapshot
)

// ErrConflict is returned when the source's current version is not the one
// the caller compared against (another process recorded a version meanwhile).
var ErrConflict = errors.New("store: the source changed meanwhile")

// Version is one recorded state of a document's cleaned text.
type Version struct {
	SourceID   string
	Seq        int
	SHA256     string
	Words      int
	FirstSeen  time.Time
	LastSeen   time.Time
	SameAs     int // seq of an identical earlier version, 0 when none
	SnapshotID int64
	Provenance string
	OriginRef  string
	Technical  bool
	// RulesHash identifies the extraction rules that produced the text.
	RulesHash string

	blobID int64
}

// NewVersion is a text to record as the next version of a source.
type NewVersion struct {
	SourceID string
	Text     string
	At       time.Time
	// Snapshot is the raw document the text was extracted from (nil for
	// imports); SnapshotID instead refers to one already stored.
	Snapshot   *Snapshot
	SnapshotID int64
	// ExpectSeq is the seq of the version the caller compared against (0 when
	// the source had none).
	ExpectSeq  int
	Provenance string
	OriginRef  string
	Technical  bool
	RulesHash  string
	Validators *Validators
	// Change describes the new version against the current one; it is
	// recorded when the source already had a version.
	Change *ChangeInfo
	// Now, when set, dates the version (and its change) when its write
	// begins rather than At, when the fetch began: a digest reads after
	// Settle, so a change is in the digest of the window it is dated in,
	// however long its fetch took.
	Now func() time.Time
}

// AddVersion records nv as the next version of its source, with its snapshot
// and a fetch-log entry, in one transaction. When the text equals the current
// version nothing is added and ok is false: the caller should Confirm instead.
func (db *DB) AddVersion(ctx context.Context, nv NewVersion) (v Version, ok bool, err error) {
	if nv.Provenance == "" {
		nv.Provenance = ProvenanceFetch
	}
	sum := text.Hash(nv.Text)
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
		blobID, err := db.putBlob(ctx, tx, []byte(nv.Text), cur.blobID)
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
		v = Version{
			SourceID: nv.SourceID, Seq: cur.Seq + 1, SHA256: sum, Words: text.Words(nv.Text),
			FirstSeen: nv.At, LastSeen: nv.At, SameAs: int(sameAs.Int64), SnapshotID: snapID.Int64,
			Provenance: nv.Provenance, OriginRef: nv.OriginRef, Technical: nv.Technical, RulesHash: nv.RulesHash, blobID: blobID,
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO versions(source_id, seq, sha256, blob_id, words, first_seen, last_seen,
			same_as, snapshot_id, provenance, origin_ref, technical, rules_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			v.SourceID, v.Seq, v.SHA256, blobID, v.Words, fmtTime(v.FirstSeen), fmtTime(v.LastSeen),
			sameAs, snapID, v.Provenance, v.OriginRef, v.Technical, v.RulesHash)
		if err != nil {
			return fmt.Errorf("store: save version %d of %s: %w", v.Seq, v.SourceID, err)
		}
		if cur.Seq > 0 && nv.Change != nil {
			c := nv.Change
			if err := insertChange(ctx, tx, Change{SourceID: v.SourceID, FromSeq: cur.Seq, ToSeq: v.Seq, DetectedAt: v.FirstSeen,
				Importance: c.Importance, Technical: v.Technical, SameAs: v.SameAs, WordsAdded: c.WordsAdded,
				WordsRemoved: c.WordsRemoved, Topics: c.Topics, Summary: c.Summary, Artefact: c.Artefact, Reason: c.Reason}); err != nil {
				return err
			}
		}
		if err := indexVersion(ctx, tx, v.SourceID, v.Seq, nv.Text); err != nil {
			return err
		}
		if nv.Provenance == ProvenanceFetch {
			if err := markOK(ctx, tx, nv.SourceID, nv.At, nv.Validators, true); err != nil {
				return err
			}
			if err := logFetch(ctx, tx, nv.SourceID, nv.At, OutcomeNew, v.Seq, statusOf(nv.Snapshot), ""); err != nil {
				return err
			}
		}
		ok = true
		return nil
	})
	return v, ok, err
}

func statusOf(s *Snapshot) int {
	if s == nil {
		return 0
	}
	return s.Status
}

// Confirm records a fetch that found the current version unchanged
// (OutcomeUnchanged) or was answered 304 (OutcomeNotModified).
func (db *DB) Confirm(ctx context.Context, sourceID string, at time.Time, outcome string, v *Validators) error {
	return db.write(ctx, func(tx *txn) error {
		cur, err := currentVersion(ctx, tx, sourceID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE versions SET last_seen = max(last_seen, ?) WHERE source_id = ? AND seq = ?`,
			fmtTime(at), sourceID, cur.Seq); err != nil {
			return fmt.Errorf("store: confirm %s: %w", sourceID, err)
		}
		if err := markOK(ctx, tx, sourceID, at, v, false); err != nil {
			return err
		}
		status := 200
		if outcome == OutcomeNotModified {
			status = 304
		}
		return logFetch(ctx, tx, sourceID, at, outcome, cur.Seq, status, "")
	})
}

func currentVersion(ctx context.Context, q querier, sourceID string) (Version, error) {
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

const versionColumns = `source_id, seq, sha256, words, first_seen, last_seen, same_as, snapshot_id, provenance, origin_ref, technical, rules_hash, blob_id`

func scanVersion(r scanner) (Version, error) {
	var (
		v           Version
		first, last string
		sameAs      sql.NullInt64
		snap        sql.NullInt64
	)
	err := r.Scan(&v.SourceID, &v.Seq, &v.SHA256, &v.Words, &first, &last, &sameAs, &snap, &v.Provenance, &v.OriginRef, &v.Technical, &v.RulesHash, &v.blobID)
	v.FirstSeen, v.LastSeen = parseTime(first), parseTime(last)
	v.SameAs, v.SnapshotID = int(sameAs.Int64), snap.Int64
	return v, err
}

// CurrentVersion returns the latest version of a source; ErrNotFound when it
// has none.
func (db *DB) CurrentVersion(ctx context.Context, sourceID string) (Version, error) {
	return currentVersion(ctx, db.rd, sourceID)
}

// Versions lists the versions of a source, oldest first.
func (db *DB) Versions(ctx context.Context, sourceID string) ([]Version, error) {
	rows, err := db.rd.QueryContext(ctx, `SELECT `+versionColumns+` FROM versions WHERE source_id = ? ORDER BY seq`, sourceID)
	return collect(rows, err, "versions of "+sourceID, scanVersion)
}

// Version returns version seq of a source; ErrNotFound when it does not exist.
func (db *DB) Version(ctx context.Context, sourceID string, seq int) (Version, error) {
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
func (db *DB) VersionAt(ctx context.Context, sourceID string, t time.Time) (Version, error) {
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

// Text returns the cleaned text of a version.
func (db *DB) Text(ctx context.Context, v Version) (string, error) {
	blobID := v.blobID
	if blobID == 0 {
		full, err := db.Version(ctx, v.SourceID, v.Seq)
		if err != nil {
			return "", err
		}
		blobID = full.blobID
	}
	b, err := db.readBlob(ctx, db.rd, blobID)
	if err != nil {
		return "", err
	}
	return string(b), nil
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
		_, err := tx.ExecContext(ctx, `UPDATE versions SET last_seen = max(last_seen, ?) WHERE source_id = ? AND seq = ?`,
			fmtTime(t), sourceID, seq)
		if err != nil {
			return fmt.Errorf("store: update version %d of %s: %w", seq, sourceID, err)
		}
		return nil
	})
}
