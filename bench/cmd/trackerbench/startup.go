//go:build linux

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"tracker/internal/replaytest"
)

type startupResult struct {
	Commands []startupCommand `json:"commands"`
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
	return res, nil
}
