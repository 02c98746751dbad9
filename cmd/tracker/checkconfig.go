package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"tracker/internal/sources/render"
)

// runCheckConfig validates the configuration and says what is wrong; with
// --probe it fetches one page and shows what the rules make of it.
func runCheckConfig(ctx context.Context, a *app, fs *flag.FlagSet, args []string) int {
	if len(args) > 0 {
		fs.Usage()
		return exitUsage
	}
	probing := a.probe.target != ""
	if !probing && (len(a.probe.sel) > 0 || len(a.probe.remove) > 0 || a.probe.render != "" || a.probe.full) {
		a.errorf("--select, --remove, --render and --full go with --probe")
		return exitUsage
	}
	cfg, ok := a.loadConfig()
	if !ok {
		return exitFailed
	}
	if probing {
		return runProbe(ctx, a, cfg)
	}
	enabled := 0
	for _, s := range cfg.Sources {
		if !s.Disabled {
			enabled++
		}
	}
	fmt.Fprintf(a.stdout, "%s: ok: %d sources, %d enabled\n", cfg.Path, len(cfg.Sources), enabled)
	transport := fmt.Sprintf("written to %s/ (no mail.smtp.host)", cfg.Mail.Outbox)
	if cfg.Mail.SMTP.Host != "" {
		transport = fmt.Sprintf("mailed through %s:%d", cfg.Mail.SMTP.Host, cfg.Mail.SMTP.Port)
		if cfg.Mail.SMTP.Username != "" && a.getenv(cfg.Mail.SMTP.PasswordEnv) == "" {
			fmt.Fprintf(a.stderr, "tracker: warning: mail.smtp.username is set but %s, which must hold the password, is empty here\n", cfg.Mail.SMTP.PasswordEnv)
		}
	}
	who := fmt.Sprintf("%d recipients", len(cfg.Recipients))
	if len(cfg.Recipients) == 1 {
		who = "1 recipient"
	}
	fmt.Fprintf(a.stdout, "digests: %s, %s, schedule %q\n", who, transport, cfg.Mail.Schedule)
	// A warning, not an error: the file is right, the machine lacks a
	// program, and every other source can still be checked.
	if ids := cfg.Rendered(); len(ids) > 0 {
		if _, err := render.LookBrowser(cfg.Settings.Browser); err != nil {
			fmt.Fprintf(a.stderr, "tracker: warning: %s %s rendered in a browser (render: browser), but %v\n",
				strings.Join(ids, ", "), map[bool]string{true: "is", false: "are"}[len(ids) == 1], err)
		}
	}
	return exitOK
}
