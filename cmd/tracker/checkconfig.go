package main

import (
	"context"
	"flag"
	"fmt"
)

// runCheckConfig validates the configuration and says what is wrong.
func runCheckConfig(ctx context.Context, a *app, fs *flag.FlagSet, args []string) int {
	if len(args) > 0 {
		fs.Usage()
		return exitUsage
	}
	cfg, ok := a.loadConfig()
	if !ok {
		return exitFailed
	}
	enabled := 0
	for _, s := range cfg.Sources {
		if !s.Disabled {
			enabled++
		}
	}
	fmt.Fprintf(a.stdout, "%s: ok: %d sources, %d enabled\n", cfg.Path, len(cfg.Sources), enabled)
	return exitOK
}
