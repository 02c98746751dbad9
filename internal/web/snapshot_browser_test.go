package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// TestSnapshotInBrowser opens a stored page that tries everything a page
// can (inline and remote scripts, fetch, a beacon, images, styles, fonts,
// a frame, an object, a refresh) in a real Chromium, framed in its
// snapshot page and alone, and checks that no script of it ran and that
// the server it aims at received no request. The same page served
// without tracker's policy, last, shows that the checks see a script that
// runs and a request that leaves.
func TestSnapshotInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("the browser test starts Chromium")
	}
	var mu sync.Mutex
	var hits []string
	scriptRan := make(chan struct{})
	var once sync.Once
	counter := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits = append(hits, r.Method+" "+r.URL.Path)
		mu.Unlock()
		if r.URL.Path == "/control/fetch" {
			once.Do(func() { close(scriptRan) })
		}
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.WriteHeader(http.StatusOK)
	}))
	defer counter.Close()
	_, h := snapshotStore(t, hostilePage(counter.URL+"/stored"), "text/html; charset=utf-8")
	srv := httptest.NewServer(h)
	defer srv.Close()
	control := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(hostilePage(counter.URL + "/control"))
	}))
	defer control.Close()
	ctx := newBrowser(t, 1200, 900)

	// Every request a tab makes, as the browser reports it, and those it
	// blocked before they left.
	requests := map[network.RequestID]string{}
	blocked := map[network.RequestID]network.BlockedReason{}
	watch := func(ctx context.Context) {
		t.Helper()
		if err := chromedp.Listen(ctx, func(ev any) {
			mu.Lock()
			defer mu.Unlock()
			switch ev := ev.(type) {
			case *network.EventRequestWillBeSent:
				requests[ev.RequestID] = ev.Request.URL
			case network.EventRequestWillBeSent:
				requests[ev.RequestID] = ev.Request.URL
			case *network.EventLoadingFailed:
				blocked[ev.RequestID] = ev.BlockedReason
			case network.EventLoadingFailed:
				blocked[ev.RequestID] = ev.BlockedReason
			}
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
			t.Fatal(err)
		}
	}
	// untouched checks, in a tab or frame, that the page is as stored: its
	// scripts would have retitled it and rewritten its heading.
	untouched := func(what string, ctx context.Context) {
		t.Helper()
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.title + " | " + document.getElementById("heading").textContent`))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got != "Terms of Service | Terms of Service" {
			t.Errorf("%s: a script of the page ran: title | heading = %q", what, got)
		}
	}
	watch(ctx)

	// The snapshot page, with the page framed in a sandbox that allows nothing.
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/sources/terms/versions/1/snapshot"), chromedp.WaitVisible(chromedp.CSS("iframe.snapshot"))); err != nil {
		t.Fatal(err)
	}
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(f => f.getAttribute("sandbox") + "|" + f.sandbox.length)(document.querySelector("iframe.snapshot"))`)); err != nil || got != "|0" {
		t.Errorf("the frame's sandbox allows %q (%v), want nothing", got, err)
	}
	// Chromium runs a sandboxed frame as a target of its own.
	targets, err := chromedp.Targets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	framed := false
	for _, ti := range targets {
		if ti.Type != "iframe" || ti.URL != srv.URL+"/sources/terms/versions/1/snapshot/raw" {
			continue
		}
		fctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(ti.TargetID))
		defer cancel() // closing the frame's target early detaches the page's
		untouched("the framed page", fctx)
		framed = true
	}
	if !framed {
		t.Fatalf("no frame of the raw page among the browser's targets: %+v", targets)
	}

	// The raw page alone, in a tab of its own.
	rctx, rcancel := chromedp.NewContext(ctx)
	defer rcancel()
	watch(rctx)
	if err := chromedp.Do(rctx, chromedp.Navigate(srv.URL+"/sources/terms/versions/1/snapshot/raw")); err != nil {
		t.Fatal(err)
	}
	untouched("the raw page", rctx)
	if loc, err := chromedp.Run(rctx, chromedp.Location()); err != nil || loc != srv.URL+"/sources/terms/versions/1/snapshot/raw" {
		t.Errorf("the raw page went to %q (%v): its refresh was followed", loc, err)
	}

	// The control: the same page without the policy runs and reaches out.
	cctx, ccancel := chromedp.NewContext(ctx)
	defer ccancel()
	if err := chromedp.Do(cctx, chromedp.Navigate(control.URL)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-scriptRan:
	case <-cctx.Done():
		t.Fatal("the control page's script never called the counting server: the test cannot see a script run")
	}

	mu.Lock()
	defer mu.Unlock()
	for _, hit := range hits {
		if strings.Contains(hit, " /stored/") {
			t.Errorf("the stored page reached the counting server: %s", hit)
		}
	}
	// What the browser tried for the stored page, it blocked itself.
	tried := 0
	for id, url := range requests {
		if strings.HasPrefix(url, srv.URL+"/") || strings.HasPrefix(url, "data:") { // tracker's own, and Chromium's error images
			continue
		}
		tried++
		if blocked[id] == "" {
			t.Errorf("a tab showing the stored page requested %s, unblocked", url)
		}
	}
	if tried == 0 {
		t.Error("the browser reported no request of the stored page, blocked or not: the test sees nothing")
	}
}
