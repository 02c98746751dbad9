package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"time"

	"tracker"
	"tracker/internal/atom"
	"tracker/internal/digest"
)

// GET /changes.atom?topic=&source=&min-importance=&since=&until=: the changes of
// the documents as an Atom feed, each entry as a digest shows the change,
// linking to its diff. topic and source repeat; min-importance is minor
// unless given (as for a recipient); since defaults to 90 days back.
func (s *server) changesFeed(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	fq, err := s.feedQuery(q)
	if err != nil {
		return err
	}
	base := s.base
	if base == "" { // feed readers resolve nothing: the address they asked
		scheme := "http"
		if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	base = strings.TrimRight(base, "/")
	b := &digest.Builder{DB: s.db, Config: s.cfg, Taxonomy: s.tax}
	entries, err := atom.Entries(r.Context(), b, fq, base)
	if err != nil {
		return err
	}
	_, names, err := s.sources(r.Context())
	if err != nil {
		return err
	}
	q.Del("token") // a secret never goes into the feed's own address
	self := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
	var buf bytes.Buffer
	err = atom.Write(&buf, entries, atom.Options{Title: "tracker: changes of the documents" + feedTitle(fq),
		Self: base + self.String(), Base: base, Name: func(id string) string { return names[id] }, Updated: s.now()})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", atom.ContentType)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
	return nil
}

// feedQuery reads the filters of a feed of changes.
func (s *server) feedQuery(q url.Values) (atom.Query, error) {
	fq := atom.Query{Filter: digest.Filter{Sources: sourceParams(q), MinImportance: tracker.Minor}, Limit: atom.DefaultLimit}
	for _, t := range q["topic"] {
		if t = strings.TrimSpace(t); t == "" {
			continue
		}
		if !s.tax.Has(t) {
			return fq, badRequestf("topic: %q is not a topic", t)
		}
		fq.Topics = append(fq.Topics, t)
	}
	if m := tracker.Importance(q.Get("min-importance")); m != "" {
		if m.Rank() < 0 {
			return fq, badRequestf("min-importance: %q is not one of cosmetic, minor, major", m)
		}
		fq.MinImportance = m
	}
	var err error
	if fq.Since, err = dateParam(q, "since", false); err != nil {
		return fq, err
	}
	if fq.Until, err = dateParam(q, "until", true); err != nil {
		return fq, err
	}
	if fq.Since.IsZero() {
		fq.Since = s.now().Add(-atom.DefaultDays * 24 * time.Hour)
	}
	return fq, nil
}

// feedTitle says what a feed's filters keep: " (privacy, major)".
func feedTitle(q atom.Query) string {
	var parts []string
	parts = append(parts, q.Topics...)
	parts = append(parts, q.Sources...)
	if q.MinImportance == tracker.Major {
		parts = append(parts, "major")
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
