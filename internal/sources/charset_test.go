package sources

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
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
	header.Store("text/html; charset=utf-8")
	if r := checkOne(t, c, "t"); r.Outcome != Unchanged || r.Notice != "" {
		t.Errorf("after the site's fix: %s %v notice %q; want unchanged, the notice cleared", r.Outcome, r.Err, r.Notice)
	}
}
