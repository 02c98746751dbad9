package diff

import (
	"slices"
	"strings"
	"testing"
)

// A change touching a long paragraph, a short one holding markup and escape
// sequences, and a removed paragraph.
func sampleChange() *Result {
	old := lines("Intro.", paraLocation,
		"We share data with TikTok Pte. Ltd. and others. See <script>alert(1)</script> \x1b[2J here.",
		"Gone paragraph.")
	new := lines("Intro.", strings.Replace(paraLocation, "collect approximate", "collect precise", 1),
		"We share data with TikTok Pte. Ltd. and advertisers. See <script>alert(2)</script> \x1b[2J here.")
	return Compare(old, new, Options{})
}

func TestFragments(t *testing.T) {
	type frag struct {
		kind    string
		line    int
		text    string
		changed []string
	}
	var got []frag
	for _, f := range sampleChange().Fragments() {
		got = append(got, frag{f.Kind, f.Line, f.Text, f.ChangedText()})
	}
	want := []frag{
		// Only the sentence holding the edit, not the whole paragraph.
		{FragmentRemoved, 2, "Also, where you enable location services for the TikTok app within your device settings, we collect approximate location information from your device.", []string{"approximate"}},
		{FragmentAdded, 2, "Also, where you enable location services for the TikTok app within your device settings, we collect precise location information from your device.", []string{"precise"}},
		// "Pte. Ltd." does not end a sentence; two edited sentences in a row
		// make one fragment.
		{FragmentRemoved, 3, "We share data with TikTok Pte. Ltd. and others. See <script>alert(1)</script> \x1b[2J here.", []string{"others", "1"}},
		{FragmentAdded, 3, "We share data with TikTok Pte. Ltd. and advertisers. See <script>alert(2)</script> \x1b[2J here.", []string{"advertisers", "2"}},
		{FragmentRemoved, 4, "Gone paragraph.", []string{"Gone paragraph."}},
	}
	if !slices.EqualFunc(got, want, func(a, b frag) bool {
		return a.kind == b.kind && a.line == b.line && a.text == b.text && slices.Equal(a.changed, b.changed)
	}) {
		t.Errorf("fragments:\n%+v\nwant:\n%+v", got, want)
	}
}

func TestFragmentsOfMovesAndCosmetics(t *testing.T) {
	r := Compare(lines(paraShare, paraRetain, paraRights, "Contact us"), lines(paraRetain, paraRights, paraShare, "Contact Us"), Options{})
	fs := r.Fragments()
	if len(fs) != 3 {
		t.Fatalf("got %d fragments, want 3: %+v", len(fs), fs)
	}
	if fs[0].Kind != FragmentMoved || fs[0].Text != paraShare || len(fs[0].Changed) != 0 || fs[0].Line != 3 {
		t.Errorf("moved fragment: %+v", fs[0])
	}
	for _, f := range fs[1:] {
		if !f.Cosmetic {
			t.Errorf("case change not marked cosmetic: %+v", f)
		}
	}
}

func TestSentences(t *testing.T) {
	text := "1. Who we are. We, i.e. TikTok Inc., collect data (see Section 3). Then “we stop.” Done! ok"
	var got []string
	for _, r := range sentences(text) {
		got = append(got, text[r.Start:r.End])
	}
	want := []string{"1. Who we are. ", "We, i.e. TikTok Inc., collect data (see Section 3). ", "Then “we stop.” ", "Done! ok"}
	if !slices.Equal(got, want) {
		t.Errorf("sentences %q, want %q", got, want)
	}
}

func TestTextPlain(t *testing.T) {
	want := "@@ -1 +1 @@\n" +
		"  Intro.\n" +
		"~ " + strings.Replace(paraLocation, "collect approximate", "collect [-approximate-]{+precise+}", 1) + "\n" +
		// The page's escape character is shown, not sent to the terminal.
		"~ We share data with TikTok Pte. Ltd. and [-others-]{+advertisers+}. See <script>alert([-1-]{+2+})</script> ␛[2J here.\n" +
		"- Gone paragraph.\n"
	if got := sampleChange().Text(Plain); got != want {
		t.Errorf("Text(Plain):\n%s\nwant:\n%s", got, want)
	}
}

func TestTextPlainMarks(t *testing.T) {
	tests := []struct{ name, old, new, want string }{
		{"space outside the marks", "a good deal", "a very good deal", "~ a {+very+} good deal"},
		{"whitespace edit drawn", "Data Controller:  If", "Data Controller:\u00a0If", "~ Data Controller:[-··-]{+⍽+}If"},
		{"paragraph split drawn", "One here. Two there.", "One here.\nTwo there.", "~ One here.[-·-]{+¶+}Two there."},
		{"moved", "Moved paragraph.\nA.\nB.", "A.\nB.\nMoved paragraph.", "< (moved to line 3) Moved paragraph.\n  A.\n  B.\n> (moved from line 1) Moved paragraph."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Compare(tc.old, tc.new, Options{Context: -1}).Text(Plain)
			body := strings.TrimSuffix(got[strings.Index(got, "\n")+1:], "\n")
			if tc.name == "moved" {
				body = strings.TrimSuffix(Compare(tc.old, tc.new, Options{Context: 5}).Text(Plain), "\n")
				body = body[strings.Index(body, "\n")+1:]
			}
			if body != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", body, tc.want)
			}
		})
	}
}

func TestTextANSI(t *testing.T) {
	got := sampleChange().Text(ANSI)
	for _, want := range []string{
		"\x1b[36m@@ -1 +1 @@\x1b[0m\n",
		"collect \x1b[9;31mapproximate\x1b[0m\x1b[32mprecise\x1b[0m location",
		"\x1b[31m- Gone paragraph.\x1b[0m\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("Text(ANSI) lacks %q:\n%q", want, got)
		}
	}
	if strings.Contains(got, "\x1b[2J") {
		t.Error("the page's escape sequence reached the terminal")
	}
}

// What the renderers are given: edits without their surrounding
// whitespace, whitespace-only edits drawn and marked, hidden characters
// visible, and each side of a side-by-side view without the other's edits.
func TestParts(t *testing.T) {
	tests := []struct {
		old, new           string
		inline, old1, new1 []Part
	}{
		{"a good deal", "a very good deal",
			[]Part{{OpEqual, "a ", false}, {OpInsert, "very", false}, {OpEqual, " ", false}, {OpEqual, "good deal", false}},
			[]Part{{OpEqual, "a ", false}, {OpEqual, "good deal", false}},
			[]Part{{OpEqual, "a ", false}, {OpInsert, "very", false}, {OpEqual, " ", false}, {OpEqual, "good deal", false}}},
		{"Data Controller:  If \x1b[2J", "Data Controller:\u00a0If \x1b[2J",
			[]Part{{OpEqual, "Data Controller:", false}, {OpDelete, "··", true}, {OpInsert, "⍽", true}, {OpEqual, "If ␛[2J", false}},
			[]Part{{OpEqual, "Data Controller:", false}, {OpDelete, "··", true}, {OpEqual, "If ␛[2J", false}},
			[]Part{{OpEqual, "Data Controller:", false}, {OpInsert, "⍽", true}, {OpEqual, "If ␛[2J", false}}},
	}
	for _, tc := range tests {
		r := Compare(tc.old, tc.new, Options{Context: -1})
		b := r.Hunks[0].Blocks[0]
		if got := b.Parts(); !slices.Equal(got, tc.inline) {
			t.Errorf("%q → %q: Parts %+v, want %+v", tc.old, tc.new, got, tc.inline)
		}
		if got := b.OldParts(); !slices.Equal(got, tc.old1) {
			t.Errorf("%q → %q: OldParts %+v, want %+v", tc.old, tc.new, got, tc.old1)
		}
		if got := b.NewParts(); !slices.Equal(got, tc.new1) {
			t.Errorf("%q → %q: NewParts %+v, want %+v", tc.old, tc.new, got, tc.new1)
		}
	}
}

func TestExcerpt(t *testing.T) {
	r := sampleChange()
	text := r.ExcerptText(ExcerptOptions{})
	want := "Line 2: …for the TikTok app within your device settings, we collect [-approximate-]{+precise+} location information from your device." +
		" … We share data with TikTok Pte. Ltd. and [-others-]{+advertisers+}. See <script>alert([-1-]{+2+})</script> ␛[2J here. … [-Gone paragraph.-]\n"
	if text != want {
		t.Errorf("ExcerptText:\n%s\nwant:\n%s", text, want)
	}
	// Fewer words, and less context around each edit (the digest's HTML
	// part shows the same selection: see its TestExcerptHTML).
	text = r.ExcerptText(ExcerptOptions{Words: 12, Context: 3})
	want = "Line 2: …settings, we collect [-approximate-]{+precise+} location information from … Pte. Ltd. and [-others-]…\n"
	if text != want {
		t.Errorf("ExcerptText:\n%s\nwant:\n%s", text, want)
	}
}

// Ten words of context on each side of an edit in a long clause, and a cap on
// the number of hunks that prefers real changes to cosmetic ones.
func TestExcerptLimits(t *testing.T) {
	var ps, edited []string
	for i := 0; i < 14; i++ {
		ps = append(ps, paraCookies+" ("+string(rune('a'+i))+")")
	}
	edited = slices.Clone(ps)
	edited[1] = strings.Replace(edited[1], "remember your language", "remember your LANGUAGE", 1) // cosmetic
	edited[6] = strings.Replace(edited[6], "marketing purposes", "advertising purposes", 1)
	edited[11] = strings.Replace(edited[11], "security purposes", "fraud prevention", 1)
	r := Compare(lines(ps...), lines(edited...), Options{})
	got := r.ExcerptText(ExcerptOptions{Hunks: 2})
	want := "Line 7: …and for security purposes. We also use these technologies for [-marketing-]{+advertising+} purposes. (g)\n" +
		"Line 12: …don’t see the same video more than once, and for [-security purposes-]{+fraud prevention+}. We also use these technologies for marketing purposes. (l)\n" +
		"(1 more change not shown)\n"
	if got != want {
		t.Errorf("ExcerptText:\n%s\nwant:\n%s", got, want)
	}
}

func TestSummary(t *testing.T) {
	tests := []struct{ old, new, want string }{
		{"Same.", "Same.", "no change"},
		{"Contact us", "Contact Us", "formatting only (whitespace, punctuation or case)"},
		{"We collect data.", "We collect your data.", "1 word added, 0 removed"},
		{lines(paraShare, "A.", "B."), lines("A.", "B.", strings.Replace(paraShare, "We share", "We also share", 1)), "1 word added, 0 removed, 1 paragraph moved"},
	}
	for _, tc := range tests {
		if got := Compare(tc.old, tc.new, Options{}).Summary(); got != tc.want {
			t.Errorf("Summary(%q → %q) = %q, want %q", tc.old, tc.new, got, tc.want)
		}
	}
}
