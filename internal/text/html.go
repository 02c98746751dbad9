package text

import (
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Style says how HTML structure is written in text.
type Style struct {
	// Headings writes a heading as "# Title", one '#' per level.
	Headings bool
	// Numbers writes the items of an ordered list as "1. ", nested items
	// indented; without it every item is "- ".
	Numbers bool
}

// Document is the style of a document's versions: headings marked, lists
// numbered and nested, so that a diff reads like the document.
var Document = Style{Headings: true, Numbers: true}

// Plain is the style of feed items: paragraphs and "- " list items only.
var Plain = Style{}

// FromNodes writes the text of HTML nodes, one block per line:
//
//	# Heading            headings (Style.Headings)
//	Paragraph text.
//	- list item          ordered lists as "1. " (Style.Numbers)
//	cell | cell | cell   table rows
//
// Scripts, styles, forms and the like are never text and are skipped. Lines
// are normalised with Collapse and empty ones dropped.
func FromNodes(nodes []*html.Node, st Style) string {
	w := writer{style: st}
	for _, n := range nodes {
		w.block(n, 0)
		w.flush()
	}
	return strings.TrimRight(w.out.String(), "\n")
}

// FromHTML parses an HTML fragment, however broken, and writes its text
// as FromNodes does.
func FromHTML(fragment string, st Style) string {
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(fragment), body)
	if err != nil { // only a failing reader, which a string is not
		return Normalize(fragment)
	}
	for _, n := range nodes {
		body.AppendChild(n)
	}
	return FromNodes([]*html.Node{body}, st)
}

// skipped elements hold nothing a reader sees as text.
var skipped = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true, atom.Svg: true,
	atom.Math: true, atom.Canvas: true, atom.Iframe: true, atom.Object: true, atom.Embed: true,
	atom.Video: true, atom.Audio: true, atom.Button: true, atom.Select: true, atom.Textarea: true,
	atom.Input: true, atom.Link: true, atom.Meta: true, atom.Title: true, atom.Head: true,
}

// writer renders nodes as lines of text.
type writer struct {
	style  Style
	out    strings.Builder
	line   strings.Builder
	prefix string
}

// flush ends the current line, if it holds any text.
func (w *writer) flush() {
	text := Collapse(w.line.String())
	w.line.Reset()
	if text == "" {
		return
	}
	w.out.WriteString(w.prefix)
	w.out.WriteString(text)
	w.out.WriteByte('\n')
	w.prefix = ""
}

func (w *writer) block(n *html.Node, depth int) {
	switch n.Type {
	case html.TextNode:
		w.line.WriteString(n.Data)
		return
	case html.ElementNode, html.DocumentNode:
	default:
		return
	}
	if skipped[n.DataAtom] {
		return
	}
	switch n.DataAtom {
	case atom.Br, atom.Hr:
		w.flush()
		return
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		w.flush()
		if w.style.Headings {
			w.prefix = strings.Repeat("#", int(n.Data[1]-'0')) + " "
		}
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

func (w *writer) children(n *html.Node, depth int) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.block(c, depth)
	}
}

func (w *writer) list(n *html.Node, depth int) {
	ordered := n.DataAtom == atom.Ol && w.style.Numbers
	num := 1
	if s, err := strconv.Atoi(attr(n, "start")); err == nil && ordered {
		num = s
	}
	indent := ""
	if w.style.Numbers {
		indent = strings.Repeat("  ", depth-1)
	}
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

func (w *writer) row(tr *html.Node) {
	var cells []string
	for c := tr.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (c.DataAtom == atom.Td || c.DataAtom == atom.Th) {
			cells = append(cells, Collapse(nodeText(c)))
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

// nodeText is the text under n, with block boundaries as line breaks.
func nodeText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			return
		}
		if n.Type == html.ElementNode && skipped[n.DataAtom] {
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
