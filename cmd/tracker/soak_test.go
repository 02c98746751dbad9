package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"tracker/internal/replaytest"
)

// TestSoak tracks 1,000 local sources every minute and reports the daemon's
// resident memory and CPU. It runs only when TRACKER_SOAK is set to a
// duration (the figures in the README: TRACKER_SOAK=10m).
//
//	TRACKER_SOAK=10m go test ./cmd/tracker -run TestSoak -v -timeout 30m
func TestSoak(t *testing.T) {
	d, err := time.ParseDuration(os.Getenv("TRACKER_SOAK"))
	if err != nil {
		t.Skip("set TRACKER_SOAK=10m to run the soak test")
	}
	docs, err := replaytest.Load(replaytest.OTADir())
	if err != nil {
		t.Fatal(err)
	}
	history := append(docs["Terms of Service"], docs["Privacy Policy"]...)
	const hosts, perHost = 20, 50
	var cfg strings.Builder
	cfg.WriteString("settings: {retries: 0, host_delay: 0s, jitter: 50s, concurrency: 8, schedule: '* * * * *'}\nsources:\n")
	for h := range hosts {
		srv := replaytest.NewServer()
		defer srv.Close()
		for i := range perHost {
			n := h*perHost + i
			srv.Handle(fmt.Sprintf("/doc/%d", n), replaytest.Document(history[n%len(history)].Markdown, uint64(n)))
			fmt.Fprintf(&cfg, "  - {id: doc-%04d, kind: page, url: '%s/doc/%d', select: '[data-testid=policy-card]', remove: [.language-selection]}\n", n, srv.URL, n)
		}
	}
	e := newEnv(t, cfg.String())
	p := startDaemon(t, e)
	pid := p.cmd.Process.Pid
	clk := ticksPerSecond()
	start := time.Now()
	var maxRSS, lastRSS int64
	startCPU := cpuTicks(t, pid)
	for time.Since(start) < d {
		time.Sleep(10 * time.Second)
		lastRSS = rssKB(t, pid)
		maxRSS = max(maxRSS, lastRSS)
	}
	cpu := float64(cpuTicks(t, pid)-startCPU) / clk
	elapsed := time.Since(start).Seconds()
	checks := strings.Count(p.log(), `"msg":"checked"`)
	failed := strings.Count(p.log(), `"msg":"check failed"`)
	t.Logf("%d sources every minute for %v: %d checks (%d failed); resident memory %d MiB at the end, %d MiB at most; CPU %.1f s = %.1f %% of one core",
		hosts*perHost, d, checks, failed, lastRSS/1024, maxRSS/1024, cpu, 100*cpu/elapsed)
	if failed > 0 {
		t.Errorf("%d checks failed", failed)
	}
}

func rssKB(t *testing.T, pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			n, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return n
		}
	}
	return 0
}

// cpuTicks is the process's user and system time, in clock ticks.
func cpuTicks(t *testing.T, pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b)[strings.LastIndexByte(string(b), ')')+2:])
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return u + s
}

func ticksPerSecond() float64 { return 100 } // USER_HZ on Linux
