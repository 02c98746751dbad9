package web

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"tracker"
	"tracker/internal/api"
	"tracker/internal/links"
)

// SnapshotPolicy is the Content-Security-Policy of a stored page served
// back (/snapshot/raw): a sandbox with no script, and nothing it names may
// load (images, styles, fonts, frames of the original would reach the
// site, telling it who reads the page and when). Only tracker's own
// snapshot page may frame it.
const SnapshotPolicy = "sandbox; default-src 'none'; form-action 'none'; base-uri 'none'; frame-ancestors 'self'"

// snapshotPagePolicy is the policy of the page framing it: the one of
// every page, with frames of tracker's own addresses allowed.
const snapshotPagePolicy = ContentSecurityPolicy + "; frame-src 'self'"

type header struct{ Name, Value string }

type snapshotData struct {
	Page
	Source      api.Source
	V           tracker.Version
	S           tracker.Snapshot
	StatusText  string
	FetchedAt   string
	Size        int
	SHA256      string
	Note        string
	Headers     []header
	ContentType string
	// Frame is true when the page is HTML or text, which a sandboxed
	// frame shows.
	Frame bool
	Raw   string
}

// snapshot reads the page stored behind the version of the request's path.
func (s *server) snapshot(r *http.Request) (api.Source, tracker.Version, tracker.Snapshot, error) {
	ctx := r.Context()
	id := r.PathValue("id")
	src, err := s.source(ctx, id)
	if err != nil {
		return src, tracker.Version{}, tracker.Snapshot{}, err
	}
	seq, err := strconv.Atoi(r.PathValue("seq"))
	if err != nil {
		return src, tracker.Version{}, tracker.Snapshot{}, badRequestf("%q is not a version number", r.PathValue("seq"))
	}
	v, err := s.version(ctx, id, strconv.Itoa(seq), "version")
	if err != nil {
		return src, v, tracker.Snapshot{}, err
	}
	snap, err := s.cmp.Snapshot(ctx, v)
	return src, v, snap, refError(err, "version")
}

// GET /sources/{id}/versions/{seq}/snapshot: what the server sent for a
// version, its body framed in a sandbox.
func (s *server) snapshotPage(w http.ResponseWriter, r *http.Request) error {
	src, v, snap, err := s.snapshot(r)
	if err != nil {
		return err
	}
	d := snapshotData{Page: Page{Title: displayName(src) + ", version " + strconv.Itoa(v.Seq) + ": the page as served"},
		Source: src, V: v, S: snap, StatusText: http.StatusText(snap.Status), FetchedAt: snap.FetchedAt.UTC().Format(time.RFC3339),
		Size: len(snap.Body), SHA256: api.BodySHA256(snap.Body), Note: api.SnapshotNote(snap),
		ContentType: snap.Headers["Content-Type"], Raw: links.SnapshotRawURL("", v.SourceID, v.Seq)}
	for k, val := range snap.Headers {
		d.Headers = append(d.Headers, header{k, val})
	}
	slices.SortFunc(d.Headers, func(a, b header) int { return strings.Compare(a.Name, b.Name) })
	mt, _ := mediaType(snap)
	d.Frame = mt == "text/html" || mt == "application/xhtml+xml" || mt == "text/plain"
	w.Header().Set("Content-Security-Policy", snapshotPagePolicy)
	s.render(w, r, "snapshot", http.StatusOK, d)
	return nil
}

// GET /sources/{id}/versions/{seq}/snapshot/raw[?as=text][&download=1]:
// the stored body, byte for byte, under a policy that lets nothing in it
// run or load (SnapshotPolicy); as=text serves it as plain text, download
// as a file to save.
func (s *server) snapshotRaw(w http.ResponseWriter, r *http.Request) error {
	_, v, snap, err := s.snapshot(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	asText := q.Get("as") == "text"
	if as := q.Get("as"); as != "" && !asText {
		return badRequestf("as: %q is not a way to show a page: as=text, or nothing for the page itself", as)
	}
	download, err := boolParam(q, "download")
	if err != nil {
		return err
	}
	mt, params := mediaType(snap)
	ctype := mime.FormatMediaType(mt, params)
	if asText {
		ctype = mime.FormatMediaType("text/plain", params)
	}
	if ctype == "" { // parameters it cannot write
		ctype = mt
	}
	disposition := "inline"
	if download {
		disposition = "attachment"
	}
	name := fmt.Sprintf("%s-version-%d%s", v.SourceID, v.Seq, extension(mt))
	h := w.Header()
	h.Set("Content-Security-Policy", SnapshotPolicy)
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": name}))
	sum := sha256.Sum256(snap.Body)
	h.Set("Repr-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum[:])+":")
	h.Set("Content-Length", strconv.Itoa(len(snap.Body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(snap.Body)
	}
	return nil
}

// GET /api/sources/{id}/versions/{seq}/snapshot: tracker snapshot ID --version N --json
func (s *server) apiSnapshot(w http.ResponseWriter, r *http.Request) error {
	_, v, snap, err := s.snapshot(r)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, api.NewSnapshot(v, snap))
	return nil
}

// mediaType is the stored page's type with its parameters; a type the
// server did not give, or gave malformed, is application/octet-stream,
// which no browser shows as a page.
func mediaType(snap tracker.Snapshot) (string, map[string]string) {
	mt, params, err := mime.ParseMediaType(snap.Headers["Content-Type"])
	if err != nil || mt == "" {
		return "application/octet-stream", nil
	}
	return mt, params
}

// extension names a downloaded page's file by its type.
func extension(mt string) string {
	switch mt {
	case "text/html":
		return ".html"
	case "application/xhtml+xml":
		return ".xhtml"
	case "text/plain":
		return ".txt"
	case "application/pdf":
		return ".pdf"
	case "application/json":
		return ".json"
	case "application/xml", "text/xml", "application/rss+xml", "application/atom+xml":
		return ".xml"
	case "multipart/mixed":
		return ".mime"
	}
	return ".bin"
}
