package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"time"

	"tracker"
	"tracker/internal/api"
	"tracker/internal/compare"
)

func snapshotCmd(a *app, fs *flag.FlagSet) runner {
	var (
		seq     int
		at, out string
	)
	fs.IntVar(&seq, "version", 0, "the page of version `N` (see `tracker history`)")
	fs.StringVar(&at, "at", "", "the page of the version in force at this `date` (YYYY-MM-DD: the end of that day; default: the current version)")
	fs.StringVar(&out, "out", "", "write the body, byte for byte, to this `file`, and only the metadata to stdout")
	return func(ctx context.Context, args []string) error {
		if len(args) != 1 {
			return errUsage
		}
		ref := at
		versionSet := false // --version 0 is an error, not the default
		fs.Visit(func(f *flag.Flag) { versionSet = versionSet || f.Name == "version" })
		switch {
		case versionSet && at != "":
			return usagef("give --version or --at, not both")
		case versionSet && seq < 1:
			return usagef("--version: %d is no version number: versions count from 1", seq)
		case versionSet:
			ref = strconv.Itoa(seq)
		case at != "":
			if _, err := compare.ParseDate(at, true); err != nil {
				return usagef("--at: %v", err)
			}
		}
		return a.snapshot(ctx, args[0], ref, out)
	}
}

// snapshot writes the stored page behind a version of source id: the body
// byte for byte, with its address, status, headers and fetch time.
func (a *app) snapshot(ctx context.Context, id, ref, out string) error {
	db, err := a.openForQuery(ctx, []string{id})
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := resolveVersion(ctx, db, id, ref)
	if err != nil {
		return err
	}
	snap, err := (&compare.Comparer{DB: db}).Snapshot(ctx, v)
	if err != nil {
		return err
	}
	if out != "" {
		if err := os.WriteFile(out, snap.Body, 0o644); err != nil {
			return fmt.Errorf("write the page: %w", err)
		}
	}
	if a.jsonOut {
		j := api.NewSnapshot(v, snap)
		if out != "" {
			j.File, j.BodyEncoding, j.Body = out, "", ""
		}
		return a.printJSON(j)
	}
	a.snapshotHeader(v, snap, out)
	if out != "" {
		return nil
	}
	fmt.Fprintln(a.stdout)
	body := snap.Body
	if a.terminal() {
		// A page on a terminal could retitle or clear it; the bytes are
		// exact when piped or written with --out.
		body = []byte(terminalSafe(string(body)))
	}
	_, err = a.stdout.Write(body)
	return err
}

// snapshotHeader prints what a snapshot is: the version it is behind, where
// and when it was fetched, what the server answered, the body's sum.
func (a *app) snapshotHeader(v tracker.Version, s tracker.Snapshot, out string) {
	w := a.stdout
	fmt.Fprintf(w, "%s, %s: the page as served\n", v.SourceID, versionRef(v))
	fmt.Fprintf(w, "URL         %s\n", terminalSafe(s.URL))
	fmt.Fprintf(w, "Status      %d %s\n", s.Status, http.StatusText(s.Status))
	fmt.Fprintf(w, "Fetched at  %s, by tracker\n", s.FetchedAt.UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "Snapshot    %d\n", s.ID)
	where := ""
	if out != "" {
		where = ", written to " + out
	}
	fmt.Fprintf(w, "Body        %s bytes, SHA-256 %s%s\n", thousands(len(s.Body)), api.BodySHA256(s.Body), where)
	if note := api.SnapshotNote(s); note != "" {
		fmt.Fprintf(w, "Note        %s\n", note)
	}
	fmt.Fprintln(w, "Headers")
	names := make([]string, 0, len(s.Headers))
	for k := range s.Headers {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		fmt.Fprintf(w, "  %s: %s\n", terminalSafe(k), terminalSafe(s.Headers[k]))
	}
}

// terminal reports whether stdout is a terminal.
func (a *app) terminal() bool {
	f, ok := a.stdout.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
