package daemon

import (
	"sync"
	"time"
)

// Clock is the daemon's time.
type Clock interface {
	Now() time.Time
	// After fires once d has passed on this clock.
	After(d time.Duration) <-chan time.Time
}

// RealClock is the wall clock.
type RealClock struct{}

// Now is time.Now.
func (RealClock) Now() time.Time { return time.Now() }

// After is time.After.
func (RealClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// ScaledClock runs faster than the wall clock: from Start, each real second
// is Factor seconds. Tests use it to live through weeks of schedules in
// seconds.
type ScaledClock struct {
	start  time.Time
	factor float64

	mu    sync.Mutex
	began time.Time
}

// NewScaledClock starts a scaled clock at start.
func NewScaledClock(start time.Time, factor float64) *ScaledClock {
	return &ScaledClock{start: start, factor: factor, began: time.Now()}
}

// Now is the scaled time.
func (c *ScaledClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.start.Add(time.Duration(float64(time.Since(c.began)) * c.factor))
}

// After fires after d scaled time.
func (c *ScaledClock) After(d time.Duration) <-chan time.Time {
	return time.After(time.Duration(float64(max(d, 0)) / c.factor))
}
