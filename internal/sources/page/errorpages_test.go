package page

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpusRow is one page of testdata/error-pages.
type corpusRow struct {
	file, sel, kind, what string
}

func corpus(t *testing.T) (dir string, rows []corpusRow) {
	t.Helper()
	dir = filepath.Join("..", "..", "..", "testdata", "error-pages")
	b, err := os.ReadFile(filepath.Join(dir, "pages.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		c := strings.Split(line, "\t")
		if i == 0 || len(c) < 4 {
			continue
		}
		rows = append(rows, corpusRow{c[0], c[1], c[2], c[3]})
	}
	if len(rows) < 11 {
		t.Fatalf("%d pages in the corpus", len(rows))
	}
	return dir, rows
}

// Error, block and login pages served with status 200, whatever their
// language or title, are failures even when the selector matches them:
// none may become a version, not even the first.
func TestErrorPageCorpus(t *testing.T) {
	dir, rows := corpus(t)
	for _, r := range rows {
		t.Run(r.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join(dir, r.file))
			if err != nil {
				t.Fatal(err)
			}
			x, err := Compile(Rules{Select: []string{r.sel}})
			if err != nil {
				t.Fatal(err)
			}
			p, err := x.Extract(body, "text/html; charset=utf-8")
			var pe *Error
			if !errors.As(err, &pe) || pe.Kind != r.kind {
				t.Fatalf("%s: %+v, %v; want a %s failure", r.what, p, err, r.kind)
			}
			if !strings.Contains(pe.Msg, "at the next check") {
				t.Errorf("the message does not say what happens next: %s", pe.Msg)
			}
		})
	}
}

// The real pages are never refused: TikTok's legal pages as served, under
// the default rules and under plain landmarks.
func TestRealPagesAreNotErrorPages(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "testdata", "tiktok-pages")
	for _, tc := range []struct{ file, sel string }{
		{"terms-of-service.html", "[data-testid=policy-card]"},
		{"privacy-policy.html", "#policy-card .content"},
		{"terms-of-service.html", "body"},
		{"privacy-policy.html", "body"},
	} {
		body, err := os.ReadFile(filepath.Join(dir, tc.file))
		if err != nil {
			t.Fatal(err)
		}
		x, err := Compile(Rules{Select: []string{tc.sel}})
		if err != nil {
			t.Fatal(err)
		}
		p, err := x.Extract(body, "text/html; charset=utf-8")
		if err != nil {
			t.Errorf("%s under %q: %v", tc.file, tc.sel, err)
			continue
		}
		if p.Suspect != nil {
			t.Errorf("%s under %q reads like an error page: %v", tc.file, tc.sel, p.Suspect)
		}
	}
}

// A short document whose heading holds a word an error page could say is
// still a document: "Forbidden items", "Maintenance of records".
func TestShortDocumentsWithTellingWords(t *testing.T) {
	for _, body := range []string{
		`<html><head><title>Forbidden items policy</title></head><body><main><h1>Forbidden items</h1><p>You may not sell weapons, drugs or counterfeit goods on the marketplace. Listings that break this policy are removed.</p></main></body></html>`,
		`<html><head><title>Guidance</title></head><body><main><h1>Maintenance of records</h1><p>Controllers keep a record of their processing activities and make it available to the authority on request.</p></main></body></html>`,
		`<html><head><title>Notice</title></head><body><main><h2>Not found in the register? What to do</h2><p>Contact the authority with your registration number and the name of your organisation.</p></main></body></html>`,
	} {
		x, err := Compile(Rules{Select: []string{"main"}})
		if err != nil {
			t.Fatal(err)
		}
		if p, err := x.Extract([]byte(body), "text/html; charset=utf-8"); err != nil || p.Suspect != nil {
			t.Errorf("%.60s...: %v, suspect %v", body[27:], err, p)
		}
	}
}
