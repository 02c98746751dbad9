// Package fetch gets documents over HTTP the way a polite, patient client
// should: bounded in time and size, conditional when the server allows it,
// retrying what is transient, and never more than one request at a time to a
// host.
package fetch

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Options configure a Fetcher. Zero values take the defaults in brackets.
type Options struct {
	UserAgent      string        // ["tracker"]
	ConnectTimeout time.Duration // TCP and TLS set-up [10s]
	Timeout        time.Duration // one attempt, body included, when a request sets none [30s]
	MaxBody        int64         // largest accepted body, after decompression [10 MiB]
	MaxRedirects   int           // redirects followed; 0 follows none
	Retries        int           // retries of a transient failure; 0 retries none
	HostDelay      time.Duration // pause between requests to one host [0]
	MaxRetryAfter  time.Duration // longest Retry-After honoured [2m]
	// Backoff is the pause before retry n (from 1) [1s, 2s, 4s... ±20 %].
	Backoff func(n int) time.Duration
	// Transport replaces the HTTP transport (tests).
	Transport http.RoundTripper
	// Sleep waits for d or until ctx ends (tests make it instant).
	Sleep func(ctx context.Context, d time.Duration) error
}

// Fetcher fetches documents. It is safe for concurrent use.
type Fetcher struct {
	opt    Options
	client *http.Client
	hosts  *hostGate
}

// Request is one document to fetch.
type Request struct {
	URL    string
	Header map[string]string
	// ETag and LastModified make the request conditional.
	ETag         string
	LastModified string
	// Timeout overrides Options.Timeout for each attempt.
	Timeout time.Duration
	// Accept overrides the default Accept header.
	Accept string
	// StayOnHost makes a redirect away from the url's host a KindRedirect
	// error, unless it leads to one of AllowHosts ("*": any): a document
	// redirected elsewhere is a login, consent or geo page.
	StayOnHost bool
	AllowHosts []string
}

// Response is a fetched document.
type Response struct {
	URL    string // final URL after redirects
	Status int
	Header http.Header
	// Body is the raw body (transfer compression removed, charset untouched).
	Body []byte
	// NotModified is true when the server answered 304 to a conditional request.
	NotModified bool
	Attempts    int
	// MovedTo is where the last permanent redirect (301 or 308) on the way
	// led: the source's url should be updated to it. A temporary redirect
	// after it (to a session or geo address) is not followed into it.
	MovedTo string
}

// movedKey holds, in a request's context, where its last permanent
// redirect led; hostsKey the *Request whose redirect policy applies.
type (
	movedKey struct{}
	hostsKey struct{}
)

// SameHost reports whether two hosts are one site's: equal once a leading
// "www." and a default port are set aside.
func SameHost(a, b *url.URL) bool {
	norm := func(u *url.URL) string {
		h := strings.ToLower(u.Hostname())
		h = strings.TrimPrefix(h, "www.")
		if p := u.Port(); p != "" && !(p == "80" && u.Scheme == "http" || p == "443" && u.Scheme == "https") {
			h += ":" + p
		}
		return h
	}
	return norm(a) == norm(b)
}

// OffHost reports whether final, where a page was redirected to (in a
// browser, say), leaves the host of declared for one not in allow; see
// Request.StayOnHost.
func OffHost(declared, final string, allow []string) bool {
	d, err1 := url.Parse(declared)
	f, err2 := url.Parse(final)
	if err1 != nil || err2 != nil || f.Host == "" {
		return false
	}
	return !SameHost(d, f) && !allowedHost(f, allow)
}

// allowedHost reports whether u's host is one of hosts ("*": any).
func allowedHost(u *url.URL, hosts []string) bool {
	for _, h := range hosts {
		if h == "*" || strings.EqualFold(h, u.Host) || strings.EqualFold(h, u.Hostname()) {
			return true
		}
	}
	return false
}

// Error kinds.
const (
	KindTimeout     = "timeout"
	KindNetwork     = "network"
	KindHTTP        = "http"
	KindTooLarge    = "too-large"
	KindRedirect    = "redirect"
	KindRateLimited = "rate-limited"
	KindTLS         = "tls" // the server does not speak TLS as the url says, or its certificate is invalid
)

// Error is a failed fetch.
type Error struct {
	Kind   string
	Status int
	URL    string
	Msg    string
	// Body and Header are what the server sent with an error status, if anything.
	Body     []byte
	Header   http.Header
	Attempts int
	// Transient is true when trying again later may succeed.
	Transient bool
	Err       error
}

func (e *Error) Error() string {
	s := e.Msg
	if e.Attempts > 1 {
		s += fmt.Sprintf(" (after %d attempts)", e.Attempts)
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

const defaultAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

// New returns a Fetcher.
func New(opt Options) *Fetcher {
	if opt.UserAgent == "" {
		opt.UserAgent = "tracker"
	}
	if opt.ConnectTimeout <= 0 {
		opt.ConnectTimeout = 10 * time.Second
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 30 * time.Second
	}
	if opt.MaxBody <= 0 {
		opt.MaxBody = 10 << 20
	}
	opt.MaxRedirects = max(opt.MaxRedirects, 0)
	opt.Retries = max(opt.Retries, 0)
	if opt.MaxRetryAfter <= 0 {
		opt.MaxRetryAfter = 2 * time.Minute
	}
	if opt.Backoff == nil {
		opt.Backoff = ExponentialBackoff(time.Second)
	}
	if opt.Sleep == nil {
		opt.Sleep = sleep
	}
	tr := opt.Transport
	if tr == nil {
		dialer := &net.Dialer{Timeout: opt.ConnectTimeout, KeepAlive: 30 * time.Second}
		tr = &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         dialer.DialContext,
			TLSHandshakeTimeout: opt.ConnectTimeout,
			// No ResponseHeaderTimeout: each attempt's context bounds it,
			// with the source's own timeout when it has one.
			MaxIdleConnsPerHost: 2,
			IdleConnTimeout:     90 * time.Second,
			ForceAttemptHTTP2:   true,
		}
	}
	f := &Fetcher{opt: opt, hosts: newHostGate(opt.HostDelay)}
	f.client = &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if p, ok := req.Context().Value(movedKey{}).(*string); ok && req.Response != nil &&
				(req.Response.StatusCode == http.StatusMovedPermanently || req.Response.StatusCode == http.StatusPermanentRedirect) {
				*p = req.URL.String()
			}
			if pr, ok := req.Context().Value(hostsKey{}).(*Request); ok && pr.StayOnHost && len(via) > 0 &&
				!SameHost(via[0].URL, req.URL) && !allowedHost(req.URL, pr.AllowHosts) {
				status := 0
				if req.Response != nil {
					status = req.Response.StatusCode
				}
				msg := fmt.Sprintf("redirected (HTTP %d) to %s, away from %s: a login, consent or regional page rather than the document", status, req.URL, via[0].URL.Host)
				if status == http.StatusMovedPermanently || status == http.StatusPermanentRedirect {
					msg += "; if the document moved there, update the url"
				}
				msg += fmt.Sprintf(", or allow the host with redirect_hosts: [%s]", req.URL.Hostname())
				return &Error{Kind: KindRedirect, Status: status, Msg: msg}
			}
			for _, v := range via {
				if v.URL.String() == req.URL.String() {
					return &Error{Kind: KindRedirect, Msg: fmt.Sprintf("redirect loop: %s redirects back to itself; check the source's url", req.URL)}
				}
			}
			if len(via) > opt.MaxRedirects {
				if opt.MaxRedirects == 0 {
					return &Error{Kind: KindRedirect, Msg: fmt.Sprintf("redirected to %s, and settings.max_redirects is 0; update the source's url", req.URL)}
				}
				return &Error{Kind: KindRedirect, Msg: fmt.Sprintf("more than %d redirects (last to %s); check the source's url", opt.MaxRedirects, req.URL)}
			}
			return nil
		},
	}
	return f
}

// ExponentialBackoff waits first, then twice as long at each retry up to an
// hour, ±20 % so that many clients do not retry in step.
func ExponentialBackoff(first time.Duration) func(n int) time.Duration {
	return func(n int) time.Duration {
		d := time.Hour
		if n < 32 && first<<(n-1) < time.Hour && first<<(n-1) > 0 {
			d = first << (n - 1)
		}
		return d + time.Duration((rand.Float64()-0.5)*0.4*float64(d))
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Acquire waits for host's turn under the politeness Fetch keeps (one
// request at a time, the pause between two), for a request made outside the
// Fetcher, such as a page loaded in a browser. Call the returned func when
// the request is over.
func (f *Fetcher) Acquire(ctx context.Context, host string) (func(), error) {
	return f.hosts.acquire(ctx, host, f.opt.Sleep)
}

// Fetch gets req.URL, retrying transient failures. The error is an *Error
// unless ctx ended.
func (f *Fetcher) Fetch(ctx context.Context, req Request) (*Response, error) {
	u, err := url.Parse(req.URL)
	if err != nil || u.Host == "" {
		return nil, &Error{Kind: KindNetwork, URL: req.URL, Msg: fmt.Sprintf("invalid url %q", req.URL), Err: err}
	}
	for attempt := 1; ; attempt++ {
		resp, ferr := f.attempt(ctx, u.Host, req)
		if ferr == nil {
			resp.Attempts = attempt
			return resp, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		ferr.Attempts = attempt
		if !ferr.Transient || attempt > f.opt.Retries {
			return nil, ferr
		}
		wait := f.opt.Backoff(attempt)
		if ra, ok := retryAfter(ferr.Header, time.Now()); ok {
			if ra > f.opt.MaxRetryAfter {
				ferr.Msg += fmt.Sprintf("; the server asks to wait %s, longer than tracker waits within one check", ra.Round(time.Second))
				return nil, ferr
			}
			wait = max(wait, ra)
		}
		if err := f.opt.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

func (f *Fetcher) attempt(ctx context.Context, host string, req Request) (*Response, *Error) {
	release, err := f.hosts.acquire(ctx, host, f.opt.Sleep)
	if err != nil {
		return nil, &Error{Kind: KindNetwork, URL: req.URL, Msg: err.Error(), Err: err}
	}
	defer release()

	timeout := req.Timeout
	if timeout <= 0 {
		timeout = f.opt.Timeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var moved string
	ctx = context.WithValue(ctx, movedKey{}, &moved)
	ctx = context.WithValue(ctx, hostsKey{}, &req)
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, req.URL, nil)
	if err != nil {
		return nil, &Error{Kind: KindNetwork, URL: req.URL, Msg: err.Error(), Err: err}
	}
	hreq.Header.Set("User-Agent", f.opt.UserAgent)
	accept := req.Accept
	if accept == "" {
		accept = defaultAccept
	}
	hreq.Header.Set("Accept", accept)
	if req.ETag != "" {
		hreq.Header.Set("If-None-Match", req.ETag)
	}
	if req.LastModified != "" {
		hreq.Header.Set("If-Modified-Since", req.LastModified)
	}
	for k, v := range req.Header {
		hreq.Header.Set(k, v)
	}

	resp, err := f.client.Do(hreq)
	if err != nil {
		return nil, classify(req.URL, timeout, err)
	}
	defer resp.Body.Close()
	final := resp.Request.URL.String()

	body, rerr := readCapped(resp.Body, f.opt.MaxBody)
	if rerr != nil {
		if errors.Is(rerr, errTooLarge) {
			return nil, &Error{Kind: KindTooLarge, URL: final, Status: resp.StatusCode,
				Msg: fmt.Sprintf("body larger than %s: raise settings.max_body if this page is really that large", SizeString(f.opt.MaxBody))}
		}
		e := classify(final, timeout, rerr)
		e.Msg = "reading the body: " + e.Msg
		return nil, e
	}

	switch {
	case resp.StatusCode == http.StatusNotModified && (req.ETag != "" || req.LastModified != ""):
		return &Response{URL: final, Status: resp.StatusCode, Header: resp.Header, NotModified: true}, nil
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		r := &Response{URL: final, Status: resp.StatusCode, Header: resp.Header, Body: body}
		r.MovedTo = moved
		return r, nil
	}
	return nil, StatusError(final, resp.StatusCode, resp.Header, body)
}

// plainToTLS are what servers answer to a plain HTTP request on their
// HTTPS port (Go, nginx, Apache).
var plainToTLS = []string{"client sent an http request to an https server", "the plain http request was sent to https port",
	"speaking plain http to an ssl-enabled server port"}

// StatusError is the error for an HTTP error status, also for a page that
// came to tracker some other way, such as rendered in a browser.
func StatusError(url string, status int, header http.Header, body []byte) *Error {
	e := &Error{Kind: KindHTTP, URL: url, Status: status, Body: body, Header: header,
		Msg: fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))}
	if status == http.StatusBadRequest && strings.HasPrefix(url, "http://") {
		lower := strings.ToLower(string(body[:min(len(body), 2048)]))
		for _, s := range plainToTLS {
			if strings.Contains(lower, s) {
				e.Kind = KindTLS
				e.Msg = fmt.Sprintf("the server answers HTTPS on this port, not plain HTTP (HTTP 400): use https:// in the source's url (%s)", url)
				return e
			}
		}
	}
	switch {
	case status == http.StatusTooManyRequests:
		e.Kind, e.Transient = KindRateLimited, true
		e.Msg += ": the site rate-limits tracker"
	case status == http.StatusRequestTimeout || status >= 500:
		e.Transient = true
	case status == http.StatusNotFound || status == http.StatusGone:
		e.Msg += ": the page may have moved; check the source's url"
	}
	return e
}

var errTooLarge = errors.New("body too large")

func readCapped(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, errTooLarge
	}
	return b, nil
}

// classify turns a transport error into an *Error.
func classify(rawURL string, timeout time.Duration, err error) *Error {
	var fe *Error
	if errors.As(err, &fe) {
		fe.URL = rawURL
		return fe
	}
	e := &Error{Kind: KindNetwork, URL: rawURL, Err: err, Transient: true}
	var netErr net.Error
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	host := rawURL
	if u, perr := url.Parse(rawURL); perr == nil && u.Host != "" {
		host = u.Host
	}
	switch {
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"), errors.As(err, &recErr):
		// Trying again changes nothing: the address is wrong.
		e.Kind, e.Transient = KindTLS, false
		e.Msg = fmt.Sprintf("the server at %s answers plain HTTP, not HTTPS: use http:// in the source's url, or the port that serves HTTPS", host)
	case errors.As(err, &certErr):
		e.Kind, e.Transient = KindTLS, false
		e.Msg = fmt.Sprintf("the TLS certificate of %s is not valid (%v): check the source's url; tracker accepts no invalid certificate", host, certErr.Err)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		e.Kind = KindTimeout
		e.Msg = fmt.Sprintf("timed out after %s", timeout)
	case errors.As(err, &dnsErr):
		e.Msg = fmt.Sprintf("cannot resolve %s: %v", dnsErr.Name, dnsErr.Err)
		e.Transient = dnsErr.IsTemporary || dnsErr.IsTimeout
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Msg = fmt.Sprintf("connection refused by %s: nothing listens there; check the address and port of the url", address(rawURL, err))
	case Unreachable(err):
		var errno syscall.Errno
		errors.As(err, &errno)
		e.Msg = fmt.Sprintf("cannot reach %s: %v", address(rawURL, err), errno)
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		e.Msg = "connection closed by the server"
	default:
		e.Msg = err.Error()
	}
	return e
}

// address names where a connection was attempted: the url's host, and the
// address it resolved to when that says more.
func address(rawURL string, err error) string {
	host := rawURL
	if u, perr := url.Parse(rawURL); perr == nil && u.Host != "" {
		host = u.Host
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Addr != nil && op.Addr.String() != host {
		return fmt.Sprintf("%s (%s)", host, op.Addr)
	}
	return host
}

// Unreachable reports whether err says that a host could not be found or
// reached at all: its name does not resolve, or no route leads to it. A
// machine without network meets it for every source.
func Unreachable(err error) bool {
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr) || errors.Is(err, syscall.ENETUNREACH) ||
		errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETDOWN)
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// SizeString writes a byte count as settings do: 10 MiB, 512 KiB, 1000 bytes.
func SizeString(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
