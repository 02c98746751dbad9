package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
	"tracker"

	"tracker/internal/api"
	"tracker/internal/compare"
	"tracker/internal/store"
)

// resolveVersion reads a version reference (see compare.Comparer.Resolve),
// pointing a reader who names no version to the history.
func resolveVersion(ctx context.Context, db *store.DB, id, ref string) (tracker.Version, error) {
	v, err := (&compare.Comparer{DB: db}).Resolve(ctx, id, ref)
	return v, withHistoryHint(err, id)
}

func withHistoryHint(err error, id string) error {
	if compare.IsNotFound(err) {
		return fmt.Errorf("%w: see `tracker history %s`", err, id)
	}
	return err
}

// sourceMustExist reports a clear error for an unknown source id.
func (a *app) sourceMustExist(ctx context.Context, db *store.DB, id string) int {
	if _, err := db.Source(ctx, id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			a.errorf("no source %q in %s: see `tracker sources`", id, a.dbPath)
			return exitUsage
		}
		a.errorf("%v", err)
		return exitFailed
	}
	return exitOK
}

// dateFlag reads the date of an optional flag (end: see api.ParseDate),
// reporting a bad one; the zero time when the flag is not given.
func (a *app) dateFlag(flag, value string, end bool) (time.Time, bool) {
	if value == "" {
		return time.Time{}, true
	}
	t, err := api.ParseDate(value, end)
	if err != nil {
		a.errorf("--%s: %v", flag, err)
		return t, false
	}
	return t, true
}

// openForQuery opens the existing database for a listing and checks that
// every --source names a stored source; code is exitOK when db is usable.
func (a *app) openForQuery(ctx context.Context) (db *store.DB, code int) {
	db, ok := a.openDB(ctx, true)
	if !ok {
		return nil, exitFailed
	}
	for _, id := range a.sourceIDs {
		if code := a.sourceMustExist(ctx, db, id); code != exitOK {
			db.Close()
			return nil, code
		}
	}
	return db, exitOK
}

// colour reports whether output should use ANSI colours: a terminal, and
// NO_COLOR unset.
func (a *app) colour() bool {
	if a.getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := a.stdout.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// versionRef cites a version: "version 12 (first seen 2023-05-05 00:42 UTC)".
func versionRef(v tracker.Version) string {
	return fmt.Sprintf("version %d (first seen %s)", v.Seq, fmtTime(v.FirstSeen))
}

// seqRuns writes runs of versions as "3–7, 12".
func seqRuns(runs [][2]int) string {
	parts := make([]string, len(runs))
	for i, r := range runs {
		if r[0] == r[1] {
			parts[i] = strconv.Itoa(r[0])
		} else {
			parts[i] = fmt.Sprintf("%d–%d", r[0], r[1])
		}
	}
	return strings.Join(parts, ", ")
}
