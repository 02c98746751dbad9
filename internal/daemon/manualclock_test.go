package daemon

import (
	"sync"
	"testing"
	"time"
)

// manualClock is a Clock that moves only when the test moves it: a test
// says which simulated times it lives through, however slow the machine.
type manualClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*manualTimer // not fired yet
	last   *manualTimer   // made by the latest call to Until
}

type manualTimer struct {
	at    time.Time
	c     chan time.Time
	fired bool
}

func newManualClock(start time.Time) *manualClock {
	return &manualClock{now: start}
}

// Now is the time the clock was last moved to.
func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Until fires once the clock is moved to at or further on; at once when
// it is there already.
func (c *manualClock) Until(at time.Time) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &manualTimer{at: at, c: make(chan time.Time, 1)}
	c.last = t
	if !at.After(c.now) {
		t.fire(c.now)
	} else {
		c.timers = append(c.timers, t)
	}
	return t.c
}

func (t *manualTimer) fire(now time.Time) {
	t.fired = true
	t.c <- now
}

// AdvanceTo moves the clock to at and fires the timers due by then.
func (c *manualClock) AdvanceTo(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if at.Before(c.now) {
		panic("manualClock: moved back from " + c.now.String() + " to " + at.String())
	}
	c.now = at
	kept := c.timers[:0]
	for _, t := range c.timers {
		if t.at.After(at) {
			kept = append(kept, t)
		} else {
			t.fire(at)
		}
	}
	clear(c.timers[len(kept):])
	c.timers = kept
}

// Advance moves the clock d on.
func (c *manualClock) Advance(d time.Duration) { c.AdvanceTo(c.Now().Add(d)) }

// Waiting is the time the latest caller of Until waits for, and whether it
// still waits (its timer has not fired).
func (c *manualClock) Waiting() (at time.Time, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil || c.last.fired {
		return time.Time{}, false
	}
	return c.last.at, true
}

// The daemon tests are only as exact as their clock: a timer fires when
// the clock reaches it, not before, and only once.
func TestManualClock(t *testing.T) {
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	c := newManualClock(start)
	fired := func(ch <-chan time.Time) bool {
		select {
		case <-ch:
			return true
		default:
			return false
		}
	}
	if !fired(c.Until(start)) {
		t.Error("Until(now) did not fire at once")
	}
	soon, later := c.Until(start.Add(time.Minute)), c.Until(start.Add(time.Hour))
	if at, ok := c.Waiting(); !ok || !at.Equal(start.Add(hour)) {
		t.Errorf("waiting for %v (%v), want the latest timer's %v", at, ok, start.Add(hour))
	}
	c.Advance(time.Minute - time.Nanosecond)
	if fired(soon) {
		t.Error("a timer fired before its time")
	}
	c.Advance(time.Nanosecond)
	if !fired(soon) || fired(later) {
		t.Error("at a minute, not exactly the one-minute timer fired")
	}
	c.AdvanceTo(start.Add(2 * hour))
	if !fired(later) || !c.Now().Equal(start.Add(2*hour)) {
		t.Error("moved past the hour, the one-hour timer did not fire")
	}
	if _, ok := c.Waiting(); ok {
		t.Error("still waiting after the latest timer fired")
	}
}
