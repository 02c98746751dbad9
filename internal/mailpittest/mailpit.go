// Package mailpittest runs a Mailpit SMTP server on loopback for tests and reads
// back what it received through its HTTP API.
//
// Mailpit is installed by .ci/run (go install github.com/axllent/mailpit);
// tests skip when it is missing outside CI, and fail inside it.
package mailpittest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Server is a running Mailpit.
type Server struct {
	SMTPPort int
	HTTPPort int
	bin      string
	dir      string
	cmd      *exec.Cmd
	t        testing.TB
}

// Binary finds the mailpit command: on PATH, or where go install puts it.
func Binary() string {
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p
	}
	for _, dir := range []string{os.Getenv("GOBIN"), filepath.Join(os.Getenv("GOPATH"), "bin"), filepath.Join(os.Getenv("HOME"), "go", "bin")} {
		if dir == "" {
			continue
		}
		if p := filepath.Join(dir, "mailpit"); isExec(p) {
			return p
		}
	}
	return ""
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Start runs Mailpit on free loopback ports, stopped when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := Binary()
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("mailpit is not installed: .ci/run installs it with go install github.com/axllent/mailpit")
		}
		t.Skip("mailpit is not installed (go install github.com/axllent/mailpit@v1.27.11): skipping the SMTP test")
	}
	s := &Server{SMTPPort: freePort(t), HTTPPort: freePort(t), bin: bin, dir: t.TempDir(), t: t}
	s.start()
	t.Cleanup(s.Stop)
	return s
}

func (s *Server) start() {
	s.t.Helper()
	s.cmd = exec.Command(s.bin, "--smtp", "127.0.0.1:"+strconv.Itoa(s.SMTPPort), "--listen", "127.0.0.1:"+strconv.Itoa(s.HTTPPort),
		"--database", filepath.Join(s.dir, "mailpit.db"), "--quiet", "--disable-version-check", "--smtp-auth-accept-any", "--smtp-auth-allow-insecure")
	s.cmd.Stdout, s.cmd.Stderr = os.Stderr, os.Stderr
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(s.SMTPPort), time.Second)
		if err == nil {
			c.Close()
			if resp, err := http.Get(s.url("/api/v1/messages")); err == nil {
				resp.Body.Close()
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatal("mailpit did not start")
}

// Stop stops the server; Restart starts it again on the same ports, with
// the messages it had.
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		s.cmd = nil
	}
}

// Restart starts a stopped server again.
func (s *Server) Restart() { s.start() }

func (s *Server) url(path string) string {
	return fmt.Sprintf("http://127.0.0.1:%d%s", s.HTTPPort, path)
}

// Summary is a message as listed by the API.
type Summary struct {
	ID      string `json:"ID"`
	Subject string `json:"Subject"`
	To      []struct {
		Address string `json:"Address"`
	} `json:"To"`
}

// Message is a message with its bodies.
type Message struct {
	ID        string `json:"ID"`
	MessageID string `json:"MessageID"`
	Subject   string `json:"Subject"`
	Text      string `json:"Text"`
	HTML      string `json:"HTML"`
}

func (s *Server) get(path string, v any) {
	s.t.Helper()
	resp, err := http.Get(s.url(path))
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		s.t.Fatalf("mailpit %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		s.t.Fatal(err)
	}
}

// Messages lists the messages received, the newest first.
func (s *Server) Messages() []Summary {
	var list struct {
		Messages []Summary `json:"messages"`
	}
	s.get("/api/v1/messages?limit=1000", &list)
	return list.Messages
}

// Message reads one message.
func (s *Server) Message(id string) Message {
	var m Message
	s.get("/api/v1/message/"+id, &m)
	return m
}

// To returns the messages received by an address, the newest first.
func (s *Server) To(addr string) []Message {
	var out []Message
	for _, sm := range s.Messages() {
		for _, to := range sm.To {
			if to.Address == addr {
				out = append(out, s.Message(sm.ID))
			}
		}
	}
	return out
}
