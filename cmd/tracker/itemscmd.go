package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"tracker"
	"tracker/internal/api"
	"tracker/internal/store"
)

type itemsFlags struct {
	sources             stringList
	since, until, topic string
	all                 bool
	limit               int
}

func itemsCmd(a *app, fs *flag.FlagSet) runner {
	var f itemsFlags
	fs.Var(&f.sources, "source", "only this feed `ID` (repeatable)")
	fs.StringVar(&f.since, "since", "", "items first seen or updated on or after this `date`")
	fs.StringVar(&f.until, "until", "", "items first seen on or before this `date`")
	fs.StringVar(&f.topic, "topic", "", "only items about this `topic`")
	fs.BoolVar(&f.all, "all", false, "include the items the feeds' filters leave out and those already there at a feed's first fetch")
	fs.IntVar(&f.limit, "limit", 0, "at most this many items (0: all)")
	return func(ctx context.Context, args []string) error { return a.items(ctx, args, &f) }
}

// items lists the regulator items, the most recent first.
func (a *app) items(ctx context.Context, args []string, fl *itemsFlags) error {
	if len(args) > 0 {
		return errUsage
	}
	f := store.ItemFilter{SourceIDs: fl.sources, Topic: fl.topic, All: fl.all, Limit: fl.limit}
	var err error
	if f.Since, f.Until, err = period(fl.since, fl.until); err != nil {
		return err
	}
	items, err := listing(ctx, a, fl.sources, func(db *store.DB) ([]tracker.Item, error) { return db.Items(ctx, f) })
	if err != nil {
		return err
	}
	if a.jsonOut {
		return printAll(a, items, api.NewItem)
	}
	if len(items) == 0 {
		fmt.Fprintln(a.stdout, "no item matches")
		return nil
	}
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
	return nil
}
