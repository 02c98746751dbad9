package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"text/tabwriter"

	"tracker"
	"tracker/internal/api"
	"tracker/internal/cite"
)

func historyCmd(a *app, fs *flag.FlagSet) runner { return a.history }

// history lists the versions of one source, oldest first, each with who
// last confirmed it.
func (a *app) history(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return errUsage
	}
	id := args[0]
	db, err := a.openForQuery(ctx, []string{id})
	if err != nil {
		return err
	}
	defer db.Close()
	versions, err := db.Versions(ctx, id)
	if err != nil {
		return err
	}
	d, err := a.citeDoc(ctx, db, id)
	if err != nil {
		return err
	}
	cs, err := cite.All(ctx, db, d, versions)
	if err != nil {
		return err
	}
	if a.jsonOut {
		out := make([]api.Version, 0, len(versions))
		for i, v := range versions {
			out = append(out, api.Cited(v, cs[i]))
		}
		return a.printJSON(out)
	}
	if len(versions) == 0 {
		fmt.Fprintln(a.stdout, id+" has no version yet")
		return nil
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tFIRST SEEN\tLAST CONFIRMED\tBY\tWORDS\tSHA-256\tNOTE")
	attribution := ""
	for i, v := range versions {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\n", v.Seq, fmtTime(v.FirstSeen), fmtTime(v.LastSeen), cs[i].ConfirmedBy,
			v.Words, v.SHA256[:12], versionNote(v))
		if cs[i].Attribution != "" {
			attribution = cs[i].Attribution
		}
	}
	tw.Flush()
	if attribution != "" {
		fmt.Fprintf(a.stdout, "Imported versions: %s. BY dataset: last confirmed when %s recorded the text, or the next version.\n", attribution, cite.DatasetName)
	}
	if f := cs[len(cs)-1].Following(); f != "" {
		fmt.Fprintf(a.stdout, "%s is %s: version %d is the last text tracker holds.\n", id, f, versions[len(versions)-1].Seq)
	}
	return nil
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
