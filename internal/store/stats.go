package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Stats describe what the database holds and what it costs on disk.
type Stats struct {
	Sources   int
	Versions  int
	Snapshots int
	Digests   int
	// VersionBytes is the total size of the text of every version, as if
	// each were stored in full.
	VersionBytes int64
	// BlobBytes is what texts, snapshots and digests take once compressed.
	BlobBytes int64
	// DistinctTexts counts the texts stored: a version equal to an earlier
	// one shares its text.
	DistinctTexts int
	// TextBytes, PageBytes and DigestBytes split BlobBytes by what the
	// compressed bytes hold: texts of versions, raw pages, rendered digests.
	TextBytes, PageBytes, DigestBytes int64
	// FileBytes is the size of the database (page count × page size), WAL
	// included; FreeBytes is the part of it in free pages.
	FileBytes int64
	FreeBytes int64
	PageSize  int64
	// Parts split FileBytes by what the pages hold, largest first.
	Parts []Part
}

// Part is what one part of the database takes on disk: its tables with
// their indexes, in whole pages.
type Part struct {
	Name  string
	Bytes int64
}

// parts group the tables by what they hold; a table not listed counts with
// "sources and schema".
var parts = []struct {
	name   string
	tables []string // a name ending in * is a prefix
}{
	{"compressed texts, pages and digests", []string{"blobs"}},
	{"versions and changes", []string{"versions", "changes"}},
	{"snapshots and fetch log", []string{"snapshots", "fetch_log"}},
	{"search index", []string{"paragraphs", "paragraph_runs", "paragraphs_fts*"}},
	{"feed items", []string{"items", "item_revisions", "items_fts*"}},
	{"digests and recipients", []string{"digests", "recipients"}},
}

const otherPart = "sources and schema"

func partOf(table string) string {
	for _, p := range parts {
		for _, t := range p.tables {
			if t == table || strings.HasSuffix(t, "*") && strings.HasPrefix(table, strings.TrimSuffix(t, "*")) {
				return p.name
			}
		}
	}
	return otherPart
}

// Size is the size of the database, WAL included: cheap enough to ask often.
func (db *DB) Size(ctx context.Context) (int64, error) {
	if db.pg != nil {
		return db.pg.size(ctx, db)
	}
	var n int64
	err := db.r.QueryRowContext(ctx, `SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: size: %w", err)
	}
	return n, nil
}

// Stats checkpoints the WAL and measures the database. It reads every page
// (SQLite's dbstat), so it takes about as long as reading the file.
func (db *DB) Stats(ctx context.Context) (Stats, error) {
	if db.pg != nil {
		return db.pg.stats(ctx, db)
	}
	var s Stats
	// PASSIVE: never waits for a daemon's readers or writer; what it cannot
	// copy stays in the WAL, which the page count below includes anyway.
	if _, err := db.w.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
		return s, fmt.Errorf("store: checkpoint: %w", err)
	}
	tx, err := db.r.BeginTx(ctx, nil) // one snapshot for every figure
	if err != nil {
		return s, fmt.Errorf("store: stats: %w", err)
	}
	defer tx.Rollback()
	err = tx.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM sources),
		(SELECT count(*) FROM versions),
		(SELECT count(*) FROM snapshots),
		(SELECT count(*) FROM digests),
		(SELECT coalesce(sum(b.size), 0) FROM versions v JOIN blobs b ON b.id = v.blob_id),
		(SELECT coalesce(sum(length(data)), 0) FROM blobs),
		(SELECT count(*) FROM blobs WHERE id IN (SELECT blob_id FROM versions)),
		(SELECT coalesce(sum(length(data)), 0) FROM blobs WHERE id IN (SELECT blob_id FROM versions)),
		(SELECT coalesce(sum(length(data)), 0) FROM blobs WHERE id IN (SELECT blob_id FROM snapshots)
			AND id NOT IN (SELECT blob_id FROM versions)),
		(SELECT coalesce(sum(length(data)), 0) FROM blobs WHERE id IN (SELECT text_blob FROM digests UNION SELECT html_blob FROM digests)),
		(SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()),
		(SELECT freelist_count * page_size FROM pragma_freelist_count(), pragma_page_size()),
		(SELECT page_size FROM pragma_page_size())`).Scan(
		&s.Sources, &s.Versions, &s.Snapshots, &s.Digests, &s.VersionBytes, &s.BlobBytes,
		&s.DistinctTexts, &s.TextBytes, &s.PageBytes, &s.DigestBytes, &s.FileBytes, &s.FreeBytes, &s.PageSize)
	if err != nil {
		return s, fmt.Errorf("store: stats: %w", err)
	}

	// Each b-tree (table or index) with the table it belongs to.
	rows, err := tx.QueryContext(ctx, `SELECT coalesce(m.tbl_name, d.name), sum(d.pgsize)
		FROM dbstat AS d LEFT JOIN sqlite_schema AS m ON m.name = d.name
		WHERE d.aggregate = TRUE GROUP BY 1`)
	if err != nil {
		return s, fmt.Errorf("store: stats: pages per table: %w", err)
	}
	defer rows.Close()
	bytes := map[string]int64{}
	for rows.Next() {
		var table string
		var n int64
		if err := rows.Scan(&table, &n); err != nil {
			return s, fmt.Errorf("store: stats: %w", err)
		}
		bytes[partOf(table)] += n
	}
	if err := rows.Err(); err != nil {
		return s, fmt.Errorf("store: stats: %w", err)
	}
	for _, p := range parts {
		s.Parts = append(s.Parts, Part{Name: p.name, Bytes: bytes[p.name]})
	}
	s.Parts = append(s.Parts, Part{Name: otherPart, Bytes: bytes[otherPart]})
	sort.SliceStable(s.Parts, func(i, j int) bool { return s.Parts[i].Bytes > s.Parts[j].Bytes })
	return s, nil
}
