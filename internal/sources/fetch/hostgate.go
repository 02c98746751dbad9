package fetch

import (
	"context"
	"sync"
	"time"
)

// hostGate lets one request at a time reach a host, with a pause between
// consecutive requests, while different hosts proceed in parallel.
type hostGate struct {
	delay time.Duration
	mu    sync.Mutex
	hosts map[string]*hostSlot
}

type hostSlot struct {
	busy chan struct{} // holds a token while a request is under way
	last time.Time     // when the previous request to the host ended
}

func newHostGate(delay time.Duration) *hostGate {
	return &hostGate{delay: delay, hosts: map[string]*hostSlot{}}
}

// acquire waits for the host to be free and the polite delay to pass, and
// returns the function that frees it again.
func (g *hostGate) acquire(ctx context.Context, host string, sleep func(context.Context, time.Duration) error) (func(), error) {
	g.mu.Lock()
	slot, ok := g.hosts[host]
	if !ok {
		slot = &hostSlot{busy: make(chan struct{}, 1)}
		g.hosts[host] = slot
	}
	g.mu.Unlock()

	select {
	case slot.busy <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if wait := time.Until(slot.last.Add(g.delay)); g.delay > 0 && !slot.last.IsZero() && wait > 0 {
		if err := sleep(ctx, wait); err != nil {
			<-slot.busy
			return nil, err
		}
	}
	return func() {
		slot.last = time.Now()
		<-slot.busy
	}, nil
}
