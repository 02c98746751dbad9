package render

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"tracker/internal/replaytest"
)

// peak samples what the browser holds while a benchmark runs.
type peak struct {
	mu       sync.Mutex
	rss, pss int64
	procs    int
	stop     chan struct{}
	done     chan struct{}
}

func watch(r *Renderer) *peak {
	p := &peak{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			m := r.Memory()
			p.mu.Lock()
			p.rss, p.pss, p.procs = max(p.rss, m.RSS), max(p.pss, m.PSS), max(p.procs, m.Processes)
			p.mu.Unlock()
			select {
			case <-p.stop:
				return
			case <-t.C:
			}
		}
	}()
	return p
}

func (p *peak) report(b *testing.B) {
	close(p.stop)
	<-p.done
	b.ReportMetric(float64(p.rss)/(1<<20), "peak-RSS-MiB")
	b.ReportMetric(float64(p.pss)/(1<<20), "peak-PSS-MiB")
	b.ReportMetric(float64(p.procs), "processes")
}

// BenchmarkRender renders TikTok's privacy policy (about 7,000 words)
// inserted by a script 200 ms after load, in a browser already started:
// the cost of one rendered page.
//
//	go test ./internal/sources/render -run '^$' -bench Render -benchtime 20x
func BenchmarkRender(b *testing.B) {
	needBrowser(b)
	privacy := replaytest.History(b, "Privacy Policy")
	srv := httptest.NewServer(replaytest.Scripted(privacy[len(privacy)-1].Markdown))
	defer srv.Close()
	r := New(Options{DataDir: b.TempDir()})
	defer r.Close()
	req := Request{URL: srv.URL, WaitFor: []string{"[data-testid=policy-card]"}}
	start := time.Now()
	if _, err := r.Render(context.Background(), req); err != nil {
		b.Fatal(err)
	}
	b.Logf("browser start and first page: %s", time.Since(start).Round(time.Millisecond))
	p := watch(r)
	b.ResetTimer()
	for b.Loop() {
		if _, err := r.Render(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	p.report(b)
}
