package related

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tracker"
	"tracker/internal/replaytest"
	"tracker/internal/sources/feed"
	"tracker/internal/topics"
)

// realItems reads regulators' real feeds of testdata and classifies their
// items as a feed source does.
func realItems(t *testing.T, files ...string) []tracker.Item {
	t.Helper()
	tax, err := topics.Compile(topics.Defaults(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []tracker.Item
	for _, name := range files {
		body, err := os.ReadFile(filepath.Join(replaytest.TestdataDir(), "feeds", name))
		if err != nil {
			t.Fatal(err)
		}
		f, err := feed.Parse(body, "application/rss+xml", "https://example.org/"+name)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range f.Items {
			out = append(out, tracker.Item{SourceID: strings.TrimSuffix(name, filepath.Ext(name)), Key: e.Key, Title: e.Title,
				Link: e.Link, Published: e.Published, DateOnly: e.DateOnly, FirstSeen: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC),
				Kept: true, Topics: tax.ClassifyItem(topics.Item{Title: e.Title, Text: e.Text, Author: e.Author})})
		}
	}
	return out
}

func byTitle(t *testing.T, items []tracker.Item, prefix string) tracker.Item {
	t.Helper()
	for _, it := range items {
		if strings.HasPrefix(it.Title, prefix) {
			return it
		}
	}
	t.Fatalf("no item %q", prefix)
	return tracker.Item{}
}

// privacyChange is TikTok's Privacy Policy v21→v22 as tracker classifies it
// from Open Terms Archive's history (tracker changes --json).
var privacyChange = tracker.Change{SourceID: "tiktok-privacy-policy", FromSeq: 21, ToSeq: 22,
	DetectedAt: time.Date(2025, 10, 29, 18, 24, 29, 0, time.UTC), Importance: tracker.Major,
	Topics: []tracker.TopicMatch{{Topic: "privacy", Evidence: []string{"precise location", "We also collect", "Cookie", "Cookies", "personal information"}}}}

func TestPrivacyChangeAndRegulatorsThatWeek(t *testing.T) {
	items := realItems(t, "edpb-news.xml", "ec-press-corner.xml", "ico-news.xml", "dpc-news.xml", "cma.atom")
	links := Relate([]tracker.Change{privacyChange}, items, 0)
	var titles []string
	for _, l := range links {
		titles = append(titles, l.Item.Title)
	}
	// EDPB's opinion a week later is on personal data; the Commission's
	// finding against TikTok and Meta five days before is under the DSA, on
	// moderation, which the change does not touch; the ICO's fine for a
	// data breach is privacy but two weeks before.
	if len(links) != 1 || !strings.HasPrefix(links[0].Item.Title, "Draft adequacy decision for Brazil") {
		t.Fatalf("links: %q", titles)
	}
	why := links[0].Why
	if why.Days != 7 || len(why.Topics) != 1 || why.Topics[0].Topic != "privacy" || why.Topics[0].Weight != 2 {
		t.Errorf("why: %+v", why)
	}
	if got := strings.Join(why.Topics[0].Item, ","); !strings.Contains(got, "personal data") {
		t.Errorf("item evidence: %s", got)
	}
	if !strings.Contains(why.Explain(), "the change says “precise location”") || !strings.Contains(why.Explain(), "7 days after") {
		t.Errorf("explain: %s", why.Explain())
	}
	ec := byTitle(t, items, "Commission preliminarily finds TikTok and Meta")
	if _, ok := Of(privacyChange, ec, 0); ok {
		t.Errorf("the DSA finding on moderation is linked to a privacy change")
	}
	ico := byTitle(t, items, "Capita fined")
	if _, ok := Of(privacyChange, ico, 0); ok {
		t.Errorf("the ICO's fine two weeks before is linked within a week's window")
	}
	// A wider window takes it in: the window is a setting.
	why, ok := Of(privacyChange, ico, 15*24*time.Hour)
	if !ok || why.Days != -14 || len(why.Topics[0].Shared) != 0 {
		t.Errorf("with a 15-day window: %v %+v", ok, why)
	}
}

// The shared evidence ranks the links, and the weak ones make none.
func TestWeakLinksAreNotMade(t *testing.T) {
	items := realItems(t, "ftc-press-releases.xml", "cppa-news.xml")
	// FTC, 2024-08-02: "… Flagrantly Violating Children’s Privacy Law":
	// privacy by "Privacy" alone, minors by "Children’s" alone.
	ftc := byTitle(t, items, "FTC Investigation Leads to Lawsuit Against TikTok")
	at := ftc.Published.Add(-48 * time.Hour)
	strong := tracker.TopicMatch{Topic: "privacy", Evidence: []string{"personal information", "privacy"}}
	minors := tracker.TopicMatch{Topic: "minors", Evidence: []string{"13 years old", "children"}}
	for _, tc := range []struct {
		name   string
		change tracker.Change
		want   bool
	}{
		{"one topic, a generic word in the item", tracker.Change{DetectedAt: at, Importance: tracker.Major, Topics: []tracker.TopicMatch{strong}}, false},
		{"two topics, each a generic word in the item", tracker.Change{DetectedAt: at, Importance: tracker.Major, Topics: []tracker.TopicMatch{strong, minors}}, true},
		{"by the document's subject only", tracker.Change{DetectedAt: at, Importance: tracker.Minor, Topics: []tracker.TopicMatch{
			{Topic: "privacy", Evidence: []string{"the subject of the document"}}, {Topic: "minors", Evidence: []string{"under “Children”"}}}}, false},
		{"in the words around the change only", tracker.Change{DetectedAt: at, Importance: tracker.Minor, Topics: []tracker.TopicMatch{
			{Topic: "privacy", Evidence: []string{"personal information"}, Context: true}, minors}}, false},
		{"cosmetic", tracker.Change{DetectedAt: at, Importance: tracker.Cosmetic, Topics: []tracker.TopicMatch{strong, minors}}, false},
		{"technical", tracker.Change{DetectedAt: at, Importance: tracker.Major, Technical: true, Topics: []tracker.TopicMatch{strong, minors}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			why, ok := Of(tc.change, ftc, 0)
			if ok != tc.want {
				t.Fatalf("linked %v, want %v: %+v", ok, tc.want, why)
			}
			if ok && (why.Days != 2 || why.Score != 1+1+2) { // two weights of 1, "privacy" and "children" alike
				t.Errorf("why: %+v", why)
			}
		})
	}
	// An item the feed's filters leave out is never linked.
	out := ftc
	out.Kept = false
	if _, ok := Of(tracker.Change{DetectedAt: at, Importance: tracker.Major, Topics: []tracker.TopicMatch{strong, minors}}, out, 0); ok {
		t.Error("an item left out by the filters is linked")
	}
	// CPPA's advisory on dark patterns, 2024-09-04, is linked to a change on
	// dark patterns a day before, above its privacy item of the same week.
	c := tracker.Change{DetectedAt: time.Date(2024, 9, 3, 12, 0, 0, 0, time.UTC), Importance: tracker.Major, Topics: []tracker.TopicMatch{
		{Topic: "consumer", Evidence: []string{"dark patterns", "deceptive"}}, {Topic: "privacy", Evidence: []string{"personal information", "Privacy"}}}}
	links := Relate([]tracker.Change{c}, items, 0)
	if len(links) == 0 || !strings.HasPrefix(links[0].Item.Title, "CPPA Enforcement Advisory Stresses the Importance of Avoiding Dark Patterns") {
		t.Fatalf("links: %+v", links)
	}
	if l := links[0]; l.Days != 1 || len(l.Topics) != 2 || l.Topics[0].Shared[0] != "Dark Patterns" {
		t.Errorf("why: %+v", l.Why)
	}
}

func TestSpansMergeBusyWeeks(t *testing.T) {
	d := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t.Add(15 * time.Hour) }
	got := spans([]time.Time{d("2025-10-29"), d("2023-04-19"), d("2025-10-31")}, 0)
	if len(got) != 2 || got[0][0].Format(time.DateOnly) != "2023-04-12" || got[1][0].Format(time.DateOnly) != "2025-10-22" ||
		got[1][1].Format(time.DateOnly) != "2025-11-07" {
		t.Errorf("spans: %v", got)
	}
}

// One word on one side is a mention, not a subject: a trackers policy's
// change whose only privacy word is "cookie" is not about what a Privacy
// Act notice is about, though both are privacy; the same word on both
// sides, or two words of the change's own, are enough.
func TestOneWordIsAMention(t *testing.T) {
	items := realItems(t, "federal-register-documents-2025-08-04.rss")
	sorn := byTitle(t, items, "Privacy Act of 1974; System of Records")
	var ev []string
	for _, m := range sorn.Topics {
		if m.Topic == "privacy" {
			ev = m.Evidence
		}
	}
	if len(ev) == 0 {
		t.Fatalf("the notice has no privacy evidence: %+v", sorn.Topics)
	}
	at := sorn.Published
	change := func(words ...string) tracker.Change {
		return tracker.Change{DetectedAt: at, Importance: tracker.Major, Topics: []tracker.TopicMatch{{Topic: "privacy", Evidence: words}}}
	}
	if why, ok := Of(change("cookie"), sorn, 0); ok {
		t.Errorf("linked by a lone “cookie”: %s", why.Explain())
	}
	if why, ok := Of(change("cookie", ev[0]), sorn, 0); !ok || len(why.Topics[0].Shared) != 1 {
		t.Errorf("the item's own term %q in the change: linked %v, %+v", ev[0], ok, why)
	}
}
