package web

import (
	"context"
	"time"

	"tracker"
	"tracker/internal/api"
	"tracker/internal/related"
)

// finder finds the regulators' items related to changes, and back, within
// the configured window.
func (s *server) finder() related.Finder {
	f := related.Finder{DB: s.db, Window: related.DefaultWindow}
	if s.cfg != nil {
		f.Window = time.Duration(s.cfg.Settings.RelatedWindow)
	}
	return f
}

// relatedItems is the "Regulators on this, that week" section of a change.
type relatedItems struct {
	Days  int
	Items []relatedItem
}

type relatedItem struct {
	Title, Link, Published, SourceName, When string
	Topics                                   []related.Topic
}

// relatedChange is a change an item relates to, on the items page.
type relatedChange struct {
	SourceID, SourceName string
	FromSeq, ToSeq       int
	Importance           tracker.Importance
	When                 string
	Topics               []related.Topic
}

func (s *server) windowDays() int { return int(s.finder().Window / (24 * time.Hour)) }

// relatedItemsOf finds the items related to a stored change, the best first.
func (s *server) relatedItemsOf(ctx context.Context, c tracker.Change) (*relatedItems, error) {
	if !related.Linkable(c) {
		return nil, nil
	}
	links, err := s.finder().ItemsFor(ctx, []tracker.Change{c})
	if err != nil {
		return nil, err
	}
	_, names, err := s.sources(ctx)
	if err != nil {
		return nil, err
	}
	out := &relatedItems{Days: s.windowDays()}
	for _, l := range links {
		if len(out.Items) == api.MaxRelated {
			break
		}
		out.Items = append(out.Items, relatedItem{Title: l.Item.Title, Link: l.Item.Link, Published: api.Published(l.Item)[:10],
			SourceName: names[l.Item.SourceID], When: "published " + related.When(l.Days) + " the change", Topics: l.Topics})
	}
	return out, nil
}

// relatedChangesOf finds the changes each item relates to, by item.
func (s *server) relatedChangesOf(ctx context.Context, items []tracker.Item, names map[string]string) (map[related.ItemKey][]relatedChange, error) {
	links, err := s.finder().ChangesFor(ctx, items)
	if err != nil {
		return nil, err
	}
	out := map[related.ItemKey][]relatedChange{}
	for k, ls := range related.ByItem(links) {
		for _, l := range ls {
			if len(out[k]) == api.MaxRelated {
				break
			}
			c := l.Change
			when := "published " + related.When(l.Days) + " the change"
			out[k] = append(out[k], relatedChange{SourceID: c.SourceID, SourceName: names[c.SourceID], FromSeq: c.FromSeq, ToSeq: c.ToSeq,
				Importance: c.Importance, When: when, Topics: l.Topics})
		}
	}
	return out, nil
}
