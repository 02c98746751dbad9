package sources

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"tracker"
	"tracker/internal/config"
	"tracker/internal/sources/fetch"
	"tracker/internal/sources/page"
	"tracker/internal/sources/render"
)

// renderedType is the Content-Type of a rendered page: the browser
// serializes the DOM in UTF-8, whatever the server sent.
const renderedType = "text/html; charset=utf-8"

// checkRendered checks a page loaded in a browser. Its snapshot is the
// rendered page; a conditional request does not apply, since what a browser
// shows depends on more than the document's own response.
func (c *Checker) checkRendered(ctx context.Context, src *config.Source, x *page.Extractor, rules string, cur tracker.Version) Result {
	if c.Renderer == nil {
		return Result{Outcome: Failed, Kind: render.KindNoBrowser, Err: errors.New("this checker renders no page: it was built without a Renderer")}
	}
	// The same politeness as a fetch: one page at a time per host, and the
	// pause between two.
	release, err := c.Fetcher.Acquire(ctx, hostOf(src.URL))
	if err != nil {
		return Result{Outcome: Failed, Kind: tracker.FailCanceled, Err: err}
	}
	defer release()
	snap, failed := c.renderOnce(ctx, src)
	if failed != nil {
		return *failed
	}
	// Clears a notice left by an earlier plain fetch.
	notice := c.notice(ctx, src, &fetch.Response{})
	again := func() (*tracker.Snapshot, *Result) { return c.renderOnce(ctx, src) }
	return c.record(ctx, src, x, rules, cur, snap.FetchedAt, snap, &tracker.Validators{RulesHash: rules}, notice, again)
}

// renderOnce renders the page of src, returning it as a snapshot, or the
// result of a failure, already recorded.
func (c *Checker) renderOnce(ctx context.Context, src *config.Source) (*tracker.Snapshot, *Result) {
	at := c.now()
	failed := func(r Result) (*tracker.Snapshot, *Result) { return nil, &r }
	p, err := c.Renderer.Render(ctx, render.Request{
		URL: src.URL, WaitFor: src.Select, Header: src.Headers, Timeout: c.Config.EffectiveRenderTimeout(src),
	})
	if err != nil {
		var re *render.Error
		if !errors.As(err, &re) {
			return failed(Result{Outcome: Failed, Kind: tracker.FailCanceled, Err: err})
		}
		if re.Kind == render.KindNoBrowser {
			err = fmt.Errorf("%w; needed by sources %s", err, strings.Join(c.Config.Rendered(), ", "))
		}
		return failed(c.failWith(ctx, src, at, tracker.FailureKind(re.Kind), err, 0, nil))
	}
	header := http.Header{"Content-Type": {renderedType}}
	if p.Status >= 400 {
		return failed(c.fail(ctx, src, at, fetch.StatusError(p.URL, p.Status, header, p.HTML)))
	}
	if err := offHost(src, src.URL, p.URL); err != nil {
		return failed(c.failWith(ctx, src, at, fetch.KindRedirect, err, p.Status, nil))
	}
	return &tracker.Snapshot{FetchedAt: at, URL: p.URL, Status: p.Status, Body: p.HTML,
		Headers: map[string]string{"Content-Type": renderedType, "X-Rendered-By": "browser"}}, nil
}

// offHost is the error of a rendered page that the browser was sent away
// from the declared host to (see fetch.Request.StayOnHost), or nil.
func offHost(src *config.Source, declared, final string) error {
	if !fetch.OffHost(declared, final, src.RedirectHosts) {
		return nil
	}
	u, _ := url.Parse(final)
	d, _ := url.Parse(declared)
	return &fetch.Error{Kind: fetch.KindRedirect, URL: final, Msg: fmt.Sprintf("the browser was sent to %s, away from %s: a login, consent or regional page rather than the document; if the document moved there, update the url, or allow the host with redirect_hosts: [%s]", final, d.Host, u.Hostname())}
}
