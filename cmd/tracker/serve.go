package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

	"tracker/internal/web"
)

const defaultListen = "127.0.0.1:8080"

// The flags are read back from fs in runServe, so that app needs no field
// for them.
func serveCmdFlags(a *app, fs *flag.FlagSet) {
	fs.String("listen", defaultListen, "`address` to serve the pages on; beyond loopback, set TRACKER_WEB_TOKEN or TRACKER_WEB_USER and TRACKER_WEB_PASSWORD")
	fs.String("base-url", a.env("TRACKER_BASE_URL", ""), "`URL` the pages are reached at from outside, for absolute permalinks (env TRACKER_BASE_URL)")
}

// runServe serves the read-only web interface until interrupted.
func runServe(ctx context.Context, a *app, fs *flag.FlagSet, args []string) int {
	if len(args) > 0 {
		fs.Usage()
		return exitUsage
	}
	listen, baseURL := fs.Lookup("listen").Value.String(), fs.Lookup("base-url").Value.String()
	access, err := web.AccessFromEnv(a.getenv)
	if err != nil {
		a.errorf("%v", err)
		return exitUsage
	}
	if err := web.CheckListen(listen, access); err != nil {
		a.errorf("serve: %v", err)
		return exitUsage
	}
	cfg, err := a.optionalConfig()
	if err != nil {
		a.errorf("%v", err)
		return exitUsage
	}
	db, ok := a.openDB(ctx, true)
	if !ok {
		return exitFailed
	}
	defer db.Close()
	log := a.logger()
	if baseURL == "" && cfg.Config != nil {
		baseURL = cfg.Mail.BaseURL // where the digests' links point
	}
	h := web.New(web.Options{DB: db, Config: cfg.Config, Taxonomy: cfg.taxonomy(), Now: a.now, Log: log, Access: access, BaseURL: baseURL})

	ln, err := net.Listen("tcp", listen)
	if err != nil {
		a.errorf("serve: %v (is another program using the port? pass --listen)", err)
		return exitFailed
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute}
	fmt.Fprintf(a.stdout, "serving %s on http://%s/ (Ctrl-C to stop)\n", a.dbPath, ln.Addr())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		a.errorf("serve: %v", err)
		return exitFailed
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		a.errorf("serve: stopping: %v", err)
		return exitFailed
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		a.errorf("serve: %v", err)
		return exitFailed
	}
	return exitOK
}
