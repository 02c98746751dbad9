package web_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"tracker"
	"tracker/internal/replaytest"
	"tracker/internal/store"
	"tracker/internal/topics"
	"tracker/internal/web"
)

const (
	benchDocs     = 20
	benchVersions = 500 // per document: 10,000 in all
)

// big is a database of 10,000 versions, built once per test binary: 20
// documents of 500 versions, each a few edits away from the one before,
// starting from TikTok's real texts.
var big struct {
	once  sync.Once
	h     http.Handler
	build time.Duration
	err   error
}

func bigHandler(b *testing.B) http.Handler {
	b.Helper()
	big.once.Do(func() {
		start := time.Now()
		dir, err := mkdirTemp()
		if err != nil {
			big.err = err
			return
		}
		path := filepath.Join(dir, "tracker.db")
		if big.err = fill(path); big.err != nil {
			return
		}
		big.build = time.Since(start)
		// Serve it as tracker serve would: a database on disk, opened by a
		// process that did not just write 10,000 versions.
		runtime.GC()
		db, err := store.Open(context.Background(), path)
		if err != nil {
			big.err = err
			return
		}
		big.h = web.New(web.Options{DB: db, Now: func() time.Time { return now }})
		fmt.Printf("built a database of %d versions in %.1f s\n", benchDocs*benchVersions, big.build.Seconds())
	})
	if big.err != nil {
		b.Fatal(big.err)
	}
	return big.h
}

// fill adds the versions with AddVersion, the way a long-running tracker
// records them; the changes are labelled at random rather than analysed,
// since the pages analyse the diffs they show anyway.
func fill(path string) error {
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	seeds, err := replaytest.Load(replaytest.OTADir())
	if err != nil {
		return err
	}
	var bases [][]string
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range seeds {
			if !yield(k) {
				return
			}
		}
	}) {
		vs := seeds[name]
		bases = append(bases, strings.Split(string(vs[len(vs)-1].Markdown), "\n"))
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	words := strings.Fields("personal data refund subscription licence copyright minors appeal content advertising partners location")
	levels := []tracker.Importance{tracker.Minor, tracker.Minor, tracker.Major, tracker.Cosmetic}
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for d := range benchDocs {
		id := fmt.Sprintf("doc-%02d", d)
		if err := db.UpsertSource(ctx, store.SourceInfo{ID: id, Kind: "page", Name: fmt.Sprintf("Document %02d", d), Origin: tracker.OriginImport}); err != nil {
			return err
		}
		lines := append([]string(nil), bases[d%len(bases)]...)
		for v := 0; v < benchVersions; {
			if v > 0 {
				for range 1 + rnd.IntN(3) {
					i := rnd.IntN(len(lines))
					switch rnd.IntN(3) {
					case 0:
						if f := strings.Fields(lines[i]); len(f) > 0 {
							f[rnd.IntN(len(f))] = words[rnd.IntN(len(words))]
							lines[i] = strings.Join(f, " ")
						}
					case 1:
						lines = slices.Insert(lines, i, "We may update this clause about "+words[rnd.IntN(len(words))]+" at any time.")
					case 2:
						lines = slices.Delete(lines, i, i+1)
					}
				}
			}
			w := words[rnd.IntN(len(words))]
			_, added, err := db.AddVersion(ctx, store.NewVersion{SourceID: id, Text: strings.Join(lines, "\n"),
				At: start.Add(time.Duration(v) * 84 * time.Hour), ExpectSeq: v, Provenance: tracker.ProvenanceImport,
				Change: &tracker.Change{Importance: levels[rnd.IntN(len(levels))], WordsAdded: 1 + rnd.IntN(20), WordsRemoved: rnd.IntN(20),
					Topics: []topics.Match{{Topic: topics.Privacy, Evidence: []string{w}}}, Summary: "a few words"}})
			if err != nil {
				return fmt.Errorf("%s version %d: %w", id, v+1, err)
			}
			if added { // an edit may give back the same text
				v++
			}
		}
	}
	_, err = db.Stats(ctx) // checkpoints the WAL into the file
	return err
}

func benchGet(b *testing.B, h http.Handler, path string) {
	b.Helper()
	size := 0
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: %d\n%s", path, rec.Code, rec.Body)
		}
		size = rec.Body.Len()
	}
	b.ReportMetric(float64(size)/1024, "KiB/page")
}

// BenchmarkDiffPage renders the diff page over a database of 10,000
// versions: the latest change of a document, a diff across its whole
// history (version 1 against 500), and side by side.
func BenchmarkDiffPage(b *testing.B) {
	h := bigHandler(b)
	for _, tc := range []struct{ name, path string }{
		{"latest", "/sources/doc-07/diff"},
		{"first_to_last", fmt.Sprintf("/sources/doc-07/diff?from=1&to=%d", benchVersions)},
		{"side_by_side", "/sources/doc-07/diff?view=side"},
	} {
		b.Run(tc.name, func(b *testing.B) { benchGet(b, h, tc.path) })
	}
}

// BenchmarkSearchPage renders the search page over a database of 10,000
// versions: a phrase in hundreds of paragraphs of every document and a word
// in thousands (the page stops at 200 paragraphs), a rare phrase, the
// paragraphs in force on a date, an FTS5 prefix query, one document.
func BenchmarkSearchPage(b *testing.B) {
	h := bigHandler(b)
	for _, tc := range []struct{ name, path string }{
		{"common_phrase", "/search?q=update+this+clause"},
		{"common_word", "/search?q=tiktok"},
		{"rare_phrase", "/search?q=keystroke+patterns"},
		{"at_date", "/search?q=update+this+clause&at=2021-06-01"},
		{"fts_prefix", "/search?q=arbitrat*&fts=1"},
		{"one_document", "/search?q=update+this+clause&source=doc-03"},
	} {
		b.Run(tc.name, func(b *testing.B) { benchGet(b, h, tc.path) })
	}
}

// BenchmarkOtherPages renders the pages that list a whole history.
func BenchmarkOtherPages(b *testing.B) {
	h := bigHandler(b)
	for _, tc := range []struct{ name, path string }{
		{"overview", "/"},
		{"overview_10_years", "/?days=3650"},
		{"document_500_versions", "/sources/doc-07"},
		{"version", "/sources/doc-07/versions/250"},
		{"history_csv", "/sources/doc-07/history.csv"},
	} {
		b.Run(tc.name, func(b *testing.B) { benchGet(b, h, tc.path) })
	}
}
