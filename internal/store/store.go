// Package store keeps tracker's history: sources, raw snapshots, versions of
// the cleaned text, the fetch log, items, digests and the workers' leases.
// Every SQL statement of the program lives in this package.
//
// Two engines hold it, chosen by the database's address (see Open): SQLite,
// the embedded default, and PostgreSQL, for several workers sharing one
// database. Their statements are the same where the two dialects agree
// (written with ? placeholders, which the PostgreSQL engine numbers); what
// differs (migrations, full-text search, sizes, backups, locking) is each
// engine's own, in sqlite.go and postgres.go.
//
// The SQLite database runs in WAL mode, so other processes (the CLI while
// the daemon runs) can read while one writes. Writes go through a single
// connection and take the write lock at BEGIN, so two writers queue on the
// busy timeout instead of failing halfway through a transaction.
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
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"modernc.org/sqlite" // also registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrations embed.FS

// The engines, as Store.Engine names them.
const (
	EngineSQLite   = "sqlite"
	EnginePostgres = "postgres"
)

// IsPostgres reports whether a database address names a PostgreSQL
// database (postgres://... or postgresql://...) rather than a SQLite file.
func IsPostgres(addr string) bool {
	return strings.HasPrefix(addr, "postgres://") || strings.HasPrefix(addr, "postgresql://")
}

// ErrNotFound is returned when a requested source or version does not exist.
var ErrNotFound = errors.New("not found")

// DB is an open tracker database, on either engine.
type DB struct {
	path string
	addr string // path, or the address with its password
	// pg is set on PostgreSQL: its dialect and what it does differently.
	pg *postgres
	r  *sql.DB // readers
	w  *sql.DB // the one writer connection
	rd reader
	wc *stmtCache
	// Now is the clock used for bookkeeping times.
	Now   func() time.Time
	blobs *blobCodec
}

// Open opens the database at addr, a SQLite file (created if needed) or a
// PostgreSQL address (postgres://user@host/db), and applies pending
// migrations.
func Open(ctx context.Context, addr string) (*DB, error) {
	if IsPostgres(addr) {
		return openPostgres(ctx, addr)
	}
	return openSQLite(ctx, addr)
}

// openSQLite opens (creating if needed) the SQLite database at dbPath.
func openSQLite(ctx context.Context, dbPath string) (*DB, error) {
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
	db := &DB{path: dbPath, addr: dbPath, r: r, w: w, rd: reader{newStmtCache(r, noRebind)}, wc: newStmtCache(w, noRebind), Now: time.Now, blobs: newBlobCodec()}
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

// Path is the file the database lives in, or its address without a
// password.
func (db *DB) Path() string { return db.path }

// Engine is EngineSQLite or EnginePostgres.
func (db *DB) Engine() string {
	if db.pg != nil {
		return EnginePostgres
	}
	return EngineSQLite
}

func (db *DB) migrate(ctx context.Context) error {
	create, files, glob := `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT`, migrations, "migrations/*.sql"
	if db.pg != nil {
		create, files, glob = pgSchemaMigrations, pgMigrations, "migrations/postgres/*.sql"
	}
	names, err := fs.Glob(files, glob)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	sort.Strings(names)
	nums := make([]int, len(names))
	for i, name := range names {
		if nums[i], err = strconv.Atoi(strings.SplitN(path.Base(name), "_", 2)[0]); err != nil {
			return fmt.Errorf("store: migration %s has no number", path.Base(name))
		}
	}
	// A database that is up to date is only read: commands that read take
	// no write lock beside the daemon, and work where nothing can be
	// written.
	if db.migrated(ctx, nums) {
		return nil
	}
	if _, err := db.w.ExecContext(ctx, create); err != nil {
		if machine := db.explain(err); machine != err {
			return fmt.Errorf("store: open %s: %w", db.path, machine)
		}
		return fmt.Errorf("store: migrate: %w (is %s a tracker database on a writable disk?)", err, db.path)
	}
	for i, name := range names {
		if err := db.applyMigration(ctx, files, nums[i], path.Base(name), name); err != nil {
			return err
		}
	}
	return nil
}

// migrated reports whether every migration of nums was applied.
func (db *DB) migrated(ctx context.Context, nums []int) bool {
	rows, err := db.r.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return false
	}
	defer rows.Close()
	done := map[int]bool{}
	for rows.Next() {
		var n int
		if rows.Scan(&n) != nil {
			return false
		}
		done[n] = true
	}
	if rows.Err() != nil {
		return false
	}
	for _, n := range nums {
		if !done[n] {
			return false
		}
	}
	return true
}

// reindexAt is the SQLite migration that made the search index anew
// (0008_search_detail_none.sql): applying it indexes every version again.
// PostgreSQL's index (tsvector) was never changed so.
const reindexAt = 8

func (db *DB) applyMigration(ctx context.Context, files fs.FS, n int, base, name string) error {
	return db.write(ctx, func(tx *txn) error {
		var done int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, n).Scan(&done); err != nil {
			return err
		}
		if done > 0 {
			return nil
		}
		body, err := fs.ReadFile(files, name)
		if err != nil {
			return err
		}
		// A migration holds several statements: not one to cache.
		if _, err := tx.tx.ExecContext(ctx, string(body)); err != nil {
			return fmt.Errorf("store: migration %s: %w", base, err)
		}
		if n == reindexAt && db.pg == nil {
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
	t := &txn{tx: tx, c: db.wc, db: db}
	defer t.warm(ctx)
	if db.pg != nil {
		if err := db.pg.begin(ctx, tx); err != nil {
			tx.Rollback()
			return db.explain(fmt.Errorf("store: begin: %w", err))
		}
	}
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
	if db.pg != nil {
		return db.pg.settle(ctx, db.w)
	}
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
// on the machine, naming the disk, and that nothing stored was lost: the
// transaction was rolled back as a whole.
func (db *DB) explain(err error) error {
	if db.pg != nil {
		return db.pg.explain(err)
	}
	var se *sqlite.Error
	var me *machineError
	if !errors.As(err, &se) || errors.As(err, &me) {
		return err
	}
	const kept = "; what this write held was rolled back, everything stored before it is intact"
	disk := db.disk()
	switch se.Code() {
	case sqlite3.SQLITE_IOERR_SHMOPEN, sqlite3.SQLITE_IOERR_SHMSIZE, sqlite3.SQLITE_IOERR_SHMMAP:
		// Every process, even one that only reads, maps the shared memory
		// of WAL mode, a file beside the database.
		return &machineError{err: err, full: true, hint: fmt.Sprintf("tracker cannot create or grow %s-shm, the shared memory SQLite keeps beside the database, on %s: free space on it (df %s), or check that the user running tracker may write files there; nothing stored was touched",
			filepath.Base(db.path), disk, filepath.Dir(db.abs()))}
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_FULL:
		return &machineError{err: err, full: true, hint: "free space on " + disk + " and tracker carries on" + kept}
	case sqlite3.SQLITE_READONLY:
		return &machineError{err: err, hint: db.path + " or its directory is read-only: make both writable by the user running tracker" + kept}
	case sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN:
		return &machineError{err: err, hint: fmt.Sprintf("the disk failed to read or write %s, on %s: free space on it if it is full, or check it (dmesg, df)%s", db.path, disk, kept)}
	}
	return err
}

func (db *DB) abs() string {
	if p, err := filepath.Abs(db.path); err == nil {
		return p
	}
	return db.path
}

// disk names the disk holding the database with what it has free: "the
// disk holding /var/lib/tracker (1.2 GiB free)".
func (db *DB) disk() string {
	dir := filepath.Dir(db.abs())
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return "the disk holding " + dir
	}
	return fmt.Sprintf("the disk holding %s (%s free)", dir, sizeString(st.Bavail*uint64(st.Bsize)))
}

func sizeString(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// IntegrityCheck runs PRAGMA integrity_check and returns its findings, or nil
// when the database is sound.
func (db *DB) IntegrityCheck(ctx context.Context) error {
	if db.pg != nil {
		return db.pg.integrityCheck(ctx, db)
	}
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
	if db.pg != nil {
		return db.pg.backup(ctx, db, path)
	}
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

// parseTime reads a time as stored: SQLite's text, or PostgreSQL's
// timestamptz as database/sql renders it (RFC 3339).
func parseTime(s string) time.Time {
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		t, _ = time.Parse(time.RFC3339Nano, s)
		t = t.UTC()
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
