package digest

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"tracker/internal/config"
)

// endOfData is an SMTP server that takes everything up to the end of DATA
// and then answers reply, or drops the connection when reply is empty.
func endOfData(t *testing.T, reply string) config.SMTP {
	t.Helper()
	return smtpServer(t, reply, "")
}

// smtpServer is endOfData whose commands after the end of DATA (NOOP,
// RSET, QUIT) get after: a reply after which the connection is closed, or
// a dropped connection when after is "drop".
func smtpServer(t *testing.T, reply, after string) config.SMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				say := func(line string) { conn.Write([]byte(line + "\r\n")) }
				say("220 127.0.0.1 ESMTP test")
				in := bufio.NewScanner(conn)
				data, delivered := false, false
				for in.Scan() {
					line := in.Text()
					switch {
					case delivered && after == "drop":
						return
					case delivered && after != "":
						say(after)
						return
					case data && line == ".":
						if reply == "" {
							return // the connection drops: did the server keep it?
						}
						data = false
						delivered = strings.HasPrefix(reply, "250")
						say(reply)
					case data:
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
	addr := ln.Addr().(*net.TCPAddr)
	return config.SMTP{Host: addr.IP.String(), Port: addr.Port, TLS: "none", Timeout: config.Duration(5 * time.Second)}
}

// A reply at the end of DATA says whether the server took the digest; only
// a connection lost there leaves it uncertain.
func TestEndOfDataOutcome(t *testing.T) {
	msg := Message{From: "tracker@example.com", To: "ada@example.com", Subject: "Digest", Text: "Two changes.",
		MessageID: "digest.1@example.com", Date: time.Date(2026, 7, 27, 6, 0, 0, 0, time.UTC)}
	for _, tc := range []struct {
		reply     string
		uncertain bool
		want      string
	}{
		{"250 2.0.0 queued as 42", false, ""},
		{"554 5.7.1 Message rejected as spam", false, "rejected as spam"},
		{"451 4.3.0 Try again later", false, "Try again later"},
		{"", true, "may have been delivered"},
	} {
		m, err := NewSMTPMailer(endOfData(t, tc.reply), func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		_, err = m.Send(context.Background(), msg)
		var se *SendError
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("reply %q: %v", tc.reply, err)
		case tc.want != "" && (!errors.As(err, &se) || se.Uncertain != tc.uncertain || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("reply %q: %v (uncertain %v), want uncertain %v and %q", tc.reply, err, se != nil && se.Uncertain, tc.uncertain, tc.want)
		}
	}
}

// Only the end of DATA decides: once the server answered 250 there, the
// digest was accepted, whatever happens to the RSET, NOOP or QUIT that
// follow (a digest taken for refused would be sent a second time).
func TestAcceptedDigestStaysAcceptedWhateverFollows(t *testing.T) {
	msg := Message{From: "tracker@example.com", To: "ada@example.com", Subject: "Digest", Text: "Two changes.",
		MessageID: "digest.1@example.com", Date: time.Date(2026, 7, 27, 6, 0, 0, 0, time.UTC)}
	for _, after := range []string{"drop", "421 4.4.2 closing connection", "500 5.5.1 command unrecognised"} {
		m, err := NewSMTPMailer(smtpServer(t, "250 2.0.0 queued as 42", after), func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		if to, err := m.Send(context.Background(), msg); err != nil || to == "" {
			t.Errorf("250 at the end of DATA, then %q: %q, %v; want it sent", after, to, err)
		}
	}
}

// A server that cannot be reached fails the digest, and the message says
// what becomes of it as the state does: failed, retried; not "pending".
func TestUnreachableServerMessage(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	m, err := NewSMTPMailer(config.SMTP{Host: "127.0.0.1", Port: port, TLS: "none", Timeout: config.Duration(5 * time.Second)}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Send(context.Background(), Message{From: "tracker@example.com", To: "ada@example.com", Subject: "Digest", Text: "x",
		MessageID: "digest.1@example.com", Date: time.Date(2026, 7, 27, 6, 0, 0, 0, time.UTC)})
	var se *SendError
	if !errors.As(err, &se) || se.Uncertain || strings.Contains(err.Error(), "pending") ||
		!strings.Contains(err.Error(), "cannot reach the SMTP server") || !strings.Contains(err.Error(), "recorded as failed and sent at the next run") {
		t.Errorf("unreachable server: %v", err)
	}
}
