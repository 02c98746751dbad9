package compare

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"tracker"
	"tracker/internal/store"
)

// Snapshot returns the page v was extracted from, as tracker fetched it.
// A version with none (imported from a dataset, say) is a not-found Error
// saying who recorded it and where its original is.
func (c *Comparer) Snapshot(ctx context.Context, v tracker.Version) (tracker.Snapshot, error) {
	if v.SnapshotID == 0 {
		return tracker.Snapshot{}, notFoundf("%s", NoSnapshot(v))
	}
	s, err := c.DB.Snapshot(ctx, v.SnapshotID)
	if errors.Is(err, store.ErrNotFound) {
		return s, notFoundf("%s version %d refers to page %d, which is not in the database", v.SourceID, v.Seq, v.SnapshotID)
	}
	return s, err
}

// NoSnapshot says why version v has no stored page and where to find the
// original instead.
func NoSnapshot(v tracker.Version) string {
	head := fmt.Sprintf("%s version %d has no stored page", v.SourceID, v.Seq)
	if v.Provenance != tracker.ProvenanceImport {
		return head + ": tracker recorded its text without the page it was read from; `tracker history " + v.SourceID + "` lists the versions"
	}
	dataset, file, ok := strings.Cut(v.OriginRef, "/")
	if !ok {
		dataset, file = "", v.OriginRef
	}
	origin := "an Open Terms Archive dataset"
	if dataset != "" {
		origin = "the Open Terms Archive dataset " + dataset
	}
	return fmt.Sprintf("%s: it was imported from %s (file %q), where Open Terms Archive recorded it on %s; "+
		"tracker never fetched it and holds only its text. "+
		"The page as Open Terms Archive fetched it is in the snapshots of its collection, recorded at that time. "+
		"Attribute that data to \"Open Terms Archive contributors\" (ODC-BY 1.0)",
		head, origin, file, v.FirstSeen.UTC().Format("2006-01-02 15:04:05 UTC"))
}
