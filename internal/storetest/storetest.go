// Package storetest gives tests a database of their own: a new SQLite file
// in the test's temporary directory, or with TRACKER_TEST_ENGINE=postgres a
// schema of its own on the tests' PostgreSQL server (see pgtest);
// closed (and dropped) when the test ends.
package storetest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"tracker/internal/pgtest"
	"tracker/internal/store"
)

// EngineEnv names the variable that picks the engine of the tests'
// databases: "postgres", or SQLite when unset.
const EngineEnv = "TRACKER_TEST_ENGINE"

// Open returns an empty database for tb.
func Open(tb testing.TB) *store.DB {
	tb.Helper()
	return OpenAt(tb, Address(tb))
}

// Address returns the address of a new empty database for tb: a file in
// its temporary directory, or a PostgreSQL schema of its own (see package
// doc), dropped when tb ends.
func Address(tb testing.TB) string {
	tb.Helper()
	if os.Getenv(EngineEnv) == store.EnginePostgres {
		return Postgres(tb)
	}
	return filepath.Join(tb.TempDir(), "tracker.db")
}

// Postgres returns the address of a new empty PostgreSQL database (a schema
// of its own on the tests' server, see pgtest), dropped when tb ends.
func Postgres(tb testing.TB) string {
	tb.Helper()
	return pgtest.Schema(tb)
}

// OpenAt opens (or creates) the database at path, closed when tb ends.
func OpenAt(tb testing.TB, path string) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}
