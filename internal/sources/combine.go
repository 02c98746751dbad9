package sources

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"tracker"
	"tracker/internal/config"
	"tracker/internal/sources/fetch"
	"tracker/internal/sources/page"
	"tracker/internal/sources/render"
	"tracker/internal/text"
)

// A document of several pages is checked as one: its pages are fetched in
// order, each under the usual politeness, their texts joined into one text,
// and that text is one version with one history. A page that fails fails
// the whole check: a version never lacks a page.
//
// Its snapshot is one combined snapshot, a multipart/mixed body with a part
// per page (its declared and final address, status and kept headers), rather
// than a snapshot per page: a version refers to exactly one snapshot, so the
// pages behind it can never be told apart from another check's, the store
// needs no change, each snapshot compresses against the previous one of the
// document, and tracker rebuild re-extracts every page from it.

// Headers of a combined snapshot's parts.
const (
	combinedType = "multipart/mixed"
	// pageURLHeader is the address the page is declared with, which the
	// rules are keyed by; Content-Location is where it was served from.
	pageURLHeader = "X-Page-Url"
	statusHeader  = "X-Status"
)

// fetchedPage is one page of a combined source as fetched or rendered.
type fetchedPage struct {
	page    config.Page
	url     string // the final address
	status  int
	headers map[string]string
	body    []byte
	movedTo string
	// notModified is a 304: body is the stored one.
	notModified bool
}

func compilePages(pages []config.Page) ([]*page.Extractor, error) {
	xs := make([]*page.Extractor, len(pages))
	for i, p := range pages {
		x, err := page.Compile(page.Rules{Select: p.Select, Remove: p.Remove, Rendered: p.Render == config.RenderBrowser})
		if err != nil {
			return nil, fmt.Errorf("page %d (%s): %w", i+1, p.URL, err)
		}
		xs[i] = x
	}
	return xs, nil
}

func (c *Checker) checkCombined(ctx context.Context, src *config.Source) Result {
	pages := src.EffectivePages()
	xs, err := compilePages(pages)
	if err != nil {
		return Result{Outcome: Failed, Kind: tracker.FailConfig, Err: err}
	}
	rules := RulesHash(src)
	st, cur, err := c.current(ctx, src, rules, func(cur tracker.Version) (tracker.Version, error) {
		return c.rebuildCombined(ctx, src, pages, xs, rules, cur)
	})
	if err != nil {
		return Result{Outcome: Failed, Kind: tracker.FailStore, Err: err}
	}
	// As for one page, conditional requests only after a successful fetch
	// under the same rules. The validators of each page are those stored in
	// the current version's snapshot; a page that answers 304 is that
	// stored page again.
	var stored map[string]fetchedPage
	if cur.Seq > 0 && cur.SnapshotID != 0 && st.Error == "" && st.Validators.RulesHash == rules {
		if snap, err := c.DB.Snapshot(ctx, cur.SnapshotID); err == nil {
			stored, _ = unpackPages(snap)
		}
	}

	at := c.now()
	got := make([]fetchedPage, len(pages))
	unmodified := 0
	for i, p := range pages {
		fp, err := c.getPage(ctx, src, p, stored[p.URL])
		if err != nil {
			return c.failPage(ctx, src, at, i, len(pages), err, nil)
		}
		if fp.notModified {
			unmodified++
		}
		got[i] = *fp
	}
	notice := c.combinedNotice(ctx, src, got)
	// A page answered 304 is the stored page, which got holds.
	least := c.Config.EffectiveMinWords(src)
	bodies := make([]body, len(got))
	for i, fp := range got {
		bodies[i] = body{fp.headers["Content-Type"], fp.body}
	}
	val := &tracker.Validators{RulesHash: rules, Body: bodyKey(least, bodies...)}
	if unmodified == len(pages) {
		if err := c.DB.Confirm(ctx, src.ID, at, tracker.OutcomeNotModified, val); err != nil {
			return Result{Outcome: Failed, Kind: tracker.FailStore, Err: err}
		}
		return Result{Outcome: NotModified, Version: cur, Notice: notice}
	}

	if unread(st, cur, rules, val) {
		for i, fp := range got {
			if note := page.CharsetNote(fp.body, fp.headers["Content-Type"]); note != "" {
				notice = c.addNotice(ctx, src, notice, fmt.Sprintf("page %d: %s", i+1, note))
			}
		}
		return c.confirm(ctx, src, at, val, cur, notice)
	}

	texts := make([]string, len(pages))
	for i, fp := range got {
		one := &tracker.Snapshot{FetchedAt: at, URL: fp.url, Status: fp.status, Headers: fp.headers, Body: fp.body}
		p, err := xs[i].Extract(fp.body, fp.headers["Content-Type"])
		if err != nil {
			return c.failPage(ctx, src, at, i, len(pages), err, one)
		}
		if p.Notice != "" {
			notice = c.addNotice(ctx, src, notice, fmt.Sprintf("page %d: %s", i+1, p.Notice))
		}
		if words := text.Words(p.Text); words < least {
			err := &page.Error{Kind: "too-short", Msg: fmt.Sprintf("the extracted text has %d words, fewer than the %d expected (min_words, for each page): the page is probably incomplete or an error page", words, least)}
			return c.failPage(ctx, src, at, i, len(pages), err, one)
		}
		texts[i] = p.Text
	}
	body, ctype, err := packPages(got)
	if err != nil {
		return Result{Outcome: Failed, Kind: tracker.FailStore, Err: err}
	}
	snap := &tracker.Snapshot{FetchedAt: at, URL: src.URL, Status: http.StatusOK, Body: body,
		Headers: map[string]string{"Content-Type": ctype, "X-Combined-Pages": strconv.Itoa(len(pages))}}
	return c.recordText(ctx, src, rules, cur, at, strings.Join(texts, "\n"), snap, val, notice)
}

// getPage fetches or renders one page of a combined source; prev is the
// page as stored with the current version, if a conditional request may
// use it.
func (c *Checker) getPage(ctx context.Context, src *config.Source, p config.Page, prev fetchedPage) (*fetchedPage, error) {
	if p.Render == config.RenderBrowser {
		return c.renderPage(ctx, src, p)
	}
	req := fetch.Request{URL: p.URL, Header: src.Headers, Timeout: c.Config.EffectiveTimeout(src), StayOnHost: true, AllowHosts: src.RedirectHosts}
	if prev.body != nil {
		req.ETag, req.LastModified = prev.headers["ETag"], prev.headers["Last-Modified"]
	}
	resp, err := c.Fetcher.Fetch(ctx, req)
	if err != nil {
		return nil, err
	}
	if resp.NotModified {
		prev.page, prev.notModified = p, true
		return &prev, nil
	}
	return &fetchedPage{page: p, url: resp.URL, status: resp.Status, headers: keptHeaders(resp.Header), body: resp.Body, movedTo: resp.MovedTo}, nil
}

// renderPage loads one page in the browser, with the politeness of a fetch.
func (c *Checker) renderPage(ctx context.Context, src *config.Source, p config.Page) (*fetchedPage, error) {
	if c.Renderer == nil {
		return nil, &render.Error{Kind: render.KindNoBrowser, Msg: "this checker renders no page: it was built without a Renderer"}
	}
	release, err := c.Fetcher.Acquire(ctx, hostOf(p.URL))
	if err != nil {
		return nil, err
	}
	defer release()
	rp, err := c.Renderer.Render(ctx, render.Request{
		URL: p.URL, WaitFor: p.Select, Header: src.Headers, Timeout: c.Config.EffectiveRenderTimeout(src),
	})
	if err != nil {
		return nil, err
	}
	if rp.Status >= 400 {
		return nil, fetch.StatusError(rp.URL, rp.Status, http.Header{"Content-Type": {renderedType}}, rp.HTML)
	}
	if err := offHost(src, p.URL, rp.URL); err != nil {
		return nil, err
	}
	return &fetchedPage{page: p, url: rp.URL, status: rp.Status, body: rp.HTML,
		headers: map[string]string{"Content-Type": renderedType, "X-Rendered-By": "browser"}}, nil
}

// failPage records the failure of page i of n, which fails the whole
// check, and names the page; snap is the page as fetched, if it was.
func (c *Checker) failPage(ctx context.Context, src *config.Source, at time.Time, i, n int, err error, snap *tracker.Snapshot) Result {
	pages := src.EffectivePages()
	err = fmt.Errorf("page %d of %d (%s): %w", i+1, n, pages[i].URL, err)
	var (
		re *render.Error
		fe *fetch.Error
		pe *page.Error
	)
	switch {
	case errors.As(err, &re):
		if re.Kind == render.KindNoBrowser {
			err = fmt.Errorf("%w; needed by sources %s", err, strings.Join(c.Config.Rendered(), ", "))
		}
		return c.failWith(ctx, src, at, tracker.FailureKind(re.Kind), err, 0, nil)
	case errors.As(err, &fe):
		return c.fail(ctx, src, at, err)
	case errors.As(err, &pe):
		status := 0
		if snap != nil {
			status = snap.Status
		}
		return c.failWith(ctx, src, at, tracker.FailureKind(pe.Kind), err, status, snap)
	}
	return Result{Outcome: Failed, Kind: tracker.FailCanceled, Err: err}
}

// combinedNotice records, or clears, the notice of a combined source: the
// pages that moved permanently.
func (c *Checker) combinedNotice(ctx context.Context, src *config.Source, got []fetchedPage) string {
	var moved []string
	for i, fp := range got {
		if fp.movedTo != "" {
			moved = append(moved, fmt.Sprintf("page %d moved permanently to %s", i+1, fp.movedTo))
		}
	}
	n := ""
	if len(moved) > 0 {
		n = fmt.Sprintf("%s: update its url in %s", strings.Join(moved, "; "), c.Config.Path)
	}
	if err := c.DB.SetNotice(ctx, src.ID, n); err != nil && c.Log != nil {
		c.Log.Warn("saving the notice failed", "source", src.ID, "err", err)
	}
	return n
}

// packPages writes the pages as one multipart/mixed body.
func packPages(pages []fetchedPage) ([]byte, string, error) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, p := range pages {
		h := textproto.MIMEHeader{}
		for k, v := range p.headers {
			h.Set(k, v)
		}
		h.Set(pageURLHeader, p.page.URL)
		h.Set("Content-Location", p.url)
		h.Set(statusHeader, strconv.Itoa(p.status))
		pw, err := w.CreatePart(h)
		if err != nil {
			return nil, "", fmt.Errorf("sources: combined snapshot: %w", err)
		}
		pw.Write(p.body)
	}
	if err := w.Close(); err != nil {
		return nil, "", fmt.Errorf("sources: combined snapshot: %w", err)
	}
	return b.Bytes(), mime.FormatMediaType(combinedType, map[string]string{"boundary": w.Boundary()}), nil
}

// unpackPages reads the pages of a combined snapshot, by declared address.
func unpackPages(snap tracker.Snapshot) (map[string]fetchedPage, error) {
	mt, params, err := mime.ParseMediaType(snap.Headers["Content-Type"])
	if err != nil || mt != combinedType || params["boundary"] == "" {
		return nil, fmt.Errorf("sources: snapshot %d is not a combined snapshot", snap.ID)
	}
	out := map[string]fetchedPage{}
	r := multipart.NewReader(bytes.NewReader(snap.Body), params["boundary"])
	for {
		part, err := r.NextRawPart()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("sources: snapshot %d: %w", snap.ID, err)
		}
		body, err := io.ReadAll(part)
		if err != nil {
			return nil, fmt.Errorf("sources: snapshot %d: %w", snap.ID, err)
		}
		fp := fetchedPage{url: part.Header.Get("Content-Location"), body: body, headers: map[string]string{}}
		fp.status, _ = strconv.Atoi(part.Header.Get(statusHeader))
		for _, k := range []string{"Content-Type", "ETag", "Last-Modified", "X-Rendered-By"} {
			if v := part.Header.Get(k); v != "" {
				fp.headers[k] = v
			}
		}
		out[part.Header.Get(pageURLHeader)] = fp
	}
}

// rebuildCombined re-extracts every page of version cur's combined
// snapshot under the source's current rules; see rebuild. A page the
// snapshot lacks (one added to the source since) leaves it to the next
// fetch.
func (c *Checker) rebuildCombined(ctx context.Context, src *config.Source, pages []config.Page, xs []*page.Extractor, rules string, cur tracker.Version) (tracker.Version, error) {
	if cur.SnapshotID == 0 {
		return tracker.Version{}, nil
	}
	snap, err := c.DB.Snapshot(ctx, cur.SnapshotID)
	if err != nil {
		return tracker.Version{}, err
	}
	stored, err := unpackPages(snap)
	if err != nil {
		return tracker.Version{}, nil // a page of the source before it was combined
	}
	texts := make([]string, len(pages))
	for i, p := range pages {
		fp, ok := stored[p.URL]
		if !ok {
			return tracker.Version{}, nil
		}
		x, err := xs[i].Extract(fp.body, fp.headers["Content-Type"])
		if err != nil {
			return tracker.Version{}, nil
		}
		texts[i] = x.Text
	}
	return c.rebuilt(ctx, src, rules, cur, strings.Join(texts, "\n"))
}

// rebuildCombinedNow is Rebuild for a combined source.
func (c *Checker) rebuildCombinedNow(ctx context.Context, src *config.Source) (tracker.Version, error) {
	pages := src.EffectivePages()
	xs, err := compilePages(pages)
	if err != nil {
		return tracker.Version{}, err
	}
	cur, err := c.DB.CurrentVersion(ctx, src.ID)
	if err != nil {
		return tracker.Version{}, err
	}
	return c.rebuildCombined(ctx, src, pages, xs, RulesHash(src), cur)
}
