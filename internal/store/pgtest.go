package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
)

// TestServerEnv names the variable that gives the tests a PostgreSQL server
// (.ci/run starts one and sets it).
const TestServerEnv = "TRACKER_TEST_POSTGRES"

// NewTestSchema makes an empty schema on the PostgreSQL server at addr and
// returns the address of a database whose tables go there, and the function
// that drops it: each test gets a database of its own on one server.
func NewTestSchema(ctx context.Context, addr string) (string, func(), error) {
	b := make([]byte, 6)
	rand.Read(b)
	name := "t_" + hex.EncodeToString(b)
	db, err := sql.Open("pgx", addr)
	if err != nil {
		return "", nil, err
	}
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA `+name); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("store: test schema on %s: %w", Redact(addr), err)
	}
	u, err := url.Parse(addr)
	if err != nil {
		db.Close()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	drop := func() {
		if os.Getenv("TRACKER_TEST_KEEP") == "" {
			db.ExecContext(context.Background(), `DROP SCHEMA `+name+` CASCADE`)
		}
		db.Close()
	}
	return u.String(), drop, nil
}
