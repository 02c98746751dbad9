package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tracker/internal/mailpittest"
	"tracker/internal/replaytest"
)

// TestCatchUpDigestThroughSMTP is a compliance officer's first day: tracker
// checks its sources for the first time, the preview says when the first
// digest would go out (next Monday), and --catch-up mails the last seven
// days now, once, through a real SMTP server (Mailpit); the Monday digest
// then starts where the catch-up ended.
func TestCatchUpDigestThroughSMTP(t *testing.T) {
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
	serveTerms("2025-05-05T18-18-57Z")
	srv.Handle("/fr", replaytest.Static(http.StatusOK, fr))
	e := newEnv(t, fmt.Sprintf(`
settings: {retries: 0, host_delay: 0s}
mail:
  from: "Tracker <tracker@example.com>"
  base_url: http://tracker.example.com
  smtp: {host: 127.0.0.1, port: %d, tls: none, timeout: 5s}
recipients:
  - {name: Ada Lovelace, address: ada@example.com, time_zone: Europe/Paris}
sources:
  - {id: tiktok-terms-eea, name: TikTok Terms of Service (EEA), kind: page, url: '%[2]s/terms', select: '[data-testid=policy-card]', remove: [.language-selection]}
  - {id: federal-register, name: Federal Register, kind: feed, url: '%[2]s/fr', topics: [privacy, consumer, ip]}
`, mp.SMTPPort, srv.URL))
	at := func(s string) {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Set(tm)
	}

	// Tuesday 5 August 2025: the first check (the feed's items are its
	// baseline), and an hour later the terms change.
	at("2025-08-05T09:00:00Z")
	e.mustRun(exitOK, "check")
	at("2025-08-05T10:00:00Z")
	serveTerms("2025-06-25T06-16-50Z")
	if out := e.mustRun(exitOK, "check"); !strings.Contains(out, "tiktok-terms-eea  new version 2") {
		t.Fatalf("second check:\n%s", out)
	}

	at("2025-08-05T11:00:00Z")
	out := e.mustRun(exitOK, "digest", "--preview")
	for _, want := range []string{
		"The next digest to ada@example.com goes out Mon 11 Aug 2025 08:00 CEST (in 5 days, schedule \"0 8 * * 1\"), covering from Tue 5 Aug 2025 11:00 CEST.",
		"tracker digest --send --catch-up --recipient ada@example.com sends the last 7 days now.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("preview lacks %q:\n%.600s", want, out)
		}
	}
	if out := e.mustRun(exitOK, "digest", "--send"); !strings.Contains(out, "nothing sent: not due") || len(mp.Messages()) != 0 {
		t.Fatalf("digest --send on day one sent something:\n%s", out)
	}

	out = e.mustRun(exitOK, "digest", "--send", "--catch-up")
	if !strings.Contains(out, "ada@example.com  sent") {
		t.Fatalf("catch-up:\n%s", out)
	}
	ada := mp.To("ada@example.com")
	if len(ada) != 1 {
		t.Fatalf("%d messages after the catch-up, want 1", len(ada))
	}
	first := ada[0]
	for _, want := range []string{
		"Tue 29 Jul 2025 13:00 – Tue 5 Aug 2025 13:00 (Europe/Paris)", // the last 7 days, to now
		"TikTok Terms of Service (EEA)", "version 1 → 2",              // the change of the day
		"Federal Register", "Privacy Act of 1974", // items published in those days, read today
	} {
		if !strings.Contains(first.Text, want) {
			t.Errorf("the catch-up digest lacks %q:\n%s", want, first.Text)
		}
	}

	// Once: a second catch-up sends nothing, and says when the next digest
	// goes out.
	out = e.mustRun(exitOK, "digest", "--send", "--catch-up", "--recipient", "ada@example.com")
	if !strings.Contains(out, "nothing sent: not a new recipient: digest 1 went out on Tue 5 Aug 2025 13:00 CEST; the next one goes out Mon 11 Aug 2025 08:00 CEST") {
		t.Errorf("second catch-up:\n%s", out)
	}
	if n := len(mp.Messages()); n != 1 {
		t.Fatalf("%d messages after a second catch-up, want 1", n)
	}

	// The terms change on Thursday; Monday's digest covers from the end
	// of the catch-up, holding that change and not the first one again,
	// nor the item the catch-up sent (it may stand under the change as a
	// regulator's item on its subject that week, not as news).
	at("2025-08-07T10:00:00Z")
	serveTerms("2025-08-12T18-17-24Z")
	e.mustRun(exitOK, "check")
	at("2025-08-11T06:30:00Z")
	e.mustRun(exitOK, "digest", "--send")
	ada = mp.To("ada@example.com")
	if len(ada) != 2 {
		t.Fatalf("%d messages on Monday, want 2", len(ada))
	}
	monday := ada[0]
	if !strings.Contains(monday.Text, "Tue 5 Aug 2025 13:00 – Mon 11 Aug 2025 08:00 (Europe/Paris)") || !strings.Contains(monday.Text, "version 2 → 3") ||
		strings.Contains(monday.Text, "version 1 → 2") || !strings.Contains(monday.Text, "1 change), 0 regulator items") {
		t.Errorf("Monday's digest:\n%s", monday.Text)
	}
	if monday.MessageID == first.MessageID {
		t.Errorf("two digests under one Message-ID %s", first.MessageID)
	}
}
