// Package store keeps tracker's history in SQLite: sources, raw snapshots,
// versions of the cleaned text and the fetch log. Every SQL statement of the
// program lives in this package.
//
// The database runs in WAL mode, so other processes (the CLI while the daemon
// runs) can read while one writes. Writes go through a single connection and
// take the write lock at BEGIN, so two writers queue on the busy timeout
// instead of failing halfway through a transaction.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite" // also registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrations embed.FS

// ErrNotFound is returned when a requested source or version does not exist.
var ErrNotFound = errors.New("not found")

// DB is an open tracker database.
type DB struct {
	path string
	r    *sql.DB // readers
	w    *sql.DB // the one writer connection
	rd   reader
	wc   *stmtCache
	// Now is the clock used for bookkeeping times.
	Now   func() time.Time
	blobs *blobCodec
}

// Open opens (creating if needed) the database at path and applies pending
// migrations.
func Open(ctx context.Context, dbPath string) (*DB, error) {
	if dbPath == "" {
		return nil, errors.New("store: no database path given")
	}
	pragmas := url.Values{}
	for _, p := range []string{"busy_timeout(15000)", "journal_mode(WAL)", "foreign_keys(ON)", "synchronous(NORMAL)"} {
		pragmas.Add("_pragma", p)
	}
	dsn := "file:" + dbPath + "?" + pragmas.Encode()
	w, err := sql.Open("sqlite", dsn+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dbPath, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", dsn)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", dbPath, err)
	}
	r.SetMaxOpenConns(4)
	db := &DB{path: dbPath, r: r, w: w, rd: reader{newStmtCache(r)}, wc: newStmtCache(w), Now: time.Now, blobs: newBlobCodec()}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error {
	db.rd.c.close()
	db.wc.close()
	err1 := db.r.Close()
	err2 := db.w.Close()
	return errors.Join(err1, err2)
}

// Path is the file the database lives in.
func (db *DB) Path() string { return db.path }

func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT`); err != nil {
		return fmt.Errorf("store: migrate: %w (is %s a tracker database on a writable disk?)", err, db.path)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		base := path.Base(name)
		n, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("store: migration %s has no number", base)
		}
		if err := db.applyMigration(ctx, n, base, name); err != nil {
			return err
		}
	}
	return nil
}

// reindexAt is the migration that made the search index anew
// (0008_search_detail_none.sql): applying it indexes every version again.
const reindexAt = 8

func (db *DB) applyMigration(ctx context.Context, n int, base, name string) error {
	return db.write(ctx, func(tx *txn) error {
		var done int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, n).Scan(&done); err != nil {
			return err
		}
		if done > 0 {
			return nil
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		// A migration holds several statements: not one to cache.
		if _, err := tx.tx.ExecContext(ctx, string(body)); err != nil {
			return fmt.Errorf("store: migration %s: %w", base, err)
		}
		if n == reindexAt {
			// The index is contentless: its texts come from the versions.
			if _, err := db.rebuildSearchIndex(ctx, tx); err != nil {
				return fmt.Errorf("store: migration %s: %w", base, err)
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)`,
			n, base, fmtTime(db.Now()))
		return err
	})
}

// write runs fn in a write transaction.
func (db *DB) write(ctx context.Context, fn func(*txn) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	t := &txn{tx: tx, c: db.wc}
	defer t.warm(ctx)
	if err := fn(t); err != nil {
		tx.Rollback()
		return db.explain(err)
	}
	if err := tx.Commit(); err != nil {
		tx.Rollback()
		return db.explain(fmt.Errorf("store: commit: %w", err))
	}
	for id, b := range t.blobs {
		db.blobs.put(id, b)
	}
	return nil
}

// Settle returns once every write begun before it, in this process or
// another, has committed or rolled back: what is read next holds every
// version and item dated before Settle was called (see NewVersion.Now).
func (db *DB) Settle(ctx context.Context) error {
	return db.write(ctx, func(*txn) error { return nil })
}

// ErrDiskFull marks a write refused because the disk holding the database
// is full.
var ErrDiskFull = errors.New("the disk is full")

// machineError is a write the machine refused: it says what the operator
// should do about it.
type machineError struct {
	err  error
	hint string
	full bool
}

func (e *machineError) Error() string        { return e.err.Error() + ": " + e.hint }
func (e *machineError) Unwrap() error        { return e.err }
func (e *machineError) Is(target error) bool { return e.full && target == ErrDiskFull }

// explain adds what to do to the failures of a write that the operator fixes
// on the machine, and that nothing stored was lost: the transaction was
// rolled back as a whole.
func (db *DB) explain(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	const kept = "; what this write held was rolled back, everything stored before it is intact"
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_FULL:
		return &machineError{err: err, full: true, hint: "free space on the disk holding " + db.path + " and tracker carries on" + kept}
	case sqlite3.SQLITE_READONLY:
		return &machineError{err: err, hint: db.path + " or its directory is read-only: make both writable by the user running tracker" + kept}
	case sqlite3.SQLITE_IOERR:
		return &machineError{err: err, hint: "the disk failed to read or write " + db.path + ": check it (dmesg, df)" + kept}
	}
	return err
}

// IntegrityCheck runs PRAGMA integrity_check and returns its findings, or nil
// when the database is sound.
func (db *DB) IntegrityCheck(ctx context.Context) error {
	rows, err := db.r.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("store: integrity check: %w", err)
	}
	defer rows.Close()
	var msgs []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return err
		}
		if m != "ok" {
			msgs = append(msgs, m)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(msgs) > 0 {
		return fmt.Errorf("store: integrity check failed: %s", strings.Join(msgs, "; "))
	}
	return nil
}

// Backup writes a consistent copy of the database to path while others keep
// reading and writing it (VACUUM INTO: never copy the file of a live
// database). path must not exist.
func (db *DB) Backup(ctx context.Context, path string) error {
	if _, err := db.w.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("store: back up to %s: %w", path, err)
	}
	return nil
}

// collect scans every row of a query with scan; what names the query in
// errors.
func collect[T any](rows *sql.Rows, err error, what string, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("store: %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	return out, nil
}

// notFound turns sql.ErrNoRows into ErrNotFound, wrapped with what.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// timeLayout sorts as text in chronological order (fixed width, UTC).
const timeLayout = "2006-01-02T15:04:05.000Z"

func fmtTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) time.Time {
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		t, _ = time.Parse(time.RFC3339Nano, s)
	}
	return t
}

func parseNullTime(s sql.NullString) time.Time {
	if !s.Valid {
		return time.Time{}
	}
	return parseTime(s.String)
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return fmtTime(t)
}
