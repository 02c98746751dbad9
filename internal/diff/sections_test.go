package diff_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"tracker/internal/diff"
	"tracker/internal/ota"
)

// variant reads a file of testdata/variants as tracker records it.
func variant(tb testing.TB, name string) string {
	tb.Helper()
	md, err := os.ReadFile(filepath.Join("..", "..", "testdata", "variants", "TikTok", name+".md"))
	if err != nil {
		tb.Fatal(err)
	}
	s, err := ota.Text(md)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

const (
	terms2020 = "Terms of Service/2020-07-29T13-32-40Z"
	terms2023 = "Terms of Service/2023-08-07T00-45-31Z"
	terms2026 = "Terms of Service/2026-07-23T00-56-42Z"
	privEEA   = "Privacy Policy/2026-07-16T12-58-04Z"
	privUK    = "Privacy Policy (UK notice)/2026-07-16T00-57-09Z"
)

func names(ss []diff.Section) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Name())
	}
	return out
}

// The 2026 terms have ten numbered "##" sections and thirteen numbered
// subsections written as short lines ("4.1 Our Platform and business
// model"); their numbered list items and clauses are not headings.
func TestSectionsOfRealTerms(t *testing.T) {
	ss := diff.Sections(variant(t, terms2026))
	got := names(ss)
	want := []string{"(before the first heading)",
		"1 Who your contract is with", "2 The services covered by these Terms", "3 Additional terms that apply if you use certain features",
		"4 Using the Platform", "4.1 Our Platform and business model", "4.2 Account details", "4.3 Minimum age",
		"4.4 What you can do on the Platform", "4.5 What you can’t do on the Platform", "4.6 Your content",
		"4.7 Posting Branded Content", "4.8 Respecting the intellectual property rights of others", "4.9 Ownership of content and grant of licences",
		"5 What we promise to you", "6 Restricting, suspending or ending our relationship", "6.1 Your rights", "6.2 TikTok’s rights",
		"7 Changes to these Terms or the Platform", "7.1 What happens when we make changes", "7.2 Reasons for changes",
		"8 Resolving disputes", "9 Other", "10 Contacting TikTok"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("sections:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	words := 0
	for _, s := range ss {
		words += s.Words
	}
	if all := len(strings.Fields(variant(t, terms2026))); words < all*9/10 {
		t.Errorf("the sections hold %d words of about %d: text was lost", words, all)
	}
}

// section returns the section of ss whose title starts with title.
func section(t *testing.T, ss []diff.Section, title string) diff.Section {
	t.Helper()
	for _, s := range ss {
		if strings.HasPrefix(s.Title, title) {
			return s
		}
	}
	t.Fatalf("no section %q in %v", title, names(ss))
	return diff.Section{}
}

var headingNumber = regexp.MustCompile(`(?m)^(## )?(\d+)(\.\d+)?\.? `)

// variantOf2026 derives a second region's text from the real 2026 terms
// the way regional variants differ: section 2 left out (and every later
// section renumbered), "Other" moved before "Resolving disputes", a word
// changed inside "What we promise to you", and a section the first does
// not have (the real "Indemnity" of the 2020 terms) added at the end.
func variantOf2026(t *testing.T) string {
	ss := diff.Sections(variant(t, terms2026))
	var parts []string
	var other, disputes string
	for _, s := range ss {
		switch {
		case s.Number == "2":
			continue
		case strings.HasPrefix(s.Title, "Other"):
			other = s.Text
			continue
		case strings.HasPrefix(s.Title, "Resolving disputes"):
			disputes = s.Text
			continue
		}
		tx := s.Text
		if strings.HasPrefix(s.Title, "What we promise") {
			if !strings.Contains(tx, " reasonable ") {
				t.Fatal("the real section lost its word 'reasonable'")
			}
			tx = strings.Replace(tx, " reasonable ", " commercially reasonable ", 1)
		}
		if strings.HasPrefix(s.Title, "Contacting") {
			parts = append(parts, other, disputes)
		}
		parts = append(parts, tx)
	}
	out := strings.Join(parts, "\n")
	// Renumber: 3 → 2 … 10 → 9, headings only.
	out = headingNumber.ReplaceAllStringFunc(out, func(h string) string {
		m := headingNumber.FindStringSubmatch(h)
		n := 0
		for _, c := range m[2] {
			n = n*10 + int(c-'0')
		}
		if n >= 3 {
			n--
		}
		return m[1] + itoa(n) + m[3] + strings.TrimPrefix(h, m[1]+m[2]+m[3])
	})
	return out + "\n" + section(t, diff.Sections(variant(t, terms2020)), "Indemnity").Text
}

func itoa(n int) string {
	if n >= 10 {
		return string(rune('0'+n/10)) + string(rune('0'+n%10))
	}
	return string(rune('0' + n))
}

func pairOf(t *testing.T, al *diff.Alignment, aTitle string) diff.SectionPair {
	t.Helper()
	for _, p := range al.Sections {
		if p.A != nil && strings.HasPrefix(p.A.Title, aTitle) {
			return p
		}
	}
	t.Fatalf("no section %q on the A side", aTitle)
	return diff.SectionPair{}
}

func TestAlignRenumberedAndReordered(t *testing.T) {
	a, b := variant(t, terms2026), variantOf2026(t)
	if !strings.Contains(b, "## 3. Using the Platform") || !strings.Contains(b, "3.1 Our Platform") {
		t.Fatalf("the variant was not renumbered:\n%.600s", b)
	}
	al := diff.AlignSections(a, b, diff.Options{})

	// Renumbered, word for word the same: the same section.
	using := pairOf(t, al, "Using the Platform")
	if using.Kind != diff.SectionSame || !using.Renumbered || using.B.Number != "3" {
		t.Errorf("4 Using the Platform: %s, renumbered %v, B %q; want the same section, renumbered 3", using.Kind, using.Renumbered, using.B.Name())
	}
	if p := pairOf(t, al, "Account details"); p.Kind != diff.SectionSame || p.B.Number != "3.2" {
		t.Errorf("4.2 Account details ↔ %v (%s)", p.B, p.Kind)
	}
	// Moved.
	other := pairOf(t, al, "Other")
	if other.Kind != diff.SectionSame || other.B.Number != "8" || !other.Moved && !pairOf(t, al, "Resolving disputes").Moved {
		t.Errorf("9 Other ↔ %q (%s), moved %v: want 8 Other, one of it and Resolving disputes moved", other.B.Name(), other.Kind, other.Moved)
	}
	// Only in one.
	if p := pairOf(t, al, "The services covered"); p.Kind != diff.SectionOnlyA || p.B != nil {
		t.Errorf("2 The services covered by these Terms: %s, want only in A", p.Kind)
	}
	var onlyB []string
	for _, p := range al.Sections {
		if p.Kind == diff.SectionOnlyB {
			onlyB = append(onlyB, p.B.Name())
		}
	}
	if len(onlyB) != 1 || onlyB[0] != "10 Indemnity" {
		t.Errorf("only in B: %q, want [10 Indemnity]", onlyB)
	}
	// A word changed inside a shared section, shown word by word.
	promise := pairOf(t, al, "What we promise")
	if promise.Kind != diff.SectionChanged || promise.Diff == nil {
		t.Fatalf("5 What we promise to you: %s, want changed with a diff", promise.Kind)
	}
	var ins []string
	for _, h := range promise.Diff.Hunks {
		for _, bl := range h.Blocks {
			for _, sp := range bl.Spans {
				if sp.Op == diff.OpInsert {
					ins = append(ins, strings.TrimSpace(sp.Text))
				}
			}
		}
	}
	if strings.Join(ins, "|") != "commercially" || promise.Diff.WordsAdded != 1 || promise.Diff.WordsRemoved != 0 {
		t.Errorf("5 What we promise to you: inserted %q, +%d −%d; want commercially alone", ins, promise.Diff.WordsAdded, promise.Diff.WordsRemoved)
	}
	if al.Changed != 1 || al.OnlyA != 1 || al.OnlyB != 1 || al.Same != len(diff.Sections(a))-2 {
		t.Errorf("same %d, changed %d, only A %d, only B %d", al.Same, al.Changed, al.OnlyA, al.OnlyB)
	}
}

// TikTok's 2023 rewrite of its terms moved "4. Changes to the Terms and
// Services" to section 7: the alignment finds it there by its words, and
// leaves the sections that have no counterpart alone.
func TestAlignRealRewrite(t *testing.T) {
	al := diff.AlignSections(variant(t, terms2020), variant(t, terms2023), diff.Options{})
	p := pairOf(t, al, "Changes to the Terms")
	if p.B == nil || !strings.HasPrefix(p.B.Number, "7") || !p.Renumbered || !p.Moved {
		t.Errorf("4 Changes to the Terms and Services ↔ %v (renumbered %v, moved %v): want a section 7, renumbered and moved", p.B, p.Renumbered, p.Moved)
	}
	seen := map[*diff.Section]bool{}
	for _, p := range al.Sections {
		if p.B != nil {
			if seen[p.B] {
				t.Errorf("%s is paired twice", p.B.Name())
			}
			seen[p.B] = true
		}
	}
	if len(seen) != len(diff.Sections(variant(t, terms2023))) {
		t.Errorf("%d of B's sections shown, want every one", len(seen))
	}
}

// The two servings of TikTok's EEA privacy policy differ by the notice for
// UK users before the first heading; every section says the same.
func TestAlignRegionalServings(t *testing.T) {
	uk, eea := variant(t, privUK), variant(t, privEEA)
	al := diff.AlignSections(uk, eea, diff.Options{})
	n := len(diff.Sections(eea))
	if al.Changed != 1 || al.OnlyA != 0 || al.OnlyB != 0 || al.Same != n-1 {
		t.Fatalf("same %d, changed %d, only A %d, only B %d; want %d the same and the preamble changed", al.Same, al.Changed, al.OnlyA, al.OnlyB, n-1)
	}
	first := al.Sections[0]
	if first.Kind != diff.SectionChanged || first.A.Title != "" {
		t.Fatalf("first pair: %s %q", first.Kind, first.A.Name())
	}
	if got := first.Diff.Text(diff.Plain); !strings.Contains(got, "We are changing how we show ads to UK users") || first.Diff.WordsAdded != 0 {
		t.Errorf("the preamble's diff does not show the UK notice removed:\n%s", got)
	}
}

// The plain-text form counts the sections that say the same, names the
// renumbered and moved ones, and prints the others' differences.
func TestAlignmentText(t *testing.T) {
	al := diff.AlignSections(variant(t, terms2026), variantOf2026(t), diff.Options{})
	got := al.Text(diff.Plain, "eea", "us")
	for _, want := range []string{
		"22 sections say the same in both, 1 differs, 1 only in eea, 1 only in us.\n",
		"= 4 Using the Platform ↔ 3 Using the Platform — the same in both; renumbered 4 → 3\n",
		"~ 5 What we promise to you ↔ 4 What we promise to you — differs (+1 −0 words); renumbered 5 → 4\n",
		"{+commercially+}",
		"- 2 The services covered by these Terms — only in eea (line ",
		"+ 10 Indemnity — only in us (line ",
		"+ ## 10. Indemnity\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Our Platform and business model\n") && !strings.Contains(got, "renumbered 4.1 → 3.1") {
		t.Errorf("a section that says the same is printed in full:\n%s", got)
	}
	if strings.Contains(got, "= 1 Who your contract is with") {
		t.Errorf("a section neither renumbered nor moved is listed:\n%s", got)
	}
}

// Thousands of numbered lines with the same title (a table's rows) do not
// make the alignment quadratic in memory: too many to score, only titles
// found once on each side pair.
func TestAlignManySections(t *testing.T) {
	var a, b strings.Builder
	for i := range 900 {
		fmt.Fprintf(&a, "%d. Yes\nrow %d of the first\n", i+1, i)
		fmt.Fprintf(&b, "%d. Yes\nrow %d of the second\n", i+1, i)
	}
	a.WriteString("## Unique heading\nthe same words\n")
	b.WriteString("## Unique heading\nthe same words\n")
	al := diff.AlignSections(a.String(), b.String(), diff.Options{})
	if al.OnlyA != 900 || al.OnlyB != 900 || al.Same != 1 {
		t.Errorf("same %d, changed %d, only A %d, only B %d", al.Same, al.Changed, al.OnlyA, al.OnlyB)
	}
}

// A heading with nothing under it but its subsections ("## 4. Using the
// Platform") has no words to be matched by: two of them pair by their
// titles alone. The terms' "Using the Platform" is not the privacy
// policy's "How We Share Your Information", though both are empty.
func TestAlignEmptyParentsByTitle(t *testing.T) {
	al := diff.AlignSections(variant(t, terms2026), variant(t, privEEA), diff.Options{})
	for _, p := range al.Sections {
		if p.A != nil && p.B != nil && p.A.Title != "" && p.B.Title != "" && p.A.Words <= 8 && p.B.Words <= 8 {
			t.Errorf("%q ↔ %q paired (similarity %.2f): two empty sections with other titles", p.A.Name(), p.B.Name(), p.Similarity)
		}
	}
	if p := pairOf(t, al, "Using the Platform"); p.Kind != diff.SectionOnlyA {
		t.Errorf("4 Using the Platform: %s with %v, want only in the terms", p.Kind, p.B)
	}
	// Retitled, an empty parent still finds its counterpart by its title.
	a := variant(t, terms2026)
	b := strings.Replace(a, "## 6. Restricting, suspending or ending our relationship", "## 6. Suspending or ending our relationship", 1)
	if p := pairOf(t, diff.AlignSections(a, b, diff.Options{}), "Restricting, suspending"); p.B == nil || p.B.Title != "Suspending or ending our relationship" || p.Similarity >= 0.95 {
		t.Errorf("6 Restricting… ↔ %v (similarity %.2f): want the retitled section, by its title", p.B, p.Similarity)
	}
}

// An address's lines ("548 Market St. #16093", "4 Grand Canal Square") and a
// log line's address ("123.45.67.89 - …") are short lines that open with a
// number, not sections: real privacy policies print them under "Contact".
func TestAddressesAreNotSections(t *testing.T) {
	for _, f := range []string{"Reddit/Privacy Policy/2026-01-15T00-46-52Z", "WhatsApp/Privacy Policy/2025-09-23T06-28-01Z",
		"Twitter/Privacy Policy/2026-07-16T00-58-20Z", "Twitter/Law Enforcement Guidelines/2026-08-13T00-59-51Z",
		"YouTube/Privacy Policy/2026-07-14T12-59-29Z", "Pinterest/Terms of Service/2026-07-30T00-49-49Z"} {
		md, err := os.ReadFile(filepath.Join("..", "..", "testdata", "ota-more", f+".md"))
		if err != nil {
			t.Fatal(err)
		}
		s, err := ota.Text(md)
		if err != nil {
			t.Fatal(err)
		}
		numbered := 0
		for _, sec := range diff.Sections(s) {
			if regexp.MustCompile(`(?i)\b(St\.?|Square|Building|Chavez)\b|^- `).MatchString(sec.Title) || strings.Count(sec.Number, ".") > 2 {
				t.Errorf("%s: %q is a section", f, sec.Name())
			}
			if sec.Number != "" {
				numbered++
			}
		}
		if strings.HasPrefix(f, "Pinterest") && numbered != 26 { // its table of contents, then its sections
			t.Errorf("%s: %d numbered sections, want 26: “1. The Service” … “13. General terms” twice", f, numbered)
		}
	}
}
