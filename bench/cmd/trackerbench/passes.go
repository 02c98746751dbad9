//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"tracker/bench/loadgen"
)

// passCase is one kind of pass over the generated sources.
type passCase struct {
	Name string `json:"name"`
	What string `json:"what"`
	// etag: the servers send ETags and answer 304 to them.
	etag bool
	// fromBaseline: the pass starts from the state after a first pass
	// (which ran with ETags); otherwise from nothing.
	fromBaseline bool
	// change is the fraction of sources whose text changed since the
	// baseline.
	change float64
}

var passCases = []passCase{
	{Name: "first", What: "first pass: every source new", etag: true},
	{Name: "unchanged", What: "unchanged, 200 without ETag", fromBaseline: true},
	{Name: "not-modified", What: "unchanged, all 304", etag: true, fromBaseline: true},
	{Name: "changed-10", What: "10 % changed (200 without ETag)", fromBaseline: true, change: 0.1},
}

// passResult is one case, for every tool.
type passResult struct {
	Case    passCase            `json:"case"`
	Samples map[string][]sample `json:"samples"`
	Stats   map[string]stat     `json:"stats"`
	Counts  map[string]counts   `json:"counts"`
	Ratios  *ratios             `json:"ratios_tracker_over_urlwatch,omitempty"`
	// Before is the build of -before over urlwatch, and over tracker.
	Before        *ratios                `json:"ratios_before_over_urlwatch,omitempty"`
	TrackerBefore *ratios                `json:"ratios_tracker_over_before,omitempty"`
	Extra         map[string]interface{} `json:"extra,omitempty"`
}

// runPasses measures every pass case on the generated sources, tracker and
// urlwatch in turn (A B A B...), each run from a copy of the same state.
func (b *bench) runPasses(ctx context.Context) ([]passResult, error) {
	set, err := loadgen.Start(loadgen.Options{Sources: b.sources, Hosts: b.hosts, Size: b.size, Cache: true})
	if err != nil {
		return nil, err
	}
	defer set.Close()
	b.logf("passes: %d sources of %d bytes on %d loopback hosts, parallelism %d, %d paired runs each", set.Len(), b.size, set.Hosts(), b.concurrency, b.runs)
	prewarm(set, 0, 1)

	dir := filepath.Join(b.work, "passes")
	conf := filepath.Join(dir, "conf")
	if err := os.MkdirAll(conf, 0o755); err != nil {
		return nil, err
	}
	tools, err := b.passTools(set, conf)
	if err != nil {
		return nil, err
	}

	baseline := map[string]string{}
	var results []passResult
	for _, pc := range passCases {
		set.Reset()
		set.SetETag(pc.etag)
		if n := set.Change(pc.change, 0); n > 0 {
			b.logf("  %d sources changed", n)
		}
		res := passResult{Case: pc, Samples: map[string][]sample{}, Stats: map[string]stat{}, Counts: map[string]counts{}}
		runs := b.runs
		if b.passes != nil && !b.passes[pc.Name] {
			if pc.Name != "first" {
				continue
			}
			runs = 1 // the state the other passes start from
		}
		for r := range runs {
			for _, t := range tools {
				run := filepath.Join(dir, pc.Name, fmt.Sprintf("%s-%d", t.name(), r))
				os.RemoveAll(run)
				if pc.fromBaseline {
					if err := copyFiles(baseline[t.name()], run, t.stateFiles()...); err != nil {
						return nil, err
					}
				} else if err := os.MkdirAll(run, 0o755); err != nil {
					return nil, err
				}
				req0, nm0 := set.Counts()
				s, c, err := t.pass(ctx, run)
				req1, nm1 := set.Counts()
				if err != nil {
					return nil, fmt.Errorf("%s, %s run %d: %w", pc.Name, t.name(), r+1, err)
				}
				if err := expect(pc, set.Len(), c); err != nil {
					return nil, fmt.Errorf("%s, %s run %d: %w", pc.Name, t.name(), r+1, err)
				}
				b.logf("  %-13s %-8s run %d: %6.2f s, CPU %6.2f s, peak RSS %4d MiB (%s; %d requests, %d answered 304)",
					pc.Name, t.name(), r+1, s.Wall.Seconds(), s.CPU.Seconds(), s.MaxRSS/1024, c, req1-req0, nm1-nm0)
				res.Samples[t.name()] = append(res.Samples[t.name()], s)
				res.Counts[t.name()] = c
				if pc.Name == "first" && r == 0 {
					baseline[t.name()] = run
				} else {
					os.RemoveAll(run)
				}
			}
		}
		for name, ss := range res.Samples {
			res.Stats[name] = summarise(ss)
		}
		if u := res.Samples["urlwatch"]; len(u) > 0 {
			rt := pairRatios(res.Samples["tracker"], u)
			res.Ratios = &rt
			if bs := res.Samples["before"]; len(bs) > 0 {
				rb := pairRatios(bs, u)
				res.Before = &rb
			}
		}
		if bs := res.Samples["before"]; len(bs) > 0 {
			tb := pairRatios(res.Samples["tracker"], bs)
			res.TrackerBefore = &tb
		}
		if b.passes != nil && !b.passes[pc.Name] {
			continue
		}
		results = append(results, res)
	}
	if d := baseline["tracker"]; d != "" && len(results) > 0 && results[0].Case.Name == "first" {
		st, err := b.trackerStats(ctx, filepath.Join(d, "tracker.db"))
		if err != nil {
			return nil, err
		}
		results[0].Extra = map[string]interface{}{"tracker_stats_after_first_pass": st}
	}
	if d := baseline["urlwatch"]; d != "" && len(results) > 0 && results[0].Case.Name == "first" {
		if fi, err := os.Stat(filepath.Join(d, "cache.db")); err == nil {
			if results[0].Extra == nil {
				results[0].Extra = map[string]interface{}{}
			}
			results[0].Extra["urlwatch_cache_bytes"] = fi.Size()
		}
	}
	return results, nil
}

// expect checks that a pass did the work the case is about: a benchmark of
// a pass that failed or saw no change measures nothing.
func expect(pc passCase, n int, c counts) error {
	want := counts{Unchanged: n}
	switch {
	case !pc.fromBaseline:
		want = counts{New: n}
	case pc.change > 0:
		ch := int(float64(n)*pc.change + 0.5)
		want = counts{Changed: ch, Unchanged: n - ch}
	}
	got := c
	if c.Unchanged == 0 && want.Unchanged > 0 { // urlwatch does not list unchanged jobs
		got.Unchanged = n - c.New - c.Changed - c.Failed
	}
	if got != want {
		return fmt.Errorf("the pass reported %s; want %s", c, want)
	}
	return nil
}

func (b *bench) passTools(set *loadgen.Set, conf string) ([]tool, error) {
	var cfg bytes.Buffer
	if err := set.TrackerConfig(&cfg, b.concurrency, "", 0); err != nil {
		return nil, err
	}
	trackerConf := filepath.Join(conf, "sources.yaml")
	if err := os.WriteFile(trackerConf, cfg.Bytes(), 0o644); err != nil {
		return nil, err
	}
	tools := []tool{&trackerTool{bin: b.tracker, config: trackerConf, log: b.errlog}}
	if b.before != "" {
		tools = append([]tool{&trackerTool{label: "before", bin: b.before, config: trackerConf, log: b.errlog}}, tools...)
	}
	if b.urlwatch == "" {
		return tools, nil
	}
	var jobs bytes.Buffer
	if err := set.UrlwatchJobs(&jobs); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(conf, "urls.yaml"), jobs.Bytes(), 0o644); err != nil {
		return nil, err
	}
	if err := writeUrlwatchConf(conf, b.concurrency); err != nil {
		return nil, err
	}
	return append(tools, &urlwatchTool{bin: b.urlwatch, conf: conf, log: b.errlog}), nil
}

// prewarm renders the pages of the given generations, so that serving
// them during the runs costs a copy.
func prewarm(set *loadgen.Set, gens ...int) {
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < set.Len(); i += 2 {
				for _, g := range gens {
					set.Page(i, g)
				}
			}
		}()
	}
	wg.Wait()
}

// trackerStats is `tracker stats --json` of a database.
func (b *bench) trackerStats(ctx context.Context, db string) (map[string]interface{}, error) {
	_, out, err := measure(ctx, filepath.Dir(db), nil, b.errlog, nil, b.tracker, "stats", "--json", "--db", db)
	if err != nil {
		return nil, err
	}
	var st map[string]interface{}
	if err := json.Unmarshal(out, &st); err != nil {
		return nil, fmt.Errorf("tracker stats: %w", err)
	}
	return st, nil
}
