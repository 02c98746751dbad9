package config

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"tracker/internal/topics"
)

func TestDefaultSourcesFileIsValid(t *testing.T) {
	cfg, err := Load(filepath.Join("..", "..", "sources.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, s := range cfg.Sources {
		ids[s.ID] = true
	}
	for _, want := range []string{"tiktok-terms-us", "tiktok-terms-eea", "tiktok-privacy-us", "tiktok-privacy-eea", "tiktok-community-guidelines", "tiktok-copyright-policy"} {
		if !ids[want] {
			t.Errorf("the default sources.yaml lacks %s", want)
		}
	}
	regulators := map[string]bool{}
	for _, s := range cfg.Sources {
		for _, r := range []string{"ftc", "federal-register", "edpb", "ico", "cnil", "cma", "copyright", "dpc", "cnam", "ec-press", "ofcom", "asa", "cppa", "ai-office"} {
			if strings.Contains(s.ID, r) && (s.Kind == KindFeed || s.Kind == KindPage && !strings.HasPrefix(s.ID, "tiktok-")) {
				regulators[r] = true
			}
		}
	}
	// Only the pages whose text is in script data are rendered: TikTok's
	// legal pages carry theirs in the page as served (see the tests of
	// internal/sources, which read the real ones).
	for _, id := range []string{"tiktok-community-guidelines", "tiktok-commercial-terms", "tiktok-shop-terms-eea", "tiktok-business-products-terms"} {
		s := cfg.Source(id)
		if s == nil || !s.rendersAny() || s.Disabled {
			t.Errorf("%s is not an enabled source with render: browser: %+v", id, s)
		}
	}
	for _, id := range []string{"tiktok-privacy-us", "tiktok-privacy-eea", "tiktok-copyright-policy", "tiktok-terms-eea"} {
		if s := cfg.Source(id); s == nil || s.rendersAny() {
			t.Errorf("%s is rendered in a browser, though its text is in the page as served: %+v", id, s)
		}
	}
	if g := cfg.Source("tiktok-community-guidelines"); g == nil || len(g.Pages) < 10 {
		t.Errorf("the Community Guidelines are not declared with their sub-pages: %+v", g)
	}
	// Every TikTok page, and every regulator added with them, says how far
	// its address was checked, on its url line.
	raw, err := os.ReadFile(cfg.Path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(raw), "\n")
	marked := regexp.MustCompile(`#.*\b(verified|linked|dataset|unverified)\b`)
	added := map[string]bool{"cppa-announcements": true, "copyright-office-newsnet": true, "ec-press-corner": true, "eu-ai-office": true,
		"dpc-ireland-news": true, "cnam-news": true, "ofcom-online-safety": true, "asa-news": true, "asa-rulings": true}
	for _, s := range cfg.Sources {
		if !strings.HasPrefix(s.ID, "tiktok-") && !added[s.ID] {
			continue
		}
		for _, p := range s.EffectivePages() {
			ok := false
			for _, l := range lines[s.Line-1:] {
				if strings.Contains(l, "url: "+p.URL+" ") && marked.MatchString(l) {
					ok = true
					break
				}
			}
			if !ok {
				t.Errorf("%s: the line of %s does not say how it was checked (# verified, linked, dataset or unverified)", s.ID, p.URL)
			}
		}
	}
	// A source that is still disabled says why, and the reason is not one
	// that render: browser answers.
	for _, s := range cfg.Sources {
		if !s.Disabled {
			continue
		}
		why := ""
		for _, l := range lines[s.Line:] {
			if strings.Contains(l, "disabled: true") {
				why = l
				break
			}
		}
		if !strings.Contains(why, "#") || strings.Contains(why, "needs a browser") {
			t.Errorf("%s is disabled without a reason, or for one that render: browser answers: %q", s.ID, why)
		}
	}
	for _, r := range []string{"ftc", "federal-register", "edpb", "ico", "cnil", "cma", "copyright", "dpc", "cnam", "ec-press", "ofcom", "asa", "cppa", "ai-office"} {
		if !regulators[r] {
			t.Errorf("the default watch list follows no %s source", r)
		}
	}
}

func TestParse(t *testing.T) {
	cfg, err := Parse("s.yaml", []byte(`
settings:
  retries: 0
  host_delay: 0s
  max_body: 512KiB
sources:
  - id: tiktok-terms-eea
    name: TikTok Terms of Service (EEA)
    kind: page
    url: https://www.tiktok.com/legal/terms-of-use?lang=en
    select: "[data-testid=policy-card]"
    remove: [".language-selection"]
    headers: {Accept-Language: en}
  - id: two
    kind: page
    url: http://127.0.0.1:8080/x
    select: [article, main]
    min_words: 0
    timeout: 5s
  - id: three
    kind: page
    url: http://127.0.0.1:8080/y
    select: article
    render: browser
`))
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Settings
	if s.Retries != 0 || s.HostDelay != 0 || s.MaxBody != 512<<10 {
		t.Errorf("explicit settings not kept: %+v", s)
	}
	if s.Timeout != Duration(30*time.Second) || s.MaxRedirects != 5 || s.Concurrency != 4 || s.MinWords != 30 {
		t.Errorf("defaults not applied: %+v", s)
	}
	one, two := &cfg.Sources[0], &cfg.Sources[1]
	if one.Line != 7 || two.Line != 14 {
		t.Errorf("lines %d %d, want 7 14", one.Line, two.Line)
	}
	if len(one.Select) != 1 || one.Remove[0] != ".language-selection" || one.Headers["Accept-Language"] != "en" {
		t.Errorf("source one %+v", one)
	}
	if len(two.Select) != 2 || two.Name != "two" || cfg.EffectiveMinWords(two) != 0 || cfg.EffectiveMinWords(one) != 30 {
		t.Errorf("source two %+v", two)
	}
	if cfg.EffectiveTimeout(two) != 5*time.Second || cfg.EffectiveTimeout(one) != 30*time.Second {
		t.Errorf("timeouts %v %v", cfg.EffectiveTimeout(two), cfg.EffectiveTimeout(one))
	}
	three := &cfg.Sources[2]
	if s.BrowserTabs != 2 || s.Browser != "" || cfg.EffectiveRenderTimeout(three) != 45*time.Second || cfg.EffectiveRenderTimeout(two) != 5*time.Second {
		t.Errorf("render defaults: %+v, timeouts %v %v", s, cfg.EffectiveRenderTimeout(three), cfg.EffectiveRenderTimeout(two))
	}
	if got := cfg.Rendered(); len(got) != 1 || got[0] != "three" {
		t.Errorf("Rendered() = %v, want [three]", got)
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		yaml string
		want []string
	}{
		{"unknown key in a source", `
sources:
  - id: a
    kind: page
    url: https://example.com
    selct: article
`, []string{`s.yaml:6: unknown key "selct" in source`}},
		{"unknown top-level key", `
source:
  - id: a
`, []string{`s.yaml:2: unknown key "source" in config`}},
		{"duplicate id", `
sources:
  - id: a
    kind: page
    url: https://example.com/1
    select: article
  - id: a
    kind: page
    url: https://example.com/2
    select: article
`, []string{`s.yaml:7: duplicate source id "a" (first declared at line 3)`}},
		{"duplicate key", `
sources:
  - id: a
    id: b
`, []string{`s.yaml:4: mapping key "id" already defined at line 3`}},
		{"bad values", `
sources:
  - id: Bad_ID
    kind: pdf
    url: ftp://example.com
  - kind: page
    url: https://example.com
    select: "[data-testid="
`, []string{
			`s.yaml:3: source "Bad_ID": id may only hold lowercase letters`,
			`s.yaml:3: source "Bad_ID": kind "pdf" is not one of page, feed`,
			`s.yaml:3: source "Bad_ID": url must be an absolute http:// or https:// address`,
			`s.yaml:6: source #2: id is required`,
			`s.yaml:6: source #2: select: invalid CSS selector "[data-testid="`,
		}},
		{"page without select", `
sources:
  - id: a
    kind: page
    url: https://example.com
`, []string{`s.yaml:3: source "a": select is required for a page`}},
		{"bad duration", `
settings:
  timeout: 30
sources: []
`, []string{`s.yaml:3: "30" is not a duration`}},
		{"render", `
settings:
  browser_tabs: 0
sources:
  - id: a
    kind: page
    url: https://example.com
    select: article
    render: chrome
  - id: b
    kind: feed
    url: https://example.com/feed
    render: browser
`, []string{
			`s.yaml:3: settings: browser_tabs must be at least 1`,
			`s.yaml:5: source "a": render "chrome" is not known: write render: browser`,
			`s.yaml:10: source "b": render applies to pages, not feeds`,
		}},
		{"schedules that never come round or never stop", `
settings:
  feed_schedule: "@every 1ms"
sources:
  - {id: a, kind: page, url: "https://example.com", select: article, schedule: "0 0 30 2 *"}
  - {id: b, kind: page, url: "https://example.com/b", select: article, schedule: "@every -1h"}
  - {id: c, kind: page, url: "https://example.com/c", select: article, schedule: "* * * * *"}
mail:
  from: tracker@example.com
  schedule: "TZ=UTC @every 1h"
`, []string{
			`s.yaml:3: settings: feed_schedule "@every 1ms": @every needs a positive duration of at least a second`,
			`s.yaml:5: source "a": schedule "0 0 30 2 *": it never comes round`,
			`s.yaml:6: source "b": schedule "@every -1h": @every needs a positive duration`,
			`mail: schedule "TZ=UTC @every 1h": digests follow a calendar`,
		}},
		{"what would fail every fetch", `
settings:
  retries: 40
sources:
  - {id: a, kind: feed, url: "https://example.com/feed", enrich_select: "main[", headers: {"X(B)": "1", X-Key: "a\nb"}}
`, []string{
			`s.yaml:5: source "a": enrich_select: invalid CSS selector "main["`,
			`s.yaml:5: source "a": headers: "X(B)" is not a valid header name`,
			`s.yaml:5: source "a": headers: the value of X-Key holds a line break`,
		}},
		{"empty file", ``, []string{"the file is empty"}},
		{"no sources", "settings: {}\n", []string{"no sources declared"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("s.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error:\n%v\nlacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), `source "c"`) {
				t.Errorf("every minute is a valid schedule:\n%v", err)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "sources.yaml"))
	if err == nil || !strings.Contains(err.Error(), "does not exist") || !strings.Contains(err.Error(), "--config") {
		t.Errorf("err %v should say the file is missing and what to do", err)
	}
}

func TestByteSize(t *testing.T) {
	for in, want := range map[string]int64{"10MiB": 10 << 20, "512 KiB": 512 << 10, "1000000": 1000000, "2mb": 2000000, "1.5MiB": 3 << 19} {
		got, err := ParseByteSize(in)
		if err != nil || got != want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	if _, err := ParseByteSize("lots"); err == nil {
		t.Error("ParseByteSize(lots): want an error")
	}
}

func TestLoadFromFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sources.yaml")
	if err := os.WriteFile(path, []byte("sources:\n  - {id: a, kind: page, url: 'https://e.com', select: p}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil || cfg.Path != path || cfg.Sources[0].Line != 2 {
		t.Fatalf("%v %+v", err, cfg)
	}
}

func TestTopics(t *testing.T) {
	base := "sources:\n  - {id: a, kind: page, url: 'https://e.com', select: p}\n"
	cfg, err := Parse("s.yaml", []byte(base+`topics:
  - id: privacy
    phrases: [voiceprint]
  - id: tax
    name: Tax
    terms: [vat]
`))
	if err != nil {
		t.Fatal(err)
	}
	got := taxonomyOf(t, cfg).Classify("Your voiceprint is kept. Refunds are not available and VAT applies.")
	var ids []string
	for _, m := range got {
		ids = append(ids, m.Topic)
	}
	if strings.Join(ids, ",") != "privacy,consumer,tax" {
		t.Errorf("topics %v: privacy extended with voiceprint, tax added, built-in consumer kept", got)
	}

	cfg, err = Parse("s.yaml", []byte("settings: {no_default_topics: true}\n"+base+"topics:\n  - {id: tax, name: Tax, terms: [vat]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := taxonomyOf(t, cfg).Classify("personal data and VAT"); len(got) != 1 || got[0].Topic != "tax" {
		t.Errorf("without defaults: %v", got)
	}

	_, err = Parse("s.yaml", []byte(base+"topics:\n  - id: bad\n    patterns: ['(']\n"))
	if err == nil || !strings.Contains(err.Error(), "s.yaml:3:") || !strings.Contains(err.Error(), `topic "bad"`) {
		t.Errorf("bad pattern: %v", err)
	}
	_, err = Parse("s.yaml", []byte(base+"topics:\n  - id: x\n    termz: [a]\n"))
	if err == nil || !strings.Contains(err.Error(), `s.yaml:5: unknown key "termz" in spec`) {
		t.Errorf("unknown key in a topic: %v", err)
	}
}

// What loaded before the schedule and retry checks still loads: a digest
// schedule in a zone of its own, many retries (counted as 10). A digest
// schedule that skips whole years does not.
func TestSchedulesThatStillLoad(t *testing.T) {
	cfg, err := Parse("s.yaml", []byte(`
settings: {retries: 40}
mail: {from: tracker@example.com, schedule: "CRON_TZ=Europe/Paris 0 8 * * 1"}
sources:
  - {id: a, kind: page, url: "https://example.com", select: article}
`))
	if err != nil || cfg.Settings.Retries != 10 {
		t.Fatalf("%v; retries %d", err, cfg.Settings.Retries)
	}
	_, err = Parse("s.yaml", []byte(`
mail: {from: tracker@example.com, schedule: "0 8 29 2 *"}
sources:
  - {id: a, kind: page, url: "https://example.com", select: article}
`))
	if err == nil || !strings.Contains(err.Error(), "at least once a year") {
		t.Errorf("29 February only: %v", err)
	}
}

// A misspelt topic id would silently empty a recipient's digests or a feed's
// items: it is refused with its line and the known ids.
func TestUnknownTopicIDs(t *testing.T) {
	yaml := `sources:
  - {id: ftc, kind: feed, url: 'https://example.com/feed', topics: [privacyy]}
recipients:
  - name: Ada
    address: ada@example.com
    topics: [ip, consumr]
`
	_, err := Parse("sources.yaml", []byte(yaml))
	if err == nil {
		t.Fatal("unknown topic ids accepted")
	}
	for _, want := range []string{
		`sources.yaml:2: source "ftc": topics: "privacyy" is not a topic (known: privacy, consumer, ip, minors, moderation, ai)`,
		`sources.yaml:4: recipient ada@example.com: topics: "consumr" is not a topic (known: privacy, consumer, ip, minors, moderation, ai)`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

// The same file always gives the same messages in the same order, so that
// an operator (or a script) comparing two runs sees only what changed.
func TestProblemsInAStableOrder(t *testing.T) {
	yaml := `settings: {schedule: 'never', feed_schedule: 'nor this'}
sources:
  - id: a
    kind: page
    url: 'https://example.com/a'
    select: main
    headers: {"Bad Name": x, "Other Bad": y, "Third Bad": z, "X-Ok": "a\u0001b"}
`
	var first string
	for i := range 20 {
		_, err := Parse("sources.yaml", []byte(yaml))
		if err == nil {
			t.Fatal("accepted")
		}
		if i == 0 {
			first = err.Error()
			continue
		}
		if err.Error() != first {
			t.Fatalf("run %d gave\n%s\nwhere the first gave\n%s", i+1, err, first)
		}
	}
	if !strings.Contains(first, `schedule "never"`) || strings.Index(first, `"schedule`) > strings.Index(first, `feed_schedule`) {
		t.Errorf("settings problems not in the file's order:\n%s", first)
	}
}

func taxonomyOf(t *testing.T, cfg *Config) *topics.Taxonomy {
	t.Helper()
	tax, err := cfg.TopicsConfig().Compile()
	if err != nil {
		t.Fatal(err)
	}
	return tax
}

// A line indented wrongly is reported at that line, not where the list or
// mapping around it began, whatever the YAML library says.
func TestSyntaxErrorsAtTheLineToMend(t *testing.T) {
	orig, err := os.ReadFile(filepath.Join("..", "..", "sources.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(orig), "\n")
	// the line of a key inside the n-th source whose line starts with key
	find := func(n int, key string) int {
		for i, l := range lines {
			if strings.HasPrefix(l, "  - id: ") {
				n--
			}
			if n == 0 && strings.HasPrefix(l, "    "+key+":") {
				return i
			}
		}
		t.Fatalf("no %s in the default sources.yaml", key)
		return 0
	}
	for _, tc := range []struct {
		name   string
		n      int
		key    string
		indent string
		want   string
	}{
		{"one space less", 3, "kind", "   ", "check this line's indentation"},
		{"one space more", 3, "url", "     ", "check this line's indentation"},
		{"two spaces less", 5, "select", "  ", "check this line's indentation"},
		{"a tab", 7, "document", "\t", "never tabs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			i := find(tc.n, tc.key)
			broken := append([]string(nil), lines...)
			broken[i] = tc.indent + strings.TrimLeft(broken[i], " ")
			_, err := Parse("sources.yaml", []byte(strings.Join(broken, "\n")))
			if err == nil {
				t.Fatal("accepted")
			}
			want := fmt.Sprintf("sources.yaml:%d: ", i+1)
			if !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("line %d broken %q:\n%v\nwant it to start with %q and say %q", i+1, broken[i], err, want, tc.want)
			}
		})
	}
}

// Every problem of the settings and of mail is at the line of its key.
func TestSettingsProblemsAtTheirLines(t *testing.T) {
	_, err := Parse("s.yaml", []byte(`settings:
  timeout: 30s
  schedule: "every 6h"
  concurrency: 0
  feed_schedule: "@every 1h"
  host_delay: -1s
sources:
  - {id: a, kind: page, url: "https://example.com", select: main}
mail:
  from: nobody
  smtp:
    host: smtp.example.com
    tls: ssl
`))
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		`s.yaml:3: settings: schedule "every 6h"`,
		`s.yaml:4: settings: concurrency must be at least 1`,
		`s.yaml:6: settings: host_delay must not be negative`,
		`s.yaml:10: mail: from: "nobody" is not an address`,
		`s.yaml:13: mail: smtp: tls is one of starttls, tls, none`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error:\n%v\nlacks %q", err, want)
		}
	}
}

// check-config lists every problem of a file at once, those the decoder
// finds (an unknown key, a word for a number, a bad duration) with those
// of validation.
func TestEveryProblemAtOnce(t *testing.T) {
	_, err := Parse("s.yaml", []byte(`settings:
  schedule: "every 6h"
  retries: lots
  timeout: 30
sources:
  - id: terms
    kind: page
    url: https://example.com/terms
    select: main
    sellect: main
  - id: Privacy
    kind: page
    url: example.com/privacy
    select: main
    max_body: big
`))
	if err == nil {
		t.Fatal("accepted")
	}
	want := []string{
		`s.yaml:2: settings: schedule "every 6h"`,
		`s.yaml:3: "lots" is not a whole number`,
		`s.yaml:4: "30" is not a duration`,
		`s.yaml:10: unknown key "sellect" in source`,
		`s.yaml:11: source "Privacy": id may only hold lowercase letters`,
		`s.yaml:11: source "Privacy": url must be an absolute http:// or https:// address`,
		`s.yaml:15: unknown key "max_body" in source`,
	}
	got := strings.Split(err.Error(), "\n")
	if len(got) != len(want) {
		t.Errorf("%d problems, want %d:\n%v", len(got), len(want), err)
	}
	for i, w := range want {
		if i >= len(got) || !strings.HasPrefix(got[i], w) {
			t.Errorf("problem %d: want %q in:\n%v", i+1, w, err)
		}
	}
}
