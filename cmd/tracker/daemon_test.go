package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"tracker/internal/api"
	"tracker/internal/replaytest"
	"tracker/internal/store"
)

// daemonProc is a `tracker run` process.
type daemonProc struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	logs bytes.Buffer
	done chan struct{}
}

func startDaemon(t *testing.T, e *env, args ...string) *daemonProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"run", "--log-format", "json"}, args...)...)
	cmd.Env = append(os.Environ(), "TRACKER_TEST_AS_MAIN=1", "TRACKER_CONFIG="+e.config, "TRACKER_DB="+e.db)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &daemonProc{cmd: cmd, done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.logs.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
		}
		cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
	})
	return p
}

func (p *daemonProc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

// addr waits for the daemon started with --listen to serve, and returns
// its base URL.
func (p *daemonProc) addr(t *testing.T) string {
	t.Helper()
	p.waitLog(t, `"msg":"serving"`, 20*time.Second)
	for _, line := range strings.Split(p.log(), "\n") {
		var l struct{ Msg, Addr string }
		if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "serving" {
			return l.Addr
		}
	}
	t.Fatalf("no address in the logs:\n%s", p.log())
	return ""
}

// waitLog waits until the logs contain s.
func (p *daemonProc) waitLog(t *testing.T, s string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if strings.Contains(p.log(), s) {
			return
		}
		select {
		case <-p.done:
			t.Fatalf("the daemon exited (%v) before logging %q:\n%s", p.cmd.ProcessState, s, p.log())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("no %q in the logs after %v:\n%s", s, timeout, p.log())
}

// eventually calls f until it returns nil, for at most timeout, and fails
// the test with f's last error: a wait on what the daemon does, not on how
// fast it does it.
func eventually(t *testing.T, timeout time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %v", timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (p *daemonProc) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(timeout):
		t.Fatalf("the daemon did not exit within %v:\n%s", timeout, p.log())
	}
	return -1
}

func integrity(t *testing.T, path string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("the database does not open: %v", err)
	}
	if err := db.IntegrityCheck(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

func daemonConfig(srv string, n int, extra string) string {
	var b strings.Builder
	b.WriteString("settings: {retries: 0, host_delay: 0s, jitter: 0s, shutdown_grace: 1m, concurrency: 4}\nsources:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {id: doc-%02d, kind: page, url: '%s/doc/%d', select: article, remove: [.language-selection], schedule: '@every 1s'%s}\n", i, srv, i, extra)
	}
	return b.String()
}

// SIGTERM stops new work, lets the check under way finish and exits 0 with
// the database consistent.
func TestDaemonSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tracker processes")
	}
	docs, _ := replaytest.Load(replaytest.OTADir())
	md := docs["Privacy Policy"][40].Markdown
	srv := replaytest.NewServer()
	defer srv.Close()
	started, release, finished := make(chan struct{}, 1), make(chan struct{}), make(chan struct{})
	defer close(finished) // before srv.Close: a failed test leaves the check held
	srv.Handle("/doc/0", func(w http.ResponseWriter, r *http.Request) {
		select {
		case started <- struct{}{}:
		default:
		}
		select { // a slow site: it answers once the daemon is stopping
		case <-release:
		case <-finished:
		}
		replaytest.Document(md, 1)(w, r)
	})
	e := newEnv(t, daemonConfig(srv.URL, 1, ""))
	p := startDaemon(t, e)
	select {
	case <-started:
	case <-time.After(20 * time.Second):
		t.Fatalf("no check started:\n%s", p.log())
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.waitLog(t, "waiting for the work under way", 20*time.Second)
	close(release) // still under way at SIGTERM, however slow the machine
	if code := p.wait(t, 30*time.Second); code != 0 {
		t.Fatalf("exit %d after SIGTERM:\n%s", code, p.log())
	}
	logs := p.log()
	if !strings.Contains(logs, "waiting for the work under way") || !strings.Contains(logs, `"msg":"stopped"`) {
		t.Errorf("logs:\n%s", logs)
	}
	db := integrity(t, e.db)
	defer db.Close()
	if vs, _ := db.Versions(context.Background(), "doc-00"); len(vs) != 1 {
		t.Errorf("the check under way at SIGTERM was not allowed to finish: %d versions", len(vs))
	}
}

// SIGKILL at any moment leaves a database that opens, passes the integrity
// check and holds every version the daemon logged.
func TestDaemonSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tracker processes")
	}
	docs, _ := replaytest.Load(replaytest.OTADir())
	history := docs["Privacy Policy"]
	srv := replaytest.NewServer()
	defer srv.Close()
	const n = 12
	var mu sync.Mutex
	round := 0
	for i := range n {
		srv.Handle(fmt.Sprintf("/doc/%d", i), func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			v := history[(round*7+i*5)%len(history)]
			mu.Unlock()
			replaytest.Document(v.Markdown, uint64(i))(w, r)
		})
	}
	e := newEnv(t, daemonConfig(srv.URL, n, ""))
	rnd := rand.New(rand.NewPCG(3, 5))
	total := 0
	for r := range 6 {
		mu.Lock()
		round = r
		mu.Unlock()
		p := startDaemon(t, e)
		// At a random moment once the daemon is at work: a fixed delay
		// could kill a daemon still starting on a slow machine.
		p.waitLog(t, `"msg":"checked"`, 20*time.Second)
		time.Sleep(time.Duration(rnd.IntN(2000)) * time.Millisecond)
		p.cmd.Process.Signal(syscall.SIGKILL)
		p.wait(t, 30*time.Second)

		db := integrity(t, e.db)
		logged := 0
		for _, line := range strings.Split(p.log(), "\n") {
			var l struct {
				Msg, Source, Outcome string
				Seq                  int
			}
			if json.Unmarshal([]byte(line), &l) != nil || l.Msg != "checked" || l.Outcome != "new" {
				continue
			}
			logged++
			if _, err := db.Version(context.Background(), l.Source, l.Seq); err != nil {
				t.Errorf("round %d: version %d of %s was logged, then lost: %v", r, l.Seq, l.Source, err)
			}
		}
		db.Close()
		total += logged
		t.Logf("round %d: %d new versions logged before SIGKILL", r, logged)
	}
	if total == 0 {
		t.Error("no new version was logged in any round: nothing was tested")
	}
}

// One daemon per database: a second one refuses to start, while the other
// commands keep working.
func TestSecondDaemonRefuses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tracker processes")
	}
	srv := replaytest.NewServer()
	defer srv.Close()
	srv.Handle("/doc/0", replaytest.Static(200, []byte("<html><body><article>"+strings.Repeat("Terms of service. ", 40)+"</article></body></html>")))
	e := newEnv(t, daemonConfig(srv.URL, 1, ""))
	if !e.onFile() {
		t.Skip("on PostgreSQL daemons share the database as workers (see internal/daemon's TestSeveralWorkers)")
	}
	first := startDaemon(t, e)
	first.waitLog(t, `"msg":"checked"`, 20*time.Second)
	second := startDaemon(t, e)
	if code := second.wait(t, 30*time.Second); code != exitFailed || !strings.Contains(second.log(), "another tracker run is already using") {
		t.Errorf("second daemon: exit %d\n%s", code, second.log())
	}
	if out := e.mustRun(exitOK, "sources"); !strings.Contains(out, "doc-00") {
		t.Errorf("tracker sources while the daemon runs:\n%s", out)
	}
	backup := e.dir + "/backup.db"
	if out := e.mustRun(exitOK, "backup", backup); !strings.Contains(out, "backed up") {
		t.Errorf("backup: %s", out)
	}
	bdb := integrity(t, backup)
	if vs, _ := bdb.Versions(context.Background(), "doc-00"); len(vs) != 1 {
		t.Errorf("the backup holds %d versions", len(vs))
	}
	bdb.Close()
	first.cmd.Process.Signal(syscall.SIGTERM)
	if code := first.wait(t, 30*time.Second); code != 0 {
		t.Errorf("exit %d", code)
	}
}

// SIGHUP with a broken configuration keeps the running one; with a valid
// one, takes it.
func TestSIGHUPReload(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tracker processes")
	}
	srv := replaytest.NewServer()
	defer srv.Close()
	page := []byte("<html><body><article>" + strings.Repeat("Terms of service. ", 40) + "</article></body></html>")
	srv.Handle("/doc/0", replaytest.Static(200, page))
	srv.Handle("/doc/1", replaytest.Static(200, page))
	e := newEnv(t, daemonConfig(srv.URL, 1, ""))
	p := startDaemon(t, e, "--listen", "127.0.0.1:0")
	addr := p.addr(t)
	p.waitLog(t, `"msg":"checked"`, 20*time.Second)

	os.WriteFile(e.config, []byte("sources:\n  - {id: doc-00, kind: pgae}\n"), 0o644)
	p.cmd.Process.Signal(syscall.SIGHUP)
	p.waitLog(t, "configuration not reloaded: the running one is kept", 20*time.Second)
	// Two more requests: the second at least was sent after the rejection.
	before := srv.Hits("/doc/0")
	eventually(t, 30*time.Second, func() error {
		if after := srv.Hits("/doc/0"); after < before+2 {
			return fmt.Errorf("no check after the rejected reload (%d → %d):\n%s", before, after, p.log())
		}
		return nil
	})

	os.WriteFile(e.config, []byte(daemonConfig(srv.URL, 2, "")), 0o644)
	p.cmd.Process.Signal(syscall.SIGHUP)
	p.waitLog(t, "configuration reloaded", 20*time.Second)
	eventually(t, 30*time.Second, func() error {
		if srv.Hits("/doc/1") == 0 {
			return fmt.Errorf("the source added by the reload was never checked:\n%s", p.log())
		}
		return nil
	})
	// The web pages know the new source as declared, not as one that left
	// the configuration (they switch just after the reload is logged).
	eventually(t, 30*time.Second, func() error {
		resp, err := http.Get(addr + "/api/sources")
		if err != nil {
			return err
		}
		var list []api.Source
		err = json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		if err != nil || len(list) != 2 || list[1].ID != "doc-01" || !list[1].Declared {
			return fmt.Errorf("web sources after the reload (%v): %+v", err, list)
		}
		return nil
	})
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.wait(t, 30*time.Second)
}

// --listen serves /healthz, /metrics and the web pages.
func TestDaemonListen(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tracker processes")
	}
	srv := replaytest.NewServer()
	defer srv.Close()
	srv.Handle("/doc/0", replaytest.Static(200, []byte("<html><body><article>"+strings.Repeat("Terms of service. ", 40)+"</article></body></html>")))
	e := newEnv(t, daemonConfig(srv.URL, 1, ""))
	p := startDaemon(t, e, "--listen", "127.0.0.1:0", "--base-url", "https://tracker.example.com")
	addr := p.addr(t)
	p.waitLog(t, `"msg":"checked"`, 20*time.Second)
	for path, want := range map[string]string{
		"/sources/doc-00/versions/1":  `<a href="https://tracker.example.com/sources/doc-00/versions/1">`,
		"/healthz":                    `"status":"ok"`,
		"/metrics":                    `tracker_checks_total{outcome="new",source="doc-00"} 1`,
		"/":                           "doc-00",
		"/api/sources/doc-00/history": `"seq": 1`,
	} {
		// The check is logged just before it is counted in /metrics.
		eventually(t, 20*time.Second, func() error {
			resp, err := http.Get(addr + path)
			if err != nil {
				return err
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(b), want) {
				return fmt.Errorf("%s lacks %q:\n%.500s", path, want, b)
			}
			if path == "/metrics" && !regexp.MustCompile(`\ntracker_database_bytes [1-9]`).Match(b) {
				return fmt.Errorf("/metrics lacks the size of the database")
			}
			return nil
		})
	}
}

// SIGINT (Ctrl-C) stops the daemon as SIGTERM does: exit 0, and nothing
// left behind in the directory that .gitignore would not keep out of a
// commit; the JSON logs write durations as people read them.
func TestDaemonStopsCleanly(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tracker processes")
	}
	srv := replaytest.NewServer()
	defer srv.Close()
	srv.Handle("/doc/0", replaytest.Static(200, []byte("<html><body><article>"+strings.Repeat("Terms of service. ", 40)+"</article></body></html>")))
	e := newEnv(t, daemonConfig(srv.URL, 1, ""))
	p := startDaemon(t, e)
	p.waitLog(t, `"msg":"checked"`, 20*time.Second)
	// What the daemon writes beside the database while it runs (the
	// database, its WAL, the lock) is ignored by git.
	ignore := gitignore(t)
	files, err := os.ReadDir(e.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Name() != "sources.yaml" && !ignore(f.Name()) {
			t.Errorf("%s, written by tracker run, is not in .gitignore", f.Name())
		}
	}
	if _, err := os.Stat(e.db + ".lock"); err != nil && e.onFile() {
		t.Errorf("no lock while the daemon runs: %v", err)
	}
	p.cmd.Process.Signal(os.Interrupt)
	if code := p.wait(t, 30*time.Second); code != 0 {
		t.Fatalf("exit %d after SIGINT:\n%s", code, p.log())
	}
	if _, err := os.Stat(e.db + ".lock"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("tracker.db.lock is left after a clean stop: %v", err)
	}
	if logs := p.log(); !strings.Contains(logs, `"grace":"1m0s"`) || !regexp.MustCompile(`"duration":"[0-9.]+[µm]?s"`).MatchString(logs) {
		t.Errorf("durations in the JSON logs are not written as durations:\n%s", logs)
	}
}

// gitignore reads the repository's .gitignore and reports whether it
// ignores a file of that name at the repository's root. It knows the
// patterns the file uses: an optional leading "/", "*" and a trailing "/"
// for a directory.
func gitignore(t *testing.T) func(name string) bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", ".gitignore"))
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			patterns = append(patterns, strings.TrimSuffix(strings.TrimPrefix(l, "/"), "/"))
		}
	}
	return func(name string) bool {
		for _, p := range patterns {
			if ok, _ := path.Match(p, name); ok {
				return true
			}
		}
		return false
	}
}
