package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"tracker"
	"unicode/utf8"

	"tracker/internal/api"
	"tracker/internal/store"
)

func searchFlags(a *app, fs *flag.FlagSet) {
	fs.Var(&a.sourceIDs, "source", "only this source `ID` (repeatable)")
	fs.StringVar(&a.at, "at", "", "only the texts in force at this `date`")
	fs.BoolVar(&a.raw, "fts", false, "read QUERY as an FTS5 query (AND, OR, NOT, NEAR, prefix*) instead of a phrase")
}

// runSearch finds a phrase in every version of every source.
func runSearch(ctx context.Context, a *app, fs *flag.FlagSet, args []string) int {
	if len(args) != 1 {
		fs.Usage()
		return exitUsage
	}
	q := store.SearchQuery{Text: args[0], Raw: a.raw, SourceIDs: a.sourceIDs}
	var ok bool
	if q.At, ok = a.dateFlag("at", a.at, true); !ok {
		return exitUsage
	}
	db, code := a.openForQuery(ctx)
	if code != exitOK {
		return code
	}
	defer db.Close()
	hits, err := db.Search(ctx, q)
	if err != nil {
		a.errorf("%v", err)
		return exitUsage
	}
	var items []tracker.Item
	if q.At.IsZero() {
		if items, err = db.SearchItems(ctx, q.Text, q.Raw, q.SourceIDs, 100); err != nil {
			a.errorf("%v", err)
			return exitUsage
		}
	}
	if a.jsonOut {
		out := make([]api.SearchHit, 0, len(hits)+len(items))
		for _, h := range hits {
			out = append(out, api.DocumentHit(h))
		}
		for _, it := range items {
			out = append(out, api.ItemHit(it))
		}
		return a.printJSON(out)
	}
	if len(hits)+len(items) == 0 {
		fmt.Fprintf(a.stdout, "%q is in no version and no item\n", args[0])
		return exitOK
	}
	for _, h := range hits {
		state := "still in force"
		if !h.Current {
			state = "last seen " + fmtTime(h.LastSeen)
		}
		fmt.Fprintf(a.stdout, "%s  versions %s  first seen %s, %s\n  %s\n", h.SourceID, seqRuns(h.Runs),
			fmtTime(h.FirstSeen), state, terminalSafe(excerpt(h.Text, args[0], 30)))
	}
	if len(items) > 0 {
		fmt.Fprintf(a.stdout, "\nRegulator items:\n")
	}
	for _, it := range items {
		fmt.Fprintf(a.stdout, "%s  %s  %s\n  %s\n", api.Published(it)[:10], it.SourceID, terminalSafe(it.Title), terminalSafe(it.Link))
	}
	return exitOK
}

// excerpt shortens a paragraph to about words words around the first
// occurrence of query (case ignored).
func excerpt(text, query string, words int) string {
	fields := strings.Fields(text)
	if len(fields) <= words {
		return text
	}
	// The first word holding the query's first word: indexes into a
	// lowercased copy are not indexes into text (case mapping can change a
	// character's length in bytes).
	center := 0
	if q := strings.Fields(strings.ToLower(strings.Trim(query, `"*`))); len(q) > 0 {
		for i, f := range fields {
			if strings.Contains(strings.ToLower(f), q[0]) {
				center = i
				break
			}
		}
	}
	start := max(0, min(center-words/2, len(fields)-words))
	end := min(len(fields), start+words)
	out := strings.Join(fields[start:end], " ")
	if start > 0 {
		out = "…" + out
	}
	if end < len(fields) {
		out += "…"
	}
	if !utf8.ValidString(out) {
		return text
	}
	return out
}
