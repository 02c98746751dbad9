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
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
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
}

// Decode converts body to UTF-8 using the Content-Type header, a byte order
// mark or a <meta charset>, in that order of trust. Without a header or a
// mark, a body that is valid UTF-8 is taken as UTF-8: the <meta> may come
// after the first 1,024 bytes, where the standard prescan stops and guesses
// windows-1252, and a body in a single-byte charset with any accent in it
// is almost never valid UTF-8.
func Decode(body []byte, contentType string) ([]byte, error) {
	// Only the guess, not a declared charset: a 7-bit one (ISO-2022-JP) is
	// valid UTF-8 too.
	if _, name, certain := charset.DetermineEncoding(body, contentType); !certain && name == "windows-1252" && utf8.Valid(body) {
		return body, nil
	}
	r, err := charset.NewReader(bytes.NewReader(body), contentType)
	if err != nil {
		return nil, &Error{Kind: KindParse, Msg: fmt.Sprintf("unknown character set: %v", err)}
	}
	var buf bytes.Buffer
	buf.Grow(len(body))
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, &Error{Kind: KindParse, Msg: fmt.Sprintf("decoding the character set: %v", err)}
	}
	return buf.Bytes(), nil
}

// Extract returns the document's text from an HTML body.
func (x *Extractor) Extract(body []byte, contentType string) (*Page, error) {
	utf8Body, err := Decode(body, contentType)
	if err != nil {
		return nil, err
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(utf8Body))
	if err != nil {
		return nil, &Error{Kind: KindParse, Msg: fmt.Sprintf("unreadable HTML: %v", err)}
	}
	title := collapse(doc.Find("title").First().Text())
	doc.Find(neverText).Remove()

	if reason := blockedByTitle(title); reason != "" {
		return nil, &Error{Kind: KindBlocked, Msg: reason}
	}
	// Block and challenge pages say little. A page with plenty of text is
	// the site itself, even with a bot-protection script or a captcha form
	// somewhere in it (Cloudflare injects one into ordinary pages): when
	// the selector misses there, the layout changed.
	talkative := !hasFewerWords(doc.Find("body").Text(), 150)
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
	var w textWriter
	for _, n := range matches {
		w.block(n, 0)
		w.flush()
	}
	text := w.String()
	if hasFewerWords(text, 50) {
		if reason := blocked(); reason != "" {
			return nil, &Error{Kind: KindBlocked, Msg: reason}
		}
	}
	if text == "" {
		return nil, &Error{Kind: KindEmpty, Msg: fmt.Sprintf("selector %s matched %d element(s) without any text", quoteList(x.rules.Select), len(matches))}
	}
	return &Page{Title: title, Text: text}, nil
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

// hasFewerWords reports whether text has fewer than n space-separated words,
// without splitting all of a long text.
func hasFewerWords(text string, n int) bool {
	words, in := 0, false
	for i := 0; i < len(text); i++ {
		sp := text[i] == ' ' || text[i] == '\n'
		if !sp && !in {
			if words++; words >= n {
				return false
			}
		}
		in = !sp
	}
	return true
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

// textWriter renders nodes as lines of text.
type textWriter struct {
	out    strings.Builder
	line   strings.Builder
	prefix string
}

func (w *textWriter) String() string { return strings.TrimRight(w.out.String(), "\n") }

// flush ends the current line, if it holds any text.
func (w *textWriter) flush() {
	text := collapse(w.line.String())
	w.line.Reset()
	if text == "" {
		return
	}
	w.out.WriteString(w.prefix)
	w.out.WriteString(text)
	w.out.WriteByte('\n')
	w.prefix = ""
}

func (w *textWriter) block(n *html.Node, depth int) {
	switch n.Type {
	case html.TextNode:
		w.line.WriteString(n.Data)
		return
	case html.ElementNode, html.DocumentNode:
	default:
		return
	}
	switch n.DataAtom {
	case atom.Br, atom.Hr:
		w.flush()
		return
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		w.flush()
		level := int(n.Data[1] - '0')
		w.prefix = strings.Repeat("#", level) + " "
		w.children(n, depth)
		w.flush()
		w.prefix = ""
		return
	case atom.Ul, atom.Ol:
		w.flush()
		w.list(n, depth+1)
		return
	case atom.Tr:
		w.flush()
		w.row(n)
		return
	case atom.Pre:
		w.flush()
		for _, l := range strings.Split(nodeText(n), "\n") {
			w.line.WriteString(l)
			w.flush()
		}
		return
	}
	if isBlock(n.DataAtom) {
		w.flush()
		w.children(n, depth)
		w.flush()
		return
	}
	w.children(n, depth)
}

func (w *textWriter) children(n *html.Node, depth int) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.block(c, depth)
	}
}

func (w *textWriter) list(n *html.Node, depth int) {
	ordered := n.DataAtom == atom.Ol
	num := 1
	if s, err := strconv.Atoi(attr(n, "start")); err == nil && ordered {
		num = s
	}
	indent := strings.Repeat("  ", depth-1)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode || c.DataAtom != atom.Li {
			w.block(c, depth)
			continue
		}
		if v, err := strconv.Atoi(attr(c, "value")); err == nil && ordered {
			num = v
		}
		w.flush()
		if ordered {
			w.prefix = indent + strconv.Itoa(num) + ". "
			num++
		} else {
			w.prefix = indent + "- "
		}
		w.children(c, depth)
		w.flush()
		w.prefix = ""
	}
}

func (w *textWriter) row(tr *html.Node) {
	var cells []string
	for c := tr.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (c.DataAtom == atom.Td || c.DataAtom == atom.Th) {
			cells = append(cells, collapse(nodeText(c)))
		}
	}
	for len(cells) > 0 && cells[len(cells)-1] == "" {
		cells = cells[:len(cells)-1]
	}
	if len(cells) > 0 {
		w.line.WriteString(strings.Join(cells, " | "))
		w.flush()
	}
}

// nodeText is the text under n, with block boundaries as spaces or newlines.
func nodeText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			return
		}
		if n.Type == html.ElementNode && (n.DataAtom == atom.Br || isBlock(n.DataAtom)) {
			b.WriteString("\n")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if n.Type == html.ElementNode && isBlock(n.DataAtom) {
			b.WriteString("\n")
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c)
	}
	return b.String()
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Body, atom.Caption, atom.Center,
		atom.Dd, atom.Details, atom.Dialog, atom.Div, atom.Dl, atom.Dt, atom.Fieldset, atom.Figcaption,
		atom.Figure, atom.Footer, atom.Form, atom.Header, atom.Hgroup, atom.Html, atom.Legend, atom.Li,
		atom.Main, atom.Menu, atom.Nav, atom.Ol, atom.P, atom.Section, atom.Summary, atom.Table,
		atom.Tbody, atom.Thead, atom.Tfoot, atom.Tr, atom.Td, atom.Th, atom.Ul, atom.Pre,
		atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		return true
	}
	return false
}
