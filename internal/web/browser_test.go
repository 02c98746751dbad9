package web_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/chromedp"

	"tracker"
	"tracker/internal/config"
	"tracker/internal/store"
	"tracker/internal/web"
)

var updateScreenshots = flag.Bool("update-screenshots", os.Getenv("UPDATE_SCREENSHOTS") != "",
	"rewrite docs/screenshots/*.png from the browser test (or set UPDATE_SCREENSHOTS=1)")

// findBrowser returns Debian's Chromium (or another Chrome) when installed.
func findBrowser(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("TRACKER_CHROMIUM"), "chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no browser found: .ci/run installs Debian's chromium (apt-get install -y chromium)")
	}
	t.Skip("no browser found: install chromium (apt-get install -y chromium) to run the end-to-end test")
	return ""
}

// newBrowser starts headless Chromium with a window of w×h pixels, for at
// most two minutes of the test; it is stopped when the test ends.
func newBrowser(t *testing.T, w, h int) context.Context {
	t.Helper()
	exe := findBrowser(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		// Without these Chromium reaches for the network at start, and
		// its connections are refused on a closed network.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(w, h),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	// Bound the whole test, not the browser's start (see chromedp.Run).
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	ctx, stop := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(stop)
	return ctx
}

// TestBrowser opens the pages in a real headless Chromium, as a reader
// would: the overview, a change followed to its diff, side by side, a
// search, a document's timeline, on a desktop screen, on a phone and on
// paper. The Content-Security-Policy is enforced by the browser here, so a
// style or script it blocks fails the test.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("the browser test starts Chromium")
	}
	srv := httptest.NewServer(shared.h)
	defer srv.Close()
	ctx := newBrowser(t, 1200, 900)

	var mu sync.Mutex
	var problems []string
	if err := chromedp.Listen(ctx, func(ev any) {
		var e *cdplog.Entry
		switch ev := ev.(type) {
		case *cdplog.EventEntryAdded:
			e = ev.Entry
		case cdplog.EventEntryAdded:
			e = ev.Entry
		}
		// Warnings and errors: a policy violation, a missing file.
		if e != nil && (e.Level == cdplog.EntryLevelError || e.Level == cdplog.EntryLevelWarning) {
			mu.Lock()
			problems = append(problems, string(e.Source)+": "+e.Text+" "+e.URL)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, struct{}{}); err != nil {
		t.Fatal(err)
	}

	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(expr string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return v
	}
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if len(png) < 10_000 {
			t.Errorf("screenshot %s: %d bytes, the page looks empty", name, len(png))
		}
		if !*updateScreenshots {
			return
		}
		path := filepath.Join("..", "..", "docs", "screenshots", name+".png")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// The overview, styled: the sheet passed the policy.
	do("overview", chromedp.Navigate(srv.URL+"/?days=3650"), chromedp.WaitVisible(chromedp.CSS("ul.changes")))
	if bg := eval(`getComputedStyle(document.querySelector("header.top")).backgroundColor`); bg != "rgb(29, 53, 87)" {
		t.Errorf("the style sheet did not apply: header background %q", bg)
	}
	if n := eval(`String(document.querySelectorAll("table.list tbody tr").length)`); n != "4" {
		t.Errorf("overview: %s sources, want 4", n)
	}
	shot("overview")

	// Follow a change to its diff.
	do("follow a change", chromedp.Click(chromedp.CSS(`a[href="/sources/tiktok-terms-of-service/diff?from=2&to=3"]`)),
		chromedp.WaitVisible(chromedp.CSS("div.diff")))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, "/sources/tiktok-terms-of-service/diff?from=2&to=3") {
		t.Errorf("the change led to %s", loc)
	}
	if got := eval(`document.querySelector("div.diff ins").textContent`); !strings.Contains(got, "violates our Community Guidelines") {
		t.Errorf("diff: first insertion %q", got)
	}
	if got := eval(`getComputedStyle(document.querySelector("div.diff del")).textDecorationLine`); got != "line-through" {
		t.Errorf("removed words are not struck through: %q", got)
	}
	shot("diff")

	do("side by side", chromedp.Click(chromedp.CSS(`p.views a[href$="view=side"]`)), chromedp.WaitVisible(chromedp.CSS("table.diff-side-by-side")))
	shot("diff-side-by-side")

	// On paper: no navigation, no forms, the diff and its citation.
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	if got := eval(`getComputedStyle(document.querySelector("header.top")).display + " " + getComputedStyle(document.querySelector(".toolbar")).display + " " + getComputedStyle(document.querySelector(".cite")).display`); got != "none none block" {
		t.Errorf("printed: header, toolbar, citation display %q, want none none block", got)
	}
	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF())
	if err != nil || len(pdf) < 10_000 || !strings.HasPrefix(string(pdf), "%PDF") {
		t.Errorf("printing the diff: %d bytes, %v", len(pdf), err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""}); err != nil {
		t.Fatal(err)
	}

	// Search a phrase from the box of the header.
	do("search", chromedp.SendKeys(chromedp.CSS(`header input[name=q]`), "personal data"),
		chromedp.Submit(chromedp.CSS(`header form.quick`)), chromedp.WaitVisible(chromedp.CSS("ol.hits mark")))
	if got := eval(`document.querySelector("ol.hits mark").textContent.toLowerCase()`); got != "personal data" {
		t.Errorf("search: highlighted %q", got)
	}
	if n := eval(`String(document.querySelectorAll("ol.hits mark").length)`); n < "2" {
		t.Errorf("search: %s highlighted matches", n)
	}
	shot("search")

	// Regulator items, filtered by topic with the form.
	do("items", chromedp.Navigate(srv.URL+"/items?all=1"), chromedp.WaitVisible(chromedp.CSS("form.filters")),
		chromedp.SetValue(chromedp.CSS(`form.filters select[name=topic]`), "privacy"),
		chromedp.Submit(chromedp.CSS(`form.filters`)), chromedp.WaitReady(chromedp.CSS(`select[name=topic] option[value=privacy][selected]`)))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.Contains(loc, "topic=privacy") {
		t.Errorf("the filter led to %s", loc)
	}
	if got := eval(`[...document.querySelectorAll("ul.items .evidence strong")].map(e => e.textContent).filter(t => t === "privacy").length + "/" + document.querySelectorAll("ul.items > li").length`); !strings.HasSuffix(got, "/"+strings.SplitN(got, "/", 2)[0]) || strings.HasPrefix(got, "0/") {
		t.Errorf("items about privacy / items listed: %s", got)
	}
	shot("items")

	// A document's timeline with its activity chart.
	do("document", chromedp.Navigate(srv.URL+"/sources/tiktok-privacy-policy"), chromedp.WaitVisible(chromedp.CSS("figure.chart svg")))
	if n := eval(`String(document.querySelectorAll("figure.chart rect.bar-major").length)`); n == "0" {
		t.Error("the chart shows no major change")
	}
	shot("document")

	// A version, cited.
	do("version", chromedp.Click(chromedp.CSS(`a.vlink[href$="/versions/70"]`)), chromedp.WaitVisible(chromedp.CSS(".cite")))
	if got := eval(`document.querySelector(".cite p").textContent`); !strings.HasPrefix(got, "Cite as: TikTok Privacy Policy, version 70, first seen") {
		t.Errorf("citation %q", got)
	}
	shot("version")

	// On a phone: nothing wider than the screen but the side-by-side table,
	// which scrolls in its own box.
	do("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(srv.URL+"/sources/tiktok-terms-of-service/diff?from=8&to=9"), chromedp.WaitVisible(chromedp.CSS("div.diff")))
	if w := eval(`String(document.documentElement.scrollWidth)`); w != "390" {
		t.Errorf("on a phone the page is %s px wide, want 390", w)
	}
	shot("phone-diff")

	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Errorf("browser console: %s", p)
	}
}

// TestOverviewLayout shows the overview as a compliance officer's monitor
// (1,400 px) and a phone (420 px) show it, with a source failing with a long
// error and one never checked: no cell overflows its table, names and dates
// do not wrap into columns of words, the status of a source that never
// worked is not in the OK green, the recent changes come before the list
// of sources, and the activity chart's labels keep a readable size.
func TestOverviewLayout(t *testing.T) {
	if testing.Short() {
		t.Skip("the browser test starts Chromium")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tracker.db")
	if err := shared.db.Backup(ctx, path); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cfg, err := config.Parse("sources.yaml", []byte(`
sources:
  - {id: federal-register-ftc, name: Federal Register (Federal Trade Commission), kind: feed, url: 'https://www.federalregister.gov/api/v1/documents.rss'}
  - {id: acme-community-guidelines-for-creators-and-brands, name: 'ACME Community Guidelines for Creators, Brands and Agencies (EEA)', kind: page, url: 'https://acme.example/legal/guidelines', select: main}
  - {id: acme-privacy, name: ACME Privacy Policy, kind: page, url: 'https://acme.example/legal/privacy', select: main}
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range cfg.Sources[1:] {
		if err := db.UpsertSource(ctx, store.SourceInfo{ID: s.ID, Kind: s.Kind, Name: s.Name, URL: s.URL}); err != nil {
			t.Fatal(err)
		}
	}
	long := "selector \"main\" matched nothing on https://acme.example/legal/guidelines?region=eea&lang=en-GB&utm_source=tracker_checks_every_six_hours: the page's layout changed; run tracker check-config --probe acme-community-guidelines-for-creators-and-brands to see where its text is now"
	if err := db.RecordFailure(ctx, store.Failure{SourceID: cfg.Sources[1].ID, At: now.Add(-time.Hour), Kind: tracker.FailOther, Reason: long}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.New(web.Options{DB: db, Config: cfg, Taxonomy: shared.tax, Now: func() time.Time { return now }}))
	defer srv.Close()
	bctx := newBrowser(t, 1400, 1000)
	eval := func(expr string) string {
		t.Helper()
		v, err := chromedp.Run(bctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return v
	}
	// Cells wider than their content box, a table wider than its box, and
	// the most lines the text of the cells sel takes.
	const overflowing = `[...document.querySelectorAll("table.overview td")].filter(td => td.scrollWidth > td.clientWidth + 1).map(td => td.className + ": " + td.textContent.trim().slice(0, 40)).join(" | ")`
	const tableWider = `String(document.querySelector("table.overview").getBoundingClientRect().width > document.querySelector("table.overview").parentElement.clientWidth + 1)`
	lines := func(sel string) int {
		t.Helper()
		// The line boxes of the element's text.
		v := eval(`String(Math.max(...[...document.querySelectorAll("` + sel + `")].map(e => { const r = document.createRange(); r.selectNodeContents(e); return new Set([...r.getClientRects()].map(c => Math.round(c.top))).size })))`)
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("%s: %q", sel, v)
		}
		return n
	}

	for _, width := range []int{1400, 420} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			if err := chromedp.Do(bctx, chromedp.EmulateViewport(int64(width), 1000)); err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(bctx, chromedp.Navigate(srv.URL+"/?days=3650"), chromedp.WaitVisible(chromedp.CSS("table.overview"))); err != nil {
				t.Fatal(err)
			}
			if got := eval(overflowing); got != "" {
				t.Errorf("cells overflowing: %s", got)
			}
			if eval(tableWider) != "false" {
				t.Errorf("the table is wider than the page")
			}
			if w := eval(`String(document.documentElement.scrollWidth)`); w != fmt.Sprint(width) {
				t.Errorf("the page is %s px wide", w)
			}
			if width == 1400 {
				if n := lines("table.overview td.name a"); n > 2 {
					t.Errorf("a source name takes %d lines", n)
				}
				if n := lines("table.overview td.when"); n > 1 {
					t.Errorf("a date takes %d lines", n)
				}
			}
			if got := eval(`document.querySelector("table.overview tbody tr:nth-child(2) td.status").textContent`); !strings.HasPrefix(got, "failing since") || !strings.HasSuffix(got, "to see where its text is now") {
				t.Errorf("the failing status is not shown whole: %q", got)
			}
			green := eval(`getComputedStyle(document.querySelector("td.status-ok")).color`)
			for _, status := range []string{"never checked", "import-only (not fetched)"} {
				c := eval(`getComputedStyle([...document.querySelectorAll("table.overview td.status")].find(td => td.textContent === "` + status + `")).color`)
				if c == green {
					t.Errorf("%q is in the OK green %s", status, c)
				}
			}
			if got := eval(`String(document.querySelector("#recent").compareDocumentPosition(document.querySelector("#sources")) & Node.DOCUMENT_POSITION_FOLLOWING)`); got == "0" {
				t.Error("the list of sources comes before the recent changes")
			}
			// The list of sources, as the screen shows it.
			eval(`document.querySelector("#sources").scrollIntoView(), ""`)
			png, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
			if err != nil || len(png) < 10_000 {
				t.Fatalf("screenshot: %d bytes, %v", len(png), err)
			}
			if *updateScreenshots {
				if err := os.WriteFile(filepath.Join("..", "..", "docs", "screenshots", fmt.Sprintf("overview-sources-%d.png", width)), png, 0o644); err != nil {
					t.Fatal(err)
				}
			}

			// A document's activity chart: its labels keep their size and
			// do not run into each other.
			if err := chromedp.Do(bctx, chromedp.Navigate(srv.URL+"/sources/tiktok-privacy-policy"), chromedp.WaitVisible(chromedp.CSS("figure.chart svg"))); err != nil {
				t.Fatal(err)
			}
			labels := eval(`JSON.stringify([...document.querySelectorAll("figure.chart text")].map(e => { const r = e.getBoundingClientRect(); return [e.textContent, r.left, r.right, r.height] }))`)
			var got [][]any
			if err := json.Unmarshal([]byte(labels), &got); err != nil || len(got) < 3 {
				t.Fatalf("chart labels %s: %v", labels, err)
			}
			prevRight := -1.0
			for _, l := range got[2:] { // the years, after the scale's two
				left, right, h := l[1].(float64), l[2].(float64), l[3].(float64)
				if h < 10 || right-left < 18 {
					t.Errorf("label %v is %.1f px high and %.1f wide: unreadable", l[0], h, right-left)
				}
				if left < prevRight+2 {
					t.Errorf("label %v (%.0f–%.0f px) runs into the one before it (ending at %.0f)", l[0], left, right, prevRight)
				}
				prevRight = right
			}
		})
	}
}
