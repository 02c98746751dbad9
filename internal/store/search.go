package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"tracker"
)

// paragraphKey identifies a paragraph of a source: 63 bits of SHA-256 leave
// a collision among a billion paragraphs at odds of one in ten billion.
func paragraphKey(sourceID, p string) int64 {
	h := sha256.New()
	h.Write([]byte(sourceID))
	h.Write([]byte{0})
	h.Write([]byte(p))
	return int64(binary.BigEndian.Uint64(h.Sum(nil)) >> 1)
}

// splitParagraphs returns the distinct non-empty lines of a version text.
func splitParagraphs(text string) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

// indexVersion records which paragraphs version seq of a source holds,
// indexing the paragraphs never seen before.
func indexVersion(ctx context.Context, tx *txn, sourceID string, seq int, text string) error {
	wrap := func(err error) error { return fmt.Errorf("store: index version %d of %s: %w", seq, sourceID, err) }
	for _, p := range splitParagraphs(text) {
		key := paragraphKey(sourceID, p)
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM paragraphs WHERE key = ?`, key).Scan(&id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if err := tx.QueryRowContext(ctx, `INSERT INTO paragraphs(source_id, key) VALUES (?, ?) RETURNING id`, sourceID, key).Scan(&id); err != nil {
				return wrap(err)
			}
			if err := tx.indexParagraph(ctx, id, p); err != nil {
				return wrap(err)
			}
		case err != nil:
			return wrap(err)
		default:
			res, err := tx.ExecContext(ctx, `UPDATE paragraph_runs SET to_seq = ? WHERE paragraph_id = ? AND to_seq = ?`, seq, id, seq-1)
			if err != nil {
				return wrap(err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				continue
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO paragraph_runs(paragraph_id, from_seq, to_seq) VALUES (?, ?, ?)`, id, seq, seq); err != nil {
			return wrap(err)
		}
	}
	return nil
}

// SearchQuery is a full-text search over every version.
type SearchQuery struct {
	// Text is the phrase to find (case and accents ignored). With Raw, it is
	// an FTS5 query ("data AND (sale OR sell)", "biometr*").
	Text string
	Raw  bool
	// SourceIDs limits the search; empty searches every source.
	SourceIDs []string
	// At keeps only the paragraphs present in the version in force then.
	At time.Time
	// Limit caps the number of paragraphs returned (0: 200).
	Limit int
}

// ErrBadQuery marks a search that cannot be run as written.
var ErrBadQuery = errors.New("not a valid search")

// badQuery is the error of a query the engine's full-text search refused,
// in the words of the query rather than of SQL ("no such column" is a word
// with a colon in FTS5); nil when err is something else.
func (db *DB) badQuery(text string, raw bool, err error) error {
	if db.pg != nil {
		return db.pg.badQuery(text, err)
	}
	var se *sqlite.Error
	if !raw || !errors.As(err, &se) || se.Code() != sqlite3.SQLITE_ERROR {
		return nil
	}
	msg := se.Error()
	if i := strings.LastIndex(msg, " ("); i > 0 {
		msg = msg[:i] // the result code
	}
	msg = strings.TrimPrefix(strings.TrimPrefix(msg, "SQL logic error: "), "fts5: ")
	why := msg
	switch {
	case msg == `syntax error near ""`:
		why = "it ends too early: an operator (AND, OR, NOT, NEAR) or a bracket lacks what follows it"
	case strings.HasPrefix(msg, "syntax error near "):
		why = "it cannot be read near " + strings.TrimPrefix(msg, "syntax error near ")
	case msg == "unterminated string":
		why = "a double quote is not closed"
	case strings.HasPrefix(msg, "no such column: "):
		word := strings.TrimPrefix(msg, "no such column: ")
		why = fmt.Sprintf("%q followed by a colon reads as the name of a field to search in: put a phrase holding a colon in double quotes", word)
	case strings.HasPrefix(msg, "unknown special query"):
		why = "* alone finds nothing: put it after the start of a word (priva*)"
	}
	return fmt.Errorf("store: search: %q is %w as an FTS5 query: %s", text, ErrBadQuery, why)
}

// checkFTS catches what FTS5 would read as something else than was meant:
// NEAR between two words is the word "near" there, so that "minimum NEAR
// age" quietly finds nothing; FTS5 writes it NEAR(minimum age).
func checkFTS(query string) error {
	words := strings.Fields(query)
	for i, w := range words {
		if w != "NEAR" || i+1 < len(words) && strings.HasPrefix(words[i+1], "(") {
			continue
		}
		near := "NEAR(minimum age)"
		if i > 0 && i+1 < len(words) {
			near = "NEAR(" + words[i-1] + " " + words[i+1] + ")"
		}
		return fmt.Errorf("store: search: %q is %w: FTS5 writes NEAR around the words, as %s (within 10 words of each other) or %s (within 5); to find the word \"near\", write it in lower case",
			query, ErrBadQuery, near, strings.TrimSuffix(near, ")")+", 5)")
	}
	return nil
}

// Search finds the paragraphs matching q in every version of every source.
func (db *DB) Search(ctx context.Context, q SearchQuery) ([]tracker.SearchHit, error) {
	// Line breaks and tabs are spaces in a phrase; other control characters
	// are in no text (extraction drops them).
	q.Text = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, q.Text)
	if strings.IndexFunc(q.Text, unicode.IsControl) >= 0 {
		return nil, fmt.Errorf("store: search: %q holds control characters: %w", q.Text, ErrBadQuery)
	}
	match := q.Text
	if !q.Raw {
		match = `"` + strings.ReplaceAll(q.Text, `"`, `""`) + `"`
	} else if err := checkFTS(q.Text); err != nil && db.pg == nil { // FTS5's NEAR
		return nil, err
	}
	if strings.TrimSpace(q.Text) == "" {
		return nil, fmt.Errorf("store: search: empty query")
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 200
	}
	query := `SELECT p.id, p.source_id, r.from_seq, r.to_seq FROM paragraphs_fts f
		JOIN paragraphs p ON p.id = f.rowid JOIN paragraph_runs r ON r.paragraph_id = p.id
		WHERE paragraphs_fts MATCH ?`
	args := []any{match}
	if db.pg != nil {
		var cond string
		cond, match = tsquery(q.Text, q.Raw)
		query = `SELECT p.id, p.source_id, r.from_seq, r.to_seq FROM paragraphs p
			JOIN paragraph_runs r ON r.paragraph_id = p.id WHERE p.tsv @@ ` + cond
		args = []any{match}
	}
	if len(q.SourceIDs) > 0 {
		query += ` AND p.source_id IN (?` + strings.Repeat(`, ?`, len(q.SourceIDs)-1) + `)`
		for _, id := range q.SourceIDs {
			args = append(args, id)
		}
	}
	query += ` ORDER BY p.source_id, p.id, r.from_seq`
	rows, err := db.query(ctx, query, args...)
	if err != nil {
		if bad := db.badQuery(q.Text, q.Raw, err); bad != nil {
			return nil, bad
		}
		return nil, fmt.Errorf("store: search: %w", err)
	}
	type key struct {
		id  int64
		src string
	}
	var order []key
	runs := map[key][][2]int{}
	for rows.Next() {
		var k key
		var from, to int
		if err := rows.Scan(&k.id, &k.src, &from, &to); err != nil {
			rows.Close()
			return nil, err
		}
		if _, ok := runs[k]; !ok {
			order = append(order, k)
		}
		runs[k] = append(runs[k], [2]int{from, to})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		if bad := db.badQuery(q.Text, q.Raw, err); bad != nil {
			return nil, bad
		}
		return nil, fmt.Errorf("store: search: %w", err)
	}

	versions := map[string][]tracker.Version{}
	atSeq := map[string]int{}
	var hits []tracker.SearchHit
	for _, k := range order {
		vs, ok := versions[k.src]
		if !ok {
			if vs, err = db.Versions(ctx, k.src); err != nil {
				return nil, err
			}
			versions[k.src] = vs
			if !q.At.IsZero() {
				atSeq[k.src] = 0
				for _, v := range vs {
					if !v.FirstSeen.After(q.At) {
						atSeq[k.src] = v.Seq
					}
				}
			}
		}
		rs := runs[k]
		if !q.At.IsZero() && !inRuns(rs, atSeq[k.src]) {
			continue
		}
		first, last := rs[0][0], rs[len(rs)-1][1]
		if first < 1 || last > len(vs) {
			return nil, fmt.Errorf("store: search: paragraph index of %s is out of step with its versions", k.src)
		}
		hit := tracker.SearchHit{SourceID: k.src, Runs: rs, FirstSeen: vs[first-1].FirstSeen, LastSeen: vs[last-1].LastSeen,
			Current: last == len(vs)}
		text, err := db.paragraphText(ctx, vs[last-1], k.id)
		if err != nil {
			return nil, err
		}
		hit.Text = text
		hits = append(hits, hit)
		if len(hits) == limit {
			break
		}
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].SourceID != hits[j].SourceID {
			return hits[i].SourceID < hits[j].SourceID
		}
		return hits[i].FirstSeen.Before(hits[j].FirstSeen)
	})
	return hits, nil
}

func inRuns(runs [][2]int, seq int) bool {
	for _, r := range runs {
		if seq >= r[0] && seq <= r[1] {
			return true
		}
	}
	return false
}

// paragraphText finds paragraph id in version v.
func (db *DB) paragraphText(ctx context.Context, v tracker.Version, id int64) (string, error) {
	var key int64
	if err := db.rd.QueryRowContext(ctx, `SELECT key FROM paragraphs WHERE id = ?`, id).Scan(&key); err != nil {
		return "", fmt.Errorf("store: paragraph %d: %w", id, err)
	}
	text, err := db.Text(ctx, v)
	if err != nil {
		return "", err
	}
	for _, p := range splitParagraphs(text) {
		if paragraphKey(v.SourceID, p) == key {
			return p, nil
		}
	}
	return "", fmt.Errorf("store: paragraph %d is not in version %d of %s: the search index is damaged; run `tracker rebuild --index` to build it again from the versions", id, v.Seq, v.SourceID)
}

// RebuildSearchIndex indexes every version again, from the stored texts, in
// one transaction: searches go on reading the old index until it commits.
// It returns the number of versions indexed.
func (db *DB) RebuildSearchIndex(ctx context.Context) (int, error) {
	n := 0
	err := db.write(ctx, func(tx *txn) error {
		clear := []string{`INSERT INTO paragraphs_fts(paragraphs_fts) VALUES ('delete-all')`,
			`DELETE FROM paragraph_runs`, `DELETE FROM paragraphs`}
		if db.pg != nil {
			// Writers that index a version wait for the new index.
			clear = append([]string{`LOCK TABLE paragraphs, paragraph_runs IN EXCLUSIVE MODE`}, clear[1:]...)
		}
		for _, q := range clear {
			if _, err := tx.tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("store: clear the search index: %w", err)
			}
		}
		type stored struct {
			sourceID string
			seq      int
			blobID   int64
		}
		rows, err := tx.tx.QueryContext(ctx, `SELECT source_id, seq, blob_id FROM versions ORDER BY source_id, seq`)
		vs, err := collect(rows, err, "rebuild the search index", func(r scanner) (stored, error) {
			var v stored
			return v, r.Scan(&v.sourceID, &v.seq, &v.blobID)
		})
		if err != nil {
			return err
		}
		for _, v := range vs {
			b, err := db.readBlob(ctx, tx, v.blobID)
			if err != nil {
				return err
			}
			if err := indexVersion(ctx, tx, v.sourceID, v.seq, string(b)); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// ParagraphRuns counts the separate runs of versions of a source, among
// versions 1 to seq, that held paragraph p: 0 when none did, 2 or more when
// it came and went. The classification of changes reads it to tell page
// chrome that comes and goes from text.
func (db *DB) ParagraphRuns(ctx context.Context, sourceID, p string, seq int) (int, error) {
	var n int
	err := db.rd.QueryRowContext(ctx, `SELECT count(*) FROM paragraph_runs r JOIN paragraphs p ON p.id = r.paragraph_id
		WHERE p.key = ? AND r.from_seq <= ?`, paragraphKey(sourceID, strings.TrimSpace(p)), seq).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: paragraph history of %s: %w", sourceID, err)
	}
	return n, nil
}
