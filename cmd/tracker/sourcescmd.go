package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"text/tabwriter"

	"tracker"
	"tracker/internal/api"
	"tracker/internal/store"
)

func sourcesCmd(a *app, fs *flag.FlagSet) runner { return a.sources }

// sources lists declared and stored sources with their status.
func (a *app) sources(ctx context.Context, args []string) error {
	if len(args) > 0 {
		return errUsage
	}
	// The declared sources, the stored ones, or both: without a database
	// yet, the declared ones are listed as never checked, and no empty
	// database is left behind by a mistyped --db.
	cfg, err := a.optionalConfig()
	if err != nil {
		return err
	}
	var stored []tracker.Source
	if _, err := os.Stat(a.dbPath); err == nil || store.IsPostgres(a.dbPath) {
		if stored, err = listing(ctx, a, nil, func(db store.Store) ([]tracker.Source, error) { return db.Sources(ctx) }); err != nil {
			return err
		}
	} else if cfg.Config == nil {
		return usagef("neither a configuration (%s) nor a database (%s): pass --config or --db", a.configPath, a.dbName())
	}
	list := api.Sources(cfg.Config, stored)
	if a.jsonOut {
		return a.printJSON(list)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tHISTORY\tLAST FETCH\tLAST CHANGE\tSTATUS")
	for _, s := range list {
		history := fmt.Sprintf("%d versions", s.Versions)
		if s.Kind == tracker.KindFeed {
			history = fmt.Sprintf("%d items", s.Items)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.Kind, history, fmtStr(s.LastFetch), fmtStr(s.LastChange), s.Status())
	}
	tw.Flush()
	return nil
}

func fmtStr(s *string) string {
	if s == nil {
		return "-"
	}
	return (*s)[:10] + " " + (*s)[11:16]
}
