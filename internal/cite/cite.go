// Package cite says how to cite a version of a document honestly: which
// document, at which address, which version, since when and until when it
// was seen and by whom (tracker's own fetches, or the dataset it was
// imported from), its hash, where its text came from with the attribution
// the dataset's licence asks for, and whether tracker still follows the
// document at all. The web pages, the exports, `tracker show` and the
// evidence bundles all cite through it, so they say the same thing.
package cite

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"tracker"
	"tracker/internal/config"
	"tracker/internal/store"
)

// ConfirmedBy says who last saw a version's text.
type ConfirmedBy string

// Who confirms a text.
const (
	// ByTracker: tracker's own fetches read this text, the last one at
	// LastConfirmed.
	ByTracker ConfirmedBy = "tracker"
	// ByDataset: the dataset the version was imported from recorded it;
	// LastConfirmed is the dataset's last recording of this text, or, when
	// UntilNext, when it recorded the next version.
	ByDataset ConfirmedBy = "dataset"
	// ByRebuild: tracker re-extracted the text from a page it had stored,
	// and no fetch has read the text since.
	ByRebuild ConfirmedBy = "rebuild"
)

// The dataset tracker imports, with the attribution its licence asks for.
const (
	DatasetName = "Open Terms Archive"
	Attribution = "Open Terms Archive contributors"
	Licence     = "ODC-BY 1.0"
)

// Doc is what a citation needs to know of a source.
type Doc struct {
	ID   string
	Name string
	// URL is the document's address ("" when unknown, as for an
	// import-only source: the dataset does not say where it read it).
	URL    string
	Origin tracker.Origin
	// Declared is true when sources.yaml declares the source; Disabled when
	// it declares it but tracker does not fetch it.
	Declared, Disabled bool
	// LastOK is tracker's last successful fetch of the source.
	LastOK time.Time
	// NoConfig is true when no sources.yaml was read: whether tracker
	// follows a source it did not import is then not known.
	NoConfig bool
}

// DocOf makes the Doc of a stored source and its declaration in the
// configuration (nil when it has none).
func DocOf(src tracker.Source, c *config.Source) Doc {
	d := Doc{ID: src.ID, Name: src.Name, URL: src.URL, Origin: src.Origin, LastOK: src.LastOKAt}
	if c != nil {
		d.Declared, d.Disabled = true, c.Disabled
		if c.Name != "" {
			d.Name = c.Name
		}
		d.URL = c.URL
		if d.URL == "" && len(c.Pages) > 0 {
			var urls []string
			for _, p := range c.Pages {
				urls = append(urls, p.URL)
			}
			d.URL = strings.Join(urls, " + ")
		}
	}
	return d
}

// Followed says whether tracker still fetches the document.
func (d Doc) Followed() bool { return d.Declared && !d.Disabled }

// Facts are what a citation is made of.
type Facts struct {
	Doc     Doc
	Version tracker.Version
	// Next is the version after Version; zero when Version is the latest.
	Next tracker.Version
	// Current is the source's latest version.
	Current tracker.Version
	// Confirmations are the runs of tracker's fetches that read Version's
	// text (store.DB.Confirmations).
	Confirmations []tracker.FetchRun
}

// Citation is how to cite one version of a document.
type Citation struct {
	SourceID string
	Document string
	URL      string
	Seq      int
	// Latest is the source's latest version: Seq == Latest is the text
	// tracker last knew in force.
	Latest    int
	FirstSeen time.Time
	// LastConfirmed is the last time the text was seen, by ConfirmedBy.
	LastConfirmed time.Time
	ConfirmedBy   ConfirmedBy
	// UntilNext is true when LastConfirmed is not a sighting of this text
	// but when the dataset recorded the next version: the text held until
	// then at most.
	UntilNext  bool
	SHA256     string
	Provenance tracker.Provenance
	// OriginRef is the dataset file an imported version came from.
	OriginRef string
	// Attribution is what the dataset's licence asks to be credited
	// ("Open Terms Archive contributors, ODC-BY 1.0"); "" for a text
	// tracker fetched.
	Attribution string
	Followed    bool
	// FollowingUnknown is true when no sources.yaml was read to say whether
	// tracker follows the source (it was not import-only).
	FollowingUnknown bool
	// UnfollowedSince is, for a source tracker no longer follows, the last
	// time anything of it was recorded.
	UnfollowedSince time.Time
}

// New makes the citation of f.Version.
func New(f Facts) Citation {
	v, d := f.Version, f.Doc
	c := Citation{
		SourceID: d.ID, Document: d.Name, URL: d.URL, Seq: v.Seq, Latest: f.Current.Seq,
		FirstSeen: v.FirstSeen, LastConfirmed: v.LastSeen, SHA256: v.SHA256,
		Provenance: v.Provenance, OriginRef: v.OriginRef, Followed: d.Followed(),
	}
	if c.Document == "" {
		c.Document = d.ID
	}
	if !webAddress(c.URL) {
		// A citation is copied into notes and Markdown: an address that is
		// not a web page's (javascript:...) is no address to cite.
		c.URL = ""
	}
	if c.Latest < v.Seq {
		c.Latest = v.Seq
	}
	var fetched time.Time
	for _, r := range f.Confirmations {
		if r.VersionSeq == v.Seq && r.Outcome != tracker.OutcomeFailed && r.LastAt.After(fetched) {
			fetched = r.LastAt
		}
	}
	switch v.Provenance {
	case tracker.ProvenanceImport:
		c.Attribution = Attribution + ", " + Licence
		// Only tracker's fetch moves last_seen past the dataset's recordings
		// when it reads the same text: its log says if it did.
		if !fetched.IsZero() && !fetched.Before(v.LastSeen) {
			c.ConfirmedBy, c.LastConfirmed = ByTracker, fetched
		} else {
			c.ConfirmedBy = ByDataset
			c.UntilNext = f.Next.Seq > 0 && v.LastSeen.Equal(f.Next.FirstSeen)
		}
	case tracker.ProvenanceRebuild:
		c.ConfirmedBy = ByRebuild
		if !fetched.IsZero() {
			c.ConfirmedBy = ByTracker
		}
	default:
		c.ConfirmedBy = ByTracker
	}
	c.FollowingUnknown = d.NoConfig && !d.Declared && d.Origin != tracker.OriginImport
	if !c.Followed && !c.FollowingUnknown {
		c.UnfollowedSince = d.LastOK
		for _, t := range []time.Time{f.Current.LastSeen, v.LastSeen} {
			if t.After(c.UnfollowedSince) {
				c.UnfollowedSince = t
			}
		}
	}
	return c
}

// webAddress is true when every address of s (pages are joined by " + ")
// is an http or https URL.
func webAddress(s string) bool {
	for u := range strings.SplitSeq(s, " + ") {
		if l := strings.ToLower(u); !strings.HasPrefix(l, "https://") && !strings.HasPrefix(l, "http://") {
			return false
		}
	}
	return true
}

// Store is what Load reads; store.Store has it.
type Store interface {
	Version(ctx context.Context, sourceID string, seq int) (tracker.Version, error)
	CurrentVersion(ctx context.Context, sourceID string) (tracker.Version, error)
	Confirmations(ctx context.Context, sourceID string, seq int) ([]tracker.FetchRun, error)
}

// Load gathers the facts of version v of a document from the store and
// makes its citation.
func Load(ctx context.Context, db Store, d Doc, v tracker.Version) (Citation, error) {
	f := Facts{Doc: d, Version: v}
	var err error
	if f.Current, err = db.CurrentVersion(ctx, d.ID); err != nil {
		return Citation{}, err
	}
	if v.Seq < f.Current.Seq {
		if f.Next, err = db.Version(ctx, d.ID, v.Seq+1); err != nil && !errors.Is(err, store.ErrNotFound) {
			return Citation{}, err
		}
	}
	if f.Confirmations, err = confirmations(ctx, db, v); err != nil {
		return Citation{}, err
	}
	return New(f), nil
}

// All cites every version of a history, oldest first as the store lists
// them.
func All(ctx context.Context, db Store, d Doc, versions []tracker.Version) ([]Citation, error) {
	if len(versions) == 0 {
		return nil, nil
	}
	out := make([]Citation, len(versions))
	f := Facts{Doc: d, Current: versions[len(versions)-1]}
	for i, v := range versions {
		f.Version, f.Next = v, tracker.Version{}
		if i+1 < len(versions) {
			f.Next = versions[i+1]
		}
		var err error
		if f.Confirmations, err = confirmations(ctx, db, v); err != nil {
			return nil, err
		}
		out[i] = New(f)
	}
	return out, nil
}

// confirmations reads the fetch log only where it can change who confirmed
// a text: a fetched version's last seen is always tracker's.
func confirmations(ctx context.Context, db Store, v tracker.Version) ([]tracker.FetchRun, error) {
	if v.Provenance == tracker.ProvenanceFetch {
		return nil, nil
	}
	return db.Confirmations(ctx, v.SourceID, v.Seq)
}

// Current is true when the cited version is the latest tracker holds.
func (c Citation) Current() bool { return c.Seq == c.Latest }

// Confirmation says when the text was last seen and by whom, in words:
// "last confirmed 2024-03-01 10:00 UTC by tracker's fetches".
func (c Citation) Confirmation() string { return "last confirmed " + c.Confirmed() }

// Confirmed is Confirmation without its first words: "2024-03-01 10:00
// UTC by tracker's fetches".
func (c Citation) Confirmed() string {
	s := When(c.LastConfirmed)
	switch c.ConfirmedBy {
	case ByTracker:
		return s + " by tracker's fetches"
	case ByDataset:
		if c.UntilNext {
			return s + " by " + DatasetName + ", when it recorded the next version"
		}
		return s + " by " + DatasetName
	case ByRebuild:
		return s + " (re-extracted by tracker from a stored snapshot; no fetch has read it since)"
	}
	return s
}

// Origin says where the text came from, with the attribution it needs:
// "fetched by tracker", "imported from Open Terms Archive (REF); Open
// Terms Archive contributors, ODC-BY 1.0".
func (c Citation) Origin() string {
	switch c.Provenance {
	case tracker.ProvenanceImport:
		s := "imported from " + DatasetName
		if c.OriginRef != "" {
			s += " (" + c.OriginRef + ")"
		}
		return s + "; " + c.Attribution
	case tracker.ProvenanceRebuild:
		return "rebuilt by tracker from a stored snapshot"
	}
	return "fetched by tracker"
}

// Following says whether tracker still follows the document: "" when it
// does, otherwise "no longer followed since 2026-07-23 10:00 UTC", or that
// it is not known when no sources.yaml was read.
func (c Citation) Following() string {
	if c.Followed {
		return ""
	}
	if c.FollowingUnknown {
		return "not known to be followed (no sources.yaml was read: give --config)"
	}
	return "no longer followed since " + When(c.UnfollowedSince)
}

// Caveat is what must go with the text wherever it is called current or in
// force: "" for a source tracker follows, or a version that is not the
// latest (a later one replaced it while tracker or the dataset watched).
func (c Citation) Caveat() string {
	if c.Followed || !c.Current() {
		return ""
	}
	return c.Following() + ": the last text tracker holds, not necessarily the one in force today"
}

// Text is the citation in a short paragraph, as a reader copies it.
func (c Citation) Text() string {
	var b strings.Builder
	b.WriteString(c.Document)
	if c.URL != "" {
		b.WriteString(", " + c.URL)
	}
	b.WriteString(", version " + strconv.Itoa(c.Seq) + ", first seen " + When(c.FirstSeen) + ", " + c.Confirmation() +
		", SHA-256 " + c.SHA256 + "; " + c.Origin())
	if f := c.Following(); f != "" {
		b.WriteString("; " + f)
	}
	b.WriteString(".")
	return b.String()
}

// When writes a moment as citations do: "2024-03-01 10:00 UTC", "-" when
// unknown.
func When(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}
