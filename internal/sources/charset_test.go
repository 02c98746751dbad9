package sources

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"tracker"
)

// A page in UTF-8 served as ISO-8859-1 reads right and the source says
// so; when the site fixes its header, nothing changed: no second, false
// change.
func TestWrongCharsetIsReadRightAndSaid(t *testing.T) {
	body := "<html><body><article><h1>Conditions générales</h1><p>" + strings.Repeat("Café résumé, données à caractère personnel. ", 10) + "</p></article></body></html>"
	var header atomic.Value
	header.Store("text/html; charset=ISO-8859-1")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", header.Load().(string))
		fmt.Fprint(w, body)
	}))
	defer srv.Close()
	cfg := mustConfig(t, fmt.Sprintf("settings: {retries: 0, host_delay: 0s}\nsources:\n  - {id: t, kind: page, url: '%s/t', select: article}\n", srv.URL))
	c := newChecker(t, cfg)
	r := checkOne(t, c, "t")
	if r.Outcome != New || !strings.Contains(r.Notice, "declares charset ISO-8859-1 but is written in UTF-8") {
		t.Fatalf("%s %v notice %q", r.Outcome, r.Err, r.Notice)
	}
	text, _ := c.DB.Text(t.Context(), r.Version)
	if !strings.Contains(text, "Café résumé") || strings.Contains(text, "Ã") {
		t.Errorf("text %q", text[:60])
	}
	// The same body again is confirmed unread, and still said.
	if r := checkOne(t, c, "t"); r.Outcome != Unchanged || !strings.Contains(r.Notice, "declares charset ISO-8859-1") {
		t.Errorf("the same page again: %s %v notice %q; want unchanged, the notice kept", r.Outcome, r.Err, r.Notice)
	}
	if st, _ := c.DB.Source(t.Context(), "t"); !strings.Contains(st.Notice, "declares charset ISO-8859-1") {
		t.Errorf("the source's notice after the same page again: %q", st.Notice)
	}
	header.Store("text/html; charset=utf-8")
	if r := checkOne(t, c, "t"); r.Outcome != Unchanged || r.Notice != "" {
		t.Errorf("after the site's fix: %s %v notice %q; want unchanged, the notice cleared", r.Outcome, r.Err, r.Notice)
	}
}

// A combined source's page in a wrong charset is said at every check,
// whether its pages were read or confirmed unread.
func TestWrongCharsetOfACombinedPageIsSaidEachTime(t *testing.T) {
	body := "<html><body><article><p>" + strings.Repeat("Café résumé, données à caractère personnel. ", 10) + "</p></article></body></html>"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctype := "text/html; charset=utf-8"
		if r.URL.Path == "/b" {
			ctype = "text/html; charset=ISO-8859-1"
		}
		w.Header().Set("Content-Type", ctype)
		fmt.Fprint(w, body)
	}))
	defer srv.Close()
	cfg := mustConfig(t, fmt.Sprintf("settings: {retries: 0, host_delay: 0s}\nsources:\n  - {id: t, kind: page, select: article, pages: [{url: '%[1]s/a'}, {url: '%[1]s/b'}]}\n", srv.URL))
	c := newChecker(t, cfg)
	for i, want := range []tracker.Outcome{New, Unchanged} {
		r := checkOne(t, c, "t")
		if r.Outcome != want || !strings.Contains(r.Notice, "page 2: the page declares charset ISO-8859-1") || strings.Contains(r.Notice, "page 1") {
			t.Errorf("check %d: %s %v notice %q; want %s, page 2's charset said", i+1, r.Outcome, r.Err, r.Notice, want)
		}
	}
}
