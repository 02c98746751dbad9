// Package digest builds, renders and mails the weekly digest: what changed in
// the documents and what regulators published during a window, grouped by
// legal topic and then by document or regulator, for one recipient.
//
// A digest must be complete (nothing that changed in the recipient's topics
// is left out), trustworthy (no noise, evidence for every claim) and
// delivered at least once, never silently twice. Each digest is rendered and
// recorded with its Message-ID before the first attempt to send it; see
// Sender.
package digest

import (
	"context"
	"fmt"
	"html/template"
	"sort"
	"strings"
	"time"

	"tracker"
	"tracker/internal/api"
	"tracker/internal/changes"
	"tracker/internal/compare"
	"tracker/internal/config"
	"tracker/internal/diff"
	"tracker/internal/links"
	"tracker/internal/store"
	"tracker/internal/text"
	"tracker/internal/topics"
)

// Digest is what one recipient reads for one window, ready for templates.
type Digest struct {
	Recipient config.Recipient
	// Start and End bound the window: [Start, End).
	Start, End time.Time
	// WeekOf is the window's first day in the recipient's time zone.
	WeekOf string
	// Period says the window in words, in the recipient's time zone.
	Period  string
	Prefix  string
	BaseURL string

	// Headline sums up the digest for the subject: "2 privacy changes,
	// 5 regulator items".
	Headline         string
	DocumentsChanged int
	Changes          int
	Items            int
	SourcesChecked   int
	// Hidden counts the changes below the recipient's importance (cosmetic
	// ones by default): counted, not shown.
	Hidden int
	// Sections hold the changes and items by topic, in taxonomy order, then
	// those with no topic of the recipient's ("Other").
	Sections []Section
	// Health lists the sources that failed during the window.
	Health []Health
	// Deliveries are the recipient's earlier digests whose delivery was in
	// doubt: sent again since their last digest, or still to be.
	Deliveries []Delivery
	// Quiet is true when nothing changed and no item came.
	Quiet bool
}

// Section is one topic's changes and items.
type Section struct {
	Topic      string
	Name       string
	Documents  []Document
	Regulators []Regulator
}

// Document is the changes of one document within a section.
type Document struct {
	SourceID string
	Name     string
	Changes  []ChangeEntry
	// Siblings are its regional variants that did not change meanwhile.
	Siblings []Sibling
}

// ChangeEntry is one change as the digest shows it.
type ChangeEntry struct {
	When       string
	Importance tracker.Importance
	FromSeq    int
	ToSeq      int
	Summary    string
	// Reason says in a sentence what the change does.
	Reason string
	Topics []Evidence
	// Passages are the changed places shown, the weightiest first (those
	// that carry the change's importance and topics), each with what it
	// does; More counts those left out.
	Passages []Passage
	More     int
	// Excerpt is Passages as plain text, a line per passage and its words.
	Excerpt string
	// ExcerptHTML is the excerpt as templates/excerpt.html.tmpl renders it:
	// stored text escaped by html/template, with <del> and <ins>.
	ExcerptHTML template.HTML
	DiffURL     string
	// Note says when the change returns to an earlier version, or that the
	// document went back and forth.
	Note string
	// Announcement says why a change is flagged unannounced (the
	// document's stated date did not move) or redated (it moved over
	// nothing of substance), "" when it is not; DateLine is the date line
	// as the new version writes it, the evidence.
	Announcement string
	DateLine     string
	// Related are regulators' items on its subject that week.
	Related []RelatedItem
}

// Passage is one changed place of a change as a digest shows it: where,
// what it does, and the changed words in context.
type Passage struct {
	diff.Excerpt
	Reason string
}

// passagesShown is how many passages of a change a digest shows.
const passagesShown = 4

// Evidence is a topic with the words that justify it.
type Evidence struct {
	Topic   string
	Name    string
	Words   []string
	Context bool
}

// Regulator is the items of one feed within a section.
type Regulator struct {
	SourceID string
	Name     string
	Items    []ItemEntry
}

// ItemEntry is a regulator item as the digest shows it.
type ItemEntry struct {
	Title   string
	Date    string
	Link    string
	Excerpt string
	Topics  []Evidence
	Updated bool
}

// Health is a source that failed during the window.
type Health struct {
	SourceID string
	Name     string
	Reason   string
	Since    string
	Failures int
	// Recovered is true when the source works again.
	Recovered bool
	// SelectorLost is true when the page no longer has the selected part.
	SelectorLost bool
}

// Delivery is an earlier digest whose delivery was in doubt (see Sender):
// the server's answer was lost, so it was sent again, or will be, and a
// copy may arrive twice.
type Delivery struct {
	Subject string
	Period  string
	// Copies is how many copies may have reached the recipient; Pending
	// says it is still to be sent again, for the Reason given.
	Copies  int
	Pending bool
	Reason  string
}

// Builder gathers what a digest shows. It keeps the excerpts it computed,
// so that one run for a hundred recipients diffs each change once.
type Builder struct {
	DB     store.Store
	Config *config.Config
	// Taxonomy names the topics and orders the sections.
	Taxonomy *topics.Taxonomy
	// Published also shows the items of the feeds' baselines published in
	// the window: a new recipient's first digest (see Sender.CatchUp)
	// reports what regulators published that week, even when tracker
	// first read their feeds that day.
	Published bool

	excerpts map[changeKey]ChangeEntry
	related  map[changeKey][]RelatedItem
}

type changeKey struct {
	source   string
	from, to int
}

func (b *Builder) sourceName(id string) string {
	if b.Config == nil {
		return id
	}
	if s := b.Config.Source(id); s != nil && s.Name != "" {
		return s.Name
	}
	return id
}

func (b *Builder) topicName(id string) string {
	if n := b.Taxonomy.Name(id); n != "" {
		return n
	}
	return id
}

func follows(list []string, v string) bool {
	if len(list) == 0 {
		return true
	}
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// section picks the topic a change or item is filed under: its first topic
// found in the changed words that the recipient follows, else its first
// followed topic found around them; "" when it has none the recipient
// follows. ok is false when the recipient follows topics and none matched.
func section(r *config.Recipient, ms []topics.Match) (topic string, ok bool) {
	for _, ctx := range []bool{false, true} {
		for _, m := range ms {
			if m.Context == ctx && follows(r.Topics, m.Topic) {
				return m.Topic, true
			}
		}
	}
	return "", len(r.Topics) == 0
}

// evidenceShown is how many phrases of a topic a digest quotes: enough to
// judge, never a list to wade through.
const evidenceShown = 3

func (b *Builder) evidence(ms []topics.Match) []Evidence {
	out := make([]Evidence, 0, len(ms))
	for _, m := range ms {
		words := m.Evidence
		if len(words) > evidenceShown {
			words = words[:evidenceShown]
		}
		out = append(out, Evidence{Topic: m.Topic, Name: b.topicName(m.Topic), Words: words, Context: m.Context})
	}
	return out
}

// Build gathers the digest of recipient r for the window [start, end).
func (b *Builder) Build(ctx context.Context, r *config.Recipient, start, end time.Time) (*Digest, error) {
	loc := r.Location
	if loc == nil {
		loc = time.UTC
	}
	d := &Digest{
		Recipient: *r, Start: start, End: end, Prefix: b.Config.Mail.SubjectPrefix, BaseURL: strings.TrimRight(b.Config.Mail.BaseURL, "/"),
		WeekOf: start.In(loc).Format("2006-01-02"),
		Period: fmt.Sprintf("%s – %s (%s)", start.In(loc).Format("Mon 2 Jan 2006 15:04"), end.In(loc).Format("Mon 2 Jan 2006 15:04"), loc),
	}
	sections := map[string]*Section{}
	get := func(topic string) *Section {
		s, ok := sections[topic]
		if !ok {
			name := "Other changes and news"
			if topic != "" {
				name = b.topicName(topic)
			}
			s = &Section{Topic: topic, Name: name}
			sections[topic] = s
		}
		return s
	}
	topicCount := map[string]int{}

	chs, err := b.DB.Changes(ctx, store.ChangeFilter{Since: start, Until: end.Add(-time.Millisecond), SourceIDs: r.Sources})
	if err != nil {
		return nil, err
	}
	entries, hidden, err := b.Entries(ctx, chs, FilterOf(r), loc, d.BaseURL)
	if err != nil {
		return nil, err
	}
	d.Hidden = hidden
	docs := map[string]bool{}
	for _, e := range entries {
		if e.Related, err = b.relatedOf(ctx, e.Change); err != nil {
			return nil, err
		}
		s := get(e.Topic)
		if n := len(s.Documents); n == 0 || s.Documents[n-1].SourceID != e.Change.SourceID {
			s.Documents = append(s.Documents, Document{SourceID: e.Change.SourceID, Name: b.sourceName(e.Change.SourceID)})
		}
		s.Documents[len(s.Documents)-1].Changes = append(s.Documents[len(s.Documents)-1].Changes, e.ChangeEntry)
		d.Changes++
		docs[e.Change.SourceID] = true
		for _, m := range e.Change.Topics {
			topicCount[m.Topic]++
		}
	}
	d.DocumentsChanged = len(docs)

	items, err := b.DB.Items(ctx, store.ItemFilter{Since: start, SourceIDs: r.Sources, Baseline: b.Published})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(items, func(i, j int) bool {
		if items[i].SourceID != items[j].SourceID {
			return items[i].SourceID < items[j].SourceID
		}
		return items[i].Published.After(items[j].Published)
	})
	for _, it := range items {
		inWindow := func(t time.Time) bool { return !t.IsZero() && !t.Before(start) && t.Before(end) }
		switch {
		case it.Baseline && !inWindow(it.Published):
			continue // history, not this week's news
		case !it.Baseline && !inWindow(it.FirstSeen) && !inWindow(it.UpdatedAt):
			continue
		}
		topic, ok := section(r, it.Topics)
		if !ok {
			continue
		}
		s := get(topic)
		if n := len(s.Regulators); n == 0 || s.Regulators[n-1].SourceID != it.SourceID {
			s.Regulators = append(s.Regulators, Regulator{SourceID: it.SourceID, Name: b.sourceName(it.SourceID)})
		}
		date := api.Published(it)[:10]
		s.Regulators[len(s.Regulators)-1].Items = append(s.Regulators[len(s.Regulators)-1].Items, ItemEntry{
			Title: it.Title, Date: date, Link: it.Link, Excerpt: text.Summary(strings.TrimSpace(it.Text+" "+it.PageText), 240),
			Topics: b.evidence(it.Topics), Updated: it.Revision > 1 && inWindow(it.UpdatedAt),
		})
		d.Items++
	}

	if err := b.noteSiblings(ctx, sections, docs, start, end, d.BaseURL); err != nil {
		return nil, err
	}
	for _, t := range b.Taxonomy.Topics() {
		if s, ok := sections[t.ID]; ok {
			d.Sections = append(d.Sections, *s)
		}
	}
	if s, ok := sections[""]; ok {
		d.Sections = append(d.Sections, *s)
	}

	if d.Health, err = b.health(ctx, r, start, end, loc); err != nil {
		return nil, err
	}
	if d.Deliveries, err = b.deliveries(ctx, r, end, loc); err != nil {
		return nil, err
	}
	if d.SourcesChecked, err = b.DB.SourcesCheckedBetween(ctx, start, end); err != nil {
		return nil, err
	}
	d.Quiet = d.Changes == 0 && d.Items == 0
	d.Headline = headline(topicCount, b, d)
	return d, nil
}

// Filter is what a recipient follows, and a webhook or a feed of changes
// like one: the topics and sources (empty: all) and the least importance
// shown.
type Filter struct {
	Topics, Sources []string
	MinImportance   tracker.Importance
}

// FilterOf is the filter of a recipient's digest.
func FilterOf(r *config.Recipient) Filter {
	return Filter{Topics: r.Topics, Sources: r.Sources, MinImportance: r.MinImportance}
}

// Keeps says whether f follows change c, and under which of its topics it
// is filed ("" for none of them: all topics are followed).
func (f Filter) Keeps(c tracker.Change) (topic string, ok bool) {
	if c.Technical || c.Importance.Rank() < f.MinImportance.Rank() || !follows(f.Sources, c.SourceID) {
		return "", false
	}
	return section(&config.Recipient{Topics: f.Topics}, c.Topics)
}

// Entry is a change as a digest, a feed or a webhook shows it: a change, or
// a run of a document going back and forth folded into one (Last is then
// its last change), with what the digest says of it.
type Entry struct {
	Change tracker.Change
	Last   tracker.Change
	// Switches counts the changes of a folded run (1 for a change).
	Switches int
	// Topic is the topic the entry is filed under ("" for none).
	Topic string
	ChangeEntry
}

// Entries folds changes (listed oldest first) as a digest does and keeps
// those f follows, each with its passages, grouped by document in the
// order of their first change; hidden counts those below f's importance.
// Dates are in loc; base, when set, makes the diff links absolute.
func (b *Builder) Entries(ctx context.Context, chs []tracker.Change, f Filter, loc *time.Location, base string) (out []Entry, hidden int, err error) {
	return b.entries(ctx, chs, f, loc, base, 0)
}

// Latest is Entries for the latest n entries only (by their last change,
// the latest first): only theirs are compared for their passages.
func (b *Builder) Latest(ctx context.Context, chs []tracker.Change, f Filter, loc *time.Location, base string, n int) ([]Entry, error) {
	out, _, err := b.entries(ctx, chs, f, loc, base, n)
	return out, err
}

func (b *Builder) entries(ctx context.Context, chs []tracker.Change, f Filter, loc *time.Location, base string, latest int) (out []Entry, hidden int, err error) {
	if loc == nil {
		loc = time.UTC
	}
	for _, group := range bySource(chs) {
		for _, fd := range changes.Fold(group) {
			c := fd.Change
			if c.Technical || !follows(f.Sources, c.SourceID) {
				continue
			}
			if c.Importance.Rank() < f.MinImportance.Rank() {
				hidden++
				continue
			}
			topic, ok := section(&config.Recipient{Topics: f.Topics}, c.Topics)
			if !ok {
				continue
			}
			out = append(out, Entry{Change: c, Last: fd.Last, Switches: fd.Switches, Topic: topic})
		}
	}
	if latest > 0 {
		sort.SliceStable(out, func(i, j int) bool { return out[i].Last.DetectedAt.After(out[j].Last.DetectedAt) })
		out = out[:min(latest, len(out))]
	}
	for i := range out {
		e := &out[i]
		if e.ChangeEntry, err = b.change(ctx, e.Change, loc, base); err != nil {
			return nil, 0, err
		}
		if e.Switches > 1 {
			fd := changes.Folded{Change: e.Change, Switches: e.Switches, Last: e.Last}
			e.Note = fd.Note() + ", the last time on " + e.Last.DetectedAt.In(loc).Format("Mon 2 Jan 2006 15:04")
		}
	}
	return out, hidden, nil
}

func headline(count map[string]int, b *Builder, d *Digest) string {
	if d.Quiet {
		return "nothing changed"
	}
	// How many changes per topic, a change counted under each of its
	// topics: "3 changes (2 privacy, 1 consumer)", or for one change its
	// topics, "1 change (consumer, moderation, minors, …)".
	var parts []string
	if d.Changes > 0 {
		var ts []string
		for _, t := range b.Taxonomy.Topics() {
			if n := count[t.ID]; n > 0 {
				if d.Changes == 1 {
					ts = append(ts, t.ID)
				} else {
					ts = append(ts, fmt.Sprintf("%d %s", n, t.ID))
				}
			}
		}
		if len(ts) > 3 {
			ts = append(ts[:3], "…")
		}
		s := plural(d.Changes, "change", "changes")
		if len(ts) > 0 {
			s += " (" + strings.Join(ts, ", ") + ")"
		}
		parts = append(parts, s)
	}
	if d.Items > 0 || len(parts) == 0 {
		parts = append(parts, plural(d.Items, "regulator item", "regulator items"))
	}
	return strings.Join(parts, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// change renders one change with its excerpt.
func (b *Builder) change(ctx context.Context, c tracker.Change, loc *time.Location, baseURL string) (ChangeEntry, error) {
	k := changeKey{c.SourceID, c.FromSeq, c.ToSeq}
	e, ok := b.excerpts[k]
	if !ok {
		var err error
		if e, err = b.excerpt(ctx, c); err != nil {
			return ChangeEntry{}, err
		}
		if b.excerpts == nil {
			b.excerpts = map[changeKey]ChangeEntry{}
		}
		b.excerpts[k] = e
	}
	e.When = c.DetectedAt.In(loc).Format("Mon 2 Jan 2006 15:04")
	e.Importance, e.Summary, e.Topics = c.Importance, c.Summary, b.evidence(c.Topics)
	if c.Reason != "" {
		e.Reason = c.Reason
	}
	if baseURL != "" {
		e.DiffURL = links.DiffURL(baseURL, c.SourceID, c.FromSeq, c.ToSeq)
	}
	if c.SameAs > 0 {
		e.Note = fmt.Sprintf("back to the text of version %d", c.SameAs)
	}
	if changes.Unannounced(c) || changes.Redated(c) {
		e.Announcement, e.DateLine = changes.AnnouncementNote(c), c.Stated.AfterLine
	}
	return e, nil
}

// excerpt compares the two versions of a change and picks the passages
// to show: by weight, not by place, so a rewrite's first lines (a date, a
// full stop) never hide what carries it.
func (b *Builder) excerpt(ctx context.Context, c tracker.Change) (ChangeEntry, error) {
	cmp := compare.Comparer{DB: b.DB, Taxonomy: b.Taxonomy, Subject: b.Config.Subject} // a nil Config declares no subject
	_, _, a, err := cmp.Change(ctx, c)
	if err != nil {
		return ChangeEntry{}, err
	}
	opt := diff.ExcerptOptions{}
	e := ChangeEntry{FromSeq: c.FromSeq, ToSeq: c.ToSeq, Reason: a.Reason}
	places := a.Places()
	var tb strings.Builder
	for i, p := range a.Passages {
		// Layout and chrome are shown only when nothing else changed.
		if len(e.Passages) == passagesShown || p.Artefact != "" && a.Passages[0].Artefact == "" {
			if p.Artefact == "" || a.Passages[0].Artefact != "" {
				e.More++
			}
			continue
		}
		ps := Passage{Excerpt: a.Diff.ExcerptOf(places[i].Hunk, places[i].Block, opt), Reason: p.Reason}
		e.Passages = append(e.Passages, ps)
		fmt.Fprintf(&tb, "%s — %s\n  %s\n", ps.Label, ps.Reason, diff.PartsText(ps.Parts))
	}
	if e.More > 0 {
		fmt.Fprintf(&tb, "(%s not shown)\n", plural(e.More, "more passage", "more passages"))
	}
	e.Excerpt = tb.String()
	html, err := renderExcerptHTML(e.Passages, e.More)
	if err != nil {
		return ChangeEntry{}, err
	}
	e.ExcerptHTML = html
	return e, nil
}

// bySource splits changes by source, each oldest first, sources in the order
// of their first change.
func bySource(chs []tracker.Change) [][]tracker.Change {
	idx := map[string]int{}
	var out [][]tracker.Change
	for _, c := range chs {
		i, ok := idx[c.SourceID]
		if !ok {
			i = len(out)
			idx[c.SourceID] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], c)
	}
	return out
}

// deliveries lists r's earlier digests whose delivery was in doubt, once
// each after they were sent again, and until they are.
func (b *Builder) deliveries(ctx context.Context, r *config.Recipient, end time.Time, loc *time.Location) ([]Delivery, error) {
	list, err := b.DB.Doubtful(ctx, r.Address, end)
	if err != nil {
		return nil, err
	}
	var out []Delivery
	for _, d := range list {
		pending := d.State != tracker.DigestSent
		copies := d.Doubtful
		if !pending {
			copies++
		}
		out = append(out, Delivery{Subject: d.Subject, Copies: copies, Pending: pending, Reason: d.LastError,
			Period: fmt.Sprintf("%s – %s", d.WindowStart.In(loc).Format("Mon 2 Jan"), d.WindowEnd.In(loc).Format("Mon 2 Jan 2006"))})
	}
	return out, nil
}

// health lists the sources that failed during the window, once each.
func (b *Builder) health(ctx context.Context, r *config.Recipient, start, end time.Time, loc *time.Location) ([]Health, error) {
	runs, err := b.DB.FailuresBetween(ctx, start, end)
	if err != nil {
		return nil, err
	}
	var out []Health
	idx := map[string]int{}
	for _, f := range runs {
		if !follows(r.Sources, f.SourceID) {
			continue
		}
		i, ok := idx[f.SourceID]
		if !ok {
			i = len(out)
			idx[f.SourceID] = i
			out = append(out, Health{SourceID: f.SourceID, Name: b.sourceName(f.SourceID), Since: f.FirstAt.In(loc).Format("Mon 2 Jan 15:04")})
		}
		h := &out[i]
		h.Failures += f.Count
		h.Reason = f.Error
		h.SelectorLost = h.SelectorLost || strings.Contains(f.Error, "matched nothing")
	}
	for i := range out {
		st, err := b.DB.Source(ctx, out[i].SourceID)
		if err != nil {
			return nil, err
		}
		out[i].Recovered = st.Error == ""
	}
	return out, nil
}
