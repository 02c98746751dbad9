//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"tracker/bench/loadgen"
)

type soakResult struct {
	Sources      int      `json:"sources"`
	Duration     string   `json:"duration"`
	Churn        float64  `json:"churn_per_minute"`
	SteadyMedMiB float64  `json:"rss_mib_median_after_first_minute"`
	SteadyMaxMiB float64  `json:"rss_mib_max_after_first_minute"`
	AnonMedMiB   float64  `json:"rss_anon_mib_median_after_first_minute"`
	HWMMiB       float64  `json:"vmhwm_mib"`
	CPUPercent   float64  `json:"cpu_percent_of_one_core"`
	Checks       int      `json:"checks"`
	Failed       int      `json:"failed"`
	Versions     int      `json:"new_versions"`
	Samples      []rssAt  `json:"samples"`
	Errors       []string `json:"errors,omitempty"`
}

type rssAt struct {
	Seconds float64 `json:"s"`
	RSSKB   int64   `json:"rss_kb"`
	AnonKB  int64   `json:"anon_kb"`
}

// runSoak runs `tracker run` over the generated sources, each checked every
// minute, on a database that already holds them (one `tracker check`
// first, not measured), and samples its resident memory every 5 s. Every
// minute a fraction of the sources changes, so the daemon records versions
// as it goes, as it would for real.
func (b *bench) runSoak(ctx context.Context) (*soakResult, error) {
	set, err := loadgen.Start(loadgen.Options{Sources: b.sources, Hosts: b.hosts, Size: b.size, Cache: true})
	if err != nil {
		return nil, err
	}
	defer set.Close()
	dir := filepath.Join(b.work, "soak")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var cfg bytes.Buffer
	if err := set.TrackerConfig(&cfg, b.concurrency, "* * * * *", 15*time.Second); err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "sources.yaml")
	if err := os.WriteFile(conf, cfg.Bytes(), 0o644); err != nil {
		return nil, err
	}
	db := filepath.Join(dir, "tracker.db")
	b.logf("soak: %d sources every minute for %s; first, one `tracker check` to fill the database", set.Len(), b.soak)
	prewarm(set, 0)
	if _, _, err := measure(ctx, dir, nil, b.errlog, nil, b.tracker, "check", "--config", conf, "--db", db); err != nil {
		return nil, err
	}

	cmd := exec.CommandContext(ctx, b.tracker, "run", "--log-format", "json", "--config", conf, "--db", db)
	cmd.Dir = dir
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	res := &soakResult{Sources: set.Len(), Duration: b.soak.String(), Churn: b.soakChurn}
	var mu sync.Mutex
	logDone := make(chan struct{})
	go func() {
		defer close(logDone)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var l struct {
				Msg     string `json:"msg"`
				Outcome string `json:"outcome"`
				Err     string `json:"err"`
			}
			if json.Unmarshal(sc.Bytes(), &l) != nil {
				continue
			}
			mu.Lock()
			switch l.Msg {
			case "checked":
				res.Checks++
				if l.Outcome == "new" {
					res.Versions++
				}
			case "check failed":
				res.Checks++
				res.Failed++
				if len(res.Errors) < 5 {
					res.Errors = append(res.Errors, l.Err)
				}
			}
			mu.Unlock()
		}
	}()

	pid := cmd.Process.Pid
	start := time.Now()
	cpu0, _ := cpuTime(pid)
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	minute := time.NewTicker(time.Minute)
	defer minute.Stop()
	var hwm int64
	changes := 0
loop:
	for time.Since(start) < b.soak {
		select {
		case <-ctx.Done():
			break loop
		case <-minute.C:
			changes++
			set.Change(b.soakChurn, changes)
		case <-tick.C:
			st, err := procStatus(pid)
			if err != nil {
				cmd.Process.Kill()
				cmd.Wait()
				return nil, fmt.Errorf("the daemon stopped: %w (its log is in %s)", err, b.errlog.Name())
			}
			res.Samples = append(res.Samples, rssAt{Seconds: time.Since(start).Seconds(), RSSKB: st["VmRSS"], AnonKB: st["RssAnon"]})
			hwm = st["VmHWM"]
		}
	}
	cpu1, _ := cpuTime(pid)
	elapsed := time.Since(start)
	cmd.Process.Signal(syscall.SIGTERM)
	<-logDone
	if err := cmd.Wait(); err != nil && ctx.Err() == nil {
		return nil, fmt.Errorf("tracker run: %w", err)
	}
	var steady, anon []int64
	for _, s := range res.Samples {
		if s.Seconds >= 60 {
			steady, anon = append(steady, s.RSSKB), append(anon, s.AnonKB)
		}
	}
	for _, s := range steady {
		res.SteadyMaxMiB = max(res.SteadyMaxMiB, float64(s)/1024)
	}
	res.SteadyMedMiB, res.AnonMedMiB = float64(median(steady))/1024, float64(median(anon))/1024
	res.HWMMiB = float64(hwm) / 1024
	res.CPUPercent = 100 * (cpu1 - cpu0).Seconds() / elapsed.Seconds()
	if res.Failed > 0 {
		return res, fmt.Errorf("%d checks failed: %v", res.Failed, res.Errors)
	}
	return res, nil
}
