package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"tracker"
	"tracker/internal/api"
	"tracker/internal/atom"
	"tracker/internal/changes"
	"tracker/internal/digest"
	"tracker/internal/store"
	"tracker/internal/topics"
)

type changesFlags struct {
	filters
	minImportance string
	technical     bool
	format        string
	baseURL       string
}

func changesCmd(a *app, fs *flag.FlagSet) runner {
	var f changesFlags
	f.bind(fs, "changes", "only this source `ID` (repeatable)", "changes detected on or after this `date` (YYYY-MM-DD or RFC 3339)",
		"changes detected on or before this `date`", "only changes touching this `topic` (privacy, consumer, ip, minors, moderation, ai, ...)")
	fs.StringVar(&f.minImportance, "min-importance", "", "only changes of at least this `importance`: cosmetic, minor or major")
	fs.BoolVar(&f.technical, "technical", false, "include the technical changes due to new extraction rules")
	fs.StringVar(&f.format, "format", "text", "output `format`: text, json (as --json) or atom (a feed, as the web's /changes.atom)")
	fs.StringVar(&f.baseURL, "base-url", a.env("TRACKER_BASE_URL", ""), "with --format atom, the `URL` of the web pages the entries link to (env TRACKER_BASE_URL; default mail.base_url, else http://"+defaultListen+")")
	return f.runner(a, func(ctx context.Context, since, until time.Time) error {
		switch f.format {
		case "text":
		case "json":
			a.jsonOut = true
		case "atom":
			return a.changesFeed(ctx, &f, since, until)
		default:
			return usagef("--format: %q is not one of text, json, atom", f.format)
		}
		return a.changes(ctx, &f, since, until)
	})
}

// changesFeed writes the changes as an Atom feed: the entries of
// /changes.atom, filtered as a recipient's digest is (cosmetic changes only
// with --min-importance cosmetic; the latest 50 of the last 90 days unless
// --since or --limit say otherwise).
func (a *app) changesFeed(ctx context.Context, fl *changesFlags, since, until time.Time) error {
	if fl.technical {
		return usagef("--technical lists changes that are not changes of the documents: not in a feed")
	}
	cfg, err := a.optionalConfig()
	if err != nil {
		return err
	}
	q := atom.Query{Filter: digest.Filter{Sources: fl.sources, MinImportance: tracker.Minor}, Since: since, Until: until, Limit: fl.limit}
	if fl.topic != "" {
		q.Topics = []string{fl.topic}
	}
	if m := tracker.Importance(fl.minImportance); m != "" {
		if m.Rank() < 0 {
			return usagef("--min-importance: %q is not one of cosmetic, minor, major", m)
		}
		q.MinImportance = m
	}
	if q.Since.IsZero() {
		q.Since = a.now().Add(-atom.DefaultDays * 24 * time.Hour)
	}
	if q.Limit == 0 {
		q.Limit = atom.DefaultLimit
	}
	base := fl.baseURL
	if base == "" && cfg.Config != nil {
		base = cfg.Mail.BaseURL
	}
	if base == "" {
		base = "http://" + defaultListen
	}
	base = strings.TrimRight(base, "/")
	db, err := a.openForQuery(ctx, fl.sources)
	if err != nil {
		return err
	}
	defer db.Close()
	b := &digest.Builder{DB: db, Config: cfg.Config, Taxonomy: cfg.taxonomy()}
	entries, err := atom.Entries(ctx, b, q, base)
	if err != nil {
		return err
	}
	stored, err := db.Sources(ctx)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, s := range api.Sources(cfg.Config, stored) {
		names[s.ID] = s.Name
	}
	return atom.Write(a.stdout, entries, atom.Options{Title: "tracker: changes of the documents", Self: base + "/changes.atom", Base: base,
		Name: func(id string) string { return names[id] }, Updated: a.now()})
}

// changes lists the recorded changes, oldest first.
func (a *app) changes(ctx context.Context, fl *changesFlags, since, until time.Time) error {
	f := store.ChangeFilter{SourceIDs: fl.sources, Since: since, Until: until, Topic: fl.topic, Technical: fl.technical, Limit: fl.limit}
	if m := tracker.Importance(fl.minImportance); m != "" {
		if m.Rank() < 0 {
			return usagef("--min-importance: %q is not one of cosmetic, minor, major", m)
		}
		f.MinImportance = m
	}
	query := func(db store.Store) ([]tracker.Change, error) { return db.Changes(ctx, f) }
	if a.jsonOut {
		return a.linkedChanges(ctx, fl.sources, query)
	}
	return list(ctx, a, fl.sources, query, api.NewChange, "no change matches", func(list []tracker.Change) {
		width := 0
		for _, c := range list {
			width = max(width, len(c.SourceID))
		}
		// A document going back and forth is one line (--json lists
		// every change).
		for _, f := range changes.Fold(list) {
			c := f.Change
			if f.Switches > 1 {
				fmt.Fprintf(a.stdout, "%s  %-*s  v%d→v%d  %-8s  %s\n", fmtTime(c.DetectedAt), width, c.SourceID,
					c.FromSeq, f.Last.ToSeq, c.Importance, f.Note())
				continue
			}
			fmt.Fprintf(a.stdout, "%s  %-*s  v%d→v%d  %-8s  +%d −%d  %s\n", fmtTime(c.DetectedAt), width, c.SourceID,
				c.FromSeq, c.ToSeq, c.Importance, c.WordsAdded, c.WordsRemoved, changeNotes(c))
		}
	})
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
	if changes.IsCaptureArtefact(c.Artefact) {
		notes = append(notes, "capture artefact ("+c.Artefact+"), not a change of the document")
	}
	if changes.Unannounced(c) || changes.Redated(c) {
		notes = append(notes, changes.AnnouncementNote(c))
	}
	if c.Reason != "" {
		notes = append(notes, c.Reason)
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
