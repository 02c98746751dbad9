package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"tracker/internal/config"
	"tracker/internal/daemon"
	"tracker/internal/topics"
	"tracker/internal/web"
)

type runFlags struct {
	listen    string
	baseURL   string
	logFormat string
	logLevel  string
}

func runCmd(a *app, fs *flag.FlagSet) runner {
	var f runFlags
	fs.StringVar(&f.listen, "listen", "", "serve the web pages, /healthz and /metrics on this `address` (e.g. 127.0.0.1:8080); beyond loopback, set TRACKER_WEB_TOKEN or TRACKER_WEB_USER and TRACKER_WEB_PASSWORD")
	fs.StringVar(&f.baseURL, "base-url", a.env("TRACKER_BASE_URL", ""), "with --listen, the `URL` the pages are reached at from outside, for absolute permalinks (env TRACKER_BASE_URL; default mail.base_url)")
	fs.StringVar(&f.logFormat, "log-format", "text", "log `format`: text or json (--json is --log-format json)")
	fs.StringVar(&f.logLevel, "log-level", "info", "log `level`: debug, info, warn or error")
	return func(ctx context.Context, args []string) error { return a.runDaemon(ctx, args, &f) }
}

// runDaemon runs the daemon: the sources on their schedules, the digests on
// theirs, until SIGINT or SIGTERM; SIGHUP reloads the configuration.
func (a *app) runDaemon(ctx context.Context, args []string, f *runFlags) error {
	if len(args) > 0 {
		return errUsage
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return usagef("--log-level: %q is not one of debug, info, warn, error", f.logLevel)
	}
	if a.jsonOut { // what the daemon prints is its log
		f.logFormat = "json"
	}
	handler, err := logHandler(a.stderr, f.logFormat, level)
	if err != nil {
		return err
	}
	log := slog.New(handler)
	cfg, err := a.loadConfig()
	if err != nil {
		return usage(err)
	}
	defer debug.SetMemoryLimit(a.limitMemory(cfg))
	var access web.Access
	if f.listen != "" {
		if access, err = web.AccessFromEnv(a.getenv); err != nil {
			return usage(err)
		}
		if err := web.CheckListen(f.listen, access); err != nil {
			return usagef("--listen: %v", err)
		}
	}
	unlock, err := daemon.Lock(a.dbPath)
	if err != nil {
		return err
	}
	defer unlock()
	db, err := a.openDB(ctx, false)
	if err != nil {
		return err
	}
	defer db.Close()
	d, err := daemon.New(daemon.Options{ConfigPath: a.configPath, DB: db, Log: log, Getenv: a.getenv,
		LeaseTTL: time.Duration(cfg.Settings.LeaseTTL)}, cfg)
	if err != nil {
		return err
	}

	// The web pages name the declared sources and classify with the
	// configured topics: they follow each configuration a SIGHUP loads.
	newPages := func(cfg *config.Config, tax *topics.Taxonomy) http.Handler {
		base := f.baseURL
		if base == "" {
			base = cfg.Mail.BaseURL // where the digests' links point
		}
		return web.New(web.Options{DB: db, Config: cfg, Taxonomy: tax, Log: log, Access: access, BaseURL: base})
	}
	var pages swapHandler
	pages.set(newPages(d.Config()))

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-hup:
				if d.Reload() == nil {
					pages.set(newPages(d.Config()))
				}
			case <-ctx.Done():
				return
			}
		}
	}()

	if f.listen != "" {
		ln, err := net.Listen("tcp", f.listen)
		if err != nil {
			return fmt.Errorf("--listen %s: %v", f.listen, err)
		}
		mux := http.NewServeMux()
		mux.Handle("/healthz", d.Handler())
		mux.Handle("/metrics", d.Handler())
		mux.Handle("/", &pages)
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
			WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute}
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("http server stopped", "err", err)
			}
		}()
		log.Info("serving", "addr", "http://"+ln.Addr().String(), "paths", strings.Join([]string{"/", "/healthz", "/metrics"}, " "))
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			srv.Shutdown(sctx)
		}()
	}
	return d.Run(ctx)
}

// logHandler writes the daemon's logs in format, text or json. A duration
// is written as people and log tools read it, "30s" or "1.5s": in JSON,
// log/slog would write it as nanoseconds ("grace":30000000000).
func logHandler(w io.Writer, format string, level slog.Level) (slog.Handler, error) {
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Value.Kind() == slog.KindDuration {
			a.Value = slog.StringValue(a.Value.Duration().String())
		}
		return a
	}}
	switch format {
	case "text":
		return slog.NewTextHandler(w, opts), nil
	case "json":
		return slog.NewJSONHandler(w, opts), nil
	}
	return nil, usagef("--log-format: %q is not text or json", format)
}

// swapHandler serves requests with the handler set last.
type swapHandler struct{ h atomic.Pointer[http.Handler] }

func (s *swapHandler) set(h http.Handler) { s.h.Store(&h) }

func (s *swapHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*s.h.Load()).ServeHTTP(w, r)
}

func backupCmd(a *app, fs *flag.FlagSet) runner { return a.backup }

// backup writes a consistent copy of the database while the daemon runs.
func (a *app) backup(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return errUsage
	}
	if _, err := os.Stat(args[0]); err == nil {
		return usagef("%s exists: choose a new file for the backup", args[0])
	}
	db, err := a.openDB(ctx, true)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, args[0]); err != nil {
		return err
	}
	if a.jsonOut {
		fi, err := os.Stat(args[0])
		if err != nil {
			return err
		}
		return a.printJSON(backupJSON{Database: a.dbName(), Backup: args[0], Bytes: fi.Size()})
	}
	fmt.Fprintf(a.stdout, "backed up %s to %s\n", a.dbName(), args[0])
	return nil
}

// backupJSON is `tracker backup FILE --json`.
type backupJSON struct {
	Database string `json:"database"`
	Backup   string `json:"backup"`
	Bytes    int64  `json:"bytes"`
}
