package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"tracker"
	"tracker/internal/api"
	"tracker/internal/store"
)

type itemsFlags struct {
	filters
	all bool
}

func itemsCmd(a *app, fs *flag.FlagSet) runner {
	var f itemsFlags
	f.bind(fs, "items", "only this feed `ID` (repeatable)", "items first seen or updated on or after this `date`",
		"items first seen on or before this `date`", "only items about this `topic`")
	fs.BoolVar(&f.all, "all", false, "include the items the feeds' filters leave out and those already there at a feed's first fetch")
	return f.runner(a, func(ctx context.Context, since, until time.Time) error { return a.items(ctx, &f, since, until) })
}

// items lists the regulator items, the most recent first.
func (a *app) items(ctx context.Context, fl *itemsFlags, since, until time.Time) error {
	f := store.ItemFilter{SourceIDs: fl.sources, Since: since, Until: until, Topic: fl.topic, All: fl.all, Limit: fl.limit}
	query := func(db store.Store) ([]tracker.Item, error) { return db.Items(ctx, f) }
	if a.jsonOut {
		return a.linkedItems(ctx, fl.sources, query)
	}
	return list(ctx, a, fl.sources, query, api.NewItem, "no item matches", func(items []tracker.Item) {
		for _, it := range items {
			fmt.Fprintf(a.stdout, "%s  %s  %s\n", api.Published(it)[:10], it.SourceID, terminalSafe(it.Title))
			var notes []string
			if it.Revision > 1 {
				notes = append(notes, fmt.Sprintf("updated %s", fmtTime(it.UpdatedAt)))
			}
			if !it.Kept {
				notes = append(notes, "left out by the filters")
			}
			if it.Baseline {
				notes = append(notes, "already in the feed at its first fetch")
			}
			notes = append(notes, topicNotes(it.Topics)...)
			if len(notes) > 0 {
				fmt.Fprintf(a.stdout, "    %s\n", strings.Join(notes, "; "))
			}
			if it.Link != "" {
				fmt.Fprintf(a.stdout, "    %s\n", terminalSafe(it.Link))
			}
		}
	})
}
