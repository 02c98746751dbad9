package ota_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tracker"
	"tracker/internal/ota"
	"tracker/internal/replaytest"
	"tracker/internal/store"
	"tracker/internal/storetest"
	"tracker/internal/topics"
)

func taxonomy(tb testing.TB) *topics.Taxonomy {
	tax, err := topics.Compile(topics.Defaults(), nil)
	if err != nil {
		tb.Fatal(err)
	}
	return tax
}

func TestScan(t *testing.T) {
	files, err := ota.Scan(replaytest.OTADir())
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 128 {
		t.Fatalf("%d files, want 128", len(files))
	}
	if f := files[0]; f.Document() != "TikTok/Copyright Claims Policy" || f.RecordedAt.Format(time.RFC3339) != "2020-08-11T08:30:29Z" {
		t.Errorf("first file %+v", f)
	}
	for i := 1; i < len(files); i++ {
		a, b := files[i-1], files[i]
		if a.Document() == b.Document() && !a.RecordedAt.Before(b.RecordedAt) {
			t.Errorf("%s not before %s", a.Path, b.Path)
		}
	}
}

func TestScanErrors(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "TikTok"), 0o755)
	os.WriteFile(filepath.Join(dir, "TikTok", "terms.md"), []byte("# Terms"), 0o644)
	_, err := ota.Scan(dir)
	if err == nil || !strings.Contains(err.Error(), "<Service>/<Terms type>/<YYYY-MM-DDTHH-MM-SSZ>.md") || !strings.Contains(err.Error(), "TikTok/terms.md") {
		t.Errorf("err %v", err)
	}
	if _, err := ota.Scan(filepath.Join(dir, "nope")); err == nil {
		t.Error("missing dir: no error")
	}
	if _, err := ota.Scan(filepath.Join(dir, "TikTok", "terms.md")); err == nil || !strings.Contains(err.Error(), "unzip") {
		t.Errorf("a file instead of a directory: %v", err)
	}
}

func TestImportFilters(t *testing.T) {
	db := storetest.Open(t)
	rs, err := ota.Import(context.Background(), db, replaytest.OTADir(), ota.Options{Terms: []string{"copyright claims policy"}, Taxonomy: taxonomy(t)})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].SourceID != "tiktok-copyright-claims-policy" || rs[0].Added != 12 || rs[0].Same != 7 || !rs[0].ImportOnly {
		t.Errorf("results %+v", rs)
	}
	chs, err := db.Changes(context.Background(), store.ChangeFilter{})
	if err != nil || len(chs) != 11 {
		t.Fatalf("%d changes, %v; want 11 between 12 versions", len(chs), err)
	}
	if _, err := ota.Import(context.Background(), db, replaytest.OTADir(), ota.Options{Services: []string{"Instagram"}}); err == nil {
		t.Error("a filter matching nothing must say so")
	}
}

// importHistory imports the whole TikTok dataset.
func importHistory(tb testing.TB) *store.DB {
	db := storetest.Open(tb)
	if _, err := ota.Import(context.Background(), db, replaytest.OTADir(), ota.Options{Taxonomy: taxonomy(tb)}); err != nil {
		tb.Fatal(err)
	}
	return db
}

// BenchmarkSearchAllVersions searches a phrase in every version of the three
// documents (104 versions, 2020–2026).
func BenchmarkSearchAllVersions(b *testing.B) {
	db := importHistory(b)
	for _, q := range []string{"personal data", "TikTok Inc in the US", "refund"} {
		b.Run(strings.ReplaceAll(q, " ", "_"), func(b *testing.B) {
			for b.Loop() {
				hits, err := db.Search(context.Background(), store.SearchQuery{Text: q})
				if err != nil || len(hits) == 0 {
					b.Fatal(err, len(hits))
				}
			}
		})
	}
}

// BenchmarkRebuildSearchIndex builds the search index of TikTok's history
// again (tracker rebuild --index), and reports the time per 1,000
// versions.
func BenchmarkRebuildSearchIndex(b *testing.B) {
	db := importHistory(b)
	n := 0
	for b.Loop() {
		var err error
		if n, err = db.RebuildSearchIndex(context.Background()); err != nil || n == 0 {
			b.Fatal(n, err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)/float64(n)*1000, "s/1000-versions")
}

// BenchmarkImportTikTok imports the 128 files of the dataset.
func BenchmarkImportTikTok(b *testing.B) {
	for b.Loop() {
		importHistory(b)
	}
}

// BenchmarkImport10k generates a dataset of 10,000 versions (20 documents of
// 500 versions, each a few edits away from the one before, starting from
// TikTok's real texts) and imports it. Run with -benchtime=1x.
func BenchmarkImport10k(b *testing.B) {
	dir := generate(b, 20, 500)
	for b.Loop() {
		db := storetest.Open(b)
		start := time.Now()
		rs, err := ota.Import(context.Background(), db, dir, ota.Options{Taxonomy: taxonomy(b)})
		if err != nil {
			b.Fatal(err)
		}
		elapsed := time.Since(start)
		added := 0
		for _, r := range rs {
			added += r.Added
		}
		st, err := db.Stats(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(added), "versions")
		b.ReportMetric(elapsed.Seconds(), "s/import")
		b.ReportMetric(float64(st.FileBytes)/(1<<20), "MiB-db")
		b.ReportMetric(float64(st.VersionBytes)/(1<<20), "MiB-text")
	}
}

// generate writes replaytest's synthetic dataset: docs documents of n
// versions each.
func generate(b *testing.B, docs, n int) string {
	b.Helper()
	dir := b.TempDir()
	if err := replaytest.Generate(dir, docs, n); err != nil {
		b.Fatal(err)
	}
	return dir
}

// An import follows what tracker holds. After tracker fetched a version and
// confirmed it for nearly two years, dataset files from those years are
// refused, not appended after it: the history would otherwise say the
// document changed back. And a dataset imported before a fetch is still
// known to the same import run again.
func TestImportAroundFetchedVersions(t *testing.T) {
	ctx := context.Background()
	opt := ota.Options{Terms: []string{"copyright claims policy"}, Taxonomy: taxonomy(t)}

	db := storetest.Open(t)
	if err := db.UpsertSource(ctx, store.SourceInfo{ID: "tiktok-copyright-claims-policy", Kind: "page", Origin: tracker.OriginImport}); err != nil {
		t.Fatal(err)
	}
	first := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, _, err := db.AddVersion(ctx, store.NewVersion{SourceID: "tiktok-copyright-claims-policy", Text: "Copyright claims policy as fetched.", At: first}); err != nil {
		t.Fatal(err)
	}
	if err := db.ExtendLastSeen(ctx, "tiktok-copyright-claims-policy", 1, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	rs, err := ota.Import(ctx, db, replaytest.OTADir(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if vs, _ := db.Versions(ctx, "tiktok-copyright-claims-policy"); len(vs) != 1 || rs[0].Added != 0 || len(rs[0].Rejected) != 19 {
		t.Errorf("after a version confirmed until 2026-11: %d versions, %+v", len(vs), rs[0])
	}

	db = storetest.Open(t)
	if _, err := ota.Import(ctx, db, replaytest.OTADir(), opt); err != nil {
		t.Fatal(err)
	}
	cur, _ := db.CurrentVersion(ctx, "tiktok-copyright-claims-policy")
	if _, _, err := db.AddVersion(ctx, store.NewVersion{SourceID: "tiktok-copyright-claims-policy", Text: "Copyright claims policy, fetched later.",
		At: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), ExpectSeq: cur.Seq}); err != nil {
		t.Fatal(err)
	}
	rs, err = ota.Import(ctx, db, replaytest.OTADir(), opt)
	if err != nil || rs[0].Known != 19 || len(rs[0].Rejected) != 0 || rs[0].Added != 0 {
		t.Errorf("the same import again after a fetch: %+v, %v", rs, err)
	}
}

// The dataset's README names its folders as they are, with the number of
// files each holds: a newcomer copies them into --map and --terms.
func TestDatasetREADMEListsItsFolders(t *testing.T) {
	dir := replaytest.OTADir()
	b, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]string{}
	for _, l := range strings.Split(string(b), "\n") {
		cells := strings.Split(strings.Trim(l, "| "), " | ")
		if strings.HasPrefix(l, "| TikTok/") && len(cells) >= 2 {
			listed[cells[0]] = strings.TrimSpace(cells[1])
		}
	}
	files, err := ota.Scan(dir)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, f := range files {
		counts[f.Document()]++
	}
	for doc, n := range counts {
		if got, ok := listed[doc]; !ok {
			t.Errorf("the README does not list the folder %q", doc)
		} else if got != fmt.Sprint(n) {
			t.Errorf("the README says %s holds %s versions; it holds %d files", doc, got, n)
		}
	}
	for doc := range listed {
		if _, ok := counts[doc]; !ok {
			t.Errorf("the README lists %q, which is not a folder of the dataset", doc)
		}
	}
}
