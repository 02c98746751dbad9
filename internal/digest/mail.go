package digest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/wneessen/go-mail"

	"tracker/internal/config"
)

// Message is a digest to deliver.
type Message struct {
	From      string
	ToName    string
	To        string
	Subject   string
	Text      string
	HTML      string
	MessageID string // without angle brackets
	Date      time.Time
}

// Mailer delivers messages.
type Mailer interface {
	// Send delivers m and says where it went (the SMTP server, the outbox
	// file). A failure is a *SendError.
	Send(ctx context.Context, m Message) (deliveredTo string, err error)
	// Transport names the mailer: "smtp" or "outbox".
	Transport() string
}

// SendError is a failed delivery.
type SendError struct {
	// Uncertain is true when the message was handed over and the connection
	// failed before the server confirmed it: it may have been delivered, so
	// it must not be sent again automatically.
	Uncertain bool
	Err       error
}

func (e *SendError) Error() string { return e.Err.Error() }
func (e *SendError) Unwrap() error { return e.Err }

// build turns a Message into a MIME message: multipart/alternative, plain
// text first and HTML last.
func build(m Message) (*mail.Msg, error) {
	msg := mail.NewMsg()
	if err := msg.From(m.From); err != nil {
		return nil, fmt.Errorf("digest: sender %q: %w", m.From, err)
	}
	if err := msg.AddToFormat(m.ToName, m.To); err != nil {
		return nil, fmt.Errorf("digest: recipient %q: %w", m.To, err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	msg.SetDateWithValue(m.Date)
	// Automatic mail: no vacation replies, no loops (RFC 3834).
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetGenHeader("X-Auto-Response-Suppress", "All")
	msg.SetBodyString(mail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(mail.TypeTextHTML, m.HTML)
	return msg, nil
}

// SMTPMailer sends through an SMTP server.
type SMTPMailer struct {
	cfg      config.SMTP
	password string
}

// NewSMTPMailer sends through the configured server, reading the password
// from the environment variable the configuration names.
func NewSMTPMailer(cfg config.SMTP, getenv func(string) string) (*SMTPMailer, error) {
	m := &SMTPMailer{cfg: cfg}
	if cfg.Username != "" {
		m.password = getenv(cfg.PasswordEnv)
		if m.password == "" {
			return nil, fmt.Errorf("digest: mail.smtp.username is set but the environment variable %s holding the password is empty: set it (never put the password in sources.yaml)", cfg.PasswordEnv)
		}
	}
	return m, nil
}

// Transport is "smtp".
func (m *SMTPMailer) Transport() string { return "smtp" }

func (m *SMTPMailer) server() string { return fmt.Sprintf("%s:%d", m.cfg.Host, m.cfg.Port) }

// Send delivers msg. An error before the message was handed over is a plain
// failure (retried later); losing the connection while the server had it is
// uncertain.
func (m *SMTPMailer) Send(ctx context.Context, msg Message) (string, error) {
	mm, err := build(msg)
	if err != nil {
		return "", &SendError{Err: err}
	}
	opts := []mail.Option{mail.WithPort(m.cfg.Port), mail.WithTimeout(time.Duration(m.cfg.Timeout))}
	switch m.cfg.TLS {
	case "tls":
		opts = append(opts, mail.WithSSL())
	case "none":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if m.cfg.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(m.cfg.Username), mail.WithPassword(m.password))
	}
	c, err := mail.NewClient(m.cfg.Host, opts...)
	if err != nil {
		return "", &SendError{Err: fmt.Errorf("digest: smtp client for %s: %w", m.server(), err)}
	}
	sc, err := c.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return "", &SendError{Err: fmt.Errorf("cannot reach the SMTP server %s: %w; check that it runs and mail.smtp in sources.yaml (the digest is recorded as failed and sent at the next run)", m.server(), err)}
	}
	err = c.SendWithSMTPClient(sc, mm)
	// The server's 250 at the end of DATA is the only word on whether it
	// took the message; what follows (go-mail's NOOP and RSET, then QUIT)
	// can fail, a connection closed or a 421, without undoing it.
	_ = c.CloseWithSMTPClient(sc)
	if mm.IsDelivered() {
		return m.server(), nil
	}
	if err != nil {
		// Only a connection lost at the end of DATA leaves the outcome
		// unknown; a reply there (451 try later, 554 rejected as spam)
		// says the server did not take the message.
		var se *mail.SendError
		uncertain := errors.As(err, &se) && se.Reason == mail.ErrSMTPDataClose && se.ErrorCode() == 0
		if uncertain {
			return m.server(), &SendError{Uncertain: true, Err: fmt.Errorf("the connection to %s failed after the digest was handed over: it may have been delivered, so it will not be resent automatically: %w", m.server(), err)}
		}
		return "", &SendError{Err: fmt.Errorf("the SMTP server %s refused the digest: %w", m.server(), err)}
	}
	return m.server(), nil
}

// OutboxMailer writes each digest as an .eml file, for setups without an SMTP
// server (and to read what would have been sent).
type OutboxMailer struct {
	Dir string
}

// Transport is "outbox".
func (o *OutboxMailer) Transport() string { return "outbox" }

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// Send writes the message to a new file in the outbox, atomically: a reader
// never sees half a message.
func (o *OutboxMailer) Send(ctx context.Context, msg Message) (string, error) {
	mm, err := build(msg)
	if err != nil {
		return "", &SendError{Err: err}
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return "", &SendError{Err: fmt.Errorf("digest: outbox %s: %w", o.Dir, err)}
	}
	id := msg.MessageID
	if i := strings.IndexByte(id, '@'); i > 0 {
		id = id[:i]
	}
	name := fmt.Sprintf("%s-%s-%s.eml", msg.Date.UTC().Format("20060102-150405"), unsafeName.ReplaceAllString(msg.To, "_"), unsafeName.ReplaceAllString(id, "_"))
	path := filepath.Join(o.Dir, name)
	tmp, err := os.CreateTemp(o.Dir, ".digest-*.eml")
	if err != nil {
		return "", &SendError{Err: fmt.Errorf("digest: outbox %s: %w (is the disk full or read-only?)", o.Dir, err)}
	}
	defer os.Remove(tmp.Name())
	if _, err := mm.WriteTo(tmp); err != nil {
		tmp.Close()
		return "", &SendError{Err: fmt.Errorf("digest: write %s: %w (is the disk full?)", path, err)}
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", &SendError{Err: fmt.Errorf("digest: write %s: %w", path, err)}
	}
	if err := tmp.Close(); err != nil {
		return "", &SendError{Err: fmt.Errorf("digest: write %s: %w", path, err)}
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", &SendError{Err: fmt.Errorf("digest: write %s: %w", path, err)}
	}
	return path, nil
}
