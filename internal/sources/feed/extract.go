package feed

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"tracker/internal/text"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	nethtml "golang.org/x/net/html"
)

// ErrNoMatch: ExtractText's selector matched nothing. A selector that
// matches nothing means the page changed or the selector is wrong; it is
// never read as an empty text.
var ErrNoMatch = errors.New("selector matched nothing")

// ErrNoText: the page has no readable text.
var ErrNoText = errors.New("no readable text")

// noise are elements that are never the main text of a page.
const noise = `script, style, noscript, template, iframe, object, embed, svg, ` +
	`nav, aside, footer, form, button, select, textarea, dialog, ` +
	`[role=navigation], [role=banner], [role=contentinfo], [role=complementary], ` +
	`[role=search], [role=dialog], [aria-hidden=true], [hidden]`

// unlikely matches class names and ids of page furniture (government sites
// use the USWDS and GOV.UK design systems, whose names say what a block is).
var unlikely = regexp.MustCompile(`(?i)(?:^|[-_ ])(?:banner|breadcrumbs?|cookies?|consent|share|social|feedback|related|sidebar|skip|menu|navbar|subscribe|newsletter|promo|sr-only|visually-hidden|print-only|comments?|pagination|pager|back-to-top)(?:$|[-_ ])`)

// ExtractText returns the main text of an item's linked HTML page, in the
// project's plain text format (one block per line). With a CSS selector it
// returns the text of every matching element in document order, and
// ErrNoMatch when nothing matches. Without one it finds the main block
// itself: the first of article, [role=main] or main that holds most of the
// page's text once navigation, banners, sidebars and footers are removed,
// else the element whose paragraphs hold the most text. pageURL is accepted
// for symmetry with the fetcher and for messages; the text does not depend
// on it.
func ExtractText(page []byte, pageURL, selector string) (string, error) {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(page))
	if err != nil {
		return "", fmt.Errorf("feed: extract %s: parse html: %w", pageURL, err)
	}
	if selector = strings.TrimSpace(selector); selector != "" {
		if _, err := cascadia.ParseGroup(selector); err != nil {
			return "", fmt.Errorf("feed: extract %s: bad selector %q: %w", pageURL, selector, err)
		}
		sel := doc.Find(selector)
		if sel.Length() == 0 {
			return "", fmt.Errorf("feed: extract %s: %w: %q; check the selector against the page", pageURL, ErrNoMatch, selector)
		}
		sel.Find("script, style, noscript, template").Remove()
		return renderText(sel), nil
	}

	body := doc.Find("body")
	body.Find(noise).Remove()
	body.Find("[class], [id]").Each(func(_ int, s *goquery.Selection) {
		if goquery.NodeName(s) == "main" || goquery.NodeName(s) == "article" {
			return
		}
		class, _ := s.Attr("class")
		id, _ := s.Attr("id")
		if unlikely.MatchString(class) || unlikely.MatchString(id) {
			s.Remove()
		}
	})
	// Site headers hold logos and menus; an article's own header holds its
	// title, so only headers outside article and main go.
	body.Find("header").Each(func(_ int, s *goquery.Selection) {
		if s.Closest("article, main, [role=main]").Length() == 0 {
			s.Remove()
		}
	})

	total := textLen(body)
	if total == 0 {
		return "", fmt.Errorf("feed: extract %s: %w", pageURL, ErrNoText)
	}
	for _, cand := range []string{"article", "[role=main]", "main"} {
		sel := body.Find(cand)
		if sel.Length() != 1 {
			continue // several articles are a listing, not one text
		}
		// A block holding most of the page is the page; a small one (an
		// article teaser in a listing) is not.
		if textLen(sel)*2 >= total {
			return renderText(sel), nil
		}
	}
	if best := densest(body); best != nil {
		return renderText(best), nil
	}
	return renderText(body), nil
}

// densest returns the element whose direct paragraph children hold the most
// text, counting text inside links at a quarter (link lists are menus).
func densest(body *goquery.Selection) *goquery.Selection {
	scores := map[*nethtml.Node]int{}
	var best *nethtml.Node
	body.Find("p, pre, li, blockquote").Each(func(_ int, p *goquery.Selection) {
		parent := p.Parent()
		if goquery.NodeName(parent) == "ul" || goquery.NodeName(parent) == "ol" {
			parent = parent.Parent()
		}
		if parent.Length() == 0 {
			return
		}
		n := parent.Get(0)
		all := len(strings.TrimSpace(p.Text()))
		links := len(strings.TrimSpace(p.Find("a").Text()))
		scores[n] += all - links + links/4
		if best == nil || scores[n] > scores[best] {
			best = n
		}
	})
	if best == nil {
		return nil
	}
	return body.FindNodes(best)
}

func textLen(s *goquery.Selection) int {
	return len(text.Collapse(s.Text()))
}

// renderText renders the selected elements as feed descriptions are.
func renderText(sel *goquery.Selection) string {
	return text.FromNodes(sel.Nodes, text.Plain)
}
