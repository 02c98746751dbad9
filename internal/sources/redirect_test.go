package sources

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"tracker/internal/replaytest"
	"tracker/internal/sources/render"
)

// A redirect that leaves the declared host leads to a login, consent or
// geo page, never to the document: the check fails, saying where it was
// sent, and no version is made; unless the source allows that host. A
// permanent redirect within the host is followed, with a notice.
func TestRedirectAwayFromTheHost(t *testing.T) {
	terms := replaytest.History(t, "Terms of Service")
	login := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		replaytest.Document(terms[len(terms)-1].Markdown, 1)(w, r) // even a page that looks right
	}))
	defer login.Close()
	srv := replaytest.NewServer()
	defer srv.Close()
	srv.Handle("/terms", replaytest.Document(terms[len(terms)-1].Markdown, 1))
	srv.Handle("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/terms", http.StatusMovedPermanently)
	})
	srv.Handle("/away", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, login.URL+"/login?next=/terms", http.StatusFound)
	})
	srv.Handle("/away-for-good", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, login.URL+"/terms", http.StatusMovedPermanently)
	})
	loginHost := strings.TrimPrefix(login.URL, "http://")
	cfg := mustConfig(t, fmt.Sprintf(`settings: {retries: 0, host_delay: 0s}
sources:
  - {id: away, kind: page, url: '%[1]s/away', select: '[data-testid=policy-card]'}
  - {id: away-for-good, kind: page, url: '%[1]s/away-for-good', select: '[data-testid=policy-card]'}
  - {id: allowed, kind: page, url: '%[1]s/away', select: '[data-testid=policy-card]', redirect_hosts: ['%[2]s']}
  - {id: moved, kind: page, url: '%[1]s/moved', select: '[data-testid=policy-card]'}
`, srv.URL, loginHost))
	c := newChecker(t, cfg)
	for _, tc := range []struct {
		id   string
		says []string
	}{
		{"away", []string{"redirected (HTTP 302) to " + login.URL + "/login?next=/terms", "away from " + strings.TrimPrefix(srv.URL, "http://"), "redirect_hosts"}},
		{"away-for-good", []string{"redirected (HTTP 301) to " + login.URL + "/terms", "if the document moved there, update the url"}},
	} {
		r := checkOne(t, c, tc.id)
		if r.Outcome != Failed || r.Kind != "redirect" {
			t.Errorf("%s: %s %s %v; want a redirect failure", tc.id, r.Outcome, r.Kind, r.Err)
			continue
		}
		for _, s := range tc.says {
			if !strings.Contains(r.Err.Error(), s) {
				t.Errorf("%s: %q lacks %q", tc.id, r.Err, s)
			}
		}
		if vs, _ := c.DB.Versions(context.Background(), tc.id); len(vs) != 0 {
			t.Errorf("%s: the page of another host became a version", tc.id)
		}
	}
	if r := checkOne(t, c, "allowed"); r.Outcome != New {
		t.Errorf("a redirect to an allowed host: %s %v", r.Outcome, r.Err)
	}
	if r := checkOne(t, c, "moved"); r.Outcome != New || !strings.Contains(r.Notice, "moved permanently to "+srv.URL+"/terms") {
		t.Errorf("a permanent redirect within the host: %s %v %q", r.Outcome, r.Err, r.Notice)
	}
}

// sentTo is a renderer whose browser always lands on final.
type sentTo struct {
	final, html string
}

func (s sentTo) Render(ctx context.Context, req render.Request) (*render.Page, error) {
	return &render.Page{URL: s.final, Status: http.StatusOK, HTML: []byte(s.html), Found: true}, nil
}

func (sentTo) Close() error { return nil }

// In a browser, the page lands where its redirects and scripts sent it:
// another host fails the check as a redirect does.
func TestRenderedPageSentToAnotherHost(t *testing.T) {
	terms := replaytest.History(t, "Terms of Service")
	cfg := mustConfig(t, `settings: {retries: 0, host_delay: 0s, min_words: 10}
sources:
  - {id: a, kind: page, url: 'https://www.tiktok.com/legal/terms', select: article, render: browser}
  - {id: b, kind: page, url: 'https://www.tiktok.com/legal/terms', select: article, render: browser, redirect_hosts: [login.example.com]}
`)
	c := newChecker(t, cfg)
	c.Renderer = sentTo{final: "https://login.example.com/?next=terms", html: "<html><body><article>" + string(terms[0].Markdown) + "</article></body></html>"}
	if r := checkOne(t, c, "a"); r.Outcome != Failed || r.Kind != "redirect" || !strings.Contains(r.Err.Error(), "the browser was sent to https://login.example.com/?next=terms, away from www.tiktok.com") {
		t.Errorf("a: %s %s %v", r.Outcome, r.Kind, r.Err)
	}
	if r := checkOne(t, c, "b"); r.Outcome != New {
		t.Errorf("b, allowed: %s %v", r.Outcome, r.Err)
	}
	// The same site under its bare name is the same host.
	c.Renderer = sentTo{final: "https://tiktok.com/legal/terms?lang=en", html: "<html><body><article>" + string(terms[0].Markdown) + "</article></body></html>"}
	if r := checkOne(t, c, "a"); r.Outcome != New {
		t.Errorf("www.tiktok.com → tiktok.com: %s %v", r.Outcome, r.Err)
	}
}
