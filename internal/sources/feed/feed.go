// Package feed turns the body of a fetched RSS, Atom, RDF or JSON feed into
// normalised items: plain UTF-8 text, a stable key per item, an honest date
// and a content hash.
//
// It is pure: fetching (timeouts, size caps, conditional GET) and storage
// belong to other packages. Parsing itself is done by gofeed; this package
// adds what a tracker needs on top of it: charset repair, markup stripping
// that survives double-escaped entities, keys that ignore tracking
// parameters, date-only detection and errors an operator can act on.
package feed

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"net/url"
	"slices"
	"strings"
	"time"
	"tracker/internal/text"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	nethtml "golang.org/x/net/html"
)

// Entry is one normalised feed entry.
type Entry struct {
	// Key identifies the item across fetches of the same feed: see Key.
	Key string `json:"key"`
	// AltKey, for an item without a guid, is its link with its title
	// (Sig): the key that tells it from other items linking to the same
	// page (an item with a guid has the same alternative, AltKeyOf).
	// SharedKey says whether another item of this fetch has the same Key.
	AltKey    string `json:"alt_key,omitempty"`
	Sig       string `json:"-"`
	SharedKey bool   `json:"shared_key,omitempty"`
	// GUID is the item's guid (RSS) or id (Atom, JSON Feed), trimmed.
	GUID string `json:"guid,omitempty"`
	// Link is the absolute item URL with tracking parameters removed.
	Link string `json:"link,omitempty"`
	// Title is plain text on one line.
	Title string `json:"title"`
	// Text is plain text, one paragraph per line, no markup.
	Text string `json:"text,omitempty"`
	// Author is the item's author names joined by "; " (for the Federal
	// Register this is the agency from dc:creator).
	Author     string   `json:"author,omitempty"`
	Categories []string `json:"categories,omitempty"`
	// Published is the published (else updated) time. When DateOnly is set
	// it is the calendar date at 00:00 UTC and must be shown as a date
	// (Day), never converted to another time zone.
	Published time.Time `json:"published"`
	HasDate   bool      `json:"has_date"`
	DateOnly  bool      `json:"date_only"`
	// DateRaw is the date exactly as the feed wrote it, kept as evidence.
	DateRaw string `json:"date_raw,omitempty"`
	// Hash is a hex SHA-256 over the normalised title, link and text, so a
	// caller can tell that an item changed under the same key.
	Hash string `json:"hash"`
}

// Day returns the item's date as YYYY-MM-DD, or "" when it has none. For a
// date-only item this is the date the feed gave, whatever the reader's zone;
// for a timed item it is the UTC date.
func (it Entry) Day() string {
	if !it.HasDate {
		return ""
	}
	return it.Published.UTC().Format(time.DateOnly)
}

// Feed is a parsed feed.
type Feed struct {
	Title string `json:"title"`
	Link  string `json:"link,omitempty"`
	// Format is the detected format and version, e.g. "rss 2.0", "rss 1.0"
	// (RDF), "atom 1.0", "json 1.1".
	Format string  `json:"format"`
	Items  []Entry `json:"items"`
	// Skipped counts items dropped because they had no title, no link and
	// no text: there is nothing in them to show anyone.
	Skipped int `json:"skipped"`
	// Duplicates counts items dropped because an earlier item of the same
	// feed had the same key and title: the same item listed twice.
	Duplicates int `json:"duplicates"`
	// SharedGUIDs counts the items kept apart although another item of the
	// feed has the same guid (a feed that reuses ids): the caller should
	// tell the operator.
	SharedGUIDs int `json:"shared_guids,omitempty"`
	// DatesInferred is set when every dated item carried the same clock time
	// across several days, so the times were read as a placeholder for the
	// publication date and the items were made date-only (see Parse).
	DatesInferred bool `json:"dates_inferred"`
}

// Sentinel errors, for errors.Is. The returned errors carry more detail.
var (
	// ErrEmpty: the body was empty or only whitespace.
	ErrEmpty = errors.New("empty body")
	// ErrNotFeed: the body is not a feed (an HTML page, a sitemap, ...).
	ErrNotFeed = errors.New("not a feed")
	// ErrMalformed: the body looks like a feed but does not parse, often
	// because it was truncated.
	ErrMalformed = errors.New("malformed feed")
)

// NotFeedError reports a body that is not a feed.
type NotFeedError struct {
	// HTML is set when the body is an HTML page (a login, captcha or error
	// page served with status 200, or the site's home page).
	HTML bool
	// Title is the HTML page's title, if any, or the start of the body.
	Title string
	// FeedLinks are feed URLs the HTML page advertises, if any.
	FeedLinks []string
}

func (e *NotFeedError) Error() string {
	if !e.HTML {
		return fmt.Sprintf("not a feed: unrecognised content (starts with %q); check that the source URL points at an RSS, Atom or JSON feed", e.Title)
	}
	msg := "not a feed: got an HTML page"
	if e.Title != "" {
		msg += fmt.Sprintf(" (%q)", e.Title)
	}
	if len(e.FeedLinks) > 0 {
		return msg + "; the page links to a feed at " + e.FeedLinks[0] + ": use that URL"
	}
	return msg + "; the site may be asking for a login or a captcha, or the URL is a web page rather than its feed"
}

// Is makes errors.Is(err, ErrNotFeed) true.
func (e *NotFeedError) Is(target error) bool { return target == ErrNotFeed }

// SyntaxError reports a feed that does not parse.
type SyntaxError struct {
	Format string // "xml" or "json"
	Line   int    // 1-based, 0 when unknown
	Err    error
}

func (e *SyntaxError) Error() string {
	where := ""
	if e.Line > 0 {
		where = fmt.Sprintf(" at line %d", e.Line)
	}
	msg := fmt.Sprintf("malformed %s feed%s: %v", e.Format, where, e.Err)
	if m := e.Err.Error(); strings.Contains(m, "unexpected EOF") || strings.Contains(m, "unexpected end of JSON input") {
		msg += " (the body looks truncated: the fetch may have been cut short)"
	}
	return msg
}

func (e *SyntaxError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrMalformed) true.
func (e *SyntaxError) Is(target error) bool { return target == ErrMalformed }

// Parse parses a feed body. contentType is the response's Content-Type
// header (its charset is used when the body is not valid UTF-8) and feedURL
// is the final URL after redirects (relative item links are resolved
// against it). Either may be empty.
//
// Items with no title, link or text are skipped and counted; items whose key
// repeats an earlier one are dropped and counted. A feed whose every dated
// item has the same clock time on at least two different days is taken to
// publish dates, not times (the Federal Register writes 04:00:00 GMT, which
// is midnight in Washington): those items become date-only, on the date in
// the zone where that clock reads midnight.
func Parse(body []byte, contentType, feedURL string) (*Feed, error) {
	if len(bytes.TrimSpace(bytes.TrimPrefix(body, utf8BOM))) == 0 {
		return nil, fmt.Errorf("feed: %w: the server sent no content; check the source URL", ErrEmpty)
	}
	body = toUTF8(body, contentType)

	base, _ := url.Parse(strings.TrimSpace(feedURL))
	p := gofeed.NewParser()
	p.KeepOriginalFeed = true
	gf, err := p.Parse(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("feed: %w", classify(err, body, base))
	}

	f := &Feed{
		Title:  titleText(gf.Title),
		Link:   resolve(base, gf.Link),
		Format: format(gf.FeedType, gf.FeedVersion),
		Items:  make([]Entry, 0, len(gf.Items)),
	}
	var entries []*atom.Entry
	if af, ok := gf.OriginalFeed().(*atom.Feed); ok && len(af.Entries) == len(gf.Items) {
		entries = af.Entries
	}
	var items []Entry
	for i, gi := range gf.Items {
		var entry *atom.Entry
		if entries != nil {
			entry = entries[i]
		}
		it := newEntry(gi, entry, base)
		if it.Title == "" && it.Link == "" && it.Text == "" {
			f.Skipped++
			continue
		}
		items = append(items, it)
	}
	// Distinct items without a guid may link to one page (a news index) and
	// so share a key. Each such item gets an alternative key, its link with
	// its title and date; which of the two it goes by depends on what is
	// already stored (the checker decides, see sources). The same item
	// listed twice stays one item.
	// Items with a guid are told apart by their titles the same way: one
	// guid given to different items is a feed's bug, and keeping only the
	// first would silently lose the others.
	sigs := map[string]map[string]bool{} // key → title and date signatures
	for i := range items {
		it := &items[i]
		if !strings.HasPrefix(it.Key, "hash:") {
			it.Sig = Sig(it.Title, it.DateRaw)
		}
		if strings.TrimSpace(it.GUID) == "" && it.Sig != "" {
			it.AltKey = it.Key + "#item-" + it.Sig
		}
		if sigs[it.Key] == nil {
			sigs[it.Key] = map[string]bool{}
		}
		sigs[it.Key][it.Sig] = true
	}
	seen := make(map[string]bool, len(items))
	for _, it := range items {
		it.SharedKey = len(sigs[it.Key]) > 1
		id := it.Key + "\x00" + it.Sig
		if seen[id] {
			f.Duplicates++
			continue
		}
		seen[id] = true
		if it.SharedKey && strings.TrimSpace(it.GUID) != "" {
			f.SharedGUIDs++
		}
		f.Items = append(f.Items, it)
	}
	f.DatesInferred = inferDateOnly(f.Items)
	return f, nil
}

// format names the feed format; JSON Feed versions are URLs.
func format(typ, version string) string {
	if i := strings.LastIndex(version, "/version/"); i >= 0 {
		version = version[i+len("/version/"):]
	}
	return strings.TrimSpace(typ + " " + version)
}

// classify turns a gofeed error into one of this package's errors.
func classify(err error, body []byte, base *url.URL) error {
	if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
		return notFeed(body, base)
	}
	var xe *xml.SyntaxError
	if errors.As(err, &xe) {
		return &SyntaxError{Format: "xml", Line: xe.Line, Err: errors.New(xe.Msg)}
	}
	var je *json.SyntaxError
	if errors.As(err, &je) {
		return &SyntaxError{Format: "json", Line: lineAt(body, je.Offset), Err: err}
	}
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		return &SyntaxError{Format: "json", Line: lineAt(body, ute.Offset), Err: err}
	}
	if strings.Contains(err.Error(), "unexpected end of JSON input") {
		return &SyntaxError{Format: "json", Line: lineAt(body, int64(len(body))), Err: errors.New("unexpected EOF")}
	}
	return &SyntaxError{Format: "feed", Err: err}
}

func lineAt(body []byte, offset int64) int {
	if offset <= 0 || offset > int64(len(body)) {
		return 0
	}
	return bytes.Count(body[:offset], []byte("\n")) + 1
}

func newEntry(gi *gofeed.Item, entry *atom.Entry, base *url.URL) Entry {
	it := Entry{
		GUID:  strings.TrimSpace(gi.GUID),
		Title: titleText(gi.Title),
	}

	link := strings.TrimSpace(gi.Link)
	if link == "" && len(gi.Links) > 0 {
		link = strings.TrimSpace(gi.Links[0])
	}
	// An RSS guid that is a URL is almost always the item's permalink;
	// feeds without <link> (OAIC) rely on that.
	if link == "" && (strings.HasPrefix(it.GUID, "http://") || strings.HasPrefix(it.GUID, "https://")) {
		link = it.GUID
	}
	it.Link = CleanLink(resolve(base, link))

	content := gi.Content
	if entry != nil && entry.Content != nil && !isHTMLContentType(entry.Content.Type) {
		// SEC EDGAR puts structured XML in <content type="text/xml">; the
		// human summary is the text to keep.
		content = ""
	}
	it.Text = htmlText(content)
	if it.Text == "" {
		it.Text = htmlText(gi.Description)
	}

	var names []string
	for _, a := range gi.Authors {
		if a == nil {
			continue
		}
		if n := text.Collapse(a.Name); n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	it.Author = strings.Join(names, "; ")

	cats := gi.Categories
	if entry != nil {
		// gofeed prefers an Atom category's label; the term is the category
		// itself (SEC labels every entry "form type" and puts "8-K" in term).
		cats = cats[:0:0]
		for _, c := range entry.Categories {
			if c.Term != "" {
				cats = append(cats, c.Term)
			} else {
				cats = append(cats, c.Label)
			}
		}
	}
	for _, c := range cats {
		if c = titleText(c); c != "" && !slices.Contains(it.Categories, c) {
			it.Categories = append(it.Categories, c)
		}
	}

	raw, parsed := gi.Published, gi.PublishedParsed
	if strings.TrimSpace(raw) == "" && parsed == nil {
		raw, parsed = gi.Updated, gi.UpdatedParsed
	}
	it.DateRaw = text.Collapse(raw)
	it.Published, it.DateOnly, it.HasDate = parseDate(it.DateRaw, parsed)

	it.Key = Key(it)
	it.Hash = contentHash(it)
	return it
}

func isHTMLContentType(t string) bool {
	switch strings.ToLower(strings.TrimSpace(t)) {
	case "", "text", "html", "xhtml", "text/html", "text/plain", "application/xhtml+xml":
		return true
	}
	return false
}

// resolve makes ref absolute against base when it is relative.
func resolve(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" || base == nil || !base.IsAbs() {
		return ref
	}
	u, err := url.Parse(ref)
	if err != nil || u.IsAbs() {
		return ref
	}
	return base.ResolveReference(u).String()
}

// Key returns the item's stable key: its GUID; else its link with tracking
// parameters removed (CleanLink); else "hash:" and a hash of its title and
// raw date. Keys are unique within one feed, not across feeds.
func Key(it Entry) string {
	if g := strings.TrimSpace(it.GUID); g != "" {
		return g
	}
	if l := CleanLink(it.Link); l != "" {
		return l
	}
	// The raw date rather than the parsed one, so that improving date
	// parsing never changes a stored key.
	sum := sha256.Sum256([]byte(text.Collapse(it.Title) + "\n" + text.Collapse(it.DateRaw)))
	return "hash:" + hex.EncodeToString(sum[:16])
}

// AltKeyOf is the key that tells an item from others of the feed with the
// same Key: its Key with its title's Sig.
func AltKeyOf(it Entry) string {
	if it.AltKey != "" || it.Sig == "" {
		return it.AltKey
	}
	return it.Key + "#item-" + it.Sig
}

// Sig is a short hash of an item's title: what tells two items apart when
// they link to the same page. Not its date, which feeds revise (and which
// the content hash leaves out, so the stored one can be stale).
func Sig(title, _ string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(text.Collapse(title))))
	return hex.EncodeToString(sum[:8])
}

func contentHash(it Entry) string {
	sum := sha256.Sum256([]byte(it.Title + "\n" + it.Link + "\n" + it.Text))
	return hex.EncodeToString(sum[:])
}

// notFeed describes a body that gofeed could not recognise.
func notFeed(body []byte, base *url.URL) error {
	head := body[:min(len(body), 4096)]
	lower := bytes.ToLower(head)
	if !bytes.Contains(lower, []byte("<html")) && !bytes.Contains(lower, []byte("<!doctype html")) &&
		!bytes.Contains(lower, []byte("<head")) && !bytes.Contains(lower, []byte("<body")) {
		start := text.Collapse(strings.ToValidUTF8(string(body[:min(len(body), 60)]), "\uFFFD"))
		return &NotFeedError{Title: start}
	}
	e := &NotFeedError{HTML: true}
	z := nethtml.NewTokenizer(bytes.NewReader(body))
	for {
		tt := z.Next()
		if tt == nethtml.ErrorToken {
			break
		}
		if tt != nethtml.StartTagToken && tt != nethtml.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		switch string(name) {
		case "title":
			if e.Title == "" && z.Next() == nethtml.TextToken {
				e.Title = text.Summary(html.UnescapeString(string(z.Text())), 100)
			}
		case "link":
			// <link rel="alternate" type="application/rss+xml" href="...">
			var rel, typ, href string
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch string(k) {
				case "rel":
					rel = strings.ToLower(string(v))
				case "type":
					typ = strings.ToLower(string(v))
				case "href":
					href = string(v)
				}
			}
			if rel == "alternate" && href != "" && (strings.Contains(typ, "rss") || strings.Contains(typ, "atom") || strings.Contains(typ, "feed+json")) {
				e.FeedLinks = append(e.FeedLinks, resolve(base, href))
			}
		case "body":
			return e // feed links and the title live in the head
		}
	}
	return e
}
