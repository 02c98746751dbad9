package sources

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/sergi/go-diff/diffmatchpatch"

	"tracker/internal/config"
	"tracker/internal/replaytest"
	"tracker/internal/sources/page"
)

// These tests run the rules of the repository's own sources.yaml, read
// from the file, over TikTok's pages: the real ones of
// testdata/tiktok-pages (Open Terms Archive contributors, ODC-BY 1.0) and,
// for TikTok's other layouts, pages built from their structure.

func defaultSources(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.Load(filepath.Join("..", "..", "sources.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func tiktokPage(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(replaytest.TestdataDir(), "tiktok-pages", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// otaText is an Open Terms Archive version's Markdown read the way tracker
// reads a page, so the two compare word for word.
func otaText(t *testing.T, md []byte) string {
	t.Helper()
	doc, err := page.FromMarkdown(md)
	if err != nil {
		t.Fatal(err)
	}
	return extractWith(t, config.Page{Select: config.StringList{"body"}}, doc)
}

func extractWith(t *testing.T, p config.Page, body []byte) string {
	t.Helper()
	x, err := page.Compile(page.Rules{Select: p.Select, Remove: p.Remove, Rendered: p.Render == config.RenderBrowser})
	if err != nil {
		t.Fatal(err)
	}
	got, err := x.Extract(body, "text/html; charset=utf-8")
	if err != nil {
		t.Fatalf("%s: %v", p.URL, err)
	}
	return got.Text
}

// wordSimilarity is how much two texts share, word for word and in order:
// twice the words of their longest common sequence over the words of both
// (1 when they are the same words). Punctuation and layout do not count.
func wordSimilarity(a, b string) float64 {
	ids := map[string]rune{}
	enc := func(s string) []rune {
		var out []rune
		for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			id, ok := ids[w]
			if !ok {
				// Past the BMP: no surrogates, room for a million words.
				id = rune(0x10000 + len(ids))
				ids[w] = id
			}
			out = append(out, id)
		}
		return out
	}
	ra, rb := enc(a), enc(b)
	if len(ra)+len(rb) == 0 {
		return 1
	}
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 0
	same := 0
	for _, d := range dmp.DiffMainRunes(ra, rb, false) {
		if d.Type == diffmatchpatch.DiffEqual {
			same += len([]rune(d.Text))
		}
	}
	return 2 * float64(same) / float64(len(ra)+len(rb))
}

func TestWordSimilarity(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want float64
	}{
		{"We collect your data.", "# We collect\n- your data", 1},
		{"We collect your data", "We collect data", 6.0 / 7},
		{"a b c d", "e f g h", 0},
	} {
		if got := wordSimilarity(tc.a, tc.b); got < tc.want-1e-9 || got > tc.want+1e-9 {
			t.Errorf("wordSimilarity(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

var canonicalRe = regexp.MustCompile(`<link rel="canonical" href="([^"]+)"`)

// regionHeader is what the region picker of the real pages' policy card
// shows: it is no document text.
const regionHeader = "EEA/UK/CH"

// The Terms and the Privacy Policy as tiktok.com serves them, read under
// the default rules, come out as Open Terms Archive extracts them.
func TestDefaultRulesReadTheRealPages(t *testing.T) {
	cfg := defaultSources(t)
	for _, tc := range []struct{ id, html, ota string }{
		{"tiktok-terms-eea", "terms-of-service.html", "terms-of-service.ota.md"},
		{"tiktok-privacy-eea", "privacy-policy.html", "privacy-policy.ota.md"},
	} {
		t.Run(tc.id, func(t *testing.T) {
			src := cfg.Source(tc.id)
			if src == nil || src.Disabled {
				t.Fatalf("the default sources.yaml has no enabled %s", tc.id)
			}
			body := tiktokPage(t, tc.html)
			if m := canonicalRe.FindSubmatch(body); m == nil || string(m[1]) != src.URL {
				t.Errorf("url %s is not the page's canonical address %q", src.URL, m)
			}
			p := src.EffectivePages()[0]
			if p.Render != "" {
				t.Errorf("%s is rendered in a browser, but its text is in the page as served", tc.id)
			}
			got := extractWith(t, p, body)
			sim := wordSimilarity(got, otaText(t, tiktokPage(t, tc.ota)))
			t.Logf("%s: word similarity with Open Terms Archive's text %.4f (%d words)", tc.id, sim, len(strings.Fields(got)))
			if sim < 0.99 {
				t.Errorf("word similarity %.4f with Open Terms Archive's text, want at least 0.99; extracted:\n%.600s", sim, got)
			}
			if strings.Contains(got, regionHeader) {
				t.Errorf("the region header %q is in the text: remove the language picker", regionHeader)
			}
		})
	}
}

// A TikTok layout is a way TikTok's sites lay out a document, with a page
// built in it from a document's text.
type layout struct {
	name string
	// real says the page is built from a real page of testdata; the
	// others follow what is known of the site without a page to show it.
	real bool
	// rendered says the text is only in script data: the source must
	// render the page.
	rendered bool
	build    func(t *testing.T, title string, md []byte) []byte
}

// policyCard is tiktok.com/legal: the real Privacy Policy page with another
// document in its policy card. Open Terms Archive and the dataset's notes
// have the copyright policy, cookies, virtual items and law enforcement
// pages in this layout too.
var policyCard = layout{name: "policy card", real: true, build: func(t *testing.T, title string, md []byte) []byte {
	real := string(tiktokPage(t, "privacy-policy.html"))
	doc, err := page.FromMarkdown(md)
	if err != nil {
		t.Fatal(err)
	}
	inner := string(doc[bytes.Index(doc, []byte("<body>"))+len("<body>") : bytes.LastIndex(doc, []byte("</body>"))])
	const open = `data-testid="policy-card-post-content">`
	i := strings.Index(real, open) + len(open)
	j := i + strings.Index(real[i:], "</section>")
	if i < len(open) || j < i {
		t.Fatal("the real page lost its policy card")
	}
	out := real[:i] + "<div>" + inner + "</div>" + real[j:]
	return []byte(strings.Replace(out, `data-testid="policy-card-title">Privacy Policy<`, `data-testid="policy-card-title">`+title+`<`, 1))
}}

// scriptApp is what a browser shows of a JavaScript application that puts
// the document in <main>, with navigation, a table of contents and images
// around it: TikTok's safety centre (the Community Guidelines), its ads
// site and TikTok Shop's seller university, none of which testdata holds.
var scriptApp = layout{name: "rendered application (assumed)", rendered: true, build: func(t *testing.T, title string, md []byte) []byte {
	doc, err := page.FromMarkdown(md)
	if err != nil {
		t.Fatal(err)
	}
	inner := string(doc[bytes.Index(doc, []byte("<body>"))+len("<body>") : bytes.LastIndex(doc, []byte("</body>"))])
	return []byte(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>` + title + ` | TikTok</title></head><body>
<div id="app"><header><nav><a href="/">TikTok</a><a href="/explore">Explore</a><a href="/live">LIVE</a></nav></header>
<div class="layout"><aside><nav class="toc"><a href="#a">Overview</a><a href="#b">Safety and civility</a></nav></aside>
<main><h1>` + title + `</h1><div class="syl-image-wrapper"><img src="/banner.png" alt="A banner"></div>` + inner + `</main></div>
<footer><p>© 2026 TikTok</p><nav><a href="/legal">Legal</a></nav></footer></div></body></html>`)
}}

// layoutOf says in which layout TikTok serves an address.
func layoutOf(raw string) (layout, bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return layout{}, false
	}
	switch {
	case u.Host == "www.tiktok.com" && strings.HasPrefix(u.Path, "/legal/"):
		return policyCard, true
	case u.Host == "www.tiktok.com" && strings.HasPrefix(u.Path, "/safety/"),
		u.Host == "ads.tiktok.com",
		strings.HasPrefix(u.Host, "seller-") && strings.HasSuffix(u.Host, ".tiktok.com"):
		return scriptApp, true
	}
	return layout{}, false
}

// Every TikTok page the default watch list declares is read right in the
// layout TikTok serves it in: the selector finds the text, the language
// picker and region header go, and only the pages whose text is in
// script data are rendered.
func TestDefaultRulesReadEveryTikTokLayout(t *testing.T) {
	cfg := defaultSources(t)
	copyright := replaytest.History(t, "Copyright Claims Policy")
	md := copyright[len(copyright)-1].Markdown
	want := otaText(t, md)
	seen := 0
	for _, src := range cfg.Sources {
		if src.Kind != config.KindPage || !strings.Contains(hostOf(src.URL), "tiktok.com") {
			continue
		}
		for i, p := range src.EffectivePages() {
			seen++
			t.Run(fmt.Sprintf("%s/%d", src.ID, i+1), func(t *testing.T) {
				l, ok := layoutOf(p.URL)
				if !ok {
					t.Fatalf("%s: no test layout for %s: add one", src.ID, p.URL)
				}
				if rendered := p.Render == config.RenderBrowser; rendered != l.rendered {
					t.Errorf("%s: render: browser is %v, but in the %s layout the text is %s", p.URL, rendered, l.name,
						map[bool]string{true: "only in script data", false: "in the page as served"}[l.rendered])
				}
				got := extractWith(t, p, l.build(t, src.Name, md))
				sim := wordSimilarity(got, want)
				t.Logf("%s (%s layout): word similarity %.4f", p.URL, l.name, sim)
				if sim < 0.99 {
					t.Errorf("%s (%s layout): word similarity %.4f with the document's text, want at least 0.99; extracted:\n%.400s", p.URL, l.name, sim, got)
				}
				if strings.Contains(got, regionHeader) {
					t.Errorf("%s: the region header %q is in the text: remove the language picker", p.URL, regionHeader)
				}
			})
		}
	}
	if seen < 20 {
		t.Errorf("only %d TikTok pages in the default watch list", seen)
	}
}
