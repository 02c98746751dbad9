package related

import (
	"context"
	"slices"
	"time"

	"tracker"
	"tracker/internal/store"
)

// Finder reads the candidates of links from the store: the items published
// within the window of some changes, or the changes within the window of
// some items. It reads each stretch of time once, however many changes
// fall in it, so a long history costs one query per busy period.
type Finder struct {
	DB store.Store
	// Window is how far apart a change and an item may be; 0 is
	// DefaultWindow.
	Window time.Duration
}

func (f Finder) window() time.Duration {
	if f.Window <= 0 {
		return DefaultWindow
	}
	return f.Window
}

// ItemsFor returns the links of the changes to their related items, the
// best first.
func (f Finder) ItemsFor(ctx context.Context, chs []tracker.Change) ([]Link, error) {
	var at []time.Time
	for _, c := range chs {
		if Linkable(c) {
			at = append(at, c.DetectedAt)
		}
	}
	var items []tracker.Item
	for _, s := range spans(at, f.window()) {
		got, err := f.DB.Items(ctx, store.ItemFilter{PublishedSince: s[0], PublishedUntil: s[1], Baseline: true, NoText: true})
		if err != nil {
			return nil, err
		}
		items = append(items, got...)
	}
	return Relate(chs, items, f.window()), nil
}

// ChangesFor returns the links of the items to the changes they relate to,
// the best first.
func (f Finder) ChangesFor(ctx context.Context, items []tracker.Item) ([]Link, error) {
	var at []time.Time
	for _, it := range items {
		if it.Kept && len(it.Topics) > 0 {
			at = append(at, ItemDate(it))
		}
	}
	var chs []tracker.Change
	for _, s := range spans(at, f.window()) {
		got, err := f.DB.Changes(ctx, store.ChangeFilter{Since: s[0], Until: s[1], MinImportance: tracker.Minor})
		if err != nil {
			return nil, err
		}
		chs = append(chs, got...)
	}
	return Relate(chs, items, f.window()), nil
}

// spans are the stretches of time within window of the times, whole days,
// the overlapping ones merged.
func spans(at []time.Time, window time.Duration) [][2]time.Time {
	if len(at) == 0 {
		return nil
	}
	at = slices.Clone(at)
	slices.SortFunc(at, time.Time.Compare)
	w := windowDays(window)
	var out [][2]time.Time
	for _, t := range at {
		from, to := day(t).AddDate(0, 0, -w), day(t).AddDate(0, 0, w+1).Add(-time.Nanosecond)
		if n := len(out); n > 0 && !from.After(out[n-1][1]) {
			out[n-1][1] = to
			continue
		}
		out = append(out, [2]time.Time{from, to})
	}
	return out
}
