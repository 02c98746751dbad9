package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
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

func digestCmd(a *app, fs *flag.FlagSet) runner {
	var f digestFlags
	fs.BoolVar(&f.preview, "preview", false, "render the next digest without sending it: text to stdout, HTML to --out")
	fs.BoolVar(&f.send, "send", false, "send each recipient the digest that is due")
	fs.Int64Var(&f.resend, "resend", 0, "send recorded digest `N` (as `tracker digests` numbers them) again, with the same Message-ID")
	fs.StringVar(&f.recipient, "recipient", "", "only this recipient (`address` or name)")
	fs.StringVar(&f.out, "out", "", "with --preview, write the HTML to this `file`")
	return func(ctx context.Context, args []string) error { return a.digest(ctx, args, &f) }
}

// digest previews or sends digests.
func (a *app) digest(ctx context.Context, args []string, f *digestFlags) error {
	modes := 0
	for _, on := range []bool{f.preview, f.send, f.resend != 0} {
		if on {
			modes++
		}
	}
	if len(args) > 0 || modes != 1 {
		return &usageError{err: errors.New("say one of --preview, --send or --resend N"), usage: true}
	}
	// A preview only reads the database: without a sources.yaml it renders
	// what the defaults would send.
	oc, err := a.optionalConfig()
	if err != nil {
		return err
	}
	cfg := oc.Config
	switch {
	case cfg == nil && f.preview:
		cfg = config.Defaults()
	case cfg == nil:
		_, err := a.loadConfig() // says the file is missing, and what to do
		return usage(err)
	}
	var rs []*config.Recipient
	if f.recipient != "" {
		r := cfg.Recipient(f.recipient)
		if r == nil {
			return usagef("no recipient %q in %s", f.recipient, cfg.Path)
		}
		rs = append(rs, r)
	}
	db, err := a.openDB(ctx, false)
	if err != nil {
		return err
	}
	defer db.Close()
	sender, err := digest.NewSender(cfg, taxonomy(cfg), db, a.getenv, a.logger())
	if err != nil {
		return usage(err)
	}
	sender.Now = a.now

	switch {
	case f.preview:
		r := &config.Recipient{Name: "preview", Address: "preview@localhost", MinImportance: tracker.Minor}
		if len(rs) > 0 {
			r = rs[0]
		} else if len(cfg.Recipients) > 0 {
			r = &cfg.Recipients[0]
		}
		return a.preview(ctx, sender, r, f.out)
	case f.resend != 0:
		return a.resend(ctx, sender, f.resend)
	}
	if len(cfg.Recipients) == 0 {
		return usagef("no recipients in %s: add a recipients section (see README) to send digests", cfg.Path)
	}
	code := exitOK
	for _, o := range sender.SendDue(ctx, rs) {
		switch {
		case o.Err != nil:
			code = exitFailed
			fmt.Fprintf(a.stdout, "%s  %s: %v\n", o.Recipient, stateOr(string(o.Digest.State), "failed"), o.Err)
		case o.Skipped != "":
			fmt.Fprintf(a.stdout, "%s  nothing sent: %s\n", o.Recipient, o.Skipped)
		case o.Note != "":
			fmt.Fprintf(a.stdout, "%s  sent again %q to %s: %s\n", o.Recipient, o.Digest.Subject, o.Digest.DeliveredTo, o.Note)
		default:
			fmt.Fprintf(a.stdout, "%s  sent %q to %s\n", o.Recipient, o.Digest.Subject, o.Digest.DeliveredTo)
		}
	}
	return status(code)
}

// preview renders the next digest of r: text to stdout, HTML to out.
func (a *app) preview(ctx context.Context, sender *digest.Sender, r *config.Recipient, out string) error {
	_, d, err := sender.Preview(ctx, r)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "Subject: %s\n\n%s", d.Subject, d.Text)
	if !strings.HasSuffix(d.Text, "\n") {
		fmt.Fprintln(a.stdout) // what follows in a terminal starts a line of its own
	}
	if out != "" {
		if err := os.WriteFile(out, []byte(d.HTML), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(a.stderr, "HTML written to %s\n", out)
	}
	return nil
}

// resend sends recorded digest n again.
func (a *app) resend(ctx context.Context, sender *digest.Sender, n int64) error {
	o := sender.Resend(ctx, n)
	if errors.Is(o.Err, store.ErrNotFound) {
		return usagef("no digest %d: see tracker digests for their numbers", n)
	}
	if o.Err != nil {
		fmt.Fprintf(a.stdout, "%s  digest %d not resent: %v\n", stateOr(o.Recipient, "-"), n, o.Err)
		if o.Digest.State != "" {
			fmt.Fprintf(a.stdout, "  it stays %s\n", o.Digest.State)
		}
		return reported(exitFailed)
	}
	fmt.Fprintf(a.stdout, "%s  digest %d resent: %q to %s\n", o.Recipient, n, o.Digest.Subject, o.Digest.DeliveredTo)
	return nil
}

func stateOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func digestsCmd(a *app, fs *flag.FlagSet) runner { return a.digests }

// digests lists the digests recorded, the most recent first.
func (a *app) digests(ctx context.Context, args []string) error {
	if len(args) > 0 {
		return errUsage
	}
	query := func(db store.Store) ([]tracker.Digest, error) { return db.Digests(ctx, "", 0) }
	return list(ctx, a, nil, query, api.NewDigest, "no digest yet", func(list []tracker.Digest) {
		tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "N\tCREATED\tRECIPIENT\tWINDOW\tSTATE\tATTEMPTS\tSUBJECT")
		for _, d := range list {
			subject := d.Subject + digestNote(d)
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s → %s\t%s\t%d\t%s\n", d.ID, fmtTime(d.CreatedAt), d.Recipient,
				d.WindowStart.UTC().Format("2006-01-02 15:04"), d.WindowEnd.UTC().Format("2006-01-02 15:04"), d.State, d.Attempts, subject)
		}
		tw.Flush()
	})
}

// digestNote says what a listing of digests should know of d beside its
// state: why it is not sent, and whether a copy may have arrived twice.
func digestNote(d tracker.Digest) string {
	note := ""
	switch d.State {
	case tracker.DigestSent:
		if d.Doubtful > 0 {
			attempts := "an attempt"
			if d.Doubtful > 1 {
				attempts = fmt.Sprintf("%d attempts", d.Doubtful)
			}
			note = fmt.Sprintf(" — sent again after %s whose outcome is unknown: a copy may have arrived twice, under the same Message-ID", attempts)
		}
	case tracker.DigestUncertain, tracker.DigestSending:
		note = fmt.Sprintf(" — in doubt (%s): sent again at the next run, under the same Message-ID; tracker digest --resend %d sends it now",
			stateOr(d.LastError, "being sent"), d.ID)
	default:
		if d.LastError != "" {
			note = " — " + d.LastError
		}
	}
	return note
}
