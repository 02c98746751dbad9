// Package storetest gives tests a database of their own: a new SQLite file
// in the test's temporary directory, closed when the test ends.
package storetest

import (
	"context"
	"path/filepath"
	"testing"

	"tracker/internal/store"
)

// Open returns an empty database in tb's temporary directory.
func Open(tb testing.TB) *store.DB {
	tb.Helper()
	return OpenAt(tb, filepath.Join(tb.TempDir(), "tracker.db"))
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
