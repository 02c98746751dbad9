// Package render loads pages in headless Chromium, so that a document whose
// text is inserted by scripts can be extracted like any other page.
//
// One browser process serves every page and lives across checks. It starts
// on the first Render, so a configuration without rendered pages never
// starts one. It is replaced when it dies, after MaxPages pages or when its
// processes hold more than MaxMemory, and Close kills it with every process
// it started. Each page gets a tab of its own in a fresh browser context (no
// cookies or cache carried from one page to the next), never loads images,
// media or fonts, and is bounded by a hard timeout; at most Tabs pages are
// rendered at once.
package render

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
)

// Error kinds.
const (
	KindNoBrowser = "no-browser"     // no Chromium executable found
	KindTimeout   = "render-timeout" // the page did not render within the timeout
	KindBrowser   = "browser"        // the browser failed to start or died
	KindNetwork   = "network"        // the page could not be loaded
	KindTooLarge  = "too-large"      // the rendered page is larger than MaxBody
	KindNotHTML   = "not-html"       // the address is not an HTML page
)

// Error is a page that could not be rendered.
type Error struct {
	Kind string
	Msg  string
	Err  error
}

func (e *Error) Error() string { return e.Msg }

func (e *Error) Unwrap() error { return e.Err }

// Options configure a Renderer. Zero values take the defaults in brackets.
type Options struct {
	// Browser is the Chromium executable [chromium, chromium-browser,
	// google-chrome or google-chrome-stable, looked up in PATH].
	Browser string
	// Tabs is how many pages are rendered at once [2].
	Tabs int
	// Timeout bounds one page, from navigation to the rendered HTML, when
	// a request sets none [45s].
	Timeout time.Duration
	// Settle is how long the awaited text must stay unchanged before the
	// page is taken [500ms].
	Settle time.Duration
	// Quiet is how long a loaded page whose text no longer changes is
	// given for the awaited selector to appear before it is taken as it is
	// [10s].
	Quiet time.Duration
	// MaxPages is how many pages one browser process renders before it is
	// replaced, so that whatever it leaks is given back [200].
	MaxPages int
	// MaxMemory is the memory of the browser's processes (their PSS, shared
	// pages divided among the processes that share them) past which it is
	// replaced after the page under way [1 GiB].
	MaxMemory int64
	// MaxBody is the largest rendered page accepted [10 MiB].
	MaxBody int64
	// UserAgent is added to the browser's own User-Agent, so that sites see
	// a browser and who drives it.
	UserAgent string
	// StartTimeout bounds starting the browser [30s].
	StartTimeout time.Duration
	// DataDir holds the browsers' temporary profiles, each removed when its
	// browser stops [the system's temporary directory].
	DataDir string
	// Log receives what happens to the browser [discarded].
	Log *slog.Logger
}

// Request is one page to render.
type Request struct {
	URL string
	// WaitFor are CSS selectors: the page is taken once one of them matches
	// and the text it holds stopped changing. Without them, or when the
	// browser does not understand them, the page is taken once it loaded and
	// its text stopped changing.
	WaitFor []string
	// Header is sent with every request of the page.
	Header map[string]string
	// Timeout overrides Options.Timeout.
	Timeout time.Duration
}

// Page is a rendered page.
type Page struct {
	// URL is the final address, after redirects.
	URL string
	// Status is the HTTP status of the document (0 when the browser did not
	// report one).
	Status int
	// HTML is the serialized DOM after scripts ran, in UTF-8.
	HTML []byte
	// Found is true when one of the WaitFor selectors matched. A page
	// taken without it may still be useful to say what it shows instead.
	Found bool
	// Duration is the time spent rendering, browser start excluded.
	Duration time.Duration
}

// Renderer renders pages in one shared headless Chromium. It is safe for
// concurrent use.
type Renderer struct {
	opt  Options
	log  *slog.Logger
	tabs chan struct{}

	mu     sync.Mutex
	cur    *instance          // the browser new pages go to; nil until needed
	live   map[*instance]bool // every browser not yet stopped
	closed bool
	wg     sync.WaitGroup // tab closings and browser stops under way
}

// New returns a Renderer. No browser starts until the first Render.
func New(opt Options) *Renderer {
	if opt.Tabs <= 0 {
		opt.Tabs = 2
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 45 * time.Second
	}
	if opt.Settle <= 0 {
		opt.Settle = 500 * time.Millisecond
	}
	if opt.Quiet <= 0 {
		opt.Quiet = 10 * time.Second
	}
	if opt.MaxPages <= 0 {
		opt.MaxPages = 200
	}
	if opt.MaxMemory <= 0 {
		opt.MaxMemory = 1 << 30
	}
	if opt.MaxBody <= 0 {
		opt.MaxBody = 10 << 20
	}
	if opt.StartTimeout <= 0 {
		opt.StartTimeout = 30 * time.Second
	}
	log := opt.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Renderer{opt: opt, log: log, tabs: make(chan struct{}, opt.Tabs), live: map[*instance]bool{}}
}

// browserNames are looked up in PATH, in this order, when no browser is set.
func browserNames() []string {
	return []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}
}

// LookBrowser returns the Chromium executable to run: path when set, else
// the first of chromium, chromium-browser, google-chrome and
// google-chrome-stable found in PATH. The error is an *Error of kind
// KindNoBrowser that says how to install one.
func LookBrowser(path string) (string, error) {
	if path != "" {
		found, err := exec.LookPath(path)
		if err != nil {
			return "", &Error{Kind: KindNoBrowser, Err: err,
				Msg: fmt.Sprintf("the browser %s (settings.browser) cannot be run: %v; install Chromium (Debian: apt-get install chromium) or fix settings.browser", path, errors.Unwrap(err))}
		}
		return found, nil
	}
	for _, name := range browserNames() {
		if found, err := exec.LookPath(name); err == nil {
			return found, nil
		}
	}
	return "", &Error{Kind: KindNoBrowser,
		Msg: fmt.Sprintf("no Chromium found (looked for %s in PATH): install Chromium (Debian: apt-get install chromium) or set settings.browser", strings.Join(browserNames(), ", "))}
}

// instance is one browser process.
type instance struct {
	ctx         context.Context // the browser's: tabs derive from it
	cancel      context.CancelFunc
	allocCancel context.CancelFunc
	dir         string // temporary profile
	started     time.Time
	pid         int
	userAgent   string

	pages   int  // pages started in it
	active  int  // tabs open
	retired bool // no new page goes to it; it stops once its tabs closed
}

// dead reports whether the browser process is gone.
func (in *instance) dead() bool { return in.ctx.Err() != nil }

// Render loads req.URL in a new tab and returns the page once scripts
// inserted the awaited text. The error is an *Error unless ctx ended.
func (r *Renderer) Render(ctx context.Context, req Request) (*Page, error) {
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = r.opt.Timeout
	}
	select {
	case r.tabs <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	in, err := r.acquire(ctx)
	if err != nil {
		<-r.tabs
		return nil, err
	}
	tab, closeTab := chromedp.NewContext(in.ctx, chromedp.WithNewBrowserContext())
	start := time.Now()
	p, err := r.render(ctx, tab, in, req, timeout)
	// A page whose scripts hang can keep its tab from closing for a while:
	// the slot is given back only once it closed, but the caller need not
	// wait. The browser is replaced after a timeout, so a renderer process
	// stuck in a loop never outlives the check.
	var re *Error
	timedOut := errors.As(err, &re) && re.Kind == KindTimeout
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		if timedOut {
			r.release(in, true)
			closeTab()
		} else {
			closeTab()
			r.release(in, false)
		}
		<-r.tabs
	}()
	if err != nil {
		return nil, err
	}
	p.Duration = time.Since(start)
	return p, nil
}

// acquire returns the browser to render a page in, starting one when there
// is none, or when the current one died or was retired.
func (r *Renderer) acquire(ctx context.Context) (*instance, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, &Error{Kind: KindBrowser, Msg: "the renderer is closed"}
	}
	if in := r.cur; in != nil && (in.retired || in.dead()) {
		if in.dead() && !in.retired {
			r.log.Warn("the browser stopped unexpectedly; starting a new one", "pid", in.pid)
		}
		r.retire(in)
	}
	if r.cur == nil {
		// Starting takes a second or so; the pages that wait for it need
		// it anyway.
		in, err := r.start(ctx)
		if err != nil {
			return nil, err
		}
		r.cur = in
		r.live[in] = true
	}
	in := r.cur
	in.active++
	if in.pages++; in.pages >= r.opt.MaxPages {
		r.log.Info("replacing the browser after its page quota", "pid", in.pid, "pages", in.pages)
		r.retire(in)
	}
	return in, nil
}

// release ends a page in in; dirty pages (timeouts) retire the browser.
func (r *Renderer) release(in *instance, dirty bool) {
	r.mu.Lock()
	in.active--
	if !in.retired && !in.dead() {
		if m := processMemory(in.pid, in.dir); m.footprint() > r.opt.MaxMemory {
			r.log.Info("replacing the browser: its memory grew past the limit", "pid", in.pid, "pss", m.PSS, "rss", m.RSS, "limit", r.opt.MaxMemory)
			dirty = true
		}
	}
	if dirty || in.retired || in.dead() {
		r.retire(in)
	}
	r.mu.Unlock()
}

// retire stops new pages from going to in, and stops it now if no page
// is under way in it; otherwise the last page's release does. r.mu is held.
func (r *Renderer) retire(in *instance) {
	in.retired = true
	if r.cur == in {
		r.cur = nil
	}
	if in.active == 0 && r.live[in] {
		delete(r.live, in)
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			r.stop(in)
		}()
	}
}

// Close stops every browser the Renderer started, pages under way
// included, and removes their profiles. The Renderer cannot be used after.
func (r *Renderer) Close() error {
	r.mu.Lock()
	r.closed = true
	var errs []error
	for in := range r.live {
		delete(r.live, in)
		// Stopped here rather than when their pages end: Close must leave
		// nothing behind when it returns.
		if err := r.stop(in); err != nil {
			errs = append(errs, err)
		}
	}
	r.cur = nil
	r.mu.Unlock()
	r.wg.Wait()
	return errors.Join(errs...)
}

// start launches a browser and waits until it answers.
func (r *Renderer) start(ctx context.Context) (*instance, error) {
	path, err := LookBrowser(r.opt.Browser)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(r.opt.DataDir, "tracker-chromium-")
	if err != nil {
		return nil, &Error{Kind: KindBrowser, Msg: fmt.Sprintf("creating the browser's profile directory: %v", err), Err: err}
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(dir),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		// Without these Chromium keeps opening connections of its own
		// (updates, field trials, QUIC probes), refused on closed networks.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
		chromedp.ModifyCmdFunc(setProcAttr),
	)
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	debug := func(format string, args ...any) { r.log.Debug("chromium: " + fmt.Sprintf(format, args...)) }
	bctx, bcancel := chromedp.NewContext(allocCtx, chromedp.WithLogf(debug), chromedp.WithErrorf(debug))
	in := &instance{ctx: bctx, cancel: bcancel, allocCancel: allocCancel, dir: dir, started: time.Now()}

	// The first Run starts the browser, which then lives as long as the
	// context of that call: the start is bounded from outside it.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(bctx) }()
	t := time.NewTimer(r.opt.StartTimeout)
	defer t.Stop()
	select {
	case err = <-started:
	case <-t.C:
		err = fmt.Errorf("no answer within %s", r.opt.StartTimeout)
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err == nil {
		if c := chromedp.FromContext(bctx); c != nil && c.Browser != nil && c.Browser.Process() != nil {
			in.pid = c.Browser.Process().Pid
		}
		var v browser.GetVersionResult
		if v, err = cdp.Call(bctx, chromedp.FromContext(bctx).Browser, browser.GetVersion, cdp.Empty{}); err == nil {
			in.userAgent = strings.TrimSpace(v.UserAgent + " " + r.opt.UserAgent)
			r.log.Info("browser started", "path", path, "version", v.Product, "pid", in.pid)
		}
	}
	if err != nil {
		r.stop(in)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &Error{Kind: KindBrowser, Err: err,
			Msg: fmt.Sprintf("starting the browser %s: %v; check that it runs: %s --headless --no-sandbox --dump-dom about:blank", path, err, path)}
	}
	return in, nil
}

// stop kills a browser with every process it started, and removes its
// profile.
func (r *Renderer) stop(in *instance) error {
	// Killed rather than asked to quit: nothing in its profile is kept, and
	// a renderer stuck in a script would not answer anyway.
	killGroup(in.pid)
	killUsing(in.dir)
	in.cancel()
	in.allocCancel()
	// A child that forked as the others died shows up only now.
	killUsing(in.dir)
	// Chromium keeps its singleton socket in a directory of its own under
	// the system's temporary directory (a socket's path must be short),
	// which a killed browser never removes; the profile links to it.
	if target, err := os.Readlink(filepath.Join(in.dir, "SingletonSocket")); err == nil {
		if d := filepath.Dir(target); strings.HasPrefix(filepath.Base(d), "org.chromium.") {
			os.RemoveAll(d)
		}
	}
	// So does a shared-memory file it had created but not yet unlinked
	// when killed; left there, they would pile up over months of restarts.
	// Unlinking one a live browser still maps takes nothing from it.
	shm, _ := filepath.Glob(filepath.Join(os.TempDir(), ".org.chromium.Chromium.*"))
	for _, f := range shm {
		if fi, err := os.Lstat(f); err == nil && fi.Mode().IsRegular() && !fi.ModTime().Before(in.started.Add(-time.Second)) {
			os.Remove(f)
		}
	}
	if err := os.RemoveAll(in.dir); err != nil {
		return fmt.Errorf("render: removing the browser profile: %w", err)
	}
	r.log.Debug("browser stopped", "pid", in.pid)
	return nil
}

// Memory is what a browser's processes hold.
type Memory struct {
	Processes int
	// RSS is the resident memory of the processes, summed: memory shared
	// between them counts once per process.
	RSS int64
	// PSS shares shared memory between the processes that map it: the
	// browser's real footprint.
	PSS int64
}

// footprint is PSS where the system reports it, else RSS.
func (m Memory) footprint() int64 {
	if m.PSS > 0 {
		return m.PSS
	}
	return m.RSS
}

// Memory returns what the running browsers' processes hold now; zero when
// none runs.
func (r *Renderer) Memory() Memory {
	r.mu.Lock()
	defer r.mu.Unlock()
	var total Memory
	for in := range r.live {
		m := processMemory(in.pid, in.dir)
		total.Processes += m.Processes
		total.RSS += m.RSS
		total.PSS += m.PSS
	}
	return total
}

// Running reports how many browser processes the Renderer holds (tests).
func (r *Renderer) Running() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.live)
}
