package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"tracker"
	"tracker/internal/changes"
	"tracker/internal/compare"
	"tracker/internal/evidence"
	"tracker/internal/web"
)

type evidenceFlags struct {
	version, from int
	out           string
}

func evidenceCmd(a *app, fs *flag.FlagSet) runner {
	var f evidenceFlags
	fs.IntVar(&f.version, "version", 0, "the later version: its `seq` (default: the latest)")
	fs.IntVar(&f.from, "from", 0, "the earlier version: its `seq` (default: the one before --version)")
	fs.StringVar(&f.out, "out", "", "write the zip to this `file` (default: ID-vM-vN-evidence.zip in the current directory)")
	return func(ctx context.Context, args []string) error { return a.evidence(ctx, args, &f) }
}

// evidenceResult is what `tracker evidence --json` prints.
type evidenceResult struct {
	File    string `json:"file"`
	SHA256  string `json:"sha256"`
	Bytes   int    `json:"bytes"`
	Source  string `json:"source"`
	FromSeq int    `json:"from_seq"`
	ToSeq   int    `json:"to_seq"`
}

// evidence writes the evidence bundle of a change (see package evidence).
func (a *app) evidence(ctx context.Context, args []string, f *evidenceFlags) error {
	if len(args) != 1 {
		return errUsage
	}
	if f.version < 0 || f.from < 0 {
		return usagef("a version is a number from 1: see `tracker history %s`", args[0])
	}
	id := args[0]
	cfg, err := a.optionalConfig()
	if err != nil {
		return err
	}
	db, err := a.openForQuery(ctx, []string{id})
	if err != nil {
		return err
	}
	defer db.Close()
	wo := web.Options{DB: db, Config: cfg.Config, Taxonomy: cfg.taxonomy(), Now: a.now}
	b := &evidence.Builder{DB: db, Config: cfg.Config, Comparer: &compare.Comparer{DB: db, Taxonomy: wo.Taxonomy, Subject: cfg.Subject},
		DiffHTML: func(ctx context.Context, w io.Writer, from, to tracker.Version, ch changes.Analysis) error {
			return web.WriteDiffPage(ctx, w, wo, id, from, to, ch)
		}}
	bundle, err := b.Build(ctx, evidence.Request{SourceID: id, FromSeq: f.from, ToSeq: f.version})
	var ee *evidence.Error
	switch {
	case errors.As(err, &ee) && ee.NotFound:
		return usagef("%s: see `tracker history %s`", ee.Msg, id)
	case errors.As(err, &ee):
		return usagef("--from %d --version %d: %s", f.from, f.version, ee.Msg)
	case err != nil:
		return err
	}
	path := f.out
	if path == "" {
		path = bundle.Name
	}
	if err := os.WriteFile(path, bundle.Zip, 0o644); err != nil {
		return fmt.Errorf("write the bundle: %w", err)
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	if a.jsonOut {
		return a.printJSON(evidenceResult{File: path, SHA256: bundle.SHA256, Bytes: len(bundle.Zip), Source: id,
			FromSeq: bundle.From.Seq, ToSeq: bundle.To.Seq})
	}
	fmt.Fprintf(a.stdout, "%s\nSHA-256 %s\n", path, bundle.SHA256)
	return nil
}
