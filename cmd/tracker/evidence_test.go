package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"tracker/internal/api"
	"tracker/internal/replaytest"
	"tracker/internal/store"
)

// bundle is an evidence bundle opened by a test: its files by path inside
// its folder.
type bundle struct {
	dir   string
	files map[string][]byte
	order []string
}

func openBundle(t *testing.T, path string) bundle {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatalf("open the bundle: %v", err)
	}
	defer zr.Close()
	if len(zr.File) == 0 {
		t.Fatal("an empty bundle")
	}
	// One folder holds everything, so that unzipping leaves one folder.
	dir, _, _ := strings.Cut(zr.File[0].Name, "/")
	b := bundle{dir: dir, files: map[string][]byte{}}
	for _, f := range zr.File {
		rest, ok := strings.CutPrefix(f.Name, b.dir+"/")
		if !ok {
			t.Fatalf("%s is outside the bundle's folder %s", f.Name, b.dir)
		}
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if _, dup := b.files[rest]; dup {
			t.Fatalf("%s twice in the zip", rest)
		}
		b.files[rest], b.order = body, append(b.order, rest)
	}
	return b
}

func (b bundle) json(t *testing.T, path string, v any) {
	t.Helper()
	body, ok := b.files[path]
	if !ok {
		t.Fatalf("the bundle has no %s; it has %v", path, b.order)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func hexSum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// verifyManifest checks that MANIFEST lists every other file of the bundle
// once, with its SHA-256, in sha256sum's format; and, when sha256sum is
// installed, that `sha256sum -c MANIFEST` agrees in the unzipped folder.
func (b bundle) verifyManifest(t *testing.T) {
	t.Helper()
	listed := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(string(b.files["MANIFEST"]), "\n"), "\n") {
		sum, path, ok := strings.Cut(line, "  ")
		if !ok || len(sum) != 64 {
			t.Fatalf("MANIFEST line %q is not sha256sum's format", line)
		}
		body, exists := b.files[path]
		switch {
		case !exists:
			t.Errorf("MANIFEST lists %s, which the bundle lacks", path)
		case listed[path]:
			t.Errorf("MANIFEST lists %s twice", path)
		case hexSum(body) != sum:
			t.Errorf("%s hashes to %s, MANIFEST says %s", path, hexSum(body), sum)
		}
		listed[path] = true
	}
	for _, p := range b.order {
		if p != "MANIFEST" && !listed[p] {
			t.Errorf("MANIFEST does not list %s", p)
		}
	}
	if _, err := exec.LookPath("sha256sum"); err != nil {
		return
	}
	dir := filepath.Join(t.TempDir(), b.dir)
	for p, body := range b.files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("sha256sum", "-c", "--strict", "MANIFEST")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("sha256sum -c MANIFEST: %v\n%s", err, out)
	}
}

// provenanceJSON is what the tests read of provenance.json.
type provenanceJSON struct {
	Source struct {
		ID       string `json:"id"`
		URL      string `json:"url"`
		Followed bool   `json:"followed"`
	} `json:"source"`
	FromSeq  int `json:"from_seq"`
	ToSeq    int `json:"to_seq"`
	Versions []struct {
		api.Version
		RecordedBy      string `json:"recorded_by"`
		LastConfirmedBy string `json:"last_confirmed_by"`
		Attribution     string `json:"attribution"`
		Licence         string `json:"licence"`
		TextFile        string `json:"text_file"`
		SnapshotFile    string `json:"snapshot_file"`
	} `json:"versions"`
}

type snapshotJSON struct {
	ID         int64             `json:"snapshot_id"`
	URL        string            `json:"url"`
	Status     int               `json:"status"`
	FetchedAt  string            `json:"fetched_at"`
	Headers    map[string]string `json:"headers"`
	BodyFile   string            `json:"file"`
	BodySHA256 string            `json:"body_sha256"`
}

// verifyAgainstDB checks the bundle's versions against the database: each
// text file hashes to the SHA-256 the database holds for its version and
// is the stored text; provenance.json records those hashes; the recorded
// changes are the database's.
func (b bundle) verifyAgainstDB(t *testing.T, db store.Store, id string, from, to int) provenanceJSON {
	t.Helper()
	ctx := context.Background()
	var p provenanceJSON
	b.json(t, "provenance.json", &p)
	if p.Source.ID != id || p.FromSeq != from || p.ToSeq != to || len(p.Versions) != 2 {
		t.Fatalf("provenance.json: source %s, %d → %d, %d versions", p.Source.ID, p.FromSeq, p.ToSeq, len(p.Versions))
	}
	for i, seq := range []int{from, to} {
		v, err := db.Version(ctx, id, seq)
		if err != nil {
			t.Fatal(err)
		}
		pv := p.Versions[i]
		text, ok := b.files[pv.TextFile]
		if pv.Seq != seq || !ok {
			t.Fatalf("provenance.json version %d: seq %d, text file %q in the bundle: %v", i, pv.Seq, pv.TextFile, ok)
		}
		if hexSum(text) != v.SHA256 || pv.SHA256 != v.SHA256 || pv.Citation.SHA256 != v.SHA256 {
			t.Errorf("version %d: text file hashes to %s, provenance says %s (citation %s), the database %s",
				seq, hexSum(text), pv.SHA256, pv.Citation.SHA256, v.SHA256)
		}
		stored, err := db.Text(ctx, v)
		if err != nil {
			t.Fatal(err)
		}
		if string(text) != stored {
			t.Errorf("version %d: the text file is not the stored text", seq)
		}
		if pv.Provenance != v.Provenance || pv.OriginRef != v.OriginRef {
			t.Errorf("version %d: provenance %s %q, the database %s %q", seq, pv.Provenance, pv.OriginRef, v.Provenance, v.OriginRef)
		}
		if !strings.Contains(string(b.files["README.txt"]), "sha256sum "+pv.TextFile) ||
			!strings.Contains(string(b.files["README.txt"]), v.SHA256) {
			t.Errorf("README.txt does not say how to check %s against %s", pv.TextFile, v.SHA256)
		}
	}
	var changes []api.Change
	b.json(t, "changes.json", &changes)
	var want []string
	for seq := from + 1; seq <= to; seq++ {
		c, err := db.ChangeTo(ctx, id, seq)
		if err != nil {
			t.Fatal(err)
		}
		j, _ := json.Marshal(api.NewChange(c))
		want = append(want, string(j))
	}
	var got []string
	for _, c := range changes {
		j, _ := json.Marshal(c)
		got = append(got, string(j))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("changes.json holds\n%s\nthe database\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(string(b.files["README.txt"]), "sha256sum -c MANIFEST") {
		t.Error("README.txt does not say how to check the manifest")
	}
	return p
}

func (e *env) openStore() store.Store {
	e.t.Helper()
	db, err := store.Open(context.Background(), e.db)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { db.Close() })
	return db
}

// The acceptance test for an imported change: TikTok's real Terms of
// Service from version 6 (June 2021) to version 18 (August 2025).
func TestEvidenceOfAnImportedChange(t *testing.T) {
	e := newEnv(t, "sources:\n  - {id: unrelated, kind: page, url: 'https://example.com', select: article}\n")
	e.mustRun(exitOK, "import", "ota", replaytest.OTADir(), "--terms", "Terms of Service")
	const id = "tiktok-terms-of-service"
	out := filepath.Join(e.dir, "bundle.zip")
	printed := e.mustRun(exitOK, "evidence", id, "--version", "18", "--from", "6", "--out", out)
	zb, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if abs, _ := filepath.Abs(out); printed != abs+"\nSHA-256 "+hexSum(zb)+"\n" {
		t.Errorf("evidence printed %q, want the file and its SHA-256 %s", printed, hexSum(zb))
	}
	b := openBundle(t, out)
	if b.dir != "tiktok-terms-of-service-v6-v18-evidence" {
		t.Errorf("the bundle's folder is %s", b.dir)
	}
	b.verifyManifest(t)
	db := e.openStore()
	p := b.verifyAgainstDB(t, db, id, 6, 18)

	// No page is stored behind an imported version, and the bundle says
	// so and who recorded it, with the attribution the dataset asks for.
	for _, pv := range p.Versions {
		if pv.SnapshotFile != "" || pv.RecordedBy != "dataset" || pv.LastConfirmedBy != "dataset" ||
			pv.Attribution != "Open Terms Archive contributors" || pv.Licence != "ODC-BY 1.0" ||
			!strings.HasPrefix(pv.OriginRef, "ota-tiktok/TikTok/Terms of Service/") ||
			!strings.Contains(pv.Citation.Text, "Open Terms Archive contributors, ODC-BY 1.0") {
			t.Errorf("version %d provenance: %+v", pv.Seq, pv)
		}
	}
	for path := range b.files {
		if strings.Contains(path, "snapshot") {
			t.Errorf("an imported version has a snapshot in the bundle: %s", path)
		}
	}
	readme := string(b.files["README.txt"])
	mustHave(t, "README.txt", readme,
		"Version 6 has no stored page: it was imported from Open Terms Archive (ota-tiktok/TikTok/Terms of Service/2021-06-15T16-35-43Z.md)",
		"Open Terms Archive contributors, licensed under ODC-BY 1.0",
		"fetch-log.json is empty: no fetch by tracker confirmed these versions",
		"tracker does not fetch this document itself")
	var log []api.FetchRun
	b.json(t, "fetch-log.json", &log)
	if len(log) != 0 {
		t.Errorf("fetch log of imported versions: %+v", log)
	}

	// The diff is `tracker diff`'s, in both forms.
	if got, want := string(b.files["diff.json"]), e.mustRun(exitOK, "diff", id, "--from", "6", "--to", "18", "--json"); got != want {
		t.Errorf("diff.json is not tracker diff --json (%d and %d bytes)", len(got), len(want))
	}
	if got, want := string(b.files["diff.html"]), e.mustRun(exitOK, "diff", id, "--from", "6", "--to", "18", "--format", "html"); got != want {
		t.Errorf("diff.html is not tracker diff --format html (%d and %d bytes)", len(got), len(want))
	}
	mustHave(t, "diff.html", string(b.files["diff.html"]), "Last updated:", "August 2025")

	// The same bundle twice is the same bytes; --from defaults to the
	// version before, and the default name says which versions it holds.
	again := filepath.Join(e.dir, "again.zip")
	e.mustRun(exitOK, "evidence", id, "--version", "18", "--from", "6", "--out", again)
	if zb2, _ := os.ReadFile(again); !bytes.Equal(zb, zb2) {
		t.Error("the same bundle built twice differs")
	}
	var res evidenceResult
	e.runJSON(&res, "evidence", id, "--version", "18", "--out", filepath.Join(e.dir, "prev.zip"))
	if res.FromSeq != 17 || res.ToSeq != 18 || res.Bytes == 0 || len(res.SHA256) != 64 {
		t.Errorf("evidence --version 18 --json: %+v", res)
	}
	openBundle(t, res.File).verifyAgainstDB(t, db, id, 17, 18)
}

// pageServer serves, at /tos, one real version of TikTok's terms as a page
// (its menus shuffled at each fetch, as TikTok's are), and remembers every
// body it served.
type pageServer struct {
	mu     sync.Mutex
	md     []byte
	rnd    *rand.Rand
	served [][]byte
}

func (s *pageServer) handle(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	body := replaytest.Page(s.md, s.rnd)
	s.served = append(s.served, body)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Last-Modified", "Mon, 02 Jun 2025 10:00:00 GMT")
	w.Write(body)
}

func (s *pageServer) serve(md []byte) {
	s.mu.Lock()
	s.md = md
	s.mu.Unlock()
}

func (s *pageServer) last() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.served[len(s.served)-1]
}

// The acceptance test for a fetched change: tracker checks a page twice,
// it changes, tracker checks it twice more; the bundle holds the pages as
// the server served them, byte for byte, and every fetch.
func TestEvidenceOfAFetchedChange(t *testing.T) {
	terms := replaytest.History(t, "Terms of Service")
	ps := &pageServer{rnd: rand.New(rand.NewPCG(7, 11))}
	srv := replaytest.NewServer()
	defer srv.Close()
	srv.Handle("/tos", ps.handle)
	e := newEnv(t, tosConfig(srv.URL))
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	var bodies [][]byte // the body each check read
	check := func(h int, want string) {
		t.Helper()
		e.clock.Set(t0.Add(time.Duration(h) * time.Hour))
		if out := e.mustRun(exitOK, "check"); !strings.Contains(out, want) {
			t.Fatalf("check at +%dh: %q, want %q", h, out, want)
		}
		bodies = append(bodies, ps.last())
	}
	ps.serve(terms[len(terms)-3].Markdown)
	check(0, "new version 1")
	check(1, "unchanged (version 1)")
	ps.serve(terms[len(terms)-2].Markdown)
	check(2, "new version 2")
	check(3, "unchanged (version 2)")

	e.mustRun(exitOK, "evidence", "tos", "--version", "2", "--out", filepath.Join(e.dir, "tos.zip"))
	b := openBundle(t, filepath.Join(e.dir, "tos.zip"))
	b.verifyManifest(t)
	db := e.openStore()
	p := b.verifyAgainstDB(t, db, "tos", 1, 2)
	if p.Source.URL != srv.URL+"/tos" || !p.Source.Followed {
		t.Errorf("provenance.json source: %+v", p.Source)
	}

	// The page behind each version is the body the server served to the
	// check that recorded it, byte for byte, with its HTTP metadata.
	for i, served := range [][]byte{bodies[0], bodies[2]} {
		pv := p.Versions[i]
		if pv.RecordedBy != "tracker" || pv.LastConfirmedBy != "tracker" || pv.Attribution != "" {
			t.Errorf("version %d provenance: %+v", pv.Seq, pv)
		}
		var meta snapshotJSON
		b.json(t, pv.SnapshotFile, &meta)
		body := b.files[meta.BodyFile]
		if !bytes.Equal(body, served) {
			t.Errorf("version %d: %s (%d bytes) is not what the server served (%d bytes)", pv.Seq, meta.BodyFile, len(body), len(served))
		}
		if meta.BodyFile != filepath.Dir(pv.TextFile)+"/snapshot.html" || meta.BodySHA256 != hexSum(served) ||
			meta.URL != srv.URL+"/tos" || meta.Status != http.StatusOK ||
			meta.Headers["Content-Type"] != "text/html; charset=utf-8" || meta.Headers["Last-Modified"] != "Mon, 02 Jun 2025 10:00:00 GMT" ||
			meta.FetchedAt != *pv.FirstSeen {
			t.Errorf("version %d snapshot metadata: %+v (first seen %s)", pv.Seq, meta, *pv.FirstSeen)
		}
	}
	// The later version was last confirmed by the fourth check.
	if c := p.Versions[1].Citation; c.ConfirmedBy != "tracker" || *c.LastConfirmed != t0.Add(3*time.Hour).Format(time.RFC3339) {
		t.Errorf("version 2 citation: confirmed by %s at %v", c.ConfirmedBy, *c.LastConfirmed)
	}

	// The fetch log holds every check, oldest first, as the database does.
	var log []api.FetchRun
	b.json(t, "fetch-log.json", &log)
	var got []string
	for _, r := range log {
		got = append(got, string(r.Outcome)+" v"+strconv.Itoa(r.VersionSeq)+" "+*r.FirstAt)
	}
	want := []string{
		"new v1 2026-03-02T08:00:00Z", "unchanged v1 2026-03-02T09:00:00Z",
		"new v2 2026-03-02T10:00:00Z", "unchanged v2 2026-03-02T11:00:00Z",
	}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("fetch-log.json:\n got %v\nwant %v", got, want)
	}
	runs, err := db.FetchRuns(context.Background(), "tos", 1, 2)
	if err != nil || len(runs) != len(log) {
		t.Errorf("the database holds %d runs (%v), the bundle %d", len(runs), err, len(log))
	}

	// The bundle's files come in a fixed order, the manifest first.
	wantOrder := []string{"MANIFEST", "README.txt", "versions/v1/text.txt", "versions/v1/snapshot.html", "versions/v1/snapshot.json",
		"versions/v2/text.txt", "versions/v2/snapshot.html", "versions/v2/snapshot.json",
		"diff.html", "diff.json", "changes.json", "fetch-log.json", "provenance.json"}
	if strings.Join(b.order, " ") != strings.Join(wantOrder, " ") {
		t.Errorf("files %v", b.order)
	}
}

func mustHave(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

// Bad requests say what is wrong and what to do, with exit code 2.
func TestEvidenceErrors(t *testing.T) {
	e := newEnv(t, "sources:\n  - {id: unrelated, kind: page, url: 'https://example.com', select: article}\n")
	e.mustRun(exitOK, "import", "ota", replaytest.OTADir(), "--terms", "Copyright Claims Policy")
	const id = "tiktok-copyright-claims-policy"
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"nope"}, `no source "nope"`},
		{[]string{id, "--version", "99"}, "tiktok-copyright-claims-policy has no version 99: see `tracker history tiktok-copyright-claims-policy`"},
		{[]string{id, "--version", "5", "--from", "5"}, "the earlier version (5) must come before the later one (5)"},
		{[]string{id, "--version", "5", "--from", "7"}, "the earlier version (7) must come before the later one (5)"},
		{[]string{id, "--version", "5", "--from", "-1"}, "a version is a number from 1"},
		{[]string{}, "usage: tracker evidence ID"},
	} {
		code, out, errOut := e.run(append([]string{"evidence"}, c.args...)...)
		if code != exitUsage || out != "" || !strings.Contains(errOut, c.want) {
			t.Errorf("evidence %v: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.args, code, out, errOut, c.want)
		}
	}
	if entries, _ := os.ReadDir("."); len(entries) > 0 {
		for _, en := range entries {
			if strings.HasSuffix(en.Name(), "-evidence.zip") {
				t.Errorf("a failed request left %s", en.Name())
			}
		}
	}
	// The first version alone: its text, and no diff.
	out := filepath.Join(e.dir, "v1.zip")
	e.mustRun(exitOK, "evidence", id, "--version", "1", "--out", out)
	b := openBundle(t, out)
	b.verifyManifest(t)
	if _, ok := b.files["diff.json"]; ok {
		t.Error("the bundle of a first version has a diff")
	}
	v, err := e.openStore().Version(context.Background(), id, 1)
	if err != nil {
		t.Fatal(err)
	}
	if hexSum(b.files["versions/v1/text.txt"]) != v.SHA256 {
		t.Error("version 1's text does not hash to its SHA-256")
	}
}
