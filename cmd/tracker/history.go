package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"
	"tracker"

	"tracker/internal/api"
	"tracker/internal/store"
)

// runHistory lists the versions of one source, oldest first.
func runHistory(ctx context.Context, a *app, fs *flag.FlagSet, args []string) int {
	if len(args) != 1 {
		fs.Usage()
		return exitUsage
	}
	db, ok := a.openDB(ctx, true)
	if !ok {
		return exitFailed
	}
	defer db.Close()
	id := args[0]
	if _, err := db.Source(ctx, id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			a.errorf("no source %q in %s: see `tracker sources`", id, a.dbPath)
			return exitUsage
		}
		a.errorf("%v", err)
		return exitFailed
	}
	versions, err := db.Versions(ctx, id)
	if err != nil {
		a.errorf("%v", err)
		return exitFailed
	}
	if a.jsonOut {
		return printAll(a, versions, api.NewVersion)
	}
	if len(versions) == 0 {
		fmt.Fprintf(a.stdout, "%s has no version yet\n", id)
		return exitOK
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tFIRST SEEN\tLAST CONFIRMED\tWORDS\tSHA-256\tNOTE")
	for _, v := range versions {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\n", v.Seq, fmtTime(v.FirstSeen), fmtTime(v.LastSeen), v.Words, v.SHA256[:12], versionNote(v))
	}
	tw.Flush()
	return exitOK
}

func versionNote(v tracker.Version) string {
	note := string(v.Provenance)
	if v.OriginRef != "" {
		note += " " + v.OriginRef
	}
	if v.SameAs > 0 {
		note += fmt.Sprintf("; identical to version %d", v.SameAs)
	}
	if v.Technical {
		note += "; technical (extraction rules changed)"
	}
	return note
}

// printAll prints list, each element converted by conv, as one JSON array
// ([] when empty: scripts iterate it without a null check).
func printAll[T, J any](a *app, list []T, conv func(T) J) int {
	out := make([]J, 0, len(list))
	for _, v := range list {
		out = append(out, conv(v))
	}
	return a.printJSON(out)
}

func (a *app) printJSON(v any) int {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		a.errorf("%v", err)
		return exitFailed
	}
	return exitOK
}
