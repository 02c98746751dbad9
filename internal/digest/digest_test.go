package digest

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"tracker"
	"tracker/internal/config"
	"tracker/internal/ota"
	"tracker/internal/replaytest"
	"tracker/internal/store"
	"tracker/internal/storetest"
	"tracker/internal/topics"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// monday is the end of the digest window of the golden files: the week of
// 23 June 2025, when TikTok rewrote its terms of service.
var monday = time.Date(2025, 6, 30, 8, 0, 0, 0, time.UTC)

const testConfig = `
mail:
  from: "Tracker <tracker@example.com>"
  base_url: https://tracker.example.com
recipients:
  - name: Ada Lovelace
    address: ada@example.com
    time_zone: Europe/Paris
  - name: Grace Hopper
    address: grace@example.com
    topics: [ai]
    skip_empty: true
sources:
  - {id: tiktok-terms-of-service, name: TikTok Terms of Service (EEA), kind: page, url: 'https://www.tiktok.com/legal/page/eea/terms-of-service/en', select: article}
  - {id: tiktok-privacy-policy, name: TikTok Privacy Policy (EEA), kind: page, url: 'https://www.tiktok.com/legal/page/eea/privacy-policy/en', select: article}
  - {id: ftc, name: FTC press releases, kind: feed, url: 'https://www.ftc.gov/feeds/press-release.xml'}
`

// fixture is a database with TikTok's real history of two documents, a
// regulator's items, and a failing source, as of monday.
func fixture(t testing.TB) (*config.Config, *store.DB) {
	t.Helper()
	cfg, err := config.Parse("sources.yaml", []byte(testConfig))
	if err != nil {
		t.Fatal(err)
	}
	tax := taxonomy(t, cfg)
	ctx := context.Background()
	db := storetest.Open(t)
	for _, s := range cfg.Sources {
		if err := db.UpsertSource(ctx, store.SourceInfo{ID: s.ID, Kind: s.Kind, Name: s.Name, URL: s.URL}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = ota.Import(ctx, db, replaytest.OTADir(), ota.Options{
		Terms: []string{"Terms of Service", "Privacy Policy"}, Taxonomy: tax, Declared: func(string) bool { return true },
		Map: map[string]string{"TikTok/Terms of Service": "tiktok-terms-of-service", "TikTok/Privacy Policy": "tiktok-privacy-policy"},
	})
	if err != nil {
		t.Fatal(err)
	}
	item := func(key, title, text string, seen time.Time) tracker.Item {
		it := tracker.Item{Key: key, GUID: key, Title: title, Link: "https://www.ftc.gov/news-events/news/press-releases/" + key,
			Text: text, Published: seen.Truncate(24 * time.Hour), DateOnly: true, Hash: key + title, FirstSeen: seen, Kept: true}
		it.Topics = tax.Classify(it.Title, it.Text)
		return it
	}
	if err := db.SaveFeedFetch(ctx, store.FeedFetch{SourceID: "ftc", At: monday.Add(-6 * 24 * time.Hour), New: []tracker.Item{
		item("ftc-1", "FTC Takes Action Against App Developer for Selling Children's Personal Data",
			"The company collected precise location data from children under 13 without parental consent, in violation of COPPA.", monday.Add(-6*24*time.Hour)),
		item("ftc-2", "FTC Sues Company Over Unlawful Subscription Practices",
			"Consumers were enrolled in auto-renewal plans and denied refunds. <script>alert('x')</script><b onmouseover=alert(1)>Cancel</b> was hidden.", monday.Add(-5*24*time.Hour)),
		item("ftc-3", "FTC Announces Agenda for Open Commission Meeting", "The meeting will be held in Washington.", monday.Add(-4*24*time.Hour)),
	}}); err != nil {
		t.Fatal(err)
	}
	// The recipients were enrolled long before: their first digest is a
	// full week.
	if err := db.EnrollRecipients(ctx, []string{"ada@example.com", "grace@example.com"}, monday.Add(-60*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordFailure(ctx, store.Failure{SourceID: "ftc", At: monday.Add(-2 * 24 * time.Hour), Kind: "http",
		Reason: "HTTP 503 Service Unavailable (after 4 attempts)", Status: 503}); err != nil {
		t.Fatal(err)
	}
	return cfg, db
}

// taxonomy compiles the topics of cfg, as the wiring does.
func taxonomy(tb testing.TB, cfg *config.Config) *topics.Taxonomy {
	tb.Helper()
	tax, err := cfg.TopicsConfig().Compile()
	if err != nil {
		tb.Fatal(err)
	}
	return tax
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (run with -update after checking):\n%s", name, got)
	}
}

func render(t *testing.T, cfg *config.Config, db *store.DB, who string) (*Digest, Rendered) {
	t.Helper()
	tmpl, err := LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	b := &Builder{DB: db, Config: cfg, Taxonomy: taxonomy(t, cfg)}
	d, err := b.Build(context.Background(), cfg.Recipient(who), monday.Add(-7*24*time.Hour), monday)
	if err != nil {
		t.Fatal(err)
	}
	out, err := tmpl.Render(d)
	if err != nil {
		t.Fatal(err)
	}
	return d, out
}

func TestGoldenDigest(t *testing.T) {
	cfg, db := fixture(t)
	d, out := render(t, cfg, db, "ada@example.com")
	golden(t, "digest.txt", "Subject: "+out.Subject+"\n\n"+out.Text)
	golden(t, "digest.html", out.HTML)

	if out.Subject != "TikTok terms: 1 change (consumer, ip, minors, …), 3 regulator items — week of 2025-06-23" {
		t.Errorf("subject %q", out.Subject)
	}
	// That week the terms were rewritten: one major change of many topics.
	if d.Changes != 1 || d.DocumentsChanged != 1 || d.Items != 3 {
		t.Errorf("%d changes of %d documents, %d items", d.Changes, d.DocumentsChanged, d.Items)
	}
	for _, want := range []string{
		"major, version 15 → 16",
		"Full diff: https://tracker.example.com/sources/tiktok-terms-of-service/diff?from=15&to=16",
		"== SOURCE HEALTH ==", "FTC press releases: failing since Sat 28 Jun 10:00 (1 failed check), still failing",
		"== CONSUMER PROTECTION ==", "FTC Sues Company Over Unlawful Subscription Practices",
	} {
		if !strings.Contains(out.Text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	// The rewrite's passages come by weight, each with what it does: not
	// the first lines of the document (its date, a title), but what
	// carries the change.
	var entry ChangeEntry
	for _, s := range d.Sections {
		for _, doc := range s.Documents {
			entry = doc.Changes[0]
		}
	}
	if len(entry.Passages) != passagesShown || entry.More == 0 || entry.Reason == "" {
		t.Fatalf("the rewrite shows %d passages (%d more), reason %q", len(entry.Passages), entry.More, entry.Reason)
	}
	for _, p := range entry.Passages {
		if p.Reason == "" || p.Cosmetic || strings.Contains(p.Reason, "Only the") || strings.Contains(p.Reason, "Not the document's text") {
			t.Errorf("shown passage %s: %q, a cosmetic one before what carries the change", p.Label, p.Reason)
		}
	}
	if !strings.Contains(out.Text, entry.Passages[0].Label+" — "+entry.Passages[0].Reason) {
		t.Errorf("the text does not lead with the weightiest passage and its reason")
	}
	// Dates are in the recipient's time zone.
	if !strings.Contains(out.Text, "Mon 23 Jun 2025 10:00 – Mon 30 Jun 2025 10:00 (Europe/Paris)") {
		t.Errorf("period not in Paris time:\n%.300s", out.Text)
	}
}

// Text taken from the web can never inject markup into a digest.
func TestHostileItemIsEscaped(t *testing.T) {
	cfg, db := fixture(t)
	_, out := render(t, cfg, db, "ada@example.com")
	// Parse the digest as a mail client would: no script element and no
	// event-handler attribute anywhere.
	doc, err := html.Parse(strings.NewReader(out.HTML))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if n.Data == "script" || n.Data == "iframe" || n.Data == "object" {
				t.Errorf("the digest has a <%s> element", n.Data)
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(a.Key, "on") || strings.Contains(strings.ToLower(a.Val), "javascript:") {
					t.Errorf("<%s %s=%q> in the digest", n.Data, a.Key, a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if !strings.Contains(out.HTML, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;b onmouseover=alert(1)&gt;Cancel&lt;/b&gt;") {
		t.Errorf("the item's text is not shown, escaped")
	}
}

// A recipient following one topic gets only it; a quiet week for someone
// who opted out of empty digests sends nothing.
func TestTopicsOfARecipient(t *testing.T) {
	cfg, db := fixture(t)
	d, out := render(t, cfg, db, "grace@example.com")
	if !d.Quiet || d.Changes != 0 || d.Items != 0 {
		t.Errorf("an ai-only recipient got %d changes and %d items that week", d.Changes, d.Items)
	}
	if !strings.Contains(out.Subject, "nothing changed") || !strings.Contains(out.Text, "Nothing changed this week in ai") {
		t.Errorf("quiet digest: %q\n%s", out.Subject, out.Text)
	}
}

func TestTemplatesCanBeReplaced(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "subject.tmpl"), []byte("[Legal] {{.Headline}}"), 0o644); err != nil {
		t.Fatal(err)
	}
	tmpl, err := LoadTemplates(dir)
	if err != nil {
		t.Fatal(err)
	}
	out, err := tmpl.Render(&Digest{Headline: "1 privacy change", Recipient: config.Recipient{Address: "a@example.com"}})
	if err != nil || out.Subject != "[Legal] 1 privacy change" || !strings.Contains(out.HTML, "<!DOCTYPE html>") {
		t.Errorf("%q %v", out.Subject, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "digest.html.tmpl"), []byte("{{.Nope"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadTemplates(dir); err == nil || !strings.Contains(err.Error(), "digest.html.tmpl") {
		t.Errorf("a broken template: %v", err)
	}
}

// A document flip-flopping all week is shown once, saying so, to a
// recipient who reads cosmetic changes too; the others read nothing of it,
// a banner coming and going being no change of the document.
func TestFlipFlopsAreFolded(t *testing.T) {
	cfg, db := fixture(t)
	b := &Builder{DB: db, Config: cfg, Taxonomy: taxonomy(t, cfg)}
	end := time.Date(2026, 6, 8, 8, 0, 0, 0, time.UTC)
	ada := *cfg.Recipient("ada@example.com")
	if d, err := b.Build(context.Background(), &ada, end.Add(-7*24*time.Hour), end); err != nil || d.Changes != 0 || d.Hidden != 1 {
		t.Fatalf("a recipient of minor and major changes: %d shown, %d hidden (%v); want the banner toggling, folded, hidden", d.Changes, d.Hidden, err)
	}
	ada.MinImportance = tracker.Cosmetic
	d, err := b.Build(context.Background(), &ada, end.Add(-7*24*time.Hour), end)
	if err != nil {
		t.Fatal(err)
	}
	var privacy []ChangeEntry
	for _, s := range d.Sections {
		for _, doc := range s.Documents {
			if doc.SourceID == "tiktok-privacy-policy" {
				privacy = append(privacy, doc.Changes...)
			}
		}
	}
	// 1 June 08:00 – 8 June: the UK paragraph came and went five times.
	if len(privacy) != 1 || !strings.Contains(privacy[0].Note, "went back and forth 5 times between versions 29 and 34, now at the text of version 22") {
		t.Errorf("privacy changes shown: %+v", privacy)
	}
}
