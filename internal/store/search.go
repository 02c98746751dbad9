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
	return ftsBadQuery(text, why)
}

// ftsBadQuery is the error of a query FTS5 cannot run, saying why.
func ftsBadQuery(text, why string) error {
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
//
// On SQLite the index (paragraphs_fts, detail=none) knows which paragraphs
// hold which words, not where: it finds the paragraphs holding every word
// of a phrase (or of a NEAR group), and the query itself is then run, as
// written, over the text of those candidates (see verifier).
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
	var query string
	var args []any
	exact := true
	if db.pg != nil {
		// PostgreSQL's index (tsvector) keeps the words' positions and
		// answers a phrase itself.
		cond, tsq := tsquery(q.Text, q.Raw)
		query = `SELECT p.id, p.key, p.source_id, r.from_seq, r.to_seq FROM paragraphs p
			JOIN paragraph_runs r ON r.paragraph_id = p.id WHERE p.tsv @@ ` + cond
		args = []any{tsq}
	} else {
		candidates, ok, err := relax(match)
		if err != nil {
			return nil, ftsBadQuery(q.Text, err.Error())
		}
		exact = ok
		query = `SELECT p.id, p.key, p.source_id, r.from_seq, r.to_seq FROM paragraphs_fts f
			JOIN paragraphs p ON p.id = f.rowid JOIN paragraph_runs r ON r.paragraph_id = p.id
			WHERE paragraphs_fts MATCH ?`
		args = []any{candidates}
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
	type para struct {
		id, key int64
		src     string
	}
	var order []para
	runs := map[para][][2]int{}
	for rows.Next() {
		var k para
		var from, to int
		if err := rows.Scan(&k.id, &k.key, &k.src, &from, &to); err != nil {
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
	texts := paragraphTexts{db: db}
	var check *verifier
	if !exact {
		if check, err = db.newVerifier(ctx, match); err != nil {
			return nil, err
		}
		defer check.close()
	}
	var hits []tracker.SearchHit
	// Candidates are read and checked in batches, in the order of the
	// index, until the limit is reached.
	for start := 0; start < len(order) && len(hits) < limit; {
		var batch []tracker.SearchHit
		var ids []int64
		for ; start < len(order) && len(batch) < max(limit-len(hits), 64); start++ {
			k := order[start]
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
			text, err := texts.find(ctx, vs, rs, k.id, k.key)
			if err != nil {
				return nil, err
			}
			batch = append(batch, tracker.SearchHit{SourceID: k.src, Runs: rs, FirstSeen: vs[first-1].FirstSeen, LastSeen: vs[last-1].LastSeen,
				Current: last == len(vs), Text: text})
			ids = append(ids, k.id)
		}
		keep := func(int) bool { return true }
		if check != nil {
			ok, err := check.matching(ctx, ids, batch)
			if err != nil {
				if bad := db.badQuery(q.Text, q.Raw, err); bad != nil {
					return nil, bad
				}
				return nil, err
			}
			keep = func(i int) bool { return ok[ids[i]] }
		}
		for i, h := range batch {
			if keep(i) && len(hits) < limit {
				hits = append(hits, h)
			}
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

// relax turns an FTS5 query into one the index answers (detail=none: no
// phrase of several words, no NEAR) and that finds at least what it
// finds: a phrase becomes its words, all required, and NEAR(...) the words
// of its phrases. exact reports that nothing was relaxed. A phrase or NEAR
// under NOT cannot be relaxed so: such a query is refused.
func relax(q string) (out string, exact bool, err error) {
	var b strings.Builder
	exact = true
	negated := false
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == '"':
			j := i + 1
			var phrase strings.Builder
			for ; j < len(q); j++ {
				if q[j] == '"' {
					if j+1 < len(q) && q[j+1] == '"' {
						phrase.WriteByte('"')
						j++
						continue
					}
					break
				}
				phrase.WriteByte(q[j])
			}
			if j >= len(q) {
				return "", false, errors.New("a double quote is not closed")
			}
			ws := phraseWords(phrase.String())
			prefix := j+1 < len(q) && q[j+1] == '*'
			if len(ws) > 1 {
				if negated {
					return "", false, errors.New("a phrase of several words after NOT is not supported; search for its words instead")
				}
				exact = false
			}
			b.WriteByte('(')
			for k, w := range ws {
				if k > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(`"` + w + `"`)
				if prefix && k == len(ws)-1 {
					b.WriteByte('*')
				}
			}
			if len(ws) == 0 {
				b.WriteString(`""`)
			}
			b.WriteByte(')')
			i = j + 1
			if prefix {
				i++
			}
		case strings.HasPrefix(q[i:], "NEAR(") && (i == 0 || !isBare(q[i-1])):
			if negated {
				return "", false, errors.New("NEAR after NOT is not supported")
			}
			exact = false
			// NEAR(a b "c d", 5): the words, all required.
			j := i + len("NEAR(")
			depth := 1
			for ; j < len(q) && depth > 0; j++ {
				switch q[j] {
				case '(':
					depth++
				case ')':
					depth--
				}
			}
			if depth > 0 {
				return "", false, errors.New("it ends too early: a bracket is not closed")
			}
			inner := q[i+len("NEAR(") : j-1]
			if k := strings.LastIndexByte(inner, ','); k >= 0 {
				inner = inner[:k]
			}
			sub, _, err := relax(inner)
			if err != nil {
				return "", false, err
			}
			b.WriteString("(" + sub + ")")
			i = j
		case c == '+':
			// a + b is a phrase: both words.
			exact = false
			b.WriteByte(' ')
			i++
		default:
			if strings.HasPrefix(q[i:], "NOT") && (i == 0 || !isBare(q[i-1])) && (i+3 == len(q) || !isBare(q[i+3])) {
				negated = true
			}
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), exact, nil
}

// isBare reports whether c may be part of an FTS5 bareword.
func isBare(c byte) bool {
	return c >= 0x80 || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// phraseWords splits a phrase into the words the tokenizer reads (runs of
// letters, digits and marks), each to be quoted as a one-word phrase.
func phraseWords(p string) []string {
	return strings.FieldsFunc(p, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.IsMark(r) && !unicode.Is(unicode.Co, r)
	})
}

// verifier runs a query as written over candidate paragraphs: in a
// temporary FTS5 table with word positions (detail=full), on a connection
// of its own, so that phrase and NEAR mean exactly what they mean to FTS5.
type verifier struct {
	conn  *sql.Conn
	match string
}

func (db *DB) newVerifier(ctx context.Context, match string) (*verifier, error) {
	conn, err := db.r.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: search: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_check USING fts5(
		text, tokenize='unicode61 remove_diacritics 2')`); err != nil {
		conn.Close()
		return nil, fmt.Errorf("store: search: %w", err)
	}
	return &verifier{conn: conn, match: match}, nil
}

// matching returns which of the paragraphs ids, of texts hits, the query
// matches.
func (v *verifier) matching(ctx context.Context, ids []int64, hits []tracker.SearchHit) (map[int64]bool, error) {
	ok := map[int64]bool{}
	if _, err := v.conn.ExecContext(ctx, `DELETE FROM temp.search_check`); err != nil {
		return nil, fmt.Errorf("store: search: %w", err)
	}
	for i, id := range ids {
		if _, err := v.conn.ExecContext(ctx, `INSERT OR IGNORE INTO temp.search_check(rowid, text) VALUES (?, ?)`, id, hits[i].Text); err != nil {
			return nil, fmt.Errorf("store: search: %w", err)
		}
	}
	rows, err := v.conn.QueryContext(ctx, `SELECT rowid FROM temp.search_check WHERE search_check MATCH ?`, v.match)
	if err != nil {
		return nil, fmt.Errorf("store: search: %w", err) // the caller reads it as a bad query
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ok[id] = true
	}
	return ok, rows.Err()
}

func (v *verifier) close() {
	v.conn.ExecContext(context.Background(), `DROP TABLE IF EXISTS temp.search_check`)
	v.conn.Close()
}

// paragraphTexts finds paragraphs in the versions of one search, reading
// each version's text once, and a paragraph in a version already read when
// one of its runs holds it: the versions of a document share most of their
// paragraphs, and reading a text is most of the cost of a search.
type paragraphTexts struct {
	db   *DB
	read map[string][]readVersion
}

type readVersion struct {
	seq   int
	byKey map[int64]string
}

// find returns paragraph id, of key key, held by the versions vs[seq-1] of
// the runs rs.
func (t *paragraphTexts) find(ctx context.Context, vs []tracker.Version, rs [][2]int, id, key int64) (string, error) {
	if t.read == nil {
		t.read = map[string][]readVersion{}
	}
	src := vs[0].SourceID
	for _, r := range t.read[src] {
		if inRuns(rs, r.seq) {
			if p, ok := r.byKey[key]; ok {
				return p, nil
			}
		}
	}
	v := vs[rs[len(rs)-1][1]-1]
	text, err := t.db.Text(ctx, v)
	if err != nil {
		return "", err
	}
	r := readVersion{seq: v.Seq, byKey: map[int64]string{}}
	for _, p := range splitParagraphs(text) {
		r.byKey[paragraphKey(v.SourceID, p)] = p
	}
	t.read[src] = append(t.read[src], r)
	if p, ok := r.byKey[key]; ok {
		return p, nil
	}
	return "", fmt.Errorf("store: paragraph %d is not in version %d of %s: the search index is damaged; run `tracker rebuild --index` to build it again from the versions", id, v.Seq, v.SourceID)
}

func inRuns(runs [][2]int, seq int) bool {
	for _, r := range runs {
		if seq >= r[0] && seq <= r[1] {
			return true
		}
	}
	return false
}

// RebuildSearchIndex indexes every version again, from the stored texts, in
// one transaction: searches go on reading the old index until it commits.
// It returns the number of versions indexed.
func (db *DB) RebuildSearchIndex(ctx context.Context) (int, error) {
	n := 0
	err := db.write(ctx, func(tx *txn) error {
		var err error
		n, err = db.rebuildSearchIndex(ctx, tx)
		return err
	})
	return n, err
}

func (db *DB) rebuildSearchIndex(ctx context.Context, tx *txn) (int, error) {
	clear := []string{`INSERT INTO paragraphs_fts(paragraphs_fts) VALUES ('delete-all')`,
		`DELETE FROM paragraph_runs`, `DELETE FROM paragraphs`}
	if db.pg != nil {
		// Writers that index a version wait for the new index.
		clear = append([]string{`LOCK TABLE paragraphs, paragraph_runs IN EXCLUSIVE MODE`}, clear[1:]...)
	}
	for _, q := range clear {
		if _, err := tx.tx.ExecContext(ctx, q); err != nil {
			return 0, fmt.Errorf("store: clear the search index: %w", err)
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
		return 0, err
	}
	for _, v := range vs {
		b, err := db.readBlob(ctx, tx, v.blobID)
		if err != nil {
			return 0, err
		}
		if err := indexVersion(ctx, tx, v.sourceID, v.seq, string(b)); err != nil {
			return 0, err
		}
	}
	return len(vs), nil
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
