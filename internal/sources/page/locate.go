package page

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"tracker/internal/text"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Holder is an element of a page that holds much of its visible text, named
// by a CSS selector that would select it.
type Holder struct {
	Selector string
	// Words is what the selector would extract: the words of every element
	// it matches.
	Words int
	// Elements is how many elements the selector matches.
	Elements int
}

func (h Holder) String() string {
	s := fmt.Sprintf("%s holds %s words", h.Selector, thousands(h.Words))
	if h.Elements > 1 {
		s += fmt.Sprintf(" (%d elements)", h.Elements)
	}
	return s
}

// Located says where the visible text of a page is.
type Located struct {
	// Title is the page's title.
	Title string
	// Words is the page's visible words, after the remove rules.
	Words int
	// Holders are the elements holding most of those words, outermost
	// first; none when the page has almost no text.
	Holders []Holder
}

// Locate tells where the text of an HTML page is, after x's remove rules,
// whether or not x's selectors match: what an operator needs to write them.
func (x *Extractor) Locate(body []byte, contentType string) (*Located, error) {
	utf8Body, err := Decode(body, contentType)
	if err != nil {
		return nil, err
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(utf8Body))
	if err != nil {
		return nil, &Error{Kind: KindParse, Msg: fmt.Sprintf("unreadable HTML: %v", err)}
	}
	title := text.Collapse(doc.Find("title").First().Text())
	doc.Find(neverText).Remove()
	for _, g := range x.remove {
		doc.FindMatcher(g).Remove()
	}
	l := locate(doc)
	l.Title = title
	return &l, nil
}

// The share of a page's words an element must hold to be named, and how
// many are named at most.
const (
	holderShare = 0.5
	maxHolders  = 3
)

// locate finds the elements that hold most of doc's visible text: it walks
// down from <body> into the child holding the most words while that child
// holds at least half of the page's, and names the elements on the way that
// a selector can name robustly (an id, a data-testid, a class, a landmark).
func locate(doc *goquery.Document) Located {
	body := doc.Find("body").First()
	if body.Length() == 0 {
		return Located{}
	}
	counts := map[*html.Node]int{}
	countWords(body.Nodes[0], counts)
	root := body.Nodes[0]
	total := extractedWords(root)
	out := Located{Words: total}
	if total < 30 {
		return out
	}
	var chain []*html.Node
	for n := root; ; {
		var best *html.Node
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && (best == nil || counts[c] > counts[best]) {
				best = c
			}
		}
		if best == nil || float64(counts[best]) < holderShare*float64(total) {
			break
		}
		chain = append(chain, best)
		n = best
	}
	seen := map[string]bool{}
	var found []Holder
	for _, n := range chain {
		sel := selectorFor(doc, n)
		if sel == "" || seen[sel] {
			continue
		}
		seen[sel] = true
		m, err := cascadia.Compile(sel)
		if err != nil {
			continue
		}
		matches := outermost(doc.FindMatcher(m).Nodes)
		words := extractedWords(matches...)
		if float64(words) < holderShare*float64(total) {
			continue
		}
		// Nested elements often hold the same words: the inner one says
		// more about where the text is.
		if k := len(found); k > 0 && found[k-1].Words == words {
			found = found[:k-1]
		}
		found = append(found, Holder{Selector: sel, Words: words, Elements: len(matches)})
	}
	// The outermost and the innermost tell most: keep both ends.
	if len(found) > maxHolders {
		found = append(found[:maxHolders-1], found[len(found)-1])
	}
	out.Holders = found
	return out
}

// extractedWords is the words of the text extracted from nodes.
func extractedWords(nodes ...*html.Node) int {
	return text.Words(text.FromNodes(nodes, text.Document))
}

// countWords fills counts with the words under every element of n, and
// returns those of n. Words split over two text nodes count twice: it only
// ranks elements.
func countWords(n *html.Node, counts map[*html.Node]int) int {
	if n.Type == html.TextNode {
		return text.Words(n.Data)
	}
	w := 0
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w += countWords(c, counts)
	}
	if n.Type == html.ElementNode {
		counts[n] = w
	}
	return w
}

var (
	// ident is a CSS identifier that needs no escaping.
	ident = regexp.MustCompile(`^-?[A-Za-z_][A-Za-z0-9_-]*$`)
	// testidValue is a data-testid value that needs no quotes.
	testidValue = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)
)

// selectorFor names n by what is least likely to change with a restyling:
// a unique id, a unique data-testid, a class under the nearest ancestor with
// an id, or a landmark element. It returns "" for an element with none.
func selectorFor(doc *goquery.Document, n *html.Node) string {
	attr := func(n *html.Node, key string) string { return goquery.NewDocumentFromNode(n).AttrOr(key, "") }
	unique := func(sel string) bool { return doc.Find(sel).Length() == 1 }
	if id := attr(n, "id"); ident.MatchString(id) && unique("#"+id) {
		return "#" + id
	}
	if t := attr(n, "data-testid"); testidValue.MatchString(t) && unique("[data-testid="+t+"]") {
		return "[data-testid=" + t + "]"
	}
	prefix := ""
	for p := n.Parent; p != nil; p = p.Parent {
		if id := attr(p, "id"); p.Type == html.ElementNode && ident.MatchString(id) && unique("#"+id) {
			prefix = "#" + id + " "
			break
		}
	}
	for _, class := range strings.Fields(attr(n, "class")) {
		// Utility classes (w-[850px], sm:py-4) describe looks, not content.
		if ident.MatchString(class) && len(class) > 2 {
			return prefix + "." + class
		}
	}
	switch n.DataAtom {
	case atom.Main, atom.Article:
		if unique(n.Data) {
			return n.Data
		}
		return prefix + n.Data
	}
	return ""
}

// hint is what a selector miss tells about where the page's text is, or ""
// when the page has too little text to say.
func hint(l Located) string {
	if len(l.Holders) == 0 {
		return ""
	}
	parts := make([]string, len(l.Holders))
	for i, h := range l.Holders {
		parts[i] = h.String()
	}
	return fmt.Sprintf("; the page's text (%s words) is here: %s", thousands(l.Words), strings.Join(parts, "; "))
}

// thousands writes n with commas between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
