package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"tracker"
	"tracker/internal/api"
	"tracker/internal/links"
	"tracker/internal/store"
	"tracker/internal/storetest"
	"tracker/internal/web"
)

// hostilePage is a page as a compromised or tracking site could serve it:
// scripts inline and from elsewhere, a fetch, images, style sheets, fonts,
// a frame, a form and a refresh, all of them aimed at origin.
func hostilePage(origin string) []byte {
	return []byte(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Terms of Service</title>
<meta http-equiv="refresh" content="0; url=` + origin + `/refresh">
<link rel="stylesheet" href="` + origin + `/style.css">
<link rel="preload" href="` + origin + `/font.woff2" as="font" crossorigin>
<script src="` + origin + `/script.js"></script>
<script>document.title = "script ran"; fetch("` + origin + `/fetch");</script>
<style>@import url("` + origin + `/import.css"); body{background:url("` + origin + `/bg.png")}</style>
</head><body>
<h1 id="heading">Terms of Service</h1>
<p>Welcome to TikTok. These Terms govern your use of the Platform.</p>
<img src="` + origin + `/pixel.png" alt="">
<iframe src="` + origin + `/frame"></iframe>
<object data="` + origin + `/object"></object>
<form action="` + origin + `/form" method="post"><input name="q" autofocus></form>
<script>document.getElementById("heading").textContent = "script ran"; new Image().src = "` + origin + `/beacon";
navigator.sendBeacon && navigator.sendBeacon("` + origin + `/send");</script>
</body></html>
`)
}

// snapshotStore holds a source "terms" whose version 1 was fetched from
// https://www.example.com/legal/terms with body as its page (of type ctype,
// none when empty), and the handler serving it.
func snapshotStore(t *testing.T, body []byte, ctype string) (*store.DB, http.Handler) {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t)
	if err := db.UpsertSource(ctx, store.SourceInfo{ID: "terms", Kind: tracker.KindPage, Name: "Example Terms", URL: "https://www.example.com/legal/terms"}); err != nil {
		t.Fatal(err)
	}
	headers := map[string]string{"ETag": `"abc123"`, "Last-Modified": "Mon, 16 Nov 2026 08:00:00 GMT", "Server": "nginx"}
	if ctype != "" {
		headers["Content-Type"] = ctype
	}
	at := time.Date(2026, 11, 20, 7, 30, 15, 0, time.UTC)
	if _, _, err := db.AddVersion(ctx, store.NewVersion{SourceID: "terms", Text: "# Terms of Service\n\nWelcome to TikTok. These Terms govern your use of the Platform.\n", At: at,
		Snapshot: &tracker.Snapshot{FetchedAt: at, URL: "https://www.example.com/legal/terms", Status: 200, Headers: headers, Body: body}}); err != nil {
		t.Fatal(err)
	}
	return db, web.New(web.Options{DB: db, Now: func() time.Time { return now }})
}

func TestSnapshotPages(t *testing.T) {
	body := hostilePage("https://tracker.invalid")
	_, h := snapshotStore(t, body, "text/html; charset=utf-8")

	// The version page leads to its page as served.
	res, page := get(t, h, "/sources/terms/versions/1")
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `<a href="/sources/terms/versions/1/snapshot">the page tracker fetched</a>`) {
		t.Errorf("the version page does not link to its page as served:\n%s", page)
	}

	// The metadata, and the page framed in a sandbox that allows nothing.
	res, page = get(t, h, "/sources/terms/versions/1/snapshot")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("snapshot page: %d\n%s", res.StatusCode, page)
	}
	sum := sha256.Sum256(body)
	for _, want := range []string{
		"<code>https://www.example.com/legal/terms</code>",
		"<dt>Status</dt><dd>200 OK</dd>",
		"<dt>Fetched at</dt><dd>2026-11-20T07:30:15Z, by tracker</dd>",
		"<dt>ETag</dt><dd><code>&#34;abc123&#34;</code></dd>",
		"<dt>Last-Modified</dt><dd><code>Mon, 16 Nov 2026 08:00:00 GMT</code></dd>",
		"SHA-256 <code>" + api.BodySHA256(body) + "</code>",
		`<iframe class="snapshot" sandbox src="/sources/terms/versions/1/snapshot/raw"`,
		`href="/sources/terms/versions/1/snapshot/raw?download=1"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("snapshot page lacks %s", want)
		}
	}
	if got := res.Header.Get("Content-Security-Policy"); got != web.ContentSecurityPolicy+"; frame-src 'self'" {
		t.Errorf("snapshot page policy %q", got)
	}
	for _, bad := range liveMarkup(t, page) {
		if bad != "a live <iframe> element" {
			t.Errorf("snapshot page: %s", bad)
		}
	}
	if strings.Count(page, "<iframe") != 1 {
		t.Errorf("the page's own frame leaked into the snapshot page")
	}

	// The body itself, byte for byte, under a policy that lets nothing run.
	res, raw := get(t, h, "/sources/terms/versions/1/snapshot/raw")
	if res.StatusCode != http.StatusOK || raw != string(body) {
		t.Fatalf("raw: %d, %d bytes, want the %d bytes stored", res.StatusCode, len(raw), len(body))
	}
	for name, want := range map[string]string{
		"Content-Security-Policy":      "sandbox; default-src 'none'; form-action 'none'; base-uri 'none'; frame-ancestors 'self'",
		"X-Content-Type-Options":       "nosniff",
		"X-Frame-Options":              "SAMEORIGIN",
		"Content-Type":                 "text/html; charset=utf-8",
		"Content-Disposition":          `inline; filename=terms-version-1.html`,
		"Repr-Digest":                  "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":",
		"Referrer-Policy":              "no-referrer",
		"Cross-Origin-Resource-Policy": "same-origin",
	} {
		if got := res.Header.Get(name); got != want {
			t.Errorf("raw %s: %q, want %q", name, got, want)
		}
	}
	res, raw = get(t, h, "/sources/terms/versions/1/snapshot/raw?as=text")
	if ct := res.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" || raw != string(body) || !strings.HasPrefix(res.Header.Get("Content-Security-Policy"), "sandbox;") {
		t.Errorf("as=text: %s, %d bytes", ct, len(raw))
	}
	res, raw = get(t, h, "/sources/terms/versions/1/snapshot/raw?download=1")
	if cd := res.Header.Get("Content-Disposition"); cd != "attachment; filename=terms-version-1.html" || raw != string(body) {
		t.Errorf("download: %s, %d bytes", cd, len(raw))
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, "/sources/terms/versions/1/snapshot/raw", nil))
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") != strconv.Itoa(len(body)) {
		t.Errorf("HEAD raw: %d, %d bytes, Content-Length %s", rec.Code, rec.Body.Len(), rec.Header().Get("Content-Length"))
	}

	// The JSON API answers what `tracker snapshot --json` prints.
	res, js := get(t, h, "/api/sources/terms/versions/1/snapshot")
	var j api.Snapshot
	if err := json.Unmarshal([]byte(js), &j); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("api: %d %v\n%s", res.StatusCode, err, js)
	}
	if j.Source != "terms" || j.Seq != 1 || j.URL != "https://www.example.com/legal/terms" || j.Status != 200 || j.Body != string(body) ||
		j.BodyEncoding != "utf-8" || j.BodySHA256 != api.BodySHA256(body) || j.Headers["ETag"] != `"abc123"` || *j.FetchedAt != "2026-11-20T07:30:15Z" {
		t.Errorf("api: %+v", j)
	}

	// The addresses digests and other pages build lead there.
	for _, path := range []string{links.SnapshotURL("", "terms", 1), links.SnapshotRawURL("", "terms", 1)} {
		if res, _ := get(t, h, path); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", path, res.StatusCode)
		}
	}

	// Bad requests say what is wrong.
	for path, want := range map[string]int{
		"/sources/terms/versions/1/snapshot/raw?as=pdf": http.StatusBadRequest,
		"/sources/terms/versions/x/snapshot":            http.StatusBadRequest,
		"/sources/terms/versions/2/snapshot":            http.StatusNotFound,
		"/sources/terms/versions/2/snapshot/raw":        http.StatusNotFound,
		"/sources/nope/versions/1/snapshot":             http.StatusNotFound,
		"/api/sources/terms/versions/2/snapshot":        http.StatusNotFound,
	} {
		if res, _ := get(t, h, path); res.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, res.StatusCode, want)
		}
	}
}

// A page stored without a type, or of a type no browser should render as
// a page, is served as bytes to save, and not framed.
func TestSnapshotWithoutType(t *testing.T) {
	body := []byte("%PDF-1.4\n\xff\xfe binary")
	_, h := snapshotStore(t, body, "")
	res, raw := get(t, h, "/sources/terms/versions/1/snapshot/raw")
	if ct := res.Header.Get("Content-Type"); ct != "application/octet-stream" || raw != string(body) {
		t.Errorf("untyped page: %s, %q", ct, raw)
	}
	if cd := res.Header.Get("Content-Disposition"); cd != "inline; filename=terms-version-1.bin" {
		t.Errorf("untyped page: %s", cd)
	}
	_, page := get(t, h, "/sources/terms/versions/1/snapshot")
	if strings.Contains(page, "<iframe") || !strings.Contains(page, "This page is not HTML") {
		t.Errorf("an untyped page was framed:\n%s", page)
	}
	// Not UTF-8: the JSON carries it in base64.
	_, js := get(t, h, "/api/sources/terms/versions/1/snapshot")
	var j api.Snapshot
	if err := json.Unmarshal([]byte(js), &j); err != nil {
		t.Fatal(err)
	}
	if got, err := base64.StdEncoding.DecodeString(j.Body); j.BodyEncoding != "base64" || err != nil || string(got) != string(body) {
		t.Errorf("api: %s %q", j.BodyEncoding, j.Body)
	}
}

// An imported version has no page: the pages say so, who recorded it and
// where its original is.
func TestSnapshotOfImportedVersion(t *testing.T) {
	_, page := get(t, shared.h, "/sources/tiktok-terms-of-service/versions/3")
	if !strings.Contains(page, "<dt>Page as served</dt><dd>none stored: imported, recorded by Open Terms Archive, not fetched by tracker</dd>") {
		t.Errorf("the version page of an imported version does not say it has no page")
	}
	for _, path := range []string{"/sources/tiktok-terms-of-service/versions/3/snapshot", "/sources/tiktok-terms-of-service/versions/3/snapshot/raw",
		"/api/sources/tiktok-terms-of-service/versions/3/snapshot"} {
		res, body := get(t, shared.h, path)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, res.StatusCode)
		}
		for _, want := range []string{"tiktok-terms-of-service version 3 has no stored page", "imported from the Open Terms Archive dataset ota-tiktok",
			"TikTok/Terms of Service/", "Open Terms Archive contributors"} {
			if !strings.Contains(strings.ReplaceAll(body, "&#34;", `"`), want) {
				t.Errorf("GET %s lacks %q:\n%s", path, want, body)
			}
		}
	}
}
