package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"tracker/internal/ota"
	"tracker/internal/store"
)

type importFlags struct {
	services, terms, maps stringList
}

func importCmdFlags(a *app, fs *flag.FlagSet) {
	fs.Var(&a.imp.services, "service", "import only this `service` (repeatable)")
	fs.Var(&a.imp.terms, "terms", "import only this terms `type` (repeatable), e.g. \"Privacy Policy\"")
	fs.Var(&a.imp.maps, "map", "record a document as a declared source: `\"Service/Terms type=SOURCE_ID\"` (repeatable)")
}

// runImport imports an Open Terms Archive dataset.
func runImport(ctx context.Context, a *app, fs *flag.FlagSet, args []string) int {
	if len(args) != 2 || args[0] != "ota" {
		fs.Usage()
		return exitUsage
	}
	cfg, err := a.optionalConfig()
	if err != nil {
		a.errorf("%v", err)
		return exitUsage
	}
	maps := map[string]string{}
	for _, m := range a.imp.maps {
		doc, id, ok := strings.Cut(m, "=")
		doc, id = strings.TrimSpace(doc), strings.TrimSpace(id)
		if !ok || !strings.Contains(doc, "/") || id == "" {
			a.errorf("--map %q: write it as \"Service/Terms type=SOURCE_ID\"", m)
			return exitUsage
		}
		if cfg.Config == nil || cfg.Source(id) == nil {
			a.errorf("--map %q: %s is not declared in %s", m, id, a.configPath)
			return exitUsage
		}
		maps[doc] = id
	}
	db, ok := a.openDB(ctx, false)
	if !ok {
		return exitFailed
	}
	defer db.Close()
	if cfg.Config != nil {
		for _, s := range cfg.Sources {
			if err := db.UpsertSource(ctx, store.SourceInfo{ID: s.ID, Kind: s.Kind, Name: s.Name, URL: s.URL}); err != nil {
				a.errorf("%v", err)
				return exitFailed
			}
		}
	}
	code := exitOK
	_, err = ota.Import(ctx, db, args[1], ota.Options{
		Services: a.imp.services, Terms: a.imp.terms, Map: maps, Taxonomy: cfg.taxonomy(),
		Declared: func(id string) bool { return cfg.Config != nil && cfg.Source(id) != nil },
		Progress: func(r ota.DocResult) {
			kind := "declared source"
			if r.ImportOnly {
				kind = "import-only source"
			}
			fmt.Fprintf(a.stdout, "%s → %s (%s): %d versions added, %d already imported, %d unchanged\n",
				r.Document, r.SourceID, kind, r.Added, r.Known, r.Same)
			if len(r.Rejected) > 0 {
				code = exitFailed
				fmt.Fprintf(a.stdout, "  %d files rejected: they are older than versions tracker already holds, and history is not rewritten (first: %s)\n",
					len(r.Rejected), r.Rejected[0])
			}
			for _, f := range r.Failed {
				code = exitFailed
				fmt.Fprintf(a.stdout, "  failed: %s\n", f)
			}
		},
	})
	if err != nil {
		a.errorf("%v", err)
		return exitFailed
	}
	return code
}
