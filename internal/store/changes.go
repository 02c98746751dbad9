package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"tracker"
)

func insertChange(ctx context.Context, tx *txn, c tracker.Change) error {
	tj, err := json.Marshal(nonNilMatches(c.Topics))
	if err != nil {
		return err
	}
	var sameAs any
	if c.SameAs > 0 {
		sameAs = c.SameAs
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO changes(source_id, from_seq, to_seq, detected_at, importance, technical,
		same_as, words_added, words_removed, topics, summary, artefact, reason, announcement, stated_dates)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.SourceID, c.FromSeq, c.ToSeq, fmtTime(c.DetectedAt), c.Importance, c.Technical, sameAs,
		c.WordsAdded, c.WordsRemoved, string(tj), c.Summary, c.Artefact, c.Reason, c.Stated.Announcement, statedJSON(c.Stated))
	if err != nil {
		return fmt.Errorf("store: save change %d→%d of %s: %w", c.FromSeq, c.ToSeq, c.SourceID, err)
	}
	return nil
}

// statedDates is the JSON of a change's stated_dates column.
type statedDates struct {
	Before     string `json:"before,omitempty"`
	After      string `json:"after,omitempty"`
	BeforeLine string `json:"before_line,omitempty"`
	AfterLine  string `json:"after_line,omitempty"`
}

func statedJSON(s tracker.StatedDates) string {
	b, _ := json.Marshal(statedDates{s.Before, s.After, s.BeforeLine, s.AfterLine}) // strings only: cannot fail
	return string(b)
}

func nonNilMatches(m []tracker.TopicMatch) []tracker.TopicMatch {
	if m == nil {
		return []tracker.TopicMatch{}
	}
	return m
}

// ChangeFilter selects changes. Zero fields do not filter.
type ChangeFilter struct {
	Since, Until time.Time
	SourceIDs    []string
	Topic        string
	// MinImportance keeps changes at least this important; "" keeps all.
	MinImportance tracker.Importance
	// Technical includes the changes due to new extraction rules.
	Technical bool
	Limit     int
}

// Changes lists the changes matching f, oldest first.
func (db *DB) Changes(ctx context.Context, f ChangeFilter) ([]tracker.Change, error) {
	q := `SELECT ` + changeColumns + ` FROM changes c WHERE 1 = 1`
	var args []any
	if !f.Since.IsZero() {
		q += ` AND detected_at >= ?`
		args = append(args, fmtTime(f.Since))
	}
	if !f.Until.IsZero() {
		q += ` AND detected_at <= ?`
		args = append(args, fmtTime(f.Until))
	}
	if len(f.SourceIDs) > 0 {
		q += ` AND source_id IN (?` + strings.Repeat(`, ?`, len(f.SourceIDs)-1) + `)`
		for _, id := range f.SourceIDs {
			args = append(args, id)
		}
	}
	if f.Topic != "" {
		q += ` AND ` + db.hasTopic("c.topics")
		args = append(args, f.Topic)
	}
	if f.MinImportance != "" {
		rank := f.MinImportance.Rank()
		if rank < 0 {
			return nil, fmt.Errorf("store: unknown importance %q: use cosmetic, minor or major", f.MinImportance)
		}
		q += ` AND (CASE importance WHEN 'cosmetic' THEN 0 WHEN 'minor' THEN 1 ELSE 2 END) >= ?`
		args = append(args, rank)
	}
	if !f.Technical {
		q += ` AND NOT technical`
	}
	q += ` ORDER BY detected_at, source_id, to_seq`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	rows, err := db.query(ctx, q, args...)
	return collect(rows, err, "list changes", scanChange)
}

// ChangeTo returns the change that produced version seq of a source.
func (db *DB) ChangeTo(ctx context.Context, sourceID string, seq int) (tracker.Change, error) {
	c, err := scanChange(db.rd.QueryRowContext(ctx, `SELECT `+changeColumns+` FROM changes WHERE source_id = ? AND to_seq = ?`, sourceID, seq))
	if err != nil {
		return c, notFound(err, fmt.Sprintf("store: change to version %d of %s", seq, sourceID))
	}
	return c, nil
}

const changeColumns = `source_id, from_seq, to_seq, detected_at, importance, technical, same_as, words_added, words_removed, topics, summary, artefact, reason,
	announcement, stated_dates`

func scanChange(r scanner) (tracker.Change, error) {
	var (
		c        tracker.Change
		detected string
		sameAs   *int
		tj, sj   string
	)
	if err := r.Scan(&c.SourceID, &c.FromSeq, &c.ToSeq, &detected, &c.Importance, &c.Technical, &sameAs,
		&c.WordsAdded, &c.WordsRemoved, &tj, &c.Summary, &c.Artefact, &c.Reason, &c.Stated.Announcement, &sj); err != nil {
		return c, err
	}
	var sd statedDates
	if err := json.Unmarshal([]byte(sj), &sd); err != nil {
		return c, fmt.Errorf("store: stated dates of change %d→%d of %s: %w", c.FromSeq, c.ToSeq, c.SourceID, err)
	}
	c.Stated.Before, c.Stated.After, c.Stated.BeforeLine, c.Stated.AfterLine = sd.Before, sd.After, sd.BeforeLine, sd.AfterLine
	c.DetectedAt = parseTime(detected)
	if sameAs != nil {
		c.SameAs = *sameAs
	}
	if err := json.Unmarshal([]byte(tj), &c.Topics); err != nil {
		return c, fmt.Errorf("store: topics of change %d→%d of %s: %w", c.FromSeq, c.ToSeq, c.SourceID, err)
	}
	return c, nil
}

// UpdateMeaning replaces what a stored change was classified as (its
// importance, topics, summary, artefact, reason and stated dates), for `tracker rebuild
// --changes` after the classification improved. Its versions, dates and
// counts of words stay.
func (db *DB) UpdateMeaning(ctx context.Context, c tracker.Change) error {
	tj, err := json.Marshal(nonNilMatches(c.Topics))
	if err != nil {
		return err
	}
	return db.write(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE changes SET importance = ?, topics = ?, summary = ?, artefact = ?, reason = ?,
			announcement = ?, stated_dates = ? WHERE source_id = ? AND to_seq = ?`, c.Importance, string(tj), c.Summary, c.Artefact, c.Reason,
			c.Stated.Announcement, statedJSON(c.Stated), c.SourceID, c.ToSeq)
		if err != nil {
			return fmt.Errorf("store: update change %d→%d of %s: %w", c.FromSeq, c.ToSeq, c.SourceID, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("store: update change to version %d of %s: %w", c.ToSeq, c.SourceID, ErrNotFound)
		}
		return nil
	})
}
