package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"
)

// Statements are prepared once per pool and reused: parsing SQL costs more
// than running these small queries, and a check pass runs thousands of them.
type stmtCache struct {
	mu    sync.Mutex
	pool  *sql.DB
	stmts map[string]*sql.Stmt
	// rebind turns the ? placeholders into the engine's.
	rebind func(string) string
}

func newStmtCache(pool *sql.DB, rebind func(string) string) *stmtCache {
	return &stmtCache{pool: pool, stmts: map[string]*sql.Stmt{}, rebind: rebind}
}

func (c *stmtCache) lookup(query string) (*sql.Stmt, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.stmts[query]
	return st, ok
}

func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := c.lookup(query); ok {
		return st, nil
	}
	// Prepare without the lock: waiting for a connection while holding it
	// would block a transaction that holds the connection and looks up a
	// statement.
	st, err := c.pool.PrepareContext(ctx, c.rebind(query))
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stmts == nil { // closed meanwhile
		return st, nil
	}
	if prev, ok := c.stmts[query]; ok {
		st.Close()
		return prev, nil
	}
	c.stmts[query] = st
	return st, nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.stmts {
		st.Close()
	}
	c.stmts = nil
}

// querier runs queries on a pool or in a transaction.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// reader runs cached statements on the read pool.
type reader struct{ c *stmtCache }

func (r reader) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := r.c.get(ctx, query)
	if err != nil {
		// Let the error surface from Scan, as database/sql does.
		return r.c.pool.QueryRowContext(ctx, r.c.rebind(query), args...)
	}
	return st.QueryRowContext(ctx, args...)
}

func (r reader) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := r.c.get(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// txn is a write transaction running cached statements. The writer pool has
// one connection, held by the transaction, so a statement missing from the
// cache is prepared on the transaction and cached after it ends.
type txn struct {
	tx     *sql.Tx
	c      *stmtCache
	db     *DB
	misses []string
	// blobs are the contents the transaction wrote: they join the shared
	// cache only once it commits, for a rolled-back blob's id is given to
	// the next one.
	blobs map[int64][]byte
}

func (t *txn) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := t.c.lookup(query); ok {
		return t.tx.StmtContext(ctx, st), nil
	}
	t.misses = append(t.misses, query)
	return t.tx.PrepareContext(ctx, t.c.rebind(query))
}

// warm prepares the statements a transaction missed, once it has ended.
func (t *txn) warm(ctx context.Context) {
	for _, q := range t.misses {
		t.c.get(ctx, q)
	}
}

func (t *txn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (t *txn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := t.stmt(ctx, query)
	if err != nil {
		return t.tx.QueryRowContext(ctx, t.c.rebind(query), args...)
	}
	return st.QueryRowContext(ctx, args...)
}

func (t *txn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// query runs a query built for the occasion (a listing's filters) on the
// read pool, uncached.
func (db *DB) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return db.r.QueryContext(ctx, db.rd.c.rebind(q), args...)
}

// exec runs a statement of its own (several statements, or one for the
// occasion) in the transaction, uncached.
func (t *txn) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, t.c.rebind(q), args...)
}

// noRebind keeps the ? placeholders: SQLite's own.
func noRebind(q string) string { return q }

// rebindNumbered numbers the placeholders as PostgreSQL wants them: ? as
// $1, $2... in order, and ?N as $N; a ? inside a quoted string is left.
func rebindNumbered(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	quote := byte(0)
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
			b.WriteByte(c)
		case c == '\'' || c == '"':
			quote = c
			b.WriteByte(c)
		case c == '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			b.WriteByte('$')
			if j > i+1 {
				b.WriteString(q[i+1 : j])
				i = j - 1
			} else {
				n++
				b.WriteString(strconv.Itoa(n))
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// txQuery runs a query built for the occasion in a transaction, uncached.
func (db *DB) txQuery(ctx context.Context, t *txn, q string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, t.c.rebind(q), args...)
}
