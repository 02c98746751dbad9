package main

import (
	"errors"
	"flag"
	"fmt"
)

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1 // the command ran, but something it did failed
	exitUsage  = 2 // bad flags, arguments or configuration
)

// usageError is a command called the wrong way, or a configuration it
// cannot use: exit code 2. err, when set, is printed; usage asks for the
// command's usage too.
type usageError struct {
	err   error
	usage bool
}

func (e *usageError) Error() string {
	if e.err == nil {
		return "usage"
	}
	return e.err.Error()
}

func (e *usageError) Unwrap() error { return e.err }

// errUsage says the arguments do not fit the command: its usage is printed.
var errUsage = &usageError{usage: true}

// usagef is a usage error saying what is wrong.
func usagef(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}

// usage makes err a usage error (nil stays nil).
func usage(err error) error {
	if err == nil {
		return nil
	}
	return &usageError{err: err}
}

// reported is the end of a command that printed what went wrong itself (a
// line per source that failed, say): only its exit code is left to give.
type reported int

func (r reported) Error() string { return fmt.Sprintf("exit status %d", int(r)) }

// status is nil for exitOK, otherwise the code as reported.
func status(code int) error {
	if code == exitOK {
		return nil
	}
	return reported(code)
}

// exit says how a command ended and returns its exit code: "tracker: ..."
// on stderr and 1 for a failure, 2 for a usage error (with the command's
// usage when it asks for it), and the code alone for what the command
// reported itself.
func (a *app) exit(err error, fs *flag.FlagSet) int {
	var ue *usageError
	var r reported
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &r):
		return int(r)
	case errors.As(err, &ue):
		if ue.err != nil {
			a.errorf("%v", ue.err)
		}
		if ue.usage {
			fs.Usage()
		}
		return exitUsage
	}
	a.errorf("%v", err)
	return exitFailed
}
