package store

import (
	"context"
	"fmt"
	"os"
	"syscall"
)

// Lock takes the exclusive lock called name that every tracker process
// working on this database shares, waiting for it until ctx ends, and
// returns what releases it. The kernel releases it when the process ends,
// killed or not: a lock is never left behind. The digests lock makes one
// process at a time send digests, so that a digest found half-sent was
// left so by a process that stopped, not by one still sending it.
//
// On SQLite it is a file beside the database (tracker.db.digests.lock);
// on PostgreSQL an advisory lock of the database's schema, held by a
// connection of its own, which the server releases when the connection
// ends, whichever machine the process ran on.
func (db *DB) Lock(ctx context.Context, name string) (release func(), err error) {
	if db.pg != nil {
		return db.pg.lock(ctx, db, name)
	}
	path := db.path + "." + name + ".lock"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("store: lock %s: %w (is its directory writable by the user running tracker?)", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err == nil {
		return unlocker(f), nil
	}
	// Held by another process: wait in the background, so that ctx can end
	// the wait; a lock taken after that is given back at once.
	got := make(chan error, 1)
	go func() { got <- syscall.Flock(int(f.Fd()), syscall.LOCK_EX) }()
	select {
	case err := <-got:
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("store: lock %s: %w", path, err)
		}
		return unlocker(f), nil
	case <-ctx.Done():
		go func() {
			if <-got == nil {
				syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
			}
			f.Close()
		}()
		return nil, ctx.Err()
	}
}

func unlocker(f *os.File) func() {
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}
}
