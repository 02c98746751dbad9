package daemon

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"tracker/internal/store"
)

// Lock makes sure one daemon at a time runs on a database: it holds an
// exclusive lock on dbPath + ".lock" until the returned function is called
// or the process ends (even killed: the kernel releases it). Other commands
// do not take it; they keep working while the daemon runs.
//
// The returned function removes the file, so a clean stop leaves nothing
// behind; a file left by a killed process is taken over, since no one
// holds its lock.
//
// A PostgreSQL database takes no lock: any number of daemons (workers)
// share it, each due check leased to one of them (see store.Workers).
func Lock(dbPath string) (unlock func(), err error) {
	if store.IsPostgres(dbPath) {
		return func() {}, nil
	}
	path := dbPath + ".lock"
	for try := 0; ; try++ {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("daemon: lock %s: %w", path, err)
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			b, _ := os.ReadFile(path)
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				who := "another process"
				if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil {
					who = fmt.Sprintf("process %d", pid)
				}
				return nil, fmt.Errorf("another tracker run is already using %s (%s holds %s): stop it first; the other commands work alongside it", dbPath, who, path)
			}
			return nil, fmt.Errorf("daemon: lock %s: %w", path, err)
		}
		// The holder before us may have removed the file between our open
		// and our lock, and another process may hold a new file at that
		// path: the lock counts only on the file the path still names.
		if !samePath(f, path) {
			f.Close()
			if try < 10 {
				continue
			}
			return nil, fmt.Errorf("daemon: lock %s: the file keeps being replaced while it is locked", path)
		}
		f.Truncate(0)
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
		return func() {
			os.Remove(path) // while locked: whoever opened it meanwhile sees it gone (see samePath)
			syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
			f.Close()
		}, nil
	}
}

// samePath reports whether path still names the open file f.
func samePath(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(path)
	return err == nil && os.SameFile(a, b)
}
