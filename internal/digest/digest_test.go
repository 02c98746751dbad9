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
// 20 July 2026, when TikTok's terms and privacy policy flip-flopped.
var monday = time.Date(2026, 7, 27, 8, 0, 0, 0, time.UTC)

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
    topics: [ip]
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

	if out.Subject != "TikTok terms: 2 privacy changes, 2 other changes, 3 regulator items — week of 2026-07-20" {
		t.Errorf("subject %q", out.Subject)
	}
	// That week the terms took in stray CSS and dropped it again (minor,
	// no topic) and the privacy policy added and removed its UK paragraph.
	if d.Changes != 4 || d.DocumentsChanged != 2 || d.Items != 3 {
		t.Errorf("%d changes of %d documents, %d items", d.Changes, d.DocumentsChanged, d.Items)
	}
	for _, want := range []string{
		"Line 2: {+We are changing how we show ads to UK users.",
		"Old line 2: [-We are changing how we show ads to UK users.",
		"(back to the text of version 22)",
		"Why: Privacy and data protection: \"Privacy Policy\"",
		"Full diff: https://tracker.example.com/sources/tiktok-privacy-policy/diff?from=58&to=59",
		"== SOURCE HEALTH ==", "FTC press releases: failing since Sat 25 Jul 10:00 (1 failed check), still failing",
		"== CONSUMER PROTECTION ==", "FTC Sues Company Over Unlawful Subscription Practices",
	} {
		if !strings.Contains(out.Text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	// Dates are in the recipient's time zone.
	if !strings.Contains(out.Text, "Mon 20 Jul 2026 10:00 – Mon 27 Jul 2026 10:00 (Europe/Paris)") {
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
		t.Errorf("an ip-only recipient got %d changes and %d items that week", d.Changes, d.Items)
	}
	if !strings.Contains(out.Subject, "nothing changed") || !strings.Contains(out.Text, "Nothing changed this week in ip") {
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

// A document flip-flopping all week is shown once, saying so.
func TestFlipFlopsAreFolded(t *testing.T) {
	cfg, db := fixture(t)
	b := &Builder{DB: db, Config: cfg, Taxonomy: taxonomy(t, cfg)}
	end := time.Date(2026, 6, 8, 8, 0, 0, 0, time.UTC)
	d, err := b.Build(context.Background(), cfg.Recipient("ada@example.com"), end.Add(-7*24*time.Hour), end)
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
	if len(privacy) != 1 || !strings.Contains(privacy[0].Summary, "then went back and forth 4 more times, now at version 34") {
		t.Errorf("privacy changes shown: %+v", privacy)
	}
}

// A document that flip-flops is shown once, as important as its weightiest
// switch: a cosmetic first edit must not hide the major switches after it
// from a recipient who reads only minor and major changes.
func TestCollapseKeepsTheWeightiestImportance(t *testing.T) {
	at := time.Date(2026, 7, 20, 10, 0, 0, 0, time.UTC)
	chs := []tracker.Change{
		{SourceID: "pp", FromSeq: 1, ToSeq: 2, DetectedAt: at, Importance: "cosmetic", Summary: "punctuation"},
		{SourceID: "pp", FromSeq: 2, ToSeq: 3, DetectedAt: at.Add(time.Hour), Importance: "major", SameAs: 1, Summary: "back"},
		{SourceID: "pp", FromSeq: 3, ToSeq: 4, DetectedAt: at.Add(2 * time.Hour), Importance: "major", SameAs: 2, Summary: "forth"},
		{SourceID: "pp", FromSeq: 4, ToSeq: 5, DetectedAt: at.Add(3 * time.Hour), Importance: "minor", Summary: "a new clause"},
	}
	got := collapse(chs)
	if len(got) != 2 || got[0].Importance != "major" || !strings.Contains(got[0].Summary, "went back and forth 2 more times, now at version 4") ||
		got[1].ToSeq != 5 || got[1].Importance != "minor" {
		t.Errorf("collapse: %+v", got)
	}
}
