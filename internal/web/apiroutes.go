package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"tracker"
	"tracker/internal/api"
	"tracker/internal/cite"
	"tracker/internal/store"
)

// The JSON API answers what the command line's --json prints, with the
// same types (package api), so a script can use either.

func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, `{"error": "the answer could not be encoded"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(append(b, '\n'))
	}
}

func (s *server) apiNotFound(w http.ResponseWriter, r *http.Request) error {
	return notFoundf("no API at %s: see /api/sources, /api/changes, /api/items, /api/search", r.URL.Path)
}

// GET /api/sources: tracker sources --json
func (s *server) apiSources(w http.ResponseWriter, r *http.Request) error {
	list, _, err := s.sources(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, list)
	return nil
}

// GET /api/sources/{id}/history: tracker history ID --json
func (s *server) apiHistory(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	src, err := s.source(r.Context(), id)
	if err != nil {
		return err
	}
	versions, err := s.db.Versions(r.Context(), id)
	if err != nil {
		return err
	}
	cs, err := cite.All(r.Context(), s.db, s.citeDoc(src), versions)
	if err != nil {
		return err
	}
	out := make([]api.Version, 0, len(versions))
	for i, v := range versions {
		out = append(out, api.Cited(v, cs[i]))
	}
	writeJSON(w, r, http.StatusOK, out)
	return nil
}

// GET /api/sources/{id}/show?at=: tracker show ID --at D --json
func (s *server) apiShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := r.PathValue("id")
	src, err := s.source(ctx, id)
	if err != nil {
		return err
	}
	ref := strings.TrimSpace(r.URL.Query().Get("at"))
	if ref == "" {
		ref = s.now().UTC().Format("2006-01-02T15:04:05Z")
	}
	v, err := s.version(ctx, id, ref, "at")
	if err != nil {
		return err
	}
	text, err := s.db.Text(ctx, v)
	if err != nil {
		return err
	}
	c, err := s.citation(ctx, src, v)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, api.Shown{Version: api.Cited(v, c), Text: text})
	return nil
}

// GET /api/sources/{id}/diff?from=&to=: tracker diff ID --json
func (s *server) apiDiff(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := r.PathValue("id")
	if _, err := s.source(ctx, id); err != nil {
		return err
	}
	from, to, ch, err := s.diffOf(ctx, id, r.URL.Query())
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, api.NewDiff(from, to, ch))
	return nil
}

// GET /api/changes?since=&until=&source=&topic=&min-importance=&technical=&limit=:
// tracker changes --json
func (s *server) apiChanges(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.ChangeFilter{SourceIDs: sourceParams(q)}
	var err error
	if f.Topic, err = s.topicParam(q); err != nil {
		return err
	}
	if f.Technical, err = boolParam(q, "technical"); err != nil {
		return err
	}
	if f.Since, err = dateParam(q, "since", false); err != nil {
		return err
	}
	if f.Until, err = dateParam(q, "until", true); err != nil {
		return err
	}
	if m := tracker.Importance(q.Get("min-importance")); m != "" {
		if m.Rank() < 0 {
			return badRequestf("min-importance: %q is not one of cosmetic, minor, major", m)
		}
		f.MinImportance = m
	}
	if f.Limit, err = limitParam(q); err != nil {
		return err
	}
	list, err := s.db.Changes(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]api.Change, 0, len(list))
	for _, c := range list {
		out = append(out, api.NewChange(c))
	}
	writeJSON(w, r, http.StatusOK, out)
	return nil
}

// GET /api/items?source=&since=&until=&topic=&all=&limit=: tracker items --json
func (s *server) apiItems(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f, err := s.itemFilter(q)
	if err == nil {
		f.Limit, err = limitParam(q)
	}
	if err != nil {
		return err
	}
	items, err := s.db.Items(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]api.Item, 0, len(items))
	for _, it := range items {
		out = append(out, api.NewItem(it))
	}
	writeJSON(w, r, http.StatusOK, out)
	return nil
}

// GET /api/search?q=&source=&at=&fts=: tracker search QUERY --json
func (s *server) apiSearch(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	text := strings.TrimSpace(q.Get("q"))
	if text == "" {
		return badRequestf("q: give the phrase to search for")
	}
	raw, err := boolParam(q, "fts")
	if err != nil {
		return err
	}
	sq := store.SearchQuery{Text: text, Raw: raw, SourceIDs: sourceParams(q)}
	if sq.At, err = dateParam(q, "at", true); err != nil {
		return err
	}
	hits, err := s.db.Search(ctx, sq)
	if err != nil {
		if sq.Raw {
			err = badRequestf("%v", err)
		}
		return err
	}
	var items []tracker.Item
	if sq.At.IsZero() {
		if items, err = s.db.SearchItems(ctx, sq.Text, sq.Raw, sq.SourceIDs, 100); err != nil {
			return err
		}
	}
	out := make([]api.SearchHit, 0, len(hits)+len(items))
	caveat := s.caveats(ctx)
	for _, h := range hits {
		j := api.DocumentHit(h)
		if h.Current {
			if j.Caveat, err = caveat(h.SourceID); err != nil {
				return err
			}
		}
		out = append(out, j)
	}
	for _, it := range items {
		out = append(out, api.ItemHit(it))
	}
	writeJSON(w, r, http.StatusOK, out)
	return nil
}

func limitParam(q map[string][]string) (int, error) {
	v := ""
	if l := q["limit"]; len(l) > 0 {
		v = l[0]
	}
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, badRequestf("limit: %q is not a number", v)
	}
	return n, nil
}
