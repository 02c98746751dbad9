package feed

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/unicode"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/golden")

const frFeed = "feeds/federal-register-documents-2025-08-04.rss"

// readTestdata reads a file of this package's testdata, or, for "feeds/…",
// one of the real feeds shared by the repository's tests.
func readTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	dir := "testdata"
	if strings.HasPrefix(name, "feeds/") {
		dir = filepath.Join("..", "..", "..", "testdata")
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func parseTestdata(tb testing.TB, name, contentType, feedURL string) *Feed {
	tb.Helper()
	f, err := Parse(readTestdata(tb, name), contentType, feedURL)
	if err != nil {
		tb.Fatalf("Parse(%s): %v", name, err)
	}
	return f
}

func itemByTitle(tb testing.TB, f *Feed, prefix string) Entry {
	tb.Helper()
	for _, it := range f.Items {
		if strings.HasPrefix(it.Title, prefix) {
			return it
		}
	}
	tb.Fatalf("no item titled %q...", prefix)
	return Entry{}
}

// markupOrEntity finds anything a reader should never see in item text.
var markupOrEntity = regexp.MustCompile(`</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>|&(#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z]+);`)

// checkClean fails when a field holds markup, entities, invalid UTF-8 or
// untidy white space.
func checkClean(t *testing.T, f *Feed) {
	t.Helper()
	for _, it := range f.Items {
		for field, v := range map[string]string{"title": it.Title, "text": it.Text, "author": it.Author, "link": it.Link, "key": it.Key} {
			if !utf8.ValidString(v) {
				t.Errorf("%s of %q is not valid UTF-8: %q", field, it.Key, v)
			}
			if field != "link" && field != "key" && markupOrEntity.MatchString(v) {
				t.Errorf("%s of %q has markup or an entity: %q", field, it.Key, v)
			}
			if strings.ContainsRune(v, '\u00A0') || strings.Contains(v, "  ") || strings.Contains(v, "\n\n") || v != strings.TrimSpace(v) {
				t.Errorf("%s of %q has untidy white space: %q", field, it.Key, v)
			}
		}
		if strings.Contains(it.Title, "\n") {
			t.Errorf("title of %q spans lines: %q", it.Key, it.Title)
		}
	}
}

func TestFederalRegister(t *testing.T) {
	body := readTestdata(t, frFeed)
	f := parseTestdata(t, frFeed, "application/rss+xml; charset=utf-8", "https://www.federalregister.gov/api/v1/documents.rss")
	again := parseTestdata(t, frFeed, "", "")

	if len(f.Items) != 200 || f.Skipped != 0 || f.Duplicates != 0 {
		t.Fatalf("got %d items, %d skipped, %d duplicates; want 200, 0, 0", len(f.Items), f.Skipped, f.Duplicates)
	}
	if f.Format != "rss 2.0" {
		t.Errorf("Format = %q", f.Format)
	}
	checkClean(t, f)

	t.Run("keys unique and stable", func(t *testing.T) {
		seen := map[string]bool{}
		for i, it := range f.Items {
			if seen[it.Key] {
				t.Errorf("duplicate key %q", it.Key)
			}
			seen[it.Key] = true
			if it.Key != it.GUID || !strings.HasPrefix(it.Key, "https://www.federalregister.gov/documents/") {
				t.Errorf("key %q is not the guid %q", it.Key, it.GUID)
			}
			if again.Items[i].Key != it.Key || again.Items[i].Hash != it.Hash {
				t.Errorf("item %d: second parse gave key %q hash %s, first %q %s", i, again.Items[i].Key, again.Items[i].Hash, it.Key, it.Hash)
			}
		}
	})

	t.Run("double-escaped entities", func(t *testing.T) {
		if bytes.Count(body, []byte("&amp;#39;")) == 0 {
			t.Fatal("fixture no longer double-escapes apostrophes")
		}
		it := itemByTitle(t, f, "Special Local Regulations; Women Swimmin")
		if it.Title != "Special Local Regulations; Women Swimmin' for Hospicare Eastern Great Lakes COTP Zone" {
			t.Errorf("title = %q", it.Title)
		}
		if want := "for the Women Swimmin' for Hospicare on August 9, 2025,"; !strings.Contains(it.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, it.Text)
		}
		it = itemByTitle(t, f, "Teva Branded")
		if want := "Teva Branded Pharmaceutical Products R&D, Inc., et al.; Withdrawal of Approval of 39 New Drug Applications"; it.Title != want {
			t.Errorf("title = %q, want %q", it.Title, want)
		}
		it = itemByTitle(t, f, "Chlorinated Isocyanurates From People's Republic of China")
		if want := `the "Final Results of Sunset Review" section`; !strings.Contains(it.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, it.Text)
		}
	})

	t.Run("date-only dates", func(t *testing.T) {
		if !f.DatesInferred {
			t.Error("DatesInferred = false; the feed's 04:00:00 GMT is a date")
		}
		// The document URL carries the publication date: /documents/2025/08/04/...
		urlDate := regexp.MustCompile(`/documents/(\d{4})/(\d{2})/(\d{2})/`)
		days := map[string]int{}
		for _, it := range f.Items {
			m := urlDate.FindStringSubmatch(it.Link)
			if m == nil {
				t.Fatalf("no date in %s", it.Link)
			}
			want := m[1] + "-" + m[2] + "-" + m[3]
			if !it.HasDate || !it.DateOnly || it.Day() != want {
				t.Errorf("%s: HasDate=%v DateOnly=%v Day=%q, want date-only %s", it.Link, it.HasDate, it.DateOnly, it.Day(), want)
			}
			if it.Published.Hour() != 0 || it.Published.Location() != time.UTC {
				t.Errorf("%s: date-only Published = %v, want 00:00 UTC", it.Link, it.Published)
			}
			days[it.Day()]++
		}
		if days["2025-08-04"] == 0 || days["2025-08-01"] == 0 || len(days) != 2 {
			t.Errorf("days = %v, want items on 2025-08-01 and 2025-08-04 only", days)
		}
		first := f.Items[0]
		if want := time.Date(2025, 8, 4, 0, 0, 0, 0, time.UTC); !first.Published.Equal(want) || first.DateRaw != "Mon, 04 Aug 2025 04:00:00 GMT" {
			t.Errorf("first item: Published %v raw %q", first.Published, first.DateRaw)
		}
	})

	t.Run("agency and categories", func(t *testing.T) {
		it := itemByTitle(t, f, "Safety Zone; Lake Michigan, Sheboygan, WI")
		if it.Author != "Homeland Security Department, Coast Guard" {
			t.Errorf("Author = %q", it.Author)
		}
		want := []string{"Harbors", "Marine safety", "Navigation (water)", "Reporting and recordkeeping requirements", "Security measures", "Waterways"}
		if strings.Join(it.Categories, "|") != strings.Join(want, "|") {
			t.Errorf("Categories = %q", it.Categories)
		}
		if f.Items[0].Author != "Executive Office of the President" {
			t.Errorf("first Author = %q", f.Items[0].Author)
		}
		empty := 0
		for _, it := range f.Items {
			if it.Author == "" {
				t.Errorf("%s has no author", it.Link)
			}
			if it.Text == "" {
				empty++
			}
		}
		// Many documents have an empty description; they are still items.
		if empty == 0 || empty == len(f.Items) {
			t.Errorf("%d items without text; the feed has some", empty)
		}
	})
}

func TestSECRSS(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	for _, name := range []string{"feeds/sec-pressreleases.rss", "feeds/sec-testimony.rss"} {
		t.Run(name, func(t *testing.T) {
			raw := readTestdata(t, name)
			f := parseTestdata(t, name, "application/rss+xml; charset=utf-8", "https://www.sec.gov/news/pressreleases.rss")
			if len(f.Items) != 25 {
				t.Fatalf("got %d items, want 25", len(f.Items))
			}
			checkClean(t, f)
			for _, it := range f.Items {
				if !uuid.MatchString(it.Key) || it.Key != it.GUID {
					t.Errorf("key %q is not the UUID guid", it.Key)
				}
				if it.Author != "" {
					t.Errorf("empty dc:creator gave Author %q", it.Author)
				}
				if !it.HasDate || it.DateOnly {
					t.Errorf("%s: HasDate=%v DateOnly=%v; SEC dates carry times", it.Key, it.HasDate, it.DateOnly)
				}
				// The raw title is padded; the item's must appear in the raw
				// body exactly once, framed by the padding.
				if !regexp.MustCompile(`<title>\s*` + regexp.QuoteMeta(it.Title) + `\s*</title>`).Match(raw) {
					t.Errorf("title %q not found trimmed in the raw feed", it.Title)
				}
			}
			if f.DatesInferred {
				t.Error("DatesInferred on a feed with real times")
			}
		})
	}

	f := parseTestdata(t, "feeds/sec-pressreleases.rss", "", "")
	first := f.Items[0]
	if first.Title != "Acting Chairman Mark T. Uyeda Names Acting Senior Staff" {
		t.Errorf("title = %q", first.Title)
	}
	// "&amp;nbsp;" opens the second paragraph; the paragraph break is kept.
	want := "The Securities and Exchange Commission today announced Acting Chairman Mark T. Uyeda’s selections for several senior roles in acting capacities across the Commission to fill vacancies created by recent departures.\n“These talented individuals are…"
	if first.Text != want {
		t.Errorf("text =\n%q\nwant\n%q", first.Text, want)
	}
	if want := time.Date(2025, 1, 24, 16, 0, 0, 0, time.UTC); !first.Published.Equal(want) {
		t.Errorf("Published = %v, want %v", first.Published, want)
	}
}

func TestSECAtom(t *testing.T) {
	f := parseTestdata(t, "feeds/sec-atom1.xml", "application/atom+xml; charset=ISO-8859-1", "https://www.sec.gov/cgi-bin/browse-edgar?action=getcompany&CIK=0001889983&type=&dateb=&owner=include&count=40&action=getcurrent&output=atom")
	if len(f.Items) != 55 || f.Format != "atom 1.0" {
		t.Fatalf("got %d items, format %q; want 55, atom 1.0", len(f.Items), f.Format)
	}
	checkClean(t, f)
	if f.Title != "Keen Vision Acquisition Corp. (0001889983)" {
		t.Errorf("feed title = %q", f.Title)
	}
	seen := map[string]bool{}
	for _, it := range f.Items {
		if !strings.HasPrefix(it.Key, "urn:tag:sec.gov,2008:accession-number=") || it.Key != it.GUID || seen[it.Key] {
			t.Errorf("key %q: want the unique Atom id", it.Key)
		}
		seen[it.Key] = true
		// The summary is the text; the structured <content type="text/xml">
		// (accession numbers, film numbers, hrefs) is not prose.
		if !strings.HasPrefix(it.Text, "Filed: ") || strings.Contains(it.Text, "browse-edgar") {
			t.Errorf("%s: text = %q", it.Key, it.Text)
		}
	}
	first := f.Items[0]
	wantText := "Filed: 2025-01-24 AccNo: 0001213900-25-006497 Size: 302 KB\nItem 1.01: Entry into a Material Definitive Agreement\nItem 2.03: Creation of a Direct Financial Obligation or an Obligation under an Off-Balance Sheet Arrangement of a Registrant\nItem 8.01: Other Events\nItem 9.01: Financial Statements and Exhibits"
	if first.Text != wantText || first.Title != "8-K - Current report" {
		t.Errorf("first item: title %q text\n%s", first.Title, first.Text)
	}
	// SEC labels every category "form type"; the term is the form.
	if strings.Join(first.Categories, ",") != "8-K" {
		t.Errorf("Categories = %q, want [8-K]", first.Categories)
	}
	if want := time.Date(2025, 1, 24, 21, 0, 43, 0, time.UTC); !first.Published.Equal(want) {
		t.Errorf("Published = %v, want %v", first.Published, want)
	}
}

func TestCharsets(t *testing.T) {
	const wantTitle = "Sanction de 150 000 €… non : résumé de la décision"
	const wantText = "La formation restreinte a prononcé une amende à l'encontre d'une société."
	utf8Body := readTestdata(t, "fixtures/declared-latin1-is-utf8.xml")
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes(
		bytes.Replace(utf8Body, []byte(`encoding="ISO-8859-1"`), []byte(`encoding="UTF-16"`), 1))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, contentType string
		body              []byte
	}{
		{"ISO-8859-1 declared and used", "", readTestdata(t, "fixtures/latin1.xml")},
		{"ISO-8859-1 with a header claiming UTF-8", "application/atom+xml; charset=utf-8", readTestdata(t, "fixtures/latin1.xml")},
		{"declares ISO-8859-1, bytes are UTF-8", "", utf8Body},
		{"declares ISO-8859-1, bytes are UTF-8, header agrees with the lie", "text/xml; charset=iso-8859-1", utf8Body},
		{"declares UTF-8, bytes are ISO-8859-1", "", readTestdata(t, "fixtures/declared-utf8-is-latin1.xml")},
		{"declares UTF-8, bytes are ISO-8859-1, header right", "text/xml; charset=ISO-8859-1", readTestdata(t, "fixtures/declared-utf8-is-latin1.xml")},
		{"UTF-8 with BOM", "", append([]byte{0xEF, 0xBB, 0xBF}, bytes.Replace(utf8Body, []byte(`encoding="ISO-8859-1"`), []byte(`encoding="UTF-8"`), 1)...)},
		{"UTF-16 with BOM", "", utf16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse(tt.body, tt.contentType, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Items) != 1 {
				t.Fatalf("got %d items", len(f.Items))
			}
			if it := f.Items[0]; it.Title != wantTitle || it.Text != wantText {
				t.Errorf("got title %q text %q\nwant %q %q", it.Title, it.Text, wantTitle, wantText)
			}
			if f.Title != "Commission nationale - actualités" {
				t.Errorf("feed title = %q", f.Title)
			}
		})
	}

	t.Run("stray Latin-1 bytes in a UTF-8 feed", func(t *testing.T) {
		body := []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>t</title><item><title>Caf\xe9 \x80 r\xc3\xa9sum\xc3\xa9</title><guid>g</guid></item></channel></rss>")
		f, err := Parse(body, "text/xml; charset=utf-8", "")
		if err != nil {
			t.Fatal(err)
		}
		// The UTF-8 stays UTF-8; the stray bytes are read as Windows-1252.
		if got := f.Items[0].Title; got != "Café € résumé" {
			t.Errorf("title = %q", got)
		}
	})
}

func TestFormats(t *testing.T) {
	t.Run("RSS 0.91", func(t *testing.T) {
		f := parseTestdata(t, "fixtures/rss091.xml", "", "")
		if f.Format != "rss 0.91" || len(f.Items) != 2 {
			t.Fatalf("format %q, %d items", f.Format, len(f.Items))
		}
		it := f.Items[0]
		if it.Key != "https://www.example.gc.ca/en/news/2025/nr-c_250804/" || it.HasDate || !it.Published.IsZero() {
			t.Errorf("key %q HasDate %v Published %v", it.Key, it.HasDate, it.Published)
		}
		if want := "The Privacy Commissioner has launched an investigation into a video platform's handling of young users' personal information."; it.Text != want {
			t.Errorf("text = %q", it.Text)
		}
	})
	t.Run("RDF", func(t *testing.T) {
		f := parseTestdata(t, "fixtures/rdf.xml", "", "")
		if f.Format != "rss 1.0" || len(f.Items) != 2 {
			t.Fatalf("format %q, %d items", f.Format, len(f.Items))
		}
		it := f.Items[0]
		if it.Text != "The Board adopted a statement on age assurance.\nIt applies to online services." {
			t.Errorf("text = %q", it.Text)
		}
		if !it.DateOnly || it.Day() != "2025-08-04" || it.Author != "Press office" || strings.Join(it.Categories, ",") != "Children" {
			t.Errorf("DateOnly %v Day %q Author %q Categories %q", it.DateOnly, it.Day(), it.Author, it.Categories)
		}
		if want := time.Date(2025, 8, 1, 7, 30, 0, 0, time.UTC); !f.Items[1].Published.Equal(want) || f.Items[1].DateOnly {
			t.Errorf("dc:date with time: %v DateOnly %v", f.Items[1].Published, f.Items[1].DateOnly)
		}
	})
	t.Run("JSON Feed", func(t *testing.T) {
		f := parseTestdata(t, "fixtures/jsonfeed.json", "application/feed+json", "")
		if f.Format != "json 1.1" || len(f.Items) != 2 {
			t.Fatalf("format %q, %d items", f.Format, len(f.Items))
		}
		it := f.Items[0]
		if it.Title != "Court finds unfair contract terms in app subscriptions" {
			t.Errorf("title = %q", it.Title)
		}
		if it.Link != "https://www.example.gov.au/news/2025/08/04/unfair-terms" {
			t.Errorf("link = %q, want utm parameters gone", it.Link)
		}
		if it.Text != "The Federal Court has found that terms in an app’s subscription contract were unfair.\nThe terms allowed the company to change prices without notice." {
			t.Errorf("text = %q", it.Text)
		}
		if want := time.Date(2025, 8, 4, 0, 15, 0, 0, time.UTC); !it.Published.Equal(want) || it.Day() != "2025-08-04" {
			t.Errorf("Published %v Day %q", it.Published, it.Day())
		}
		// Only date_modified: the updated date stands in.
		if it := f.Items[1]; !it.HasDate || it.Key != "2025-0801-guidance" || it.Text != "Influencers must disclose paid posts.\nThe guidance explains how." {
			t.Errorf("second item: HasDate %v key %q text %q", it.HasDate, it.Key, it.Text)
		}
	})
}

func TestKeys(t *testing.T) {
	const feedURL = "https://www.example.org/blog/feed.xml"
	f := parseTestdata(t, "fixtures/no-guid.xml", "", feedURL)

	// Five items: two differ only by tracking parameters, one is empty.
	if len(f.Items) != 3 || f.Duplicates != 1 || f.Skipped != 1 {
		t.Fatalf("got %d items, %d duplicates, %d skipped; want 3, 1, 1", len(f.Items), f.Duplicates, f.Skipped)
	}
	if got := f.Items[0].Key; got != "https://www.example.org/blog/new-rules" {
		t.Errorf("key from link = %q", got)
	}
	a := Entry{Title: "t", Link: "https://www.example.org/blog/new-rules?utm_source=rss&utm_medium=feed&utm_campaign=blog"}
	b := Entry{Title: "t", Link: "https://www.example.org/blog/new-rules?utm_source=newsletter&utm_medium=email&mc_cid=abc123&mc_eid=def456"}
	if Key(a) != Key(b) {
		t.Errorf("links differing by tracking parameters: keys %q and %q", Key(a), Key(b))
	}
	if got, want := f.Items[1].Key, "https://www.example.org/blog/consultation?lang=en&page=2#section-3"; got != want {
		t.Errorf("relative link: key %q, want %q", got, want)
	}

	noLink := f.Items[2]
	if !strings.HasPrefix(noLink.Key, "hash:") || noLink.Link != "" {
		t.Fatalf("item without guid or link: key %q link %q", noLink.Key, noLink.Link)
	}
	if again := parseTestdata(t, "fixtures/no-guid.xml", "", feedURL); again.Items[2].Key != noLink.Key {
		t.Errorf("hash key unstable: %q then %q", noLink.Key, again.Items[2].Key)
	}
	// The key follows title and date, not the text (an edited text is a
	// change to the same item), and ignores white space noise in the title.
	edited := noLink
	edited.Text = "Our helpline is closed on Monday and Tuesday."
	edited.Title = "  Office closed for the\n bank holiday "
	if Key(edited) != noLink.Key {
		t.Errorf("key changed with the text or title spacing")
	}
	for name, other := range map[string]Entry{
		"other title": {Title: "Office open for the bank holiday", DateRaw: noLink.DateRaw},
		"other date":  {Title: noLink.Title, DateRaw: "Fri, 08 Aug 2025 12:00:00 +0100"},
	} {
		if Key(other) == noLink.Key {
			t.Errorf("%s: same key %q", name, noLink.Key)
		}
	}
	// The content hash does follow the text.
	edited.Title = noLink.Title
	if contentHash(edited) == noLink.Hash {
		t.Error("content hash unchanged after a text edit")
	}
}

func TestBadBodies(t *testing.T) {
	fr := readTestdata(t, frFeed)
	cut := 100000
	jsonFeed := readTestdata(t, "fixtures/jsonfeed.json")
	tests := []struct {
		name     string
		body     []byte
		feedURL  string
		want     error
		wantMsg  []string
		wantLine int
	}{
		{name: "empty", body: nil, want: ErrEmpty, wantMsg: []string{"empty body"}},
		{name: "white space and BOM", body: []byte("\xEF\xBB\xBF \n\t\r\n"), want: ErrEmpty},
		{name: "captcha page", body: readTestdata(t, "fixtures/captcha.html"), want: ErrNotFeed,
			wantMsg: []string{`not a feed: got an HTML page ("Just a moment...")`, "captcha"}},
		{name: "login page", body: readTestdata(t, "fixtures/login.html"), want: ErrNotFeed,
			wantMsg: []string{`got an HTML page ("Sign in · Agency Portal")`}},
		{name: "home page linking its feed", body: readTestdata(t, "fixtures/homepage.html"), feedURL: "https://www.example.gov/newsroom", want: ErrNotFeed,
			wantMsg: []string{`("Newsroom | Example Regulator")`, "links to a feed at https://www.example.gov/news/press-releases.xml"}},
		{name: "sitemap", body: []byte(`<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://x</loc></url></urlset>`), want: ErrNotFeed,
			wantMsg: []string{"unrecognised content"}},
		{name: "plain text", body: []byte("Service Unavailable"), want: ErrNotFeed, wantMsg: []string{`"Service Unavailable"`}},
		{name: "truncated XML", body: fr[:cut], want: ErrMalformed,
			wantMsg: []string{"malformed xml feed at line", "truncated"}, wantLine: bytes.Count(fr[:cut], []byte("\n")) + 1},
		// gofeed parses leniently (mismatched end tags pass); a stray "<" does not.
		{name: "stray angle bracket", body: []byte("<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel>\n<item><title>x</title></item><\n/channel></rss>"), want: ErrMalformed, wantLine: 3},
		{name: "truncated JSON", body: jsonFeed[:len(jsonFeed)/2], want: ErrMalformed, wantMsg: []string{"malformed json feed", "truncated"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse(tt.body, "", tt.feedURL)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse = %v, %v; want %v", f, err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "feed: ") {
				t.Errorf("error %q lacks the package context", err)
			}
			for _, m := range tt.wantMsg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q lacks %q", err, m)
				}
			}
			if tt.wantLine > 0 {
				var se *SyntaxError
				if !errors.As(err, &se) || se.Line != tt.wantLine {
					t.Errorf("error %v: want line %d", err, tt.wantLine)
				}
			}
		})
	}
}

func TestHostileMarkup(t *testing.T) {
	f := parseTestdata(t, "fixtures/script.xml", "", "")
	checkClean(t, f)
	want := map[string]string{
		"welcome-1": "Hello & welcome",
		"double-1":  "First paragraph.\nSecond & last.",
		"styles-1":  "Line one\nLine two\n- first\n- second\nFee | Amount\nFiling | $100",
	}
	for _, it := range f.Items {
		if it.Text != want[it.Key] {
			t.Errorf("%s: text %q, want %q", it.Key, it.Text, want[it.Key])
		}
		for _, bad := range []string{"alert", "color:red", "hidden comment", "enable js"} {
			if strings.Contains(it.Text, bad) {
				t.Errorf("%s: text keeps %q", it.Key, bad)
			}
		}
	}
}

func TestDates(t *testing.T) {
	f := parseTestdata(t, "fixtures/dates.xml", "", "")
	tests := map[string]struct {
		hasDate, dateOnly bool
		want              string // RFC 3339 in UTC, or a day for date-only items
	}{
		"d1":  {true, true, "2025-08-04"},
		"d2":  {true, true, "2025-08-04"},
		"d3":  {true, true, "2025-08-04"},
		"d4":  {true, true, "2025-08-04"},
		"d5":  {true, false, "2025-08-04T14:30:00Z"}, // no zone: read as UTC
		"d6":  {true, false, "2025-08-04T14:30:00Z"}, // EDT is -04:00, not a zero offset
		"d7":  {true, true, "2025-08-04"},            // 00:00:00 +0200 is how a bare date gets written
		"d8":  {true, true, "2025-08-04"},
		"d9":  {false, false, ""},
		"d10": {false, false, ""},
		"d11": {true, false, "2025-08-04T06:15:00Z"},
	}
	if len(f.Items) != len(tests) {
		t.Fatalf("got %d items", len(f.Items))
	}
	if f.DatesInferred {
		t.Error("DatesInferred on mixed times")
	}
	for _, it := range f.Items {
		t.Run(it.Title, func(t *testing.T) {
			tt := tests[it.Key]
			got := ""
			switch {
			case it.DateOnly:
				got = it.Day()
			case it.HasDate:
				got = it.Published.UTC().Format(time.RFC3339)
			}
			if it.HasDate != tt.hasDate || it.DateOnly != tt.dateOnly || got != tt.want {
				t.Errorf("raw %q: HasDate %v DateOnly %v date %q; want %v %v %q", it.DateRaw, it.HasDate, it.DateOnly, got, tt.hasDate, tt.dateOnly, tt.want)
			}
			if !it.HasDate && !it.Published.IsZero() {
				t.Errorf("undated item has Published %v", it.Published)
			}
		})
	}
}

func TestInferDateOnly(t *testing.T) {
	at := func(s string) Entry {
		ts, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return Entry{Published: ts.UTC(), HasDate: true}
	}
	tests := []struct {
		name     string
		times    []string
		want     bool
		wantDays []string
	}{
		{"same clock on two days", []string{"2025-08-04T04:00:00Z", "2025-08-04T04:00:00Z", "2025-08-01T04:00:00Z"}, true, []string{"2025-08-04", "2025-08-04", "2025-08-01"}},
		{"midnight in central Europe", []string{"2025-08-03T22:00:00Z", "2025-08-02T22:00:00Z", "2025-08-01T22:00:00Z"}, true, []string{"2025-08-04", "2025-08-03", "2025-08-02"}},
		{"two items are not enough", []string{"2025-08-04T04:00:00Z", "2025-08-01T04:00:00Z"}, false, nil},
		{"one day is a batch, not a placeholder", []string{"2025-08-04T14:00:00Z", "2025-08-04T14:00:00Z", "2025-08-04T14:00:00Z"}, false, nil},
		{"different clocks", []string{"2025-08-04T04:00:00Z", "2025-08-03T04:00:00Z", "2025-08-01T04:00:01Z"}, false, nil},
		{"odd minutes", []string{"2025-08-04T04:07:00Z", "2025-08-03T04:07:00Z", "2025-08-01T04:07:00Z"}, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var items []Entry
			for _, s := range tt.times {
				items = append(items, at(s))
			}
			if got := inferDateOnly(items); got != tt.want {
				t.Fatalf("inferDateOnly = %v, want %v", got, tt.want)
			}
			for i, it := range items {
				if it.DateOnly != tt.want {
					t.Errorf("item %d DateOnly = %v", i, it.DateOnly)
				}
				if tt.want && it.Day() != tt.wantDays[i] {
					t.Errorf("item %d Day = %q, want %q", i, it.Day(), tt.wantDays[i])
				}
			}
		})
	}
}

func TestGolden(t *testing.T) {
	f := parseTestdata(t, "feeds/sec-pressreleases.rss", "application/rss+xml; charset=utf-8", "https://www.sec.gov/news/pressreleases.rss")
	got, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "golden", "sec-pressreleases.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGolden -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("normalised items differ from %s; review the change and rerun with -update\ngot:\n%s", path, got)
	}
}

func BenchmarkParseFederalRegister(b *testing.B) {
	body := readTestdata(b, frFeed)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := Parse(body, "application/rss+xml", "https://www.federalregister.gov/api/v1/documents.rss")
		if err != nil || len(f.Items) != 200 {
			b.Fatalf("%v, %d items", err, len(f.Items))
		}
	}
}

// A regulator's feed whose items have no guid and all link to its news page:
// each item is kept, with an alternative key of its own that does not depend
// on where it stands in the feed (the checker chooses between the keys; see
// sources.TestItemsSharingALink).
func TestItemsSharingALink(t *testing.T) {
	rss := func(titles ...string) []byte {
		var b strings.Builder
		b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Regulator news</title><link>https://www.example.gov/news</link>`)
		for _, title := range titles {
			fmt.Fprintf(&b, `<item><title>%s</title><link>https://www.example.gov/news</link><pubDate>Mon, %02d Aug 2025 09:00:00 +0000</pubDate><description>%s.</description></item>`,
				title, len(title)%28+1, title)
		}
		b.WriteString(`</channel></rss>`)
		return []byte(b.String())
	}
	before, err := Parse(rss("Guidance on cookie banners", "Fine for unlawful tracking", "Fine for unlawful tracking", "Consultation on age checks"), "application/rss+xml", "https://www.example.gov/feed")
	if err != nil {
		t.Fatal(err)
	}
	after, err := Parse(rss("New rules for dark patterns", "Guidance on cookie banners", "Fine for unlawful tracking", "Consultation on age checks"), "application/rss+xml", "https://www.example.gov/feed")
	if err != nil {
		t.Fatal(err)
	}
	if len(before.Items) != 3 || before.Duplicates != 1 || len(after.Items) != 4 || after.Duplicates != 0 {
		t.Fatalf("%d then %d items (%d, %d duplicates)", len(before.Items), len(after.Items), before.Duplicates, after.Duplicates)
	}
	alt := map[string]string{}
	for _, it := range before.Items {
		if !it.SharedKey || it.Key != "https://www.example.gov/news" || !strings.HasPrefix(it.AltKey, it.Key+"#item-") {
			t.Errorf("%q: key %q, alt %q, shared %v", it.Title, it.Key, it.AltKey, it.SharedKey)
		}
		alt[it.AltKey] = it.Title
	}
	for _, it := range after.Items[1:] {
		if alt[it.AltKey] != it.Title {
			t.Errorf("%q moved down and changed its alternative key to %q", it.Title, it.AltKey)
		}
	}
	if _, taken := alt[after.Items[0].AltKey]; taken {
		t.Errorf("the new item took the key of %q", alt[after.Items[0].AltKey])
	}
}
