package config

import (
	"strings"
	"testing"
)

func TestPages(t *testing.T) {
	cfg, err := Parse("s.yaml", []byte(`
sources:
  - id: guidelines
    kind: page
    select: main
    remove: [.share]
    render: browser
    headers: {Accept-Language: en}
    pages:
      - url: https://example.com/guidelines/overview
        render: none
      - url: https://example.com/guidelines/safety
        select: [article, "#rules"]
      - url: https://example.com/guidelines/enforcement
        remove: []
  - id: plain
    kind: page
    url: https://example.com/terms
    select: article
`))
	if err != nil {
		t.Fatal(err)
	}
	g := cfg.Source("guidelines")
	if !g.Combined() || cfg.Source("plain").Combined() {
		t.Fatalf("Combined: %v %v", g.Combined(), cfg.Source("plain").Combined())
	}
	if g.URL != "https://example.com/guidelines/overview" {
		t.Errorf("url %q, want the first page's", g.URL)
	}
	ps := g.EffectivePages()
	if len(ps) != 3 {
		t.Fatalf("%d pages", len(ps))
	}
	if ps[0].Line != 10 || ps[1].Line != 12 || ps[2].Line != 14 {
		t.Errorf("lines %d %d %d, want 10 12 14", ps[0].Line, ps[1].Line, ps[2].Line)
	}
	if strings.Join(ps[0].Select, ",") != "main" || strings.Join(ps[0].Remove, ",") != ".share" || ps[0].Render != "" {
		t.Errorf("page 1 takes the source's rules, fetched plainly: %+v", ps[0])
	}
	if strings.Join(ps[1].Select, ",") != "article,#rules" || strings.Join(ps[1].Remove, ",") != ".share" || ps[1].Render != RenderBrowser {
		t.Errorf("page 2 has its own select, the source's remove and render: %+v", ps[1])
	}
	if len(ps[2].Remove) != 0 || ps[2].Render != RenderBrowser {
		t.Errorf("page 3 removes nothing: %+v", ps[2])
	}
	if got := cfg.Rendered(); len(got) != 1 || got[0] != "guidelines" {
		t.Errorf("Rendered() = %v", got)
	}
	one := cfg.Source("plain").EffectivePages()
	if len(one) != 1 || one[0].URL != "https://example.com/terms" || one[0].Select[0] != "article" {
		t.Errorf("a plain source is one page, its url: %+v", one)
	}
}

func TestPagesErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"unknown key in a page", `
sources:
  - id: a
    kind: page
    select: main
    pages:
      - url: https://example.com/1
        selct: article
`, []string{`s.yaml:8: unknown key "selct" in page (known keys: url, select, remove, render`}},
		{"bad pages", `
sources:
  - id: a
    kind: page
    pages:
      - url: https://example.com/1
        select: main
      - url: /relative
        select: main
      - url: https://example.com/3
      - url: https://example.com/1
        select: "main["
        render: chrome
`, []string{
			`s.yaml:8: source "a": page 2: url must be an absolute http:// or https:// address, got "/relative"`,
			`s.yaml:10: source "a": page 3: no select: give the page a select, or the source one`,
			`s.yaml:11: source "a": page 4: https://example.com/1 is already page 1 of this source`,
			`s.yaml:11: source "a": page 4: render "chrome" is not known`,
			`s.yaml:11: source "a": page 4: select: invalid CSS selector "main["`,
		}},
		{"empty pages", `
sources:
  - {id: a, kind: page, url: "https://example.com", select: main, pages: []}
`, []string{`s.yaml:3: source "a": pages is empty`}},
		{"pages of a feed", `
sources:
  - id: a
    kind: feed
    url: https://example.com/feed
    pages: [{url: "https://example.com/2"}]
`, []string{`s.yaml:3: source "a": pages apply to a document of several pages, not to feeds`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("s.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error:\n%v\nlacks %q", err, w)
				}
			}
		})
	}
}
