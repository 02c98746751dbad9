package feed

import (
	"html"
	"regexp"
	"strings"

	"tracker/internal/text"
)

// htmlTag finds HTML markup: a comment or a tag of a real HTML element.
// Limited to real names so that prose such as "a < b" or a docket number
// written "<No. 12>" is not taken for markup and lost. It also catches
// markup that survived one round of stripping because a feed escaped its
// HTML twice.
var htmlTag = regexp.MustCompile(`(?i)<(?:!--|/?(?:` + strings.Join([]string{
	"a", "abbr", "address", "article", "aside", "audio", "b", "big", "blockquote", "body", "br",
	"button", "caption", "center", "cite", "code", "col", "colgroup", "dd", "del", "details",
	"div", "dl", "dt", "em", "embed", "figcaption", "figure", "font", "footer", "form",
	"h[1-6]", "head", "header", "hr", "html", "i", "iframe", "img", "input", "ins", "kbd",
	"label", "li", "link", "main", "mark", "meta", "nav", "noscript", "object", "ol",
	"option", "p", "picture", "pre", "q", "s", "samp", "script", "section", "select",
	"small", "source", "span", "strike", "strong", "style", "sub", "summary", "sup", "svg",
	"table", "tbody", "td", "template", "textarea", "tfoot", "th", "thead", "time", "title",
	"tr", "tt", "u", "ul", "var", "video", "wbr",
}, "|") + `)(?:\s[^<>]*)?/?>)`)

// entity matches a complete character reference. Only these are decoded in
// the second pass, so a bare "&" or "AT&T" stays as written.
var entity = regexp.MustCompile(`&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});`)

// htmlText turns an HTML fragment (or plain text) from a feed into plain
// text: one paragraph per line, no markup, entities decoded even when the
// feed escaped them twice.
func htmlText(s string) string {
	return text.Normalize(plainText(s))
}

// titleText is htmlText on a single line.
func titleText(s string) string {
	return text.Collapse(plainText(s))
}

func plainText(s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	var out string
	if htmlTag.MatchString(s) {
		out = text.FromHTML(s, text.Plain)
	} else {
		// Plain text: its line breaks are the paragraph breaks (SEC
		// descriptions), which HTML rules would fold into spaces.
		out = decodeEntities(s)
	}
	// Double escaping: "&amp;lt;p&amp;gt;" arrives here as "<p>", and
	// "&amp;amp;" as "&amp;".
	if htmlTag.MatchString(out) {
		out = text.FromHTML(out, text.Plain)
	}
	return decodeEntities(out)
}

// decodeEntities decodes complete character references (with their
// semicolon), so "?a=1&not=2" in plain text keeps its "&not".
func decodeEntities(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return entity.ReplaceAllStringFunc(s, html.UnescapeString)
}
