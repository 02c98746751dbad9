package web

import (
	"context"
	"time"

	"tracker"
	"tracker/internal/api"
	"tracker/internal/cite"
)

// citeDoc is what a citation knows of a source: its name and address as
// the configuration gives them, and whether tracker still follows it.
func (s *server) citeDoc(src api.Source) cite.Doc {
	d := cite.Doc{ID: src.ID, Name: displayName(src), URL: src.URL, Origin: src.Origin, Declared: src.Declared, Disabled: src.Disabled,
		NoConfig: s.cfg == nil}
	if src.LastOK != nil {
		d.LastOK, _ = time.Parse(time.RFC3339, *src.LastOK)
	}
	if d.URL == "" && s.cfg != nil {
		if c := s.cfg.Source(src.ID); c != nil {
			d.URL = cite.DocOf(tracker.Source{ID: src.ID}, c).URL
		}
	}
	return d
}

// citation is how to cite version v of a source (see package cite).
func (s *server) citation(ctx context.Context, src api.Source, v tracker.Version) (cite.Citation, error) {
	return cite.Load(ctx, s.db, s.citeDoc(src), v)
}

// following is "" for a source tracker follows, otherwise since when it
// no longer does: its latest version is only the last text tracker holds.
func (s *server) following(src api.Source, current tracker.Version) string {
	return cite.New(cite.Facts{Doc: s.citeDoc(src), Version: current, Current: current}).Following()
}

// caveats gives the caveat of each source's current text (see
// cite.Citation.Caveat), reading each source once.
func (s *server) caveats(ctx context.Context) func(id string) (string, error) {
	cache := map[string]string{}
	return func(id string) (string, error) {
		if c, ok := cache[id]; ok {
			return c, nil
		}
		src, err := s.source(ctx, id)
		if err != nil {
			return "", err
		}
		cur, err := s.db.CurrentVersion(ctx, id)
		if err != nil {
			return "", err
		}
		c := cite.New(cite.Facts{Doc: s.citeDoc(src), Version: cur, Current: cur}).Caveat()
		cache[id] = c
		return c, nil
	}
}
