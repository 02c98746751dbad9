package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"tracker"
	"tracker/internal/api"
	"tracker/internal/notify"
	"tracker/internal/store"
)

type deliveriesFlags struct {
	target string
	states stringList
	limit  int
	send   bool
}

func deliveriesCmd(a *app, fs *flag.FlagSet) runner {
	var f deliveriesFlags
	fs.StringVar(&f.target, "target", "", "only the deliveries to this webhook `name` or mail address")
	fs.Var(&f.states, "state", "only deliveries in this `state` (pending, sending, sent, failed, uncertain; repeatable)")
	fs.IntVar(&f.limit, "limit", 50, "list at most `N` deliveries, the most recent first (0: all)")
	fs.BoolVar(&f.send, "send", false, "first record what is due and attempt the deliveries due now, as the daemon does")
	return func(ctx context.Context, args []string) error { return a.deliveries(ctx, args, &f) }
}

// deliveries lists the ledger of webhook deliveries and alert mails; with
// --send it first does what the daemon does on its own.
func (a *app) deliveries(ctx context.Context, args []string, f *deliveriesFlags) error {
	if len(args) > 0 {
		return errUsage
	}
	filter := store.DeliveryFilter{Target: f.target, Limit: f.limit}
	for _, s := range f.states {
		switch st := tracker.DeliveryState(s); st {
		case tracker.DeliveryPending, tracker.DeliverySending, tracker.DeliverySent, tracker.DeliveryFailed, tracker.DeliveryUncertain:
			filter.States = append(filter.States, st)
		default:
			return usagef("--state: %q is not one of pending, sending, sent, failed, uncertain", s)
		}
	}
	failed := false
	if f.send {
		var err error
		if failed, err = a.sendDeliveries(ctx); err != nil {
			return err
		}
	}
	query := func(db store.Store) ([]tracker.Delivery, error) { return db.Deliveries(ctx, filter) }
	err := list(ctx, a, nil, query, api.NewDelivery, "no delivery yet", func(list []tracker.Delivery) {
		tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "N\tCREATED\tTARGET\tKIND\tSTATE\tATTEMPTS\tNEXT\tWHAT")
		for _, d := range list {
			next := "-"
			if !d.State.Settled() {
				next = fmtTime(d.NextAttempt)
			}
			what := d.Subject + deliveryNote(d)
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", d.ID, fmtTime(d.CreatedAt), d.Target, d.Kind, d.State, d.Attempts, next, what)
		}
		tw.Flush()
	})
	if err == nil && failed {
		return status(exitFailed)
	}
	return err
}

// deliveryNote says why a delivery is not sent yet, and whether a copy may
// have arrived twice, as `tracker digests` does for digests.
func deliveryNote(d tracker.Delivery) string {
	switch {
	case d.State == tracker.DeliverySent && d.Doubtful > 0:
		attempts := "an attempt"
		if d.Doubtful > 1 {
			attempts = fmt.Sprintf("%d attempts", d.Doubtful)
		}
		return fmt.Sprintf(" — sent again after %s whose outcome is unknown: a copy may have arrived twice, under the same %s", attempts, deliveryIDName(d))
	case d.State == tracker.DeliveryUncertain:
		return fmt.Sprintf(" — in doubt (%s): sent again under the same %s", d.LastError, deliveryIDName(d))
	case d.LastError != "" && d.State != tracker.DeliverySent:
		return " — " + d.LastError
	}
	return ""
}

func deliveryIDName(d tracker.Delivery) string {
	if d.Channel == tracker.ChannelMail {
		return "Message-ID"
	}
	return notify.HeaderDelivery
}

// sendDeliveries records the deliveries due and attempts those due now;
// failed says whether an attempt failed (it is retried later).
func (a *app) sendDeliveries(ctx context.Context) (failed bool, err error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return false, usage(err)
	}
	db, err := a.openDB(ctx, true)
	if err != nil {
		return false, err
	}
	defer db.Close()
	n, err := notify.New(cfg, taxonomy(cfg), db, a.getenv, a.logger())
	if err != nil {
		return false, usage(err)
	}
	n.Now = a.now
	p := n.Pass(ctx)
	if p.Busy {
		a.errorf("deliveries: another tracker process is recording and sending them now: nothing attempted; it sends what is due")
		return false, nil
	}
	for _, o := range p.Outcomes {
		if o.Err != nil {
			failed = true
			if !a.jsonOut {
				next := ""
				if !o.Delivery.State.Settled() {
					next = ", retried after " + o.Delivery.NextAttempt.UTC().Format(time.RFC3339)
				}
				a.errorf("delivery %d to %s: %v%s", o.Delivery.ID, o.Delivery.Target, o.Err, next)
			}
		}
	}
	return failed, p.Err
}
