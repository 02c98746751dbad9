package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tracker"
	"tracker/internal/api"
	"tracker/internal/mailpittest"
	"tracker/internal/replaytest"
)

// version reads one file of the TikTok dataset.
func otaFile(t *testing.T, doc, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(replaytest.OTADir(), "TikTok", doc, name+".md"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withoutItems drops the items whose title starts with one of titles.
func withoutItems(feed []byte, titles ...string) []byte {
	out := feed
	for _, title := range titles {
		for {
			i := bytes.Index(out, []byte("<title>"+title))
			if i < 0 {
				break
			}
			start := bytes.LastIndex(out[:i], []byte("<item>"))
			end := i + bytes.Index(out[i:], []byte("</item>")) + len("</item>")
			out = append(append([]byte(nil), out[:start]...), out[end:]...)
		}
	}
	return out
}

// TestDigestsThroughSMTP replays three weeks of TikTok's documents and a
// regulator feed, and mails the digests through a real SMTP server
// (Mailpit), reading them back through its API.
func TestDigestsThroughSMTP(t *testing.T) {
	mp := mailpittest.Start(t)
	srv := replaytest.NewServer()
	defer srv.Close()
	fr, err := os.ReadFile(filepath.Join(replaytest.TestdataDir(), "feeds", "federal-register-documents-2025-08-04.rss"))
	if err != nil {
		t.Fatal(err)
	}
	serveTerms := func(name string) {
		srv.Handle("/terms", replaytest.Document(otaFile(t, "Terms of Service", name), uint64(len(name))))
	}
	servePrivacy := func(name string) {
		srv.Handle("/privacy", replaytest.Document(otaFile(t, "Privacy Policy", name), uint64(len(name))))
	}
	serveTerms("2025-05-05T18-18-57Z")
	servePrivacy("2025-01-07T06-16-37Z")
	srv.Handle("/fr", replaytest.Static(http.StatusOK, withoutItems(fr, "Privacy Act of 1974", "Certain Dermatological")))

	e := newEnv(t, fmt.Sprintf(`
settings: {retries: 0, host_delay: 0s}
mail:
  from: "Tracker <tracker@example.com>"
  base_url: http://tracker.example.com
  smtp: {host: 127.0.0.1, port: %d, tls: none, timeout: 5s}
recipients:
  - {name: Ada Lovelace, address: ada@example.com}
  - {name: Grace Hopper, address: grace@example.com, topics: [ip]}
  - {name: Hal Abelson, address: hal@example.com, topics: [privacy], time_zone: America/New_York}
sources:
  - {id: tiktok-terms-eea, name: TikTok Terms of Service (EEA), kind: page, url: '%[2]s/terms', select: '[data-testid=policy-card]', remove: [.language-selection]}
  - {id: tiktok-privacy-eea, name: TikTok Privacy Policy (EEA), kind: page, url: '%[2]s/privacy', select: article, remove: [.language-selection]}
  - {id: federal-register, name: Federal Register, kind: feed, url: '%[2]s/fr', topics: [privacy, consumer, ip]}
`, mp.SMTPPort, srv.URL))
	at := func(s string) {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Set(tm)
	}

	// Week of 1 June: the baseline, then the privacy policy names a
	// representative in Switzerland and the regulator publishes four
	// relevant notices.
	at("2026-06-01T09:00:00Z")
	e.mustRun(exitOK, "check")
	at("2026-06-03T10:00:00Z")
	servePrivacy("2025-07-31T18-17-59Z")
	srv.Handle("/fr", replaytest.Static(http.StatusOK, fr))
	if out := e.mustRun(exitOK, "check"); !strings.Contains(out, "tiktok-privacy-eea  new version 2") || !strings.Contains(out, "4 new items (4 kept by the filters)") {
		t.Fatalf("week 1 check:\n%s", out)
	}

	// Monday 8 June, 09:00 UTC: Ada's and Grace's first digests are due,
	// covering from the first check. In New York it is 05:00: Hal's
	// latest scheduled time, 1 June 08:00, came three hours after tracker
	// first ran: too early for a first digest.
	at("2026-06-08T09:00:00Z")
	out := e.mustRun(exitOK, "digest", "--send")
	if !strings.Contains(out, "hal@example.com  nothing sent: not due") {
		t.Errorf("Hal's digest was due before 08:00 in New York:\n%s", out)
	}
	ada := mp.To("ada@example.com")
	grace := mp.To("grace@example.com")
	if len(ada) != 1 || len(grace) != 1 || len(mp.To("hal@example.com")) != 0 {
		t.Fatalf("messages: ada %d, grace %d, hal %d", len(ada), len(grace), len(mp.To("hal@example.com")))
	}
	if want := "TikTok terms: 1 change (privacy), 4 regulator items — week of 2026-06-01"; ada[0].Subject != want || !strings.Contains(ada[0].Text, "Mon 1 Jun 2026 09:00 – Mon 8 Jun 2026 08:00 (UTC)") {
		t.Errorf("Ada's subject %q, want %q", ada[0].Subject, want)
	}
	for _, part := range []string{ada[0].Text, ada[0].HTML} {
		for _, want := range []string{"TikTok Privacy Policy (EEA)", "TikTok Switzerland GmbH",
			"Privacy Act of 1974; System of Records", "Certain Dermatological Treatment Devices",
			"http://tracker.example.com/sources/tiktok-privacy-eea/diff?from=1"} {
			if !strings.Contains(part, want) {
				t.Errorf("Ada's digest lacks %q", want)
			}
		}
	}
	// Grace follows intellectual property only: the ITC patent notices.
	if g := grace[0]; !strings.Contains(g.Text, "Certain Dermatological Treatment Devices") || strings.Contains(g.Text, "Privacy Act of 1974") ||
		strings.Contains(g.Text, "Switzerland GmbH") || !strings.Contains(g.Subject, "2 regulator items") {
		t.Errorf("Grace's digest (%s):\n%s", g.Subject, g.Text)
	}

	// Running again sends nothing new; at 13:00 UTC Hal's is due.
	e.mustRun(exitOK, "digest", "--send")
	at("2026-06-08T13:00:00Z")
	e.mustRun(exitOK, "digest", "--send")
	if n := len(mp.Messages()); n != 3 {
		t.Errorf("%d messages after three runs, want 3: one per recipient", n)
	}
	hal := mp.To("hal@example.com")
	if len(hal) != 1 || !strings.Contains(hal[0].Text, "Switzerland GmbH") || strings.Contains(hal[0].Text, "Certain Dermatological") {
		t.Errorf("Hal's digest: %+v", hal)
	} else if !strings.Contains(hal[0].Text, "Mon 1 Jun 2026 05:00 – Mon 8 Jun 2026 08:00 (America/New_York)") {
		t.Errorf("Hal's digest is not in New York time:\n%.300s", hal[0].Text)
	}

	// Week of 8 June: the terms change. On Monday 15 June the SMTP server
	// is down: the run fails, saying why.
	at("2026-06-10T10:00:00Z")
	serveTerms("2025-06-25T06-16-50Z")
	e.mustRun(exitOK, "check")
	mp.Stop()
	at("2026-06-15T09:00:00Z")
	code, out, _ := e.run("digest", "--send", "--recipient", "ada@example.com")
	if code != exitFailed || !strings.Contains(out, "cannot reach the SMTP server 127.0.0.1:") {
		t.Errorf("with the server down: exit %d\n%s", code, out)
	}

	// Week of 15 June: the terms change again. The server is back on 22
	// June: one digest covers both weeks.
	at("2026-06-17T10:00:00Z")
	serveTerms("2025-08-12T18-17-24Z")
	e.mustRun(exitOK, "check")
	mp.Restart()
	at("2026-06-22T09:00:00Z")
	e.mustRun(exitOK, "digest", "--send", "--recipient", "ada@example.com")
	ada = mp.To("ada@example.com")
	if len(ada) != 2 {
		t.Fatalf("%d messages for Ada, want 2", len(ada))
	}
	latest := ada[0]
	if !strings.Contains(latest.Subject, "week of 2026-06-08") || !strings.Contains(latest.Text, "Mon 8 Jun 2026 08:00 – Mon 22 Jun 2026 08:00") ||
		!strings.Contains(latest.Text, "version 1 → 2") || !strings.Contains(latest.Text, "version 2 → 3") {
		t.Errorf("the catch-up digest does not cover both weeks (%s):\n%s", latest.Subject, latest.Text)
	}
	var digests []api.Digest
	e.runJSON(&digests, "digests")
	states := map[tracker.DigestState]int{}
	for _, d := range digests {
		states[d.State]++
	}
	if states["sent"] != 4 || states["superseded"] != 1 || states["failed"] != 0 {
		t.Errorf("digests: %v", states)
	}
	if out := e.mustRun(exitOK, "digests"); !strings.Contains(out, "superseded") || !strings.Contains(out, "ada@example.com") {
		t.Errorf("tracker digests:\n%s", out)
	}

	// Ada lost the catch-up digest: the operator sends it again, as it was,
	// under the same Message-ID. The superseded one cannot be resent.
	var catchUp, superseded api.Digest
	for _, d := range digests {
		switch {
		case d.State == "superseded":
			superseded = d
		case d.Recipient == "ada@example.com" && d.State == "sent" && (catchUp.ID == 0 || d.ID > catchUp.ID):
			catchUp = d
		}
	}
	code, out, _ = e.run("digest", "--resend", fmt.Sprint(superseded.ID))
	if code != exitFailed || !strings.Contains(out, fmt.Sprintf("superseded by digest %d", catchUp.ID)) {
		t.Errorf("resending the superseded digest: exit %d\n%s", code, out)
	}
	out = e.mustRun(exitOK, "digest", "--resend", fmt.Sprint(catchUp.ID))
	ada = mp.To("ada@example.com")
	if !strings.Contains(out, "resent") || len(ada) != 3 || ada[0].MessageID != latest.MessageID || ada[0].Text != latest.Text {
		t.Errorf("resend: %s\n%d messages for Ada; the new one %q, want %q", out, len(ada), ada[0].MessageID, latest.MessageID)
	}
	e.runJSON(&digests, "digests")
	for _, d := range digests {
		if d.ID == catchUp.ID && (d.State != "sent" || d.Attempts != catchUp.Attempts+1) {
			t.Errorf("after the resend: %+v", d)
		}
	}
	if code, _, errOut := e.run("digest", "--resend", "99"); code != exitUsage || !strings.Contains(errOut, "no digest 99") {
		t.Errorf("--resend 99: exit %d, %q", code, errOut)
	}
	if code, _, errOut := e.run("digest", "--send", "--resend", "1"); code != exitUsage || !strings.Contains(errOut, "say one of") {
		t.Errorf("--send with --resend: exit %d, %q", code, errOut)
	}
}

func TestDigestPreview(t *testing.T) {
	e := importedEnv(t)
	at, _ := time.Parse(time.RFC3339, "2026-06-05T12:00:00Z")
	e.clock.Set(at)
	html := filepath.Join(e.dir, "preview.html")
	code, out, errOut := e.run("digest", "--preview", "--out", html)
	if code != exitOK || !strings.HasPrefix(out, "Subject: TikTok terms: ") || !strings.Contains(errOut, "HTML written to") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	b, err := os.ReadFile(html)
	if err != nil || !bytes.Contains(b, []byte("<!DOCTYPE html>")) {
		t.Errorf("preview HTML: %v", err)
	}
	// In a terminal, "HTML written to" on stderr follows the text: on a
	// line of its own, even when an operator's template ends without one.
	tmpl := filepath.Join(e.dir, "templates")
	if err := os.Mkdir(tmpl, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tmpl, "digest.txt.tmpl"), []byte("Sent to {{.Recipient.Address}}."), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, _ := os.ReadFile(e.config)
	if err := os.WriteFile(e.config, append(cfg, "mail: {templates: "+tmpl+"}\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := e.mustRun(exitOK, "digest", "--preview", "--out", html); !strings.HasSuffix(out, "Sent to preview@localhost.\n") {
		t.Errorf("the preview's text ends without a line break: %q", out[max(0, len(out)-40):])
	}
	if err := os.WriteFile(e.config, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := e.run("digest", "--send"); code != exitUsage || !strings.Contains(errOut, "no recipients") {
		t.Errorf("send without recipients: %d %q", code, errOut)
	}
	if code, _, _ := e.run("digest"); code != exitUsage {
		t.Errorf("digest without --preview or --send: %d", code)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "outbox")); err == nil {
		t.Error("a preview wrote to the outbox")
	}
}

// A check that begins before a digest's window closes and commits after the
// digest went out: its change is dated when it was recorded, so the next
// digest holds it. Dated when the fetch began, it fell before the next
// window and after the sent one: in no digest at all.
func TestChangeCommittedAsTheWindowClosesIsInTheNextDigest(t *testing.T) {
	srv := replaytest.NewServer()
	defer srv.Close()
	serve := func(name string) {
		srv.Handle("/privacy", replaytest.Document(otaFile(t, "Privacy Policy", name), uint64(len(name))))
	}
	serve("2025-01-07T06-16-37Z")
	outbox := filepath.Join(t.TempDir(), "outbox")
	e := newEnv(t, fmt.Sprintf(`
settings: {retries: 0, host_delay: 0s}
mail: {from: "Tracker <tracker@example.com>", outbox: '%s'}
recipients:
  - {name: Ada Lovelace, address: ada@example.com}
sources:
  - {id: tiktok-privacy-eea, name: TikTok Privacy Policy (EEA), kind: page, url: '%s/privacy', select: article, remove: [.language-selection]}
`, outbox, srv.URL))
	at := func(s string) {
		t.Helper()
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Set(tm)
	}
	at("2026-05-27T10:00:00Z")
	e.mustRun(exitOK, "check")
	e.mustRun(exitOK, "digest", "--send") // enrols Ada: her first digest is Monday's
	at("2026-06-01T09:00:00Z")
	e.mustRun(exitOK, "digest", "--send")

	// Monday 8 June, 07:59:50: the check starts; the site is slow.
	at("2026-06-08T07:59:50Z")
	release := make(chan struct{})
	hit := make(chan struct{}, 1)
	next := replaytest.Document(otaFile(t, "Privacy Policy", "2025-07-31T18-17-59Z"), 7)
	srv.Handle("/privacy", func(w http.ResponseWriter, r *http.Request) {
		select {
		case hit <- struct{}{}:
		default:
		}
		<-release
		next(w, r)
	})
	done := make(chan string)
	go func() {
		_, out, _ := e.run("check")
		done <- out
	}()
	<-hit
	// 08:00:30: the digest of the week that just closed goes out.
	at("2026-06-08T08:00:30Z")
	e.mustRun(exitOK, "digest", "--send")
	close(release)
	if out := <-done; !strings.Contains(out, "new version 2") {
		t.Fatalf("check: %s", out)
	}

	at("2026-06-15T09:00:00Z")
	e.mustRun(exitOK, "digest", "--send")
	files, _ := filepath.Glob(filepath.Join(outbox, "*.eml"))
	holding := 0
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if bytes.Contains(b, []byte("version 1 → 2")) || bytes.Contains(b, []byte("version 1 =E2=86=92 2")) {
			holding++
		}
	}
	if len(files) != 3 || holding != 1 {
		t.Errorf("%d digests, %d of them with the change of 8 June, want 3 and 1", len(files), holding)
	}
}
