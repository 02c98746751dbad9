//go:build linux

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"tracker/internal/replaytest"
)

type startupResult struct {
	Commands []startupCommand `json:"commands"`
	// Inits are the package initialisers of `tracker help` that take the
	// most time (GODEBUG=inittrace=1), medians over the runs.
	Inits     []initCost `json:"inits"`
	InitMS    float64    `json:"init_ms_median"`
	InitBytes float64    `json:"init_bytes_median"`
	InitPkgs  int        `json:"init_packages"`
}

type initCost struct {
	Package string  `json:"package"`
	MS      float64 `json:"ms_median"`
	Bytes   float64 `json:"bytes_median"`
}

type startupCommand struct {
	Command string `json:"command"`
	Stat    stat   `json:"stat"`
}

// runStartup measures what starting tracker costs: `tracker help`, which
// does nothing, `tracker sources`, which opens the database, and a one-shot
// `tracker diff` of the last two versions of TikTok's Privacy Policy beside
// `git diff` of the same two files.
func (b *bench) runStartup(ctx context.Context) (*startupResult, error) {
	dir := filepath.Join(b.work, "startup")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	db := filepath.Join(dir, "tracker.db")
	if _, _, err := measure(ctx, dir, nil, b.errlog, nil, b.tracker, "import", "ota", replaytest.OTADir(), "--terms", "Privacy Policy", "--db", db); err != nil {
		return nil, err
	}
	_, out, err := measure(ctx, dir, nil, b.errlog, nil, b.tracker, "history", "tiktok-privacy-policy", "--json", "--db", db)
	if err != nil {
		return nil, err
	}
	var hist []struct {
		Seq       int    `json:"seq"`
		OriginRef string `json:"origin_ref"`
	}
	if err := json.Unmarshal(out, &hist); err != nil || len(hist) < 2 {
		return nil, fmt.Errorf("tracker history: %d versions, %v", len(hist), err)
	}
	a, z := hist[len(hist)-2], hist[len(hist)-1]
	// The reference names the dataset directory, then the file in it.
	fileOf := func(ref string) string { return filepath.Join(filepath.Dir(replaytest.OTADir()), ref) }
	if _, err := os.Stat(fileOf(a.OriginRef)); err != nil {
		return nil, fmt.Errorf("the dataset file of version %d: %w", a.Seq, err)
	}

	cmds := []struct {
		label string
		ok    []int
		bin   string
		args  []string
	}{
		{"tracker help", nil, b.tracker, []string{"help"}},
		{"tracker sources", nil, b.tracker, []string{"sources", "--db", db}},
		{fmt.Sprintf("tracker diff (Privacy Policy %d→%d)", a.Seq, z.Seq), nil, b.tracker,
			[]string{"diff", "tiktok-privacy-policy", "--from", strconv.Itoa(a.Seq), "--to", strconv.Itoa(z.Seq), "--db", db}},
		{"git diff --no-index --word-diff (same two texts)", []int{1}, "git",
			[]string{"diff", "--no-index", "--word-diff", fileOf(a.OriginRef), fileOf(z.OriginRef)}},
	}
	res := &startupResult{}
	n := max(b.runs*4, 20)
	for _, c := range cmds {
		var ss []sample
		for range n {
			s, _, err := measure(ctx, dir, nil, b.errlog, c.ok, c.bin, c.args...)
			if err != nil {
				return nil, err
			}
			ss = append(ss, s)
		}
		res.Commands = append(res.Commands, startupCommand{Command: c.label, Stat: summarise(ss)})
	}
	return res, b.initTrace(ctx, dir, n, res)
}

// The lines of GODEBUG=inittrace=1: "init PKG @0.5 ms, 1.2 ms clock, 2048 bytes, 12 allocs".
var initLine = regexp.MustCompile(`(?m)^init (\S+) @[\d.]+ ms, ([\d.]+) ms clock, (\d+) bytes`)

// initTrace runs `tracker help` n times with GODEBUG=inittrace=1 and keeps
// the package initialisers that cost the most.
func (b *bench) initTrace(ctx context.Context, dir string, n int, res *startupResult) error {
	ms, bytes := map[string][]float64{}, map[string][]float64{}
	var totalMS, totalBytes []float64
	for range n {
		var trace strings.Builder
		if _, _, err := measure(ctx, dir, []string{"GODEBUG=inittrace=1"}, &trace, nil, b.tracker, "help"); err != nil {
			return err
		}
		var tm, tb float64
		m := initLine.FindAllStringSubmatch(trace.String(), -1)
		for _, l := range m {
			c, _ := strconv.ParseFloat(l[2], 64)
			by, _ := strconv.ParseFloat(l[3], 64)
			ms[l[1]], bytes[l[1]] = append(ms[l[1]], c), append(bytes[l[1]], by)
			tm, tb = tm+c, tb+by
		}
		totalMS, totalBytes = append(totalMS, tm), append(totalBytes, tb)
		res.InitPkgs = len(m)
	}
	res.InitMS, res.InitBytes = median(totalMS), median(totalBytes)
	for p := range ms {
		res.Inits = append(res.Inits, initCost{Package: p, MS: median(ms[p]), Bytes: median(bytes[p])})
	}
	sort.Slice(res.Inits, func(i, j int) bool { return res.Inits[i].MS > res.Inits[j].MS })
	res.Inits = res.Inits[:min(len(res.Inits), 10)]
	return nil
}
