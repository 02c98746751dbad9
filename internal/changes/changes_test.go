package changes

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tracker"
	"tracker/internal/sources/page"
	"tracker/internal/topics"
)

func taxonomy(t testing.TB) *topics.Taxonomy {
	t.Helper()
	tax, err := topics.Compile(topics.Defaults(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return tax
}

func TestImportance(t *testing.T) {
	tax := taxonomy(t)
	base := []string{
		"# Terms of Service",
		"Last updated: July 2026",
		"We may share your personal data with advertisers to show you relevant ads.",
		"You can close your account at any time.",
	}
	edit := func(i int, s string) string {
		lines := append([]string(nil), base...)
		lines[i] = s
		return strings.Join(lines, "\n")
	}
	long := strings.Repeat("The platform offers many features for creators and viewers alike. ", 20)
	for _, tc := range []struct {
		name, new  string
		importance tracker.Importance
		topics     string // non-context topics
	}{
		{"punctuation and case only", edit(3, "You can close your Account at any time!"), Cosmetic, ""},
		// The last-updated date alone tells a reader nothing (LABELLING.md).
		{"a date", edit(1, "Last updated: August 2026"), Cosmetic, ""},
		// An edit of a sentence about privacy is about privacy, though
		// its privacy words stay.
		{"an edit in a sentence about privacy, not of its privacy words", edit(2, "We may share your personal data with advertisers to show you useful ads."), Minor, "privacy"},
		{"privacy words changed", edit(2, "We sell your personal data and precise location to data brokers."), Major, "privacy"},
		{"a refund clause added", strings.Join(append(base, "Refunds are not available for virtual coins."), "\n"), Major, "consumer"},
		{"a long paragraph without legal words", strings.Join(append(base, long), "\n"), Major, ""},
		// A heading with nothing under it is no section of substance.
		{"a new section heading", strings.Join(append(base, "## 9. Miscellaneous"), "\n"), Minor, ""},
		{"a new section", strings.Join(append(base, "## 9. Refunds", "You may ask for a refund of unused virtual coins within 14 days of buying them, by writing to our support team with your order number, and we will answer within a week."), "\n"), Major, "consumer"},
		// In a sentence about a legal topic, a change that turns what it
		// says is major though the topic's own words stay.
		{"a negation in a sentence about privacy", edit(2, "We may not share your personal data with advertisers to show you relevant ads."), Major, "privacy"},
		{"a modal in a sentence about privacy", edit(2, "We will share your personal data with advertisers to show you relevant ads."), Major, "privacy"},
		{"a number in a sentence about privacy", strings.Join(append(base, "We keep your personal data for 30 days."), "\n"), Major, "privacy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Analyze(strings.Join(base, "\n"), tc.new, tax)
			var got []string
			for _, m := range c.Topics {
				if !m.Context {
					got = append(got, m.Topic)
				}
			}
			if c.Importance != tc.importance || strings.Join(got, ",") != tc.topics {
				t.Errorf("importance %s, topics %v; want %s, %q", c.Importance, c.Topics, tc.importance, tc.topics)
			}
		})
	}
}

// The sentence an edit sits in gives its subject: a rewording in a sentence
// about sharing personal data is a privacy change, with the sentence's
// privacy words as evidence.
func TestTopicOfTheEditedSentence(t *testing.T) {
	c := Analyze("We may share your personal data with advertisers to show you relevant ads. You can close your account.",
		"We may share your personal data with advertisers to show you useful ads. You can close your account.", taxonomy(t))
	if len(c.Topics) != 1 || c.Topics[0].Topic != topics.Privacy || c.Topics[0].Context || c.Importance != Minor {
		t.Errorf("%s, topics %+v: want minor privacy", c.Importance, c.Topics)
	}
}

func TestIdenticalIsCosmetic(t *testing.T) {
	if c := Analyze("Same text.", "Same text.", taxonomy(t)); c.Importance != Cosmetic || c.Diff.Changed() {
		t.Errorf("%+v", c)
	}
}

// versionText reads a version of the TikTok dataset as tracker extracts it.
func versionText(tb testing.TB, doc, name string) string {
	tb.Helper()
	md, err := os.ReadFile(filepath.Join("..", "..", "testdata", "ota-tiktok", "TikTok", doc, name+".md"))
	if err != nil {
		tb.Fatal(err)
	}
	html, err := page.FromMarkdown(md)
	if err != nil {
		tb.Fatal(err)
	}
	x, err := page.Compile(page.Rules{Select: []string{"body"}})
	if err != nil {
		tb.Fatal(err)
	}
	p, err := x.Extract(html, "text/html; charset=utf-8")
	if err != nil {
		tb.Fatal(err)
	}
	return p.Text
}

// BenchmarkAnalyzeChange diffs and classifies real consecutive versions of
// TikTok's Privacy Policy (October 2025: precise location, in-app browser,
// ads; 16 edits) and Terms of Service (the 2025 rewrite).
func BenchmarkAnalyzeChange(b *testing.B) {
	tax := taxonomy(b)
	for _, c := range []struct{ name, doc, old, new string }{
		{"privacy-2025-10", "Privacy Policy", "2025-09-23T07-42-00Z", "2025-10-29T18-24-29Z"},
		{"terms-rewrite-2025-06", "Terms of Service", "2025-05-05T18-18-57Z", "2025-06-25T06-16-50Z"},
	} {
		old, new := versionText(b, c.doc, c.old), versionText(b, c.doc, c.new)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Analyze(old, new, tax)
			}
		})
	}
}

// Changes that turn what a clause says, though its topic words stay, are
// major: a recipient reading only major changes must get them.
func TestMeaningTurnsAreMajor(t *testing.T) {
	tax := taxonomy(t)
	for _, tc := range []struct {
		old, new string
		want     tracker.Importance
	}{
		{"We will not share your personal data with advertisers.", "We will share your personal data with advertisers.", Major},
		{"Disputes will be resolved by binding arbitration.", "Disputes will not be resolved by binding arbitration.", Major},
		{"We keep your personal data for 30 days after you close your account.", "We keep your personal data for 10 years after you close your account.", Major},
		{"You may cancel your subscription within 14 days for a full refund.", "You may cancel your subscription within 2 days for a full refund.", Major},
		{"Users under 13 may not use TikTok.", "Users under 16 may not use TikTok.", Major},
		// A rewording that turns nothing stays minor.
		{"We may share your personal data with advertisers to show you relevant ads.", "We may share your personal data with advertisers to show you useful ads.", Minor},
	} {
		if c := Analyze(tc.old, tc.new, tax); c.Importance != tc.want {
			t.Errorf("%q → %q: %s, want %s (topics %+v)", tc.old, tc.new, c.Importance, tc.want, c.Topics)
		}
	}
}

// What does not turn a legal clause stays minor: a date, an address or a
// phone number, even near a sentence about privacy.
func TestNoTurnStaysMinor(t *testing.T) {
	tax := taxonomy(t)
	for _, tc := range []struct{ old, new string }{
		{"Last updated: 1 July 2025\nWe may share your personal data with advertisers to show you relevant ads.",
			"Last updated: 3 July 2026\nWe may share your personal data with advertisers to show you useful ads."},
		{"Write to our data protection officer at 5800 Bristol Parkway, Culver City.",
			"Write to our data protection officer at 10100 Venice Boulevard, Culver City."},
		{"Call our privacy team on 818 558 1400.", "Call our privacy team on 818 558 1500."},
		{"Transfers rely on Article 46(2) of the GDPR and your personal data stays protected.",
			"Transfers rely on Article 46 of the GDPR and your personal data stays protected."},
	} {
		if c := Analyze(tc.old, tc.new, tax); c.Importance != Minor {
			t.Errorf("%q → %q: %s, want minor (topics %+v)", tc.old, tc.new, c.Importance, c.Topics)
		}
	}
}

// A document's subject, declared by its source or read from its name,
// frames what its changes are about: a new contact channel in a privacy
// policy concerns personal data; the same words in unnamed terms are no
// legal topic.
func TestDocumentSubject(t *testing.T) {
	tax := taxonomy(t)
	old := "# Contact\nWrite to us at 5 Main Street, Dublin."
	new := "# Contact\nWrite to us at 5 Main Street, Dublin, or use the web form on our site."
	for _, tc := range []struct {
		doc  Document
		want string
	}{
		{Document{Name: "Example Terms of Service"}, ""},
		{Document{Name: "Example Privacy Policy"}, "privacy"},
		{Document{Name: "Example Terms", Subject: []string{"consumer"}}, "consumer"},
	} {
		a := AnalyzeIn(old, new, Context{Taxonomy: tax, Document: tc.doc})
		var got []string
		for _, m := range a.Topics {
			got = append(got, m.Topic)
		}
		if strings.Join(got, ",") != tc.want || a.Importance != Minor {
			t.Errorf("%+v: %s %v, want minor %q", tc.doc.Name, a.Importance, got, tc.want)
		}
	}
}

// A paragraph the site shows on its other pages too, at the top or the
// bottom of the page, is page chrome: a notice the site puts everywhere is
// no change of this document.
func TestChromeSharedWithOtherPages(t *testing.T) {
	tax := taxonomy(t)
	body := "# Terms of Service\nYou may not use the service to break the law.\nWe may suspend your account if you do."
	notice := "Help us improve: tell us what you think of this page in a short survey."
	shared := func(p string) bool { return p == notice }
	a := AnalyzeIn(body, notice+"\n"+body, Context{Taxonomy: tax, Document: Document{Name: "Example Terms", Elsewhere: shared}})
	if a.Importance != Cosmetic || a.Artefact != ArtefactChrome {
		t.Errorf("a notice of every page: %s %q (%s)", a.Importance, a.Artefact, a.Reason)
	}
	if a := AnalyzeIn(body, notice+"\n"+body, Context{Taxonomy: tax, Document: Document{Name: "Example Terms"}}); a.Importance == Cosmetic {
		t.Errorf("the same paragraph, on this page alone: %s (%s)", a.Importance, a.Reason)
	}
}
