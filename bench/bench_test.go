// Package bench_test holds in-process benchmarks of tracker's check passes,
// its daemon and its search, written to be profiled: the pass itself, and
// nothing of its setup, lands in the profiles.
//
//	TRACKER_BENCH_PROFILE=/tmp/prof go test ./bench -run '^$' -bench 'Pass/first' -benchtime 1x
//
// writes first.cpu.pprof (the pass), first.heap-start.pprof,
// first.heap-peak.pprof (when the Go heap was largest) and
// first.heap-end.pprof. bench/profile.sh runs the lot and prints the top of
// each. The whole-process figures beside urlwatch come from
// bench/cmd/trackerbench, which measures the tracker binary itself.
package bench_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"tracker"
	"tracker/bench/loadgen"
	"tracker/internal/config"
	"tracker/internal/daemon"
	"tracker/internal/sources"
	"tracker/internal/store"
)

func init() {
	if os.Getenv("TRACKER_BENCH_PROFILE") != "" {
		// Finer than the default 512 KiB, from the start as the runtime
		// asks: a version's allocations are what the heap profiles are for.
		runtime.MemProfileRate = 64 << 10
	}
}

// env is the generated load shared by the benchmarks of one test binary.
type env struct {
	set      *loadgen.Set
	cfg      *config.Config
	dir      string
	baseline string // a database after one first pass (with ETags)
	once     sync.Once
	err      error
}

var shared struct {
	once sync.Once
	env  *env
	err  error
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// load starts the generated sources: TRACKER_BENCH_SOURCES of them (1,000)
// of 100 KB on 100 loopback hosts, pages generated on each request so that
// they stay out of the heap profiles.
func load(b *testing.B) *env {
	b.Helper()
	shared.once.Do(func() {
		n := envInt("TRACKER_BENCH_SOURCES", 1000)
		set, err := loadgen.Start(loadgen.Options{Sources: n, Hosts: min(100, n), Size: 100_000})
		if err != nil {
			shared.err = err
			return
		}
		dir, err := os.MkdirTemp("", "trackerbench-")
		if err != nil {
			shared.err = err
			return
		}
		var c bytes.Buffer
		set.TrackerConfig(&c, envInt("TRACKER_BENCH_CONCURRENCY", 4), "* * * * *", 15*time.Second)
		path := filepath.Join(dir, "sources.yaml")
		if err := os.WriteFile(path, c.Bytes(), 0o644); err != nil {
			shared.err = err
			return
		}
		cfg, err := config.Load(path)
		if err != nil {
			shared.err = err
			return
		}
		shared.env = &env{set: set, cfg: cfg, dir: dir}
	})
	if shared.err != nil {
		b.Fatal(shared.err)
	}
	return shared.env
}

// pass checks every source once into the database at path.
func (e *env) pass(ctx context.Context, path string) (map[string]int, error) {
	db, err := store.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	tax, err := e.cfg.TopicsConfig().Compile()
	if err != nil {
		return nil, err
	}
	c := sources.NewChecker(e.cfg, tax, db, slog.New(slog.DiscardHandler))
	defer c.Close()
	rs, err := c.CheckAll(ctx, nil, nil)
	out := map[string]int{}
	for _, r := range rs {
		out[string(r.Outcome)]++
		if r.Err != nil && out["first-error"] == 0 {
			out["first-error"]++
			err = fmt.Errorf("%s: %w", r.SourceID, r.Err)
		}
	}
	return out, err
}

// baselineDB is a database after a first pass over every source, served
// with ETags, made once.
func (e *env) baselineDB(b *testing.B) string {
	e.once.Do(func() {
		e.set.Reset()
		e.set.SetETag(true)
		e.baseline = filepath.Join(e.dir, "baseline", "tracker.db")
		os.MkdirAll(filepath.Dir(e.baseline), 0o755)
		_, e.err = e.pass(context.Background(), e.baseline)
	})
	if e.err != nil {
		b.Fatal(e.err)
	}
	return e.baseline
}

// BenchmarkPass is one pass of tracker's checker over the generated
// sources: the first (every source new), unchanged (200 without ETag),
// not-modified (every answer 304) and changed-10 (10 % of the sources
// changed, 200 without ETag). Run with -benchtime 1x or a few x.
func BenchmarkPass(b *testing.B) {
	cases := []struct {
		name   string
		etag   bool
		fresh  bool
		change float64
		want   string
	}{
		{"first", true, true, 0, string(tracker.OutcomeNew)},
		{"unchanged", false, false, 0, string(tracker.OutcomeUnchanged)},
		{"not-modified", true, false, 0, string(tracker.OutcomeNotModified)},
		{"changed-10", false, false, 0.1, string(tracker.OutcomeUnchanged)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			e := load(b)
			var base string
			if !c.fresh {
				base = e.baselineDB(b)
			}
			run := 0
			for b.Loop() {
				b.StopTimer()
				run++
				path := filepath.Join(e.dir, fmt.Sprintf("%s-%d", c.name, run), "tracker.db")
				if base != "" {
					if err := copyDB(base, path); err != nil {
						b.Fatal(err)
					}
				} else {
					os.MkdirAll(filepath.Dir(path), 0o755)
				}
				e.set.Reset()
				e.set.SetETag(c.etag)
				changed := e.set.Change(c.change, 0)
				prof := startProfile(b, c.name, run == 1)
				b.StartTimer()
				got, err := e.pass(context.Background(), path)
				b.StopTimer()
				prof.stop(b)
				if err != nil {
					b.Fatal(err)
				}
				if got[c.want] != e.set.Len()-changed || got[string(tracker.OutcomeNew)] != changed && c.want != string(tracker.OutcomeNew) {
					b.Fatalf("outcomes %v, want %d %s and %d new", got, e.set.Len()-changed, c.want, changed)
				}
				os.RemoveAll(filepath.Dir(path))
				b.ReportMetric(prof.peakHeap/(1<<20), "MiB-heap-peak")
				b.ReportMetric(prof.peakOutside/(1<<20), "MiB-outside-Go-peak")
				b.StartTimer()
			}
		})
	}
}

// BenchmarkDaemon runs the daemon in process over the generated sources,
// each checked every minute, for TRACKER_BENCH_SOAK (e.g. 5m), on a
// database that already holds them; 1 % of the sources change every
// minute. It reports the resident memory of the process at the end, which
// includes the servers' (small: they keep no page).
func BenchmarkDaemon(b *testing.B) {
	d, err := time.ParseDuration(os.Getenv("TRACKER_BENCH_SOAK"))
	if err != nil {
		b.Skip("set TRACKER_BENCH_SOAK=5m to run the daemon")
	}
	e := load(b)
	base := e.baselineDB(b)
	for b.Loop() {
		b.StopTimer()
		path := filepath.Join(e.dir, "daemon", "tracker.db")
		if err := copyDB(base, path); err != nil {
			b.Fatal(err)
		}
		e.set.Reset()
		e.set.SetETag(false)
		ctx, cancel := context.WithTimeout(context.Background(), d)
		db, err := store.Open(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		dm, err := daemon.New(daemon.Options{ConfigPath: e.cfg.Path, DB: db, Log: slog.New(slog.DiscardHandler)}, e.cfg)
		if err != nil {
			b.Fatal(err)
		}
		go func() {
			t := time.NewTicker(time.Minute)
			defer t.Stop()
			for n := 1; ; n++ {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					e.set.Change(0.01, n)
				}
			}
		}()
		prof := startProfile(b, "daemon", true)
		b.StartTimer()
		err = dm.Run(ctx)
		b.StopTimer()
		prof.stop(b)
		cancel()
		db.Close()
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			b.Fatal(err)
		}
		b.ReportMetric(prof.peakHeap/(1<<20), "MiB-heap-peak")
		b.ReportMetric(prof.peakOutside/(1<<20), "MiB-outside-Go-peak")
		b.ReportMetric(float64(rssKB("VmRSS"))/1024, "MiB-RSS-end")
		b.StartTimer()
	}
}

func copyDB(from, to string) error {
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	for _, suffix := range []string{"", "-wal"} {
		data, err := os.ReadFile(from + suffix)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(to+suffix, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// profile samples the memory of the process while a benchmark runs and,
// when TRACKER_BENCH_PROFILE names a directory, writes its CPU profile and
// heap profiles at the start, at the peak of the Go heap and at the end.
type profile struct {
	name, dir   string
	cpu         *os.File
	done        chan struct{}
	wg          sync.WaitGroup
	peakHeap    float64
	peakOutside float64
	peakProf    []byte
	peakAt      float64 // the heap when peakProf was taken
}

func startProfile(b *testing.B, name string, write bool) *profile {
	p := &profile{name: name, done: make(chan struct{})}
	if write {
		p.dir = os.Getenv("TRACKER_BENCH_PROFILE")
	}
	runtime.GC()
	if p.dir != "" {
		if err := os.MkdirAll(p.dir, 0o755); err != nil {
			b.Fatal(err)
		}
		p.writeHeap(b, "heap-start", nil)
		f, err := os.Create(filepath.Join(p.dir, name+".cpu.pprof"))
		if err != nil {
			b.Fatal(err)
		}
		p.cpu = f
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
	}
	p.wg.Add(1)
	go p.sample()
	return p
}

func (p *profile) sample() {
	defer p.wg.Done()
	ms := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for n := 0; ; n++ {
		select {
		case <-p.done:
			return
		case <-t.C:
		}
		metrics.Read(ms)
		heap := float64(ms[0].Value.Uint64())
		if n%10 == 0 { // reading /proc allocates: not too often
			goMapped := float64(ms[1].Value.Uint64() - ms[2].Value.Uint64())
			p.peakOutside = max(p.peakOutside, float64(rssKB("RssAnon"))*1024-goMapped)
		}
		if heap > p.peakHeap {
			p.peakHeap = heap
			if p.dir != "" && heap > 1.05*p.peakAt {
				var buf bytes.Buffer
				pprof.Lookup("heap").WriteTo(&buf, 0)
				p.peakProf = buf.Bytes()
				p.peakAt = heap
			}
		}
	}
}

func (p *profile) stop(b *testing.B) {
	close(p.done)
	p.wg.Wait()
	if p.dir == "" {
		return
	}
	pprof.StopCPUProfile()
	p.cpu.Close()
	p.writeHeap(b, "heap-peak", p.peakProf)
	p.writeHeap(b, "heap-end", nil)
	b.Logf("profiles of %s in %s", p.name, p.dir)
}

func (p *profile) writeHeap(b *testing.B, what string, data []byte) {
	if data == nil {
		var buf bytes.Buffer
		if err := pprof.Lookup("heap").WriteTo(&buf, 0); err != nil {
			b.Fatal(err)
		}
		data = buf.Bytes()
	}
	if err := os.WriteFile(filepath.Join(p.dir, p.name+"."+what+".pprof"), data, 0o644); err != nil {
		b.Fatal(err)
	}
}

// rssKB reads a field of /proc/self/status (0 where there is none).
func rssKB(field string) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return n
		}
	}
	return 0
}

// BenchmarkSearch searches the phrases of issue 20 in the database named by
// TRACKER_BENCH_SEARCH_DB: the 10,000 versions that `trackerbench search`
// imports (WORK/search/tracker.db; keep it with -work). "cold" opens the
// database for each search, as `tracker search` does; "warm" searches an
// open one again.
//
//	TRACKER_BENCH_SEARCH_DB=/tmp/tb/search/tracker.db TRACKER_BENCH_PROFILE=/tmp/prof \
//	    go test ./bench -run '^$' -bench Search -benchtime 20x
func BenchmarkSearch(b *testing.B) {
	path := os.Getenv("TRACKER_BENCH_SEARCH_DB")
	if path == "" {
		b.Skip("set TRACKER_BENCH_SEARCH_DB to a database of 10,000 versions (see trackerbench search)")
	}
	ctx := context.Background()
	for _, q := range []string{"personal data", "refund"} {
		name := strings.ReplaceAll(q, " ", "-")
		b.Run(name+"/cold", func(b *testing.B) {
			prof := startProfile(b, "search-"+name+"-cold", true)
			for b.Loop() {
				db, err := store.Open(ctx, path)
				if err != nil {
					b.Fatal(err)
				}
				hits, err := db.Search(ctx, store.SearchQuery{Text: q})
				db.Close()
				if err != nil || len(hits) == 0 {
					b.Fatal(err, len(hits))
				}
			}
			prof.stop(b)
		})
		b.Run(name+"/warm", func(b *testing.B) {
			db, err := store.Open(ctx, path)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Search(ctx, store.SearchQuery{Text: q}); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if hits, err := db.Search(ctx, store.SearchQuery{Text: q}); err != nil || len(hits) == 0 {
					b.Fatal(err, len(hits))
				}
			}
		})
	}
}
