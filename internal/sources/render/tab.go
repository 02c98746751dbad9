package render

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	httpfetch "tracker/internal/sources/fetch"
)

// blocked are never loaded: none of them holds text, and they are most of
// a page's weight.
var blocked = []network.ResourceType{network.ResourceTypeImage, network.ResourceTypeMedia, network.ResourceTypeFont}

// errTabTimeout is the cause of a tab's end when the browser took longer
// than StartTimeout to open and set it up.
var errTabTimeout = errors.New("the browser did not open the tab in time")

// poll is the pause between two looks at the page.
const poll = 100 * time.Millisecond

// document is what the tab saw of the page's own response.
type document struct {
	mu      sync.Mutex
	request network.RequestID
	resp    *network.Response
	failed  string
}

func (d *document) get() (*network.Response, string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.resp, d.failed
}

// render loads req in the tab and returns the rendered page.
func (r *Renderer) render(ctx, tab context.Context, in *instance, req Request, timeout time.Duration) (*Page, error) {
	// The page's time starts at its navigation: opening and setting up the
	// tab is the browser's work, bounded apart (StartTimeout), so that a
	// busy machine does not spend the page's time on it. The first action
	// binds the tab to its context, which must therefore outlive it: the
	// bounds cancel it rather than being deadlines of their own.
	pctx, cancel := context.WithCancelCause(tab)
	defer cancel(nil)
	defer context.AfterFunc(ctx, func() { cancel(ctx.Err()) })()
	opening := time.AfterFunc(r.opt.StartTimeout, func() { cancel(errTabTimeout) })
	defer opening.Stop()
	var deadline time.Time

	fail := func(doing string, err error) error {
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case in.dead():
			return &Error{Kind: KindBrowser, Err: err,
				Msg: fmt.Sprintf("the browser stopped while %s (%v): a new one starts for the next page", doing, err)}
		case errors.Is(context.Cause(pctx), errTabTimeout):
			return &Error{Kind: KindBrowser, Err: err,
				Msg: fmt.Sprintf("the browser did not open a tab within %s while %s: it may be overloaded; tracker retries at the next check", r.opt.StartTimeout, doing)}
		case errors.Is(context.Cause(pctx), context.DeadlineExceeded):
			return &Error{Kind: KindTimeout, Err: err,
				Msg: fmt.Sprintf("the page did not render within %s (render_timeout) while %s: its scripts may be stuck or the site slow; if it is only slow, raise render_timeout or the source's timeout", timeout, doing)}
		}
		return &Error{Kind: KindBrowser, Err: err, Msg: fmt.Sprintf("%s: %v", doing, err)}
	}

	// The first action opens the tab.
	if err := chromedp.Do(pctx); err != nil {
		return nil, fail("opening a tab", err)
	}
	t := chromedp.FromContext(pctx).Target
	mainFrame := cdp.FrameID(t.TargetID)
	var doc document
	err := chromedp.Listen(pctx, func(ev any) {
		switch ev := ev.(type) {
		case *fetch.EventRequestPaused:
			// Only blocked resource types are paused. Listen must not call
			// the browser itself.
			go cdp.Call(pctx, t, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
		case *network.EventRequestWillBeSent:
			if ev.Type == network.ResourceTypeDocument && ev.FrameID == mainFrame {
				doc.mu.Lock()
				doc.request, doc.failed = ev.RequestID, ""
				doc.mu.Unlock()
			}
		case *network.EventResponseReceived:
			if ev.Type == network.ResourceTypeDocument && ev.FrameID == mainFrame {
				doc.mu.Lock()
				doc.resp = ev.Response
				doc.mu.Unlock()
			}
		case *network.EventLoadingFailed:
			doc.mu.Lock()
			if ev.RequestID == doc.request {
				doc.failed = ev.ErrorText
			}
			doc.mu.Unlock()
		}
	})
	if err != nil {
		return nil, fail("opening a tab", err)
	}
	var patterns []*fetch.RequestPattern
	for _, rt := range blocked {
		patterns = append(patterns, &fetch.RequestPattern{URLPattern: "*", ResourceType: rt, RequestStage: fetch.RequestStageRequest})
	}
	if _, err := cdp.Call(pctx, t, fetch.Enable, fetch.EnableParams{Patterns: patterns}); err != nil {
		return nil, fail("setting up the tab", err)
	}
	ua := emulation.SetUserAgentOverrideParams{UserAgent: in.userAgent}
	headers := network.Headers{}
	for k, v := range req.Header {
		if strings.EqualFold(k, "Accept-Language") {
			ua.AcceptLanguage = v // navigator.language too, not only the header
		}
		headers[k] = v
	}
	if ua.UserAgent != "" {
		if _, err := cdp.Call(pctx, t, emulation.SetUserAgentOverride, ua); err != nil {
			return nil, fail("setting up the tab", err)
		}
	}
	if len(headers) > 0 {
		if _, err := cdp.Call(pctx, t, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: headers}); err != nil {
			return nil, fail("setting up the tab", err)
		}
	}

	opening.Stop()
	deadline = time.Now().Add(timeout)
	page := time.AfterFunc(timeout, func() { cancel(context.DeadlineExceeded) })
	defer page.Stop()
	nav, err := cdp.Call(pctx, t, cdppage.Navigate, cdppage.NavigateParams{URL: req.URL})
	if err != nil {
		return nil, fail("loading the page", err)
	}
	if nav.ErrorText != "" {
		return nil, &Error{Kind: KindNetwork, Msg: fmt.Sprintf("loading %s: %s", req.URL, nav.ErrorText)}
	}

	// The wait ends early enough to leave time to read the page: a page
	// whose selector never appears is then reported as such, not as a
	// timeout.
	reserve := min(timeout/4, 5*time.Second)
	// An error page has no reason to ever show the selector.
	errorPage := func() bool {
		resp, _ := doc.get()
		return resp != nil && resp.Status >= 400
	}
	found, err := r.wait(pctx, t, strings.Join(req.WaitFor, ", "), deadline.Add(-reserve), errorPage)
	if err != nil {
		return nil, fail("waiting for the page's text", err)
	}
	resp, failed := doc.get()
	if resp == nil {
		if failed != "" {
			return nil, &Error{Kind: KindNetwork, Msg: fmt.Sprintf("loading %s: %s", req.URL, failed)}
		}
		return nil, fail("loading the page", context.DeadlineExceeded)
	}
	if mt, _, _ := mime.ParseMediaType(resp.MimeType); mt != "" && mt != "text/html" && mt != "application/xhtml+xml" {
		return nil, &Error{Kind: KindNotHTML, Msg: fmt.Sprintf("%s is %s, not an HTML page: render: browser applies to HTML pages only", req.URL, mt)}
	}

	type dom struct {
		HTML string `json:"html"`
		URL  string `json:"url"`
	}
	// A page still between two documents when its time ran out has no
	// documentElement yet.
	d, err := chromedp.Evaluate[dom](`({
		html: document.documentElement ? (document.doctype ? "<!DOCTYPE " + document.doctype.name + ">\n" : "") + document.documentElement.outerHTML : "",
		url: location.href,
	})`)(pctx, t)
	if err != nil {
		return nil, fail("reading the rendered page", err)
	}
	if d.HTML == "" {
		return nil, &Error{Kind: KindTimeout, Msg: fmt.Sprintf("the page did not render within %s (render_timeout): it was still loading its document; if it is only slow, raise render_timeout or the source's timeout", timeout)}
	}
	if int64(len(d.HTML)) > r.opt.MaxBody {
		return nil, &Error{Kind: KindTooLarge, Msg: fmt.Sprintf("the rendered page is larger than %s: raise settings.max_body if it is really that large", httpfetch.SizeString(r.opt.MaxBody))}
	}
	return &Page{URL: d.URL, Status: int(resp.Status), HTML: []byte(d.HTML), Found: found}, nil
}

// probe is the state of the page that wait looks at.
type probe struct {
	Matches int    `json:"m"` // elements the selector matches; -1 without a selector the browser understands
	Length  int    `json:"n"` // characters of text they hold (or the body, without matches)
	Ready   string `json:"r"` // document.readyState
}

const probeJS = `(() => {
	const sel = %s;
	let m = -1, n = 0;
	if (sel) {
		try {
			const els = document.querySelectorAll(sel);
			m = els.length;
			for (const e of els) n += e.textContent.length;
		} catch (e) { m = -1; }
	}
	if (m <= 0) n = document.body ? document.body.textContent.length : 0;
	return {m: m, n: n, r: document.readyState};
})()`

// wait polls the page until sel matches and the text it holds stayed the
// same for Settle, or, without a selector the browser understands, until
// the page loaded and its text stayed the same, as it does for an error
// page. It gives up at until, or once a loaded page stayed unchanged for
// Quiet without a match, and then reports found false: the caller takes the
// page as it is. It returns an error only when ctx ended.
func (r *Renderer) wait(ctx context.Context, t *chromedp.Target, sel string, until time.Time, errorPage func() bool) (found bool, err error) {
	q, _ := json.Marshal(sel)
	expr := fmt.Sprintf(probeJS, q)
	wctx, cancel := context.WithDeadline(ctx, until)
	defer cancel()
	last, since := -1, time.Now()
	for {
		p, err := chromedp.Evaluate[probe](expr)(wctx, t)
		now := time.Now()
		switch {
		case err != nil && ctx.Err() != nil:
			return false, ctx.Err()
		case err != nil && wctx.Err() != nil:
			return false, nil
		case err != nil:
			// The document changed under the probe (a navigation or a
			// script replacing it): look again.
			last = -1
		case p.Length != last:
			last, since = p.Length, now
		case p.Matches > 0 && p.Ready != "loading" && now.Sub(since) >= r.opt.Settle:
			return true, nil
		case (p.Matches < 0 || p.Matches == 0 && errorPage()) && p.Ready == "complete" && now.Sub(since) >= r.opt.Settle:
			return false, nil
		case p.Matches == 0 && p.Ready == "complete" && now.Sub(since) >= r.opt.Quiet:
			return false, nil
		}
		select {
		case <-wctx.Done():
			if ctx.Err() != nil {
				return false, ctx.Err()
			}
			return false, nil
		case <-time.After(poll):
		}
	}
}
