//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"tracker/internal/replaytest"
)

type replayResult struct {
	Documents       int                 `json:"documents"`
	Steps           int                 `json:"steps"`
	Samples         map[string][]sample `json:"samples"`
	Stats           map[string]stat     `json:"stats"`
	Ratios          *ratios             `json:"ratios_tracker_over_urlwatch,omitempty"`
	TrackerVersions int                 `json:"tracker_versions"`
	TrackerCounts   counts              `json:"tracker_counts"`
	UrlwatchCounts  counts              `json:"urlwatch_counts"`
}

type replayDoc struct {
	id, doc, path string
	srv           *replaytest.Server
}

// runReplay serves the real history of TikTok's documents (testdata's Open
// Terms Archive dataset) as noisy pages, one host per document: first every
// document's first version, then each recorded version in the order it was
// recorded. At every step tracker and urlwatch check every document once,
// one after the other, each keeping its own history from step to step.
func (b *bench) runReplay(ctx context.Context) (*replayResult, error) {
	hist, err := replaytest.Load(replaytest.OTADir())
	if err != nil {
		return nil, err
	}
	docs := []*replayDoc{
		{id: "tiktok-terms", doc: "Terms of Service", path: "/legal/terms"},
		{id: "tiktok-privacy", doc: "Privacy Policy", path: "/legal/privacy"},
		{id: "tiktok-copyright-claims", doc: "Copyright Claims Policy", path: "/legal/copyright-claims"},
	}
	type event struct {
		d *replayDoc
		v replaytest.Capture
	}
	var events []event
	for _, d := range docs {
		if len(hist[d.doc]) == 0 {
			return nil, fmt.Errorf("replay: no %q in %s", d.doc, replaytest.OTADir())
		}
		d.srv = replaytest.NewServer()
		defer d.srv.Close()
		d.srv.Handle(d.path, replaytest.Document(hist[d.doc][0].Markdown, 0))
		for _, v := range hist[d.doc][1:] {
			events = append(events, event{d, v})
		}
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].v.RecordedAt.Before(events[j].v.RecordedAt) })
	if b.steps > 0 && len(events) > b.steps-1 {
		events = events[:b.steps-1]
	}

	dir := filepath.Join(b.work, "replay")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var cfg, jobs strings.Builder
	cfg.WriteString("settings:\n  host_delay: 0s\n  retries: 0\n  timeout: 30s\n  concurrency: 4\nsources:\n")
	for i, d := range docs {
		fmt.Fprintf(&cfg, "  - {id: %s, kind: page, url: '%s%s', select: '[data-testid=policy-card]', remove: [.language-selection]}\n", d.id, d.srv.URL, d.path)
		if i > 0 {
			jobs.WriteString("---\n")
		}
		fmt.Fprintf(&jobs, "name: %s\nurl: %s%s\nfilter:\n  - css:\n      selector: '[data-testid=policy-card]'\n      exclude: '.language-selection, script, svg'\n  - html2text: re\n", d.id, d.srv.URL, d.path)
	}
	trackerConf := filepath.Join(dir, "sources.yaml")
	if err := os.WriteFile(trackerConf, []byte(cfg.String()), 0o644); err != nil {
		return nil, err
	}
	tools := []tool{&trackerTool{bin: b.tracker, config: trackerConf, log: b.errlog}}
	if b.urlwatch != "" {
		if err := os.WriteFile(filepath.Join(dir, "urls.yaml"), []byte(jobs.String()), 0o644); err != nil {
			return nil, err
		}
		if err := writeUrlwatchConf(dir, 4); err != nil {
			return nil, err
		}
		tools = append(tools, &urlwatchTool{bin: b.urlwatch, conf: dir, log: b.errlog})
	}

	res := &replayResult{Documents: len(docs), Steps: len(events) + 1, Samples: map[string][]sample{}, Stats: map[string]stat{}}
	total := map[string]*counts{"tracker": &res.TrackerCounts, "urlwatch": &res.UrlwatchCounts}
	b.logf("replay: %d documents, %d steps", len(docs), res.Steps)
	for step := 0; step <= len(events); step++ {
		if step > 0 {
			ev := events[step-1]
			ev.d.srv.Handle(ev.d.path, replaytest.Document(ev.v.Markdown, uint64(step)))
		}
		for _, t := range tools {
			s, c, err := t.pass(ctx, dir)
			if err != nil {
				return nil, fmt.Errorf("step %d, %s: %w", step, t.name(), err)
			}
			res.Samples[t.name()] = append(res.Samples[t.name()], s)
			tc := total[t.name()]
			tc.New, tc.Changed, tc.Unchanged = tc.New+c.New, tc.Changed+c.Changed, tc.Unchanged+c.Unchanged
		}
		if step%20 == 0 {
			b.logf("  step %d of %d", step, len(events))
		}
	}
	res.TrackerVersions = res.TrackerCounts.New + res.TrackerCounts.Changed
	for name, ss := range res.Samples {
		res.Stats[name] = summarise(ss)
	}
	if len(tools) == 2 {
		rt := pairRatios(res.Samples["tracker"], res.Samples["urlwatch"])
		res.Ratios = &rt
	}
	return res, nil
}
