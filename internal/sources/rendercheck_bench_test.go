package sources

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"tracker/internal/replaytest"
	"tracker/internal/sources/render"
)

// BenchmarkRenderedPass checks 20 rendered sources (versions of TikTok's
// privacy policy, each inserted by a script) spread over 5 local hosts,
// with the default settings but no polite pause: one pass of a watch list
// of rendered pages, browser already started. It reports the peak memory
// of the browser's processes during the passes.
//
//	go test ./internal/sources -run '^$' -bench RenderedPass -benchtime 3x
func BenchmarkRenderedPass(b *testing.B) {
	needBrowser(b)
	privacy := replaytest.History(b, "Privacy Policy")
	var yaml strings.Builder
	yaml.WriteString("settings: {retries: 0, host_delay: 0s}\nsources:\n")
	for h := range 5 {
		srv := replaytest.NewServer()
		defer srv.Close()
		for i := range 4 {
			n := h*4 + i
			srv.Handle(fmt.Sprintf("/p%d", n), replaytest.Scripted(privacy[len(privacy)-1-n].Markdown))
			fmt.Fprintf(&yaml, "  - {id: p%d, kind: page, url: '%s/p%d', select: '[data-testid=policy-card]', render: browser}\n", n, srv.URL, n)
		}
	}
	c := newChecker(b, mustConfig(b, yaml.String()))
	defer c.Close()
	r := c.Renderer.(*render.Renderer)
	pass := func() {
		rs, err := c.CheckAll(context.Background(), nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		for _, res := range rs {
			if res.Outcome == Failed {
				b.Fatalf("%s: %v", res.SourceID, res.Err)
			}
		}
	}
	start := time.Now()
	pass()
	b.Logf("first pass, browser start included: %s", time.Since(start).Round(time.Millisecond))

	var mu sync.Mutex
	var rss, pss int64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			m := r.Memory()
			mu.Lock()
			rss, pss = max(rss, m.RSS), max(pss, m.PSS)
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	b.ResetTimer()
	for b.Loop() {
		pass()
	}
	b.StopTimer()
	close(stop)
	<-done
	b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MiB")
	b.ReportMetric(float64(pss)/(1<<20), "peak-PSS-MiB")
}
