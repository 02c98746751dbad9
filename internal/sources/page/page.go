// Package page extracts the legally relevant text of an HTML page.
//
// The extractor removes what is never text (scripts, styles, forms), then the
// source's remove selectors, keeps what its select selectors match, and
// writes the text one block per line, so diffs read like the document:
//
//	# Heading            headings, one '#' per level
//	Paragraph text.
//	- list item          ordered lists as "1. ", nested items indented
//	cell | cell | cell   table rows
//
// A selector that matches nothing, a block or challenge page and an empty
// selection are errors: none of them may ever become a version.
package page

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"

	"tracker/internal/text"
)

// Error kinds.
const (
	KindSelector = "selector" // the select selectors matched nothing
	KindBlocked  = "blocked"  // a bot block, captcha or access-denied page
	KindEmpty    = "empty"    // the selection holds no text
	KindParse    = "parse"    // the body is not readable HTML
)

// Error is a page that yielded no text.
type Error struct {
	Kind string
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// Rules say what part of a page is the document.
type Rules struct {
	Select []string
	Remove []string
	// Rendered says the pages are rendered in a browser: scripts ran, so a
	// selector that matches nothing is no longer explained by them.
	Rendered bool
}

// Extractor applies compiled rules. It is safe for concurrent use.
type Extractor struct {
	rules  Rules
	sel    cascadia.Selector
	remove []cascadia.Selector
}

// Compile checks and compiles rules.
func Compile(r Rules) (*Extractor, error) {
	if len(r.Select) == 0 {
		return nil, errors.New("page: no select selector")
	}
	x := &Extractor{rules: r}
	sel, err := cascadia.Compile(strings.Join(r.Select, ", "))
	if err != nil {
		return nil, fmt.Errorf("page: select %s: %w", quoteList(r.Select), err)
	}
	x.sel = sel
	for _, s := range r.Remove {
		g, err := cascadia.Compile(s)
		if err != nil {
			return nil, fmt.Errorf("page: remove %q: %w", s, err)
		}
		x.remove = append(x.remove, g)
	}
	return x, nil
}

// Page is what was extracted from an HTML document.
type Page struct {
	Title string
	Text  string
	// Notice says how a wrong declared charset was set right ("" when
	// nothing was wrong).
	Notice string
	// Suspect says why a page with too much text to be refused by itself
	// still reads like an error, block or login page (nil when it does
	// not): the caller, knowing the document, refuses it if it lost most
	// of the document's words.
	Suspect *Error
}

// Decode converts body to UTF-8 using the Content-Type header, a byte order
// mark or a <meta charset>, in that order of trust, unless the bytes say the
// declaration is wrong (see DecodeNote).
func Decode(body []byte, contentType string) ([]byte, error) {
	out, _, err := DecodeNote(body, contentType)
	return out, err
}

// DecodeNote is Decode, saying how a wrong declaration was set right ("" when
// none was). Without a header or a mark, a body that is valid UTF-8 is taken
// as UTF-8: the <meta> may come after the first 1,024 bytes, where the
// standard prescan stops and guesses windows-1252. Whatever is declared, a
// body in a single-byte charset with any accent in it is almost never valid
// UTF-8, so a valid UTF-8 body with accents is UTF-8; and a body declared
// UTF-8 whose every accent is invalid UTF-8 is windows-1252. A few stray
// bytes in a UTF-8 page read as U+FFFD, and are counted.
func DecodeNote(body []byte, contentType string) ([]byte, string, error) {
	how, note := reading(body, contentType)
	switch how {
	case asWindows1252:
		r := transform.NewReader(bytes.NewReader(body), charmap.Windows1252.NewDecoder())
		out, err := io.ReadAll(r)
		if err != nil {
			return nil, "", &Error{Kind: KindParse, Msg: fmt.Sprintf("decoding the character set: %v", err)}
		}
		return out, note, nil
	case asValidUTF8:
		return []byte(strings.ToValidUTF8(string(body), "\uFFFD")), note, nil
	case asIs:
		return body, note, nil
	}
	r, err := charset.NewReader(bytes.NewReader(body), contentType)
	if err != nil {
		return nil, "", &Error{Kind: KindParse, Msg: fmt.Sprintf("unknown character set: %v", err)}
	}
	var buf bytes.Buffer
	buf.Grow(len(body))
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, "", &Error{Kind: KindParse, Msg: fmt.Sprintf("decoding the character set: %v", err)}
	}
	return buf.Bytes(), "", nil
}

// CharsetNote is the notice DecodeNote gives body, without decoding it:
// what a body confirmed unread still says.
func CharsetNote(body []byte, contentType string) string {
	_, note := reading(body, contentType)
	return note
}

// How DecodeNote reads a body.
type readAs int

const (
	asDeclared    readAs = iota // the declared or detected charset
	asIs                        // UTF-8 as it is
	asValidUTF8                 // UTF-8, its stray bytes as U+FFFD
	asWindows1252               // windows-1252, whatever is declared
)

// reading decides how DecodeNote reads body, and the notice it gives.
func reading(body []byte, contentType string) (readAs, string) {
	_, name, certain := charset.DetermineEncoding(body, contentType)
	valid := utf8.Valid(body)
	switch {
	case name == "utf-8" && !valid:
		bad, good := utf8Census(body)
		if good == 0 {
			return asWindows1252, fmt.Sprintf("the page declares charset %s but is written in windows-1252: tracker reads it as windows-1252", declared(body, contentType, "UTF-8"))
		}
		if bad == 1 {
			return asValidUTF8, "the page is in UTF-8 but holds 1 byte that is not UTF-8: it reads as \uFFFD"
		}
		return asValidUTF8, fmt.Sprintf("the page is in UTF-8 but holds %d bytes that are not UTF-8: they read as \uFFFD", bad)
	case name != "utf-8" && valid && highBit(body):
		if certain || name != "windows-1252" || declared(body, contentType, "") != "" {
			return asIs, fmt.Sprintf("the page declares charset %s but is written in UTF-8: tracker reads it as UTF-8", declared(body, contentType, name))
		}
		return asIs, "" // windows-1252 was the standard's guess
	case !certain && name == "windows-1252" && valid:
		return asIs, ""
	}
	return asDeclared, ""
}

// declared is the charset the page declares, as written: in the
// Content-Type header, else in a <meta> of its head; def when neither.
func declared(body []byte, contentType, def string) string {
	if _, params, err := mime.ParseMediaType(contentType); err == nil && params["charset"] != "" {
		return params["charset"]
	}
	head := body[:min(len(body), 4096)]
	if m := metaCharset.FindSubmatch(head); m != nil {
		return string(m[1])
	}
	return def
}

var metaCharset = regexp.MustCompile(`(?i)<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9._:-]+)`)

func highBit(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// utf8Census counts the bytes of b that are not UTF-8 and the multi-byte
// characters that are.
func utf8Census(b []byte) (bad, good int) {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && n == 1:
			bad++
		case n > 1:
			good++
		}
		b = b[n:]
	}
	return bad, good
}

// Extract returns the document's text from an HTML body.
func (x *Extractor) Extract(body []byte, contentType string) (*Page, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, &Error{Kind: KindEmpty, Msg: "the page is empty: the server answered without any content (it may be restarting or overloaded); tracker retries at the next check"}
	}
	utf8Body, note, err := DecodeNote(body, contentType)
	if err != nil {
		return nil, err
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(utf8Body))
	if err != nil {
		return nil, &Error{Kind: KindParse, Msg: fmt.Sprintf("unreadable HTML: %v", err)}
	}
	title := text.Collapse(doc.Find("title").First().Text())
	self := lookOf(doc)
	doc.Find(neverText).Remove()

	if reason := blockedByTitle(title); reason != "" {
		return nil, &Error{Kind: KindBlocked, Msg: reason}
	}
	// Block and challenge pages say little. A page with plenty of text is
	// the site itself, even with a bot-protection script or a captcha form
	// somewhere in it (Cloudflare injects one into ordinary pages): when
	// the selector misses there, the layout changed.
	talkative := !text.FewerWords(doc.Find("body").Text(), 150)
	blocked := func() string {
		if talkative {
			return ""
		}
		return blockedByContent(utf8Body)
	}
	for _, g := range x.remove {
		doc.FindMatcher(g).Remove()
	}
	matches := outermost(doc.FindMatcher(x.sel).Nodes)
	if len(matches) == 0 {
		if reason := blocked(); reason != "" {
			return nil, &Error{Kind: KindBlocked, Msg: reason}
		}
		msg := fmt.Sprintf("selector %s matched nothing", quoteList(x.rules.Select))
		if title != "" {
			msg += fmt.Sprintf(" on the page titled %q", title)
		}
		switch {
		case x.rules.Rendered:
			msg += " after rendering it in a browser; the page layout may have changed: check the selector against the page as a browser shows it"
		case jsShell(doc, utf8Body):
			msg += "; the page looks like a JavaScript application whose text is rendered by scripts: it may need `render: browser`"
		default:
			msg += "; the page layout may have changed: check the selector"
		}
		msg += hint(locate(doc))
		return nil, &Error{Kind: KindSelector, Msg: msg}
	}
	out := text.FromNodes(matches, text.Document)
	if text.FewerWords(out, 50) {
		if reason := blocked(); reason != "" {
			return nil, &Error{Kind: KindBlocked, Msg: reason}
		}
	}
	if out == "" {
		return nil, &Error{Kind: KindEmpty, Msg: fmt.Sprintf("selector %s matched %d element(s) without any text", quoteList(x.rules.Select), len(matches))}
	}
	sus := suspect(self, matches, out, utf8Body, title, talkative)
	if sus != nil && text.FewerWords(out, fewWords) {
		return nil, sus
	}
	return &Page{Title: title, Text: out, Notice: note, Suspect: sus}, nil
}

// neverText is removed before anything else: none of it is document text.
const neverText = "script, style, noscript, template, svg, math, canvas, iframe, object, embed, video, audio, " +
	"button, select, textarea, input, link, meta"

func quoteList(sels []string) string {
	q := make([]string, len(sels))
	for i, s := range sels {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// outermost drops the nodes nested in another matched node, so text is never
// taken twice.
func outermost(nodes []*html.Node) []*html.Node {
	in := make(map[*html.Node]bool, len(nodes))
	for _, n := range nodes {
		in[n] = true
	}
	out := nodes[:0:0]
	for _, n := range nodes {
		nested := false
		for p := n.Parent; p != nil; p = p.Parent {
			if in[p] {
				nested = true
				break
			}
		}
		if !nested {
			out = append(out, n)
		}
	}
	return out
}

// jsShell reports whether a page is an empty shell filled in by scripts.
func jsShell(doc *goquery.Document, raw []byte) bool {
	words := len(strings.Fields(doc.Find("body").Text()))
	if words > 150 {
		return false
	}
	lower := bytes.ToLower(raw)
	for _, m := range []string{`id="root"`, `id="app"`, `id="__next"`, "__next_data__", "__nuxt__", "window.__init", "sigi_state", "__universal_data_for_rehydration__", "data-reactroot", "ng-version"} {
		if bytes.Contains(lower, []byte(m)) {
			return true
		}
	}
	return bytes.Count(lower, []byte("<script")) >= 3
}
