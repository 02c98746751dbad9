package config

import (
	"fmt"
	"net/url"

	"github.com/andybalholm/cascadia"
	"go.yaml.in/yaml/v3"
)

// RenderNone lets one page of a rendered source be fetched plainly.
const RenderNone = "none"

// Page is one page of a document split over several (what Open Terms
// Archive calls "combine"). A rule it leaves out is the source's.
type Page struct {
	URL string `yaml:"url"`
	// Select and Remove replace the source's for this page.
	Select StringList `yaml:"select"`
	Remove StringList `yaml:"remove"`
	// Render is browser, none (a plain fetch, in a rendered source) or
	// empty: the source's.
	Render string `yaml:"render"`

	// Line is where the page is declared in the file.
	Line int `yaml:"-"`
}

// Combined reports whether s is a document made of several pages.
func (s *Source) Combined() bool { return len(s.Pages) > 0 }

// EffectivePages returns the pages fetched for s, in order, each with the
// rules that apply to it: Render is RenderBrowser or "". A source without
// pages is one page, its url.
func (s *Source) EffectivePages() []Page {
	if !s.Combined() {
		return []Page{{URL: s.URL, Select: s.Select, Remove: s.Remove, Render: s.Render, Line: s.Line}}
	}
	out := make([]Page, len(s.Pages))
	for i, p := range s.Pages {
		if len(p.Select) == 0 {
			p.Select = s.Select
		}
		if p.Remove == nil {
			p.Remove = s.Remove
		}
		switch p.Render {
		case "":
			p.Render = s.Render
		case RenderNone:
			p.Render = ""
		}
		out[i] = p
	}
	return out
}

// rendersAny reports whether a page of s is loaded in a browser.
func (s *Source) rendersAny() bool {
	for _, p := range s.EffectivePages() {
		if p.Render == RenderBrowser {
			return true
		}
	}
	return false
}

// setPageLines records where each page of each source is declared.
func setPageLines(root *yaml.Node, sources []Source) {
	items := seqItems(topMapping(root), "sources")
	for i := range sources {
		if i >= len(items) {
			return
		}
		lines := seqItems(items[i], "pages")
		for j := range sources[i].Pages {
			if j < len(lines) {
				sources[i].Pages[j].Line = lines[j].Line
			}
		}
	}
}

func topMapping(root *yaml.Node) *yaml.Node {
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return nil
	}
	return root.Content[0]
}

// seqItems returns the items of the sequence under key in mapping m.
func seqItems(m *yaml.Node, key string) []*yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key && m.Content[i+1].Kind == yaml.SequenceNode {
			return m.Content[i+1].Content
		}
	}
	return nil
}

// defaultURL gives a combined source without a url its first page's.
func defaultURL(src *Source) {
	if src.URL == "" && len(src.Pages) > 0 {
		src.URL = src.Pages[0].URL
	}
}

// validatePages checks the pages of a combined source; add reports a
// problem at a line.
func validatePages(src *Source, where string, add func(line int, format string, args ...any)) {
	if src.Pages == nil {
		return
	}
	if src.Kind == KindFeed {
		add(src.Line, "%s: pages apply to a document of several pages, not to feeds", where)
		return
	}
	if len(src.Pages) == 0 {
		add(src.Line, "%s: pages is empty: list the document's pages in order, or remove the key", where)
		return
	}
	seen := map[string]int{}
	for i, p := range src.EffectivePages() {
		line := src.Pages[i].Line
		if line == 0 {
			line = src.Line
		}
		pw := fmt.Sprintf("%s: page %d", where, i+1)
		if u, err := url.Parse(p.URL); p.URL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add(line, "%s: url must be an absolute http:// or https:// address, got %q", pw, p.URL)
		}
		if first, dup := seen[p.URL]; dup && p.URL != "" {
			add(line, "%s: %s is already page %d of this source", pw, p.URL, first)
		} else {
			seen[p.URL] = i + 1
		}
		if len(p.Select) == 0 {
			add(line, "%s: no select: give the page a select, or the source one that its pages share", pw)
		}
		switch r := src.Pages[i].Render; r {
		case "", RenderBrowser, RenderNone:
		default:
			add(line, "%s: render %q is not known: write render: browser, render: none (a plain fetch) or leave it out (the source's)", pw, r)
		}
		// The source's own selectors are checked with the source.
		for _, list := range []struct {
			key  string
			sels StringList
		}{{"select", src.Pages[i].Select}, {"remove", src.Pages[i].Remove}} {
			for _, sel := range list.sels {
				if _, err := cascadia.ParseGroup(sel); err != nil {
					add(line, "%s: %s: invalid CSS selector %q: %v", pw, list.key, sel, err)
				}
			}
		}
	}
}
