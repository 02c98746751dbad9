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

type changeFlags struct {
	since, until, topic, minImportance string
	technical                          bool
	limit                              int
}

func changesFlags(a *app, fs *flag.FlagSet) {
	fs.Var(&a.sourceIDs, "source", "only this source `ID` (repeatable)")
	fs.StringVar(&a.changes.since, "since", "", "changes detected on or after this `date` (YYYY-MM-DD or RFC 3339)")
	fs.StringVar(&a.changes.until, "until", "", "changes detected on or before this `date`")
	fs.StringVar(&a.changes.topic, "topic", "", "only changes touching this `topic` (privacy, consumer, ip, minors, moderation, ai, ...)")
	fs.StringVar(&a.changes.minImportance, "min-importance", "", "only changes at least this `important`: cosmetic, minor or major")
	fs.BoolVar(&a.changes.technical, "technical", false, "include the technical changes due to new extraction rules")
	fs.IntVar(&a.changes.limit, "limit", 0, "at most this many changes (0: all)")
}

// runChanges lists the recorded changes, oldest first.
func runChanges(ctx context.Context, a *app, fs *flag.FlagSet, args []string) int {
	if len(args) > 0 {
		fs.Usage()
		return exitUsage
	}
	f := store.ChangeFilter{SourceIDs: a.sourceIDs, Topic: a.changes.topic, Technical: a.changes.technical, Limit: a.changes.limit}
	var ok bool
	if f.Since, ok = a.dateFlag("since", a.changes.since, false); !ok {
		return exitUsage
	}
	if f.Until, ok = a.dateFlag("until", a.changes.until, true); !ok {
		return exitUsage
	}
	if m := tracker.Importance(a.changes.minImportance); m != "" {
		if m.Rank() < 0 {
			a.errorf("--min-importance: %q is not one of cosmetic, minor, major", m)
			return exitUsage
		}
		f.MinImportance = m
	}
	db, code := a.openForQuery(ctx)
	if code != exitOK {
		return code
	}
	defer db.Close()
	list, err := db.Changes(ctx, f)
	if err != nil {
		a.errorf("%v", err)
		return exitFailed
	}
	if a.jsonOut {
		return printAll(a, list, api.NewChange)
	}
	if len(list) == 0 {
		fmt.Fprintln(a.stdout, "no change matches")
		return exitOK
	}
	width := 0
	for _, c := range list {
		width = max(width, len(c.SourceID))
	}
	for _, c := range list {
		fmt.Fprintf(a.stdout, "%s  %-*s  v%d→v%d  %-8s  +%d −%d  %s\n", fmtTime(c.DetectedAt), width, c.SourceID,
			c.FromSeq, c.ToSeq, c.Importance, c.WordsAdded, c.WordsRemoved, changeNotes(c))
	}
	return exitOK
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
