package web_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"mime"
	"net/http"
	"strings"
	"testing"
)

// The version and diff pages link to the evidence bundle, served as a
// download of a zip whose manifest holds.
func TestEvidenceBundleDownload(t *testing.T) {
	const id = "tiktok-terms-of-service"
	vp := page(t, "/sources/"+id+"/versions/10", http.StatusOK)
	mustContain(t, "version page", vp, `<a href="/sources/tiktok-terms-of-service/evidence.zip?from=9&amp;version=10" download>Evidence bundle (zip)</a>`)
	first := page(t, "/sources/"+id+"/versions/1", http.StatusOK)
	mustContain(t, "first version page", first, `<a href="/sources/tiktok-terms-of-service/evidence.zip?version=1" download>`)
	dp := page(t, "/sources/"+id+"/diff?from=6&to=18", http.StatusOK)
	mustContain(t, "diff page", dp, `<a href="/sources/tiktok-terms-of-service/evidence.zip?from=6&amp;version=18" download>Evidence bundle (zip)</a>`)
	back := page(t, "/sources/"+id+"/diff?from=18&to=6", http.StatusOK)
	mustNotContain(t, "backwards diff page", back, "evidence.zip")

	res, body := get(t, shared.h, "/sources/"+id+"/evidence.zip?version=18&from=6")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("evidence.zip: %d\n%.500s", res.StatusCode, body)
	}
	sum := sha256.Sum256([]byte(body))
	for k, want := range map[string]string{
		"Content-Type":           "application/zip",
		"Repr-Digest":            "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":",
		"X-Content-Type-Options": "nosniff",
	} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if d, p, err := mime.ParseMediaType(res.Header.Get("Content-Disposition")); err != nil || d != "attachment" ||
		p["filename"] != "tiktok-terms-of-service-v6-v18-evidence.zip" {
		t.Errorf("Content-Disposition: %q", res.Header.Get("Content-Disposition"))
	}
	zr, err := zip.NewReader(bytes.NewReader([]byte(body)), int64(len(body)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		files[strings.TrimPrefix(f.Name, "tiktok-terms-of-service-v6-v18-evidence/")] = b
	}
	manifest := string(files["MANIFEST"])
	for _, path := range []string{"README.txt", "versions/v6/text.txt", "versions/v18/text.txt", "diff.html", "diff.json",
		"changes.json", "fetch-log.json", "provenance.json"} {
		s := sha256.Sum256(files[path])
		if !strings.Contains(manifest, hex.EncodeToString(s[:])+"  "+path+"\n") {
			t.Errorf("MANIFEST lacks %s with its SHA-256", path)
		}
	}
	s := sha256.Sum256(files["versions/v18/text.txt"])
	if hex.EncodeToString(s[:]) != version(t, id, 18).SHA256 {
		t.Error("version 18's text does not hash to its SHA-256")
	}
	// The bundle the page offers is the one the command line writes:
	// the same request gives the same bytes.
	if _, again := get(t, shared.h, "/sources/"+id+"/evidence.zip?from=6&version=18"); again != body {
		t.Error("the same bundle twice differs")
	}

	for _, c := range []struct {
		path   string
		status int
		want   string
	}{
		{"/sources/nope/evidence.zip?version=2", http.StatusNotFound, "there is no source"},
		{"/sources/" + id + "/evidence.zip?version=99", http.StatusNotFound, "has no version 99"},
		{"/sources/" + id + "/evidence.zip?version=5&from=5", http.StatusBadRequest, "must come before"},
		{"/sources/" + id + "/evidence.zip?version=x", http.StatusBadRequest, "is not a version number"},
	} {
		res, body := get(t, shared.h, c.path)
		if res.StatusCode != c.status || !strings.Contains(body, c.want) || res.Header.Get("Content-Disposition") != "" {
			t.Errorf("GET %s: %d, want %d and %q\n%.300s", c.path, res.StatusCode, c.status, c.want, body)
		}
	}
}
