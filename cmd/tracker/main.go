// Command tracker follows legal documents and regulator feeds, records every
// real change of their text, and mails digests of what changed.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // recipients' time zones, even where the system has none
)

func main() {
	os.Exit(runMain())
}

// runMain runs the command line until it ends or SIGINT or SIGTERM stop it.
func runMain() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
}
