// Package ota imports Open Terms Archive datasets: years of recorded
// versions of the terms of hundreds of services, so that history queries work
// back to 2020 from the first day.
//
// A dataset (the unzipped release) holds one Markdown file per version:
// <Service>/<Terms type>/<YYYY-MM-DDTHH-MM-SSZ>.md, named by the time (UTC)
// the version was recorded. Each file goes through the same extraction as a
// fetched page, so imported and fetched versions compare like with like, and
// consecutive versions give changes exactly as fetched ones do.
package ota

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"tracker"
	"tracker/internal/record"
	"tracker/internal/sources/page"
	"tracker/internal/store"
	"tracker/internal/topics"
)

// File is one recorded version in a dataset.
type File struct {
	Service    string
	Terms      string
	RecordedAt time.Time
	// Path is relative to the dataset directory, with forward slashes.
	Path string
}

// Document is "Service/Terms type", how a dataset names a document.
func (f File) Document() string { return f.Service + "/" + f.Terms }

const fileTime = "2006-01-02T15-04-05Z"

// Scan lists the versions in a dataset directory, grouped by document and
// oldest first. Files that do not follow the layout are reported, not
// guessed at.
func Scan(dir string) ([]File, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("ota: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("ota: %s is not a directory: unzip the dataset release first", dir)
	}
	var files []File
	var odd []string
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(d.Name(), ".md") {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		parts := strings.Split(filepath.ToSlash(rel), "/")
		if len(parts) != 3 {
			odd = append(odd, rel)
			return nil
		}
		at, err := time.Parse(fileTime, strings.TrimSuffix(parts[2], ".md"))
		if err != nil {
			odd = append(odd, rel)
			return nil
		}
		files = append(files, File{Service: parts[0], Terms: parts[1], RecordedAt: at, Path: filepath.ToSlash(rel)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ota: read %s: %w", dir, err)
	}
	if len(files) == 0 {
		msg := fmt.Sprintf("ota: no version in %s: expected <Service>/<Terms type>/<YYYY-MM-DDTHH-MM-SSZ>.md", dir)
		if len(odd) > 0 {
			msg += fmt.Sprintf(" (found %s, which does not follow it)", odd[0])
		}
		return nil, errors.New(msg)
	}
	sort.Slice(files, func(i, j int) bool {
		if files[i].Document() != files[j].Document() {
			return files[i].Document() < files[j].Document()
		}
		return files[i].RecordedAt.Before(files[j].RecordedAt)
	})
	return files, nil
}

// Options select and map what is imported.
type Options struct {
	// Services and Terms keep only these (all when empty).
	Services []string
	Terms    []string
	// Map sends a document ("Service/Terms type") to a source id; other
	// documents become import-only sources named after them.
	Map map[string]string
	// Declared reports whether a source id is declared in sources.yaml.
	Declared func(id string) bool
	// Taxonomy classifies the changes.
	Taxonomy *topics.Taxonomy
	// Progress, when set, is told of each document's result.
	Progress func(DocResult)
}

// DocResult is what importing one document did.
type DocResult struct {
	Document string
	SourceID string
	// ImportOnly is true when the source is not declared in sources.yaml.
	ImportOnly bool
	// Mapped is the source Map sent the document to when an earlier
	// import put it in another, SourceID: its history stays and grows
	// there, never copied under a second id ("" otherwise).
	Mapped string
	Added  int // new versions
	Same   int // files whose text equals the version before them
	Known  int // files already imported
	// Rejected lists files older than versions already in the history; they
	// are not imported, since that would rewrite it.
	Rejected []string
	// Failed lists files that could not be read as documents, with why.
	Failed []string
}

var slugRe = regexp.MustCompile(`[^a-z0-9]+`)

// SourceID is the id of an import-only source for a document:
// "TikTok/Terms of Service" → "tiktok-terms-of-service".
func SourceID(service, terms string) string {
	return strings.Trim(slugRe.ReplaceAllString(strings.ToLower(service+" "+terms), "-"), "-")
}

// Import records the dataset's versions in db. It is idempotent: files
// already imported are skipped, and a newer dataset adds only its new files.
func Import(ctx context.Context, db store.Store, dir string, opt Options) ([]DocResult, error) {
	files, err := Scan(dir)
	if err != nil {
		return nil, err
	}
	if opt.Map, err = checkMap(files, opt.Map, dir); err != nil {
		return nil, err
	}
	files = filter(files, opt)
	if len(files) == 0 {
		return nil, fmt.Errorf("ota: no document of %s matches --service %v --terms %v", dir, opt.Services, opt.Terms)
	}
	dataset := filepath.Base(filepath.Clean(dir))
	x, err := page.Compile(page.Rules{Select: []string{"body"}})
	if err != nil {
		return nil, err
	}
	var results []DocResult
	for start := 0; start < len(files); {
		end := start
		for end < len(files) && files[end].Document() == files[start].Document() {
			end++
		}
		r, err := importDoc(ctx, db, dir, dataset, x, files[start:end], opt)
		if err != nil {
			return results, err
		}
		results = append(results, r)
		if opt.Progress != nil {
			opt.Progress(r)
		}
		start = end
	}
	return results, nil
}

// ErrUnknownDocument is a --map that names no document of the dataset.
var ErrUnknownDocument = errors.New("no such document")

// checkMap returns m keyed by the documents' names as the dataset spells
// them, or an error naming what matches nothing: a misspelt mapping would
// otherwise import the document under another id, silently.
func checkMap(files []File, m map[string]string, dir string) (map[string]string, error) {
	if len(m) == 0 {
		return m, nil
	}
	var docs []string
	seen := map[string]bool{}
	for _, f := range files {
		if d := f.Document(); !seen[d] {
			seen[d] = true
			docs = append(docs, d)
		}
	}
	out := map[string]string{}
	for k, id := range m {
		found := ""
		for _, d := range docs {
			if strings.EqualFold(d, k) {
				found = d
			}
		}
		if found == "" {
			return nil, fmt.Errorf("ota: --map %q: %w in %s (its documents: %s)", k+"="+id, ErrUnknownDocument, dir, strings.Join(docs, ", "))
		}
		out[found] = id
	}
	return out, nil
}

func filter(files []File, opt Options) []File {
	keep := func(list []string, v string) bool {
		if len(list) == 0 {
			return true
		}
		for _, x := range list {
			if strings.EqualFold(x, v) {
				return true
			}
		}
		return false
	}
	var out []File
	for _, f := range files {
		if keep(opt.Services, f.Service) && keep(opt.Terms, f.Terms) {
			out = append(out, f)
		}
	}
	return out
}

func importDoc(ctx context.Context, db store.Store, dir, dataset string, x *page.Extractor, files []File, opt Options) (DocResult, error) {
	doc := files[0].Document()
	r := DocResult{Document: doc, SourceID: opt.Map[doc]}
	if r.SourceID == "" {
		r.SourceID = SourceID(files[0].Service, files[0].Terms)
	}
	// The document may be held already, under the id another mapping gave
	// it: it is recognised there.
	holders, err := db.ImportedUnder(ctx, doc+"/")
	if err != nil {
		return r, err
	}
	if len(holders) > 0 && !slices.Contains(holders, r.SourceID) {
		if opt.Map[doc] != "" {
			r.Mapped = r.SourceID
		}
		r.SourceID = holders[0]
	}
	r.ImportOnly = opt.Declared == nil || !opt.Declared(r.SourceID)
	if r.ImportOnly {
		if err := db.UpsertSource(ctx, store.SourceInfo{ID: r.SourceID, Kind: tracker.KindPage, Name: files[0].Service + " " + files[0].Terms,
			Origin: tracker.OriginImport}); err != nil {
			return r, err
		}
	} else if _, err := db.Source(ctx, r.SourceID); errors.Is(err, store.ErrNotFound) {
		return r, fmt.Errorf("ota: source %s is declared but not yet in the database: run `tracker check --source %s` or `tracker sources` first", r.SourceID, r.SourceID)
	}

	rec := &record.Recorder{DB: db, Taxonomy: opt.Taxonomy}
	history, err := db.Versions(ctx, r.SourceID)
	if err != nil {
		return r, err
	}
	// importedUntil is how far earlier imports covered the history: a file
	// unchanged from the version before it extended that version's last
	// seen, so any file up to then was examined.
	imported := map[string]bool{}
	var latest tracker.Version
	var importedUntil time.Time
	for _, v := range history {
		if v.Provenance == tracker.ProvenanceImport {
			imported[trimDataset(v.OriginRef)] = true
			if v.LastSeen.After(importedUntil) {
				importedUntil = v.LastSeen
			}
		}
		latest = v
	}
	// Files can only follow what is held: an imported version from when it
	// was recorded, a fetched one from when tracker last confirmed it.
	var heldUntil time.Time
	if latest.Seq > 0 {
		heldUntil = latest.FirstSeen
		if latest.Provenance != tracker.ProvenanceImport {
			heldUntil = latest.LastSeen
		}
	}
	var curText string
	if latest.Seq > 0 {
		if curText, err = db.Text(ctx, latest); err != nil {
			return r, err
		}
	}
	for _, f := range files {
		if imported[f.Path] {
			r.Known++
			continue
		}
		if latest.Seq > 0 && !f.RecordedAt.After(heldUntil) {
			if !f.RecordedAt.After(importedUntil) {
				// Within what an earlier import covered: that import saw
				// this file and found its text unchanged.
				r.Known++
				continue
			}
			r.Rejected = append(r.Rejected, f.Path)
			continue
		}
		md, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil {
			return r, fmt.Errorf("ota: %w", err)
		}
		p, err := extract(x, md)
		if err != nil {
			r.Failed = append(r.Failed, fmt.Sprintf("%s: %v", f.Path, err))
			continue
		}
		if latest.Seq > 0 && p.Text == curText {
			r.Same++
			if err := db.ExtendLastSeen(ctx, r.SourceID, latest.Seq, f.RecordedAt); err != nil {
				return r, err
			}
			continue
		}
		if latest.Seq > 0 {
			if err := db.ExtendLastSeen(ctx, r.SourceID, latest.Seq, f.RecordedAt); err != nil {
				return r, err
			}
		}
		res, err := rec.Record(ctx, record.Text{
			SourceID: r.SourceID, Text: p.Text, At: f.RecordedAt,
			Provenance: tracker.ProvenanceImport, OriginRef: dataset + "/" + f.Path,
		}, latest, curText)
		if err != nil {
			return r, err
		}
		v := res.Version
		latest, curText = v, p.Text
		heldUntil, importedUntil = v.FirstSeen, v.FirstSeen
		history = append(history, v)
		r.Added++
	}
	return r, nil
}

// extract reads a dataset file as tracker reads a fetched page.
func extract(x *page.Extractor, md []byte) (*page.Page, error) {
	html, err := page.FromMarkdown(md)
	if err != nil {
		return nil, err
	}
	return x.Extract(html, "text/html; charset=utf-8")
}

// Text is the text tracker records for a dataset file.
func Text(md []byte) (string, error) {
	x, err := page.Compile(page.Rules{Select: []string{"body"}})
	if err != nil {
		return "", err
	}
	p, err := extract(x, md)
	if err != nil {
		return "", err
	}
	return p.Text, nil
}

// trimDataset drops the dataset name from an origin reference, so that a
// newer release of the same dataset (another directory name) is recognised.
func trimDataset(ref string) string {
	if i := strings.IndexByte(ref, '/'); i >= 0 {
		return ref[i+1:]
	}
	return ref
}
