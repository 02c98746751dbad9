package diff

import (
	"regexp"
	"strings"
	"testing"
)

// Markdown of the Open Terms Archive versions, turned into the version text
// format the page extractor produces: one block per line, headings as "#",
// list items as "- " (two spaces per nesting level), table rows as cells
// joined by " | ", no emphasis, links reduced to their text, no blank lines.
var (
	mdImage      = regexp.MustCompile(`!\[([^\]]*)\]\([^)]*\)`)
	mdLink       = regexp.MustCompile(`\[([^\]]*)\]\((?:[^()]|\([^)]*\))*\)`)
	mdStrong     = regexp.MustCompile(`\*\*|__`)
	mdEmOpen     = regexp.MustCompile(`(^|[\s(\[“"'])[_*]+(\S)`)
	mdEmClose    = regexp.MustCompile(`(\S)[_*]+($|[\s.,;:!?)\]”"'])`)
	mdEscape     = regexp.MustCompile(`\\([\\\x60*_{}\[\]()#+\-.!|>])`)
	mdBullet     = regexp.MustCompile(`^(\s*)[*+-]\s+(.*)$`)
	mdOrdered    = regexp.MustCompile(`^(\s*)(\d+)[.)]\s+(.*)$`)
	mdUnderline  = regexp.MustCompile(`^\s*(=+|-+)\s*$`)
	mdTableRule  = regexp.MustCompile(`^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$`)
	mdWhitespace = regexp.MustCompile(`\s+`)
)

func markdownToText(md string) string {
	lines := strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n")
	var out []string
	for k := 0; k < len(lines); k++ {
		l := lines[k]
		if strings.TrimSpace(l) == "" || mdUnderline.MatchString(l) && k > 0 && strings.TrimSpace(lines[k-1]) == "" {
			continue
		}
		if mdTableRule.MatchString(l) && strings.Contains(l, "|") {
			continue
		}
		prefix := ""
		if k+1 < len(lines) && mdUnderline.MatchString(lines[k+1]) && !mdBullet.MatchString(l) {
			prefix = "## "
			if strings.Contains(lines[k+1], "=") {
				prefix = "# "
			}
			k++
		} else if m := mdBullet.FindStringSubmatch(l); m != nil && !mdUnderline.MatchString(l) {
			prefix = strings.Repeat("  ", len(m[1])/4) + "- "
			l = m[2]
		} else if m := mdOrdered.FindStringSubmatch(l); m != nil {
			prefix = strings.Repeat("  ", len(m[1])/4) + m[2] + ". "
			l = m[3]
		} else if strings.HasPrefix(strings.TrimSpace(l), "|") {
			cells := strings.Split(strings.Trim(strings.TrimSpace(l), "|"), "|")
			for i := range cells {
				cells[i] = strings.TrimSpace(cells[i])
			}
			l = strings.Join(cells, " | ")
		}
		l = inlineText(l)
		if l == "" {
			continue
		}
		out = append(out, prefix+l)
	}
	return strings.Join(out, "\n") + "\n"
}

func inlineText(l string) string {
	l = mdImage.ReplaceAllString(l, "$1")
	l = mdLink.ReplaceAllString(l, "$1")
	l = mdStrong.ReplaceAllString(l, "")
	l = mdEmOpen.ReplaceAllString(l, "$1$2")
	l = mdEmClose.ReplaceAllString(l, "$1$2")
	l = mdEscape.ReplaceAllString(l, "$1")
	return strings.TrimSpace(mdWhitespace.ReplaceAllString(l, " "))
}

func TestMarkdownToText(t *testing.T) {
	md := "Intro with **bold**, _em_ and a [link](https://x.example/a_(b)).\n\n" +
		"Heading\n-------\n\n*   item one\n    *   nested \\[1\\]\n1.  first\n\n| a | b |\n| --- | --- |\n| c | d |\n"
	want := "Intro with bold, em and a link.\n## Heading\n- item one\n  - nested [1]\n1. first\na | b\nc | d\n"
	if got := markdownToText(md); got != want {
		t.Errorf("markdownToText:\n%s\nwant:\n%s", got, want)
	}
}
