package feed

import (
	"html"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	nethtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
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
	return normaliseLines(plainText(s))
}

// titleText is htmlText on a single line.
func titleText(s string) string {
	return collapseSpace(plainText(s))
}

func plainText(s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	var text string
	if htmlTag.MatchString(s) {
		text = stripHTML(s)
	} else {
		// Plain text: its line breaks are the paragraph breaks (SEC
		// descriptions), which HTML rules would fold into spaces.
		text = decodeEntities(s)
	}
	// Double escaping: "&amp;lt;p&amp;gt;" arrives here as "<p>", and
	// "&amp;amp;" as "&amp;".
	if htmlTag.MatchString(text) {
		text = stripHTML(text)
	}
	return decodeEntities(text)
}

// decodeEntities decodes complete character references (with their
// semicolon), so "?a=1&not=2" in plain text keeps its "&not".
func decodeEntities(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return entity.ReplaceAllStringFunc(s, html.UnescapeString)
}

// skipped elements have content that is never text for a reader. head is
// not among them: its end tag is optional, and skipping up to a missing one
// would swallow the page.
var skipped = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Iframe: true, atom.Object: true, atom.Svg: true,
	atom.Math: true, atom.Title: true, atom.Select: true,
	atom.Button: true, atom.Textarea: true,
}

// blocks start and end a line.
var blocks = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Br: true, atom.Hr: true, atom.Li: true,
	atom.Ul: true, atom.Ol: true, atom.Dl: true, atom.Dt: true, atom.Dd: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true,
	atom.H6: true, atom.Blockquote: true, atom.Pre: true, atom.Table: true,
	atom.Tr: true, atom.Section: true, atom.Article: true, atom.Header: true,
	atom.Footer: true, atom.Main: true, atom.Aside: true, atom.Nav: true,
	atom.Figure: true, atom.Figcaption: true, atom.Address: true,
	atom.Details: true, atom.Summary: true, atom.Form: true, atom.Fieldset: true,
	atom.Caption: true, atom.Body: true, atom.Html: true,
}

// stripHTML renders HTML as text with the tokenizer: never fails, never
// returns markup, drops scripts and styles, and ends a line at each block.
// List items start with "- " and table cells are joined by " | ", as in the
// project's version text format.
func stripHTML(s string) string {
	z := nethtml.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	b.Grow(len(s))
	skip := 0   // depth inside skipped elements
	cells := -1 // cells seen in the current table row; -1 outside rows
	for {
		tt := z.Next()
		switch tt {
		case nethtml.ErrorToken:
			return b.String()
		case nethtml.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case nethtml.StartTagToken, nethtml.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if skipped[a] {
				if tt == nethtml.StartTagToken {
					skip++
				}
				continue
			}
			if skip > 0 {
				continue
			}
			switch {
			case a == atom.Li:
				b.WriteString("\n- ")
			case a == atom.Tr:
				b.WriteByte('\n')
				cells = 0
			case a == atom.Td || a == atom.Th:
				if cells > 0 {
					b.WriteString(" | ")
				}
				cells++
			case blocks[a]:
				b.WriteByte('\n')
			}
		case nethtml.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if skipped[a] {
				if skip > 0 {
					skip--
				}
				continue
			}
			if skip == 0 && blocks[a] {
				b.WriteByte('\n')
			}
		}
	}
}

// normaliseLines collapses white space inside each line, trims lines and
// drops empty ones. Non-breaking and other Unicode spaces count as spaces;
// invisible format characters and controls are removed.
func normaliseLines(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	for line := range strings.Lines(s) {
		l := collapseSpace(line)
		if l == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
	}
	return b.String()
}

// collapseSpace trims s and turns each run of white space (including
// newlines and NBSP) into one ASCII space.
func collapseSpace(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || r == '\u00A0' || r == '\u2007' || r == '\u202F':
			space = true
			continue
		case r == '\u200B' || r == '\u200C' || r == '\u200D' || r == '\u2060' || r == '\uFEFF' || r == '\u00AD':
			continue // zero-width and soft hyphen: invisible, and break matching
		case unicode.IsControl(r):
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// Summary returns a short excerpt of text for digests: at most n characters
// (runes) on one line, cut at a word boundary and ending in "…" when cut.
// A single word longer than n is cut inside the word.
func Summary(text string, n int) string {
	if n <= 0 {
		return ""
	}
	s := collapseSpace(text)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	// Keep room for the ellipsis within n.
	runes := []rune(s)
	cut := runes[:n-1]
	if i := lastSpace(cut); i > 0 && runes[n-1] != ' ' {
		cut = cut[:i]
	}
	out := strings.TrimRight(string(cut), " ,;:-–—")
	if out == "" {
		out = string(runes[:n-1])
	}
	return out + "…"
}

func lastSpace(rs []rune) int {
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i] == ' ' {
			return i
		}
	}
	return -1
}
