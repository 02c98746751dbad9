package web

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"tracker"
	"tracker/internal/changes"

	"tracker/internal/evidence"
)

// evidenceBundle serves the evidence bundle of a change as a download:
// /sources/{id}/evidence.zip?version=N&from=M (version: the latest by
// default; from: the version before it).
func (s *server) evidenceBundle(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := r.PathValue("id")
	if _, err := s.source(ctx, id); err != nil {
		return err
	}
	q := r.URL.Query()
	req := evidence.Request{SourceID: id}
	for _, p := range []struct {
		name string
		seq  *int
	}{{"version", &req.ToSeq}, {"from", &req.FromSeq}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return badRequestf("%s: %q is not a version number", p.name, v)
		}
		*p.seq = n
	}
	b, err := s.evidence().Build(ctx, req)
	var ee *evidence.Error
	switch {
	case errors.As(err, &ee) && ee.NotFound:
		return notFoundf("%s", ee.Msg)
	case errors.As(err, &ee):
		return badRequestf("%s", ee.Msg)
	case err != nil:
		return err
	}
	sum, _ := hex.DecodeString(b.SHA256)
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": b.Name}))
	h.Set("Content-Length", strconv.Itoa(len(b.Zip)))
	// RFC 9530: the zip's SHA-256, which `tracker evidence` prints too.
	h.Set("Repr-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum)+":")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(b.Zip)
	}
	return nil
}

// evidence builds the bundles, with the diff page the web serves.
func (s *server) evidence() *evidence.Builder {
	return &evidence.Builder{DB: s.db, Config: s.cfg, Comparer: s.cmp, DiffHTML: func(ctx context.Context, w io.Writer, from, to tracker.Version, a changes.Analysis) error {
		return s.writeDiffPage(ctx, w, to.SourceID, from, to, a)
	}}
}
