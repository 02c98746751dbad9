package feed

import (
	"testing"
)

func TestHTMLText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"script dropped, double escape decoded", "<script>alert(1)</script><p>Hello &amp;amp; welcome</p>", "Hello & welcome"},
		{"Federal Register apostrophe", "the Commission&#39;s consideration", "the Commission's consideration"},
		{"nbsp becomes a space", "Acting&nbsp;Chairman", "Acting Chairman"},
		{"double-escaped nbsp", "Acting&amp;nbsp;Chairman", "Acting Chairman"},
		{"plain text keeps its paragraphs", "First paragraph.\n\n  Second   paragraph.\n", "First paragraph.\nSecond paragraph."},
		{"prose comparisons are not markup", "if a < b and c > d", "if a < b and c > d"},
		{"bare ampersands stay", "AT&T and R&D", "AT&T and R&D"},
		{"query strings in plain text stay", "see /search?a=1&not=2&copy=3", "see /search?a=1&not=2&copy=3"},
		{"unknown angle-bracket words are prose", "Notice <Docket No. 12> issued", "Notice <Docket No. 12> issued"},
		{"escaped markup in plain text is stripped", "&lt;p&gt;One&lt;/p&gt;&lt;p&gt;Two&lt;/p&gt;", "One\nTwo"},
		{"unclosed script swallows only itself", "<p>Kept</p><script>var x = '<p>no</p>';", "Kept"},
		{"style and comment dropped", "<style>.a{}</style><!-- note --><b>Bold</b> text", "Bold text"},
		{"iframe and noscript dropped", "<iframe src=x>frame</iframe><noscript>js</noscript>Body", "Body"},
		{"inline elements do not break lines", "An <a href=\"/x\">order</a> was <em>issued</em>.", "An order was issued."},
		{"breaks and headings", "<h2>Title</h2>Line one<br/>Line two", "Title\nLine one\nLine two"},
		{"lists", "<ul><li>one</li><li>two <ol><li>nested</li></ol></li></ul>", "- one\n- two\n- nested"},
		{"table rows", "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>", "a | b\nc | d"},
		{"invisible characters removed", "data\u200bprotection\u00adrules", "dataprotectionrules"},
		{"empty", "   ", ""},
		{"only markup", "<p> </p><br>", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := htmlText(tt.in); got != tt.want {
				t.Errorf("htmlText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestTitleText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"SEC padding", "    Acting Chairman Mark T. Uyeda Names Acting Senior Staff\n", "Acting Chairman Mark T. Uyeda Names Acting Senior Staff"},
		{"inner newlines", "Testimony\n   Before the\tSenate", "Testimony Before the Senate"},
		{"markup in a title", "Court finds <em>unfair</em> terms", "Court finds unfair terms"},
		{"double escape", "Women Swimmin&#39; for Hospicare", "Women Swimmin' for Hospicare"},
		{"literal less-than", "Fees < $10 waived", "Fees < $10 waived"},
		{"double-escaped markup", "&lt;b&gt;Order&lt;/b&gt; issued", "Order issued"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := titleText(tt.in); got != tt.want {
				t.Errorf("titleText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
