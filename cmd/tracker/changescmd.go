package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"tracker"
	"tracker/internal/api"
	"tracker/internal/store"
	"tracker/internal/topics"
)

type changesFlags struct {
	sources                            stringList
	since, until, topic, minImportance string
	technical                          bool
	limit                              int
}

func changesCmd(a *app, fs *flag.FlagSet) runner {
	var f changesFlags
	fs.Var(&f.sources, "source", "only this source `ID` (repeatable)")
	fs.StringVar(&f.since, "since", "", "changes detected on or after this `date` (YYYY-MM-DD or RFC 3339)")
	fs.StringVar(&f.until, "until", "", "changes detected on or before this `date`")
	fs.StringVar(&f.topic, "topic", "", "only changes touching this `topic` (privacy, consumer, ip, minors, moderation, ai, ...)")
	fs.StringVar(&f.minImportance, "min-importance", "", "only changes at least this `important`: cosmetic, minor or major")
	fs.BoolVar(&f.technical, "technical", false, "include the technical changes due to new extraction rules")
	fs.IntVar(&f.limit, "limit", 0, "at most this many changes (0: all)")
	return func(ctx context.Context, args []string) error { return a.changes(ctx, args, &f) }
}

// changes lists the recorded changes, oldest first.
func (a *app) changes(ctx context.Context, args []string, fl *changesFlags) error {
	if len(args) > 0 {
		return errUsage
	}
	f := store.ChangeFilter{SourceIDs: fl.sources, Topic: fl.topic, Technical: fl.technical, Limit: fl.limit}
	var err error
	if f.Since, f.Until, err = period(fl.since, fl.until); err != nil {
		return err
	}
	if m := tracker.Importance(fl.minImportance); m != "" {
		if m.Rank() < 0 {
			return usagef("--min-importance: %q is not one of cosmetic, minor, major", m)
		}
		f.MinImportance = m
	}
	list, err := listing(ctx, a, fl.sources, func(db *store.DB) ([]tracker.Change, error) { return db.Changes(ctx, f) })
	if err != nil {
		return err
	}
	if a.jsonOut {
		return printAll(a, list, api.NewChange)
	}
	if len(list) == 0 {
		fmt.Fprintln(a.stdout, "no change matches")
		return nil
	}
	width := 0
	for _, c := range list {
		width = max(width, len(c.SourceID))
	}
	for _, c := range list {
		fmt.Fprintf(a.stdout, "%s  %-*s  v%d→v%d  %-8s  +%d −%d  %s\n", fmtTime(c.DetectedAt), width, c.SourceID,
			c.FromSeq, c.ToSeq, c.Importance, c.WordsAdded, c.WordsRemoved, changeNotes(c))
	}
	return nil
}

// changeNotes says what a change is about: its topics with their evidence,
// and whether it returns to an earlier version or is technical.
func changeNotes(c tracker.Change) string {
	var notes []string
	if c.SameAs > 0 {
		notes = append(notes, fmt.Sprintf("back to version %d", c.SameAs))
	}
	if c.Technical {
		notes = append(notes, "technical: extraction rules changed")
	}
	notes = append(notes, topicNotes(c.Topics)...)
	if len(notes) == 0 && c.Summary != "" {
		notes = append(notes, c.Summary)
	}
	return strings.Join(notes, "; ")
}

func topicNotes(ms []topics.Match) []string {
	var out []string
	for _, m := range ms {
		q := make([]string, len(m.Evidence))
		for i, e := range m.Evidence {
			q[i] = fmt.Sprintf("%q", e)
		}
		note := m.Topic + ": " + strings.Join(q, ", ")
		if m.Context {
			note = m.Topic + " (context): " + strings.Join(q, ", ")
		}
		out = append(out, note)
	}
	return out
}
