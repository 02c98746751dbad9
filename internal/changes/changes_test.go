package changes

import (
	"strings"
	"testing"

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
		importance string
		topics     string // non-context topics
	}{
		{"punctuation and case only", edit(3, "You can close your Account at any time!"), Cosmetic, ""},
		{"a date", edit(1, "Last updated: August 2026"), Minor, ""},
		{"an edit in a sentence about privacy, not of its privacy words", edit(2, "We may share your personal data with advertisers to show you useful ads."), Minor, ""},
		{"privacy words changed", edit(2, "We sell your personal data and precise location to data brokers."), Major, "privacy"},
		{"a refund clause added", strings.Join(append(base, "Refunds are not available for virtual coins."), "\n"), Major, "consumer"},
		{"a long paragraph without legal words", strings.Join(append(base, long), "\n"), Major, ""},
		{"a new section heading", strings.Join(append(base, "## 9. Miscellaneous"), "\n"), Major, ""},
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

func TestContextTopicIsKept(t *testing.T) {
	c := Analyze("We may share your personal data with advertisers to show you relevant ads.",
		"We may share your personal data with advertisers to show you useful ads.", taxonomy(t))
	if len(c.Topics) == 0 || !c.Topics[0].Context || c.Topics[0].Topic != topics.Privacy {
		t.Errorf("topics %+v: privacy should be kept as context", c.Topics)
	}
}

func TestIdenticalIsCosmetic(t *testing.T) {
	if c := Analyze("Same text.", "Same text.", taxonomy(t)); c.Importance != Cosmetic || c.Diff.Changed() {
		t.Errorf("%+v", c)
	}
}

func TestRank(t *testing.T) {
	if !(Rank(Cosmetic) < Rank(Minor) && Rank(Minor) < Rank(Major)) || Rank("huge") != -1 {
		t.Error("ranks out of order")
	}
}

func BenchmarkAnalyzeChange(b *testing.B) {
	tax := taxonomy(b)
	old := strings.Repeat("We collect information you provide, such as your name and email address, when you register. ", 400)
	new := strings.Replace(old, "email address", "email address and precise location", 3)
	b.ReportAllocs()
	for b.Loop() {
		Analyze(old, new, tax)
	}
}
