package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// The index holds no word positions: phrases and NEAR still mean what FTS5
// says they mean, checked on the candidates' text.
func TestSearchPhrasesAndNear(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := Open(ctx, filepath.Join(dir, "tracker.db"))
	if err != nil {
		t.Fatal(err)
	}
	addSource(t, db, "pp")
	add(t, db, "pp", "We sell personal data to partners.\nData that is personal stays with us.\nBiometric identifiers are kept.\nPersonal, data-driven ads.", t0)
	add(t, db, "pp", "We share personal data with partners.\nData that is personal stays with us.\nBiometric identifiers are kept.\nPersonal, data-driven ads.", t0.Add(24*time.Hour))

	check := func(t *testing.T, db *DB) {
		t.Helper()
		for _, tc := range []struct {
			q    string
			raw  bool
			want []string
		}{
			{"personal data", false, []string{"We sell personal data to partners.", "We share personal data with partners.", "Personal, data-driven ads."}},
			{"PERSONAL  Data", false, []string{"We sell personal data to partners.", "We share personal data with partners.", "Personal, data-driven ads."}},
			{"data that is personal", false, []string{"Data that is personal stays with us."}},
			{"personal stays", false, []string{"Data that is personal stays with us."}},
			{"data personal", false, nil},
			{"biometric", false, []string{"Biometric identifiers are kept."}},
			{`"personal data" AND sell`, true, []string{"We sell personal data to partners."}},
			{`NEAR(data personal, 2)`, true, []string{"We sell personal data to partners.", "We share personal data with partners.", "Data that is personal stays with us.", "Personal, data-driven ads."}},
			{`NEAR(sell partners, 1)`, true, nil},
			{`biometr* OR "share personal"`, true, []string{"We share personal data with partners.", "Biometric identifiers are kept."}},
			{`personal NOT sell`, true, []string{"We share personal data with partners.", "Data that is personal stays with us.", "Personal, data-driven ads."}},
		} {
			hits, err := db.Search(ctx, SearchQuery{Text: tc.q, Raw: tc.raw})
			if err != nil {
				t.Errorf("%q: %v", tc.q, err)
				continue
			}
			var got []string
			for _, h := range hits {
				got = append(got, h.Text)
			}
			slices.Sort(got)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%q: found %q, want %q", tc.q, got, want)
			}
		}
		for _, q := range []string{`data AND (`, `"unbalanced`, `partners NOT "personal data"`} {
			if _, err := db.Search(ctx, SearchQuery{Text: q, Raw: true}); !errors.Is(err, ErrBadQuery) {
				t.Errorf("%q: %v, want ErrBadQuery", q, err)
			}
		}
	}
	t.Run("new", func(t *testing.T) { check(t, db) })

	// A database indexed with positions (before migration 8) is indexed
	// again without them when opened, and answers the same.
	db.Close()
	raw, err := sql.Open("sqlite", filepath.Join(dir, "tracker.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TABLE paragraphs_fts`, `CREATE VIRTUAL TABLE paragraphs_fts USING fts5(
		text, content='', columnsize=0, tokenize='unicode61 remove_diacritics 2')`,
		`DELETE FROM paragraph_runs`, `DELETE FROM paragraphs`, `DELETE FROM schema_migrations WHERE version = 8`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	db, err = Open(ctx, filepath.Join(dir, "tracker.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t.Run("migrated", func(t *testing.T) { check(t, db) })
}

// A phrase means the same on both engines: SQLite checks it on the
// candidates of an index without positions, PostgreSQL's index answers it
// itself, and neither finds the words in another order or apart.
func TestSearchPhrasesOnEveryEngine(t *testing.T) {
	engines(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		addSource(t, db, "pp")
		add(t, db, "pp", "We sell personal data to partners.\nData that is personal stays with us.", t0)
		add(t, db, "pp", "We share personal data with partners.\nData that is personal stays with us.", t0.Add(24*time.Hour))
		for _, tc := range []struct {
			q    string
			want []string
		}{
			{"personal data", []string{"We sell personal data to partners.", "We share personal data with partners."}},
			{"PERSONAL  Data", []string{"We sell personal data to partners.", "We share personal data with partners."}},
			{"data that is personal", []string{"Data that is personal stays with us."}},
			{"data personal", nil},
			{"sell partners", nil},
		} {
			hits, err := db.Search(ctx, SearchQuery{Text: tc.q})
			if err != nil {
				t.Errorf("%q: %v", tc.q, err)
				continue
			}
			var got []string
			for _, h := range hits {
				got = append(got, h.Text)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("%q: found %q, want %q", tc.q, got, tc.want)
			}
		}
	})
}
