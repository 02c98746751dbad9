package main

import (
	"context"

	"tracker"
	"tracker/internal/cite"
	"tracker/internal/config"
	"tracker/internal/store"
)

// citeDoc is what a citation knows of a source: its stored name and
// address, and its declaration in the configuration, if any (see
// cite.DocOf). Without a configuration, whether tracker follows a source
// it did not import is not known, and the citation says so.
func (a *app) citeDoc(ctx context.Context, db store.Store, id string) (cite.Doc, error) {
	src, err := db.Source(ctx, id)
	if err != nil {
		return cite.Doc{}, err
	}
	cfg, err := a.optionalConfig()
	if err != nil {
		return cite.Doc{}, err
	}
	var c *config.Source
	if cfg.Config != nil {
		c = cfg.Source(id)
	}
	d := cite.DocOf(src, c)
	d.NoConfig = cfg.Config == nil
	return d, nil
}

// cite cites version v of source id.
func (a *app) cite(ctx context.Context, db store.Store, id string, v tracker.Version) (cite.Citation, error) {
	d, err := a.citeDoc(ctx, db, id)
	if err != nil {
		return cite.Citation{}, err
	}
	return cite.Load(ctx, db, d, v)
}

// caveats gives the caveat of each source's current text (see
// cite.Citation.Caveat), reading each source once.
func (a *app) caveats(ctx context.Context, db store.Store) func(id string) (string, error) {
	cache := map[string]string{}
	return func(id string) (string, error) {
		if c, ok := cache[id]; ok {
			return c, nil
		}
		d, err := a.citeDoc(ctx, db, id)
		if err != nil {
			return "", err
		}
		cur, err := db.CurrentVersion(ctx, id)
		if err != nil {
			return "", err
		}
		c := cite.New(cite.Facts{Doc: d, Version: cur, Current: cur}).Caveat()
		cache[id] = c
		return c, nil
	}
}
