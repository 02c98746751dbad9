package digest

import (
	"strings"
	"testing"

	"tracker/internal/diff"
)

func excerptOf(t *testing.T, r *diff.Result, opt diff.ExcerptOptions) string {
	t.Helper()
	ex, more := r.Excerpts(opt)
	ps := make([]Passage, len(ex))
	for i, e := range ex {
		ps[i] = Passage{Excerpt: e}
	}
	html, err := renderExcerptHTML(ps, more)
	if err != nil {
		t.Fatal(err)
	}
	return string(html)
}

// The excerpt of a mail: the changed words with a few words around them,
// inline styles only, an edit holding no word marked more visibly, and what
// does not fit counted.
func TestExcerptHTML(t *testing.T) {
	const location = "- Location Information. We automatically collect information about your approximate location (e.g. country, state, or city) based on your Technical Information (such as SIM card and IP address). Also, where you enable location services for the TikTok app within your device settings, we collect approximate location information from your device."
	lines := func(ps ...string) string { return strings.Join(ps, "\n") + "\n" }
	r := diff.Compare(lines("Intro.", location,
		"We share data with TikTok Pte. Ltd. and others. See <script>alert(1)</script> \x1b[2J here.",
		"Gone paragraph."),
		lines("Intro.", strings.Replace(location, "collect approximate", "collect precise", 1),
			"We share data with TikTok Pte. Ltd. and advertisers. See <script>alert(2)</script> \x1b[2J here."), diff.Options{})
	const del, ins = `<del style="background:#fde2e2;color:#8f1d1d;text-decoration:line-through">`, `<ins style="background:#dff3df;color:#1b5e20;text-decoration:none;font-weight:600">`
	want := "<ul style=\"margin:6px 0;padding-left:18px\">\n<li><span style=\"color:#6b6b6b\">Line 2</span> …settings, we collect " + del + "approximate</del>" + ins +
		"precise</ins> location information from … Pte. Ltd. and " + del + "others</del>…</li>\n</ul>\n"
	if got := excerptOf(t, r, diff.ExcerptOptions{Words: 12, Context: 3}); got != want {
		t.Errorf("excerpt:\n%s\nwant:\n%s", got, want)
	}
	got := excerptOf(t, r, diff.ExcerptOptions{})
	if strings.Contains(got, "<script") || strings.Contains(got, "\x1b") || !strings.Contains(got, "&lt;script&gt;alert(") || !strings.Contains(got, "␛[2J") {
		t.Errorf("page text not escaped and made visible:\n%s", got)
	}

	r = diff.Compare(lines("One here", "A.", "B.", "C.", "Two here", "D.", "E.", "F.", "Moved paragraph that is long enough to count."),
		lines("Moved paragraph that is long enough to count.", "One here.", "A.", "B.", "C.", "Two there", "D.", "E.", "F."), diff.Options{})
	got = excerptOf(t, r, diff.ExcerptOptions{Hunks: 2})
	for _, want := range []string{
		`<span style="color:#6b6b6b;font-style:italic">(moved from line 9)</span> Moved paragraph`,
		`One here<ins style="background:#fff3c4">.</ins></li>`,
		`<li style="color:#6b6b6b;list-style:none">1 more passage not shown</li>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("excerpt lacks %s:\n%s", want, got)
		}
	}
	got = excerptOf(t, diff.Compare("Contact us\n", "Contact Us\n", diff.Options{}), diff.ExcerptOptions{})
	if want := `<li><span style="color:#6b6b6b">Line 1 (formatting only)</span> Contact `; !strings.Contains(got, want) {
		t.Errorf("excerpt lacks %s:\n%s", want, got)
	}
}

// Markup in a Result's fields does not come through either. (The digest
// diffs stored texts afresh rather than reading stored Results, but a
// Result is data, and the excerpt must not trust it.)
func TestExcerptHTMLOfTamperedResult(t *testing.T) {
	r := &diff.Result{Hunks: []diff.Hunk{{OldStart: 1, NewStart: 1, Blocks: []diff.Block{
		{Kind: `"><script>x</script>`, Old: "<b>", New: "<i>", Spans: []diff.Span{{Op: diff.OpInsert, Text: "<script>y</script>"}}},
		{Kind: diff.KindChanged, NewLine: 2, Old: "<b>", New: "<img src=x onerror=alert(1)><b>",
			Spans: []diff.Span{{Op: diff.OpInsert, Text: "<img src=x onerror=alert(1)>"}, {Op: diff.OpEqual, Text: "<b>"}}},
	}}}}
	html := excerptOf(t, r, diff.ExcerptOptions{})
	if strings.Contains(html, "<script") || strings.Contains(html, "<b>") || strings.Contains(html, "<img") || !strings.Contains(html, "&lt;img src=x") {
		t.Errorf("markup in a Result came through:\n%s", html)
	}
}
