package web

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"tracker/internal/diff"
)

// renderDiff renders a change with the diff page's template for a view:
// "diff-inline" or "diff-side-by-side".
func renderDiff(t *testing.T, r *diff.Result, view string) string {
	t.Helper()
	var b bytes.Buffer
	if err := parsePages()["diff"].ExecuteTemplate(&b, view, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// A change touching a long paragraph, a short one holding markup and escape
// sequences, and a removed paragraph.
func sampleChange() *diff.Result {
	const location = "- Location Information. We automatically collect information about your approximate location (e.g. country, state, or city) based on your Technical Information (such as SIM card and IP address). Also, where you enable location services for the TikTok app within your device settings, we collect approximate location information from your device."
	lines := func(ps ...string) string { return strings.Join(ps, "\n") + "\n" }
	old := lines("Intro.", location,
		"We share data with TikTok Pte. Ltd. and others. See <script>alert(1)</script> \x1b[2J here.",
		"Gone paragraph.")
	new := lines("Intro.", strings.Replace(location, "collect approximate", "collect precise", 1),
		"We share data with TikTok Pte. Ltd. and advertisers. See <script>alert(2)</script> \x1b[2J here.")
	return diff.Compare(old, new, diff.Options{})
}

func TestDiffViews(t *testing.T) {
	r := sampleChange()
	inline := renderDiff(t, r, "diff-inline")
	side := renderDiff(t, r, "diff-side-by-side")
	for name, html := range map[string]string{"inline": inline, "side by side": side} {
		if strings.Contains(html, "<script") || strings.Contains(html, "\x1b") {
			t.Errorf("%s lets page content through:\n%s", name, html)
		}
		if !strings.Contains(html, "&lt;script&gt;alert(") {
			t.Errorf("%s lost the escaped page text:\n%s", name, html)
		}
	}
	for _, want := range []string{
		`<p class="diff-changed">We share data with TikTok Pte. Ltd. and <del>others</del><ins>advertisers</ins>. See &lt;script&gt;alert(<del>1</del><ins>2</ins>)&lt;/script&gt; ␛[2J here.</p>`,
		`<p class="diff-removed"><del>Gone paragraph.</del></p>`,
		`<p class="diff-context">Intro.</p>`,
	} {
		if !strings.Contains(inline, want) {
			t.Errorf("inline lacks %s:\n%s", want, inline)
		}
	}
	for _, want := range []string{
		`<tr class="diff-changed"><td class="diff-old">We share data with TikTok Pte. Ltd. and <del>others</del>. See &lt;script&gt;alert(<del>1</del>)&lt;/script&gt; ␛[2J here.</td><td class="diff-new">We share data with TikTok Pte. Ltd. and <ins>advertisers</ins>. See &lt;script&gt;alert(<ins>2</ins>)&lt;/script&gt; ␛[2J here.</td></tr>`,
		`<tr class="diff-removed"><td class="diff-old"><del>Gone paragraph.</del></td><td class="diff-new"></td></tr>`,
	} {
		if !strings.Contains(side, want) {
			t.Errorf("side by side lacks %s:\n%s", want, side)
		}
	}
}

// A Result read back from storage must not be able to inject markup through
// its fields either.
func TestDiffViewsOfTamperedResult(t *testing.T) {
	var r diff.Result
	stored := `{"hunks":[{"old_start":1,"new_start":1,"blocks":[{"kind":"\"><script>x</script>","old":"<b>","new":"<i>",` +
		`"spans":[{"op":"+","text":"<img src=x onerror=alert(1)>"}]}]}]}`
	if err := json.Unmarshal([]byte(stored), &r); err != nil {
		t.Fatal(err)
	}
	for _, view := range []string{"diff-inline", "diff-side-by-side"} {
		html := renderDiff(t, &r, view)
		if strings.Contains(html, "<script") || strings.Contains(html, "<b>") || strings.Contains(html, "<img") {
			t.Errorf("markup from stored JSON came through:\n%s", html)
		}
	}
}

// Hidden characters from a page (an escape sequence, a bidirectional
// override, a carriage return) are shown, not obeyed, in both views; an edit
// holding no word gets the visible mark.
func TestDiffViewsShowHiddenCharacters(t *testing.T) {
	r := diff.Compare("Fees apply \u202eeerf\u202c here\n<b>Where you live</b>\n",
		"Fees apply \u202edias\u202c here\r\x1b[1m\n<b>Where you live.</b>\nAdded \x1b[2J\u2066line\n", diff.Options{})
	for _, view := range []string{"diff-inline", "diff-side-by-side"} {
		html := renderDiff(t, r, view)
		if strings.ContainsAny(html, "\u202e\u202c\r\x1b") || strings.Contains(html, "<b>") {
			t.Errorf("%s: hidden characters or markup came through:\n%q", view, html)
		}
		for _, want := range []string{"Fees apply \ufffd", "\ufffd here", "␍", "␛[1m", "<ins>Added ␛[2J\ufffdline</ins>", `&lt;b&gt;Where you live<ins class="diff-mark">.</ins>&lt;/b&gt;`} {
			if !strings.Contains(html, want) {
				t.Errorf("%s lacks %q:\n%s", view, want, html)
			}
		}
	}
}
