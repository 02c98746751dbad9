//go:build linux

// Command trackerbench measures tracker, and urlwatch beside it on the same
// load, over local servers on loopback: the passes of issue 20 over 1,000
// generated sources, the replay of TikTok's real history, the daemon's
// memory over a soak, search over 10,000 versions and the cost of starting
// the process.
//
//	go build -o /tmp/tracker ./cmd/tracker
//	go run ./bench/cmd/trackerbench -tracker /tmp/tracker all
//
// bench/run.sh does both. Every figure is the median of several runs, and
// tracker and urlwatch run in pairs (A B A B...), each ratio taken within a
// pair: on a small, shared machine, a single timing says little.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

type bench struct {
	tracker     string
	before      string
	passes      map[string]bool
	urlwatch    string
	work        string
	runs        int
	sources     int
	hosts       int
	size        int
	concurrency int
	soak        time.Duration
	soakChurn   float64
	steps       int
	out         io.Writer
	errlog      *os.File
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:]))
}

const usage = `usage: trackerbench -tracker BIN [flags] CASE...

cases: passes replay soak search startup, or all (every one of them)
`

func run(ctx context.Context, args []string) int {
	b := &bench{out: os.Stdout}
	fs := flag.NewFlagSet("trackerbench", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(os.Stderr, usage); fs.PrintDefaults() }
	fs.StringVar(&b.tracker, "tracker", "", "the tracker `binary` to measure")
	fs.StringVar(&b.before, "before", "", "another tracker `binary` (the build before a change) measured in the same pairs as -tracker, in the passes")
	passNames := fs.String("pass", "", "comma-separated passes to measure (first, unchanged, not-modified, changed-10; default: all); the others need a first pass, run once and not reported")
	fs.StringVar(&b.urlwatch, "urlwatch", "/usr/bin/urlwatch", "the urlwatch `binary` to compare with; empty measures tracker alone")
	fs.StringVar(&b.work, "work", "", "`directory` for databases and caches (default: a new temporary one, removed at the end)")
	fs.IntVar(&b.runs, "runs", 5, "paired runs of each pass")
	fs.IntVar(&b.sources, "sources", 1000, "generated sources")
	fs.IntVar(&b.hosts, "hosts", 100, "loopback hosts they are spread over")
	fs.IntVar(&b.size, "size", 100_000, "bytes of each generated page")
	fs.IntVar(&b.concurrency, "concurrency", 4, "hosts fetched at once (tracker's concurrency, urlwatch's workers)")
	fs.DurationVar(&b.soak, "soak", 10*time.Minute, "how long the daemon runs")
	fs.Float64Var(&b.soakChurn, "soak-churn", 0.01, "fraction of the sources that change every minute of the soak")
	fs.IntVar(&b.steps, "steps", 0, "replay only the first `n` steps of the history (0: all)")
	jsonOut := fs.String("json", "", "also write the results as JSON to this `file`")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *passNames != "" {
		b.passes = map[string]bool{}
		for _, n := range strings.Split(*passNames, ",") {
			b.passes[strings.TrimSpace(n)] = true
		}
	}
	cases := fs.Args()
	if len(cases) == 1 && cases[0] == "all" {
		cases = []string{"startup", "search", "replay", "passes", "soak"}
	}
	if b.tracker == "" || len(cases) == 0 {
		fs.Usage()
		return 2
	}
	var err error
	if b.tracker, err = filepath.Abs(b.tracker); err != nil {
		return fail(err)
	}
	if b.before != "" {
		if b.before, err = filepath.Abs(b.before); err != nil {
			return fail(err)
		}
	}
	if b.urlwatch != "" {
		if _, err := os.Stat(b.urlwatch); err != nil {
			return fail(fmt.Errorf("%w: install urlwatch 2.25 (apt-get install urlwatch) or pass -urlwatch ''", err))
		}
	}
	if b.work == "" {
		if b.work, err = os.MkdirTemp("", "trackerbench-"); err != nil {
			return fail(err)
		}
		defer os.RemoveAll(b.work)
	} else if err := os.MkdirAll(b.work, 0o755); err != nil {
		return fail(err)
	}
	if b.errlog, err = os.Create(filepath.Join(b.work, "stderr.log")); err != nil {
		return fail(err)
	}
	defer b.errlog.Close()

	results := map[string]interface{}{"machine": machine(), "started": time.Now().UTC().Format(time.RFC3339)}
	for _, c := range cases {
		var (
			res interface{}
			err error
		)
		switch c {
		case "passes":
			var rs []passResult
			if rs, err = b.runPasses(ctx); err == nil {
				b.printPasses(rs)
			}
			res = rs
		case "replay":
			var r *replayResult
			if r, err = b.runReplay(ctx); err == nil {
				b.printReplay(r)
			}
			res = r
		case "soak":
			var r *soakResult
			if r, err = b.runSoak(ctx); err == nil {
				b.printSoak(r)
			}
			res = r
		case "search":
			var r *searchResult
			if r, err = b.runSearch(ctx); err == nil {
				b.printSearch(r)
			}
			res = r
		case "startup":
			var r *startupResult
			if r, err = b.runStartup(ctx); err == nil {
				b.printStartup(r)
			}
			res = r
		default:
			fs.Usage()
			return 2
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "trackerbench: %s: %v\n(the tools' stderr is in %s)\n", c, err, b.errlog.Name())
			return 1
		}
		results[c] = res
	}
	if *jsonOut != "" {
		j, err := json.MarshalIndent(results, "", "  ")
		if err != nil {
			return fail(err)
		}
		if err := os.WriteFile(*jsonOut, j, 0o644); err != nil {
			return fail(err)
		}
	}
	return 0
}

func fail(err error) int {
	fmt.Fprintf(os.Stderr, "trackerbench: %v\n", err)
	return 1
}

// logf reports progress on stderr.
func (b *bench) logf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

// machine says where the figures come from.
func machine() map[string]string {
	m := map[string]string{}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		n := 0
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m["cpu"] = strings.TrimSpace(v)
				n++
			}
		}
		m["cpus"] = fmt.Sprint(n)
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		m["loadavg_at_start"] = strings.TrimSpace(string(b))
	}
	return m
}
