//go:build linux

package main

import (
	"fmt"
	"sort"
)

// The report is Markdown on stdout: tables to paste into a note.

func (b *bench) printPasses(rs []passResult) {
	fmt.Fprintf(b.out, "\n### Passes: %d generated sources of %d KB on %d loopback hosts, parallelism %d, host_delay 0s\n\n", b.sources, b.size/1000, b.hosts, b.concurrency)
	fmt.Fprintln(b.out, "| pass | tracker wall (min–max) | urlwatch wall (min–max) | wall tracker/urlwatch | CPU tracker / urlwatch | peak RSS tracker / urlwatch | RSS tracker/urlwatch |")
	fmt.Fprintln(b.out, "| --- | --- | --- | --- | --- | --- | --- |")
	for _, r := range rs {
		t, u := r.Stats["tracker"], r.Stats["urlwatch"]
		ratio, rss := "–", "–"
		if r.Ratios != nil {
			ratio = fmt.Sprintf("%.2f (%s)", r.Ratios.Wall, faster(r.Ratios.Wall))
			rss = fmt.Sprintf("%.2f", r.Ratios.RSS)
		}
		fmt.Fprintf(b.out, "| %s | %.2f s (%.2f–%.2f) | %s | %s | %.2f / %s s | %.0f / %s MiB | %s |\n",
			r.Case.What, t.WallMed, t.WallMin, t.WallMax, orDash(u.Runs > 0, fmt.Sprintf("%.2f s (%.2f–%.2f)", u.WallMed, u.WallMin, u.WallMax)),
			ratio, t.CPUMed, orDash(u.Runs > 0, fmt.Sprintf("%.2f", u.CPUMed)), t.RSSMedMiB, orDash(u.Runs > 0, fmt.Sprintf("%.0f", u.RSSMedMiB)), rss)
	}
	fmt.Fprintf(b.out, "\nMedians of %d runs each; ratios are the medians of the ratios within each pair.\n", b.runs)
	if b.before != "" {
		fmt.Fprintf(b.out, "\nThe build before (%s), in the same rounds:\n\n", b.before)
		fmt.Fprintln(b.out, "| pass | before wall (min–max) | wall before/urlwatch | wall tracker/urlwatch | wall tracker/before | CPU tracker/before | peak RSS before / tracker | RSS before/urlwatch | RSS tracker/urlwatch |")
		fmt.Fprintln(b.out, "| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
		for _, r := range rs {
			o, t := r.Stats["before"], r.Stats["tracker"]
			rb, rt, tb := orZero(r.Before), orZero(r.Ratios), orZero(r.TrackerBefore)
			fmt.Fprintf(b.out, "| %s | %.2f s (%.2f–%.2f) | %s | %s | %s | %s | %.0f / %.0f MiB | %s | %s |\n",
				r.Case.What, o.WallMed, o.WallMin, o.WallMax, ratio(rb.Wall), ratio(rt.Wall), ratio(tb.Wall), ratio(tb.CPU),
				o.RSSMedMiB, t.RSSMedMiB, ratio(rb.RSS), ratio(rt.RSS))
		}
	}
	if len(rs) > 0 {
		if st, ok := rs[0].Extra["tracker_stats_after_first_pass"].(map[string]interface{}); ok {
			b.printStats("tracker's database after the first pass", st)
		}
		if n, ok := rs[0].Extra["urlwatch_cache_bytes"].(int64); ok {
			fmt.Fprintf(b.out, "\nurlwatch's cache after the first pass: %.1f MB\n", float64(n)/1e6)
		}
	}
}

func (b *bench) printStats(title string, st map[string]interface{}) {
	file, _ := st["file_bytes"].(float64)
	fmt.Fprintf(b.out, "\n%s: %.1f MB", title, file/1e6)
	if parts, ok := st["parts"].([]interface{}); ok {
		fmt.Fprint(b.out, ", of which")
		for i, p := range parts {
			m, _ := p.(map[string]interface{})
			by, _ := m["bytes"].(float64)
			if i > 3 {
				break
			}
			fmt.Fprintf(b.out, " %s %.1f MB (%.0f %%);", m["part"], by/1e6, 100*by/file)
		}
	}
	fmt.Fprintln(b.out)
}

// ratio is a ratio of the tables, – when it was not measured (no urlwatch).
func ratio(r float64) string {
	if r <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", r)
}

func orZero(r *ratios) ratios {
	if r == nil {
		return ratios{}
	}
	return *r
}

func faster(r float64) string {
	if r <= 0 {
		return "–"
	}
	if r < 1 {
		return fmt.Sprintf("%.1f× faster", 1/r)
	}
	return fmt.Sprintf("%.1f× slower", r)
}

func orDash(ok bool, s string) string {
	if !ok {
		return "–"
	}
	return s
}

func (b *bench) printReplay(r *replayResult) {
	fmt.Fprintf(b.out, "\n### Replay of TikTok's real history (%d documents, %d steps, noisy pages)\n\n", r.Documents, r.Steps)
	fmt.Fprintln(b.out, "| per step | tracker | urlwatch | tracker/urlwatch |")
	fmt.Fprintln(b.out, "| --- | --- | --- | --- |")
	t, u := r.Stats["tracker"], r.Stats["urlwatch"]
	var rt ratios
	if r.Ratios != nil {
		rt = *r.Ratios
	}
	fmt.Fprintf(b.out, "| wall, median (min–max) | %.3f s (%.3f–%.3f) | %s | %.2f (%s) |\n", t.WallMed, t.WallMin, t.WallMax,
		orDash(u.Runs > 0, fmt.Sprintf("%.3f s (%.3f–%.3f)", u.WallMed, u.WallMin, u.WallMax)), rt.Wall, faster(rt.Wall))
	fmt.Fprintf(b.out, "| CPU, median | %.3f s | %s | %.2f |\n", t.CPUMed, orDash(u.Runs > 0, fmt.Sprintf("%.3f s", u.CPUMed)), rt.CPU)
	fmt.Fprintf(b.out, "| peak RSS, median (max) | %.0f MiB (%.0f) | %s | %.2f |\n", t.RSSMedMiB, t.RSSMaxMiB,
		orDash(u.Runs > 0, fmt.Sprintf("%.0f MiB (%.0f)", u.RSSMedMiB, u.RSSMaxMiB)), rt.RSS)
	fmt.Fprintf(b.out, "\ntracker recorded %d versions (%s); urlwatch reported %d new and %d changed.\n", r.TrackerVersions, r.TrackerCounts, r.UrlwatchCounts.New, r.UrlwatchCounts.Changed)
}

func (b *bench) printSoak(r *soakResult) {
	fmt.Fprintf(b.out, "\n### Daemon: %d sources every minute for %s, %.0f %% of them changing each minute\n\n", r.Sources, r.Duration, 100*r.Churn)
	fmt.Fprintf(b.out, "| RSS after the first minute: median | max | VmHWM (whole run) | RssAnon median | CPU (%% of one core) | checks | failed | new versions |\n")
	fmt.Fprintln(b.out, "| --- | --- | --- | --- | --- | --- | --- | --- |")
	fmt.Fprintf(b.out, "| %.0f MiB | %.0f MiB | %.0f MiB | %.0f MiB | %.1f %% | %d | %d | %d |\n", r.SteadyMedMiB, r.SteadyMaxMiB, r.HWMMiB, r.AnonMedMiB, r.CPUPercent, r.Checks, r.Failed, r.Versions)
}

func (b *bench) printSearch(r *searchResult) {
	imp := "database of an earlier run"
	if r.Import.Wall > 0 {
		imp = fmt.Sprintf("import %.1f s, peak RSS %d MiB", r.Import.Wall.Seconds(), r.Import.MaxRSS/1024)
	}
	fmt.Fprintf(b.out, "\n### Search over %d versions (%d documents; %s)\n\n", r.Versions, r.Documents, imp)
	fmt.Fprintln(b.out, "| phrase | hits | `tracker search` (process) | in the store (no start-up) | grep -rFic over the texts |")
	fmt.Fprintln(b.out, "| --- | --- | --- | --- | --- |")
	qs := make([]string, 0, len(r.Queries))
	for q := range r.Queries {
		qs = append(qs, q)
	}
	sort.Strings(qs)
	for _, q := range qs {
		x := r.Queries[q]
		fmt.Fprintf(b.out, "| %q | %d | %.0f ms | %s | %.0f ms |\n", q, x.Hits, x.Tracker.WallMed*1000, orDash(x.StoreMS > 0, fmt.Sprintf("%.0f ms", x.StoreMS)), x.Grep.WallMed*1000)
	}
	if r.Stats != nil {
		b.printStats("the database", r.Stats)
	}
}

func (b *bench) printStartup(r *startupResult) {
	fmt.Fprintln(b.out, "\n### Start-up")
	fmt.Fprintln(b.out, "\n| command | wall, median | CPU, median | peak RSS, median |")
	fmt.Fprintln(b.out, "| --- | --- | --- | --- |")
	for _, c := range r.Commands {
		fmt.Fprintf(b.out, "| `%s` | %.1f ms | %.1f ms | %.1f MiB |\n", c.Command, c.Stat.WallMed*1000, c.Stat.CPUMed*1000, c.Stat.RSSMedMiB)
	}
	fmt.Fprintf(b.out, "\nPackage initialisers of `tracker help` (GODEBUG=inittrace=1, medians): %d packages, %.1f ms, %.0f KB allocated; the costliest:\n\n",
		r.InitPkgs, r.InitMS, r.InitBytes/1000)
	fmt.Fprintln(b.out, "| package | ms | KB allocated |")
	fmt.Fprintln(b.out, "| --- | --- | --- |")
	for _, c := range r.Inits {
		fmt.Fprintf(b.out, "| %s | %.2f | %.0f |\n", c.Package, c.MS, c.Bytes/1000)
	}
}
