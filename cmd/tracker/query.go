package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"tracker"
	"tracker/internal/compare"
	"tracker/internal/store"
)

// resolveVersion reads a version reference (see compare.Comparer.Resolve),
// pointing a reader who names no version to the history.
func resolveVersion(ctx context.Context, db store.Store, id, ref string) (tracker.Version, error) {
	v, err := (&compare.Comparer{DB: db}).Resolve(ctx, id, ref)
	return v, withHistoryHint(err, id)
}

func withHistoryHint(err error, id string) error {
	if compare.IsNotFound(err) {
		return fmt.Errorf("%w: see `tracker history %s`", err, id)
	}
	return err
}

// sourceMustExist says clearly that a source id is unknown: a usage error.
func (a *app) sourceMustExist(ctx context.Context, db store.Store, id string) error {
	if _, err := db.Source(ctx, id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return usagef("no source %q in %s: see `tracker sources`", id, a.dbName())
		}
		return err
	}
	return nil
}

// dateFlag reads the date of an optional flag (end: see compare.ParseDate); the
// zero time when the flag is not given, a usage error when it is no date.
func dateFlag(flag, value string, end bool) (time.Time, error) {
	if value == "" {
		return time.Time{}, nil
	}
	t, err := compare.ParseDate(value, end)
	if err != nil {
		return t, usagef("--%s: %v", flag, err)
	}
	return t, nil
}

// filters are the flags a listing of changes or items takes.
type filters struct {
	sources             stringList
	since, until, topic string
	limit               int
}

// bind binds the filters with their help texts; what names the things
// listed.
func (f *filters) bind(fs *flag.FlagSet, what, source, since, until, topic string) {
	fs.Var(&f.sources, "source", source)
	fs.StringVar(&f.since, "since", "", since)
	fs.StringVar(&f.until, "until", "", until)
	fs.StringVar(&f.topic, "topic", "", topic)
	fs.IntVar(&f.limit, "limit", 0, "at most `N` "+what+" (0: all)")
}

// runner runs a listing, which takes no argument, with the period that
// --since and --until give (each optional), once --topic names a topic of
// the configuration's taxonomy.
func (f *filters) runner(a *app, list func(ctx context.Context, since, until time.Time) error) runner {
	return func(ctx context.Context, args []string) error {
		if len(args) > 0 {
			return errUsage
		}
		if f.topic != "" {
			cfg, err := a.optionalConfig()
			if err != nil {
				return err
			}
			if err := cfg.taxonomy().Check(f.topic); err != nil {
				return usagef("--topic: %v", err)
			}
		}
		since, err := dateFlag("since", f.since, false)
		if err != nil {
			return err
		}
		until, err := dateFlag("until", f.until, true)
		if err != nil {
			return err
		}
		return list(ctx, since, until)
	}
}

// openForQuery opens the existing database for a listing and checks that
// every source of ids is stored.
func (a *app) openForQuery(ctx context.Context, ids []string) (store.Store, error) {
	db, err := a.openDB(ctx, true)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if err := a.sourceMustExist(ctx, db, id); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

// listing runs the query of a listing on the existing database, once every
// source of ids is known to be stored.
func listing[T any](ctx context.Context, a *app, ids []string, query func(store.Store) ([]T, error)) ([]T, error) {
	db, err := a.openForQuery(ctx, ids)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return query(db)
}

// list runs the query of a listing and prints what it finds: as JSON
// (conv) with --json, none when it finds nothing, otherwise as text does.
func list[T, J any](ctx context.Context, a *app, ids []string, query func(store.Store) ([]T, error), conv func(T) J,
	none string, text func([]T)) error {
	found, err := listing(ctx, a, ids, query)
	if err != nil {
		return err
	}
	if a.jsonOut {
		return printAll(a, found, conv)
	}
	if len(found) == 0 {
		fmt.Fprintln(a.stdout, none)
		return nil
	}
	text(found)
	return nil
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
