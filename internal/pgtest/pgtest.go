// Package pgtest gives tests a PostgreSQL database of their own: a schema
// on the server TRACKER_TEST_POSTGRES names (.ci/run starts one), or else
// on a throwaway server the test process starts from the machine's
// PostgreSQL binaries (initdb in a temporary directory, listening on a
// unix socket there and on no TCP port), stopped and removed when the test
// process ends, even killed. Without either, the tests skip saying so; in
// CI they fail.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// ServerEnv names the variable that gives the tests a PostgreSQL server.
const ServerEnv = "TRACKER_TEST_POSTGRES"

// The throwaway server is one per test process: starting one takes seconds,
// a schema on it milliseconds. This is the package's only state, and only
// tests hold it.
var local struct {
	once sync.Once
	addr string
	err  error
	// The server's shell reads this pipe until the process ends: kept
	// here, it is never closed (nor collected) before.
	stdin io.WriteCloser
}

// Server returns the address of the tests' PostgreSQL server, starting one
// when none is given; it skips tb (fails it in CI) when neither is possible.
func Server(tb testing.TB) string {
	tb.Helper()
	if s := os.Getenv(ServerEnv); s != "" {
		return s
	}
	local.once.Do(func() { local.addr, local.err = start() })
	if local.err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("no PostgreSQL server for the tests: %v (.ci/run installs postgresql and sets %s)", local.err, ServerEnv)
		}
		tb.Skipf("no PostgreSQL to test on: %v; install Debian's postgresql, or set %s=postgres://USER@127.0.0.1:PORT/DB", local.err, ServerEnv)
	}
	return local.addr
}

// Schema returns the address of a new empty database on the tests' server:
// a schema of its own (the address sets search_path), dropped when tb ends
// unless TRACKER_TEST_KEEP is set.
func Schema(tb testing.TB) string {
	tb.Helper()
	server := Server(tb)
	b := make([]byte, 6)
	rand.Read(b)
	name := "t_" + hex.EncodeToString(b)
	db, err := sql.Open("pgx", server)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := db.Exec(`CREATE SCHEMA ` + name); err != nil {
		db.Close()
		tb.Fatalf("pgtest: a schema on the test server: %v", err)
	}
	tb.Cleanup(func() {
		if os.Getenv("TRACKER_TEST_KEEP") == "" {
			db.Exec(`DROP SCHEMA ` + name + ` CASCADE`)
		}
		db.Close()
	})
	u, err := url.Parse(server)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// bin finds the directory of PostgreSQL's server programs: on the PATH, or
// where Debian's packages put them (the newest version).
func bin() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if p, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	var found []string
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			found = append(found, d)
		}
	}
	if len(found) == 0 {
		return "", errors.New("no initdb on the PATH or in /usr/lib/postgresql/*/bin")
	}
	version := func(d string) int { n, _ := strconv.Atoi(filepath.Base(filepath.Dir(d))); return n }
	sort.Slice(found, func(i, j int) bool { return version(found[i]) > version(found[j]) })
	return found[0], nil
}

// start initialises a cluster in a temporary directory and starts its
// server under a shell that stops it and removes the directory once the
// test process ends: the shell reads its stdin, a pipe from this process,
// until the kernel closes it.
func start() (string, error) {
	dir, err := bin()
	if err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp("", "tracker-pg-")
	if err != nil {
		return "", err
	}
	// PostgreSQL refuses to run as root: as root, the cluster is the
	// postgres user's (Debian's package creates it).
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(tmp)
			return "", fmt.Errorf("running as root and no postgres user to run the server as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(tmp, uid, gid); err != nil {
			os.RemoveAll(tmp)
			return "", err
		}
	}
	data := filepath.Join(tmp, "data")
	initdb := exec.Command(filepath.Join(dir, "initdb"), "-D", data, "-U", "tracker", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("initdb: %v: %s", err, out)
	}
	// No TCP at all: the socket in tmp is the only way in. Durability is
	// not what tests need.
	script := `"$1/postgres" -D "$2/data" -k "$2" -c listen_addresses= -c fsync=off -c synchronous_commit=off \
		-c full_page_writes=off -c max_connections=300 -c shared_buffers=32MB >"$2/log" 2>&1 &
		pid=$!
		cat >/dev/null
		kill -INT $pid; wait $pid; rm -rf "$2"`
	sh := exec.Command("/bin/sh", "-c", script, "sh", dir, tmp)
	sh.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true}
	stdin, err := sh.StdinPipe()
	if err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	if err := sh.Start(); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	local.stdin = stdin
	addr := "postgres://tracker@/postgres?host=" + url.QueryEscape(tmp)
	if err := ready(addr); err != nil {
		log, _ := os.ReadFile(filepath.Join(tmp, "log"))
		return "", fmt.Errorf("the test server in %s did not start: %v: %s", tmp, err, log)
	}
	return addr, nil
}

// ready waits until the server takes connections: a server on a loaded
// machine starts when it starts, so the wait is long and only a bound.
func ready(addr string) error {
	db, err := sql.Open("pgx", addr)
	if err != nil {
		return err
	}
	defer db.Close()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := db.PingContext(ctx)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}
