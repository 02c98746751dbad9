package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"unicode/utf8"

	"tracker"
	"tracker/internal/api"
	"tracker/internal/store"
)

type searchFlags struct {
	sources stringList
	at      string
	raw     bool
}

func searchCmd(a *app, fs *flag.FlagSet) runner {
	var f searchFlags
	fs.Var(&f.sources, "source", "only this source `ID` (repeatable)")
	fs.StringVar(&f.at, "at", "", "only the texts in force at this `date`")
	fs.BoolVar(&f.raw, "fts", false, "read QUERY as an FTS5 query (AND, OR, NOT, 'NEAR(a b)', prefix*) instead of a phrase")
	return func(ctx context.Context, args []string) error { return a.search(ctx, args, &f) }
}

// search finds a phrase in every version of every source.
func (a *app) search(ctx context.Context, args []string, f *searchFlags) error {
	if len(args) != 1 {
		return errUsage
	}
	q := store.SearchQuery{Text: args[0], Raw: f.raw, SourceIDs: f.sources}
	var err error
	if q.At, err = dateFlag("at", f.at, true); err != nil {
		return err
	}
	db, err := a.openForQuery(ctx, f.sources)
	if err != nil {
		return err
	}
	defer db.Close()
	// A query that cannot be run is the reader's to fix: a usage error.
	hits, err := db.Search(ctx, q)
	if err != nil {
		return usage(err)
	}
	var items []tracker.Item
	if q.At.IsZero() {
		if items, err = db.SearchItems(ctx, q.Text, q.Raw, q.SourceIDs, 100); err != nil {
			return usage(err)
		}
	}
	caveat := a.caveats(ctx, db)
	caveats := make([]string, len(hits))
	for i, h := range hits {
		if h.Current {
			if caveats[i], err = caveat(h.SourceID); err != nil {
				return err
			}
		}
	}
	if a.jsonOut {
		out := make([]api.SearchHit, 0, len(hits)+len(items))
		for i, h := range hits {
			j := api.DocumentHit(h)
			j.Caveat = caveats[i]
			out = append(out, j)
		}
		for _, it := range items {
			out = append(out, api.ItemHit(it))
		}
		return a.printJSON(out)
	}
	if len(hits)+len(items) == 0 {
		fmt.Fprintf(a.stdout, "%q is in no version and no item\n", args[0])
		return nil
	}
	for i, h := range hits {
		state := "still in force"
		switch {
		case !h.Current:
			state = "last seen " + fmtTime(h.LastSeen)
		case caveats[i] != "":
			state = "in the latest version; " + caveats[i]
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
	return nil
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
