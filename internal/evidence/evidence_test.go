package evidence

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"tracker"
	"tracker/internal/changes"
	"tracker/internal/compare"
	"tracker/internal/replaytest"
	"tracker/internal/store"
	"tracker/internal/storetest"
)

func unzip(t *testing.T, z []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		_, rest, _ := strings.Cut(f.Name, "/")
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		out[rest], _ = io.ReadAll(r)
		r.Close()
	}
	return out
}

// A version rebuilt from a stored page holds that page, says it was
// re-extracted, and the fetch log between holds the failed fetch too.
func TestRebuiltVersionAndFailedFetch(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t)
	if err := db.UpsertSource(ctx, store.SourceInfo{ID: "tos", Kind: tracker.KindPage, Name: "TikTok Terms of Service", URL: "https://www.tiktok.com/legal/terms"}); err != nil {
		t.Fatal(err)
	}
	terms := replaytest.History(t, "Terms of Service")
	rnd := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2026, 5, 4, 6, 0, 0, 0, time.UTC)
	var pages [][]byte
	add := func(seq int, text string, at time.Time, nv store.NewVersion) tracker.Version {
		t.Helper()
		nv.SourceID, nv.Text, nv.At, nv.ExpectSeq = "tos", text, at, seq-1
		nv.Change = &tracker.Change{Importance: tracker.Minor, Summary: "a change"}
		v, ok, err := db.AddVersion(ctx, nv)
		if err != nil || !ok {
			t.Fatalf("version %d: %v %v", seq, ok, err)
		}
		return v
	}
	for i, md := range [][]byte{terms[len(terms)-3].Markdown, terms[len(terms)-2].Markdown} {
		page := replaytest.Page(md, rnd)
		pages = append(pages, page)
		at := t0.Add(time.Duration(i) * time.Hour)
		add(i+1, string(md), at, store.NewVersion{Snapshot: &tracker.Snapshot{FetchedAt: at, URL: "https://www.tiktok.com/legal/terms",
			Status: 200, Headers: map[string]string{"Content-Type": "application/xhtml+xml"}, Body: page}})
	}
	if err := db.RecordFailure(ctx, store.Failure{SourceID: "tos", At: t0.Add(2 * time.Hour), Kind: "http", Reason: "HTTP 503", Status: 503}); err != nil {
		t.Fatal(err)
	}
	v2, _ := db.Version(ctx, "tos", 2)
	text2, _ := db.Text(ctx, v2)
	rebuilt := add(3, strings.Replace(text2, "Terms of Service", "Terms Of Service", 1), t0.Add(3*time.Hour),
		store.NewVersion{SnapshotID: v2.SnapshotID, Provenance: tracker.ProvenanceRebuild, Technical: true})

	b := &Builder{DB: db, Comparer: &compare.Comparer{DB: db},
		DiffHTML: func(_ context.Context, w io.Writer, from, to tracker.Version, a changes.Analysis) error {
			_, err := io.WriteString(w, a.Summary)
			return err
		}}
	bundle, err := b.Build(ctx, Request{SourceID: "tos", FromSeq: 2})
	if err != nil {
		t.Fatal(err)
	}
	if bundle.Name != "tos-v2-v3-evidence.zip" || bundle.To.Seq != 3 || bundle.From.Seq != 2 {
		t.Errorf("bundle %s, %d → %d", bundle.Name, bundle.From.Seq, bundle.To.Seq)
	}
	files := unzip(t, bundle.Zip)
	// The page is xhtml, named so; the rebuilt version holds the page it
	// was read from, version 2's.
	for _, p := range []string{"versions/v2/snapshot.html", "versions/v3/snapshot.html"} {
		if !bytes.Equal(files[p], pages[1]) {
			t.Errorf("%s is not the page stored behind version 2", p)
		}
	}
	if string(files["versions/v3/text.txt"]) == text2 || !strings.Contains(string(files["versions/v3/text.txt"]), "Terms Of Service") {
		t.Error("version 3's text is not the rebuilt one")
	}
	prov := string(files["provenance.json"])
	for _, want := range []string{`"provenance": "rebuild"`, `"last_confirmed_by": "rebuild"`, "Re-extracted by tracker from a page it had stored",
		`"sha256": "` + rebuilt.SHA256 + `"`, `"url": "https://www.tiktok.com/legal/terms"`} {
		if !strings.Contains(prov, want) {
			t.Errorf("provenance.json lacks %s", want)
		}
	}
	log := string(files["fetch-log.json"])
	if !strings.Contains(log, `"outcome": "failed"`) || !strings.Contains(log, `"error": "HTTP 503"`) || strings.Contains(log, `"version_seq": 1,`) {
		t.Errorf("fetch-log.json:\n%s", log)
	}
	if !strings.Contains(string(files["README.txt"]), "failed: the fetch failed, and proves nothing either way") {
		t.Error("README.txt does not say what a failed fetch means")
	}

	// Another database state gives another bundle; the same one the same.
	again, err := b.Build(ctx, Request{SourceID: "tos", FromSeq: 2, ToSeq: 3})
	if err != nil || !bytes.Equal(again.Zip, bundle.Zip) || again.SHA256 != bundle.SHA256 {
		t.Errorf("the same bundle twice differs (%v)", err)
	}
	if err := db.Confirm(ctx, "tos", t0.Add(4*time.Hour), tracker.OutcomeUnchanged, nil); err != nil {
		t.Fatal(err)
	}
	if later, err := b.Build(ctx, Request{SourceID: "tos", FromSeq: 2}); err != nil || later.SHA256 == bundle.SHA256 {
		t.Errorf("a new confirmation left the bundle the same (%v)", err)
	}

	for _, c := range []struct {
		req      Request
		notFound bool
		want     string
	}{
		{Request{SourceID: "nope"}, true, `there is no source "nope"`},
		{Request{SourceID: "tos", ToSeq: 4}, true, "tos has no version 4"},
		{Request{SourceID: "tos", ToSeq: 2, FromSeq: 2}, false, "the earlier version (2) must come before the later one (2)"},
		{Request{SourceID: "tos", ToSeq: -1}, false, "a version is a number from 1"},
	} {
		_, err := b.Build(ctx, c.req)
		var e *Error
		if !errors.As(err, &e) || e.NotFound != c.notFound || !strings.Contains(e.Msg, c.want) {
			t.Errorf("%+v: %v, want %q", c.req, err, c.want)
		}
	}
}

func TestExtension(t *testing.T) {
	for ct, want := range map[string]string{
		"text/html; charset=utf-8": ".html", "application/xhtml+xml": ".html", "application/json": ".json",
		"application/ld+json": ".json", "application/rss+xml": ".xml", "text/xml": ".xml", "application/pdf": ".pdf",
		"text/plain": ".txt", "": ".bin", "application/octet-stream": ".bin",
	} {
		if got := extension(map[string]string{"content-type": ct}); got != want {
			t.Errorf("%q: %s, want %s", ct, got, want)
		}
	}
}
