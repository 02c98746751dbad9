package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"tracker/internal/config"
	"tracker/internal/daemon"
	"tracker/internal/sources"
	"tracker/internal/store"
)

func rebuildFlags(a *app, fs *flag.FlagSet) {
	fs.Var(&a.sourceIDs, "source", "only this source `ID` (repeatable)")
	fs.BoolVar(&a.rebuildIndex, "index", false, "build the search index again from every stored version, and nothing else")
}

// runRebuild re-extracts the current version of each page source from its
// stored page under the configured selectors. A text that comes out
// different is recorded as a technical version, never reported as a change
// of the document. (tracker check does the same by itself when it sees new
// selectors; rebuild does it now, without fetching.)
func runRebuild(ctx context.Context, a *app, fs *flag.FlagSet, args []string) int {
	if len(args) > 0 || a.rebuildIndex && len(a.sourceIDs) > 0 {
		fs.Usage()
		return exitUsage
	}
	if a.rebuildIndex {
		// It holds the database's write lock until done (about 10 s per
		// 1,000 versions): a running daemon's checks would fail meanwhile.
		unlock, err := daemon.Lock(a.dbPath)
		if err != nil {
			a.errorf("rebuild --index writes the whole index in one go: %v", err)
			return exitFailed
		}
		defer unlock()
		db, ok := a.openDB(ctx, true)
		if !ok {
			return exitFailed
		}
		defer db.Close()
		n, err := db.RebuildSearchIndex(ctx)
		if err != nil {
			a.errorf("%v", err)
			return exitFailed
		}
		fmt.Fprintf(a.stdout, "search index built again from %d versions\n", n)
		return exitOK
	}
	cfg, ok := a.loadConfigFor()
	if !ok {
		return exitUsage
	}
	var todo []*config.Source
	for i := range cfg.Sources {
		s := &cfg.Sources[i]
		if s.Kind == config.KindPage && (len(a.sourceIDs) == 0 || contains(a.sourceIDs, s.ID)) {
			todo = append(todo, s)
		}
	}
	db, ok := a.openDB(ctx, true)
	if !ok {
		return exitFailed
	}
	defer db.Close()
	checker := sources.NewChecker(cfg, taxonomy(cfg), db, a.logger())
	checker.Now = a.now
	defer checker.Close()
	code := exitOK
	for _, s := range todo {
		v, err := checker.Rebuild(ctx, s)
		switch {
		case errors.Is(err, store.ErrNotFound):
			fmt.Fprintf(a.stdout, "%s  no version yet\n", s.ID)
		case err != nil:
			fmt.Fprintf(a.stdout, "%s  failed: %v\n", s.ID, err)
			code = exitFailed
		case v.Seq > 0:
			fmt.Fprintf(a.stdout, "%s  technical version %d: the page reads differently under the new selectors\n", s.ID, v.Seq)
		default:
			fmt.Fprintf(a.stdout, "%s  unchanged\n", s.ID)
		}
	}
	return code
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
