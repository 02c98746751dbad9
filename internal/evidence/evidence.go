// Package evidence builds an evidence bundle: one zip file holding what
// tracker knows of a change of a document, for a reader who must show it to
// someone else (a client, a regulator, a court). It holds the text of the
// two versions, the pages as served behind them with their HTTP metadata,
// the diff (HTML and JSON), the recorded change, who recorded each version
// (tracker's fetches or an imported dataset, with its attribution), the
// fetch log while the versions were current, a MANIFEST of SHA-256 sums
// that `sha256sum -c` reads, and a README saying how to verify each file by
// hand.
//
// The command line (`tracker evidence`) and the web interface
// (/sources/{id}/evidence.zip) both build it here. A bundle is
// deterministic: the same database gives the same bytes.
package evidence

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"time"

	"tracker"
	"tracker/internal/api"
	"tracker/internal/changes"
	"tracker/internal/cite"
	"tracker/internal/compare"
	"tracker/internal/config"
	"tracker/internal/store"
)

// Builder builds bundles. Its fields are its dependencies.
type Builder struct {
	DB store.Store
	// Config declares the sources (their names and addresses, whether
	// tracker still follows them); nil: the database alone.
	Config *config.Config
	// Comparer compares the two versions, as `tracker diff` does.
	Comparer *compare.Comparer
	// DiffHTML writes the standalone diff page of two versions (what
	// `tracker diff --format html` writes: web.WriteDiffPage). It is given,
	// not imported, because the web interface serves bundles too.
	DiffHTML func(ctx context.Context, w io.Writer, from, to tracker.Version, a changes.Analysis) error
}

// Error is a bundle that cannot be made from what was asked: NotFound
// when the source or a version does not exist, otherwise a request that
// makes no sense (a from not before to). Msg says what to do.
type Error struct {
	NotFound bool
	Msg      string
}

func (e *Error) Error() string { return e.Msg }

// Name is the file name of the bundle of source id from version from to
// version to (from 0: version to alone).
func Name(id string, from, to int) string {
	if from == 0 {
		return fmt.Sprintf("%s-v%d-evidence.zip", id, to)
	}
	return fmt.Sprintf("%s-v%d-v%d-evidence.zip", id, from, to)
}

// Request names a bundle: versions FromSeq to ToSeq of a source. ToSeq 0
// is the latest version; FromSeq 0 the one before ToSeq, or none when
// ToSeq is the first version (the bundle then holds that version alone).
type Request struct {
	SourceID       string
	FromSeq, ToSeq int
}

// Bundle is a built bundle.
type Bundle struct {
	Name string
	// From is the zero Version when the bundle holds one version.
	From, To tracker.Version
	Zip      []byte
	// SHA256 is the zip's, hex.
	SHA256 string
}

// Build makes the bundle req names.
func (b *Builder) Build(ctx context.Context, req Request) (Bundle, error) {
	src, from, to, err := b.resolve(ctx, req)
	if err != nil {
		return Bundle{}, err
	}
	files, at, err := b.files(ctx, src, from, to)
	if err != nil {
		return Bundle{}, err
	}
	name := Name(src.ID, from.Seq, to.Seq)
	z, err := archive(strings.TrimSuffix(name, ".zip"), files, at)
	if err != nil {
		return Bundle{}, err
	}
	sum := sha256.Sum256(z)
	return Bundle{Name: name, From: from, To: to, Zip: z, SHA256: hex.EncodeToString(sum[:])}, nil
}

func (b *Builder) resolve(ctx context.Context, req Request) (src tracker.Source, from, to tracker.Version, err error) {
	id := req.SourceID
	if src, err = b.DB.Source(ctx, id); errors.Is(err, store.ErrNotFound) {
		return src, from, to, &Error{NotFound: true, Msg: fmt.Sprintf("there is no source %q", id)}
	} else if err != nil {
		return src, from, to, err
	}
	version := func(seq int) (tracker.Version, error) {
		v, err := b.DB.Version(ctx, id, seq)
		if errors.Is(err, store.ErrNotFound) {
			return v, &Error{NotFound: true, Msg: fmt.Sprintf("%s has no version %d", id, seq)}
		}
		return v, err
	}
	switch {
	case req.ToSeq < 0 || req.FromSeq < 0:
		return src, from, to, &Error{Msg: "a version is a number from 1"}
	case req.ToSeq == 0:
		if to, err = b.DB.CurrentVersion(ctx, id); errors.Is(err, store.ErrNotFound) {
			return src, from, to, &Error{NotFound: true, Msg: fmt.Sprintf("%s has no version yet", id)}
		}
	default:
		to, err = version(req.ToSeq)
	}
	if err != nil {
		return src, from, to, err
	}
	fromSeq := req.FromSeq
	if fromSeq == 0 {
		fromSeq = to.Seq - 1
	}
	if fromSeq >= to.Seq {
		return src, from, to, &Error{Msg: fmt.Sprintf("the earlier version (%d) must come before the later one (%d): a bundle goes from an older version to a newer one", fromSeq, to.Seq)}
	}
	if fromSeq > 0 {
		from, err = version(fromSeq)
	}
	return src, from, to, err
}

// file is one file of a bundle, by its path inside the bundle's folder.
type file struct {
	path string
	body []byte
}

// versionsOf are the versions a bundle holds, oldest first.
func versionsOf(from, to tracker.Version) []tracker.Version {
	if from.Seq == 0 {
		return []tracker.Version{to}
	}
	return []tracker.Version{from, to}
}

func textPath(v tracker.Version) string { return fmt.Sprintf("versions/v%d/text.txt", v.Seq) }

func snapshotPaths(v tracker.Version, s tracker.Snapshot) (body, meta string) {
	dir := fmt.Sprintf("versions/v%d/", v.Seq)
	return dir + "snapshot" + extension(s.Headers), dir + "snapshot.json"
}

// extension names a body by its Content-Type, so that it opens as what it
// is; .bin when tracker does not know.
func extension(headers map[string]string) string {
	ct := ""
	for k, v := range headers {
		if strings.EqualFold(k, "Content-Type") {
			ct = v
		}
	}
	mt, _, _ := mime.ParseMediaType(ct)
	switch {
	case mt == "text/html" || mt == "application/xhtml+xml":
		return ".html"
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return ".json"
	case mt == "text/plain":
		return ".txt"
	case strings.HasSuffix(mt, "/xml") || strings.HasSuffix(mt, "+xml"):
		return ".xml"
	case mt == "application/pdf":
		return ".pdf"
	}
	return ".bin"
}

// files gathers the bundle's files in their order in the zip, MANIFEST
// and README.txt first, and the time to date them at: the last fact the
// bundle holds (the later version's last confirmation, or a later run of
// the fetch log), so that the same history gives the same bytes.
func (b *Builder) files(ctx context.Context, src tracker.Source, from, to tracker.Version) (_ []file, at time.Time, err error) {
	var (
		out   []file
		facts []versionFacts
	)
	var declared *config.Source
	if b.Config != nil {
		declared = b.Config.Source(src.ID)
	}
	doc := cite.DocOf(src, declared)
	for _, v := range versionsOf(from, to) {
		t, err := b.DB.Text(ctx, v)
		if err != nil {
			return nil, at, err
		}
		c, err := cite.Load(ctx, b.DB, doc, v)
		if err != nil {
			return nil, at, err
		}
		vf := versionFacts{Version: api.Cited(v, c), provenance: provenanceOf(c), TextFile: textPath(v)}
		out = append(out, file{vf.TextFile, []byte(t)})
		if v.SnapshotID != 0 {
			s, err := b.DB.Snapshot(ctx, v.SnapshotID)
			if err != nil {
				return nil, at, err
			}
			bodyPath, metaPath := snapshotPaths(v, s)
			// As `tracker snapshot --out` describes it: the body is the
			// file beside it.
			meta := api.NewSnapshot(v, s)
			meta.File, meta.BodyEncoding, meta.Body = bodyPath, "", ""
			mb, err := jsonOf(meta)
			if err != nil {
				return nil, at, err
			}
			out = append(out, file{bodyPath, s.Body}, file{metaPath, mb})
			vf.Snapshot = &meta
			vf.SnapshotFile = metaPath
		}
		facts = append(facts, vf)
	}

	var diffJSON []byte
	var recorded []api.Change
	if from.Seq > 0 {
		a, err := b.Comparer.Compare(ctx, from, to)
		if err != nil {
			return nil, at, err
		}
		var h bytes.Buffer
		if err := b.DiffHTML(ctx, &h, from, to, a); err != nil {
			return nil, at, err
		}
		if diffJSON, err = jsonOf(api.NewDiff(from, to, a)); err != nil {
			return nil, at, err
		}
		out = append(out, file{"diff.html", h.Bytes()}, file{"diff.json", diffJSON})
		recorded = []api.Change{}
		for seq := from.Seq + 1; seq <= to.Seq; seq++ {
			c, err := b.DB.ChangeTo(ctx, src.ID, seq)
			if errors.Is(err, store.ErrNotFound) {
				continue // a version recorded without its change (none before it)
			}
			if err != nil {
				return nil, at, err
			}
			recorded = append(recorded, api.NewChange(c))
		}
		cb, err := jsonOf(recorded)
		if err != nil {
			return nil, at, err
		}
		out = append(out, file{"changes.json", cb})
	}

	first := to.Seq
	if from.Seq > 0 {
		first = from.Seq
	}
	runs, err := b.DB.FetchRuns(ctx, src.ID, first, to.Seq)
	if err != nil {
		return nil, at, err
	}
	log := make([]api.FetchRun, 0, len(runs))
	for _, r := range runs {
		log = append(log, api.NewFetchRun(r))
	}
	lb, err := jsonOf(log)
	if err != nil {
		return nil, at, err
	}
	out = append(out, file{"fetch-log.json", lb})

	prov := provenanceFile{Source: sourceFacts{ID: src.ID, Name: doc.Name, URL: doc.URL, Kind: src.Kind, Origin: src.Origin, Followed: doc.Followed()},
		FromSeq: from.Seq, ToSeq: to.Seq, Versions: facts}
	pb, err := jsonOf(prov)
	if err != nil {
		return nil, at, err
	}
	out = append(out, file{"provenance.json", pb})

	at = to.LastSeen
	for _, r := range runs {
		if r.LastAt.After(at) {
			at = r.LastAt
		}
	}
	readme := []byte(readme(prov, out, runs))
	out = append([]file{{"README.txt", readme}}, out...)
	return append([]file{{"MANIFEST", manifest(out)}}, out...), at.UTC(), nil
}

// manifest lists the SHA-256 of every file as sha256sum writes it: the
// hex sum, two spaces, the path.
func manifest(files []file) []byte {
	var b bytes.Buffer
	for _, f := range files {
		fmt.Fprintf(&b, "%s  %s\n", sum(f.body), f.path)
	}
	return b.Bytes()
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// jsonOf encodes v as the command line's --json does.
func jsonOf(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	return b.Bytes(), nil
}

// archive writes the files into a zip under the folder dir, in their
// order, every one dated at.
func archive(dir string, files []file, at time.Time) ([]byte, error) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: dir + "/" + f.path, Method: zip.Deflate, Modified: at})
		if err != nil {
			return nil, fmt.Errorf("evidence: zip: %w", err)
		}
		if _, err := w.Write(f.body); err != nil {
			return nil, fmt.Errorf("evidence: zip: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("evidence: zip: %w", err)
	}
	return b.Bytes(), nil
}
