package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"tracker/internal/storetest"
)

// One process at a time holds a named lock of a database, whichever engine
// holds it: a second waits until the first gives it back, or until its
// context ends, and a lock of another name is free meanwhile.
func TestLockIsHeldByOneAtATime(t *testing.T) {
	addr := storetest.Address(t)
	a, b := storetest.OpenAt(t, addr), storetest.OpenAt(t, addr)
	ctx := context.Background()
	release, err := a.Lock(ctx, "digests")
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if r, err := b.Lock(short, "digests"); !errors.Is(err, context.DeadlineExceeded) {
		if r != nil {
			r()
		}
		t.Fatalf("a second holder of the digests lock: err %v, want it to wait until its context ends", err)
	}
	other, err := b.Lock(ctx, "another")
	if err != nil {
		t.Fatalf("a lock of another name: %v", err)
	}
	other()

	got := make(chan error, 1)
	go func() {
		r, err := b.Lock(ctx, "digests")
		if err == nil {
			r()
		}
		got <- err
	}()
	release()
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("the lock given back: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the lock given back was not taken by the one waiting for it")
	}
}
