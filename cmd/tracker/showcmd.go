package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"tracker/internal/api"
	"tracker/internal/diff"
)

func showFlags(a *app, fs *flag.FlagSet) {
	fs.StringVar(&a.at, "at", "", "the text in force at this `date` (YYYY-MM-DD: the end of that day; default: now)")
}

// runShow prints the text of a source in force at a moment.
func runShow(ctx context.Context, a *app, fs *flag.FlagSet, args []string) int {
	if len(args) != 1 {
		fs.Usage()
		return exitUsage
	}
	id, ref := args[0], a.at
	if _, err := strconv.Atoi(ref); err != nil && ref != "" {
		if _, err := api.ParseDate(ref, true); err != nil {
			a.errorf("--at: %v", err)
			return exitUsage
		}
	}
	db, ok := a.openDB(ctx, true)
	if !ok {
		return exitFailed
	}
	defer db.Close()
	if code := a.sourceMustExist(ctx, db, id); code != exitOK {
		return code
	}
	if ref == "" {
		ref = a.now().UTC().Format("2006-01-02T15:04:05Z")
	}
	v, err := resolveVersion(ctx, db, id, ref)
	if err != nil {
		a.errorf("%v", err)
		return exitFailed
	}
	text, err := db.Text(ctx, v)
	if err != nil {
		a.errorf("%v", err)
		return exitFailed
	}
	if a.jsonOut {
		return a.printJSON(api.Shown{Version: api.NewVersion(v), Text: text})
	}
	fmt.Fprintf(a.stdout, "%s, version %d\nfirst seen %s, last confirmed %s\nSHA-256 %s (%s)\n\n%s\n",
		id, v.Seq, fmtTime(v.FirstSeen), fmtTime(v.LastSeen), v.SHA256, versionNote(v), terminalSafe(strings.TrimRight(text, "\n")))
	return exitOK
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
