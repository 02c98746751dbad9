package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tracker/internal/api"
	"tracker/internal/replaytest"
)

// TestSnapshot fetches TikTok's real Terms of Service page from a local
// server twice (the second time with a sentence changed) and gives each
// version's page back: byte for byte in a file, with the address, status
// and headers the server sent, as text and JSON.
func TestSnapshot(t *testing.T) {
	page, err := os.ReadFile(filepath.Join(replaytest.TestdataDir(), "tiktok-pages", "terms-of-service.html"))
	if err != nil {
		t.Fatal(err)
	}
	edited := bytes.Replace(page, []byte("Welcome to TikTok."), []byte("Welcome to TikTok, the platform."), 1)
	if bytes.Equal(page, edited) {
		t.Fatal("the page lacks the sentence the test edits")
	}
	served := page
	srv := replaytest.NewServer()
	defer srv.Close()
	srv.Handle("/tos", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("ETag", `"`+api.BodySHA256(served)[:16]+`"`)
		w.Header().Set("Last-Modified", "Mon, 16 Nov 2026 08:00:00 GMT")
		w.Write(served)
	})
	e := newEnv(t, tosConfig(srv.URL))
	e.mustRun(exitOK, "check")
	e.clock.Set(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	served = edited
	if out := e.mustRun(exitOK, "check"); !strings.Contains(out, "new version 2") {
		t.Fatalf("the edited page made no version 2:\n%s", out)
	}

	// Version 1's page, to a file: the bytes served, and what the server said.
	file := filepath.Join(e.dir, "v1.html")
	out := e.mustRun(exitOK, "snapshot", "tos", "--version", "1", "--out", file)
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, page) {
		t.Errorf("--out wrote %d bytes, not the %d bytes served", len(got), len(page))
	}
	sum := sha256.Sum256(page)
	for _, want := range []string{
		"tos, version 1 (first seen 2026-11-23 09:00 UTC): the page as served",
		"URL         " + srv.URL + "/tos\n",
		"Status      200 OK\n",
		"Fetched at  2026-11-23T09:00:00Z, by tracker\n",
		"SHA-256 " + hex.EncodeToString(sum[:]) + ", written to " + file,
		"  Content-Type: text/html; charset=utf-8\n",
		"  ETag: \"" + api.BodySHA256(page)[:16] + "\"\n",
		"  Last-Modified: Mon, 16 Nov 2026 08:00:00 GMT\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("snapshot --out lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "<html") {
		t.Errorf("with --out the body went to stdout too:\n%.300s", out)
	}

	// By default, the current version: the metadata, a blank line, the body.
	out = e.mustRun(exitOK, "snapshot", "tos")
	head, body, ok := strings.Cut(out, "\n\n")
	if !ok || body != string(edited) {
		t.Errorf("snapshot tos: the body after the metadata is not the page served for version 2 (%d bytes, want %d)", len(body), len(edited))
	}
	if !strings.HasPrefix(head, "tos, version 2 (first seen 2026-11-25 09:00 UTC)") {
		t.Errorf("snapshot tos: %s", head)
	}
	// --at a date: the version in force then.
	if out := e.mustRun(exitOK, "snapshot", "tos", "--at", "2026-11-24"); !strings.HasPrefix(out, "tos, version 1 ") || !strings.HasSuffix(out, string(page)) {
		t.Errorf("snapshot --at 2026-11-24: %.200s", out)
	}

	var j api.Snapshot
	e.runJSON(&j, "snapshot", "tos", "--version", "2")
	if j.Source != "tos" || j.Seq != 2 || j.URL != srv.URL+"/tos" || j.Status != 200 || j.FetchedAt == nil || *j.FetchedAt != "2026-11-25T09:00:00Z" ||
		j.Headers["Content-Type"] != "text/html; charset=utf-8" || j.Size != len(edited) || j.BodySHA256 != api.BodySHA256(edited) ||
		j.BodyEncoding != "utf-8" || j.Body != string(edited) || j.SnapshotID == 0 {
		t.Errorf("snapshot --json: %+v", j)
	}

	// Bad references say what to do.
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"snapshot", "tos", "--version", "9"}, exitFailed, "tos has no version 9: see `tracker history tos`"},
		{[]string{"snapshot", "tos", "--at", "2026-11-01"}, exitFailed, "tos had no version yet on 2026-11-01"},
		{[]string{"snapshot", "tos", "--version", "1", "--at", "2026-11-24"}, exitUsage, "give --version or --at, not both"},
		{[]string{"snapshot", "tos", "--at", "last tuesday"}, exitUsage, "--at:"},
		{[]string{"snapshot", "tos", "--version", "0"}, exitUsage, "--version: 0 is no version number"},
		{[]string{"snapshot", "tos", "--version", "0", "--at", "2026-11-24"}, exitUsage, "give --version or --at, not both"},
		{[]string{"snapshot", "nope"}, exitUsage, "no source \"nope\""},
	} {
		code, _, stderr := e.run(tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("tracker %s: exit %d, %q; want exit %d saying %q", strings.Join(tc.args, " "), code, stderr, tc.code, tc.want)
		}
	}
}

// An imported version has no page: tracker never fetched it. It says so,
// who recorded it and where its original is, and exits 1.
func TestSnapshotOfImportedVersion(t *testing.T) {
	e := importedEnv(t)
	var history []api.Version
	e.runJSON(&history, "history", "tiktok-terms-of-service")
	v := history[2]
	file, ok := strings.CutPrefix(v.OriginRef, "ota-tiktok/")
	if v.Seq != 3 || !ok || v.FirstSeen == nil {
		t.Fatalf("version 3: %+v", v)
	}
	recorded, err := time.Parse(time.RFC3339, *v.FirstSeen)
	if err != nil {
		t.Fatal(err)
	}
	code, out, stderr := e.run("snapshot", "tiktok-terms-of-service", "--version", "3")
	if code != exitFailed || out != "" {
		t.Fatalf("exit %d, stdout %q; want exit 1 and nothing on stdout", code, out)
	}
	for _, want := range []string{
		"tiktok-terms-of-service version 3 has no stored page",
		"imported from the Open Terms Archive dataset ota-tiktok",
		`(file "` + file + `")`,
		"recorded it on " + recorded.Format("2006-01-02 15:04:05 UTC"),
		"Open Terms Archive contributors",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}
