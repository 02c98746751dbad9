package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"tracker"
	"tracker/internal/text"
)

// copied are the tables Copy carries from one database to another, in an
// order their references allow, with the kind of each column that the
// engines store differently: t a time, b a flag, j JSON, x bytes.
// A table added to the schema must be added here too: Copy refuses a
// database holding a table it does not know, rather than leave it behind.
var copied = []struct {
	table string
	cols  []string // name:kind
}{
	{"sources", []string{"id", "kind", "name", "url", "origin", "created_at:t", "etag", "last_modified", "rules_hash", "body_sha256",
		"last_fetch_at:t", "last_ok_at:t", "last_change_at:t", "error", "error_kind", "failing_since:t", "failures", "notice", "alerted_at:t"}},
	{"blobs", []string{"id", "sha256:x", "size", "codec", "base_id", "aux_id", "depth", "data:x"}},
	{"snapshots", []string{"id", "source_id", "fetched_at:t", "url", "status", "headers:j", "blob_id", "error"}},
	{"versions", []string{"id", "source_id", "seq", "sha256", "blob_id", "words", "first_seen:t", "last_seen:t", "same_as", "snapshot_id",
		"provenance", "origin_ref", "technical:b", "rules_hash"}},
	{"fetch_log", []string{"id", "source_id", "outcome", "version_seq", "status", "error", "first_at:t", "last_at:t", "count"}},
	{"changes", []string{"id", "source_id", "from_seq", "to_seq", "detected_at:t", "importance", "technical:b", "same_as",
		"words_added", "words_removed", "topics:j", "summary", "artefact", "reason", "announcement", "stated_dates"}},
	{"items", []string{"id", "source_id", "key", "guid", "title", "link", "author", "categories:j", "text", "page_text", "published:t",
		"date_only:b", "date_raw", "hash", "first_seen:t", "updated_at:t", "revision", "baseline:b", "kept:b", "topics:j"}},
	{"item_revisions", []string{"item_id", "revision", "title", "link", "text", "hash", "seen_at:t"}},
	// superseded_by names a later digest: set once every digest is in.
	{"digests", []string{"id", "recipient", "window_start:t", "window_end:t", "message_id", "subject", "state", "attempts", "doubtful",
		"last_error", "created_at:t", "sent_at:t", "transport", "delivered_to", "changes", "items", "text_blob", "html_blob"}},
	{"recipients", []string{"address", "enrolled_at:t"}},
	// A delivery left sending keeps its hold (next_attempt): once over, the
	// copy's first pass finds it in doubt, as the original's would have.
	{"deliveries", []string{"id", "target", "channel", "kind", "key", "subject", "body", "window_start:t", "window_end:t", "state",
		"attempts", "doubtful", "last_error", "status", "created_at:t", "next_attempt:t", "sent_at:t"}},
	{"delivery_targets", []string{"target", "enrolled_at:t", "covered_until:t"}},
	{"workers", []string{"id", "hostname", "pid", "started_at:t", "seen_at:t", "stopped_at:t"}},
	// A slot's lease belongs to a worker of the old database: not carried.
	{"check_slots", []string{"source_id", "host", "plan", "due_at:t", "soon:b"}},
	{"checks", []string{"source_id", "slot:t", "next_slot:t", "worker", "started_at:t", "finished_at:t", "outcome"}},
}

// notCopied are rebuilt (the search index) or only matter to the running
// workers (turns and leases).
var notCopied = map[string]bool{"schema_migrations": true, "paragraphs": true, "paragraph_runs": true,
	"host_turns": true, "leases": true}

// CopyResult is what Copy carried.
type CopyResult struct {
	Rows     map[string]int
	Versions int // each checked against its SHA-256
	Took     time.Duration
}

// Copy copies the whole history of from into to, which must be empty, in
// one transaction: every row under its own id, every time as it was, each
// version's text checked against its SHA-256 once written, and the search
// index built again in to. from is read in one snapshot, so a daemon may
// keep running on it (what it records after the snapshot is not carried).
func Copy(ctx context.Context, from, to *DB) (CopyResult, error) {
	start := time.Now()
	res := CopyResult{Rows: map[string]int{}}
	if err := from.knowsEveryTable(ctx); err != nil {
		return res, err
	}
	var n int
	if err := to.r.QueryRowContext(ctx, `SELECT count(*) FROM sources`).Scan(&n); err != nil {
		return res, fmt.Errorf("store: copy: %w", err)
	}
	if n > 0 {
		return res, fmt.Errorf("store: copy: %s already holds %d sources: copy into an empty database", to.path, n)
	}
	opts := &sql.TxOptions{ReadOnly: true}
	if from.pg != nil {
		opts.Isolation = sql.LevelRepeatableRead
	}
	src, err := from.r.BeginTx(ctx, opts)
	if err != nil {
		return res, fmt.Errorf("store: copy: read %s: %w", from.path, err)
	}
	defer src.Rollback()
	err = to.write(ctx, func(tx *txn) error {
		for _, t := range copied {
			n, err := copyTable(ctx, src, from, tx, to, t.table, t.cols)
			if err != nil {
				return err
			}
			res.Rows[t.table] = n
		}
		// The digests superseded, now that their successors are in.
		rows, err := src.QueryContext(ctx, `SELECT id, superseded_by FROM digests WHERE superseded_by IS NOT NULL`)
		pairs, err := collect(rows, err, "copy superseded digests", func(r scanner) ([2]int64, error) {
			var p [2]int64
			return p, r.Scan(&p[0], &p[1])
		})
		if err != nil {
			return err
		}
		for _, p := range pairs {
			if _, err := tx.ExecContext(ctx, `UPDATE digests SET superseded_by = ? WHERE id = ?`, p[1], p[0]); err != nil {
				return fmt.Errorf("store: copy digest %d: %w", p[0], err)
			}
		}
		if to.pg != nil {
			if err := to.pg.resetIdentities(ctx, tx); err != nil {
				return err
			}
			if err := to.pg.indexItems(ctx, tx); err != nil {
				return err
			}
		}
		nv, err := checkVersions(ctx, src, tx, to)
		res.Versions = nv
		return err
	})
	if err != nil {
		return res, err
	}
	// The search index, from the copied texts (SQLite's FTS5 and
	// PostgreSQL's tsvector hold their words differently).
	if _, err := to.RebuildSearchIndex(ctx); err != nil {
		return res, fmt.Errorf("store: copy: %w", err)
	}
	res.Took = time.Since(start)
	return res, nil
}

// knowsEveryTable refuses a database holding a table Copy would leave
// behind.
func (db *DB) knowsEveryTable(ctx context.Context) error {
	q := `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_fts%'`
	if db.pg != nil {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	rows, err := db.r.QueryContext(ctx, q)
	names, err := collect(rows, err, "copy: list tables", func(r scanner) (string, error) {
		var s string
		return s, r.Scan(&s)
	})
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, t := range copied {
		known[t.table] = true
	}
	var unknown []string
	for _, n := range names {
		if !known[n] && !notCopied[n] {
			unknown = append(unknown, n)
		}
	}
	sort.Strings(unknown)
	if len(unknown) > 0 {
		return fmt.Errorf("store: copy: tables %s are not known to the copy: add them to store.copied", strings.Join(unknown, ", "))
	}
	return nil
}

func copyTable(ctx context.Context, src *sql.Tx, from *DB, tx *txn, to *DB, table string, spec []string) (int, error) {
	names := make([]string, len(spec))
	kinds := make([]string, len(spec))
	for i, c := range spec {
		name, kind, _ := strings.Cut(c, ":")
		names[i], kinds[i] = name, kind
	}
	order := ""
	if names[0] == "id" {
		order = " ORDER BY id"
	}
	rows, err := src.QueryContext(ctx, `SELECT `+strings.Join(names, ", ")+` FROM `+table+order)
	if err != nil {
		return 0, fmt.Errorf("store: copy %s: %w", table, err)
	}
	defer rows.Close()
	ins := `INSERT INTO ` + table + `(` + strings.Join(names, ", ") + `) VALUES (?` + strings.Repeat(`, ?`, len(names)-1) + `)`
	st, err := tx.tx.PrepareContext(ctx, tx.c.rebind(ins))
	if err != nil {
		return 0, fmt.Errorf("store: copy %s: %w", table, err)
	}
	defer st.Close()
	vals := make([]any, len(names))
	ptrs := make([]any, len(names))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, fmt.Errorf("store: copy %s: %w", table, err)
		}
		for i, v := range vals {
			vals[i] = convert(v, kinds[i])
		}
		if _, err := st.ExecContext(ctx, vals...); err != nil {
			return n, fmt.Errorf("store: copy %s: row %d: %w", table, n+1, err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("store: copy %s: %w", table, err)
	}
	return n, nil
}

// convert turns a value as one engine returns it into one both take: times
// as tracker's fixed-width text, flags as booleans, text as strings.
func convert(v any, kind string) any {
	switch x := v.(type) {
	case nil:
		return nil
	case time.Time:
		return fmtTime(x)
	case []byte:
		if kind == "x" {
			return x
		}
		v = string(x)
	case int64:
		if kind == "b" {
			return x != 0
		}
	}
	if s, ok := v.(string); ok && kind == "t" {
		return fmtTime(parseTime(s))
	}
	return v
}

// checkVersions reads every copied version's text back from to and checks
// it against its SHA-256, and its dates against the original's.
func checkVersions(ctx context.Context, src *sql.Tx, tx *txn, to *DB) (int, error) {
	rows, err := src.QueryContext(ctx, `SELECT `+versionColumns+` FROM versions ORDER BY source_id, seq`)
	orig, err := collect(rows, err, "copy: versions", scanVersion)
	if err != nil {
		return 0, err
	}
	for _, v := range orig {
		c, err := currentVersionAt(ctx, tx, v.SourceID, v.Seq)
		if err != nil {
			return 0, err
		}
		if !c.FirstSeen.Equal(v.FirstSeen) || !c.LastSeen.Equal(v.LastSeen) || c.SHA256 != v.SHA256 {
			return 0, fmt.Errorf("store: copy: version %d of %s came out as %+v, not %+v", v.Seq, v.SourceID, c, v)
		}
		id, err := blobOf(ctx, tx, v.SourceID, v.Seq)
		if err != nil {
			return 0, err
		}
		b, err := to.readBlob(ctx, tx, id)
		if err != nil {
			return 0, err
		}
		if got := text.Hash(string(b)); got != v.SHA256 {
			return 0, fmt.Errorf("store: copy: version %d of %s reads back with SHA-256 %s, not %s", v.Seq, v.SourceID, got, v.SHA256)
		}
	}
	return len(orig), nil
}

func currentVersionAt(ctx context.Context, q querier, sourceID string, seq int) (tracker.Version, error) {
	v, err := scanVersion(q.QueryRowContext(ctx, `SELECT `+versionColumns+` FROM versions WHERE source_id = ? AND seq = ?`, sourceID, seq))
	if err != nil {
		return v, fmt.Errorf("store: copy: version %d of %s: %w", seq, sourceID, err)
	}
	return v, nil
}

// resetIdentities moves each identity past the ids copied in.
func (p *postgres) resetIdentities(ctx context.Context, tx *txn) error {
	for _, t := range []string{"blobs", "snapshots", "versions", "fetch_log", "changes", "items", "digests", "deliveries"} {
		if _, err := tx.tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+t+`', 'id'), coalesce((SELECT max(id) FROM `+t+`), 0) + 1, false)`); err != nil {
			return fmt.Errorf("store: copy: identity of %s: %w", t, err)
		}
	}
	return nil
}

// indexItems fills the search index of copied items.
func (p *postgres) indexItems(ctx context.Context, tx *txn) error {
	rows, err := tx.tx.QueryContext(ctx, `SELECT source_id, key FROM items`)
	keys, err := collect(rows, err, "copy: items", func(r scanner) ([2]string, error) {
		var k [2]string
		return k, r.Scan(&k[0], &k[1])
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := tx.indexItem(ctx, k[0], k[1]); err != nil {
			return fmt.Errorf("store: copy: index item %q: %w", k[1], err)
		}
	}
	return nil
}
