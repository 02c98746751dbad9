package sources

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"tracker"
	"tracker/internal/replaytest"
	"tracker/internal/store"
)

func readFeed(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(replaytest.TestdataDir(), "feeds", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// serve answers with a settable body and content type.
type serve struct {
	mu          sync.Mutex
	status      int
	contentType string
	body        []byte
}

func (s *serve) set(status int, contentType string, body []byte) {
	s.mu.Lock()
	s.status, s.contentType, s.body = status, contentType, body
	s.mu.Unlock()
}

func (s *serve) handler(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w.Header().Set("Content-Type", s.contentType)
	w.WriteHeader(s.status)
	w.Write(s.body)
}

func feedConfig(url, extra string) string {
	return fmt.Sprintf("settings: {retries: 0, host_delay: 0s}\nsources:\n  - {id: f, kind: feed, url: '%s'%s}\n", url, extra)
}

func allItems(t *testing.T, c *Checker) []tracker.Item {
	t.Helper()
	items, err := c.DB.Items(context.Background(), store.ItemFilter{All: true})
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func TestRealFeeds(t *testing.T) {
	for _, tc := range []struct {
		file, contentType string
		items             int
	}{
		{"federal-register-documents-2025-08-04.rss", "application/rss+xml; charset=utf-8", 200},
		{"sec-pressreleases.rss", "application/rss+xml; charset=utf-8", 0},
		{"sec-testimony.rss", "application/rss+xml; charset=utf-8", 0},
		{"sec-atom1.xml", "application/atom+xml; charset=ISO-8859-1", 0},
	} {
		t.Run(tc.file, func(t *testing.T) {
			s := &serve{}
			s.set(200, tc.contentType, readFeed(t, tc.file))
			srv := replaytest.NewServer()
			defer srv.Close()
			srv.Handle("/feed", s.handler)
			c := newChecker(t, mustConfig(t, feedConfig(srv.URL+"/feed", "")))
			first := checkOne(t, c, "f")
			if first.Outcome != New || !first.Items.Baseline || first.Items.New == 0 {
				t.Fatalf("first fetch: %+v", first)
			}
			for range 2 {
				if r := checkOne(t, c, "f"); r.Outcome != Unchanged || r.Items.New != 0 || r.Items.Updated != 0 {
					t.Fatalf("fetching the same feed again: %+v", r)
				}
			}
			items := allItems(t, c)
			if len(items) != first.Items.New || (tc.items > 0 && len(items) != tc.items) {
				t.Errorf("%d items stored, %d reported new, want %d", len(items), first.Items.New, tc.items)
			}
			keys := map[string]bool{}
			for _, it := range items {
				if keys[it.Key] {
					t.Errorf("item %q stored twice", it.Key)
				}
				keys[it.Key] = true
				if !it.Baseline {
					t.Errorf("item %q of the first fetch is not baseline", it.Key)
				}
				if it.Title != strings.TrimSpace(it.Title) || strings.ContainsAny(it.Title, "\n\t") {
					t.Errorf("title not trimmed: %q", it.Title)
				}
				for _, s := range []string{it.Title, it.Text} {
					if !utf8.ValidString(s) || strings.Contains(s, "&#39;") || strings.Contains(s, "&amp;") || strings.Contains(s, "&nbsp;") || strings.Contains(s, "<p>") {
						t.Errorf("item %q not clean text: %q", it.Key, s)
					}
				}
			}
		})
	}
}

// The Federal Register feed: double-escaped entities decoded, dates that are
// dates stay dates.
func TestFederalRegisterItems(t *testing.T) {
	s := &serve{}
	s.set(200, "application/rss+xml", readFeed(t, "federal-register-documents-2025-08-04.rss"))
	srv := replaytest.NewServer()
	defer srv.Close()
	srv.Handle("/fr", s.handler)
	c := newChecker(t, mustConfig(t, feedConfig(srv.URL+"/fr", "")))
	checkOne(t, c, "f")
	dateInURL := regexp.MustCompile(`/documents/(\d{4})/(\d{2})/(\d{2})/`)
	apostrophes := 0
	for _, it := range allItems(t, c) {
		if strings.Contains(it.Title, "'") || strings.Contains(it.Title, "’") {
			apostrophes++
		}
		m := dateInURL.FindStringSubmatch(it.Link)
		if m == nil {
			t.Fatalf("link %q", it.Link)
		}
		if !it.DateOnly || it.Published.UTC().Format("2006-01-02") != m[1]+"-"+m[2]+"-"+m[3] {
			t.Errorf("%s: published %v (date only %v), want the date %s-%s-%s", it.Title, it.Published, it.DateOnly, m[1], m[2], m[3])
		}
		if it.Author == "" {
			t.Errorf("%s: no agency", it.Title)
		}
	}
	if apostrophes == 0 {
		t.Error("no title kept its apostrophe (&amp;#39; in the feed)")
	}
}

type label struct {
	topics map[string]bool
	reason string
}

func readLabels(t *testing.T) map[string]label {
	t.Helper()
	f, err := os.Open(filepath.Join(replaytest.TestdataDir(), "feeds", "federal-register-labels.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]label{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.HasPrefix(line, "guid\t") || line == "" {
			continue
		}
		cols := strings.Split(line, "\t")
		l := label{topics: map[string]bool{}, reason: cols[2]}
		for _, t := range strings.Split(cols[1], ",") {
			if t != "" {
				l.topics[t] = true
			}
		}
		out[cols[0]] = l
	}
	return out
}

// A broad feed filtered to the core topics keeps what a compliance officer
// would, judged against hand labels of all 200 Federal Register items.
func TestFederalRegisterFilteredByTopics(t *testing.T) {
	labels := readLabels(t)
	if len(labels) != 200 {
		t.Fatalf("%d labels", len(labels))
	}
	s := &serve{}
	s.set(200, "application/rss+xml", readFeed(t, "federal-register-documents-2025-08-04.rss"))
	srv := replaytest.NewServer()
	defer srv.Close()
	srv.Handle("/fr", s.handler)
	c := newChecker(t, mustConfig(t, feedConfig(srv.URL+"/fr", ", topics: [privacy, consumer, ip]")))
	checkOne(t, c, "f")
	var tp, fp, fn int
	perTopic := map[string]*[3]int{"privacy": {}, "consumer": {}, "ip": {}}
	for _, it := range allItems(t, c) {
		l, ok := labels[it.GUID]
		if !ok {
			t.Fatalf("item %s has no label", it.GUID)
		}
		relevant := len(l.topics) > 0
		switch {
		case it.Kept && relevant:
			tp++
		case it.Kept && !relevant:
			fp++
			t.Logf("kept, labelled irrelevant: %s (%v)", it.Title, it.Topics)
		case !it.Kept && relevant:
			fn++
			t.Logf("left out, labelled %v: %s (%s)", l.topics, it.Title, l.reason)
		}
		got := map[string]bool{}
		for _, m := range it.Topics {
			got[m.Topic] = true
		}
		for topic, c := range perTopic {
			switch {
			case got[topic] && l.topics[topic]:
				c[0]++
			case got[topic]:
				c[1]++
			case l.topics[topic]:
				c[2]++
			}
		}
	}
	ratio := func(a, b int) float64 {
		if a+b == 0 {
			return 1
		}
		return float64(a) / float64(a+b)
	}
	t.Logf("kept by the topics filter: precision %.2f (%d/%d), recall %.2f (%d/%d)", ratio(tp, fp), tp, tp+fp, ratio(tp, fn), tp, tp+fn)
	for topic, c := range perTopic {
		t.Logf("%-8s precision %.2f recall %.2f (tp %d fp %d fn %d)", topic, ratio(c[0], c[1]), ratio(c[0], c[2]), c[0], c[1], c[2])
	}
	if fn > 0 || fp > 1 {
		t.Errorf("the filter missed %d relevant items and kept %d irrelevant ones", fn, fp)
	}
}

// A local feed reveals its items over several fetches, with an edit and
// malformed answers in between.
func TestFeedReplay(t *testing.T) {
	fr := readFeed(t, "federal-register-documents-2025-08-04.rss")
	itemRe := regexp.MustCompile(`(?s)<item>.*?</item>`)
	all := itemRe.FindAll(fr, -1)
	head := fr[:bytes.Index(fr, []byte("<item>"))]
	build := func(n int, edit func([][]byte) [][]byte) []byte {
		items := append([][]byte(nil), all[:n]...)
		if edit != nil {
			items = edit(items)
		}
		var b bytes.Buffer
		b.Write(head)
		for _, it := range items {
			b.Write(it)
			b.WriteString("\n")
		}
		b.WriteString("</channel></rss>")
		return b.Bytes()
	}
	titleRe := regexp.MustCompile(`<title>([^<]*)</title>`)
	original := strings.TrimSpace(string(titleRe.FindSubmatch(all[5])[1]))
	edited := func(items [][]byte) [][]byte {
		items[5] = titleRe.ReplaceAll(append([]byte(nil), items[5]...), []byte("<title>"+original+" (corrected)</title>"))
		return items
	}
	s := &serve{}
	srv := replaytest.NewServer()
	defer srv.Close()
	srv.Handle("/fr", s.handler)
	c := newChecker(t, mustConfig(t, feedConfig(srv.URL+"/fr", "")))
	const rss = "application/rss+xml"
	stored := 0
	for i, step := range []struct {
		status      int
		contentType string
		body        []byte
		outcome     tracker.Outcome
		new, upd    int
		baseline    bool
		kind        tracker.FailureKind
	}{
		{200, rss, build(50, nil), New, 50, 0, true, ""},
		{200, rss, build(60, nil), New, 10, 0, false, ""},
		{200, rss, build(60, nil)[:len(build(60, nil))/2], Failed, 0, 0, false, "feed"},
		{200, "text/html", []byte("<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>"), Failed, 0, 0, false, "not-a-feed"},
		{503, "text/html", []byte("<h1>Service Unavailable</h1>"), Failed, 0, 0, false, "http"},
		{200, rss, build(70, edited), New, 10, 1, false, ""},
		{200, rss, build(70, edited), Unchanged, 0, 0, false, ""},
		{200, rss, build(40, edited), Unchanged, 0, 0, false, ""}, // older items drop out of the feed: nothing is lost
	} {
		s.set(step.status, step.contentType, step.body)
		r := checkOne(t, c, "f")
		if r.Outcome != step.outcome || r.Items.New != step.new || r.Items.Updated != step.upd || r.Items.Baseline != step.baseline || r.Kind != step.kind {
			t.Fatalf("fetch %d: %s %+v kind %q err %v; want %s, %d new, %d updated, kind %q", i+1, r.Outcome, r.Items, r.Kind, r.Err, step.outcome, step.new, step.upd, step.kind)
		}
		n := len(allItems(t, c))
		if n < stored {
			t.Fatalf("fetch %d: %d items stored, %d before: items were lost", i+1, n, stored)
		}
		stored = n
	}
	items := allItems(t, c)
	if len(items) != 70 {
		t.Fatalf("%d items stored, want 70: each exactly once, none lost", len(items))
	}
	announced, err := c.DB.Items(context.Background(), store.ItemFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(announced) != 21 {
		t.Errorf("%d items announced, want the 20 that came after the first fetch and the baseline one corrected since", len(announced))
	}
	for _, it := range items {
		if strings.HasSuffix(it.Title, "(corrected)") {
			if it.Revision != 2 || it.UpdatedAt.IsZero() {
				t.Errorf("edited item: revision %d, updated %v", it.Revision, it.UpdatedAt)
			}
			revs, err := c.DB.ItemRevisions(context.Background(), it.ID)
			if err != nil || len(revs) != 1 || revs[0].Title != original {
				t.Errorf("earlier revision %+v %v", revs, err)
			}
			return
		}
	}
	t.Error("the edited item was not updated")
}

func TestBadFeeds(t *testing.T) {
	latin1 := []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>CNIL</title>" +
		"<item><title>Donn\xe9es personnelles : sanction</title><link>https://example.org/a</link></item></channel></rss>")
	noLink := []byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>OAIC</title>
<item><title>Privacy awareness week</title><description>Events about privacy.</description><pubDate>Mon, 04 Aug 2025 10:00:00 +1000</pubDate></item>
</channel></rss>`)
	big := append([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>big</title>`), bytes.Repeat([]byte("<item><title>x</title><link>https://e.org/x</link></item>"), 30000)...)
	big = append(big, []byte("</channel></rss>")...)
	for _, tc := range []struct {
		name, contentType string
		body              []byte
		outcome           tracker.Outcome
		kind              tracker.FailureKind
		msg               string
	}{
		{"HTML instead of XML", "text/html", []byte(`<html><head><title>Sign in</title><link rel="alternate" type="application/rss+xml" href="/news.rss"></head><body>Log in</body></html>`),
			Failed, "not-a-feed", "/news.rss"},
		{"truncated XML", "application/rss+xml", readFeed(t, "sec-testimony.rss")[:2000], Failed, "feed", "truncated"},
		{"wrong charset", "application/rss+xml", latin1, New, "", ""},
		{"no link and no guid", "application/rss+xml", noLink, New, "", ""},
		{"past the size cap", "application/rss+xml", big, Failed, "too-large", "max_body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &serve{}
			s.set(200, tc.contentType, tc.body)
			srv := replaytest.NewServer()
			defer srv.Close()
			srv.Handle("/feed", s.handler)
			c := newChecker(t, mustConfig(t, "settings: {retries: 0, host_delay: 0s, max_body: 1MiB}\nsources:\n  - {id: f, kind: feed, url: '"+srv.URL+"/feed'}\n"))
			r := checkOne(t, c, "f")
			if r.Outcome != tc.outcome || r.Kind != tc.kind || (tc.msg != "" && !strings.Contains(r.Err.Error(), tc.msg)) {
				t.Fatalf("%s %q %v", r.Outcome, r.Kind, r.Err)
			}
			st, _ := c.DB.Source(context.Background(), "f")
			if r.Outcome == Failed && (st.Error == "" || st.ErrorKind != tc.kind) {
				t.Errorf("source status %+v", st)
			}
			if tc.name == "wrong charset" {
				if it := allItems(t, c); len(it) != 1 || it[0].Title != "Données personnelles : sanction" {
					t.Errorf("items %+v", it)
				}
			}
			if tc.name == "no link and no guid" {
				it := allItems(t, c)
				if len(it) != 1 || it[0].Key == "" || it[0].Published.IsZero() {
					t.Fatalf("items %+v", it)
				}
				if r := checkOne(t, c, "f"); r.Items.New != 0 {
					t.Errorf("the item without link or guid was stored again: %+v", r)
				}
			}
		})
	}
}

func TestMovedFeed(t *testing.T) {
	srv := replaytest.NewServer()
	defer srv.Close()
	srv.Handle("/old", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/new", http.StatusMovedPermanently) })
	s := &serve{}
	s.set(200, "application/rss+xml", readFeed(t, "sec-testimony.rss"))
	srv.Handle("/new", s.handler)
	c := newChecker(t, mustConfig(t, feedConfig(srv.URL+"/old", "")))
	r := checkOne(t, c, "f")
	if r.Outcome != New || !strings.Contains(r.Notice, "moved permanently to "+srv.URL+"/new") {
		t.Fatalf("%+v", r)
	}
	if st, _ := c.DB.Source(context.Background(), "f"); !strings.Contains(st.Notice, "update the url") {
		t.Errorf("notice not kept on the source: %+v", st)
	}
}

// Enrichment reads the page a new item links to, so that a vague title is
// classified by what the page says; the baseline is never enriched.
func TestEnrichment(t *testing.T) {
	srv := replaytest.NewServer()
	defer srv.Close()
	rss := func(n int) []byte {
		var b bytes.Buffer
		b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Regulator news</title>`)
		for i := 1; i <= n; i++ {
			fmt.Fprintf(&b, `<item><title>Press release %d</title><link>%s/news/%d</link><guid>n%d</guid></item>`, i, srv.URL, i, i)
		}
		b.WriteString(`</channel></rss>`)
		return b.Bytes()
	}
	s := &serve{}
	s.set(200, "application/rss+xml", rss(1))
	srv.Handle("/feed", s.handler)
	srv.Handle("/news/1", replaytest.Static(200, []byte(`<html><body><main><p>Nothing about anything.</p></main></body></html>`)))
	// A French regulator's page in ISO-8859-1, said so by the header only.
	latin1, _ := charmap.ISO8859_1.NewEncoder().String(`<html><body><nav>Home</nav><main><h1>Fine for an app</h1>
<div class="body"><p>The authority fined the company for processing children's personal data without consent (données personnelles).</p></div>
<aside>Related: refunds</aside></main></body></html>`)
	srv.Handle("/news/2", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=ISO-8859-1")
		w.Write([]byte(latin1))
	})
	c := newChecker(t, mustConfig(t, feedConfig(srv.URL+"/feed", ", enrich_select: '.body', topics: [privacy]")))
	if r := checkOne(t, c, "f"); !r.Items.Baseline || srv.Hits("/news/1") != 0 {
		t.Fatalf("baseline %+v, page fetched %d times", r, srv.Hits("/news/1"))
	}
	s.set(200, "application/rss+xml", rss(2))
	if r := checkOne(t, c, "f"); r.Items.New != 1 || r.Items.Kept != 1 {
		t.Fatalf("%+v", r)
	}
	for _, it := range allItems(t, c) {
		if it.Key != "n2" {
			continue
		}
		if !strings.Contains(it.PageText, "children's personal data") || !strings.Contains(it.PageText, "(données personnelles)") || strings.Contains(it.PageText, "refunds") {
			t.Errorf("page text %q", it.PageText)
		}
		if len(it.Topics) == 0 || it.Topics[0].Topic != "privacy" || !it.Kept {
			t.Errorf("topics %+v kept %v", it.Topics, it.Kept)
		}
	}
}

// Changing a feed's filters re-evaluates the items already stored.
func TestRefilter(t *testing.T) {
	s := &serve{}
	s.set(200, "application/rss+xml", readFeed(t, "federal-register-documents-2025-08-04.rss"))
	srv := replaytest.NewServer()
	defer srv.Close()
	srv.Handle("/fr", s.handler)
	cfg := mustConfig(t, feedConfig(srv.URL+"/fr", ""))
	c := newChecker(t, cfg)
	checkOne(t, c, "f")
	kept := func() int {
		n := 0
		for _, it := range allItems(t, c) {
			if it.Kept {
				n++
			}
		}
		return n
	}
	if kept() != 200 {
		t.Fatalf("without filters %d kept", kept())
	}
	cfg.Sources[0].Include = []string{"Privacy Act"}
	cfg.Sources[0].Exclude = []string{"Housing and Urban Development"}
	checkOne(t, c, "f")
	if n := kept(); n != 0 {
		t.Errorf("%d kept: the two Privacy Act notices are HUD's, excluded", n)
	}
	cfg.Sources[0].Exclude = nil
	checkOne(t, c, "f")
	if n := kept(); n != 2 {
		t.Errorf("%d kept, want the 2 Privacy Act notices", n)
	}
}

// A feed's headers (an API key) go to the feed's host only, never to the
// sites its items link to.
func TestEnrichmentKeepsHeadersHome(t *testing.T) {
	srv := replaytest.NewServer()
	defer srv.Close()
	var mu sync.Mutex
	keys := map[string]string{}
	page := func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys[r.Host] = r.Header.Get("X-Api-Key")
		mu.Unlock()
		w.Write([]byte(`<html><body><main><p>The authority published guidance on consent for cookies and personal data.</p></main></body></html>`))
	}
	srv.Handle("/news/1", page)
	srv.Handle("/news/2", page)
	other := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) // another host name for the same server
	s := &serve{}
	feedWith := func(links ...string) []byte {
		var b bytes.Buffer
		b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>`)
		for i, l := range links {
			fmt.Fprintf(&b, `<item><title>Guidance %d</title><link>%s</link><guid>g%d</guid></item>`, i, l, i)
		}
		b.WriteString(`</channel></rss>`)
		return b.Bytes()
	}
	s.set(200, "application/rss+xml", feedWith())
	srv.Handle("/feed", s.handler)
	c := newChecker(t, mustConfig(t, feedConfig(srv.URL+"/feed", ", enrich_select: main, headers: {X-Api-Key: secret}")))
	checkOne(t, c, "f")
	s.set(200, "application/rss+xml", feedWith(srv.URL+"/news/1", other+"/news/2"))
	if r := checkOne(t, c, "f"); r.Items.New != 2 {
		t.Fatalf("%+v", r)
	}
	mu.Lock()
	defer mu.Unlock()
	home, away := strings.TrimPrefix(srv.URL, "http://"), strings.TrimPrefix(other, "http://")
	if keys[home] != "secret" || keys[away] != "" || len(keys) != 2 {
		t.Errorf("X-Api-Key by host: %v", keys)
	}
}

// Items without a guid that link to one news page: none is lost, none is
// announced twice, and an item's key does not change with what else the
// feed lists (an item leaving, another arriving).
func TestItemsSharingALink(t *testing.T) {
	srv := replaytest.NewServer()
	defer srv.Close()
	rss := func(titles ...string) []byte {
		var b bytes.Buffer
		b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Regulator news</title>`)
		for _, title := range titles {
			fmt.Fprintf(&b, `<item><title>%s</title><link>%s/news</link><pubDate>Mon, %02d Aug 2025 09:00:00 +0000</pubDate><description>%s about personal data.</description></item>`,
				title, srv.URL, len(title)%28+1, title)
		}
		b.WriteString(`</channel></rss>`)
		return b.Bytes()
	}
	s := &serve{}
	srv.Handle("/feed", s.handler)
	c := newChecker(t, mustConfig(t, feedConfig(srv.URL+"/feed", "")))
	for i, step := range []struct {
		titles   []string
		new, upd int
	}{
		{[]string{"Guidance on cookie banners"}, 1, 0}, // the baseline: stored under the plain link
		{[]string{"Fine for unlawful tracking", "Guidance on cookie banners"}, 1, 0},
		{[]string{"Consultation on age checks", "Fine for unlawful tracking", "Guidance on cookie banners"}, 1, 0},
		{[]string{"Consultation on age checks", "Fine for unlawful tracking"}, 0, 0}, // the first one left
		{[]string{"Consultation on age checks"}, 0, 0},                               // and another
	} {
		s.set(200, "application/rss+xml", rss(step.titles...))
		r := checkOne(t, c, "f")
		if r.Err != nil || r.Items.New != step.new || r.Items.Updated != step.upd {
			t.Fatalf("fetch %d: %+v, want %d new, %d updated", i+1, r.Items, step.new, step.upd)
		}
	}
	if items := allItems(t, c); len(items) != 3 {
		t.Errorf("%d items stored, want 3: each once", len(items))
	}
}

// The reviewer's sequences for items sharing a link: a revised date does
// not make an item new once another arrives, and an edit to one item never
// lands on another.
func TestItemsSharingALinkEdits(t *testing.T) {
	srv := replaytest.NewServer()
	defer srv.Close()
	type it struct {
		title string
		day   int
	}
	rss := func(items ...it) []byte {
		var b bytes.Buffer
		b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Regulator news</title>`)
		for _, i := range items {
			fmt.Fprintf(&b, `<item><title>%s</title><link>%s/news</link><pubDate>Mon, %02d Aug 2025 09:00:00 +0000</pubDate><description>%s about personal data.</description></item>`,
				i.title, srv.URL, i.day, i.title)
		}
		b.WriteString(`</channel></rss>`)
		return b.Bytes()
	}
	s := &serve{}
	srv.Handle("/feed", s.handler)
	a, b := it{"Guidance on cookie banners", 4}, it{"Fine for unlawful tracking", 5}
	c := newChecker(t, mustConfig(t, feedConfig(srv.URL+"/feed", "")))
	for i, step := range []struct {
		items []it
		new   int
	}{
		{[]it{a}, 1},
		{[]it{{a.title, 6}}, 0}, // the feed revises its date
		{[]it{b, {a.title, 6}}, 1},
		{[]it{b}, 0},
		{[]it{{"Fine of EUR 5m for unlawful tracking", 5}}, 1}, // retitled, alone: new or an update, never a's
	} {
		s.set(200, "application/rss+xml", rss(step.items...))
		if r := checkOne(t, c, "f"); r.Err != nil || r.Items.New != step.new {
			t.Fatalf("fetch %d: %+v, want %d new", i+1, r.Items, step.new)
		}
	}
	for _, item := range allItems(t, c) {
		if strings.Contains(item.Key, "#item-") == false && item.Title != a.title {
			t.Errorf("the item under the plain link now reads %q", item.Title)
		}
	}
}
