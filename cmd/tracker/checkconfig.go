package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"tracker"
	"tracker/internal/config"
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
		if a.jsonOut && !probing {
			out := checkConfigJSON{Path: a.configPath, Problems: []problemJSON{}, Warnings: []string{}, Webhooks: []webhookJSON{}}
			var ce *config.Error
			if errors.As(err, &ce) {
				for _, p := range ce.Problems {
					out.Problems = append(out.Problems, problemJSON{Line: p.Line, Message: p.Msg})
				}
			} else {
				out.Problems = append(out.Problems, problemJSON{Message: err.Error()})
			}
			if err := a.printJSON(out); err != nil {
				return err
			}
			return reported(exitFailed)
		}
		return err
	}
	if probing {
		return a.probe(ctx, cfg, p)
	}
	out := checkConfigJSON{Path: cfg.Path, OK: true, Sources: len(cfg.Sources), Problems: []problemJSON{}, Warnings: []string{}, Webhooks: []webhookJSON{}}
	for _, s := range cfg.Sources {
		if !s.Disabled {
			out.Enabled++
		}
	}
	out.Digests.Recipients = len(cfg.Recipients)
	out.Digests.Schedule = cfg.Mail.Schedule
	out.Digests.Transport, out.Digests.Outbox = "outbox", cfg.Mail.Outbox
	transport := fmt.Sprintf("written to %s/ (no mail.smtp.host)", cfg.Mail.Outbox)
	if cfg.Mail.SMTP.Host != "" {
		out.Digests.Transport, out.Digests.Outbox = "smtp", ""
		out.Digests.SMTP = fmt.Sprintf("%s:%d", cfg.Mail.SMTP.Host, cfg.Mail.SMTP.Port)
		transport = "mailed through " + out.Digests.SMTP
		if cfg.Mail.SMTP.Username != "" && a.getenv(cfg.Mail.SMTP.PasswordEnv) == "" {
			out.Warnings = append(out.Warnings, fmt.Sprintf("mail.smtp.username is set but %s, which must hold the password, is empty here", cfg.Mail.SMTP.PasswordEnv))
		}
	}
	for _, w := range cfg.Webhooks {
		out.Webhooks = append(out.Webhooks, webhookJSON{Name: w.Name, Send: w.Send, Format: w.Format, Signed: w.SecretEnv != "", Urgent: append([]string{}, w.Urgent...)})
		if w.SecretEnv != "" && a.getenv(w.SecretEnv) == "" {
			out.Warnings = append(out.Warnings, fmt.Sprintf("webhook %s: %s, which must hold its secret, is empty here: tracker run and deliveries --send refuse to start without it", w.Name, w.SecretEnv))
		}
	}
	for _, r := range cfg.Recipients {
		if len(r.Urgent) > 0 {
			out.Digests.Urgent++
		}
	}
	// A warning, not an error: the file is right, the machine lacks a
	// program, and every other source can still be checked.
	if ids := cfg.Rendered(); len(ids) > 0 {
		if _, err := render.LookBrowser(cfg.Settings.Browser); err != nil {
			out.Warnings = append(out.Warnings, fmt.Sprintf("%s %s rendered in a browser (render: browser), but %v",
				strings.Join(ids, ", "), map[bool]string{true: "is", false: "are"}[len(ids) == 1], err))
		}
	}
	if a.jsonOut {
		return a.printJSON(out)
	}
	fmt.Fprintf(a.stdout, "%s: ok: %d sources, %d enabled\n", cfg.Path, out.Sources, out.Enabled)
	who := fmt.Sprintf("%d recipients", len(cfg.Recipients))
	if len(cfg.Recipients) == 1 {
		who = "1 recipient"
	}
	fmt.Fprintf(a.stdout, "digests: %s, %s, schedule %q\n", who, transport, cfg.Mail.Schedule)
	if out.Digests.Urgent > 0 {
		fmt.Fprintf(a.stdout, "urgent alerts: %d of the recipients, by mail as changes are detected\n", out.Digests.Urgent)
	}
	for _, w := range out.Webhooks {
		signed := "unsigned"
		if w.Signed {
			signed = "signed"
		}
		fmt.Fprintf(a.stdout, "webhook %s: each %s, %s, %s\n", w.Name, w.Send, w.Format, signed)
	}
	for _, w := range out.Warnings {
		fmt.Fprintf(a.stderr, "tracker: warning: %s\n", w)
	}
	return nil
}

// checkConfigJSON is `tracker check-config --json`: ok is false when the
// file has problems (each with its line, 0 when none applies), and the
// counts are then zero.
type checkConfigJSON struct {
	Path     string        `json:"path"`
	OK       bool          `json:"ok"`
	Problems []problemJSON `json:"problems"`
	Warnings []string      `json:"warnings"`
	Sources  int           `json:"sources"`
	Enabled  int           `json:"enabled"`
	Digests  struct {
		Recipients int    `json:"recipients"`
		Schedule   string `json:"schedule"`
		// Transport is smtp (through SMTP, the server's host:port) or
		// outbox (.eml files in Outbox).
		Transport string `json:"transport"`
		SMTP      string `json:"smtp,omitempty"`
		Outbox    string `json:"outbox,omitempty"`
		// Urgent counts the recipients with urgent topics.
		Urgent int `json:"urgent"`
	} `json:"digests"`
	Webhooks []webhookJSON `json:"webhooks"`
}

type webhookJSON struct {
	Name   string                `json:"name"`
	Send   tracker.DeliveryKind  `json:"send"`
	Format tracker.WebhookFormat `json:"format"`
	Signed bool                  `json:"signed"`
	Urgent []string              `json:"urgent"`
}

type problemJSON struct {
	Line    int    `json:"line"`
	Message string `json:"message"`
}
