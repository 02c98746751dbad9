package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
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

func runCmdFlags(a *app, fs *flag.FlagSet) {
	fs.StringVar(&a.runf.listen, "listen", "", "serve the web pages, /healthz and /metrics on this `address` (e.g. 127.0.0.1:8080); beyond loopback, set TRACKER_WEB_TOKEN or TRACKER_WEB_USER and TRACKER_WEB_PASSWORD")
	fs.StringVar(&a.runf.baseURL, "base-url", a.env("TRACKER_BASE_URL", ""), "with --listen, the `URL` the pages are reached at from outside, for absolute permalinks (env TRACKER_BASE_URL; default mail.base_url)")
	fs.StringVar(&a.runf.logFormat, "log-format", "text", "log `format`: text or json")
	fs.StringVar(&a.runf.logLevel, "log-level", "info", "log `level`: debug, info, warn or error")
}

// runRun runs the daemon: the sources on their schedules, the digests on
// theirs, until SIGINT or SIGTERM; SIGHUP reloads the configuration.
func runRun(ctx context.Context, a *app, fs *flag.FlagSet, args []string) int {
	if len(args) > 0 {
		fs.Usage()
		return exitUsage
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(a.runf.logLevel)); err != nil {
		a.errorf("--log-level: %q is not one of debug, info, warn, error", a.runf.logLevel)
		return exitUsage
	}
	var handler slog.Handler
	switch a.runf.logFormat {
	case "text":
		handler = slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: level})
	case "json":
		handler = slog.NewJSONHandler(a.stderr, &slog.HandlerOptions{Level: level})
	default:
		a.errorf("--log-format: %q is not text or json", a.runf.logFormat)
		return exitUsage
	}
	log := slog.New(handler)
	cfg, ok := a.loadConfig()
	if !ok {
		return exitUsage
	}
	var access web.Access
	if a.runf.listen != "" {
		var err error
		if access, err = web.AccessFromEnv(a.getenv); err != nil {
			a.errorf("%v", err)
			return exitUsage
		}
		if err := web.CheckListen(a.runf.listen, access); err != nil {
			a.errorf("--listen: %v", err)
			return exitUsage
		}
	}
	unlock, err := daemon.Lock(a.dbPath)
	if err != nil {
		a.errorf("%v", err)
		return exitFailed
	}
	defer unlock()
	db, ok := a.openDB(ctx, false)
	if !ok {
		return exitFailed
	}
	defer db.Close()
	d, err := daemon.New(daemon.Options{ConfigPath: a.configPath, DB: db, Log: log, Getenv: a.getenv}, cfg)
	if err != nil {
		a.errorf("%v", err)
		return exitFailed
	}

	// The web pages name the declared sources and classify with the
	// configured topics: they follow each configuration a SIGHUP loads.
	newPages := func(cfg *config.Config, tax *topics.Taxonomy) http.Handler {
		base := a.runf.baseURL
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

	if a.runf.listen != "" {
		ln, err := net.Listen("tcp", a.runf.listen)
		if err != nil {
			a.errorf("--listen %s: %v", a.runf.listen, err)
			return exitFailed
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
	if err := d.Run(ctx); err != nil {
		a.errorf("%v", err)
		return exitFailed
	}
	return exitOK
}

// swapHandler serves requests with the handler set last.
type swapHandler struct{ h atomic.Pointer[http.Handler] }

func (s *swapHandler) set(h http.Handler) { s.h.Store(&h) }

func (s *swapHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*s.h.Load()).ServeHTTP(w, r)
}

// runBackup writes a consistent copy of the database while the daemon runs.
func runBackup(ctx context.Context, a *app, fs *flag.FlagSet, args []string) int {
	if len(args) != 1 {
		fs.Usage()
		return exitUsage
	}
	if _, err := os.Stat(args[0]); err == nil {
		a.errorf("%s exists: choose a new file for the backup", args[0])
		return exitUsage
	}
	db, ok := a.openDB(ctx, true)
	if !ok {
		return exitFailed
	}
	defer db.Close()
	if err := db.Backup(ctx, args[0]); err != nil {
		a.errorf("%v", err)
		return exitFailed
	}
	fmt.Fprintf(a.stdout, "backed up %s to %s\n", a.dbPath, args[0])
	return exitOK
}
