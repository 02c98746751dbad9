package digest

import (
	"context"
	"errors"
	"time"

	"tracker/internal/links"
	"tracker/internal/store"
)

// Sibling is a regional variant of a changed document (declared with
// variant_of in sources.yaml) that did not change in the window: a reader
// of one region's change wants to know the other's text stayed.
type Sibling struct {
	SourceID string
	Name     string
	// Note says it: "TikTok Terms of Service (US) did not change this week".
	Note string
	// CompareURL sets the two side by side as they stood at the window's
	// end; empty without a base URL.
	CompareURL string
}

// siblings returns, for each changed document of ids, its variants that
// recorded no change in [start, end) but do have a version to compare
// with.
func (b *Builder) siblings(ctx context.Context, ids map[string]bool, start, end time.Time, base string) (map[string][]Sibling, error) {
	out := map[string][]Sibling{}
	span := "this week"
	if end.Sub(start) > 8*24*time.Hour {
		span = "in this period"
	}
	for id := range ids {
		for _, sib := range b.Config.Siblings(id) {
			chs, err := b.DB.Changes(ctx, store.ChangeFilter{Since: start, Until: end.Add(-time.Millisecond), SourceIDs: []string{sib}, Limit: 1})
			if err != nil {
				return nil, err
			}
			if len(chs) > 0 {
				continue // both changed: each is in the digest
			}
			if _, err := b.DB.CurrentVersion(ctx, sib); errors.Is(err, store.ErrNotFound) {
				continue // never read: nothing is known of it
			} else if err != nil {
				return nil, err
			}
			s := Sibling{SourceID: sib, Name: b.sourceName(sib), Note: b.sourceName(sib) + " did not change " + span}
			unread, err := b.unreadIn(ctx, sib, start, end)
			if err != nil {
				return nil, err
			}
			if unread {
				// Its fetches failed all along: nothing says it stayed.
				s.Note = b.sourceName(sib) + " could not be read " + span + ": whether it changed is not known"
			}
			if base != "" {
				s.CompareURL = links.CompareURL(base, id, sib, end.Add(-time.Millisecond).UTC().Format("2006-01-02"))
			}
			out[id] = append(out[id], s)
		}
	}
	return out, nil
}

// noteSiblings adds to each changed document of the sections its
// variants that did not change.
func (b *Builder) noteSiblings(ctx context.Context, sections map[string]*Section, docs map[string]bool, start, end time.Time, base string) error {
	sibs, err := b.siblings(ctx, docs, start, end, base)
	if err != nil || len(sibs) == 0 {
		return err
	}
	for _, s := range sections {
		for k := range s.Documents {
			s.Documents[k].Siblings = sibs[s.Documents[k].SourceID]
		}
	}
	return nil
}

// unreadIn reports whether every fetch of source id in [start, end)
// failed: it failed in the window and has not been read since its start.
func (b *Builder) unreadIn(ctx context.Context, id string, start, end time.Time) (bool, error) {
	src, err := b.DB.Source(ctx, id)
	if err != nil || !src.LastOKAt.Before(start) {
		return false, err
	}
	runs, err := b.DB.FailuresBetween(ctx, start, end)
	if err != nil {
		return false, err
	}
	for _, r := range runs {
		if r.SourceID == id {
			return true, nil
		}
	}
	return false, nil
}
