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

func diffCmd(a *app, fs *flag.FlagSet) runner {
	var f diffFlags
	fs.StringVar(&f.from, "from", "", "the old version: a `seq` or a date (default: the one before --to)")
	fs.StringVar(&f.to, "to", "", "the new version: a `seq` or a date (default: the latest)")
	fs.StringVar(&f.format, "format", "text", "output `format`: text, html or json (--json is json)")
	return func(ctx context.Context, args []string) error { return a.diff(ctx, args, &f) }
}

// diff compares any two versions of a source.
func (a *app) diff(ctx context.Context, args []string, f *diffFlags) error {
	if len(args) != 1 {
		return errUsage
	}
	format := f.format
	if a.jsonOut {
		format = "json"
	}
	if format != "text" && format != "html" && format != "json" {
		return usagef("--format: %q is not one of text, html, json", format)
	}
	id := args[0]
	cfg, err := a.optionalConfig()
	if err != nil {
		return err
	}
	db, err := a.openForQuery(ctx, []string{id})
	if err != nil {
		return err
	}
	defer db.Close()
	cmp := &compare.Comparer{DB: db, Taxonomy: cfg.taxonomy(), Subject: cfg.Subject}
	from, to, err := cmp.Pair(ctx, id, f.from, f.to)
	var re *compare.RefError
	switch {
	case errors.As(err, &re) && compare.IsNotFound(re.Err) && re.Side == compare.To && f.to == "":
		return fmt.Errorf("%s has no version yet", id)
	case errors.As(err, &re):
		return usagef("--%s: %v", re.Side, withHistoryHint(re.Err, id))
	case errors.Is(err, compare.ErrFirst):
		return usagef("version 1 of %s is its first: there is nothing before it to compare it with (pass --from)", id)
	case err != nil:
		return err
	}
	ch, err := cmp.Compare(ctx, from, to)
	if err != nil {
		return err
	}

	switch format {
	case "json":
		return a.printJSON(api.NewDiff(from, to, ch))
	case "html":
		return web.WriteDiffPage(ctx, a.stdout, web.Options{DB: db, Config: cfg.Config, Taxonomy: cmp.Taxonomy, Now: a.now}, id, from, to, ch)
	}
	fmt.Fprintf(a.stdout, "%s: %s → %s\n", id, versionRef(from), versionRef(to))
	if !ch.Diff.Changed() {
		fmt.Fprintln(a.stdout, ch.Summary) // no change has an importance
		return nil
	}
	fmt.Fprintf(a.stdout, "%s: %s\n", ch.Importance, ch.Summary)
	for _, n := range topicNotes(ch.Topics) {
		fmt.Fprintf(a.stdout, "  %s\n", n)
	}
	fmt.Fprintln(a.stdout)
	style := diff.Plain
	if a.colour() {
		style = diff.ANSI
	}
	fmt.Fprint(a.stdout, ch.Diff.Text(style))
	return nil
}
