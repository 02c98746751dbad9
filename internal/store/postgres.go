package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// PostgreSQL is reached through pgx (github.com/jackc/pgx/v5) behind
// database/sql: the engines then share one way of running statements, and
// the SQLite engine's code serves both where the dialects agree.

//go:embed migrations/postgres/*.sql
var pgMigrations embed.FS

const pgSchemaMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)`

// Advisory lock keys: the whole database's, taken by migrations, and the
// one every write holds shared while Settle takes it alone.
const (
	pgMigrateKey = 7_301_901
	pgSettleKey  = 7_301_902
)

// postgres is what the PostgreSQL engine does differently.
type postgres struct{}

// Redact drops the password from a PostgreSQL address, for logs and
// output; a SQLite path is returned as it is.
func Redact(addr string) string {
	if !IsPostgres(addr) {
		return addr
	}
	u, err := url.Parse(addr)
	if err != nil {
		return "postgres://…"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxx")
	}
	return u.String()
}

func openPostgres(ctx context.Context, addr string) (*DB, error) {
	name := Redact(addr)
	w, err := sql.Open("pgx", addr)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", name, err)
	}
	w.SetMaxOpenConns(8)
	r, err := sql.Open("pgx", addr)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", name, err)
	}
	r.SetMaxOpenConns(8)
	db := &DB{path: name, addr: addr, pg: &postgres{}, r: r, w: w, rd: reader{newStmtCache(r, rebindNumbered)}, wc: newStmtCache(w, rebindNumbered),
		blobs: newBlobCodec()}
	db.Now = time.Now
	if err := w.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect to %s: %w (is the server running, and the address right?)", name, err)
	}
	// Several workers may start at once: one migrates, the others wait.
	conn, err := w.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect to %s: %w", name, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, pgMigrateKey); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: migrate %s: %w", name, err)
	}
	err = db.migrate(ctx)
	conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, pgMigrateKey)
	if err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// begin starts every write: it holds the settle lock shared, so that Settle
// waits for the writes under way (see DB.Settle).
func (p *postgres) begin(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock_shared($1)`, pgSettleKey)
	return err
}

// settle takes the settle lock alone, once every write that holds it has
// ended, and lets go at once.
func (p *postgres) settle(ctx context.Context, w *sql.DB) error {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: settle: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, pgSettleKey); err != nil {
		return fmt.Errorf("store: settle: %w", err)
	}
	return tx.Commit()
}

// explain names what the operator can do about the server's refusals, and
// turns a version another worker recorded first into ErrConflict.
func (p *postgres) explain(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	const kept = "; what this write held was rolled back, everything stored before it is intact"
	switch {
	case pe.Code == "23505" && (pe.ConstraintName == "versions_source_id_seq_key" || pe.ConstraintName == "changes_source_id_to_seq_key"):
		return fmt.Errorf("%w: another worker recorded a version of this source meanwhile (%v)", ErrConflict, err)
	case pe.Code == "53100":
		return &machineError{err: err, full: true, hint: "free space on the disk of the PostgreSQL server and tracker carries on" + kept}
	case pe.Code == "25006" || pe.Code == "42501":
		return &machineError{err: err, hint: "the PostgreSQL role may not write here: grant it the database, or connect as its owner" + kept}
	}
	return err
}

// lock takes the advisory lock called name for the schema tracker's tables
// are in (tests share one server, each in a schema of its own), on a
// connection held until release.
func (p *postgres) lock(ctx context.Context, db *DB, name string) (func(), error) {
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: lock %s: %w", name, err)
	}
	const key = `hashtextextended(current_schema() || ':' || $1, 0)`
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+key+`)`, name); err != nil {
		// A connection whose wait was cancelled may be mid-statement:
		// dropped rather than given back to the pool.
		conn.Raw(func(any) error { return driver.ErrBadConn })
		conn.Close()
		return nil, fmt.Errorf("store: lock %s: %w", name, err)
	}
	return func() {
		if _, err := conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(`+key+`)`, name); err != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}, nil
}

// badQuery is the error of a tsquery PostgreSQL cannot read, in the
// words of the query; nil when err is something else.
func (p *postgres) badQuery(text string, err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "42601" && !strings.Contains(pe.Message, "tsquery") {
		return nil
	}
	return fmt.Errorf("store: search: %q is %w as a tsquery: %s (write & for AND, | for OR, ! for NOT, <-> for \"followed by\", biometr:* for a prefix)",
		text, ErrBadQuery, pe.Message)
}

// integrityCheck: PostgreSQL checks its own pages; what tracker can check
// is that the server answers and every version's text is there.
func (p *postgres) integrityCheck(ctx context.Context, db *DB) error {
	var missing int
	err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM versions v LEFT JOIN blobs b ON b.id = v.blob_id WHERE b.id IS NULL`).Scan(&missing)
	if err != nil {
		return fmt.Errorf("store: integrity check: %w", err)
	}
	if missing > 0 {
		return fmt.Errorf("store: integrity check failed: %d versions without their text", missing)
	}
	return nil
}

// fold removes accents and lower-cases, as FTS5's unicode61 tokenizer with
// remove_diacritics does, before a text or a query reaches PostgreSQL's
// 'simple' configuration (which lower-cases, but keeps accents).
func fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		return strings.ToLower(s)
	}
	return strings.ToLower(out)
}

// words is what PostgreSQL indexes of a text: folded, and with its angle
// brackets made spaces, since PostgreSQL's parser reads "<script>" as a
// markup tag and drops it, where FTS5 finds the word "script" in it.
func words(s string) string {
	return strings.NewReplacer("<", " ", ">", " ").Replace(fold(s))
}

// indexParagraph adds a new paragraph's words to the search index.
func (t *txn) indexParagraph(ctx context.Context, id int64, text string) error {
	if t.db.pg != nil {
		_, err := t.ExecContext(ctx, `UPDATE paragraphs SET tsv = to_tsvector('simple', ?) WHERE id = ?`, words(text), id)
		return err
	}
	_, err := t.ExecContext(ctx, `INSERT INTO paragraphs_fts(rowid, text) VALUES (?, ?)`, id, text)
	return err
}

// indexItem updates an item's words in the search index (SQLite's triggers
// do it there).
func (t *txn) indexItem(ctx context.Context, sourceID, key string) error {
	if t.db.pg == nil {
		return nil
	}
	var title, text, page string
	if err := t.QueryRowContext(ctx, `SELECT title, text, page_text FROM items WHERE source_id = ? AND key = ?`,
		sourceID, key).Scan(&title, &text, &page); err != nil {
		return err
	}
	_, err := t.ExecContext(ctx, `UPDATE items SET tsv = to_tsvector('simple', ?) WHERE source_id = ? AND key = ?`,
		words(title+"\n"+text+"\n"+page), sourceID, key)
	return err
}

// hasTopic is the condition that a JSON array of topic matches (col) holds
// the topic given as the next argument.
func (db *DB) hasTopic(col string) string {
	if db.pg != nil {
		return `EXISTS (SELECT 1 FROM jsonb_array_elements(` + col + `) j WHERE j->>'topic' = ?)`
	}
	return `EXISTS (SELECT 1 FROM json_each(` + col + `) j WHERE json_extract(j.value, '$.topic') = ?)`
}

// tsquery is PostgreSQL's query for a search: the phrase, or with raw a
// to_tsquery expression ("data & (sale | sell)", "biometr:*").
func tsquery(text string, raw bool) (string, string) {
	if raw {
		return `to_tsquery('simple', ?)`, fold(text)
	}
	return `phraseto_tsquery('simple', ?)`, words(text)
}

// pgStats measures a PostgreSQL database: what its tables and indexes take
// (pg_total_relation_size), the rest of the database counted with the
// schema.
func (p *postgres) stats(ctx context.Context, db *DB) (Stats, error) {
	var s Stats
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
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
		(SELECT coalesce(sum(octet_length(data)), 0) FROM blobs),
		(SELECT count(*) FROM blobs WHERE id IN (SELECT blob_id FROM versions)),
		(SELECT coalesce(sum(octet_length(data)), 0) FROM blobs WHERE id IN (SELECT blob_id FROM versions)),
		(SELECT coalesce(sum(octet_length(data)), 0) FROM blobs WHERE id IN (SELECT blob_id FROM snapshots)
			AND id NOT IN (SELECT blob_id FROM versions)),
		(SELECT coalesce(sum(octet_length(data)), 0) FROM blobs WHERE id IN (SELECT text_blob FROM digests UNION SELECT html_blob FROM digests)),
		pg_database_size(current_database()),
		current_setting('block_size')::bigint`).Scan(
		&s.Sources, &s.Versions, &s.Snapshots, &s.Digests, &s.VersionBytes, &s.BlobBytes,
		&s.DistinctTexts, &s.TextBytes, &s.PageBytes, &s.DigestBytes, &s.FileBytes, &s.PageSize)
	if err != nil {
		return s, fmt.Errorf("store: stats: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relkind = 'r'`)
	if err != nil {
		return s, fmt.Errorf("store: stats: sizes of tables: %w", err)
	}
	defer rows.Close()
	bytes := map[string]int64{}
	var counted int64
	for rows.Next() {
		var table string
		var n int64
		if err := rows.Scan(&table, &n); err != nil {
			return s, fmt.Errorf("store: stats: %w", err)
		}
		bytes[partOf(table)] += n
		counted += n
	}
	if err := rows.Err(); err != nil {
		return s, fmt.Errorf("store: stats: %w", err)
	}
	// The catalog and what PostgreSQL keeps for itself go with the schema,
	// so that the parts add up to the database's size.
	bytes[otherPart] += max(s.FileBytes-counted, 0)
	for _, p := range parts {
		s.Parts = append(s.Parts, Part{Name: p.name, Bytes: bytes[p.name]})
	}
	s.Parts = append(s.Parts, Part{Name: otherPart, Bytes: bytes[otherPart]})
	sort.SliceStable(s.Parts, func(i, j int) bool { return s.Parts[i].Bytes > s.Parts[j].Bytes })
	return s, nil
}

// size is the database's size on the server.
func (p *postgres) size(ctx context.Context, db *DB) (int64, error) {
	var n int64
	if err := db.r.QueryRowContext(ctx, `SELECT pg_database_size(current_database())`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: size: %w", err)
	}
	return n, nil
}

// backup writes a PostgreSQL database's consistent copy as a new SQLite
// file (see Copy): one file to keep, readable by every command.
// PostgreSQL's own pg_dump is the other way.
func (p *postgres) backup(ctx context.Context, db *DB, path string) error {
	dst, err := openSQLite(ctx, path)
	if err != nil {
		return err
	}
	_, err = Copy(ctx, db, dst)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("store: back up %s to %s: %w", db.path, path, err)
	}
	return nil
}
