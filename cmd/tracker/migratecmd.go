package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"tracker/internal/daemon"
	"tracker/internal/store"
)

// migrateJSON is `tracker migrate --json`.
type migrateJSON struct {
	From     string         `json:"from"`
	To       string         `json:"to"`
	Versions int            `json:"versions_checked"`
	Rows     map[string]int `json:"rows"`
	Seconds  float64        `json:"seconds"`
}

func migrateCmd(a *app, fs *flag.FlagSet) runner {
	to := fs.String("to", "", "the database to copy into: a postgres://USER@HOST/DB `address`, or a new SQLite file")
	return func(ctx context.Context, args []string) error {
		if len(args) != 0 || *to == "" {
			return errUsage
		}
		return a.migrate(ctx, *to)
	}
}

// migrate copies the whole history of --db into to (see store.Copy).
func (a *app) migrate(ctx context.Context, to string) error {
	if to == a.dbPath {
		return usagef("--to names the database itself: give another one")
	}
	if !store.IsPostgres(a.dbPath) {
		if _, err := os.Stat(a.dbPath); errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("no database at %s: pass --db", a.dbPath)
		}
		// What a running daemon records after the copy began would be left
		// behind: the move is exact only with the daemon stopped.
		unlock, err := daemon.Lock(a.dbPath)
		if err != nil {
			return fmt.Errorf("%w: stop `tracker run` before moving its database", err)
		}
		defer unlock()
	}
	if !store.IsPostgres(to) {
		if _, err := os.Stat(to); err == nil {
			return usagef("%s exists: copy into a new file", to)
		}
	}
	from, err := store.Open(ctx, a.dbPath)
	if err != nil {
		return err
	}
	defer from.Close()
	if store.IsPostgres(a.dbPath) {
		if live := liveWorkers(ctx, from, a.now()); live > 0 {
			return fmt.Errorf("%d workers (tracker run) use %s: stop them before moving the database (see `tracker workers`)", live, a.dbName())
		}
	}
	dst, err := store.Open(ctx, to)
	if err != nil {
		return err
	}
	res, err := store.Copy(ctx, from, dst)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if !store.IsPostgres(to) {
			os.Remove(to)
		}
		return err
	}
	if a.jsonOut {
		return a.printJSON(migrateJSON{From: a.dbName(), To: store.Redact(to), Versions: res.Versions, Rows: res.Rows, Seconds: res.Took.Seconds()})
	}
	fmt.Fprintf(a.stdout, "copied %s to %s in %s: %d sources, %d versions (each checked against its SHA-256), %d items, %d digests\n",
		a.dbName(), store.Redact(to), res.Took.Round(time.Millisecond), res.Rows["sources"], res.Versions, res.Rows["items"], res.Rows["digests"])
	fmt.Fprintf(a.stdout, "run tracker with --db %s (or TRACKER_DB) from now on\n", store.Redact(to))
	return nil
}

// liveWorkers counts the workers a PostgreSQL database saw lately that have
// not stopped.
func liveWorkers(ctx context.Context, db store.Store, now time.Time) int {
	ws, err := db.WorkerList(ctx)
	if err != nil {
		return 0
	}
	n := 0
	for _, w := range ws {
		if w.StoppedAt.IsZero() && now.Sub(w.SeenAt) < daemon.DefaultLeaseTTL {
			n++
		}
	}
	return n
}
