package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"tracker"
	"tracker/internal/config"
	"tracker/internal/digest"
	"tracker/internal/mailpittest"
	"tracker/internal/notify"
	"tracker/internal/record"
	"tracker/internal/store"
	"tracker/internal/storetest"
)

const secret = "s3cret"

// t0 is when tracker first ran with the webhooks: a Wednesday.
var t0 = time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)

type env struct {
	cfg   *config.Config
	addr  string // the database's, for a second process on it
	db    *store.DB
	rec   *record.Recorder
	now   time.Time
	cur   tracker.Version
	text  string
	n     *notify.Notifier
	count int
}

// newEnv is a privacy policy with a first version before t0, and a
// notifier for cfg (%s is the receiver's address).
func newEnv(t *testing.T, yaml, url string) *env {
	t.Helper()
	cfg, err := config.Parse("sources.yaml", []byte(fmt.Sprintf(yaml, url)))
	if err != nil {
		t.Fatal(err)
	}
	tax, err := cfg.TopicsConfig().Compile()
	if err != nil {
		t.Fatal(err)
	}
	addr := storetest.Address(t)
	db := storetest.OpenAt(t, addr)
	ctx := context.Background()
	if err := db.UpsertSource(ctx, store.SourceInfo{ID: "pp", Kind: "page", Name: "Acme Privacy Policy", URL: "http://127.0.0.1/pp"}); err != nil {
		t.Fatal(err)
	}
	e := &env{cfg: cfg, addr: addr, db: db, rec: &record.Recorder{DB: db, Taxonomy: tax}, now: t0.Add(-48 * time.Hour)}
	e.record(t, 30)
	e.now = t0
	if e.n, err = notify.New(cfg, tax, db, getenv, nil); err != nil {
		t.Fatal(err)
	}
	e.n.Now = func() time.Time { return e.now }
	db.Now = e.n.Now
	// Tracker runs with the webhooks and recipients from t0.
	if _, err := e.n.Enqueue(ctx); err != nil {
		t.Fatal(err)
	}
	return e
}

func getenv(k string) string {
	if k == "HOOK_SECRET" {
		return secret
	}
	return ""
}

// record records the policy keeping personal data for days days.
func (e *env) record(t *testing.T, days int) {
	t.Helper()
	text := fmt.Sprintf("# Privacy\nWe keep your personal data for %d days after you close your account.\nContact us at dpo@example.com.", days)
	r, err := e.rec.Record(context.Background(), record.Text{SourceID: "pp", Text: text, At: e.now, Provenance: tracker.ProvenanceFetch, RulesHash: "r1",
		Snapshot: &tracker.Snapshot{FetchedAt: e.now, URL: "http://127.0.0.1/pp", Status: 200, Body: []byte("<p>" + text + "</p>")}}, e.cur, e.text)
	if err != nil {
		t.Fatal(err)
	}
	e.cur, e.text = r.Version, text
}

const hookConfig = `
mail:
  from: "Tracker <tracker@example.com>"
  base_url: https://tracker.example.com
sources:
  - {id: pp, name: Acme Privacy Policy, kind: page, url: 'http://127.0.0.1/pp', select: main}
webhooks:
  - {name: hook, url: '%s', secret_env: HOOK_SECRET, timeout: 3s}
`

// receiver is a webhook receiver as its owner would write one: it checks
// the signature, and counts each delivery once by its id. fail says what to
// do with the n-th request (from 1): "" answers 200.
type receiver struct {
	t     *testing.T
	now   func() time.Time
	fail  func(n int) string
	mu    sync.Mutex
	n     int
	seen  map[string]int // requests by delivery id
	first map[string]notify.Payload
	order []string // delivery ids, in the order they were first accepted
	dups  int      // copies of deliveries accepted already
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		rc.t.Errorf("reading the body: %v", err)
		return
	}
	if err := notify.Verify([]byte(secret), r.Header.Get(notify.HeaderTimestamp), r.Header.Get(notify.HeaderSignature), body, rc.now(), 5*time.Minute); err != nil {
		rc.t.Errorf("request %s: %v", r.Header.Get(notify.HeaderDelivery), err)
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	id := r.Header.Get(notify.HeaderDelivery)
	var p notify.Payload
	if err := json.Unmarshal(body, &p); err != nil || p.Delivery != id || string(p.Event) != r.Header.Get(notify.HeaderEvent) {
		rc.t.Errorf("payload %s: %v, delivery %q event %q", body, err, p.Delivery, p.Event)
	}
	rc.mu.Lock()
	rc.n++
	n := rc.n
	rc.seen[id]++
	rc.mu.Unlock()
	what := ""
	if rc.fail != nil {
		what = rc.fail(n)
	}
	if what == "5xx" {
		http.Error(w, "try later", http.StatusServiceUnavailable)
		return
	}
	// Accepted: a copy of a delivery accepted already is dropped by its id.
	rc.mu.Lock()
	if _, ok := rc.first[id]; ok {
		rc.dups++
	} else {
		rc.first[id] = p
		rc.order = append(rc.order, id)
	}
	rc.mu.Unlock()
	switch what {
	case "timeout": // the answer never comes: tracker gives up waiting
		<-r.Context().Done()
		return
	case "drop": // the connection drops before the answer
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			rc.t.Error(err)
			return
		}
		conn.Close()
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func newReceiver(t *testing.T, e **env, fail func(int) string) (*receiver, *httptest.Server) {
	rc := &receiver{t: t, fail: fail, seen: map[string]int{}, first: map[string]notify.Payload{}, now: func() time.Time { return (*e).now }}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return rc, srv
}

// settle runs the notifier as the daemon does, moving the clock to each
// next attempt, until nothing waits; it returns the attempts made.
func (e *env) settle(t *testing.T) int {
	t.Helper()
	ctx := context.Background()
	if _, err := e.n.Enqueue(ctx); err != nil {
		t.Fatal(err)
	}
	attempts := 0
	for range 100 {
		attempts += len(e.n.Deliver(ctx))
		next, err := e.n.NextAttempt(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if next.IsZero() {
			return attempts
		}
		if next.After(e.now) {
			e.now = next
		}
	}
	t.Fatal("deliveries still waiting after 100 rounds")
	return 0
}

// Each change reaches the receiver, signed, exactly once by its delivery
// id, whatever fails on the way: 5xx answers, requests that time out, and
// connections dropped after the request was read. Only the last two bring
// a second copy, with the same id, as the README says.
func TestWebhookDeliversEveryChangeDespiteFailures(t *testing.T) {
	var e *env
	faults := map[int]string{1: "5xx", 2: "timeout", 3: "drop", 4: "5xx", 5: "5xx", 7: "drop"}
	rc, srv := newReceiver(t, &e, func(n int) string { return faults[n] })
	e = newEnv(t, hookConfig, srv.URL)

	for i, days := range []int{60, 90, 120, 180} {
		e.now = t0.Add(time.Duration(i+1) * time.Hour)
		e.record(t, days)
	}
	attempts := e.settle(t)
	if len(rc.order) != 4 {
		t.Fatalf("the receiver accepted %d deliveries, want 4 (one per change); requests by id: %v", len(rc.order), rc.seen)
	}
	// Retries interleave: the receiver may see them out of order.
	sort.Slice(rc.order, func(i, j int) bool {
		return rc.first[rc.order[i]].Change.FromSeq < rc.first[rc.order[j]].Change.FromSeq
	})
	for i, id := range rc.order {
		p := rc.first[id]
		if p.Event != tracker.DeliverChange || p.Webhook != "hook" || p.Change == nil {
			t.Fatalf("delivery %d: %+v", i, p)
		}
		c := p.Change
		if c.Source != "pp" || c.FromSeq != i+1 || c.ToSeq != i+2 || c.Importance != tracker.Major || c.Topic != "privacy" ||
			c.DiffURL != fmt.Sprintf("https://tracker.example.com/sources/pp/diff?from=%d&to=%d", i+1, i+2) || len(c.Passages) == 0 || c.Reason == "" {
			t.Errorf("delivery %d: %+v", i, *c)
		}
	}
	if rc.dups != 3 {
		t.Errorf("%d copies of deliveries accepted already, want 3 (after the timeout and the two drops)", rc.dups)
	}
	ledger, err := e.db.Deliveries(context.Background(), store.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	doubtful := 0
	for _, d := range ledger {
		doubtful += d.Doubtful
	}
	if doubtful != rc.dups {
		t.Errorf("%d attempts marked doubtful in the ledger, want %d: each copy the receiver had already", doubtful, rc.dups)
	}
	if attempts != rc.n || rc.n != 4+len(faults) {
		t.Errorf("%d attempts, %d requests; want %d", attempts, rc.n, 4+len(faults))
	}
	ds, err := e.db.Deliveries(context.Background(), store.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.State != tracker.DeliverySent {
			t.Errorf("delivery %d (%s): %s, %s", d.ID, d.Key, d.State, d.LastError)
		}
	}
	// The same changes again: nothing new is recorded or sent.
	before := rc.n
	if k, err := e.n.Enqueue(context.Background()); err != nil || k != 0 {
		t.Errorf("enqueue again: %d recorded, %v", k, err)
	}
	if out := e.n.Deliver(context.Background()); len(out) != 0 || rc.n != before {
		t.Errorf("deliver again: %d attempts", len(out))
	}
}

// A delivery that keeps failing is retried with a growing backoff and stays
// in the ledger with its error: never dropped.
func TestFailingWebhookIsRetriedNotDropped(t *testing.T) {
	var e *env
	up := false
	rc, srv := newReceiver(t, &e, func(int) string {
		if up {
			return ""
		}
		return "5xx"
	})
	e = newEnv(t, hookConfig, srv.URL)
	e.now = t0.Add(time.Hour)
	e.record(t, 45)
	ctx := context.Background()
	if k, err := e.n.Enqueue(ctx); err != nil || k != 1 {
		t.Fatalf("enqueue: %d, %v", k, err)
	}
	var waits []time.Duration
	for range 10 {
		out := e.n.Deliver(ctx)
		if len(out) != 1 || out[0].Err == nil || out[0].Delivery.State != tracker.DeliveryFailed {
			t.Fatalf("attempt: %+v", out)
		}
		waits = append(waits, out[0].Delivery.NextAttempt.Sub(e.now))
		if early := e.n.Deliver(ctx); len(early) != 0 {
			t.Fatalf("retried before its time: %+v", early)
		}
		e.now = out[0].Delivery.NextAttempt
	}
	for i := 1; i < len(waits); i++ {
		if waits[i] < waits[i-1] || waits[i] > time.Hour {
			t.Errorf("backoff %v", waits)
			break
		}
	}
	ds, _ := e.db.Deliveries(ctx, store.DeliveryFilter{States: []tracker.DeliveryState{tracker.DeliveryFailed}})
	if len(ds) != 1 || ds[0].Attempts != 10 || ds[0].Status != 503 || !strings.Contains(ds[0].LastError, "503") {
		t.Fatalf("the ledger: %+v", ds)
	}
	up = true
	e.settle(t)
	if len(rc.order) != 1 {
		t.Errorf("after recovery: %d delivered", len(rc.order))
	}
}

// Slack and Teams get their own shapes of the same change.
func TestSlackAndTeamsShapes(t *testing.T) {
	var mu sync.Mutex
	bodies := map[string]map[string]any{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var v map[string]any
		if err := json.NewDecoder(r.Body).Decode(&v); err != nil {
			t.Error(err)
		}
		mu.Lock()
		bodies[r.URL.Path] = v
		mu.Unlock()
	}))
	defer srv.Close()
	e := newEnv(t, `
mail: {from: "Tracker <tracker@example.com>", base_url: 'https://tracker.example.com'}
sources:
  - {id: pp, name: Acme Privacy Policy, kind: page, url: 'http://127.0.0.1/pp', select: main}
webhooks:
  - {name: slack, url: '%[1]s/slack', format: slack}
  - {name: teams, url: '%[1]s/teams', format: teams}
`, srv.URL)
	e.now = t0.Add(time.Hour)
	e.record(t, 365)
	e.settle(t)
	s := unescaped(t, bodies["/slack"])
	if !strings.Contains(string(s), `"text":"TikTok terms: Major change to Acme Privacy Policy (`) ||
		!strings.Contains(string(s), `<https://tracker.example.com/sources/pp/diff?from=1&to=2|Major change to Acme Privacy Policy`) ||
		!strings.Contains(string(s), `"type":"mrkdwn"`) {
		t.Errorf("slack: %s", s)
	}
	tm := unescaped(t, bodies["/teams"])
	if !strings.Contains(string(tm), `"contentType":"application/vnd.microsoft.card.adaptive"`) || !strings.Contains(string(tm), `"type":"AdaptiveCard"`) ||
		!strings.Contains(string(tm), `"type":"Action.OpenUrl"`) || !strings.Contains(string(tm), `"url":"https://tracker.example.com/sources/pp/diff?from=1&to=2"`) {
		t.Errorf("teams: %s", tm)
	}
}

// A webhook that sends digests gets one per window of mail.schedule, the
// first a day at least after it was added; with urgent topics, a major
// change on them goes out at once too.
func TestDigestWebhookWithUrgentTopics(t *testing.T) {
	var e *env
	rc, srv := newReceiver(t, &e, nil)
	e = newEnv(t, `
mail: {from: "Tracker <tracker@example.com>", base_url: 'https://tracker.example.com', schedule: "0 8 * * 1"}
sources:
  - {id: pp, name: Acme Privacy Policy, kind: page, url: 'http://127.0.0.1/pp', select: main}
webhooks:
  - {name: weekly, url: '%s', secret_env: HOOK_SECRET, send: digest, urgent: [privacy]}
`, srv.URL)
	e.now = t0.Add(time.Hour)
	e.record(t, 400)
	e.settle(t)
	if len(rc.order) != 1 || rc.first[rc.order[0]].Event != tracker.DeliverUrgent || rc.first[rc.order[0]].Change.ToSeq != 2 {
		t.Fatalf("after a major privacy change: %d deliveries %+v", len(rc.order), rc.first)
	}
	// Monday 9 March 08:00: the digest of the days since the webhook was added.
	e.now = time.Date(2026, 3, 9, 8, 0, 0, 0, time.UTC)
	e.settle(t)
	e.now = e.now.Add(time.Hour)
	e.settle(t)
	if len(rc.order) != 2 {
		t.Fatalf("after Monday: %d deliveries", len(rc.order))
	}
	p := rc.first[rc.order[1]]
	if p.Event != tracker.DeliverDigest || p.Digest == nil || p.Digest.WindowStart != "2026-03-04T09:00:00Z" || p.Digest.WindowEnd != "2026-03-09T08:00:00Z" ||
		len(p.Digest.Changes) != 1 || p.Digest.Changes[0].ToSeq != 2 || !strings.HasPrefix(p.Digest.Headline, "1 change") {
		t.Errorf("digest: %+v", p.Digest)
	}
	// The week after starts where this one ended.
	e.now = time.Date(2026, 3, 16, 8, 0, 0, 0, time.UTC)
	e.settle(t)
	if p := rc.first[rc.order[len(rc.order)-1]]; len(rc.order) != 3 || p.Digest.WindowStart != "2026-03-09T08:00:00Z" || !p.Digest.Quiet {
		t.Errorf("the next week: %d deliveries, %+v", len(rc.order), p.Digest)
	}
}

// A recipient with urgent topics gets a mail for a major change on them as
// it is detected, through a real SMTP server, once.
func TestUrgentMail(t *testing.T) {
	mp := mailpittest.Start(t)
	e := newEnv(t, fmt.Sprintf(`
mail:
  from: "Tracker <tracker@example.com>"
  base_url: https://tracker.example.com
  smtp: {host: 127.0.0.1, port: %d, tls: none, timeout: 5s}
sources:
  - {id: pp, name: Acme Privacy Policy, kind: page, url: 'http://127.0.0.1/pp', select: main}
recipients:
  - {name: Ada Lovelace, address: ada@example.com, urgent: [privacy]}
  - {name: Grace Hopper, address: grace@example.com, urgent: [ai]}
  - {name: Alan Turing, address: alan@example.com}
%%s`, mp.SMTPPort), "")
	e.now = t0.Add(time.Hour)
	e.record(t, 500)
	e.settle(t)
	e.now = e.now.Add(time.Hour)
	e.settle(t)
	ada := mp.To("ada@example.com")
	if len(ada) != 1 || !strings.Contains(ada[0].Subject, "Urgent: Major change to Acme Privacy Policy") ||
		!strings.Contains(ada[0].Text, "https://tracker.example.com/sources/pp/diff?from=1&to=2") || !strings.Contains(ada[0].Text, "{+500+}") {
		t.Fatalf("Ada's alerts: %+v", ada)
	}
	if n := len(mp.To("grace@example.com")) + len(mp.To("alan@example.com")); n != 0 {
		t.Errorf("%d alerts to recipients who did not ask for privacy", n)
	}
}

func unescaped(t *testing.T, v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// A change recorded while no tracker process delivered (tracker check run
// by cron, deliveries --send not yet) is sent by the next pass, however long
// after: each pass reads from where the last one stopped.
func TestChangeRecordedLongBeforeThePassIsSent(t *testing.T) {
	var e *env
	rc, srv := newReceiver(t, &e, nil)
	e = newEnv(t, hookConfig, srv.URL)
	e.now = t0.Add(time.Hour)
	e.record(t, 31)
	e.now = t0.Add(9 * 24 * time.Hour)
	e.settle(t)
	if len(rc.order) != 1 || rc.first[rc.order[0]].Change.ToSeq != 2 {
		t.Fatalf("%d deliveries, want the change of nine days ago", len(rc.order))
	}
}

// dying forwards a request to the receiver, then ends the goroutine that
// made it, as a tracker killed mid-send would: nothing after the request
// runs, and no outcome is recorded.
type dying struct{ sent chan<- struct{} }

func (d dying) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		resp.Body.Close()
	}
	close(d.sent)
	runtime.Goexit()
	return nil, nil
}

// A tracker that stops while sending leaves the delivery sending, not
// lost: once its attempt's time is up, the next pass sends it again, with
// the same delivery id, and the ledger says a copy may have arrived twice.
func TestDeliveryInterruptedMidSendIsSentAgainInDoubt(t *testing.T) {
	var e *env
	rc, srv := newReceiver(t, &e, nil)
	e = newEnv(t, hookConfig, srv.URL)
	e.now = t0.Add(time.Hour)
	e.record(t, 45)
	ctx := context.Background()
	if k, err := e.n.Enqueue(ctx); err != nil || k != 1 {
		t.Fatalf("enqueue: %d, %v", k, err)
	}
	client := e.n.Client
	sent, done := make(chan struct{}), make(chan struct{})
	e.n.Client = &http.Client{Transport: dying{sent: sent}}
	go func() {
		defer close(done)
		e.n.Deliver(ctx)
	}()
	<-sent
	<-done
	e.n.Client = client
	ds, err := e.db.Deliveries(ctx, store.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].State != tracker.DeliverySending || len(rc.order) != 1 {
		t.Fatalf("after the tracker died: %d received, ledger %+v", len(rc.order), ds)
	}
	// Another tracker, at once: the attempt may still be under way.
	if out := e.n.Deliver(ctx); len(out) != 0 {
		t.Fatalf("sent again while its attempt could still be under way: %+v", out)
	}
	next, err := e.n.NextAttempt(ctx)
	if err != nil || !next.After(e.now) {
		t.Fatalf("next attempt %v (%v): the daemon would not come back to it", next, err)
	}
	e.now = next
	out := e.n.Deliver(ctx)
	if len(out) != 1 || out[0].Err != nil {
		t.Fatalf("after the attempt's time: %+v", out)
	}
	d := out[0].Delivery
	if d.State != tracker.DeliverySent || d.Doubtful != 1 || d.Attempts != 2 {
		t.Errorf("the ledger: %s, %d doubtful, %d attempts; want sent, 1, 2", d.State, d.Doubtful, d.Attempts)
	}
	if len(rc.order) != 1 || rc.dups != 1 || rc.seen[rc.order[0]] != 2 {
		t.Errorf("the receiver: %d deliveries, %d copies, requests %v; want the one delivery twice under its id", len(rc.order), rc.dups, rc.seen)
	}
}

// flakyMailer loses the connection as the server takes the first message,
// then sends.
type flakyMailer struct {
	mu   sync.Mutex
	sent []digest.Message
}

func (m *flakyMailer) Transport() string { return "smtp" }

func (m *flakyMailer) Send(_ context.Context, msg digest.Message) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, msg)
	if len(m.sent) == 1 {
		return "", &digest.SendError{Uncertain: true, Err: errors.New("the connection dropped after DATA")}
	}
	return "127.0.0.1:25", nil
}

// An alert mail whose connection dropped as the server took it is in
// doubt and sent again, under the same Message-ID, as a digest is.
func TestUncertainAlertMailIsSentAgain(t *testing.T) {
	e := newEnv(t, `
mail:
  from: "Tracker <tracker@example.com>"
  base_url: https://tracker.example.com
sources:
  - {id: pp, name: Acme Privacy Policy, kind: page, url: 'http://127.0.0.1/pp', select: main}
recipients:
  - {name: Ada Lovelace, address: ada@example.com, urgent: [privacy]}
%s`, "")
	m := &flakyMailer{}
	e.n.Mailer = m
	e.now = t0.Add(time.Hour)
	e.record(t, 500)
	ctx := context.Background()
	if _, err := e.n.Enqueue(ctx); err != nil {
		t.Fatal(err)
	}
	out := e.n.Deliver(ctx)
	if len(out) != 1 {
		t.Fatalf("the first attempt: %d outcomes", len(out))
	}
	if d := out[0].Delivery; d.State != tracker.DeliveryUncertain || d.Doubtful != 1 || !d.NextAttempt.After(e.now) {
		t.Fatalf("the first attempt: %s, %d doubtful, next %v; want uncertain, 1, a retry", d.State, d.Doubtful, d.NextAttempt)
	}
	e.settle(t)
	ds, err := e.db.Deliveries(ctx, store.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.sent) != 2 || m.sent[0].MessageID != m.sent[1].MessageID || m.sent[0].MessageID == "" {
		t.Fatalf("mails sent: %d, want the alert twice under one Message-ID", len(m.sent))
	}
	if len(ds) != 1 || ds[0].State != tracker.DeliverySent || ds[0].Doubtful != 1 {
		t.Errorf("the ledger: %+v", ds)
	}
}

// Two workers on one database, the second's clock two minutes ahead of the
// first's (two machines): while the first sends a change, past the hold
// of its attempt on the second's clock, the second's pass does nothing
// rather than take the delivery for one whose sender stopped and send a
// copy. A worker that died during its pass holds it until its lease
// expires; then the others go on.
func TestOnePassAtATimeAmongWorkers(t *testing.T) {
	var e *env
	held, release := make(chan struct{}), make(chan struct{})
	rc, srv := newReceiver(t, &e, func(n int) string {
		if n == 1 {
			close(held)
			<-release
		}
		return ""
	})
	e = newEnv(t, hookConfig, srv.URL)
	ctx := context.Background()
	e.n.Worker = "w1"
	n2, err := notify.New(e.cfg, e.rec.Taxonomy, storetest.OpenAt(t, e.addr), getenv, nil)
	if err != nil {
		t.Fatal(err)
	}
	n2.Worker, n2.Now = "w2", func() time.Time { return e.now.Add(2 * time.Minute) }

	e.now = t0.Add(time.Hour)
	e.record(t, 45)
	first := make(chan notify.Pass)
	go func() { first <- e.n.Pass(ctx) }()
	<-held
	if p := n2.Pass(ctx); !p.Busy || p.Recorded != 0 || len(p.Outcomes) != 0 {
		t.Errorf("the second worker's pass while the first sends: %+v, want busy", p)
	}
	close(release)
	p := <-first
	if p.Busy || p.Err != nil || p.Recorded != 1 || len(p.Outcomes) != 1 || p.Outcomes[0].Delivery.State != tracker.DeliverySent {
		t.Fatalf("the first worker's pass: %+v", p)
	}
	if p := n2.Pass(ctx); p.Busy || p.Err != nil || p.Recorded != 0 || len(p.Outcomes) != 0 {
		t.Errorf("the second worker's pass once the first's is over: %+v, want nothing to do", p)
	}

	// The first worker dies during a pass: its lease outlives it, until
	// it expires.
	e.now = e.now.Add(time.Hour)
	e.record(t, 60)
	if got, err := e.db.ClaimLease(ctx, notify.Lease, "w1", e.now, time.Minute); err != nil || !got {
		t.Fatalf("lease: %v %v", got, err)
	}
	n2.Now = func() time.Time { return e.now }
	if p := n2.Pass(ctx); !p.Busy {
		t.Errorf("a pass while a dead worker's lease lasts: %+v, want busy", p)
	}
	e.now = e.now.Add(time.Minute + time.Millisecond)
	if p := n2.Pass(ctx); p.Busy || p.Err != nil || p.Recorded != 1 || len(p.Outcomes) != 1 || p.Outcomes[0].Delivery.State != tracker.DeliverySent {
		t.Errorf("a pass once the dead worker's lease expired: %+v", p)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.n != 2 || len(rc.order) != 2 || rc.dups != 0 {
		t.Errorf("the receiver: %d requests, %d deliveries, %d copies; want each change once", rc.n, len(rc.order), rc.dups)
	}
}
