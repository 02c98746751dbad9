package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"tracker/internal/ota"
	"tracker/internal/store"
)

type importFlags struct {
	services, terms, maps stringList
}

func importCmd(a *app, fs *flag.FlagSet) runner {
	var f importFlags
	fs.Var(&f.services, "service", "import only this `service` (repeatable)")
	fs.Var(&f.terms, "terms", "import only this terms `type` (repeatable), e.g. \"Privacy Policy\"")
	fs.Var(&f.maps, "map", "record a document as a declared source: `\"Service/Terms type=SOURCE_ID\"` (repeatable)")
	return func(ctx context.Context, args []string) error { return a.importOTA(ctx, args, &f) }
}

// importOTA imports an Open Terms Archive dataset.
func (a *app) importOTA(ctx context.Context, args []string, f *importFlags) error {
	if len(args) != 2 || args[0] != "ota" {
		return errUsage
	}
	cfg, err := a.optionalConfig()
	if err != nil {
		return err
	}
	maps := map[string]string{}
	for _, m := range f.maps {
		doc, id, ok := strings.Cut(m, "=")
		doc, id = strings.TrimSpace(doc), strings.TrimSpace(id)
		if !ok || !strings.Contains(doc, "/") || id == "" {
			return usagef("--map %q: write it as \"Service/Terms type=SOURCE_ID\"", m)
		}
		if cfg.Config == nil || cfg.Source(id) == nil {
			return usagef("--map %q: %s is not declared in %s", m, id, a.configPath)
		}
		maps[doc] = id
	}
	db, err := a.openDB(ctx, false)
	if err != nil {
		return err
	}
	defer db.Close()
	if cfg.Config != nil {
		for _, s := range cfg.Sources {
			if err := db.UpsertSource(ctx, store.SourceInfo{ID: s.ID, Kind: s.Kind, Name: s.Name, URL: s.URL}); err != nil {
				return err
			}
		}
	}
	code := exitOK
	_, err = ota.Import(ctx, db, args[1], ota.Options{
		Services: f.services, Terms: f.terms, Map: maps, Taxonomy: cfg.taxonomy(),
		Declared: func(id string) bool { return cfg.Config != nil && cfg.Source(id) != nil },
		Progress: func(r ota.DocResult) {
			kind := "declared source"
			if r.ImportOnly {
				kind = "import-only source"
			}
			fmt.Fprintf(a.stdout, "%s → %s (%s): %d versions added, %d already imported, %d unchanged\n",
				r.Document, r.SourceID, kind, r.Added, r.Known, r.Same)
			if r.Mapped != "" {
				code = exitFailed
				fmt.Fprintf(a.stdout, "  not imported as %s: an earlier import put this document in %s, where its history stays and grows: tracker never copies a history under a second id\n",
					r.Mapped, r.SourceID)
			}
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
	if errors.Is(err, ota.ErrUnknownDocument) {
		return usage(err)
	}
	if err != nil {
		return err
	}
	return status(code)
}
