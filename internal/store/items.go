package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"tracker"
)

// ItemState is what a check needs to know of a stored item.
type ItemState struct {
	ID       int64
	Hash     string
	Revision int
	// Title and DateRaw tell apart items stored under a shared link.
	Title, DateRaw string
}

// ItemStates returns the stored items of a source by key.
func (db *DB) ItemStates(ctx context.Context, sourceID string) (map[string]ItemState, error) {
	rows, err := db.rd.QueryContext(ctx, `SELECT key, id, hash, revision, title, date_raw FROM items WHERE source_id = ?`, sourceID)
	if err != nil {
		return nil, fmt.Errorf("store: items of %s: %w", sourceID, err)
	}
	defer rows.Close()
	out := map[string]ItemState{}
	for rows.Next() {
		var k string
		var s ItemState
		if err := rows.Scan(&k, &s.ID, &s.Hash, &s.Revision, &s.Title, &s.DateRaw); err != nil {
			return nil, err
		}
		out[k] = s
	}
	return out, rows.Err()
}

// FeedFetch is a successful fetch of a feed, with what it brought.
type FeedFetch struct {
	SourceID string
	At       time.Time
	// Snapshot is the raw feed; stored when items are new or updated.
	Snapshot   *tracker.Snapshot
	Validators *tracker.Validators
	// New items are inserted; Updated ones (found by Key) get the new
	// content, their previous revision kept.
	New     []tracker.Item
	Updated []tracker.Item
	// Now, when set, dates the new and updated items when the write begins
	// rather than At (see NewVersion.Now).
	Now func() time.Time
}

// SaveFeedFetch records a feed fetch in one transaction.
func (db *DB) SaveFeedFetch(ctx context.Context, f FeedFetch) error {
	return db.write(ctx, func(tx *txn) error {
		changed := len(f.New)+len(f.Updated) > 0
		if f.Now != nil && changed {
			at := f.Now()
			for i := range f.New {
				if f.New[i].Published.Equal(f.New[i].FirstSeen) { // undated: published when first seen
					f.New[i].Published = at
				}
				f.New[i].FirstSeen = at
			}
			f.At = at
		}
		status := 0
		if f.Snapshot != nil {
			status = f.Snapshot.Status
			if changed {
				if _, err := db.insertSnapshot(ctx, tx, f.SourceID, f.Snapshot, 0); err != nil {
					return err
				}
			}
		}
		for _, it := range f.New {
			if err := insertItem(ctx, tx, f.SourceID, it); err != nil {
				return err
			}
		}
		for _, it := range f.Updated {
			if err := updateItem(ctx, tx, f.SourceID, it, f.At); err != nil {
				return err
			}
		}
		if err := markOK(ctx, tx, f.SourceID, f.At, f.Validators, changed); err != nil {
			return err
		}
		outcome := tracker.OutcomeUnchanged
		if changed {
			outcome = tracker.OutcomeNew
		} else if status == 304 {
			outcome = tracker.OutcomeNotModified
		}
		return logFetch(ctx, tx, f.SourceID, f.At, outcome, 0, status, "")
	})
}

func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}

func insertItem(ctx context.Context, tx *txn, sourceID string, it tracker.Item) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO items(source_id, key, guid, title, link, author, categories, text, page_text,
		published, date_only, date_raw, hash, first_seen, revision, baseline, kept, topics)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`,
		sourceID, it.Key, it.GUID, it.Title, it.Link, it.Author, jsonOf(nonNilStrings(it.Categories)), it.Text, it.PageText,
		nullTime(it.Published), it.DateOnly, it.DateRaw, it.Hash, fmtTime(it.FirstSeen), it.Baseline, it.Kept,
		jsonOf(nonNilMatches(it.Topics)))
	if err != nil {
		return fmt.Errorf("store: save item %q of %s: %w", it.Key, sourceID, err)
	}
	return tx.indexItem(ctx, sourceID, it.Key)
}

// updateItem stores an item's new content, keeping the previous revision.
// An item of the baseline (in the feed at its first fetch, never announced)
// that changes is news from then on: its update is announced.
func updateItem(ctx context.Context, tx *txn, sourceID string, it tracker.Item, at time.Time) error {
	var (
		id        int64
		rev       int
		old       tracker.ItemRevision
		firstSeen string
		updated   sql.NullString
	)
	err := tx.QueryRowContext(ctx, `SELECT id, revision, title, link, text, hash, first_seen, updated_at FROM items
		WHERE source_id = ? AND key = ?`, sourceID, it.Key).Scan(&id, &rev, &old.Title, &old.Link, &old.Text, &old.Hash, &firstSeen, &updated)
	if err != nil {
		return notFound(err, fmt.Sprintf("store: item %q of %s", it.Key, sourceID))
	}
	seen := firstSeen
	if updated.Valid {
		seen = updated.String
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO item_revisions(item_id, revision, title, link, text, hash, seen_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, id, rev, old.Title, old.Link, old.Text, old.Hash, seen); err != nil {
		return fmt.Errorf("store: keep revision %d of item %q: %w", rev, it.Key, err)
	}
	_, err = tx.ExecContext(ctx, `UPDATE items SET guid = ?, title = ?, link = ?, author = ?, categories = ?, text = ?,
		page_text = CASE WHEN ? != '' THEN ? ELSE page_text END, published = ?, date_only = ?, date_raw = ?, hash = ?,
		updated_at = ?, revision = revision + 1, kept = ?, topics = ?, baseline = FALSE WHERE id = ?`,
		it.GUID, it.Title, it.Link, it.Author, jsonOf(nonNilStrings(it.Categories)), it.Text, it.PageText, it.PageText,
		nullTime(it.Published), it.DateOnly, it.DateRaw, it.Hash, fmtTime(at), it.Kept, jsonOf(nonNilMatches(it.Topics)), id)
	if err != nil {
		return fmt.Errorf("store: update item %q of %s: %w", it.Key, sourceID, err)
	}
	return tx.indexItem(ctx, sourceID, it.Key)
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ItemFilter selects items. Zero fields do not filter.
type ItemFilter struct {
	SourceIDs []string
	// Since and Until bound when items were first seen or updated.
	Since, Until time.Time
	Topic        string
	// All includes the items left out by the sources' filters and the
	// baseline (the items already in a feed at its first fetch).
	All bool
	// Baseline includes the baseline's items that the filters keep.
	Baseline bool
	Limit    int
	// PublishedSince and PublishedUntil bound the items' dates (when
	// they were first seen, for undated items): what they are about
	// happened then, whenever tracker read them.
	PublishedSince, PublishedUntil time.Time
	// NoText leaves the items' Text and PageText empty, for who reads only
	// their dates and topics.
	NoText bool
}

const itemColumns = `id, source_id, key, guid, title, link, author, categories, text, page_text, published, date_only,
	date_raw, hash, first_seen, updated_at, revision, baseline, kept, topics`

// Items lists items, the most recently seen first.
func (db *DB) Items(ctx context.Context, f ItemFilter) ([]tracker.Item, error) {
	cols := itemColumns
	if f.NoText {
		cols = strings.Replace(strings.Replace(cols, " text,", " '' AS text,", 1), " page_text,", " '' AS page_text,", 1)
	}
	q := `SELECT ` + cols + ` FROM items i WHERE 1 = 1`
	var args []any
	if len(f.SourceIDs) > 0 {
		q += ` AND source_id IN (?` + strings.Repeat(`, ?`, len(f.SourceIDs)-1) + `)`
		for _, id := range f.SourceIDs {
			args = append(args, id)
		}
	}
	if !f.Since.IsZero() {
		q += ` AND (first_seen >= ? OR updated_at >= ?)`
		args = append(args, fmtTime(f.Since), fmtTime(f.Since))
	}
	if !f.Until.IsZero() {
		q += ` AND first_seen <= ?`
		args = append(args, fmtTime(f.Until))
	}
	if !f.PublishedSince.IsZero() {
		q += ` AND coalesce(published, first_seen) >= ?`
		args = append(args, fmtTime(f.PublishedSince))
	}
	if !f.PublishedUntil.IsZero() {
		q += ` AND coalesce(published, first_seen) <= ?`
		args = append(args, fmtTime(f.PublishedUntil))
	}
	if f.Topic != "" {
		q += ` AND ` + db.hasTopic("i.topics")
		args = append(args, f.Topic)
	}
	switch {
	case f.All:
	case f.Baseline:
		q += ` AND kept`
	default:
		q += ` AND kept AND NOT baseline`
	}
	q += ` ORDER BY coalesce(updated_at, first_seen) DESC, coalesce(published, first_seen) DESC, id DESC`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	rows, err := db.query(ctx, q, args...)
	return collect(rows, err, "list items", scanItem)
}

func scanItem(r scanner) (tracker.Item, error) {
	var (
		it                   tracker.Item
		cats, tj, first      string
		published, updatedAt sql.NullString
	)
	err := r.Scan(&it.ID, &it.SourceID, &it.Key, &it.GUID, &it.Title, &it.Link, &it.Author, &cats, &it.Text, &it.PageText,
		&published, &it.DateOnly, &it.DateRaw, &it.Hash, &first, &updatedAt, &it.Revision, &it.Baseline, &it.Kept, &tj)
	if err != nil {
		return it, err
	}
	it.Published, it.FirstSeen, it.UpdatedAt = parseNullTime(published), parseTime(first), parseNullTime(updatedAt)
	if err := json.Unmarshal([]byte(cats), &it.Categories); err != nil {
		return it, err
	}
	if err := json.Unmarshal([]byte(tj), &it.Topics); err != nil {
		return it, err
	}
	return it, nil
}

// ItemRevisions lists the earlier contents of an item, oldest first.
func (db *DB) ItemRevisions(ctx context.Context, itemID int64) ([]tracker.ItemRevision, error) {
	rows, err := db.rd.QueryContext(ctx, `SELECT revision, title, link, text, hash, seen_at FROM item_revisions
		WHERE item_id = ? ORDER BY revision`, itemID)
	if err != nil {
		return nil, fmt.Errorf("store: revisions of item %d: %w", itemID, err)
	}
	defer rows.Close()
	var out []tracker.ItemRevision
	for rows.Next() {
		var r tracker.ItemRevision
		var seen string
		if err := rows.Scan(&r.Revision, &r.Title, &r.Link, &r.Text, &r.Hash, &seen); err != nil {
			return nil, err
		}
		r.SeenAt = parseTime(seen)
		out = append(out, r)
	}
	return out, rows.Err()
}

// SearchItems finds items whose title or text holds the phrase (or, with
// raw, matches the FTS5 query), most recent first.
func (db *DB) SearchItems(ctx context.Context, text string, raw bool, sourceIDs []string, limit int) ([]tracker.Item, error) {
	match := text
	if !raw {
		match = `"` + strings.ReplaceAll(text, `"`, `""`) + `"`
	} else if err := checkFTS(text); err != nil && db.pg == nil { // FTS5's NEAR
		return nil, err
	}
	if limit <= 0 {
		limit = 200
	}
	q := `SELECT ` + itemColumns + ` FROM items i WHERE i.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)`
	args := []any{match}
	if db.pg != nil {
		var cond string
		cond, match = tsquery(text, raw)
		q, args = `SELECT `+itemColumns+` FROM items i WHERE i.tsv @@ `+cond, []any{match}
	}
	if len(sourceIDs) > 0 {
		q += ` AND source_id IN (?` + strings.Repeat(`, ?`, len(sourceIDs)-1) + `)`
		for _, id := range sourceIDs {
			args = append(args, id)
		}
	}
	q += fmt.Sprintf(` ORDER BY coalesce(published, first_seen) DESC LIMIT %d`, limit)
	rows, err := db.query(ctx, q, args...)
	items, err := collect(rows, err, "search items", scanItem)
	if bad := db.badQuery(text, raw, err); bad != nil {
		return nil, bad
	}
	return items, err
}

// RefilterItems recomputes whether each item of a source is kept and its
// topics, after the source's filters or the topics changed.
func (db *DB) RefilterItems(ctx context.Context, sourceID string, fn func(tracker.Item) (kept bool, ts []tracker.TopicMatch)) error {
	items, err := db.Items(ctx, ItemFilter{SourceIDs: []string{sourceID}, All: true})
	if err != nil {
		return err
	}
	return db.write(ctx, func(tx *txn) error {
		for _, it := range items {
			kept, ts := fn(it)
			if _, err := tx.ExecContext(ctx, `UPDATE items SET kept = ?, topics = ? WHERE id = ?`, kept, jsonOf(nonNilMatches(ts)), it.ID); err != nil {
				return fmt.Errorf("store: refilter item %q of %s: %w", it.Key, sourceID, err)
			}
		}
		return nil
	})
}
