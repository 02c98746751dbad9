package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"tracker/internal/daemon"
)

// workersJSON is `tracker workers --json`.
type workersJSON struct {
	Workers []workerJSON    `json:"workers"`
	Checks  []checkDoneJSON `json:"checks"`
}

type workerJSON struct {
	ID        string     `json:"id"`
	Hostname  string     `json:"hostname"`
	PID       int        `json:"pid"`
	StartedAt time.Time  `json:"started_at"`
	SeenAt    time.Time  `json:"seen_at"`
	StoppedAt *time.Time `json:"stopped_at,omitempty"`
	Leases    int        `json:"leases"`
	Checks    int        `json:"checks"`
}

type checkDoneJSON struct {
	Source     string    `json:"source"`
	Slot       time.Time `json:"slot"`
	NextSlot   time.Time `json:"next_slot"`
	Worker     string    `json:"worker"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	Outcome    string    `json:"outcome"`
}

func workersCmd(a *app, fs *flag.FlagSet) runner {
	n := fs.Int("checks", 20, "list the latest `N` checks")
	source := fs.String("source", "", "list the checks of this source `ID` only")
	return func(ctx context.Context, args []string) error {
		if len(args) > 0 {
			return errUsage
		}
		return a.workers(ctx, *n, *source)
	}
}

// workers shows the daemons sharing the database and who checked what,
// when.
func (a *app) workers(ctx context.Context, n int, source string) error {
	db, err := a.openDB(ctx, true)
	if err != nil {
		return err
	}
	defer db.Close()
	ws, err := db.WorkerList(ctx)
	if err != nil {
		return err
	}
	latest, err := db.Checks(ctx, source, n)
	if err != nil {
		return err
	}
	if a.jsonOut {
		out := workersJSON{Workers: []workerJSON{}, Checks: []checkDoneJSON{}}
		for _, w := range ws {
			j := workerJSON{ID: w.ID, Hostname: w.Hostname, PID: w.PID, StartedAt: w.StartedAt, SeenAt: w.SeenAt, Leases: w.Leases, Checks: w.Checks}
			if !w.StoppedAt.IsZero() {
				j.StoppedAt = &w.StoppedAt
			}
			out.Workers = append(out.Workers, j)
		}
		for _, c := range latest {
			out.Checks = append(out.Checks, checkDoneJSON{Source: c.SourceID, Slot: c.Slot, NextSlot: c.NextSlot, Worker: c.Worker,
				StartedAt: c.StartedAt, FinishedAt: c.FinishedAt, Outcome: string(c.Outcome)})
		}
		return a.printJSON(out)
	}
	if len(ws) == 0 {
		fmt.Fprintf(a.stdout, "no worker has run on %s yet: start `tracker run`\n", a.dbName())
		return nil
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WORKER\tSTARTED\tLAST SEEN\tSTATE\tLEASES\tCHECKS")
	for _, w := range ws {
		state := "running"
		if !w.StoppedAt.IsZero() {
			state = "stopped"
		} else if a.now().Sub(w.SeenAt) > daemon.DefaultLeaseTTL {
			state = "silent" // died, or lost the database: its leases expire
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\n", w.ID, fmtTime(w.StartedAt), fmtTime(w.SeenAt), state, w.Leases, w.Checks)
	}
	tw.Flush()
	if len(latest) == 0 {
		return nil
	}
	fmt.Fprintln(a.stdout)
	tw = tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tSLOT\tWORKER\tFINISHED\tOUTCOME")
	for _, c := range latest {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.SourceID, fmtTime(c.Slot), c.Worker, fmtTime(c.FinishedAt), c.Outcome)
	}
	return tw.Flush()
}
