package web

import (
	"context"
	"errors"
	"net/http"

	"tracker"
	"tracker/internal/api"
	"tracker/internal/compare"
	"tracker/internal/diff"
	"tracker/internal/links"
)

// compareData is what the compare page shows: two documents side by side,
// section by section.
type compareData struct {
	Page
	A, B api.Source
	compare.Variants
	// Folded counts the sections that say the same, left out of the page
	// but for those renumbered or moved.
	Folded int
	// Siblings are the other variants of A declared in sources.yaml, for
	// the form.
	Siblings []api.Source
	JSONURL  string
}

// variants resolves the two documents of a compare page or its API.
func (s *server) variants(ctx context.Context, r *http.Request) (a, b api.Source, v compare.Variants, err error) {
	q := r.URL.Query()
	ida, idb := q.Get("a"), q.Get("b")
	if ida == "" || idb == "" {
		return a, b, v, badRequestf("compare: give the two documents as a=ID&b=ID (and at=YYYY-MM-DD for a date)")
	}
	if a, err = s.source(ctx, ida); err != nil {
		return
	}
	if b, err = s.source(ctx, idb); err != nil {
		return
	}
	for _, src := range []api.Source{a, b} {
		if src.Kind == tracker.KindFeed {
			err = badRequestf("%s", compare.NotADocument(src.ID))
			return
		}
	}
	v, err = s.cmp.Variants(ctx, ida, idb, q.Get("at"))
	var re *compare.RefError
	switch {
	case errors.As(err, &re):
		err = refError(re.Err, "at")
	case compare.IsBadReference(err):
		err = badRequestf("%v", err)
	}
	return
}

// GET /compare?a=&b=&at=
func (s *server) comparePage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, b, v, err := s.variants(ctx, r)
	if err != nil {
		return err
	}
	d := compareData{Page: Page{Title: displayName(a) + " and " + displayName(b)}, A: a, B: b, Variants: v,
		JSONURL: "/api" + links.CompareURL("", a.ID, b.ID, v.At)}
	for _, p := range v.Alignment.Sections {
		if p.Kind == diff.SectionSame && !p.Renumbered && !p.Moved {
			d.Folded++
		}
	}
	for _, id := range s.cfg.Siblings(a.ID) {
		if src, err := s.source(ctx, id); err == nil {
			d.Siblings = append(d.Siblings, src)
		}
	}
	s.render(w, r, "compare", http.StatusOK, d)
	return nil
}

// GET /api/compare?a=&b=&at=: tracker compare A B --at D --json
func (s *server) apiCompare(w http.ResponseWriter, r *http.Request) error {
	_, _, v, err := s.variants(r.Context(), r)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, api.NewCompare(v))
	return nil
}
