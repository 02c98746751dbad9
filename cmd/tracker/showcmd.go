package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"tracker/internal/api"
	"tracker/internal/compare"
	"tracker/internal/diff"
)

func showCmd(a *app, fs *flag.FlagSet) runner {
	var at string
	fs.StringVar(&at, "at", "", "the text in force at this `date` (YYYY-MM-DD: the end of that day; default: now)")
	return func(ctx context.Context, args []string) error { return a.show(ctx, args, at) }
}

// show prints the text of a source in force at a moment.
func (a *app) show(ctx context.Context, args []string, ref string) error {
	if len(args) != 1 {
		return errUsage
	}
	id := args[0]
	if _, err := strconv.Atoi(ref); err != nil && ref != "" {
		if _, err := compare.ParseDate(ref, true); err != nil {
			return usagef("--at: %v", err)
		}
	}
	db, err := a.openForQuery(ctx, []string{id})
	if err != nil {
		return err
	}
	defer db.Close()
	if ref == "" {
		ref = a.now().UTC().Format("2006-01-02T15:04:05Z")
	}
	v, err := resolveVersion(ctx, db, id, ref)
	if err != nil {
		return err
	}
	text, err := db.Text(ctx, v)
	if err != nil {
		return err
	}
	c, err := a.cite(ctx, db, id, v)
	if err != nil {
		return err
	}
	if a.jsonOut {
		return a.printJSON(api.Shown{Version: api.Cited(v, c), Text: text})
	}
	fmt.Fprintf(a.stdout, "%s, version %d\nfirst seen %s, %s\nSHA-256 %s (%s)\nCite as: %s\n",
		id, v.Seq, fmtTime(v.FirstSeen), c.Confirmation(), v.SHA256, versionNote(v), terminalSafe(c.Text()))
	if cv := c.Caveat(); cv != "" {
		fmt.Fprintf(a.stdout, "Caveat: %s.\n", cv)
	}
	fmt.Fprintf(a.stdout, "\n%s\n", terminalSafe(strings.TrimRight(text, "\n")))
	return nil
}

// terminalSafe replaces what a terminal would take as a command rather than
// text (escape sequences, other control characters, bidirectional
// overrides) in text taken from the web: a page could otherwise retitle,
// clear or recolour the reader's terminal. Texts stored before tracker
// dropped control characters at extraction may still hold them.
func terminalSafe(s string) string {
	hidden := func(r rune) bool { return r != '\n' && diff.Hidden(r) }
	if strings.IndexFunc(s, hidden) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if hidden(r) {
			return utf8.RuneError
		}
		return r
	}, s)
}
