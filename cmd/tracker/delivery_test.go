package main

import (
	"bufio"
	"fmt"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"tracker/internal/api"
)

// faultySMTP is an SMTP server on loopback whose behaviour at the end of
// DATA can be switched: "drop" closes the connection without answering,
// "ok" answers 250 and then drops the connection at the next command (the
// RSET that follows), as a server restarting would.
type faultySMTP struct {
	mu   sync.Mutex
	mode string
	ids  []string // the Message-IDs of what reached the end of DATA
	port int
}

func startFaultySMTP(t *testing.T) *faultySMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &faultySMTP{mode: "ok", port: ln.Addr().(*net.TCPAddr).Port}
	t.Cleanup(func() { ln.Close() })
	msgID := regexp.MustCompile(`(?i)^Message-ID: <([^>]+)>`)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				say := func(line string) { conn.Write([]byte(line + "\r\n")) }
				say("220 127.0.0.1 ESMTP faulty")
				in := bufio.NewScanner(conn)
				data, delivered := false, false
				id := ""
				for in.Scan() {
					line := in.Text()
					switch {
					case delivered:
						return
					case data && line == ".":
						s.mu.Lock()
						s.ids = append(s.ids, id)
						mode := s.mode
						s.mu.Unlock()
						if mode == "drop" {
							return
						}
						data, delivered = false, true
						say("250 2.0.0 queued")
					case data:
						if m := msgID.FindStringSubmatch(line); m != nil {
							id = m[1]
						}
					case strings.HasPrefix(strings.ToUpper(line), "EHLO"):
						say("250-127.0.0.1")
						say("250 8BITMIME")
					case strings.HasPrefix(strings.ToUpper(line), "DATA"):
						data = true
						say("354 end with .")
					case strings.HasPrefix(strings.ToUpper(line), "QUIT"):
						say("221 bye")
						return
					default:
						say("250 ok")
					}
				}
			}()
		}
	}()
	return s
}

func (s *faultySMTP) set(mode string) {
	s.mu.Lock()
	s.mode = mode
	s.mu.Unlock()
}

func (s *faultySMTP) received() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ids...)
}

// A digest whose delivery is in doubt (the connection dropped as the server
// took it) is sent again at the next run, under the same Message-ID, and
// tracker digests says that a copy may have arrived twice: at least once,
// never silently twice.
func TestDigestDeliveryInDoubt(t *testing.T) {
	smtp := startFaultySMTP(t)
	e := newEnv(t, fmt.Sprintf(`
mail:
  from: "Tracker <tracker@example.com>"
  smtp: {host: 127.0.0.1, port: %d, tls: none, timeout: 5s}
recipients:
  - {name: Ada Lovelace, address: ada@example.com}
sources:
  - {id: a, kind: page, url: 'http://127.0.0.1:1/', select: p}
`, smtp.port))
	e.clock.Set(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
	e.mustRun(exitOK, "digest", "--send") // enrols Ada
	e.clock.Set(time.Date(2026, 6, 8, 9, 0, 0, 0, time.UTC))

	smtp.set("drop")
	out := e.mustRun(exitFailed, "digest", "--send")
	if !strings.Contains(out, "ada@example.com  uncertain: the connection to 127.0.0.1") {
		t.Errorf("digest --send, connection dropped at the end of DATA:\n%s", out)
	}
	if out := e.mustRun(exitOK, "digests"); !strings.Contains(out, "uncertain") || !strings.Contains(out, "sent again at the next run, under the same Message-ID; tracker digest --resend 1 sends it now") {
		t.Errorf("digests while in doubt:\n%s", out)
	}

	// The server is back, and drops the connection after its 250: sent.
	smtp.set("ok")
	e.clock.Set(time.Date(2026, 6, 8, 9, 15, 0, 0, time.UTC))
	out = e.mustRun(exitOK, "digest", "--send")
	if !strings.Contains(out, "ada@example.com  sent again") || !strings.Contains(out, "a copy may have arrived twice, under the same Message-ID") {
		t.Errorf("the next digest --send:\n%s", out)
	}
	if out := e.mustRun(exitOK, "digest", "--send"); !strings.Contains(out, "nothing sent: not due") {
		t.Errorf("a third digest --send:\n%s", out)
	}
	if out := e.mustRun(exitOK, "digests"); !strings.Contains(out, "sent again after an attempt whose outcome is unknown: a copy may have arrived twice") {
		t.Errorf("digests once sent:\n%s", out)
	}
	var list []api.Digest
	e.runJSON(&list, "digests")
	if len(list) != 1 || list[0].State != "sent" || list[0].Doubtful != 1 || list[0].Attempts != 2 {
		t.Errorf("digests --json: %+v", list)
	}
	if ids := smtp.received(); len(ids) != 2 || ids[0] != ids[1] || ids[0] != list[0].MessageID {
		t.Errorf("the server got %v, want the digest twice under its Message-ID %s", ids, list[0].MessageID)
	}
}
