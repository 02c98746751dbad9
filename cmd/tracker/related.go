package main

import (
	"context"
	"time"

	"tracker"
	"tracker/internal/api"
	"tracker/internal/related"
	"tracker/internal/store"
)

// relatedFinder finds the regulators' items related to changes, and back,
// within the configured window (settings.related_window).
func (a *app) relatedFinder(db store.Store) (related.Finder, error) {
	cfg, err := a.optionalConfig()
	if err != nil {
		return related.Finder{}, err
	}
	f := related.Finder{DB: db, Window: related.DefaultWindow}
	if cfg.Config != nil {
		f.Window = time.Duration(cfg.Settings.RelatedWindow)
	}
	return f, nil
}

// linkedChanges lists changes for --json, each with its related items.
func (a *app) linkedChanges(ctx context.Context, ids []string, query func(store.Store) ([]tracker.Change, error)) error {
	db, err := a.openForQuery(ctx, ids)
	if err != nil {
		return err
	}
	defer db.Close()
	list, err := query(db)
	if err != nil {
		return err
	}
	f, err := a.relatedFinder(db)
	if err != nil {
		return err
	}
	links, err := f.ItemsFor(ctx, list)
	if err != nil {
		return err
	}
	return a.printJSON(api.LinkChanges(list, links))
}

// linkedItems lists items for --json, each with the changes it relates to.
func (a *app) linkedItems(ctx context.Context, ids []string, query func(store.Store) ([]tracker.Item, error)) error {
	db, err := a.openForQuery(ctx, ids)
	if err != nil {
		return err
	}
	defer db.Close()
	items, err := query(db)
	if err != nil {
		return err
	}
	f, err := a.relatedFinder(db)
	if err != nil {
		return err
	}
	links, err := f.ChangesFor(ctx, items)
	if err != nil {
		return err
	}
	return a.printJSON(api.LinkItems(items, links))
}
