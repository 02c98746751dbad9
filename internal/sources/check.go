// Package sources checks declared sources: it fetches each one, extracts its
// text according to its kind and records what changed in the store.
//
// A fetch becomes a new version only when the extracted text differs from the
// current version. Every failure (network, HTTP status, block page, selector
// that matches nothing, text too short) is recorded on the source's status and
// never touches the stored versions.
package sources

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"sync"
	"time"

	"tracker"
	"tracker/internal/config"
	"tracker/internal/record"
	"tracker/internal/sources/fetch"
	"tracker/internal/sources/page"
	"tracker/internal/sources/render"
	"tracker/internal/store"
	"tracker/internal/text"
	"tracker/internal/topics"
)

// Outcomes of a check.
const (
	New         = tracker.OutcomeNew
	Unchanged   = tracker.OutcomeUnchanged
	NotModified = tracker.OutcomeNotModified
	Failed      = tracker.OutcomeFailed
)

// Result is what checking one source did.
type Result struct {
	SourceID string
	Outcome  tracker.Outcome
	// Version is the new version, for New.
	Version tracker.Version
	// Change describes a new version against the previous one.
	Change *tracker.Change
	// Feed is true for a feed source; Items tells what it brought.
	Feed  bool
	Items ItemCounts
	// Notice is something the operator should know about a successful
	// fetch, such as a permanent redirect.
	Notice string
	// Kind and Err explain a failure.
	Kind     tracker.FailureKind
	Err      error
	Duration time.Duration
}

// Renderer loads pages in a browser, for the sources with render: browser.
// *render.Renderer is one.
type Renderer interface {
	Render(ctx context.Context, req render.Request) (*render.Page, error)
	Close() error
}

// Checker checks sources. Close it when done: it may hold a browser.
type Checker struct {
	Config *config.Config
	// Taxonomy classifies the changes of documents and the items of feeds.
	Taxonomy *topics.Taxonomy
	DB       store.Store
	Fetcher  *fetch.Fetcher
	Renderer Renderer
	Log      *slog.Logger
	Now      func() time.Time

	filters sync.Map // source id → *itemFilter
}

// NewChecker wires a Checker with a Fetcher and a Renderer configured from
// cfg's settings, classifying with tax. The Renderer starts a browser only
// for the first page that needs one.
func NewChecker(cfg *config.Config, tax *topics.Taxonomy, db store.Store, log *slog.Logger) *Checker {
	s := cfg.Settings
	return &Checker{
		Renderer: render.New(render.Options{
			Browser:   s.Browser,
			Tabs:      s.BrowserTabs,
			Timeout:   time.Duration(s.RenderTimeout),
			MaxBody:   int64(s.MaxBody),
			UserAgent: s.UserAgent,
			Log:       log,
		}),
		Config:   cfg,
		Taxonomy: tax,
		DB:       db,
		Log:      log,
		Now:      time.Now,
		Fetcher: fetch.New(fetch.Options{
			UserAgent:      s.UserAgent,
			ConnectTimeout: time.Duration(s.ConnectTimeout),
			Timeout:        time.Duration(s.Timeout),
			MaxBody:        int64(s.MaxBody),
			MaxRedirects:   s.MaxRedirects,
			Retries:        s.Retries,
			Backoff:        fetch.ExponentialBackoff(time.Duration(s.RetryBackoff)),
			HostDelay:      time.Duration(s.HostDelay),
		}),
	}
}

// Close stops the browser, if one was started.
func (c *Checker) Close() error {
	if c.Renderer == nil {
		return nil
	}
	return c.Renderer.Close()
}

// Register makes sure every declared source exists in the database.
func (c *Checker) Register(ctx context.Context) error {
	for _, s := range c.Config.Sources {
		if err := c.DB.UpsertSource(ctx, store.SourceInfo{ID: s.ID, Kind: s.Kind, Name: s.Name, URL: s.URL, Origin: tracker.OriginConfig}); err != nil {
			return err
		}
	}
	return nil
}

// CheckAll checks the given sources (all enabled ones when ids is empty) and
// returns a result per source in the order of the configuration. Sources on
// different hosts are checked in parallel, those on one host one at a time.
func (c *Checker) CheckAll(ctx context.Context, ids []string, each func(Result)) ([]Result, error) {
	var todo []*config.Source
	if len(ids) == 0 {
		for i := range c.Config.Sources {
			if !c.Config.Sources[i].Disabled {
				todo = append(todo, &c.Config.Sources[i])
			}
		}
	} else {
		for _, id := range ids {
			s := c.Config.Source(id)
			if s == nil {
				return nil, fmt.Errorf("unknown source %q: see `tracker sources` for the declared ids", id)
			}
			todo = append(todo, s)
		}
	}
	if err := c.Register(ctx); err != nil {
		return nil, err
	}

	// Group by host, so one worker walks one host's sources in turn.
	byHost := map[string][]int{}
	var hosts []string
	for i, s := range todo {
		h := hostOf(s.URL)
		if _, ok := byHost[h]; !ok {
			hosts = append(hosts, h)
		}
		byHost[h] = append(byHost[h], i)
	}
	sort.SliceStable(hosts, func(i, j int) bool { return len(byHost[hosts[i]]) > len(byHost[hosts[j]]) })

	results := make([]Result, len(todo))
	work := make(chan string)
	var wg sync.WaitGroup
	var mu sync.Mutex
	workers := min(max(c.Config.Settings.Concurrency, 1), len(hosts))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for h := range work {
				for _, i := range byHost[h] {
					if ctx.Err() != nil {
						return
					}
					r := c.Check(ctx, todo[i])
					results[i] = r
					if each != nil {
						mu.Lock()
						each(r)
						mu.Unlock()
					}
				}
			}
		}()
	}
	for _, h := range hosts {
		select {
		case work <- h:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	return results, ctx.Err()
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Host
}

// extraction counts the changes to how tracker itself reads pages that can
// change a text (2: a page valid as UTF-8 is read as UTF-8 when its charset
// is declared late, and control characters are dropped; 3: a page whose
// declared charset its bytes belie is read in the charset of its bytes). Like a change of selectors, it makes the next check
// re-read the stored page and record any difference as technical, so that
// no one is alerted to a change of tracker's rather than of the document.
const extraction = 3

// RulesHash identifies the extraction rules of a source: validators and
// comparisons are only meaningful under the same rules.
func RulesHash(s *config.Source) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%q\x00%q", s.Kind, s.URL, []string(s.Select), []string(s.Remove))
	if s.Kind == tracker.KindPage {
		fmt.Fprintf(h, "\x00extraction=%d", extraction)
	}
	if s.Render != "" {
		fmt.Fprintf(h, "\x00render=%s", s.Render)
	}
	// Only combined sources hash their pages: the rules of every other
	// source keep the hash their versions were recorded under.
	if s.Combined() {
		for _, p := range s.EffectivePages() {
			fmt.Fprintf(h, "\x00page=%s\x00%q\x00%q\x00%s", p.URL, []string(p.Select), []string(p.Remove), p.Render)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Check fetches one source and records the outcome.
func (c *Checker) Check(ctx context.Context, src *config.Source) Result {
	start := time.Now()
	r := c.check(ctx, src)
	r.SourceID = src.ID
	r.Duration = time.Since(start)
	if c.Log != nil {
		if r.Outcome == Failed {
			c.Log.Warn("check failed", "source", src.ID, "kind", r.Kind, "err", r.Err, "duration", r.Duration)
		} else {
			c.Log.Info("checked", "source", src.ID, "outcome", r.Outcome, "seq", r.Version.Seq, "duration", r.Duration)
		}
	}
	return r
}

func (c *Checker) check(ctx context.Context, src *config.Source) Result {
	if src.Kind == config.KindFeed {
		return c.checkFeed(ctx, src)
	}
	if src.Combined() {
		return c.checkCombined(ctx, src)
	}
	x, err := page.Compile(rulesOf(src))
	if err != nil {
		return Result{Outcome: Failed, Kind: tracker.FailConfig, Err: err}
	}
	rules := RulesHash(src)
	st, cur, err := c.current(ctx, src, rules, func(cur tracker.Version) (tracker.Version, error) {
		return c.rebuild(ctx, src, x, rules, cur)
	})
	if err != nil {
		return Result{Outcome: Failed, Kind: tracker.FailStore, Err: err}
	}
	if src.Render == config.RenderBrowser {
		return c.checkRendered(ctx, src, x, rules, cur)
	}
	req := fetch.Request{URL: src.URL, Header: src.Headers, Timeout: c.Config.EffectiveTimeout(src), StayOnHost: true, AllowHosts: src.RedirectHosts}
	resp, val, at, err := c.conditionalGet(ctx, req, st, rules, cur.Seq > 0)
	if err != nil {
		return c.fail(ctx, src, at, err)
	}
	if resp.NotModified {
		val.Body = st.Validators.Body // a 304 is the body those validators came with
		if err := c.DB.Confirm(ctx, src.ID, at, tracker.OutcomeNotModified, val); err != nil {
			return Result{Outcome: Failed, Kind: tracker.FailStore, Err: err}
		}
		return Result{Outcome: NotModified, Version: cur}
	}

	notice := c.notice(ctx, src, resp)
	val.Body = bodyKey(c.Config.EffectiveMinWords(src), body{resp.Header.Get("Content-Type"), resp.Body})
	if unread(st, cur, rules, val) {
		// Unread, the page still says what reading it says of its charset.
		notice = c.addNotice(ctx, src, notice, page.CharsetNote(resp.Body, resp.Header.Get("Content-Type")))
		return c.confirm(ctx, src, at, val, cur, notice)
	}
	snap := &tracker.Snapshot{FetchedAt: at, URL: resp.URL, Status: resp.Status, Headers: keptHeaders(resp.Header), Body: resp.Body}
	again := func() (*tracker.Snapshot, *Result) {
		at := c.now()
		resp, err := c.Fetcher.Fetch(ctx, req) // unconditional: req holds no validators
		if err != nil {
			r := c.fail(ctx, src, at, err)
			return nil, &r
		}
		return &tracker.Snapshot{FetchedAt: at, URL: resp.URL, Status: resp.Status, Headers: keptHeaders(resp.Header), Body: resp.Body}, nil
	}
	return c.record(ctx, src, x, rules, cur, at, snap, val, notice, again)
}

// body is one fetched body and its media type, which decides how it is read.
type body struct {
	ctype string
	body  []byte
}

// bodyKey identifies what decides the text extracted from pages, beside the
// rules: their bodies, media types and the min_words they must pass.
func bodyKey(minWords int, pages ...body) string {
	h := sha256.New()
	fmt.Fprintf(h, "min_words=%d", minWords)
	for _, p := range pages {
		sum := sha256.Sum256(p.body)
		fmt.Fprintf(h, "\x00%q\x00%x", p.ctype, sum)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// unread reports whether a successful fetch read what the last one did,
// under the same rules, so that its text is the current version's: the
// last successful fetch gave cur or was confirmed against it, and any
// version recorded otherwise since (an import) cleared st's Body.
func unread(st tracker.Source, cur tracker.Version, rules string, val *tracker.Validators) bool {
	return cur.Seq > 0 && cur.RulesHash == rules && st.Error == "" &&
		st.Validators.RulesHash == rules && st.Validators.Body != "" && st.Validators.Body == val.Body
}

// refetch fetches a page a second time, to confirm a drastic change. It
// returns the page, or the result of a failed fetch, already recorded.
type refetch func() (*tracker.Snapshot, *Result)

// current reads the status and the current version of a page source.
// Under new extraction rules it first re-extracts the current version's
// page with rebuild (a version of its own when the text comes out
// different), so that the fetch that follows is compared with like.
func (c *Checker) current(ctx context.Context, src *config.Source, rules string,
	rebuild func(cur tracker.Version) (tracker.Version, error)) (tracker.Source, tracker.Version, error) {
	cur, err := c.DB.CurrentVersion(ctx, src.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return tracker.Source{}, cur, err
	}
	st, err := c.DB.Source(ctx, src.ID)
	if err != nil || cur.Seq == 0 || cur.RulesHash == rules {
		return st, cur, err
	}
	v, err := rebuild(cur)
	switch {
	case err != nil:
		return st, cur, err
	case v.Seq > 0:
		return st, v, nil
	}
	cur, err = c.DB.CurrentVersion(ctx, src.ID)
	return st, cur, err
}

// record extracts the text of a fetched or rendered page and stores it as
// a new version when it differs from the current one. A text that lost
// most of the document is an error page when it reads like one, and is
// otherwise recorded only once again, a second fetch, reads the same.
func (c *Checker) record(ctx context.Context, src *config.Source, x *page.Extractor, rules string, cur tracker.Version,
	at time.Time, snap *tracker.Snapshot, val *tracker.Validators, notice string, again refetch) Result {
	p, err := x.Extract(snap.Body, snap.Headers["Content-Type"])
	if err != nil {
		return c.failWith(ctx, src, at, kindOf(err), err, snap.Status, snap)
	}
	notice = c.addNotice(ctx, src, notice, p.Notice)
	if words, least := text.Words(p.Text), c.Config.EffectiveMinWords(src); words < least {
		err := fmt.Errorf("the extracted text has %d words, fewer than the %d expected (min_words): the page is probably incomplete or an error page", words, least)
		return c.failWith(ctx, src, at, tracker.FailTooShort, err, snap.Status, snap)
	}
	if cur.Seq == 0 || text.Hash(p.Text) == cur.SHA256 {
		return c.recordText(ctx, src, rules, cur, at, p.Text, snap, val, notice)
	}
	old, err := c.DB.Text(ctx, cur)
	if err != nil {
		return Result{Outcome: Failed, Kind: tracker.FailStore, Err: err}
	}
	kept, words := text.Kept(old, p.Text), text.Words(old)
	if 2*kept >= words {
		return c.recordText(ctx, src, rules, cur, at, p.Text, snap, val, notice)
	}
	if p.Suspect != nil {
		err := fmt.Errorf("%s (the page keeps %d of the document's %d words)", p.Suspect.Msg, kept, words)
		return c.failWith(ctx, src, at, tracker.FailureKind(p.Suspect.Kind), err, snap.Status, snap)
	}
	if again == nil {
		return c.recordText(ctx, src, rules, cur, at, p.Text, snap, val, notice)
	}
	snap2, failed := again()
	if failed != nil {
		return *failed
	}
	p2, err := x.Extract(snap2.Body, snap2.Headers["Content-Type"])
	if err != nil {
		return c.failWith(ctx, src, snap2.FetchedAt, kindOf(err), err, snap2.Status, snap2)
	}
	switch {
	case text.Hash(p2.Text) == cur.SHA256:
		// The document is back: the first fetch caught a passing page.
		if c.Log != nil {
			c.Log.Warn("a fetch that lost most of the document was not confirmed", "source", src.ID, "kept", kept, "words", words)
		}
		if val.Body != "" {
			// The second body gave cur, not the first: kept as the first
			// would be, it would confirm that page unread once it stays.
			again := *val
			again.Body = bodyKey(c.Config.EffectiveMinWords(src), body{snap2.Headers["Content-Type"], snap2.Body})
			val = &again
		}
		return c.confirm(ctx, src, snap2.FetchedAt, val, cur, notice)
	case p2.Text != p.Text:
		err := fmt.Errorf("the page kept only %d of the document's %d words, and a second fetch read it differently again: tracker records so drastic a change only when two fetches agree; it retries at the next check", kept, words)
		return c.failWith(ctx, src, at, tracker.FailUnconfirmed, err, snap.Status, snap)
	}
	return c.recordText(ctx, src, rules, cur, at, p.Text, snap, val, notice)
}

// recordText stores body, extracted from snap, as a new version when it
// differs from the current one, and confirms the current one otherwise.
func (c *Checker) recordText(ctx context.Context, src *config.Source, rules string, cur tracker.Version,
	at time.Time, body string, snap *tracker.Snapshot, val *tracker.Validators, notice string) Result {
	if cur.Seq > 0 && text.Hash(body) == cur.SHA256 {
		return c.confirm(ctx, src, at, val, cur, notice)
	}
	res, err := c.recorder().Record(ctx, record.Text{
		SourceID: src.ID, Text: body, At: at, Now: c.now, Snapshot: snap, Subject: src.Topics,
		Provenance: tracker.ProvenanceFetch, RulesHash: rules, Validators: val,
	}, cur, "")
	if err != nil {
		return Result{Outcome: Failed, Kind: tracker.FailStore, Err: err}
	}
	if !res.Added {
		// Another check recorded this very text meanwhile.
		return c.confirm(ctx, src, at, val, res.Version, notice)
	}
	return Result{Outcome: New, Version: res.Version, Change: res.Change, Notice: notice}
}

// confirm records a fetch that found the current version cur unchanged.
func (c *Checker) confirm(ctx context.Context, src *config.Source, at time.Time, val *tracker.Validators, cur tracker.Version, notice string) Result {
	if err := c.DB.Confirm(ctx, src.ID, at, tracker.OutcomeUnchanged, val); err != nil {
		return Result{Outcome: Failed, Kind: tracker.FailStore, Err: err}
	}
	return Result{Outcome: Unchanged, Version: cur, Notice: notice}
}

// notice records, or clears, what the operator should know about a
// successful fetch: a permanent redirect means the url should be updated.
func (c *Checker) notice(ctx context.Context, src *config.Source, resp *fetch.Response) string {
	n := ""
	if resp.MovedTo != "" {
		n = fmt.Sprintf("moved permanently to %s: update the url in %s", resp.MovedTo, c.Config.Path)
	}
	if err := c.DB.SetNotice(ctx, src.ID, n); err != nil && c.Log != nil {
		c.Log.Warn("saving the notice failed", "source", src.ID, "err", err)
	}
	return n
}

// addNotice adds more to the notice a fetch already recorded (see notice).
func (c *Checker) addNotice(ctx context.Context, src *config.Source, notice, more string) string {
	if more == "" {
		return notice
	}
	if notice != "" {
		notice += "; "
	}
	notice += more
	if err := c.DB.SetNotice(ctx, src.ID, notice); err != nil && c.Log != nil {
		c.Log.Warn("saving the notice failed", "source", src.ID, "err", err)
	}
	return notice
}

// recorder records versions with their changes: the one stage shared with
// rebuild and import.
func (c *Checker) recorder() *record.Recorder {
	return &record.Recorder{DB: c.DB, Taxonomy: c.Taxonomy}
}

// rebuild re-extracts the page of version cur under the source's current
// rules. When the text comes out different, it records it as a technical
// version: the document did not change, tracker's reading of it did, and no
// one is alerted. It returns the zero Version when there is nothing to do.
func (c *Checker) rebuild(ctx context.Context, src *config.Source, x *page.Extractor, rules string, cur tracker.Version) (tracker.Version, error) {
	if cur.SnapshotID == 0 {
		return tracker.Version{}, nil
	}
	snap, err := c.DB.Snapshot(ctx, cur.SnapshotID)
	if err != nil {
		return tracker.Version{}, err
	}
	p, err := x.Extract(snap.Body, snap.Headers["Content-Type"])
	if err != nil {
		// The new rules do not fit the stored page; the next fetch tells.
		return tracker.Version{}, nil
	}
	return c.rebuilt(ctx, src, rules, cur, p.Text)
}

// rebuilt records body, re-extracted from the page of version cur under
// new rules, as a technical version when it differs from cur's.
func (c *Checker) rebuilt(ctx context.Context, src *config.Source, rules string, cur tracker.Version, body string) (tracker.Version, error) {
	if text.Hash(body) == cur.SHA256 {
		return tracker.Version{}, c.DB.SetRulesHash(ctx, src.ID, cur.Seq, rules)
	}
	res, err := c.recorder().Record(ctx, record.Text{
		SourceID: src.ID, Text: body, At: c.now(), SnapshotID: cur.SnapshotID, Subject: src.Topics,
		Provenance: tracker.ProvenanceRebuild, Technical: true, RulesHash: rules,
	}, cur, "")
	if err != nil || !res.Added {
		return tracker.Version{}, err
	}
	return res.Version, nil
}

// Rebuild re-extracts the current version of a source from its stored page
// under the configured rules, without fetching. See rebuild.
func (c *Checker) Rebuild(ctx context.Context, src *config.Source) (tracker.Version, error) {
	if src.Combined() {
		return c.rebuildCombinedNow(ctx, src)
	}
	x, err := page.Compile(rulesOf(src))
	if err != nil {
		return tracker.Version{}, err
	}
	cur, err := c.DB.CurrentVersion(ctx, src.ID)
	if err != nil {
		return tracker.Version{}, err
	}
	return c.rebuild(ctx, src, x, RulesHash(src), cur)
}

func (c *Checker) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func rulesOf(src *config.Source) page.Rules {
	return page.Rules{Select: src.Select, Remove: src.Remove, Rendered: src.Render == config.RenderBrowser}
}

func kindOf(err error) tracker.FailureKind {
	var pe *page.Error
	if errors.As(err, &pe) {
		return tracker.FailureKind(pe.Kind)
	}
	var re *render.Error
	if errors.As(err, &re) {
		return tracker.FailureKind(re.Kind)
	}
	var fe *fetch.Error
	if errors.As(err, &fe) {
		return tracker.FailureKind(fe.Kind)
	}
	return tracker.FailOther
}

// fail records a fetch error, keeping the body the server sent, if any.
func (c *Checker) fail(ctx context.Context, src *config.Source, at time.Time, err error) Result {
	var fe *fetch.Error
	if !errors.As(err, &fe) {
		return Result{Outcome: Failed, Kind: tracker.FailCanceled, Err: err}
	}
	var snap *tracker.Snapshot
	if len(fe.Body) > 0 {
		snap = &tracker.Snapshot{FetchedAt: at, URL: fe.URL, Status: fe.Status, Headers: keptHeaders(fe.Header), Body: fe.Body}
	}
	kind := tracker.FailureKind(fe.Kind)
	if fe.Kind == fetch.KindHTTP && len(fe.Body) > 0 && (fe.Status == http.StatusForbidden || fe.Status == http.StatusServiceUnavailable) {
		if reason := page.BlockReason(fe.Body, fe.Header.Get("Content-Type")); reason != "" {
			kind = page.KindBlocked
			err = fmt.Errorf("%w: %s", err, reason)
		}
	}
	return c.failWith(ctx, src, at, kind, err, fe.Status, snap)
}

func (c *Checker) failWith(ctx context.Context, src *config.Source, at time.Time, kind tracker.FailureKind, err error, status int, snap *tracker.Snapshot) Result {
	if serr := c.DB.RecordFailure(ctx, store.Failure{
		SourceID: src.ID, At: at, Kind: kind, Reason: err.Error(), Status: status, Snapshot: snap,
	}); serr != nil {
		return Result{Outcome: Failed, Kind: tracker.FailStore, Err: errors.Join(err, serr)}
	}
	return Result{Outcome: Failed, Kind: kind, Err: err}
}

// keptHeaders are the response headers stored with a snapshot: those needed
// to read the body again and to understand what the server said.
func keptHeaders(h http.Header) map[string]string {
	out := map[string]string{}
	for _, k := range []string{"Content-Type", "Content-Language", "ETag", "Last-Modified", "Date", "Server", "Cache-Control", "Retry-After", "Location"} {
		if v := h.Get(k); v != "" {
			out[k] = v
		}
	}
	return out
}
