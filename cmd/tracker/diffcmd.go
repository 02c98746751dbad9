package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"strings"

	"tracker/internal/api"
	"tracker/internal/changes"
	"tracker/internal/compare"
	"tracker/internal/diff"
	"tracker/internal/store"
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
		if err := diffPage.Execute(a.stdout, diffPageData{Source: id, From: from, To: to, Change: ch,
			Topics: topicNotes(ch.Topics), Body: ch.Diff.HTML()}); err != nil {
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

type diffPageData struct {
	Source   string
	From, To store.Version
	Change   changes.Change
	Topics   []string
	Body     template.HTML
}

var diffPage = template.Must(template.New("diff").Funcs(template.FuncMap{"when": fmtTime, "join": strings.Join}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Source}}: version {{.From.Seq}} → {{.To.Seq}}</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:50em;margin:2em auto;padding:0 1em;color:#222}
del{background:#fdd;color:#900}ins{background:#dfd;color:#060;text-decoration:none}
.meta{color:#555}.diff p{margin:.4em 0}
</style></head><body>
<h1>{{.Source}}</h1>
<p class="meta">Version {{.From.Seq}} (first seen {{when .From.FirstSeen}}, SHA-256 {{.From.SHA256}})<br>
→ version {{.To.Seq}} (first seen {{when .To.FirstSeen}}, SHA-256 {{.To.SHA256}})</p>
<p><strong>{{.Change.Importance}}</strong>: {{.Change.Diff.Summary}}</p>
{{if .Topics}}<ul>{{range .Topics}}<li>{{.}}</li>{{end}}</ul>{{end}}
<div class="diff">{{.Body}}</div>
</body></html>
`))
