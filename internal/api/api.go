// Package api defines the JSON form of what tracker reports: sources,
// versions, changes, diffs, items, search hits and digests, made from the
// domain's types (package tracker). The command line's --json output and
// the web interface's JSON API both use it, so a script gets the same
// fields from either. Field names are a contract: add, never rename.
package api

import (
	"strings"
	"time"

	"tracker"
	"tracker/internal/changes"
	"tracker/internal/config"
	"tracker/internal/diff"
	"tracker/internal/text"
)

// Time writes t as RFC 3339 in UTC, or null when zero.
func Time(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

func nonNil(ms []tracker.TopicMatch) []tracker.TopicMatch {
	if ms == nil {
		return []tracker.TopicMatch{}
	}
	return ms
}

func intOrNull(n int) *int {
	if n <= 0 {
		return nil
	}
	return &n
}

// Source is a source with its status.
type Source struct {
	ID           string              `json:"id"`
	Name         string              `json:"name"`
	Kind         tracker.SourceKind  `json:"kind"`
	URL          string              `json:"url"`
	Origin       tracker.Origin      `json:"origin"`
	Declared     bool                `json:"declared"`
	Disabled     bool                `json:"disabled"`
	Jurisdiction string              `json:"jurisdiction,omitempty"`
	Document     string              `json:"document,omitempty"`
	Versions     int                 `json:"versions"`
	CurrentSeq   int                 `json:"current_seq"`
	Items        int                 `json:"items"`
	LastFetch    *string             `json:"last_fetch"`
	LastOK       *string             `json:"last_ok"`
	LastChange   *string             `json:"last_change"`
	Error        string              `json:"error"`
	ErrorKind    tracker.FailureKind `json:"error_kind"`
	FailingSince *string             `json:"failing_since"`
	Failures     int                 `json:"failures"`
	Notice       string              `json:"notice,omitempty"`
}

// NewSource describes a stored source.
func NewSource(s tracker.Source) Source {
	return Source{
		ID: s.ID, Name: s.Name, Kind: s.Kind, URL: s.URL, Origin: s.Origin,
		Versions: s.Versions, CurrentSeq: s.CurrentSeq, Items: s.Items,
		LastFetch: Time(s.LastFetchAt), LastOK: Time(s.LastOKAt), LastChange: Time(s.LastChangeAt),
		Error: s.Error, ErrorKind: s.ErrorKind, FailingSince: Time(s.FailingSince), Failures: s.Failures, Notice: s.Notice,
	}
}

// Sources lists the declared sources in configuration order, then those only
// in the database (import-only, or removed from the configuration). cfg may
// be nil.
func Sources(cfg *config.Config, stored []tracker.Source) []Source {
	byID := map[string]tracker.Source{}
	for _, s := range stored {
		byID[s.ID] = s
	}
	out := []Source{}
	seen := map[string]bool{}
	if cfg != nil {
		for _, c := range cfg.Sources {
			s, ok := byID[c.ID]
			if !ok {
				s = tracker.Source{ID: c.ID}
			}
			j := NewSource(s)
			j.Name, j.Kind, j.URL, j.Declared, j.Disabled = c.Name, c.Kind, c.URL, true, c.Disabled
			j.Origin = tracker.OriginConfig
			j.Jurisdiction, j.Document = c.Jurisdiction, c.Document
			out = append(out, j)
			seen[c.ID] = true
		}
	}
	for _, s := range stored {
		if !seen[s.ID] {
			out = append(out, NewSource(s))
		}
	}
	return out
}

// Status says in a few words how a source is doing.
func (s Source) Status() string {
	switch {
	case s.Origin == tracker.OriginImport && !s.Declared:
		return "import-only (not fetched)"
	case !s.Declared:
		return "not in the configuration any more"
	case s.Disabled:
		return "disabled"
	case s.Error != "":
		since := "-"
		if s.FailingSince != nil {
			since = strings.Replace((*s.FailingSince)[:16], "T", " ", 1)
		}
		return "failing since " + since + ": " + s.Error
	case s.LastFetch == nil:
		return "never checked"
	case s.Notice != "":
		return "ok; " + s.Notice
	}
	return "ok"
}

// Version is one version of a document.
type Version struct {
	Source     string             `json:"source"`
	Seq        int                `json:"seq"`
	SHA256     string             `json:"sha256"`
	FirstSeen  *string            `json:"first_seen"`
	LastSeen   *string            `json:"last_seen"`
	Words      int                `json:"words"`
	SameAs     *int               `json:"same_as"`
	Provenance tracker.Provenance `json:"provenance"`
	OriginRef  string             `json:"origin_ref"`
	Technical  bool               `json:"technical"`
	// Citation is how to cite the version, where the output gives it.
	Citation *Citation `json:"citation,omitempty"`
}

// NewVersion describes a stored version.
func NewVersion(v tracker.Version) Version {
	return Version{
		Source: v.SourceID, Seq: v.Seq, SHA256: v.SHA256, FirstSeen: Time(v.FirstSeen), LastSeen: Time(v.LastSeen),
		Words: v.Words, SameAs: intOrNull(v.SameAs), Provenance: v.Provenance, OriginRef: v.OriginRef, Technical: v.Technical,
	}
}

// Shown is a version with its text.
type Shown struct {
	Version
	Text string `json:"text"`
}

// Change is the change from one version to the next.
type Change struct {
	Source       string               `json:"source"`
	FromSeq      int                  `json:"from_seq"`
	ToSeq        int                  `json:"to_seq"`
	DetectedAt   *string              `json:"detected_at"`
	Importance   tracker.Importance   `json:"importance"`
	Technical    bool                 `json:"technical"`
	SameAs       *int                 `json:"same_as"`
	WordsAdded   int                  `json:"words_added"`
	WordsRemoved int                  `json:"words_removed"`
	Topics       []tracker.TopicMatch `json:"topics"`
	Summary      string               `json:"summary"`
	// Reason says in a sentence what the change does.
	Reason string `json:"reason"`
	// Artefact says why a cosmetic change tells nothing new: format,
	// date, chrome, language, region, capture or mixed ("" for a change of
	// substance); CaptureArtefact is true when it is a fault of the page
	// tracker was served (another language or region, a broken capture),
	// not of the document.
	Artefact        string `json:"artefact"`
	CaptureArtefact bool   `json:"capture_artefact"`
	// Unannounced is true for a change of substance under a date the
	// document states for itself ("Last updated") that did not move;
	// StatedDate says what the change did to that date.
	Unannounced bool        `json:"unannounced"`
	StatedDate  *StatedDate `json:"stated_date"`
}

// StatedDate is what a change did to the date the document states for
// itself: its kind (announced, unannounced, redated, same_date or
// undated), the dates before and after (YYYY-MM-DD, or YYYY-MM when the
// document names only a month; null when a version states none), the
// lines they were read from (line is the new version's), and a note for
// a reader ("" when there is nothing to say).
type StatedDate struct {
	Kind       tracker.Announcement `json:"kind"`
	Before     *string              `json:"before"`
	After      *string              `json:"after"`
	BeforeLine string               `json:"before_line"`
	Line       string               `json:"line"`
	Note       string               `json:"note"`
}

// newStatedDate is the JSON of a change's stated dates: nil for a change
// recorded before tracker read them.
func newStatedDate(c tracker.Change) *StatedDate {
	s := c.Stated
	if s.Announcement == "" {
		return nil
	}
	str := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	return &StatedDate{Kind: s.Announcement, Before: str(s.Before), After: str(s.After), BeforeLine: s.BeforeLine, Line: s.AfterLine,
		Note: changes.AnnouncementNote(c)}
}

// NewChange describes a stored change.
func NewChange(c tracker.Change) Change {
	return Change{
		Source: c.SourceID, FromSeq: c.FromSeq, ToSeq: c.ToSeq, DetectedAt: Time(c.DetectedAt), Importance: c.Importance,
		Technical: c.Technical, SameAs: intOrNull(c.SameAs), WordsAdded: c.WordsAdded, WordsRemoved: c.WordsRemoved,
		Topics: nonNil(c.Topics), Summary: c.Summary, Reason: c.Reason, Artefact: c.Artefact,
		CaptureArtefact: changes.IsCaptureArtefact(c.Artefact),
		Unannounced:     changes.Unannounced(c), StatedDate: newStatedDate(c),
	}
}

// Diff is what changed between any two versions: the fields of a Change
// (read off the two versions: detected_at is when to was first seen), and
// the hunks.
type Diff struct {
	Source       string               `json:"source"`
	From         Version              `json:"from"`
	To           Version              `json:"to"`
	FromSeq      int                  `json:"from_seq"`
	ToSeq        int                  `json:"to_seq"`
	DetectedAt   *string              `json:"detected_at"`
	Technical    bool                 `json:"technical"`
	SameAs       *int                 `json:"same_as"`
	Importance   tracker.Importance   `json:"importance"`
	Cosmetic     bool                 `json:"cosmetic"`
	WordsAdded   int                  `json:"words_added"`
	WordsRemoved int                  `json:"words_removed"`
	Topics       []tracker.TopicMatch `json:"topics"`
	Summary      string               `json:"summary"`
	Hunks        []diff.Hunk          `json:"hunks"`
	Approximate  bool                 `json:"approximate"`
	// Reason, Artefact and CaptureArtefact are as in Change.
	Reason          string `json:"reason"`
	Artefact        string `json:"artefact"`
	CaptureArtefact bool   `json:"capture_artefact"`
	// Unannounced and StatedDate are as in Change.
	Unannounced bool        `json:"unannounced"`
	StatedDate  *StatedDate `json:"stated_date"`
}

// NewDiff describes the change from version from to version to.
func NewDiff(from, to tracker.Version, ch changes.Analysis) Diff {
	return Diff{
		Source: to.SourceID, From: NewVersion(from), To: NewVersion(to), FromSeq: from.Seq, ToSeq: to.Seq,
		DetectedAt: Time(to.FirstSeen), Technical: to.Technical && to.Seq == from.Seq+1, SameAs: intOrNull(to.SameAs),
		Importance: ch.Importance,
		Cosmetic:   ch.Diff.Cosmetic, WordsAdded: ch.Diff.WordsAdded, WordsRemoved: ch.Diff.WordsRemoved,
		Topics: nonNil(ch.Topics), Summary: ch.Summary, Hunks: ch.Diff.Hunks, Approximate: ch.Diff.Approximate,
		Reason: ch.Reason, Artefact: ch.Artefact, CaptureArtefact: changes.IsCaptureArtefact(ch.Artefact),
		Unannounced: changes.Unannounced(diffChange(from, to, ch)), StatedDate: newStatedDate(diffChange(from, to, ch)),
	}
}

// diffChange is the change an analysis of two versions describes, technical
// as the diff says it is.
func diffChange(from, to tracker.Version, ch changes.Analysis) tracker.Change {
	c := ch.Change
	c.Technical = to.Technical && to.Seq == from.Seq+1
	return c
}

// Item is an entry of a regulator's feed.
type Item struct {
	Source     string               `json:"source"`
	Key        string               `json:"key"`
	Title      string               `json:"title"`
	Link       string               `json:"link"`
	Author     string               `json:"author,omitempty"`
	Published  string               `json:"published"`
	DateOnly   bool                 `json:"date_only"`
	FirstSeen  *string              `json:"first_seen"`
	Updated    bool                 `json:"updated"`
	UpdatedAt  *string              `json:"updated_at"`
	Revision   int                  `json:"revision"`
	Topics     []tracker.TopicMatch `json:"topics"`
	Kept       bool                 `json:"kept"`
	Baseline   bool                 `json:"baseline"`
	Summary    string               `json:"summary"`
	Categories []string             `json:"categories,omitempty"`
}

// Published writes an item's date: a date-only item as a date, never
// shifted by a time zone, a dated one in RFC 3339.
func Published(it tracker.Item) string {
	if it.DateOnly {
		return it.Published.UTC().Format("2006-01-02")
	}
	return it.Published.UTC().Format(time.RFC3339)
}

// NewItem describes a stored item.
func NewItem(it tracker.Item) Item {
	return Item{
		Source: it.SourceID, Key: it.Key, Title: it.Title, Link: it.Link, Author: it.Author, Published: Published(it),
		DateOnly: it.DateOnly, FirstSeen: Time(it.FirstSeen), Updated: it.Revision > 1, UpdatedAt: Time(it.UpdatedAt),
		Revision: it.Revision, Topics: nonNil(it.Topics), Kept: it.Kept, Baseline: it.Baseline,
		Summary: text.Summary(strings.TrimSpace(it.Text+" "+it.PageText), 280), Categories: it.Categories,
	}
}

// SearchHit is a paragraph of a document (kind "document"), with the
// versions holding it, or a regulator item (kind "item").
type SearchHit struct {
	Kind      string   `json:"kind"`
	Source    string   `json:"source"`
	Text      string   `json:"text"`
	Versions  []int    `json:"versions,omitempty"`
	Runs      [][2]int `json:"runs,omitempty"`
	FirstSeen *string  `json:"first_seen"`
	LastSeen  *string  `json:"last_seen,omitempty"`
	Current   bool     `json:"current"`
	Key       string   `json:"key,omitempty"`
	Title     string   `json:"title,omitempty"`
	Link      string   `json:"link,omitempty"`
	Published string   `json:"published,omitempty"`
	// Caveat qualifies current for a source tracker no longer follows.
	Caveat string `json:"caveat,omitempty"`
}

// DocumentHit describes a paragraph found in the versions of a document.
func DocumentHit(h tracker.SearchHit) SearchHit {
	return SearchHit{Kind: "document", Source: h.SourceID, Text: h.Text, Versions: h.Versions(), Runs: h.Runs,
		FirstSeen: Time(h.FirstSeen), LastSeen: Time(h.LastSeen), Current: h.Current}
}

// ItemHit describes an item found by a search.
func ItemHit(it tracker.Item) SearchHit {
	return SearchHit{Kind: "item", Source: it.SourceID, Text: it.Text, Key: it.Key, Title: it.Title,
		Link: it.Link, Published: Published(it), FirstSeen: Time(it.FirstSeen), Current: true}
}

// Digest is a digest and what became of it.
type Digest struct {
	ID          int64               `json:"id"`
	Recipient   string              `json:"recipient"`
	WindowStart *string             `json:"window_start"`
	WindowEnd   *string             `json:"window_end"`
	MessageID   string              `json:"message_id"`
	Subject     string              `json:"subject"`
	State       tracker.DigestState `json:"state"`
	Attempts    int                 `json:"attempts"`
	// Doubtful counts the attempts whose outcome is unknown: a copy may
	// have arrived more than once, under the same Message-ID.
	Doubtful    int     `json:"doubtful"`
	LastError   string  `json:"last_error,omitempty"`
	CreatedAt   *string `json:"created_at"`
	SentAt      *string `json:"sent_at"`
	Transport   string  `json:"transport,omitempty"`
	DeliveredTo string  `json:"delivered_to,omitempty"`
	Changes     int     `json:"changes"`
	Items       int     `json:"items"`
}

// NewDigest describes a stored digest.
func NewDigest(d tracker.Digest) Digest {
	return Digest{
		ID: d.ID, Recipient: d.Recipient, WindowStart: Time(d.WindowStart), WindowEnd: Time(d.WindowEnd), MessageID: d.MessageID,
		Subject: d.Subject, State: d.State, Attempts: d.Attempts, Doubtful: d.Doubtful, LastError: d.LastError, CreatedAt: Time(d.CreatedAt),
		SentAt: Time(d.SentAt), Transport: d.Transport, DeliveredTo: d.DeliveredTo, Changes: d.Changes, Items: d.Items,
	}
}

// Delivery is a webhook delivery or alert mail of the ledger.
type Delivery struct {
	ID          int64                 `json:"id"`
	Target      string                `json:"target"`
	Channel     tracker.Channel       `json:"channel"`
	Kind        tracker.DeliveryKind  `json:"kind"`
	Key         string                `json:"key"`
	Subject     string                `json:"subject"`
	WindowStart *string               `json:"window_start"`
	WindowEnd   *string               `json:"window_end"`
	State       tracker.DeliveryState `json:"state"`
	Attempts    int                   `json:"attempts"`
	Doubtful    int                   `json:"doubtful"`
	LastError   string                `json:"last_error,omitempty"`
	Status      int                   `json:"status,omitempty"`
	CreatedAt   *string               `json:"created_at"`
	NextAttempt *string               `json:"next_attempt"`
	SentAt      *string               `json:"sent_at"`
}

// NewDelivery describes a recorded delivery; next_attempt is null once it
// is sent.
func NewDelivery(d tracker.Delivery) Delivery {
	out := Delivery{
		ID: d.ID, Target: d.Target, Channel: d.Channel, Kind: d.Kind, Key: d.Key, Subject: d.Subject,
		WindowStart: Time(d.WindowStart), WindowEnd: Time(d.WindowEnd), State: d.State, Attempts: d.Attempts,
		Doubtful: d.Doubtful, LastError: d.LastError, Status: d.Status, CreatedAt: Time(d.CreatedAt), SentAt: Time(d.SentAt),
	}
	if !d.State.Settled() {
		out.NextAttempt = Time(d.NextAttempt)
	}
	return out
}

// FetchRun is a run of identical fetch outcomes of a source, as the fetch
// log keeps it: count fetches from first_at to last_at, each with outcome,
// while version_seq was the current version.
type FetchRun struct {
	Source     string          `json:"source"`
	Outcome    tracker.Outcome `json:"outcome"`
	VersionSeq int             `json:"version_seq"`
	Status     int             `json:"status"`
	Error      string          `json:"error"`
	FirstAt    *string         `json:"first_at"`
	LastAt     *string         `json:"last_at"`
	Count      int             `json:"count"`
}

// NewFetchRun describes a run of the fetch log.
func NewFetchRun(r tracker.FetchRun) FetchRun {
	return FetchRun{Source: r.SourceID, Outcome: r.Outcome, VersionSeq: r.VersionSeq, Status: r.Status, Error: r.Error,
		FirstAt: Time(r.FirstAt), LastAt: Time(r.LastAt), Count: r.Count}
}
