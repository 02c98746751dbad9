//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// counts are what one pass of a tool reported.
type counts struct {
	New, Changed, Unchanged, Failed int
}

func (c counts) String() string {
	return fmt.Sprintf("%d new, %d changed, %d unchanged, %d failed", c.New, c.Changed, c.Unchanged, c.Failed)
}

// tool is a change tracker run once over a set of sources, its state in a
// directory.
type tool interface {
	name() string
	// stateFiles are the files holding what the tool remembers.
	stateFiles() []string
	// pass runs the tool once over its sources, in dir.
	pass(ctx context.Context, dir string) (sample, counts, error)
}

// trackerTool runs `tracker check`.
type trackerTool struct {
	// label names it in the results: "tracker", or "before" for the
	// build it is compared with (-before).
	label  string
	bin    string
	config string // sources.yaml
	log    *os.File
}

func (t *trackerTool) name() string {
	if t.label == "" {
		return "tracker"
	}
	return t.label
}

func (t *trackerTool) stateFiles() []string {
	return []string{"tracker.db", "tracker.db-wal", "tracker.db-shm"}
}

func (t *trackerTool) pass(ctx context.Context, dir string) (sample, counts, error) {
	s, out, err := measure(ctx, dir, nil, t.log, []int{1}, t.bin, "check", "--config", t.config, "--db", filepath.Join(dir, "tracker.db"))
	var c counts
	for _, line := range strings.Split(string(out), "\n") {
		switch {
		case strings.Contains(line, "  new version 1 ("):
			c.New++
		case strings.Contains(line, "  new version"):
			c.Changed++
		case strings.Contains(line, "  unchanged"):
			c.Unchanged++
		case strings.Contains(line, "  failed"):
			c.Failed++
		}
	}
	if err == nil && c.Failed > 0 {
		err = fmt.Errorf("tracker: %d sources failed:\n%s", c.Failed, firstLines(out, "failed", 3))
	}
	return s, c, err
}

// urlwatchTool runs urlwatch 2.25 with its cache in SQLite (minidb).
type urlwatchTool struct {
	bin  string
	conf string // directory of urls.yaml, urlwatch.yaml and hooks.py
	log  *os.File
}

func (u *urlwatchTool) name() string { return "urlwatch" }

func (u *urlwatchTool) stateFiles() []string { return []string{"cache.db"} }

// The summary of urlwatch's text report: "01. NEW: doc-0001".
var urlwatchSummary = regexp.MustCompile(`(?m)^\d+\. (NEW|CHANGED|ERROR): `)

func (u *urlwatchTool) pass(ctx context.Context, dir string) (sample, counts, error) {
	s, out, err := measure(ctx, dir, []string{"HOME=" + dir}, u.log, nil, u.bin,
		"--urls", filepath.Join(u.conf, "urls.yaml"), "--config", filepath.Join(u.conf, "urlwatch.yaml"),
		"--hooks", filepath.Join(u.conf, "hooks.py"), "--cache", filepath.Join(dir, "cache.db"))
	var c counts
	for _, m := range urlwatchSummary.FindAllSubmatch(out, -1) {
		switch string(m[1]) {
		case "NEW":
			c.New++
		case "CHANGED":
			c.Changed++
		case "ERROR":
			c.Failed++
		}
	}
	if err == nil && c.Failed > 0 {
		err = fmt.Errorf("urlwatch: %d jobs failed:\n%s", c.Failed, firstLines(out, "ERROR", 3))
	}
	return s, c, err
}

// writeUrlwatchConf writes urlwatch's configuration beside its jobs: the
// text report on stdout without colours, and workers threads, the
// parallelism tracker is given (urlwatch 2.25 has no setting for it: its
// hooks file sets it, as it is read before the jobs run).
func writeUrlwatchConf(dir string, workers int) error {
	conf := `display:
  new: true
  error: true
  unchanged: false
  empty-diff: true
report:
  text:
    details: true
    footer: false
    line_length: 75
    minimal: false
  stdout:
    enabled: true
    color: false
`
	hooks := fmt.Sprintf("# Written by trackerbench: the parallelism of the benchmark.\nimport urlwatch.worker\nurlwatch.worker.MAX_WORKERS = %d\n", workers)
	if err := os.WriteFile(filepath.Join(dir, "urlwatch.yaml"), []byte(conf), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "hooks.py"), []byte(hooks), 0o600)
}

func firstLines(out []byte, containing string, n int) string {
	var keep []string
	for _, l := range bytes.Split(out, []byte("\n")) {
		if bytes.Contains(l, []byte(containing)) && len(keep) < n {
			keep = append(keep, string(l))
		}
	}
	return strings.Join(keep, "\n")
}
