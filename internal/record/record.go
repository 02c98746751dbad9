// Package record is the one stage that turns a text into history: a text
// fetched from a page, imported from a dataset or re-extracted from a stored
// snapshot becomes the source's next version, with its change against the
// version before it (the diff, the topics with their evidence and the
// importance, from package changes), in one write.
//
// tracker check, tracker rebuild and tracker import all record through it,
// so what a change says is decided in one place.
package record

import (
	"context"
	"errors"
	"math"
	"net/url"
	"strings"
	"time"

	"tracker"
	"tracker/internal/changes"
	"tracker/internal/store"
	"tracker/internal/topics"
)

// Recorder records texts as versions. Its fields are its dependencies.
type Recorder struct {
	DB       store.Store
	Taxonomy *topics.Taxonomy
}

// Text is a text to record as a source's next version.
type Text struct {
	SourceID string
	Text     string
	// Subject is the document's subject topics when its source declares
	// them; nil reads them from its name and title.
	Subject []string
	// At is when the text was fetched, or recorded by the dataset.
	At time.Time
	// Now, when set, dates the version when its write begins rather than
	// At (see store.NewVersion).
	Now func() time.Time
	// Snapshot is the raw document the text was extracted from; SnapshotID
	// instead refers to one already stored (a rebuild); neither for imports.
	Snapshot   *tracker.Snapshot
	SnapshotID int64
	Provenance tracker.Provenance
	OriginRef  string
	// Technical marks a version that differs from the previous one by how
	// tracker read the page, not by what the document says. A fetched text
	// is technical by itself when the version before it was read under
	// other rules (RulesHash): imported from a dataset, or read before
	// render: browser was switched, its page cannot be read again the new
	// way.
	Technical  bool
	RulesHash  string
	Validators *tracker.Validators
}

// Result is what recording did.
type Result struct {
	// Version is the new version, or the current one when the text was
	// already current (Added false).
	Version tracker.Version
	Added   bool
	// Change is the new version's change against the one before it, as
	// recorded; nil for a source's first version.
	Change *tracker.Change
	// Analysis is the full comparison behind Change.
	Analysis *changes.Analysis
}

// retries bounds how often a record is tried again when another process
// recorded a version of the same source meanwhile.
const retries = 3

// Record stores t as the version after cur, the version the caller compared
// against (the zero Version when the source had none); curText is cur's text
// when the caller has it ("" reads it). When another process recorded a
// version meanwhile, a fetched text is compared with that one instead and
// recorded after it: nothing fetched is thrown away. (A rebuilt or imported
// text belongs after the version it was made against, and fails with
// store.ErrConflict.) A text equal to the current version adds nothing
// (Added false).
func (r *Recorder) Record(ctx context.Context, t Text, cur tracker.Version, curText string) (Result, error) {
	for attempt := 0; ; attempt++ {
		res, err := r.record(ctx, t, cur, curText)
		if !errors.Is(err, store.ErrConflict) || t.Provenance != tracker.ProvenanceFetch || attempt == retries {
			return res, err
		}
		if cur, err = r.DB.CurrentVersion(ctx, t.SourceID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return Result{}, err
		}
		curText = ""
	}
}

func (r *Recorder) record(ctx context.Context, t Text, cur tracker.Version, curText string) (Result, error) {
	nv := store.NewVersion{
		SourceID: t.SourceID, Text: t.Text, At: t.At, Now: t.Now, Snapshot: t.Snapshot, SnapshotID: t.SnapshotID,
		ExpectSeq: cur.Seq, Provenance: t.Provenance, OriginRef: t.OriginRef, Technical: t.Technical,
		RulesHash: t.RulesHash, Validators: t.Validators,
	}
	if t.Provenance == tracker.ProvenanceFetch && cur.Seq > 0 && cur.RulesHash != t.RulesHash {
		nv.Technical = true
	}
	var analysis *changes.Analysis
	if cur.Seq > 0 {
		if curText == "" {
			var err error
			if curText, err = r.DB.Text(ctx, cur); err != nil {
				return Result{}, err
			}
		}
		if curText == t.Text {
			return Result{Version: cur}, nil
		}
		a := r.AnalyzeIn(ctx, t.SourceID, t.Subject, cur, curText, t.Text)
		analysis = &a
		ch := a.Change
		nv.Change = &ch
	}
	v, added, err := r.DB.AddVersion(ctx, nv)
	if err != nil || !added {
		return Result{Version: v}, err
	}
	return Result{Version: v, Added: true, Change: nv.Change, Analysis: analysis}, nil
}

// AnalyzeIn compares the text of version cur of a source with a new one, as
// a reader of the document would: knowing its name and which paragraphs
// its earlier versions held.
func (r *Recorder) AnalyzeIn(ctx context.Context, sourceID string, subject []string, cur tracker.Version, old, new string) changes.Analysis {
	doc := Document(ctx, r.DB, sourceID, cur.Seq)
	doc.Subject = subject
	return changes.AnalyzeIn(old, new, changes.Context{Taxonomy: r.Taxonomy, Document: doc})
}

// Document is what the classification of a change to version seq of a
// source knows of the document: its name, and which paragraphs earlier
// versions held. A history that cannot be read counts as unknown.
func Document(ctx context.Context, db store.Store, sourceID string, seq int) changes.Document {
	doc := changes.Document{}
	src, err := db.Source(ctx, sourceID)
	if err == nil {
		doc.Name = src.Name
		if siblings := siblings(ctx, db, src); len(siblings) > 0 {
			doc.Elsewhere = func(p string) bool {
				for _, id := range siblings {
					if n, err := db.ParagraphRuns(ctx, id, p, math.MaxInt32); err == nil && n > 0 {
						return true
					}
				}
				return false
			}
		}
	}
	if seq > 0 {
		doc.History = func(p string) int {
			n, err := db.ParagraphRuns(ctx, sourceID, p, seq)
			if err != nil {
				return 0
			}
			return n
		}
	}
	return doc
}

// siblings are the other documents of a source's site: the sources fetched
// from the same host, or imported from the same service of a dataset.
func siblings(ctx context.Context, db store.Store, src tracker.Source) []string {
	site := siteOf(ctx, db, src)
	if site == "" {
		return nil
	}
	all, err := db.Sources(ctx)
	if err != nil {
		return nil
	}
	var out []string
	for _, o := range all {
		if o.ID != src.ID && o.Kind == src.Kind && siteOf(ctx, db, o) == site {
			out = append(out, o.ID)
		}
	}
	return out
}

// siteOf names the site of a document: its host without "www.", or for an
// imported document the dataset's service ("ota-tiktok/TikTok").
func siteOf(ctx context.Context, db store.Store, src tracker.Source) string {
	if u, err := url.Parse(src.URL); err == nil && u.Host != "" {
		return strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	}
	v, err := db.Version(ctx, src.ID, 1)
	if err != nil || v.OriginRef == "" {
		return ""
	}
	parts := strings.SplitN(v.OriginRef, "/", 3)
	if len(parts) < 3 {
		return ""
	}
	return parts[0] + "/" + parts[1]
}
