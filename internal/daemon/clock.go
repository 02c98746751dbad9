package daemon

import "time"

// Clock is the daemon's time.
type Clock interface {
	Now() time.Time
	// Until fires once this clock reaches t (at once when it has). The
	// time is absolute, not a duration from a Now read before: a clock
	// moved in between would otherwise fire late by as much as it moved.
	Until(t time.Time) <-chan time.Time
}

// RealClock is the wall clock.
type RealClock struct{}

// Now is time.Now.
func (RealClock) Now() time.Time { return time.Now() }

// Until is time.After of what remains until t.
func (RealClock) Until(t time.Time) <-chan time.Time { return time.After(time.Until(t)) }
