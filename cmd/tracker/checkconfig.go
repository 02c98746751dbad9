package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"tracker/internal/sources/render"
)

func checkConfigCmd(a *app, fs *flag.FlagSet) runner {
	var p probeFlags
	fs.StringVar(&p.target, "probe", "", "fetch one page (a `URL`, or a source ID for each of its pages) and print what the rules extract and where the text is")
	fs.Var(&p.sel, "select", "with --probe, try this CSS `selector` instead of the declared ones (repeatable)")
	fs.Var(&p.remove, "remove", "with --probe, remove what this CSS `selector` matches instead of the declared removals (repeatable)")
	fs.StringVar(&p.render, "render", "", "with --probe, how to load the page: `mode` browser renders it in headless Chromium, none fetches it plainly (default: as declared)")
	fs.BoolVar(&p.full, "full", false, "with --probe, print the whole extracted text, not its first and last lines")
	return func(ctx context.Context, args []string) error { return a.checkConfig(ctx, args, &p) }
}

// checkConfig validates the configuration and says what is wrong; with
// --probe it fetches one page and shows what the rules make of it.
func (a *app) checkConfig(ctx context.Context, args []string, p *probeFlags) error {
	if len(args) > 0 {
		return errUsage
	}
	probing := p.target != ""
	if !probing && (len(p.sel) > 0 || len(p.remove) > 0 || p.render != "" || p.full) {
		return usagef("--select, --remove, --render and --full go with --probe")
	}
	// A configuration that does not validate is what check-config reports:
	// it ran and found problems, exit code 1.
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	if probing {
		return a.probe(ctx, cfg, p)
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
	return nil
}
