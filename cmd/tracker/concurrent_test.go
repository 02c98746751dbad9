package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"tracker/internal/api"
)

// Two `tracker check` at once on one database, over and over, against a
// page that changes on every request: neither reports a false failure,
// and every text fetched is recorded (#16, item 7).
func TestTwoChecksAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tracker processes")
	}
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<html><body><article><h1>Terms</h1><p>%s</p><p>This is revision %d of the terms.</p></article></body></html>",
			strings.Repeat("We keep your personal data for as long as the law requires. ", 10), n.Add(1))
	}))
	defer srv.Close()
	e := newEnv(t, fmt.Sprintf("settings: {retries: 0, host_delay: 0s}\nsources:\n  - {id: t, kind: page, url: '%s/t', select: article}\n", srv.URL))
	check := func() (string, error) {
		cmd := exec.Command(os.Args[0], "check")
		cmd.Env = append(os.Environ(), "TRACKER_TEST_AS_MAIN=1", "TRACKER_CONFIG="+e.config, "TRACKER_DB="+e.db)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}
	const rounds = 4
	for range rounds {
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				if out, err := check(); err != nil {
					t.Errorf("tracker check beside another: %v\n%s", err, out)
				}
			})
		}
		wg.Wait()
	}
	var history []api.Version
	e.runJSON(&history, "history", "t")
	if got := int64(len(history)); got != n.Load() || got != 2*rounds {
		t.Errorf("%d versions of %d fetches in %d checks: a fetch was thrown away", got, n.Load(), 2*rounds)
	}
}
