package config

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The default file declares the US and EEA terms and privacy policies as
// siblings, and no other TikTok page that merely shares document: terms.
func TestDefaultSiblings(t *testing.T) {
	cfg, err := Load(filepath.Join("..", "..", "sources.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string][]string{
		"tiktok-terms-us":       {"tiktok-terms-eea"},
		"tiktok-terms-eea":      {"tiktok-terms-us"},
		"tiktok-privacy-us":     {"tiktok-privacy-eea"},
		"tiktok-privacy-eea":    {"tiktok-privacy-us"},
		"tiktok-terms-uk-annex": nil,
		"ftc-press-releases":    nil,
	} {
		if got := cfg.Siblings(id); !slices.Equal(got, want) {
			t.Errorf("Siblings(%s) = %v, want %v", id, got, want)
		}
	}
}

func TestSiblingsOfAGroup(t *testing.T) {
	cfg, err := Parse("s.yaml", []byte(`
sources:
  - {id: us, kind: page, url: "https://example.com/us", select: main}
  - {id: eea, kind: page, url: "https://example.com/eea", select: main, variant_of: us}
  - {id: uk, kind: page, url: "https://example.com/uk", select: main, variant_of: eea}
  - {id: other, kind: page, url: "https://example.com/o", select: main}
`))
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string][]string{"us": {"eea", "uk"}, "eea": {"us", "uk"}, "uk": {"us", "eea"}, "other": nil} {
		if got := cfg.Siblings(id); !slices.Equal(got, want) {
			t.Errorf("Siblings(%s) = %v, want %v", id, got, want)
		}
	}
}

func TestBadVariants(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown source", `
sources:
  - {id: us, kind: page, url: "https://example.com/us", select: main}
  - id: eea
    kind: page
    url: https://example.com/eea
    select: main
    variant_of: tiktok-terms-usa
`, `s.yaml:4: source "eea": variant_of: "tiktok-terms-usa" is not a declared source`},
		{"itself", `
sources:
  - {id: us, kind: page, url: "https://example.com/us", select: main, variant_of: us}
`, `s.yaml:3: source "us": variant_of: a source is not a variant of itself`},
		{"cycle", `
sources:
  - {id: a, kind: page, url: "https://example.com/a", select: main, variant_of: c}
  - {id: b, kind: page, url: "https://example.com/b", select: main, variant_of: a}
  - {id: c, kind: page, url: "https://example.com/c", select: main, variant_of: b}
`, `s.yaml:3: source "a": variant_of: "c" leads back to`},
		{"feed", `
sources:
  - {id: a, kind: page, url: "https://example.com/a", select: main}
  - {id: f, kind: feed, url: "https://example.com/f", variant_of: a}
`, `s.yaml:4: source "f": variant_of: variants are pages`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("s.yaml", []byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error:\n%v\nwant %q", err, tc.want)
			}
		})
	}
}
