package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"tracker"

	"tracker/internal/compare"
	"tracker/internal/config"
	"tracker/internal/daemon"
	"tracker/internal/sources"
	"tracker/internal/store"
)

type rebuildFlags struct {
	sources stringList
	index   bool
	changes bool
}

func rebuildCmd(a *app, fs *flag.FlagSet) runner {
	var f rebuildFlags
	fs.Var(&f.sources, "source", "only this source `ID` (repeatable)")
	fs.BoolVar(&f.index, "index", false, "build the search index again from every stored version, and nothing else")
	fs.BoolVar(&f.changes, "changes", false, "read every stored change again with this version's classification (importance, topics, reason), and nothing else")
	return func(ctx context.Context, args []string) error { return a.rebuild(ctx, args, &f) }
}

// runRebuild re-extracts the current version of each page source from its
// stored page under the configured selectors. A text that comes out
// different is recorded as a technical version, never reported as a change
// of the document. (tracker check does the same by itself when it sees new
// selectors; rebuild does it now, without fetching.)
func (a *app) rebuild(ctx context.Context, args []string, f *rebuildFlags) error {
	if len(args) > 0 || f.index && (len(f.sources) > 0 || f.changes) {
		return errUsage
	}
	if f.index {
		return a.rebuildIndex(ctx)
	}
	if f.changes {
		return a.rebuildChanges(ctx, f.sources)
	}
	cfg, err := a.loadConfigFor(f.sources)
	if err != nil {
		return err
	}
	var todo []*config.Source
	for i := range cfg.Sources {
		s := &cfg.Sources[i]
		if s.Kind == config.KindPage && (len(f.sources) == 0 || slices.Contains(f.sources, s.ID)) {
			todo = append(todo, s)
		}
	}
	db, err := a.openDB(ctx, true)
	if err != nil {
		return err
	}
	defer db.Close()
	checker := sources.NewChecker(cfg, taxonomy(cfg), db, a.logger())
	checker.Now = a.now
	defer checker.Close()
	code := exitOK
	out := []rebuildJSON{}
	for _, s := range todo {
		v, err := checker.Rebuild(ctx, s)
		r := rebuildJSON{Source: s.ID, Outcome: "unchanged"}
		switch {
		case errors.Is(err, store.ErrNotFound):
			r.Outcome = "no-version"
		case err != nil:
			r.Outcome, r.Error = "failed", err.Error()
			code = exitFailed
		case v.Seq > 0:
			r.Outcome, r.Seq = "technical", v.Seq
		}
		if a.jsonOut {
			out = append(out, r)
			continue
		}
		switch r.Outcome {
		case "no-version":
			fmt.Fprintf(a.stdout, "%s  no version yet\n", s.ID)
		case "failed":
			fmt.Fprintf(a.stdout, "%s  failed: %v\n", s.ID, err)
		case "technical":
			fmt.Fprintf(a.stdout, "%s  technical version %d: the page reads differently under the new selectors\n", s.ID, v.Seq)
		default:
			fmt.Fprintf(a.stdout, "%s  unchanged\n", s.ID)
		}
	}
	if a.jsonOut {
		if err := a.printJSON(out); err != nil {
			return err
		}
	}
	return status(code)
}

// rebuildJSON is one source of `tracker rebuild --json`: its outcome is
// unchanged, technical (a new technical version, seq), no-version or
// failed (error).
type rebuildJSON struct {
	Source  string `json:"source"`
	Outcome string `json:"outcome"`
	Seq     int    `json:"seq,omitempty"`
	Error   string `json:"error,omitempty"`
}

// rebuildIndex builds the search index again. It holds the database's
// write lock until done (15 s per 1,000 versions, BenchmarkRebuildSearchIndex): a running
// daemon's checks would fail meanwhile, so it refuses to run beside one.
func (a *app) rebuildIndex(ctx context.Context) error {
	unlock, err := daemon.Lock(a.dbPath)
	if err != nil {
		return fmt.Errorf("rebuild --index writes the whole index in one go: %v", err)
	}
	defer unlock()
	db, err := a.openDB(ctx, true)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.RebuildSearchIndex(ctx)
	if err != nil {
		return err
	}
	if a.jsonOut {
		return a.printJSON(struct {
			Versions int `json:"versions"`
		}{n})
	}
	fmt.Fprintf(a.stdout, "search index built again from %d versions\n", n)
	return nil
}

// rebuildChanges reads every stored change of the sources (all when none
// is named) again, as the record stage would classify it now, and says how
// many read differently.
func (a *app) rebuildChanges(ctx context.Context, ids []string) error {
	cfg, err := a.optionalConfig()
	if err != nil {
		return err
	}
	db, err := a.openForQuery(ctx, ids)
	if err != nil {
		return err
	}
	defer db.Close()
	cmp := &compare.Comparer{DB: db, Taxonomy: cfg.taxonomy(), Subject: cfg.Subject}
	list, err := db.Changes(ctx, store.ChangeFilter{SourceIDs: ids, Technical: true})
	if err != nil {
		return err
	}
	changed := 0
	for _, c := range list {
		_, _, an, err := cmp.Change(ctx, c)
		if err != nil {
			return err
		}
		now := c
		now.Importance, now.Topics, now.Summary, now.Artefact, now.Reason = an.Importance, an.Topics, an.Summary, an.Artefact, an.Reason
		now.Stated = an.Stated
		if now.Importance == c.Importance && now.Artefact == c.Artefact && now.Reason == c.Reason && slices.EqualFunc(now.Topics, c.Topics, sameTopic) &&
			now.Stated == c.Stated {
			continue
		}
		if err := db.UpdateMeaning(ctx, now); err != nil {
			return err
		}
		changed++
	}
	fmt.Fprintf(a.stdout, "%d changes read again, %d of them classified differently now\n", len(list), changed)
	return nil
}

func sameTopic(a, b tracker.TopicMatch) bool {
	return a.Topic == b.Topic && slices.Equal(a.Evidence, b.Evidence)
}
