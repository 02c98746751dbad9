package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"text/tabwriter"

	"tracker"
	"tracker/internal/api"
	"tracker/internal/store"
)

func historyCmd(a *app, fs *flag.FlagSet) runner { return a.history }

// history lists the versions of one source, oldest first.
func (a *app) history(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return errUsage
	}
	id := args[0]
	query := func(db store.Store) ([]tracker.Version, error) { return db.Versions(ctx, id) }
	return list(ctx, a, []string{id}, query, api.NewVersion, id+" has no version yet", func(versions []tracker.Version) {
		tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SEQ\tFIRST SEEN\tLAST CONFIRMED\tWORDS\tSHA-256\tNOTE")
		for _, v := range versions {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\n", v.Seq, fmtTime(v.FirstSeen), fmtTime(v.LastSeen), v.Words, v.SHA256[:12], versionNote(v))
		}
		tw.Flush()
	})
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
func printAll[T, J any](a *app, list []T, conv func(T) J) error {
	out := make([]J, 0, len(list))
	for _, v := range list {
		out = append(out, conv(v))
	}
	return a.printJSON(out)
}

func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
