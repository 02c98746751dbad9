package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"tracker"
	"tracker/internal/api"
	"tracker/internal/config"
	"tracker/internal/digest"
	"tracker/internal/store"
)

type digestFlags struct {
	preview, send, catchUp bool
	resend                 int64
	recipient              string
	out                    string
}

func digestCmd(a *app, fs *flag.FlagSet) runner {
	var f digestFlags
	fs.BoolVar(&f.preview, "preview", false, "render the next digest without sending it: text to stdout, HTML to --out")
	fs.BoolVar(&f.send, "send", false, "send each recipient the digest that is due")
	fs.Int64Var(&f.resend, "resend", 0, "send recorded digest `N` (as `tracker digests` numbers them) again, with the same Message-ID")
	fs.BoolVar(&f.catchUp, "catch-up", false, "with --send, send each new recipient (none sent yet) the last 7 days now, once, instead of waiting for the schedule")
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
	if f.catchUp && !f.send {
		return usagef("--catch-up goes with --send: tracker digest --send --catch-up [--recipient R]")
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
	var outs []digest.Outcome
	if f.catchUp {
		outs = sender.CatchUp(ctx, rs)
	} else {
		outs = sender.SendDue(ctx, rs)
	}
	code := exitOK
	js := []digestOutcomeJSON{}
	for _, o := range outs {
		if o.Err != nil {
			code = exitFailed
		}
		if a.jsonOut {
			js = append(js, newDigestOutcomeJSON(o))
			continue
		}
		switch {
		case o.Err != nil:
			fmt.Fprintf(a.stdout, "%s  %s: %v\n", o.Recipient, stateOr(string(o.Digest.State), "failed"), o.Err)
		case o.Skipped != "":
			fmt.Fprintf(a.stdout, "%s  nothing sent: %s\n", o.Recipient, o.Skipped)
		case o.Note != "":
			fmt.Fprintf(a.stdout, "%s  sent again %q to %s: %s\n", o.Recipient, o.Digest.Subject, o.Digest.DeliveredTo, o.Note)
		default:
			fmt.Fprintf(a.stdout, "%s  sent %q to %s\n", o.Recipient, o.Digest.Subject, o.Digest.DeliveredTo)
		}
	}
	if a.jsonOut {
		if err := a.printJSON(js); err != nil {
			return err
		}
	}
	return status(code)
}

// digestOutcomeJSON is what `tracker digest --send --json` prints for a
// recipient (an array of them), and --resend N --json for the digest.
type digestOutcomeJSON struct {
	Recipient string `json:"recipient"`
	// Sent is true when this run handed the digest over; Skipped says why
	// nothing was sent, Error why sending failed.
	Sent    bool        `json:"sent"`
	Skipped string      `json:"skipped,omitempty"`
	Error   string      `json:"error,omitempty"`
	Digest  *api.Digest `json:"digest"`
}

func newDigestOutcomeJSON(o digest.Outcome) digestOutcomeJSON {
	j := digestOutcomeJSON{Recipient: o.Recipient, Skipped: o.Skipped}
	if o.Err != nil {
		j.Error = o.Err.Error()
	}
	if o.Digest.ID != 0 {
		d := api.NewDigest(o.Digest)
		j.Digest = &d
	}
	j.Sent = o.Err == nil && o.Skipped == "" && j.Digest != nil
	return j
}

// preview renders the next digest of r: text to stdout, HTML to out,
// after saying when it goes out.
func (a *app) preview(ctx context.Context, sender *digest.Sender, r *config.Recipient, out string) error {
	next, err := sender.Next(ctx, r)
	if err != nil {
		return err
	}
	dg, d, err := sender.Preview(ctx, r)
	if err != nil {
		return err
	}
	if out != "" {
		if err := os.WriteFile(out, []byte(d.HTML), 0o644); err != nil {
			return err
		}
	}
	if a.jsonOut {
		return a.printJSON(previewJSON{Recipient: r.Address, Next: nextJSON{At: api.Time(next.At), Due: next.Due, First: next.First,
			WindowStart: api.Time(next.Start)}, WindowStart: api.Time(dg.Start), WindowEnd: api.Time(dg.End), Subject: d.Subject,
			Changes: dg.Changes, Items: dg.Items, Quiet: dg.Quiet, Text: d.Text, HTML: d.HTML})
	}
	fmt.Fprintln(a.stdout, nextLine(sender, r, next))
	fmt.Fprintf(a.stdout, "\nSubject: %s\n\n%s", d.Subject, d.Text)
	if !strings.HasSuffix(d.Text, "\n") {
		fmt.Fprintln(a.stdout) // what follows in a terminal starts a line of its own
	}
	if out != "" {
		fmt.Fprintf(a.stderr, "HTML written to %s\n", out)
	}
	return nil
}

// nextLine says when r's next digest goes out, and how a new recipient
// gets one now.
func nextLine(sender *digest.Sender, r *config.Recipient, next digest.Next) string {
	loc := r.Location
	if loc == nil {
		loc = time.UTC
	}
	at := func(t time.Time) string { return t.In(loc).Format("Mon 2 Jan 2006 15:04 MST") }
	who := r.Address
	var s string
	if next.Due {
		s = fmt.Sprintf("The digest to %s for %s is due: tracker digest --send sends it now (the daemon, within a minute).", who, at(next.At))
	} else {
		s = fmt.Sprintf("The next digest to %s goes out %s (in %s, schedule %q), covering from %s.", who, at(next.At),
			roughly(next.At.Sub(sender.Now())), sender.Config.Mail.Schedule, at(next.Start))
	}
	// The placeholder recipient of a preview without recipients cannot be
	// sent a catch-up.
	if next.First && !next.Due && sender.Config.Recipient(r.Address) != nil {
		s += fmt.Sprintf("\nNo digest has gone to %s yet: tracker digest --send --catch-up --recipient %s sends the last 7 days now.", who, who)
	}
	return s
}

// roughly writes a duration the way people say it: "3 days", "5 hours".
func roughly(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d hours", int(d.Hours()))
	case d >= 2*time.Minute:
		return fmt.Sprintf("%d minutes", int(d.Minutes()))
	}
	return "a minute or so"
}

// previewJSON is `tracker digest --preview --json`: the next digest as it
// would be if sent now (window_start to window_end, now), and when the
// next one goes out (next).
type previewJSON struct {
	Recipient   string   `json:"recipient"`
	Next        nextJSON `json:"next"`
	WindowStart *string  `json:"window_start"`
	WindowEnd   *string  `json:"window_end"`
	Subject     string   `json:"subject"`
	Changes     int      `json:"changes"`
	Items       int      `json:"items"`
	Quiet       bool     `json:"quiet"`
	Text        string   `json:"text"`
	HTML        string   `json:"html"`
}

type nextJSON struct {
	At          *string `json:"at"`
	Due         bool    `json:"due"`
	First       bool    `json:"first"`
	WindowStart *string `json:"window_start"`
}

// resend sends recorded digest n again.
func (a *app) resend(ctx context.Context, sender *digest.Sender, n int64) error {
	o := sender.Resend(ctx, n)
	if errors.Is(o.Err, store.ErrNotFound) {
		return usagef("no digest %d: see tracker digests for their numbers", n)
	}
	if a.jsonOut {
		if err := a.printJSON(newDigestOutcomeJSON(o)); err != nil {
			return err
		}
		if o.Err != nil {
			return reported(exitFailed)
		}
		return nil
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
