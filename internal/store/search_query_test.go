package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"tracker/internal/store"
	"tracker/internal/storetest"
)

// An FTS5 query that cannot run is a bad query that says what is wrong in
// the words of the query, never SQL ("no such column", "SQL logic error").
func TestBadFTSQueryLeaksNoSQL(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	for _, q := range []string{`privacy AND`, `"unclosed`, `foo:bar`, `NEAR(a b`, `*`, `(a`, `title:x`, `^`} {
		_, err1 := db.Search(ctx, store.SearchQuery{Text: q, Raw: true})
		_, err2 := db.SearchItems(ctx, q, true, nil, 10)
		for _, err := range []error{err1, err2} {
			if err == nil {
				continue // a query one index takes (items have a title column)
			}
			msg := err.Error()
			dialect := "FTS5 query"
			if db.Engine() == store.EnginePostgres {
				dialect = "as a tsquery"
			}
			if !errors.Is(err, store.ErrBadQuery) || strings.Contains(msg, "SQL") || strings.Contains(msg, "column") ||
				strings.Contains(msg, "(1)") || !strings.Contains(msg, dialect) {
				t.Errorf("%q: %v", q, err)
			}
		}
		if err1 == nil && db.Engine() == store.EngineSQLite { // tsquery reads some as words
			t.Errorf("%q: no error from the paragraphs' index", q)
		}
	}
}
