package digest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"tracker"
	"tracker/internal/config"
	"tracker/internal/store"
)

// fakeMailer records what it sends and fails as told.
type fakeMailer struct {
	mu   sync.Mutex
	sent []Message
	fail error
}

func (f *fakeMailer) Transport() string { return "fake" }

func (f *fakeMailer) Send(ctx context.Context, m Message) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return "", f.fail
	}
	f.sent = append(f.sent, m)
	return "fake server", nil
}

// adaMonday is Monday 30 June 2025 08:00 in Paris, when Ada's digest is due.
var adaMonday = time.Date(2025, 6, 30, 6, 0, 0, 0, time.UTC)

func sender(t *testing.T, cfg *config.Config, db *store.DB, m Mailer, now *time.Time) *Sender {
	t.Helper()
	tmpl, err := LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	return &Sender{DB: db, Config: cfg, Taxonomy: taxonomy(t, cfg), Mailer: m, Templates: tmpl, Now: func() time.Time { return *now }}
}

func outcome(t *testing.T, os []Outcome, who string) Outcome {
	t.Helper()
	for _, o := range os {
		if o.Recipient == who {
			return o
		}
	}
	t.Fatalf("no outcome for %s", who)
	return Outcome{}
}

func TestSendExactlyOnce(t *testing.T) {
	cfg, db := fixture(t)
	m := &fakeMailer{}
	now := monday.Add(3 * time.Hour) // Monday 11:00 UTC: the Monday 08:00 digest is due
	s := sender(t, cfg, db, m, &now)
	ctx := context.Background()

	out := s.SendDue(ctx, nil)
	ada := outcome(t, out, "ada@example.com")
	if ada.Err != nil || ada.Digest.State != tracker.DigestSent || len(m.sent) != 1 {
		t.Fatalf("first run: %+v, %d sent", ada, len(m.sent))
	}
	if !ada.Digest.WindowEnd.Equal(adaMonday) || !ada.Digest.WindowStart.Equal(adaMonday.Add(-7*24*time.Hour)) {
		t.Errorf("window %v – %v", ada.Digest.WindowStart, ada.Digest.WindowEnd)
	}
	msg := m.sent[0]
	if msg.To != "ada@example.com" || !strings.Contains(msg.Subject, "1 change (consumer, ip, minors, …)") || !strings.HasPrefix(msg.MessageID, "digest.") ||
		!strings.HasSuffix(msg.MessageID, "@example.com") || !strings.Contains(msg.HTML, "Content moderation") {
		t.Errorf("message %+v", msg.Subject)
	}
	// Grace follows ai only, opted out of empty digests: nothing to send,
	// but her quiet week is recorded so the next window starts after it.
	if g := outcome(t, out, "grace@example.com"); g.Skipped == "" || g.Digest.State != tracker.DigestSkipped {
		t.Errorf("grace: %+v", g)
	}

	// Running again, even hours later, sends nothing new.
	now = now.Add(5 * time.Hour)
	out = s.SendDue(ctx, nil)
	if o := outcome(t, out, "ada@example.com"); o.Skipped == "" || len(m.sent) != 1 {
		t.Errorf("second run: %+v, %d sent", o, len(m.sent))
	}
	list, _ := db.Digests(ctx, "ada@example.com", 0)
	if len(list) != 1 {
		t.Errorf("%d digests recorded for ada", len(list))
	}
}

// A failed week is covered by the next digest; nothing falls between two.
func TestFailedDigestIsCoveredNextTime(t *testing.T) {
	cfg, db := fixture(t)
	m := &fakeMailer{fail: &SendError{Err: errors.New("cannot reach the SMTP server 127.0.0.1:2525: connection refused")}}
	now := monday.Add(time.Hour)
	s := sender(t, cfg, db, m, &now)
	ctx := context.Background()
	r := []*config.Recipient{cfg.Recipient("ada@example.com")}

	o := s.SendDue(ctx, r)[0]
	if o.Err == nil || o.Digest.State != tracker.DigestFailed || !strings.Contains(o.Err.Error(), "connection refused") {
		t.Fatalf("%+v", o)
	}
	// Later the same day the server is back: the same digest is retried.
	m.fail = nil
	now = now.Add(2 * time.Hour)
	o = s.SendDue(ctx, r)[0]
	if o.Err != nil || o.Digest.State != tracker.DigestSent || o.Digest.Attempts != 2 || len(m.sent) != 1 {
		t.Fatalf("retry: %+v (%d sent)", o, len(m.sent))
	}

	// The next week fails, and the one after covers both.
	m.fail = &SendError{Err: errors.New("refused")}
	now = monday.Add(7*24*time.Hour + time.Hour)
	if o := s.SendDue(ctx, r)[0]; o.Digest.State != tracker.DigestFailed {
		t.Fatalf("%+v", o)
	}
	m.fail = nil
	now = monday.Add(14*24*time.Hour + time.Hour)
	o = s.SendDue(ctx, r)[0]
	if o.Err != nil || !o.Digest.WindowStart.Equal(adaMonday) || !o.Digest.WindowEnd.Equal(adaMonday.Add(14*24*time.Hour)) {
		t.Fatalf("catch-up digest: %+v", o)
	}
	list, _ := db.Digests(ctx, "ada@example.com", 0)
	states := map[tracker.DigestState]int{}
	for _, d := range list {
		states[d.State]++
	}
	if states[tracker.DigestSent] != 2 || states[tracker.DigestSuperseded] != 1 {
		t.Errorf("digest states %v", states)
	}
}

// A connection lost as the server took the message leaves the digest
// uncertain: it is sent again at the next run, unchanged and under the
// same Message-ID (at least once), and says so, in the outcome, in the
// store and in the next digest.
func TestUncertainIsSentAgainAndSaysSo(t *testing.T) {
	cfg, db := fixture(t)
	m := &fakeMailer{fail: &SendError{Uncertain: true, Err: errors.New("connection reset after DATA")}}
	now := monday.Add(time.Hour)
	s := sender(t, cfg, db, m, &now)
	r := []*config.Recipient{cfg.Recipient("ada@example.com")}
	first := s.SendDue(context.Background(), r)[0]
	if first.Digest.State != tracker.DigestUncertain || first.Err == nil {
		t.Fatalf("%+v", first)
	}
	// The server still drops the connection: uncertain it stays, and the
	// message says what happens next.
	now = now.Add(15 * time.Minute)
	o := s.SendDue(context.Background(), r)[0]
	if o.Digest.State != tracker.DigestUncertain || o.Err == nil || !strings.Contains(o.Err.Error(), "retried at the next run") ||
		!strings.Contains(o.Err.Error(), "tracker digest --resend 1") || o.Digest.Doubtful != 2 {
		t.Fatalf("a second uncertain attempt: %+v", o)
	}
	m.fail = nil
	now = now.Add(time.Hour)
	o = s.SendDue(context.Background(), r)[0]
	if o.Err != nil || o.Digest.State != tracker.DigestSent || o.Digest.ID != first.Digest.ID || len(m.sent) != 1 ||
		m.sent[0].MessageID != first.Digest.MessageID || !strings.Contains(o.Note, "may have arrived twice, under the same Message-ID") {
		t.Fatalf("the next run: %+v, %d sent", o, len(m.sent))
	}
	now = now.Add(time.Hour)
	if o := s.SendDue(context.Background(), r)[0]; o.Skipped == "" || len(m.sent) != 1 {
		t.Errorf("once sent: %+v, %d sent", o, len(m.sent))
	}
	list, _ := db.Digests(context.Background(), "ada@example.com", 0)
	if len(list) != 1 || list[0].State != tracker.DigestSent || list[0].Doubtful != 2 || list[0].Attempts != 3 {
		t.Fatalf("digests %+v", list)
	}

	// The next week's digest tells Ada, once.
	now = now.Add(7 * 24 * time.Hour)
	o = s.SendDue(context.Background(), r)[0]
	if o.Err != nil || len(m.sent) != 2 || !strings.Contains(m.sent[1].Text, "== DELIVERY ==") ||
		!strings.Contains(m.sent[1].Text, "if 3 copies reached you, they are the same message") ||
		!strings.Contains(m.sent[1].HTML, "if 3 copies reached you, they are the same message") {
		t.Errorf("the next digest does not say the last one was sent again: %+v\n%s", o, m.sent[len(m.sent)-1].Text)
	}
	now = now.Add(7 * 24 * time.Hour)
	if o := s.SendDue(context.Background(), r)[0]; o.Err != nil || len(m.sent) != 3 || strings.Contains(m.sent[2].Text, "== DELIVERY ==") {
		t.Errorf("the digest after says it again: %+v", o)
	}

	// Ada says one never arrived: the operator resends it, under the same
	// Message-ID.
	o = s.Resend(context.Background(), list[0].ID)
	if o.Err != nil || o.Digest.State != tracker.DigestSent || len(m.sent) != 4 ||
		m.sent[3].MessageID != list[0].MessageID || m.sent[3].To != "ada@example.com" {
		t.Errorf("resend: %+v, sent %+v", o, m.sent)
	}
	if o := s.Resend(context.Background(), list[0].ID+100); !errors.Is(o.Err, store.ErrNotFound) {
		t.Errorf("resending a digest that does not exist: %v", o.Err)
	}
	// A resend that fails leaves a delivered digest delivered.
	m.fail = &SendError{Err: errors.New("connection refused")}
	o = s.Resend(context.Background(), list[0].ID)
	after, _ := db.DigestByID(context.Background(), list[0].ID)
	if o.Err == nil || o.Digest.State != tracker.DigestSent || after.State != tracker.DigestSent || after.SentAt.IsZero() ||
		!strings.Contains(after.LastError, "connection refused") {
		t.Errorf("failed resend of a sent digest: %+v; stored %+v", o, after)
	}
}

// A process that stops while handing a digest to the server (killed, the
// machine down) leaves it sending: the server may have it. The next run,
// by any process, sends it again at once, under the same Message-ID, and
// says so; nothing is sent silently twice.
func TestStoppedWhileSending(t *testing.T) {
	cfg, db := fixture(t)
	now := monday.Add(time.Hour)
	r := []*config.Recipient{cfg.Recipient("ada@example.com")}
	server := &fakeMailer{}
	// The server takes the message, and the process dies before it hears.
	dying := mailerFunc(func(ctx context.Context, m Message) (string, error) {
		server.Send(ctx, m)
		runtime.Goexit()
		return "", nil
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		sender(t, cfg, db, dying, &now).SendDue(context.Background(), r)
	}()
	<-done
	if len(server.sent) != 1 {
		t.Fatalf("%d messages reached the server", len(server.sent))
	}
	list, _ := db.Digests(context.Background(), "ada@example.com", 0)
	if len(list) != 1 || list[0].State != tracker.DigestSending {
		t.Fatalf("after the crash: %+v", list)
	}

	// Seconds later, another process (a manual digest --send, or the
	// restarted daemon) sends it again and says so.
	now = now.Add(10 * time.Second)
	o := sender(t, cfg, db, server, &now).SendDue(context.Background(), r)[0]
	if o.Err != nil || o.Digest.State != tracker.DigestSent || o.Digest.Doubtful != 1 || len(server.sent) != 2 ||
		server.sent[1].MessageID != server.sent[0].MessageID || !strings.Contains(o.Note, "tracker stopped while handing it to the server") {
		t.Fatalf("the next run: %+v, %d sent", o, len(server.sent))
	}
	if o := sender(t, cfg, db, server, &now).SendDue(context.Background(), r)[0]; o.Skipped == "" || len(server.sent) != 2 {
		t.Errorf("a third run: %+v", o)
	}
}

// A digest recorded whose recorder stopped before handing it over was
// never sent: the next run sends it.
func TestDigestLeftPendingIsSent(t *testing.T) {
	cfg, db := fixture(t)
	m := &fakeMailer{}
	now := monday.Add(time.Hour)
	s := sender(t, cfg, db, m, &now)
	ctx := context.Background()
	r := cfg.Recipient("ada@example.com")
	start, end, due, err := s.Window(ctx, r, now)
	if err != nil || !due {
		t.Fatalf("window: %v %v", due, err)
	}
	if _, err := db.CreateDigest(ctx, tracker.Digest{Recipient: r.Address, WindowStart: start, WindowEnd: end,
		MessageID: MessageID(cfg.Mail.From, r.Address, start, end), Subject: "Digest", CreatedAt: now, Text: "text", HTML: "<p>html</p>"}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(10 * time.Second)
	if o := s.SendDue(ctx, []*config.Recipient{r})[0]; o.Err != nil || o.Digest.State != tracker.DigestSent || len(m.sent) != 1 || o.Note != "" {
		t.Errorf("a digest left pending: %+v", o)
	}
}

// Two processes sending at once (the daemon and digest --send, or two
// digest --send): one sends, the other waits for it and finds the digest
// sent; neither fails.
func TestTwoSendersSendOnce(t *testing.T) {
	cfg, db := fixture(t)
	path := db.Path()
	other, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	now := monday.Add(time.Hour)
	r := []*config.Recipient{cfg.Recipient("ada@example.com")}
	server := &fakeMailer{}
	inside, proceed := make(chan struct{}), make(chan struct{})
	slow := mailerFunc(func(ctx context.Context, m Message) (string, error) {
		close(inside)
		<-proceed
		return server.Send(ctx, m)
	})
	first := make(chan Outcome)
	go func() { first <- sender(t, cfg, db, slow, &now).SendDue(context.Background(), r)[0] }()
	<-inside // the first process is handing the digest over
	second := make(chan Outcome)
	go func() { second <- sender(t, cfg, other, server, &now).SendDue(context.Background(), r)[0] }()
	close(proceed)
	a, b := <-first, <-second
	if a.Err != nil || a.Digest.State != tracker.DigestSent || len(server.sent) != 1 {
		t.Errorf("first: %v %s, %d sent", a.Err, a.Digest.State, len(server.sent))
	}
	// It read once the first had finished: the digest was sent.
	if b.Err != nil || !strings.HasPrefix(b.Skipped, "not due: the last digest covers until") {
		t.Errorf("second: %v %q", b.Err, b.Skipped)
	}
}

// mailerFunc is a Mailer.
type mailerFunc func(ctx context.Context, m Message) (string, error)

func (f mailerFunc) Send(ctx context.Context, m Message) (string, error) { return f(ctx, m) }
func (f mailerFunc) Transport() string                                   { return "fake" }

func TestOutbox(t *testing.T) {
	cfg, db := fixture(t)
	dir := filepath.Join(t.TempDir(), "outbox")
	now := monday.Add(time.Hour)
	s := sender(t, cfg, db, &OutboxMailer{Dir: dir}, &now)
	o := s.SendDue(context.Background(), []*config.Recipient{cfg.Recipient("ada@example.com")})[0]
	if o.Err != nil || o.Digest.Transport != "outbox" {
		t.Fatalf("%+v", o)
	}
	b, err := os.ReadFile(o.Digest.DeliveredTo)
	if err != nil {
		t.Fatal(err)
	}
	eml := string(b)
	for _, want := range []string{"Message-ID: <" + o.Digest.MessageID + ">", "To: \"Ada Lovelace\" <ada@example.com>",
		"Content-Type: multipart/alternative", "Content-Type: text/plain", "Content-Type: text/html", "Auto-Submitted: auto-generated"} {
		if !strings.Contains(eml, want) {
			t.Errorf("the .eml lacks %q", want)
		}
	}
	if strings.Index(eml, "Content-Type: text/plain") > strings.Index(eml, "Content-Type: text/html") {
		t.Error("HTML before plain text: plain text must come first")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d files in the outbox (a temporary file left behind?)", len(entries))
	}
}

func TestWindowFollowsTheSchedule(t *testing.T) {
	cfg, db := fixture(t)
	now := time.Date(2026, 7, 29, 15, 0, 0, 0, time.UTC) // a Wednesday
	s := sender(t, cfg, db, &fakeMailer{}, &now)
	r := cfg.Recipient("ada@example.com") // Europe/Paris: Monday 08:00 is 06:00 UTC in summer
	start, end, due, err := s.Window(context.Background(), r, now)
	if err != nil || !due || !end.Equal(time.Date(2026, 7, 27, 6, 0, 0, 0, time.UTC)) || !start.Equal(end.Add(-7*24*time.Hour)) {
		t.Errorf("window %v – %v due %v err %v", start, end, due, err)
	}
}

// A recipient's first digest fails, and the week after the server is back:
// the digest that replaces it starts where the failed one did, so the items
// of the first week reach them.
func TestFailedFirstDigestIsCovered(t *testing.T) {
	cfg, db := fixture(t)
	m := &fakeMailer{fail: &SendError{Err: errors.New("connection refused")}}
	now := monday.Add(time.Hour)
	s := sender(t, cfg, db, m, &now)
	r := []*config.Recipient{cfg.Recipient("ada@example.com")}
	failed := s.SendDue(context.Background(), r)[0]
	if failed.Digest.State != tracker.DigestFailed || failed.Digest.Items == 0 {
		t.Fatalf("first digest: %+v", failed)
	}
	m.fail = nil
	now = monday.Add(7*24*time.Hour + time.Hour)
	o := s.SendDue(context.Background(), r)[0]
	if o.Err != nil || !o.Digest.WindowStart.Equal(failed.Digest.WindowStart) || len(m.sent) != 1 ||
		!strings.Contains(m.sent[0].Text, "Selling Children's Personal Data") {
		t.Errorf("the digest after a failed first one starts %v, want %v (%+v)", o.Digest.WindowStart, failed.Digest.WindowStart, o)
	}
	list, _ := db.Digests(context.Background(), "ada@example.com", 0)
	for _, d := range list {
		if d.State == tracker.DigestFailed {
			t.Errorf("digest %d is still failed, not superseded", d.ID)
		}
	}
}

// A monthly schedule sends one digest a month, however often the daemon
// restarts or an operator runs digest --send.
func TestMonthlySchedule(t *testing.T) {
	cfg, db := fixture(t)
	cfg.Mail.Schedule = "0 8 1 * *"
	m := &fakeMailer{}
	now := time.Date(2026, 8, 1, 9, 0, 0, 0, time.UTC)
	s := sender(t, cfg, db, m, &now)
	r := []*config.Recipient{cfg.Recipient("ada@example.com")}
	for _, at := range []time.Time{now, now.Add(time.Hour), now.Add(9 * 24 * time.Hour), now.Add(20 * 24 * time.Hour)} {
		now = at
		if o := s.SendDue(context.Background(), r)[0]; o.Err != nil {
			t.Fatal(o.Err)
		}
	}
	if len(m.sent) != 1 {
		t.Errorf("%d digests sent in August with a monthly schedule, want 1", len(m.sent))
	}
	now = time.Date(2026, 9, 1, 8, 30, 0, 0, time.UTC)
	o := s.SendDue(context.Background(), r)[0]
	paris := cfg.Recipient("ada@example.com").Location // 08:00 there
	if len(m.sent) != 2 || !o.Digest.WindowStart.Equal(time.Date(2026, 8, 1, 8, 0, 0, 0, paris)) || !o.Digest.WindowEnd.Equal(time.Date(2026, 9, 1, 8, 0, 0, 0, paris)) {
		t.Errorf("September's digest: %+v (%d sent)", o.Digest, len(m.sent))
	}
}

// A recipient added today hears when their first digest comes, not about
// a last digest they never had; the preview shows that first digest's
// window as it stands.
func TestNewRecipient(t *testing.T) {
	cfg, db := fixture(t)
	now := monday.Add(-5 * time.Hour) // Monday 03:00 UTC: the 08:00 digest is the next
	s := sender(t, cfg, db, &fakeMailer{}, &now)
	r := &config.Recipient{Name: "Lin", Address: "lin@example.com"}
	cfg.Recipients = append(cfg.Recipients, *r)
	if err := s.Enroll(context.Background()); err != nil {
		t.Fatal(err)
	}
	o := s.SendDue(context.Background(), []*config.Recipient{r})[0]
	if !strings.Contains(o.Skipped, "the first digest covers from Mon 30 Jun 2025 03:00 UTC") {
		t.Errorf("new recipient: %q", o.Skipped)
	}
	now = now.Add(2 * time.Hour)
	d, _, err := s.Preview(context.Background(), r)
	if err != nil || !d.Start.Equal(monday.Add(-5*time.Hour)) {
		t.Errorf("preview of the first digest starts %v (%v), want the enrolment", d.Start, err)
	}
}
