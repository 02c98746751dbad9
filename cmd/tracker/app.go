package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"tracker/internal/config"
	"tracker/internal/store"
	"tracker/internal/topics"
)

const (
	defaultConf = "sources.yaml"
	defaultDB   = "tracker.db"
)

// app holds what every command shares: where output goes, the clock, the
// environment, and the flags every command takes. Each command binds its
// own flags (see command).
type app struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	now            func() time.Time

	configPath string
	dbPath     string
	jsonOut    bool
	verbose    bool
}

// command is one subcommand of tracker. setup binds the command's own flags
// on fs and returns what runs it with the positional arguments; the error
// it returns says how the command ended (see exit).
type command struct {
	name    string
	args    string
	summary string
	setup   func(a *app, fs *flag.FlagSet) runner
}

// runner runs a command with its positional arguments.
type runner func(ctx context.Context, args []string) error

func commands() []command {
	return []command{
		{name: "run", args: "[--listen ADDR] [--base-url URL] [--log-format text|json] [--log-level LEVEL]", summary: "run the daemon: sources and digests on their schedules", setup: runCmd},
		{name: "check", args: "[--source ID]...", summary: "fetch the sources once and record what changed", setup: checkCmd},
		{name: "sources", args: "[--json]", summary: "list the sources with their status", setup: sourcesCmd},
		{name: "history", args: "ID [--json]", summary: "list the versions of a source, oldest first", setup: historyCmd},
		{name: "changes", args: "[--since D] [--until D] [--source ID]... [--topic T] [--min-importance I] [--technical] [--limit N] [--format text|json|atom] [--base-url URL] [--json]", summary: "list the changes of the documents, oldest first", setup: changesCmd},
		{name: "diff", args: "ID [--from D|SEQ] [--to D|SEQ] [--format text|html|json]", summary: "show what changed between two versions", setup: diffCmd},
		{name: "compare", args: "A B [--at D] [--json]", summary: "set two variants of a document (two regions) side by side, section by section", setup: compareCmd},
		{name: "evidence", args: "ID [--version N] [--from M] [--out FILE.zip] [--json]", summary: "write the evidence bundle of a change: texts, pages as served, diff, provenance, fetch log, SHA-256 manifest", setup: evidenceCmd},
		{name: "items", args: "[--source ID]... [--since D] [--until D] [--topic T] [--all] [--limit N] [--json]", summary: "list the regulator items, the most recent first", setup: itemsCmd},
		{name: "show", args: "ID [--at D] [--json]", summary: "print the text of a document as it stood at a date", setup: showCmd},
		{name: "snapshot", args: "ID [--version N | --at D] [--out FILE] [--json]", summary: "write the page behind a version as it was served, with its URL, status and headers", setup: snapshotCmd},
		{name: "search", args: "QUERY [--source ID]... [--at D] [--fts] [--json]", summary: "find a phrase in every version of every document", setup: searchCmd},
		{name: "rebuild", args: "[--source ID]... | --index | --changes [--source ID]...", summary: "re-extract the current versions from their stored pages after selectors changed", setup: rebuildCmd},
		{name: "digest", args: "--preview|--send [--catch-up]|--resend N [--recipient R] [--out FILE]", summary: "preview or send the digests that are due", setup: digestCmd},
		{name: "digests", args: "[--json]", summary: "list the digests sent, when, to whom, in which state", setup: digestsCmd},
		{name: "deliveries", args: "[--target NAME] [--state S]... [--limit N] [--send] [--json]", summary: "list the webhook deliveries and urgent alerts, in which state; --send attempts those due", setup: deliveriesCmd},
		{name: "import", args: "ota DIR [--service NAME]... [--terms TYPE]... [--map \"Service/Terms type=SOURCE_ID\"]...", summary: "import an Open Terms Archive dataset's history", setup: importCmd},
		{name: "serve", args: "[--listen ADDR] [--base-url URL]", summary: "serve the history as read-only web pages and a JSON API", setup: serveCmd},
		{name: "workers", args: "[--checks N] [--source ID] [--json]", summary: "list the daemons sharing the database and who checked what, when", setup: workersCmd},
		{name: "stats", args: "[--json]", summary: "show what the database holds and what each part of it takes on disk", setup: statsCmd},
		{name: "backup", args: "FILE", summary: "write a consistent copy of the database, even while the daemon runs", setup: backupCmd},
		{name: "migrate", args: "--to DB [--json]", summary: "copy the whole history into another database: SQLite to PostgreSQL, or back", setup: migrateCmd},
		{name: "check-config", args: "[--probe URL|ID [--select S]... [--remove S]... [--render browser|none] [--full]]", summary: "validate sources.yaml, or probe one page: what the rules extract and where its text is", setup: checkConfigCmd},
	}
}

// Run runs the tracker command line and returns the exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr, getenv: os.Getenv, now: time.Now}
	return a.run(ctx, args)
}

func (a *app) run(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		a.usage(a.stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		fs := flag.NewFlagSet("tracker "+c.name, flag.ContinueOnError)
		fs.SetOutput(a.stderr)
		fs.StringVar(&a.configPath, "config", a.env("TRACKER_CONFIG", defaultConf), "configuration `file` (env TRACKER_CONFIG)")
		fs.StringVar(&a.dbPath, "db", a.env("TRACKER_DB", defaultDB), "the database: a SQLite `file`, or a postgres://USER@HOST/DB address (env TRACKER_DB)")
		fs.BoolVar(&a.jsonOut, "json", false, "print JSON for scripts (the README lists its fields)")
		fs.BoolVar(&a.verbose, "v", false, "log what happens to stderr")
		run := c.setup(a, fs)
		fs.Usage = func() {
			fmt.Fprintf(a.stderr, "usage: tracker %s %s\n\n%s.\n\nflags:\n", c.name, c.args, c.summary)
			fs.PrintDefaults()
		}
		rest, err := parseInterspersed(fs, args[1:])
		if err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return exitOK
			}
			return exitUsage
		}
		return a.exit(run(ctx, rest), fs)
	}
	fmt.Fprintf(a.stderr, "tracker: unknown command %q\n\n", args[0])
	a.usage(a.stderr)
	return exitUsage
}

// parseInterspersed lets flags come after positional arguments, as in
// `tracker history tiktok-terms --json`.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func (a *app) usage(w io.Writer) {
	fmt.Fprintln(w, "usage: tracker COMMAND [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-13s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Every command takes --config FILE (default ./sources.yaml) and --db FILE (default ./tracker.db).")
	fmt.Fprintln(w, "Run `tracker COMMAND -h` for the flags of a command.")
}

func (a *app) env(key, def string) string {
	if v := a.getenv(key); v != "" {
		return v
	}
	return def
}

// errorf reports what does not end a command (a warning, a browser that
// would not close); how a command ends is its error's to say (see exit).
func (a *app) errorf(format string, args ...any) {
	fmt.Fprintf(a.stderr, "tracker: "+format+"\n", args...)
}

func (a *app) logger() *slog.Logger {
	level := slog.LevelError
	if a.verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: level}))
}

// loadConfig reads the configuration; its problems come with their lines.
func (a *app) loadConfig() (*config.Config, error) {
	return config.Load(a.configPath)
}

// limitMemory sets the Go heap's soft limit of the commands that check
// (settings.memory_limit) unless GOMEMLIMIT does: with the GC's default
// headroom, a heap of 40 MB lives in 80, and a small VM is what tracker
// runs on. It returns the limit that held before.
func (a *app) limitMemory(cfg *config.Config) int64 {
	prev := debug.SetMemoryLimit(-1)
	if a.getenv("GOMEMLIMIT") == "" && cfg.Settings.MemoryLimit > 0 {
		debug.SetMemoryLimit(int64(cfg.Settings.MemoryLimit))
	}
	return prev
}

// configOrDefaults reads the configuration when the file exists, for
// commands that work without one (the built-in topics then apply).
type configOrDefaults struct{ *config.Config }

func (c configOrDefaults) taxonomy() *topics.Taxonomy { return taxonomy(c.Config) }

// taxonomy compiles the topics of cfg, or the built-in ones when cfg is
// nil, for the stages that classify.
func taxonomy(cfg *config.Config) *topics.Taxonomy {
	var tc topics.Config
	if cfg != nil {
		tc = cfg.TopicsConfig()
	}
	tax, err := tc.Compile()
	if err != nil {
		panic(err) // config.Load compiled it once; the built-in taxonomy is tested
	}
	return tax
}

// optionalConfig is the configuration when there is one. Its errors are
// usage errors: the file or --config is wrong.
func (a *app) optionalConfig() (configOrDefaults, error) {
	if _, err := os.Stat(a.configPath); errors.Is(err, os.ErrNotExist) {
		if a.configPath != defaultConf { // asked for by name: a typo must not pass unnoticed
			return configOrDefaults{}, usagef("no configuration at %s: check --config or TRACKER_CONFIG", a.configPath)
		}
		return configOrDefaults{}, nil
	}
	cfg, err := config.Load(a.configPath)
	if err != nil {
		// The history is read without a configuration too, but one that
		// is there and broken is not silently passed over.
		return configOrDefaults{}, usagef("%w\nfix %s (`tracker check-config` says what is wrong), or give --config another one", err, a.configPath)
	}
	return configOrDefaults{cfg}, nil
}

// loadConfigFor reads the configuration and checks that every source of
// ids is declared in it; its errors are usage errors.
func (a *app) loadConfigFor(ids []string) (*config.Config, error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, usage(err)
	}
	for _, id := range ids {
		if cfg.Source(id) == nil {
			return nil, usagef("unknown source %q: see `tracker sources` for the declared ids", id)
		}
	}
	return cfg, nil
}

// openDB opens the database; when mustExist, a missing file is an error
// rather than a new empty database.
func (a *app) openDB(ctx context.Context, mustExist bool) (store.Store, error) {
	if mustExist && !store.IsPostgres(a.dbPath) {
		if _, err := os.Stat(a.dbPath); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no database at %s: run `tracker check` first, or pass --db", a.dbPath)
		}
	}
	db, err := store.Open(ctx, a.dbPath)
	if err != nil {
		return nil, err
	}
	db.Now = a.now
	return db, nil
}

// dbName names the database in output: its path, or its address without
// a password.
func (a *app) dbName() string { return store.Redact(a.dbPath) }

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }
