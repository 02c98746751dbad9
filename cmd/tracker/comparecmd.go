package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"tracker"
	"tracker/internal/api"
	"tracker/internal/compare"
	"tracker/internal/diff"
)

func compareCmd(a *app, fs *flag.FlagSet) runner {
	var at string
	fs.StringVar(&at, "at", "", "compare the texts in force at this `date` (YYYY-MM-DD: the end of that day; default: the latest)")
	return func(ctx context.Context, args []string) error { return a.compare(ctx, args, at) }
}

// compare sets two documents (one document for two regions) side by side,
// section by section.
func (a *app) compare(ctx context.Context, args []string, at string) error {
	if len(args) != 2 {
		return errUsage
	}
	ida, idb := args[0], args[1]
	if ida == idb {
		return usagef("%s is compared with itself: name two sources, the same document for two regions (variant_of in sources.yaml declares them)", ida)
	}
	cfg, err := a.optionalConfig()
	if err != nil {
		return err
	}
	db, err := a.openForQuery(ctx, []string{ida, idb})
	if err != nil {
		return err
	}
	defer db.Close()
	for _, id := range args {
		if src, err := db.Source(ctx, id); err == nil && src.Kind == tracker.KindFeed {
			return usagef("%s", compare.NotADocument(id))
		}
	}
	cmp := &compare.Comparer{DB: db, Taxonomy: cfg.taxonomy(), Subject: cfg.Subject}
	v, err := cmp.Variants(ctx, ida, idb, at)
	var re *compare.RefError
	switch {
	case errors.As(err, &re):
		id := ida
		if re.Side == compare.SideB {
			id = idb
		}
		if at == "" && compare.IsNotFound(re.Err) {
			return fmt.Errorf("%v: run `tracker check --source %s` first", re.Err, id)
		}
		return usagef("--at: %v", withHistoryHint(re.Err, id))
	case compare.IsBadReference(err):
		return usagef("--at: %v", err)
	case err != nil:
		return err
	}
	if a.jsonOut {
		return a.printJSON(api.NewCompare(v))
	}
	when := "the latest versions"
	if at != "" {
		when = "as they stood on " + at
	}
	fmt.Fprintf(a.stdout, "A: %s, %s\nB: %s, %s\n(%s)\n\n", ida, versionRef(v.A), idb, versionRef(v.B), when)
	style := diff.Plain
	if a.colour() {
		style = diff.ANSI
	}
	fmt.Fprint(a.stdout, v.Alignment.Text(style, ida, idb))
	return nil
}
