package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"tracker/internal/api"
	"tracker/internal/store"
)

type itemsFlags struct {
	since, until, topic string
	all                 bool
	limit               int
}

func itemsCmdFlags(a *app, fs *flag.FlagSet) {
	fs.Var(&a.sourceIDs, "source", "only this feed `ID` (repeatable)")
	fs.StringVar(&a.items.since, "since", "", "items first seen or updated on or after this `date`")
	fs.StringVar(&a.items.until, "until", "", "items first seen on or before this `date`")
	fs.StringVar(&a.items.topic, "topic", "", "only items about this `topic`")
	fs.BoolVar(&a.items.all, "all", false, "include the items the feeds' filters leave out and those already there at a feed's first fetch")
	fs.IntVar(&a.items.limit, "limit", 0, "at most this many items (0: all)")
}

// runItems lists the regulator items, the most recent first.
func runItems(ctx context.Context, a *app, fs *flag.FlagSet, args []string) int {
	if len(args) > 0 {
		fs.Usage()
		return exitUsage
	}
	f := store.ItemFilter{SourceIDs: a.sourceIDs, Topic: a.items.topic, All: a.items.all, Limit: a.items.limit}
	var ok bool
	if f.Since, ok = a.dateFlag("since", a.items.since, false); !ok {
		return exitUsage
	}
	if f.Until, ok = a.dateFlag("until", a.items.until, true); !ok {
		return exitUsage
	}
	db, code := a.openForQuery(ctx)
	if code != exitOK {
		return code
	}
	defer db.Close()
	items, err := db.Items(ctx, f)
	if err != nil {
		a.errorf("%v", err)
		return exitFailed
	}
	if a.jsonOut {
		return printAll(a, items, api.NewItem)
	}
	if len(items) == 0 {
		fmt.Fprintln(a.stdout, "no item matches")
		return exitOK
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
	return exitOK
}
