package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"

	"tracker/internal/api"
)

// runSources lists declared and stored sources with their status.
func runSources(ctx context.Context, a *app, fs *flag.FlagSet, args []string) int {
	if len(args) > 0 {
		fs.Usage()
		return exitUsage
	}
	cfg, ok := a.loadConfig()
	if !ok {
		return exitUsage
	}
	db, ok := a.openDB(ctx, false)
	if !ok {
		return exitFailed
	}
	defer db.Close()
	stored, err := db.Sources(ctx)
	if err != nil {
		a.errorf("%v", err)
		return exitFailed
	}
	list := api.Sources(cfg, stored)
	if a.jsonOut {
		return a.printJSON(list)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tHISTORY\tLAST FETCH\tLAST CHANGE\tSTATUS")
	for _, s := range list {
		history := fmt.Sprintf("%d versions", s.Versions)
		if s.Kind == "feed" {
			history = fmt.Sprintf("%d items", s.Items)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.Kind, history, fmtStr(s.LastFetch), fmtStr(s.LastChange), s.Status())
	}
	tw.Flush()
	return exitOK
}

func fmtStr(s *string) string {
	if s == nil {
		return "-"
	}
	return (*s)[:10] + " " + (*s)[11:16]
}
