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

// A page that serves its regional variants by turns (the EEA terms one
// week, the UK terms the next) has not changed: the swap is a capture
// artefact, said as such. A stale copy that comes back has no region to
// tell it apart: what it brings back is read as a change.
func TestRegionVariantsServedByTurns(t *testing.T) {
	tax := taxonomy(t)
	common := "# Terms of Service\n## Your Content\nYou keep the rights in the videos you upload, and you grant us a licence to host and show them on the Service.\n"
	uk := common + "## Your Service Provider\nThe entity providing the Service is Google LLC, a company operating under the laws of Delaware, 1600 Amphitheatre Parkway, Mountain View, CA 94043.\n" +
		"## Governing Law\nAll claims arising out of or relating to these terms will be governed by the laws of England and Wales and will be heard by the courts of England and Wales, whichever part of the country you live in.\n" +
		"## Limitation of Liability\nOur total liability for any claims arising from or relating to the Service is limited to the greater of the amount you paid us in the twelve months before the claim and GBP 400, except where the law does not allow such a limit.\n"
	eea := common + "## Your Service Provider\nThe entity providing the Service is Google Ireland Limited, a company incorporated and operating under the laws of Ireland, Gordon House, Barrow Street, Dublin 4.\n" +
		"## Governing Law\nThe laws of Ireland apply to these terms, and you may bring a claim in the courts of the country of the European Economic Area where you live, whose consumer law also protects you.\n" +
		"## Limitation of Liability\nOur total liability for any claims arising from or relating to the Service is limited to the greater of the amount you paid us in the twelve months before the claim and EUR 500, except where the law does not allow such a limit.\n" +
		"## Right of Withdrawal\nIf you live in the European Economic Area, you may withdraw from a paid subscription within 14 days of buying it, without giving any reason, by sending us the withdrawal form.\n"
	// runs counts the runs of versions, up to the old one, that held a
	// paragraph, for a page that went through texts one after the other.
	runs := func(texts ...string) func(string) int {
		return func(p string) int {
			n, in := 0, false
			for _, s := range texts {
				has := strings.Contains("\n"+s, "\n"+p+"\n")
				if has && !in {
					n++
				}
				in = has
			}
			return n
		}
	}
	doc := func(history ...string) Context {
		return Context{Taxonomy: tax, Document: Document{Name: "Example Terms of Service", History: runs(history...)}}
	}

	// The first time the EEA variant is served, nothing tells it from a
	// change of the terms.
	if a := AnalyzeIn(uk, eea, doc(uk)); a.Importance == Cosmetic {
		t.Errorf("the EEA terms served for the first time: %s (%s)", a.Importance, a.Reason)
	}
	// Back and forth: each swap returns to a variant the page served before.
	for _, tc := range []struct {
		name     string
		old, new string
		history  []string
	}{
		{"back to the UK variant", eea, uk, []string{uk, eea}},
		{"the EEA variant again", uk, eea, []string{uk, eea, uk}},
	} {
		a := AnalyzeIn(tc.old, tc.new, doc(tc.history...))
		if a.Importance != Cosmetic || a.Artefact != ArtefactRegion || len(a.Topics) > 0 {
			t.Errorf("%s: %s %q %v (%s), want cosmetic, a region artefact, no topics", tc.name, a.Importance, a.Artefact, a.Topics, a.Reason)
		}
		if !strings.Contains(a.Reason, "variant") {
			t.Errorf("%s: the reason %q does not say the page alternates between variants", tc.name, a.Reason)
		}
	}

	// A stale copy served between two captures of a real change: the change
	// that comes back is still a change.
	contact := "## Contact\nYou can write to us at the address given on the contact page of the Service.\n"
	before := common + "## Deleting Your Account\nYou can delete your account at any time from the settings page, and we will delete your videos within 90 days.\n" +
		"## Payments\nPaid features are billed monthly, and you can cancel them at any time from the settings page before the next billing date.\n" + contact
	after := common + "## Deleting Your Account\nYou can delete your account at any time from the settings page, and we will keep your videos for up to 24 months after you leave, to comply with legal obligations.\n" +
		"## Payments\nPaid features are billed yearly in advance, and a subscription you cancel stays active until the end of the year you paid for, with no refund.\n" + contact
	fresh := AnalyzeIn(before, after, doc(before))
	back := AnalyzeIn(before, after, doc(before, after, before))
	if back.Importance == Cosmetic || back.Artefact != "" || back.Importance != fresh.Importance || len(back.Topics) != len(fresh.Topics) {
		t.Errorf("a real change back after a stale copy: %s %q %v (%s), want it read as the first time: %s %v (%s)",
			back.Importance, back.Artefact, back.Topics, back.Reason, fresh.Importance, fresh.Topics, fresh.Reason)
	}
}

// Another region's variant of the same edition keeps the edition's date:
// served for the first time, it is said as a region artefact. A company
// renamed under the same date is a change.
func TestSameEditionOtherRegion(t *testing.T) {
	tax := taxonomy(t)
	ctx := Context{Taxonomy: tax, Document: Document{Name: "Example Terms of Service"}}
	head := "# Terms of Service\nEffective date: January 5, 2022\n## Your Content\nYou keep the rights in the videos you upload, and you grant us a licence to host and show them on the Service.\n"
	us := head + "## Your Service Provider\nThe entity providing the Service is Google LLC, a company operating under the laws of Delaware.\n" +
		"## Limitation of Liability\nOur total liability for any claims arising from the Service is limited to the greater of the amount you paid us in the twelve months before the claim and USD 500.\n"
	eea := head + "## Your Service Provider\nThe entity providing the Service is Google Ireland Limited, a company operating under the laws of Ireland.\n" +
		"## Limitation of Liability\nOur total liability for any claims arising from the Service is limited to the greater of the amount you paid us in the twelve months before the claim and EUR 500.\n"
	if a := AnalyzeIn(us, eea, ctx); a.Importance != Cosmetic || a.Artefact != ArtefactRegion {
		t.Errorf("the EEA variant of the same edition: %s %q (%s), want cosmetic, a region artefact", a.Importance, a.Artefact, a.Reason)
	}
	renamed := strings.Replace(us, "Google LLC", "Alphabet Services Inc", 1)
	if a := AnalyzeIn(us, renamed, ctx); a.Importance == Cosmetic {
		t.Errorf("a provider renamed under the same date: %s %q (%s), want a change", a.Importance, a.Artefact, a.Reason)
	}
	// A new edition moves its date: the same swap with a new date is read
	// as a change of the terms.
	next := strings.Replace(eea, "January 5, 2022", "March 17, 2025", 1)
	if a := AnalyzeIn(us, next, ctx); a.Importance == Cosmetic {
		t.Errorf("a new edition for another region: %s %q (%s), want a change", a.Importance, a.Artefact, a.Reason)
	}
}

// An edit that moves a word able to turn a clause ("below") without
// adding or dropping one turns nothing; one that drops a "not" does.
func TestMovedTurningWordTurnsNothing(t *testing.T) {
	tax := taxonomy(t)
	ctx := Context{Taxonomy: tax, Document: Document{Name: "Example Privacy Policy"}}
	head := "# Privacy Policy\n## Your Rights and Choices\n"
	old := head + "You can also submit a request to delete the personal information we hold about you by following the process described in the section on requests below.\n"
	moved := head + "You can also submit a request to delete the personal information we hold about you by following the process described below this table.\n"
	if a := AnalyzeIn(old, moved, ctx); a.Importance == Major {
		t.Errorf("a cross-reference reworded: %s (%s), want no major", a.Importance, a.Reason)
	}
	turned := head + "You cannot submit a request to delete the personal information we hold about you by following the process described in the section on requests below.\n"
	old2 := head + "You can submit a request to delete the personal information we hold about you by following the process described in the section on requests below.\n"
	if a := AnalyzeIn(old2, turned, ctx); a.Importance != Major {
		t.Errorf("can becoming cannot: %s (%s), want major", a.Importance, a.Reason)
	}
}
