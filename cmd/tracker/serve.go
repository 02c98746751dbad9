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

func serveCmd(a *app, fs *flag.FlagSet) runner {
	listen := fs.String("listen", defaultListen, "`address` to serve the pages on; beyond loopback, set TRACKER_WEB_TOKEN or TRACKER_WEB_USER and TRACKER_WEB_PASSWORD")
	baseURL := fs.String("base-url", a.env("TRACKER_BASE_URL", ""), "`URL` the pages are reached at from outside, for absolute permalinks (env TRACKER_BASE_URL)")
	return func(ctx context.Context, args []string) error { return a.serve(ctx, args, *listen, *baseURL) }
}

// serve serves the read-only web interface until interrupted.
func (a *app) serve(ctx context.Context, args []string, listen, baseURL string) error {
	if len(args) > 0 {
		return errUsage
	}
	access, err := web.AccessFromEnv(a.getenv)
	if err != nil {
		return usage(err)
	}
	if err := web.CheckListen(listen, access); err != nil {
		return usagef("serve: %v", err)
	}
	cfg, err := a.optionalConfig()
	if err != nil {
		return err
	}
	db, err := a.openDB(ctx, true)
	if err != nil {
		return err
	}
	defer db.Close()
	log := a.logger()
	if baseURL == "" && cfg.Config != nil {
		baseURL = cfg.Mail.BaseURL // where the digests' links point
	}
	h := web.New(web.Options{DB: db, Config: cfg.Config, Taxonomy: cfg.taxonomy(), Now: a.now, Log: log, Access: access, BaseURL: baseURL})

	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("serve: %v (is another program using the port? pass --listen)", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute}
	fmt.Fprintf(a.stdout, "serving %s on http://%s/ (Ctrl-C to stop)\n", a.dbName(), ln.Addr())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve: %v", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("serve: stopping: %v", err)
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %v", err)
	}
	return nil
}
