package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tracker"
	"tracker/internal/pgtest"
)

// MustOpen opens a database in a temporary directory, closed when the test ends.
func MustOpen(tb testing.TB) *DB {
	tb.Helper()
	db, err := Open(context.Background(), filepath.Join(tb.TempDir(), "tracker.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

var t0 = time.Date(2026, 7, 14, 12, 0, 0, 0, time.UTC)

func addSource(t *testing.T, db *DB, id string) {
	t.Helper()
	if err := db.UpsertSource(context.Background(), SourceInfo{ID: id, Kind: "page", Name: id, URL: "https://example.com/" + id}); err != nil {
		t.Fatal(err)
	}
}

func add(t *testing.T, db *DB, id, text string, at time.Time) tracker.Version {
	t.Helper()
	ctx := context.Background()
	expect := 0
	if cur, err := db.CurrentVersion(ctx, id); err == nil {
		expect = cur.Seq
	}
	v, ok, err := db.AddVersion(ctx, NewVersion{SourceID: id, Text: text, At: at, ExpectSeq: expect,
		Snapshot: &tracker.Snapshot{FetchedAt: at, URL: "https://example.com/" + id, Status: 200, Body: []byte("<html>" + text + "</html>")}})
	if err != nil || !ok {
		t.Fatalf("AddVersion: ok=%v err=%v", ok, err)
	}
	return v
}

func TestVersionsAndFlipFlops(t *testing.T) { engines(t, testVersionsAndFlipFlops) }

func testVersionsAndFlipFlops(t *testing.T, db *DB) {
	ctx := context.Background()
	addSource(t, db, "terms")
	a, b := "Terms A. We collect data.", "Terms B. We collect and sell data."
	v1 := add(t, db, "terms", a, t0)
	v2 := add(t, db, "terms", b, t0.Add(24*time.Hour))
	v3 := add(t, db, "terms", a, t0.Add(48*time.Hour))
	v4 := add(t, db, "terms", b, t0.Add(72*time.Hour))
	if v1.Seq != 1 || v2.Seq != 2 || v3.Seq != 3 || v4.Seq != 4 {
		t.Fatalf("seqs %d %d %d %d", v1.Seq, v2.Seq, v3.Seq, v4.Seq)
	}
	if v1.SameAs != 0 || v2.SameAs != 0 || v3.SameAs != 1 || v4.SameAs != 2 {
		t.Errorf("same_as %d %d %d %d, want 0 0 1 2", v1.SameAs, v2.SameAs, v3.SameAs, v4.SameAs)
	}
	if v1.Words != 5 || v2.Words != 7 {
		t.Errorf("words %d %d", v1.Words, v2.Words)
	}

	// The same text again is not a version.
	_, ok, err := db.AddVersion(ctx, NewVersion{SourceID: "terms", Text: b, At: t0.Add(96 * time.Hour), ExpectSeq: 4})
	if err != nil || ok {
		t.Errorf("re-adding the current text: ok=%v err=%v", ok, err)
	}
	// A stale caller is told so.
	_, _, err = db.AddVersion(ctx, NewVersion{SourceID: "terms", Text: "C", At: t0, ExpectSeq: 2})
	if !errors.Is(err, ErrConflict) {
		t.Errorf("stale ExpectSeq: err %v, want ErrConflict", err)
	}

	for seq, want := range map[int]string{1: a, 2: b, 3: a, 4: b} {
		v, err := db.Version(ctx, "terms", seq)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.Text(ctx, v)
		if err != nil || got != want {
			t.Errorf("text of %d = %q, %v", seq, got, err)
		}
	}

	at, err := db.VersionAt(ctx, "terms", t0.Add(30*time.Hour))
	if err != nil || at.Seq != 2 {
		t.Errorf("VersionAt day 1: seq %d, %v", at.Seq, err)
	}
	if _, err := db.VersionAt(ctx, "terms", t0.Add(-time.Hour)); !errors.Is(err, ErrNotFound) {
		t.Errorf("VersionAt before the first version: %v", err)
	}
}

func TestConfirmAndFetchLog(t *testing.T) { engines(t, testConfirmAndFetchLog) }

func testConfirmAndFetchLog(t *testing.T, db *DB) {
	ctx := context.Background()
	addSource(t, db, "p")
	add(t, db, "p", "Privacy policy text.", t0)
	val := &tracker.Validators{ETag: `"e1"`, RulesHash: "r1"}
	for i := 1; i <= 5; i++ {
		if err := db.Confirm(ctx, "p", t0.Add(time.Duration(i)*time.Hour), tracker.OutcomeUnchanged, val); err != nil {
			t.Fatal(err)
		}
	}
	for i := 6; i <= 8; i++ {
		if err := db.Confirm(ctx, "p", t0.Add(time.Duration(i)*time.Hour), tracker.OutcomeNotModified, val); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.RecordFailure(ctx, Failure{SourceID: "p", At: t0.Add(9 * time.Hour), Kind: "http", Reason: "HTTP 503", Status: 503,
		Snapshot: &tracker.Snapshot{FetchedAt: t0.Add(9 * time.Hour), Status: 503, Body: []byte("<h1>503</h1>")}}); err != nil {
		t.Fatal(err)
	}
	log, err := db.FetchLog(ctx, "p", 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range log {
		got = append(got, fmt.Sprintf("%s×%d", e.Outcome, e.Count))
	}
	if strings.Join(got, " ") != "failed×1 not-modified×3 unchanged×5 new×1" {
		t.Errorf("fetch log %v", got)
	}
	if !log[1].LastAt.Equal(t0.Add(8*time.Hour)) || !log[1].FirstAt.Equal(t0.Add(6*time.Hour)) {
		t.Errorf("run times %v–%v", log[1].FirstAt, log[1].LastAt)
	}

	v, _ := db.CurrentVersion(ctx, "p")
	if !v.LastSeen.Equal(t0.Add(8 * time.Hour)) {
		t.Errorf("last_seen %v, want the last confirmation", v.LastSeen)
	}
	src, _ := db.Source(ctx, "p")
	if src.Error != "HTTP 503" || src.ErrorKind != "http" || src.Failures != 1 || !src.FailingSince.Equal(t0.Add(9*time.Hour)) {
		t.Errorf("source status %+v", src)
	}
	if src.Validators.ETag != `"e1"` || src.Versions != 1 {
		t.Errorf("validators %+v versions %d", src.Validators, src.Versions)
	}
	// Recovery clears the failure.
	if err := db.Confirm(ctx, "p", t0.Add(10*time.Hour), tracker.OutcomeUnchanged, nil); err != nil {
		t.Fatal(err)
	}
	src, _ = db.Source(ctx, "p")
	if src.Error != "" || src.Failures != 0 || !src.FailingSince.IsZero() {
		t.Errorf("after recovery %+v", src)
	}
}

func TestFailureKeepsBodyAndVersions(t *testing.T) { engines(t, testFailureKeepsBodyAndVersions) }

func testFailureKeepsBodyAndVersions(t *testing.T, db *DB) {
	ctx := context.Background()
	addSource(t, db, "t")
	add(t, db, "t", "Terms.", t0)
	body := []byte("<html><title>Access Denied</title></html>")
	if err := db.RecordFailure(ctx, Failure{SourceID: "t", At: t0.Add(time.Hour), Kind: "blocked", Reason: "block page",
		Status: 200, Snapshot: &tracker.Snapshot{FetchedAt: t0.Add(time.Hour), URL: "u", Status: 200, Body: body, Headers: map[string]string{"Content-Type": "text/html"}}}); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := db.r.QueryRow(`SELECT max(id) FROM snapshots`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	s, err := db.Snapshot(ctx, id)
	if err != nil || string(s.Body) != string(body) || s.Error != "block page" || s.Headers["Content-Type"] != "text/html" {
		t.Errorf("failure snapshot %+v, %v", s, err)
	}
	vs, _ := db.Versions(ctx, "t")
	if len(vs) != 1 {
		t.Errorf("%d versions after a failure, want 1", len(vs))
	}
	if err := db.RecordFailure(ctx, Failure{SourceID: "nope", At: t0, Reason: "x"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("failure of an unknown source: %v", err)
	}
}

// Long histories decode through bounded chains of dictionary-compressed blobs.
func TestBlobChains(t *testing.T) { engines(t, testBlobChains) }

func testBlobChains(t *testing.T, db *DB) {
	ctx := context.Background()
	addSource(t, db, "long")
	base := strings.Repeat("Clause about personal data and how we use it. ", 200)
	texts := make([]string, 80)
	for i := range texts {
		texts[i] = fmt.Sprintf("Version %d.\n%s\nLast updated %d.", i, base, i)
		add(t, db, "long", texts[i], t0.Add(time.Duration(i)*time.Hour))
	}
	// A fresh handle has an empty cache: every chain is decoded from disk.
	db2, err := Open(ctx, db.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	var maxDepthSeen int
	if err := db2.r.QueryRow(`SELECT max(depth) FROM blobs`).Scan(&maxDepthSeen); err != nil {
		t.Fatal(err)
	}
	if maxDepthSeen > maxDepth {
		t.Errorf("chain depth %d exceeds %d", maxDepthSeen, maxDepth)
	}
	for i, want := range texts {
		v, err := db2.Version(ctx, "long", i+1)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db2.Text(ctx, v)
		if err != nil || got != want {
			t.Fatalf("version %d: %v (len %d vs %d)", i+1, err, len(got), len(want))
		}
		// The page is compressed against its own text and the previous page.
		snap, err := db2.Snapshot(ctx, v.SnapshotID)
		if err != nil || string(snap.Body) != "<html>"+want+"</html>" {
			t.Fatalf("snapshot of version %d: %v", i+1, err)
		}
	}
	var stored int
	if err := db2.r.QueryRow(`SELECT sum(length(data)) FROM blobs`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, s := range texts {
		total += 2 * len(s) // text and snapshot body
	}
	if stored*100 > total*2 {
		t.Errorf("blobs take %d bytes for %d bytes of texts and bodies: more than 2 %%", stored, total)
	}
}

func TestReopenKeepsSchemaAndData(t *testing.T) { engines(t, testReopenKeepsSchemaAndData) }

func testReopenKeepsSchemaAndData(t *testing.T, db *DB) {
	ctx := context.Background()
	addSource(t, db, "x")
	add(t, db, "x", "Some text.", t0)
	db.Close()
	db2, err := Open(ctx, db.addr)
	if err != nil {
		t.Fatalf("reopening (migrations must be safe to re-run): %v", err)
	}
	defer db2.Close()
	if err := db2.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	vs, err := db2.Versions(ctx, "x")
	if err != nil || len(vs) != 1 {
		t.Fatalf("%d versions, %v", len(vs), err)
	}
}

// A full disk refuses the write with a message saying what to do, keeps what
// was stored, and tracker carries on once there is space again. SQLite's
// max_page_count makes the database "full" the way a full disk does. The
// refused write had stored its text's blob before the page failed: that id
// goes to the next blob, and nothing may still hold the refused content.
func TestDiskFull(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	addSource(t, db, "t")
	base := strings.Repeat("We collect your personal data to provide the service. ", 20)
	add(t, db, "t", "Version one.\n"+base, t0)
	var pages int
	if err := db.w.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := db.w.ExecContext(ctx, fmt.Sprintf(`PRAGMA max_page_count = %d`, pages+3)); err != nil {
		t.Fatal(err)
	}
	// A page that does not compress: 64 KB needs far more than 3 pages.
	var page strings.Builder
	for i := 0; page.Len() < 64<<10; i++ {
		fmt.Fprintf(&page, "%x", uint64(i)*0x9e3779b97f4a7c15^uint64(i)<<7)
	}
	_, _, err := db.AddVersion(ctx, NewVersion{SourceID: "t", Text: "Version two, never stored.\n" + base, At: t0.Add(time.Hour), ExpectSeq: 1,
		Snapshot: &tracker.Snapshot{FetchedAt: t0.Add(time.Hour), URL: "u", Status: 200, Body: []byte(page.String())}})
	if !errors.Is(err, ErrDiskFull) || !strings.Contains(err.Error(), "free space on the disk holding") ||
		!strings.Contains(err.Error(), "everything stored before it is intact") {
		t.Fatalf("AddVersion on a full disk: %v", err)
	}
	t.Log(err)
	if vs, err := db.Versions(ctx, "t"); err != nil || len(vs) != 1 {
		t.Fatalf("after the refused write: %d versions, %v", len(vs), err)
	}
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}

	// Space again: the next versions are stored and read back as they were,
	// in this process and after a restart.
	if _, err := db.w.ExecContext(ctx, `PRAGMA max_page_count = 1073741823`); err != nil {
		t.Fatal(err)
	}
	want := []string{"Version one.\n" + base, "Version three, what the site says now.\n" + base, "Version four.\n" + base}
	for i, text := range want[1:] {
		v := add(t, db, "t", text, t0.Add(time.Duration(2+i)*time.Hour))
		if got, err := db.Text(ctx, v); v.Seq != i+2 || got != text {
			t.Errorf("version %d reads %.40q, want %.40q (%v)", v.Seq, got, text, err)
		}
	}
	db2, err := Open(ctx, db.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	for i, text := range want {
		v, err := db2.Version(ctx, "t", i+1)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := db2.Text(ctx, v); got != text {
			t.Errorf("after a restart, version %d reads %.40q, want %.40q (%v)", i+1, got, text, err)
		}
		if v.SnapshotID != 0 {
			if _, err := db2.Snapshot(ctx, v.SnapshotID); err != nil {
				t.Errorf("after a restart, the page of version %d: %v", i+1, err)
			}
		}
	}
	if _, _, err := db2.AddVersion(ctx, NewVersion{SourceID: "t", Text: "Version five.\n" + base, At: t0.Add(9 * time.Hour), ExpectSeq: 3}); err != nil {
		t.Errorf("after a restart, the next version: %v", err)
	}
}

// engines runs a test on each engine: SQLite, and PostgreSQL (see
// pgtest.Server).
func engines(t *testing.T, test func(t *testing.T, db *DB)) {
	t.Run("sqlite", func(t *testing.T) { test(t, MustOpen(t)) })
	t.Run("postgres", func(t *testing.T) { test(t, mustOpenPostgres(t)) })
}

// mustOpenPostgres opens an empty database in a schema of its own on the
// test server, dropped when the test ends.
func mustOpenPostgres(tb testing.TB) *DB {
	tb.Helper()
	db, err := Open(context.Background(), pgtest.Schema(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}
