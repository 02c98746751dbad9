package main

import (
	"path/filepath"
	"strings"
	"testing"

	"tracker/internal/api"
)

// variantsConfig declares the two servings of TikTok's EEA privacy policy
// (with and without the notice for UK users) and the EEA terms, as
// variants: see testdata/variants.
const variantsConfig = `settings: {retries: 0, host_delay: 0s}
sources:
  - {id: privacy-eea, kind: page, url: "http://127.0.0.1:9/eea", select: main, document: privacy}
  - {id: privacy-uk, kind: page, url: "http://127.0.0.1:9/uk", select: main, document: privacy, variant_of: privacy-eea}
  - {id: terms-eea, kind: page, url: "http://127.0.0.1:9/terms", select: main, document: terms}
`

// variantsEnv imports testdata/variants into a fresh database.
func variantsEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t, variantsConfig)
	e.mustRun(exitOK, "import", "ota", filepath.Join("..", "..", "testdata", "variants"),
		"--map", "TikTok/Privacy Policy=privacy-eea", "--map", "TikTok/Privacy Policy (UK notice)=privacy-uk",
		"--map", "TikTok/Terms of Service=terms-eea")
	return e
}

func TestCompareVariants(t *testing.T) {
	e := variantsEnv(t)
	out := e.mustRun(exitOK, "compare", "privacy-uk", "privacy-eea")
	for _, want := range []string{
		"A: privacy-uk, version 1 (first seen 2026-05-20 00:55 UTC)",
		"B: privacy-eea, version 2 (first seen 2026-07-16 12:58 UTC)",
		"sections say the same in both, 1 differs, 0 only in privacy-uk, 0 only in privacy-eea.",
		"~ (before the first heading) — differs (+0 −",
		"- We are changing how we show ads to UK users.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("compare prints no %q:\n%s", want, out)
		}
	}
	// The sections that say the same are counted, not printed.
	if strings.Contains(out, "Introduction") || strings.Count(out, "\n") > 20 {
		t.Errorf("sections that say the same are shown:\n%s", out)
	}

	var got api.Compare
	e.runJSON(&got, "compare", "privacy-uk", "privacy-eea", "--json")
	if got.A.Source != "privacy-uk" || got.B.Source != "privacy-eea" || got.At != nil || got.Changed != 1 || got.OnlyA+got.OnlyB != 0 || got.Same < 20 {
		t.Fatalf("--json: %+v", got)
	}
	if len(got.Sections) != got.Same+got.Changed || got.Sections[0].Kind != "changed" || got.Sections[0].WordsRemoved == 0 || len(got.Sections[0].Hunks) == 0 {
		t.Errorf("--json sections: %d, the first %+v", len(got.Sections), got.Sections[0])
	}
	for _, s := range got.Sections[1:] {
		if s.Kind != "same" || s.A == nil || s.B == nil || s.A.Title != s.B.Title {
			t.Errorf("--json: %+v", s)
		}
	}
}

// --at picks the versions in force on a date: on 1 December 2025 the UK
// serving was not recorded yet; on 1 June 2026 the EEA policy was still
// its version of September 2025.
func TestCompareAt(t *testing.T) {
	e := variantsEnv(t)
	code, _, errOut := e.run("compare", "privacy-uk", "privacy-eea", "--at", "2025-12-01")
	if code != exitUsage || !strings.Contains(errOut, "privacy-uk had no version yet on 2025-12-01") || !strings.Contains(errOut, "tracker history privacy-uk") {
		t.Errorf("--at before the first version: exit %d\n%s", code, errOut)
	}
	var got api.Compare
	e.runJSON(&got, "compare", "privacy-eea", "privacy-uk", "--at", "2026-06-01", "--json")
	if got.A.Seq != 1 || got.B.Seq != 1 || got.At == nil || *got.At != "2026-06-01" {
		t.Fatalf("--at 2026-06-01: A %d, B %d, at %v", got.A.Seq, got.B.Seq, got.At)
	}
	// The EEA text of September 2025 opens with its effective date, the
	// UK serving of May 2026 with its last update and the UK notice: both
	// show in the preamble.
	pre := got.Sections[0]
	if pre.Kind != "changed" || pre.WordsAdded == 0 || pre.WordsRemoved == 0 {
		t.Errorf("preamble at 2026-06-01: %+v", pre)
	}
}

func TestCompareBadInput(t *testing.T) {
	e := variantsEnv(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"compare", "privacy-uk"}, "usage: tracker compare A B"},
		{[]string{"compare", "privacy-uk", "privacy-uk"}, "privacy-uk is compared with itself"},
		{[]string{"compare", "privacy-uk", "privacy-us"}, `no source "privacy-us"`},
		{[]string{"compare", "privacy-uk", "privacy-eea", "--at", "3"}, "is a version number, not a date"},
		{[]string{"compare", "privacy-uk", "privacy-eea", "--at", "last week"}, "is not a date"},
	} {
		code, _, errOut := e.run(tc.args...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, want 2 and %q:\n%s", tc.args, code, tc.want, errOut)
		}
	}
}

// check-config names the line of a variant_of that names no source (exit
// 1, as for every invalid file).
func TestCheckConfigBadVariant(t *testing.T) {
	e := newEnv(t, `sources:
  - {id: terms-us, kind: page, url: "http://127.0.0.1:9/us", select: main}
  - id: terms-eea
    kind: page
    url: http://127.0.0.1:9/eea
    select: main
    variant_of: terms-usa
`)
	code, out, errOut := e.run("check-config")
	if code != exitFailed || !strings.Contains(out+errOut, `sources.yaml:3: source "terms-eea": variant_of: "terms-usa" is not a declared source`) {
		t.Errorf("check-config: exit %d\n%s%s", code, out, errOut)
	}
}

// A feed is no document: compare says so rather than asking for a check
// that would change nothing.
func TestCompareFeed(t *testing.T) {
	e := newEnv(t, variantsConfig+"  - {id: edpb, kind: feed, url: \"http://127.0.0.1:9/feed\"}\n")
	e.mustRun(exitOK, "import", "ota", filepath.Join("..", "..", "testdata", "variants"), "--map", "TikTok/Privacy Policy=privacy-eea")
	code, _, errOut := e.run("compare", "privacy-eea", "edpb")
	if code != exitUsage || !strings.Contains(errOut, "edpb is a regulator's feed, not a document") || strings.Contains(errOut, "tracker check") {
		t.Errorf("compare with a feed: exit %d\n%s", code, errOut)
	}
}
