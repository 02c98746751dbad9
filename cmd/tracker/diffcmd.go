package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"tracker/internal/api"
	"tracker/internal/compare"
	"tracker/internal/diff"
	"tracker/internal/web"
)

type diffFlags struct {
	from, to, format string
}

func diffCmdFlags(a *app, fs *flag.FlagSet) {
	fs.StringVar(&a.diff.from, "from", "", "the old version: a `seq` or a date (default: the one before --to)")
	fs.StringVar(&a.diff.to, "to", "", "the new version: a `seq` or a date (default: the latest)")
	fs.StringVar(&a.diff.format, "format", "text", "output `format`: text, html or json (--json is json)")
}

// runDiff compares any two versions of a source.
func runDiff(ctx context.Context, a *app, fs *flag.FlagSet, args []string) int {
	if len(args) != 1 {
		fs.Usage()
		return exitUsage
	}
	format := a.diff.format
	if a.jsonOut {
		format = "json"
	}
	if format != "text" && format != "html" && format != "json" {
		a.errorf("--format: %q is not one of text, html, json", format)
		return exitUsage
	}
	id := args[0]
	cfg, err := a.optionalConfig()
	if err != nil {
		a.errorf("%v", err)
		return exitUsage
	}
	db, ok := a.openDB(ctx, true)
	if !ok {
		return exitFailed
	}
	defer db.Close()
	if code := a.sourceMustExist(ctx, db, id); code != exitOK {
		return code
	}
	cmp := &compare.Comparer{DB: db, Taxonomy: cfg.taxonomy()}
	from, to, err := cmp.Pair(ctx, id, a.diff.from, a.diff.to)
	var re *compare.RefError
	switch {
	case errors.As(err, &re) && compare.IsNotFound(re.Err) && re.Side == compare.To && a.diff.to == "":
		a.errorf("%s has no version yet", id)
		return exitFailed
	case errors.As(err, &re):
		a.errorf("--%s: %v", re.Side, withHistoryHint(re.Err, id))
		return exitUsage
	case errors.Is(err, compare.ErrFirst):
		a.errorf("version 1 of %s is its first: there is nothing before it to compare it with (pass --from)", id)
		return exitUsage
	case err != nil:
		a.errorf("%v", err)
		return exitFailed
	}
	ch, err := cmp.Compare(ctx, from, to)
	if err != nil {
		a.errorf("%v", err)
		return exitFailed
	}

	switch format {
	case "json":
		return a.printJSON(api.NewDiff(from, to, ch))
	case "html":
		if err := web.WriteDiffPage(ctx, a.stdout, web.Options{DB: db, Config: cfg.Config, Taxonomy: cmp.Taxonomy, Now: a.now}, id, from, to, ch); err != nil {
			a.errorf("%v", err)
			return exitFailed
		}
		return exitOK
	}
	fmt.Fprintf(a.stdout, "%s: %s → %s\n", id, versionRef(from), versionRef(to))
	fmt.Fprintf(a.stdout, "%s: %s\n", ch.Importance, ch.Diff.Summary())
	for _, n := range topicNotes(ch.Topics) {
		fmt.Fprintf(a.stdout, "  %s\n", n)
	}
	if !ch.Diff.Changed() {
		return exitOK
	}
	fmt.Fprintln(a.stdout)
	style := diff.Plain
	if a.colour() {
		style = diff.ANSI
	}
	fmt.Fprint(a.stdout, ch.Diff.Text(style))
	return exitOK
}
