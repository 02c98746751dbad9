package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"runtime/debug"
	"strings"

	"tracker"
	"tracker/internal/sources"
	"tracker/internal/sources/fetch"
)

type checkJSON struct {
	Source     string              `json:"source"`
	Outcome    tracker.Outcome     `json:"outcome"`
	Seq        int                 `json:"seq,omitempty"`
	SameAs     *int                `json:"same_as,omitempty"`
	Error      string              `json:"error,omitempty"`
	ErrorKind  tracker.FailureKind `json:"error_kind,omitempty"`
	DurationMS int64               `json:"duration_ms"`
}

// checkCmd fetches the sources once. Exit 0 when every source was fetched,
// 1 when some failed, 2 for a usage or configuration error.
func checkCmd(a *app, fs *flag.FlagSet) runner {
	var ids stringList
	fs.Var(&ids, "source", "check only this source `ID` (repeatable)")
	return func(ctx context.Context, args []string) error { return a.check(ctx, args, ids) }
}

func (a *app) check(ctx context.Context, args []string, ids []string) error {
	if len(args) > 0 {
		return errUsage
	}
	cfg, err := a.loadConfigFor(ids)
	if err != nil {
		return err
	}
	defer debug.SetMemoryLimit(a.limitMemory(cfg))
	db, err := a.openDB(ctx, false)
	if err != nil {
		return err
	}
	defer db.Close()

	checker := sources.NewChecker(cfg, taxonomy(cfg), db, a.logger())
	checker.Now = a.now
	// Recipients are followed from the first run that knows them.
	var addrs []string
	for _, r := range cfg.Recipients {
		addrs = append(addrs, r.Address)
	}
	if err := db.EnrollRecipients(ctx, addrs, a.now()); err != nil {
		return err
	}
	defer func() {
		// Stops the browser, if a page needed one.
		if err := checker.Close(); err != nil {
			a.errorf("%v", err)
		}
	}()
	width := 0
	for _, s := range cfg.Sources {
		width = max(width, len(s.ID))
	}
	failed := 0
	var out []checkJSON
	results, err := checker.CheckAll(ctx, ids, func(r sources.Result) {
		if r.Outcome == sources.Failed {
			failed++
		}
		if a.jsonOut {
			out = append(out, toCheckJSON(r))
			return
		}
		fmt.Fprintf(a.stdout, "%-*s  %s\n", width, r.SourceID, describe(r))
	})
	if err != nil {
		return err
	}
	if a.jsonOut {
		if out == nil {
			out = []checkJSON{}
		}
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return reported(exitFailed) // stdout is gone: nowhere to say it
		}
	}
	if len(results) == 0 {
		a.errorf("no enabled sources to check in %s", cfg.Path)
	}
	if hint := offlineHint(results); hint != "" {
		a.errorf("%s", hint)
	}
	if failed > 0 {
		return reported(exitFailed) // each failure has its line
	}
	return nil
}

// offlineHint is what a pass in which no source could be reached says
// once, after its lines: the machine, rather than each source, is the
// likely fault.
func offlineHint(results []sources.Result) string {
	unreachable := 0
	for _, r := range results {
		switch {
		case r.Outcome != sources.Failed:
			return ""
		case fetch.Unreachable(r.Err):
			unreachable++
		}
	}
	if unreachable < 2 {
		return ""
	}
	return fmt.Sprintf("%d of the %d sources could not be reached (their hosts do not resolve, or no route leads to them): "+
		"this machine may have no network or no DNS; check its connection and run `tracker check` again", unreachable, len(results))
}

func describe(r sources.Result) string {
	s := describeOutcome(r)
	if r.Notice != "" {
		s += " (" + r.Notice + ")"
	}
	return s
}

func describeItems(c sources.ItemCounts) string {
	if c.Baseline {
		return fmt.Sprintf("first fetch: %d items stored as the baseline, not announced", c.New)
	}
	var parts []string
	if c.New > 0 {
		parts = append(parts, fmt.Sprintf("%d new items", c.New))
	}
	if c.Updated > 0 {
		parts = append(parts, fmt.Sprintf("%d updated", c.Updated))
	}
	if len(parts) == 0 {
		return "no new item"
	}
	return fmt.Sprintf("%s (%d kept by the filters)", strings.Join(parts, ", "), c.Kept)
}

func describeOutcome(r sources.Result) string {
	if r.Outcome != sources.Failed && r.Feed {
		if r.Outcome == sources.NotModified {
			return "no new item (not modified)"
		}
		return describeItems(r.Items)
	}
	switch r.Outcome {
	case sources.New:
		s := fmt.Sprintf("new version %d (%d words)", r.Version.Seq, r.Version.Words)
		if r.Version.SameAs > 0 {
			s += fmt.Sprintf(", identical to version %d", r.Version.SameAs)
		}
		if r.Version.Technical {
			s += ", technical: tracker reads the page differently than the version before"
		}
		if c := r.Change; c != nil {
			s += fmt.Sprintf(": %s, +%d −%d words", c.Importance, c.WordsAdded, c.WordsRemoved)
			var ts []string
			for _, m := range c.Topics {
				if !m.Context {
					ts = append(ts, m.Topic)
				}
			}
			if len(ts) > 0 {
				s += ", " + strings.Join(ts, ", ")
			}
		}
		return s
	case sources.Unchanged:
		return fmt.Sprintf("unchanged (version %d)", r.Version.Seq)
	case sources.NotModified:
		return fmt.Sprintf("unchanged (version %d, not modified)", r.Version.Seq)
	}
	return fmt.Sprintf("failed: %v", r.Err)
}

func toCheckJSON(r sources.Result) checkJSON {
	j := checkJSON{Source: r.SourceID, Outcome: r.Outcome, Seq: r.Version.Seq, DurationMS: r.Duration.Milliseconds()}
	if r.Version.SameAs > 0 {
		j.SameAs = &r.Version.SameAs
	}
	if r.Err != nil {
		j.Error, j.ErrorKind = r.Err.Error(), r.Kind
		j.Seq = 0
	}
	return j
}
