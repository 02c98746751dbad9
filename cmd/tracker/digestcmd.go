package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"text/tabwriter"
	"tracker"

	"tracker/internal/api"
	"tracker/internal/config"
	"tracker/internal/digest"
	"tracker/internal/store"
)

type digestFlags struct {
	preview, send bool
	resend        int64
	recipient     string
	out           string
}

func digestCmdFlags(a *app, fs *flag.FlagSet) {
	fs.BoolVar(&a.digest.preview, "preview", false, "render the next digest without sending it: text to stdout, HTML to --out")
	fs.BoolVar(&a.digest.send, "send", false, "send each recipient the digest that is due")
	fs.Int64Var(&a.digest.resend, "resend", 0, "send recorded digest `N` (as `tracker digests` numbers them) again, with the same Message-ID")
	fs.StringVar(&a.digest.recipient, "recipient", "", "only this recipient (`address` or name)")
	fs.StringVar(&a.digest.out, "out", "", "with --preview, write the HTML to this `file`")
}

// runDigest previews or sends digests.
func runDigest(ctx context.Context, a *app, fs *flag.FlagSet, args []string) int {
	modes := 0
	for _, on := range []bool{a.digest.preview, a.digest.send, a.digest.resend != 0} {
		if on {
			modes++
		}
	}
	if len(args) > 0 || modes != 1 {
		a.errorf("say one of --preview, --send or --resend N")
		fs.Usage()
		return exitUsage
	}
	cfg, ok := a.loadConfig()
	if !ok {
		return exitUsage
	}
	var rs []*config.Recipient
	if a.digest.recipient != "" {
		r := cfg.Recipient(a.digest.recipient)
		if r == nil {
			a.errorf("no recipient %q in %s", a.digest.recipient, cfg.Path)
			return exitUsage
		}
		rs = append(rs, r)
	}
	db, ok := a.openDB(ctx, false)
	if !ok {
		return exitFailed
	}
	defer db.Close()
	sender, err := digest.NewSender(cfg, taxonomy(cfg), db, a.getenv, a.logger())
	if err != nil {
		a.errorf("%v", err)
		return exitUsage
	}
	sender.Now = a.now

	if a.digest.preview {
		r := &config.Recipient{Name: "preview", Address: "preview@localhost", MinImportance: tracker.Minor}
		if len(rs) > 0 {
			r = rs[0]
		} else if len(cfg.Recipients) > 0 {
			r = &cfg.Recipients[0]
		}
		_, out, err := sender.Preview(ctx, r)
		if err != nil {
			a.errorf("%v", err)
			return exitFailed
		}
		fmt.Fprintf(a.stdout, "Subject: %s\n\n%s", out.Subject, out.Text)
		if a.digest.out != "" {
			if err := os.WriteFile(a.digest.out, []byte(out.HTML), 0o644); err != nil {
				a.errorf("%v", err)
				return exitFailed
			}
			fmt.Fprintf(a.stderr, "HTML written to %s\n", a.digest.out)
		}
		return exitOK
	}

	if a.digest.resend != 0 {
		o := sender.Resend(ctx, a.digest.resend)
		if errors.Is(o.Err, store.ErrNotFound) {
			a.errorf("no digest %d: see tracker digests for their numbers", a.digest.resend)
			return exitUsage
		}
		if o.Err != nil {
			fmt.Fprintf(a.stdout, "%s  digest %d not resent: %v\n", stateOr(o.Recipient, "-"), a.digest.resend, o.Err)
			if o.Digest.State != "" {
				fmt.Fprintf(a.stdout, "  it stays %s\n", o.Digest.State)
			}
			return exitFailed
		}
		fmt.Fprintf(a.stdout, "%s  digest %d resent: %q to %s\n", o.Recipient, a.digest.resend, o.Digest.Subject, o.Digest.DeliveredTo)
		return exitOK
	}

	if len(cfg.Recipients) == 0 {
		a.errorf("no recipients in %s: add a recipients section (see README) to send digests", cfg.Path)
		return exitUsage
	}
	code := exitOK
	for _, o := range sender.SendDue(ctx, rs) {
		switch {
		case o.Err != nil:
			code = exitFailed
			fmt.Fprintf(a.stdout, "%s  %s: %v\n", o.Recipient, stateOr(string(o.Digest.State), "failed"), o.Err)
		case o.Skipped != "":
			fmt.Fprintf(a.stdout, "%s  nothing sent: %s\n", o.Recipient, o.Skipped)
		default:
			fmt.Fprintf(a.stdout, "%s  sent %q to %s\n", o.Recipient, o.Digest.Subject, o.Digest.DeliveredTo)
		}
	}
	return code
}

func stateOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// runDigests lists the digests recorded, the most recent first.
func runDigests(ctx context.Context, a *app, fs *flag.FlagSet, args []string) int {
	if len(args) > 0 {
		fs.Usage()
		return exitUsage
	}
	db, ok := a.openDB(ctx, true)
	if !ok {
		return exitFailed
	}
	defer db.Close()
	list, err := db.Digests(ctx, "", 0)
	if err != nil {
		a.errorf("%v", err)
		return exitFailed
	}
	if a.jsonOut {
		return printAll(a, list, api.NewDigest)
	}
	if len(list) == 0 {
		fmt.Fprintln(a.stdout, "no digest yet")
		return exitOK
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "N\tCREATED\tRECIPIENT\tWINDOW\tSTATE\tATTEMPTS\tSUBJECT")
	for _, d := range list {
		subject := d.Subject
		if d.LastError != "" && d.State != "sent" {
			subject += " — " + d.LastError
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s → %s\t%s\t%d\t%s\n", d.ID, fmtTime(d.CreatedAt), d.Recipient,
			d.WindowStart.UTC().Format("2006-01-02 15:04"), d.WindowEnd.UTC().Format("2006-01-02 15:04"), d.State, d.Attempts, subject)
	}
	tw.Flush()
	return exitOK
}
