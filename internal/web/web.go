// Package web serves tracker's history to people who would rather click than
// type: an overview of the sources, each document's timeline, any version's
// text with a citable permalink, diffs between any two versions, regulator
// items, full-text search, exports (JSON, CSV, Markdown) and a JSON API
// whose answers are those of the command line's --json.
//
// It is read-only: every route is GET (or HEAD), and nothing taken from the
// web reaches a page unescaped. Pages are rendered on the server with
// html/template; the style sheet is embedded in the binary and no page runs
// a script, so the Content-Security-Policy forbids them all.
//
// The paths are stable (digests link to them): see the routes in New and
// the links package, which builds their addresses.
package web

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"tracker/internal/compare"
	"tracker/internal/config"
	"tracker/internal/store"
	"tracker/internal/topics"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options configure the web interface.
type Options struct {
	DB store.Store
	// Config names the declared sources; nil serves the database alone.
	Config *config.Config
	// Taxonomy classifies and names the topics; nil is the built-in one.
	Taxonomy *topics.Taxonomy
	// Now is the clock ("recent changes" are recent to it); nil is time.Now.
	Now func() time.Time
	// Log receives failures (and each request at debug level); nil discards.
	Log *slog.Logger
	// Access, when enabled, is required of every request.
	Access Access
	// BaseURL is where the interface is reachable from outside
	// (https://tracker.example.com); when set, permalinks are absolute.
	BaseURL string
}

// server holds what every handler needs.
type server struct {
	db    store.Store
	cfg   *config.Config
	tax   *topics.Taxonomy
	cmp   *compare.Comparer
	now   func() time.Time
	log   *slog.Logger
	base  string
	pages map[string]*template.Template
}

// ContentSecurityPolicy is sent with every response. No page needs a script,
// so none may run; styles come only from the embedded sheet.
const ContentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// New returns the handler serving the web interface. It claims "/" and
// everything below it except /healthz and /metrics, which the daemon serves
// beside it.
func New(o Options) http.Handler {
	s := newServer(o)

	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheFor(24*time.Hour, http.FileServerFS(static))))

	mux.HandleFunc("GET /{$}", s.handle(s.overview))
	mux.HandleFunc("GET /sources/{id}", s.handle(s.sourcePage))
	mux.HandleFunc("GET /sources/{id}/versions/{seq}", s.handle(s.versionPage))
	mux.HandleFunc("GET /sources/{id}/versions/{seq}/snapshot", s.handle(s.snapshotPage))
	mux.HandleFunc("GET /sources/{id}/versions/{seq}/snapshot/raw", s.handle(s.snapshotRaw))
	mux.HandleFunc("GET /sources/{id}/at/{date}", s.handle(s.at))
	mux.HandleFunc("GET /sources/{id}/at", s.handle(s.atForm))
	mux.HandleFunc("GET /sources/{id}/diff", s.handle(s.diffPage))
	mux.HandleFunc("GET /items", s.handle(s.itemsPage))
	mux.HandleFunc("GET /search", s.handle(s.searchPage))
	mux.HandleFunc("GET /compare", s.handle(s.comparePage))
	mux.HandleFunc("GET /changes.atom", s.handle(s.changesFeed))

	mux.HandleFunc("GET /sources/{id}/history.json", s.handle(s.exportHistory(formatJSON)))
	mux.HandleFunc("GET /sources/{id}/history.csv", s.handle(s.exportHistory(formatCSV)))
	mux.HandleFunc("GET /sources/{id}/history.md", s.handle(s.exportHistory(formatMarkdown)))
	mux.HandleFunc("GET /sources/{id}/diff.json", s.handle(s.exportDiff(formatJSON)))
	mux.HandleFunc("GET /sources/{id}/diff.csv", s.handle(s.exportDiff(formatCSV)))
	mux.HandleFunc("GET /sources/{id}/diff.md", s.handle(s.exportDiff(formatMarkdown)))
	mux.HandleFunc("GET /sources/{id}/evidence.zip", s.handle(s.evidenceBundle))

	mux.HandleFunc("GET /api/sources", s.handle(s.apiSources))
	mux.HandleFunc("GET /api/sources/{id}/history", s.handle(s.apiHistory))
	mux.HandleFunc("GET /api/sources/{id}/show", s.handle(s.apiShow))
	mux.HandleFunc("GET /api/sources/{id}/versions/{seq}/snapshot", s.handle(s.apiSnapshot))
	mux.HandleFunc("GET /api/sources/{id}/diff", s.handle(s.apiDiff))
	mux.HandleFunc("GET /api/changes", s.handle(s.apiChanges))
	mux.HandleFunc("GET /api/items", s.handle(s.apiItems))
	mux.HandleFunc("GET /api/search", s.handle(s.apiSearch))
	mux.HandleFunc("GET /api/compare", s.handle(s.apiCompare))
	mux.HandleFunc("GET /api/", s.handle(s.apiNotFound))

	mux.HandleFunc("GET /", s.handle(s.notFound))

	var h http.Handler = mux
	h = o.Access.require(h)
	h = readOnly(h)
	h = s.logRequests(h)
	return securityHeaders(h)
}

// newServer holds what the pages need, for New and WriteDiffPage.
func newServer(o Options) *server {
	s := &server{db: o.DB, cfg: o.Config, tax: o.Taxonomy, now: o.Now, log: o.Log, base: o.BaseURL}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.tax == nil {
		tax, err := topics.Compile(topics.Defaults(), nil)
		if err != nil {
			panic(err) // the built-in taxonomy is tested
		}
		s.tax = tax
	}
	s.cmp = &compare.Comparer{DB: s.db, Taxonomy: s.tax, Subject: s.cfg.Subject}
	s.pages = parsePages()
	return s
}

// securityHeaders are set before anything else runs, so that error pages
// and refusals carry them too.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// refuse answers a request turned away before any page: in JSON under
// /api/, as every other answer there, in plain text elsewhere.
func refuse(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeJSON(w, r, status, map[string]string{"error": msg})
		return
	}
	http.Error(w, msg, status)
}

// readOnly refuses every method but GET and HEAD, whatever the path.
func readOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			refuse(w, r, http.StatusMethodNotAllowed, "tracker's web interface is read-only: only GET and HEAD are allowed")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func cacheFor(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(d.Seconds())))
		next.ServeHTTP(w, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (s *server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "duration", time.Since(start))
	})
}

// httpError is a failure to show to the person who asked, with the status
// it deserves.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func notFoundf(format string, args ...any) error {
	return &httpError{status: http.StatusNotFound, msg: fmt.Sprintf(format, args...)}
}

func badRequestf(format string, args ...any) error {
	return &httpError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

// statusOf returns the status and the message to show for err; unexpected
// errors are logged and shown without their details.
func (s *server) statusOf(r *http.Request, err error) (int, string) {
	var he *httpError
	if errors.As(err, &he) {
		return he.status, he.msg
	}
	if errors.Is(err, context.Canceled) {
		return 499, "request cancelled"
	}
	if errors.Is(err, store.ErrBadQuery) {
		return http.StatusBadRequest, strings.TrimPrefix(err.Error(), "store: search: ")
	}
	s.log.Error("web: request failed", "path", r.URL.Path, "err", err)
	return http.StatusInternalServerError, "something went wrong reading the database; the details are in tracker's log"
}

func (s *server) notFound(w http.ResponseWriter, r *http.Request) error {
	return notFoundf("there is no page at %s", r.URL.Path)
}
