//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// sample is what one run of a process cost.
type sample struct {
	Wall   time.Duration `json:"wall_ns"`
	CPU    time.Duration `json:"cpu_ns"`     // user + system
	MaxRSS int64         `json:"max_rss_kb"` // the peak resident set (VmHWM at exit)
}

// gnuTime is GNU time, which measures the peak resident set of what it
// runs. wait4's own figure is no good here: Go starts a child with
// vfork, and Linux counts the parent's memory, shared until the exec, in
// the child's peak, so every child would weigh at least what this program
// does (its servers hold 200 MB of pages).
const gnuTime = "/usr/bin/time"

// measure runs name with args in dir and returns its cost, with its
// standard output; stderr goes to errw. A non-zero exit is an error
// unless it is in okExits. The peak RSS comes from GNU time when it is
// installed, and otherwise from VmHWM in /proc, read every 2 ms while the
// process lives.
func measure(ctx context.Context, dir string, env []string, errw io.Writer, okExits []int, name string, args ...string) (sample, []byte, error) {
	var rssFile string
	argv := append([]string{name}, args...)
	if _, err := os.Stat(gnuTime); err == nil {
		f, err := os.CreateTemp("", "trackerbench-rss-")
		if err != nil {
			return sample{}, nil, err
		}
		f.Close()
		rssFile = f.Name()
		defer os.Remove(rssFile)
		argv = append([]string{gnuTime, "-f", "%M", "-o", rssFile, "--"}, argv...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = errw
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return sample{}, nil, fmt.Errorf("%s: %w", name, err)
	}
	var hwm int64
	stop := make(chan struct{})
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		if rssFile != "" {
			return
		}
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			if st, err := procStatus(cmd.Process.Pid); err == nil && st["VmHWM"] > 0 {
				hwm = st["VmHWM"]
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	err := cmd.Wait()
	wall := time.Since(start)
	close(stop)
	<-polled
	if cmd.ProcessState == nil {
		return sample{}, nil, fmt.Errorf("%s: %w", name, err)
	}
	s := sample{Wall: wall, CPU: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), MaxRSS: hwm}
	if rssFile != "" {
		b, rerr := os.ReadFile(rssFile)
		lines := strings.Fields(string(b))
		if rerr != nil || len(lines) == 0 {
			return s, out.Bytes(), fmt.Errorf("%s: no peak RSS from %s: %v", name, gnuTime, rerr)
		}
		s.MaxRSS, _ = strconv.ParseInt(lines[len(lines)-1], 10, 64)
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 && !slices.Contains(okExits, code) {
		return s, out.Bytes(), fmt.Errorf("%s %s: exit %d: %v", filepath.Base(name), strings.Join(args, " "), code, err)
	}
	return s, out.Bytes(), nil
}

// procStatus reads fields of /proc/PID/status, in kB.
func procStatus(pid int) (map[string]int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 2 && f[1] == "kB" {
			n, _ := strconv.ParseInt(f[0], 10, 64)
			out[k] = n
		}
	}
	return out, nil
}

// cpuTime is the user and system time a live process has used.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b)[bytes.LastIndexByte(b, ')')+2:])
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * time.Second / 100, nil // USER_HZ
}

func median[T int64 | time.Duration | float64](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// stat sums up the samples of one tool in one case.
type stat struct {
	Runs      int     `json:"runs"`
	WallMed   float64 `json:"wall_s_median"`
	WallMin   float64 `json:"wall_s_min"`
	WallMax   float64 `json:"wall_s_max"`
	CPUMed    float64 `json:"cpu_s_median"`
	RSSMedMiB float64 `json:"peak_rss_mib_median"`
	RSSMaxMiB float64 `json:"peak_rss_mib_max"`
}

func summarise(ss []sample) stat {
	var wall, cpu []time.Duration
	var rss []int64
	for _, s := range ss {
		wall, cpu, rss = append(wall, s.Wall), append(cpu, s.CPU), append(rss, s.MaxRSS)
	}
	if len(ss) == 0 {
		return stat{}
	}
	return stat{Runs: len(ss), WallMed: median(wall).Seconds(), WallMin: slices.Min(wall).Seconds(), WallMax: slices.Max(wall).Seconds(),
		CPUMed: median(cpu).Seconds(), RSSMedMiB: float64(median(rss)) / 1024, RSSMaxMiB: float64(slices.Max(rss)) / 1024}
}

// ratios are the medians of the ratios tracker/other of paired runs: each
// pair ran one after the other, under the same load of the machine.
type ratios struct {
	Wall float64 `json:"wall"`
	CPU  float64 `json:"cpu"`
	RSS  float64 `json:"peak_rss"`
}

func pairRatios(a, b []sample) ratios {
	var w, c, r []float64
	for i := range min(len(a), len(b)) {
		w = append(w, a[i].Wall.Seconds()/b[i].Wall.Seconds())
		c = append(c, a[i].CPU.Seconds()/max(b[i].CPU.Seconds(), 1e-3))
		r = append(r, float64(a[i].MaxRSS)/float64(max(b[i].MaxRSS, 1)))
	}
	return ratios{Wall: median(w), CPU: median(c), RSS: median(r)}
}

// copyFiles copies the named files that exist from one directory into
// another, which it creates.
func copyFiles(from, to string, names ...string) error {
	if err := os.MkdirAll(to, 0o755); err != nil {
		return err
	}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(from, n))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(to, n), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
