package diff

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// Paragraphs from the TikTok Privacy Policy, for hand-made cases.
const (
	paraLocation = "- Location Information. We automatically collect information about your approximate location (e.g. country, state, or city) based on your Technical Information (such as SIM card and IP address). Also, where you enable location services for the TikTok app within your device settings, we collect approximate location information from your device."
	paraCookies  = "- Cookies. We use cookies and similar tracking technologies to operate and provide the Platform. For example, we use cookies to remember your language preferences, make sure you don’t see the same video more than once, and for security purposes. We also use these technologies for marketing purposes."
	paraRetain   = "We retain your information for as long as it is necessary to provide you with the service so that we can fulfil our contractual obligations and exercise our rights in relation to the information involved."
	paraRights   = "You have the right to access, rectify and erase the personal data we hold about you, and to object to our processing of it, subject to the limits that the law sets."
	paraShare    = "We share your information with service providers who help us to deliver the Platform, including cloud storage providers, and with other members of our corporate group."
)

func lines(ps ...string) string { return strings.Join(ps, "\n") + "\n" }

func TestCompare(t *testing.T) {
	tests := []struct {
		name             string
		old, new         string
		kinds            []string
		edits            []string // nil: not checked
		added, removed   int
		cosmetic         bool
		unchangedOutcome bool
	}{
		{
			name: "identical", old: lines(paraRetain, paraRights), new: lines(paraRetain, paraRights),
			unchangedOutcome: true,
		},
		{
			name: "blank lines and CRLF are not changes",
			old:  lines(paraRetain, paraRights), new: "\r\n" + paraRetain + "\r\n\r\n   \r\n" + paraRights + "\r\n",
			unchangedOutcome: true,
		},
		{
			name:  "one word replaced",
			old:   lines(paraRetain, paraLocation, paraRights),
			new:   lines(paraRetain, strings.Replace(paraLocation, "collect approximate", "collect precise", 1), paraRights),
			kinds: []string{KindChanged}, edits: []string{"-approximate", "+precise"}, added: 1, removed: 1,
		},
		{
			name: "full stop added is cosmetic and counts no word",
			old:  lines("These terms differ based on where you live"), new: lines("These terms differ based on where you live."),
			kinds: []string{KindChanged}, edits: []string{"+."}, cosmetic: true,
		},
		{
			name: "case only is cosmetic, the edited words still show",
			old:  lines("Contact us"), new: lines("Contact Us"),
			kinds: []string{KindChanged}, edits: []string{"-us", "+Us"}, added: 1, removed: 1, cosmetic: true,
		},
		{
			name: "whitespace only is cosmetic",
			old:  lines("Data Controller:  If you live in the EEA"), new: lines("Data Controller: If you live in the EEA"),
			kinds: []string{KindChanged}, edits: []string{"-  ", "+ "}, cosmetic: true,
		},
		{
			name: "apostrophe typography is cosmetic",
			old:  lines("We don't sell your data."), new: lines("We don’t sell your data."),
			kinds: []string{KindChanged}, edits: []string{"-don't", "+don’t"}, added: 1, removed: 1, cosmetic: true,
		},
		{
			name: "a renumbered clause is not cosmetic",
			old:  lines("1. Scope"), new: lines("2. Scope"),
			kinds: []string{KindChanged}, edits: []string{"-1", "+2"}, added: 1, removed: 1,
		},
		{
			name: "words are counted, punctuation is not",
			old:  lines("The cat sat."), new: lines("The black cat sat, then left."),
			kinds: []string{KindChanged}, edits: []string{"+black ", "+, then left"}, added: 3,
		},
		{
			name:  "two sentences appended to a paragraph",
			old:   lines(paraRetain),
			new:   lines(paraRetain + " Where we do not need your information to provide the service, we keep it only as long as we have a legitimate business purpose. We may also keep it to comply with the law."),
			kinds: []string{KindChanged},
			edits: []string{"+ Where we do not need your information to provide the service, we keep it only as long as we have a legitimate business purpose. We may also keep it to comply with the law."},
			added: 34,
		},
		{
			name: "a paragraph that grew fourfold is still one paragraph",
			old:  lines(paraRights), new: lines(paraRights + " " + paraRetain + " " + paraShare + " " + paraCookies),
			kinds: []string{KindChanged},
			edits: []string{"+ " + paraRetain + " " + paraShare + " " + paraCookies},
			added: 35 + 26 + 47,
		},
		{
			name: "paragraph inserted",
			old:  lines(paraRetain, paraRights), new: lines(paraRetain, paraShare, paraRights),
			kinds: []string{KindAdded}, edits: []string{}, added: 26,
		},
		{
			name: "paragraph removed",
			old:  lines(paraRetain, paraShare, paraRights), new: lines(paraRetain, paraRights),
			kinds: []string{KindRemoved}, edits: []string{}, removed: 26,
		},
		{
			// Two legal paragraphs sharing many common words (we, your, the,
			// to, of) must not be word-diffed into confetti.
			name: "unrelated paragraph replaced",
			old:  lines(paraRetain, paraShare, paraCookies), new: lines(paraRetain, paraRights, paraCookies),
			kinds: []string{KindRemoved, KindAdded}, edits: []string{}, added: 32, removed: 26,
		},
		{
			name:  "paragraph moved",
			old:   lines(paraShare, paraRetain, paraRights, paraCookies),
			new:   lines(paraRetain, paraRights, paraShare, paraCookies),
			kinds: []string{KindMovedAway, KindMoved}, edits: []string{},
		},
		{
			// Too short to be recognised by its similarity: it must be the
			// same text.
			name: "short heading moved",
			old:  lines("## Contact us", paraShare, paraRetain, paraRights), new: lines(paraShare, paraRetain, "## Contact us", paraRights),
			kinds: []string{KindMovedAway, KindMoved}, edits: []string{},
		},
		{
			name:  "paragraph moved with its spacing changed",
			old:   lines(paraShare, paraRetain, paraRights, paraCookies),
			new:   lines(paraRetain, paraRights, strings.Replace(paraShare, "We share", "We  share", 1), paraCookies),
			kinds: []string{KindMovedAway, KindMoved}, edits: []string{"- ", "+  "},
		},
		{
			name:  "paragraph moved and edited",
			old:   lines(paraLocation, paraRetain, paraRights, paraCookies),
			new:   lines(paraRetain, paraRights, strings.Replace(paraLocation, "collect approximate", "collect precise", 1), paraCookies),
			kinds: []string{KindMovedAway, KindMoved}, edits: []string{"-approximate", "+precise"}, added: 1, removed: 1,
		},
		{
			name: "paragraph split in two",
			old:  lines(paraRetain+" "+paraRights, paraCookies), new: lines(paraRetain, paraRights, paraCookies),
			kinds: []string{KindChanged}, edits: []string{"- ", "+\n"}, cosmetic: true,
		},
		{
			name:  "paragraphs merged and edited",
			old:   lines(paraRetain, paraRights, paraCookies),
			new:   lines(paraRetain+" "+strings.Replace(paraRights, "erase", "delete", 1), paraCookies),
			kinds: []string{KindChanged}, edits: []string{"-\n", "+ ", "-erase", "+delete"}, added: 1, removed: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Compare(tc.old, tc.new, Options{})
			if tc.unchangedOutcome {
				if r.Changed() || r.Cosmetic || r.WordsAdded != 0 || r.WordsRemoved != 0 {
					t.Errorf("want no change, got %s", r.Text(Plain))
				}
				return
			}
			if got := kinds(r); !slices.Equal(got, tc.kinds) {
				t.Errorf("blocks %q, want %q\n%s", got, tc.kinds, r.Text(Plain))
			}
			if got := edits(r); tc.edits != nil && !slices.Equal(got, tc.edits) && !(len(got) == 0 && len(tc.edits) == 0) {
				t.Errorf("edits %q, want %q", got, tc.edits)
			}
			if r.WordsAdded != tc.added || r.WordsRemoved != tc.removed {
				t.Errorf("words +%d -%d, want +%d -%d", r.WordsAdded, r.WordsRemoved, tc.added, tc.removed)
			}
			if r.Cosmetic != tc.cosmetic {
				t.Errorf("cosmetic = %v, want %v", r.Cosmetic, tc.cosmetic)
			}
			if r.Approximate {
				t.Error("approximate")
			}
			checkReconstructs(t, Compare(tc.old, tc.new, Options{Context: 1 << 30}), tc.old, tc.new)
		})
	}
}

// A one-word edit in a 2,000-word clause shows as that word.
func TestOneWordInLongClause(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 13000; i++ {
		fmt.Fprintf(&b, "%s (clause %d) ", paraCookies, i)
	}
	clause := strings.TrimSpace(b.String())
	if n := countWords(clause); n < 2000 {
		t.Fatalf("clause has %d words", n)
	}
	edited := strings.Replace(clause, "(clause 20) - Cookies. We use", "(clause 20) - Cookies. We never use", 1)
	r := Compare(lines(paraRetain, clause, paraRights), lines(paraRetain, edited, paraRights), Options{})
	if got, want := edits(r), []string{"+never "}; !slices.Equal(got, want) {
		t.Errorf("edits %q, want %q", got, want)
	}
	if r.WordsAdded != 1 || r.WordsRemoved != 0 {
		t.Errorf("words +%d -%d, want +1 -0", r.WordsAdded, r.WordsRemoved)
	}
}

// Tokens are given runes past the surrogate range once there are more than
// 55,000 of them. Surrogates would turn into U+FFFD inside the library, and
// two different words given surrogates would compare equal: the edit of the
// second paragraph, whose words are encoded after the 56,000 of the first,
// would vanish.
func TestManyDistinctWords(t *testing.T) {
	words := make([]string, 56000)
	for i := range words {
		words[i] = fmt.Sprintf("w%d", i)
	}
	old := lines(strings.Join(words, " "), "Your alpha data is safe with us.")
	words[100] = "changed"
	new := lines(strings.Join(words, " "), "Your delta data is safe with us.")
	r := Compare(old, new, Options{})
	if got, want := edits(r), []string{"-w100", "+changed", "-alpha", "+delta"}; !slices.Equal(got, want) {
		t.Errorf("edits %q, want %q", got, want)
	}
}

func TestContext(t *testing.T) {
	var ps []string
	for i := 1; i <= 12; i++ {
		ps = append(ps, fmt.Sprintf("Paragraph %d.", i))
	}
	old := strings.Join(ps, "\n\n") // blank lines: paragraph k is on line 2k-1
	edit := func(ps []string, ks ...int) string {
		out := slices.Clone(ps)
		for _, k := range ks {
			out[k-1] = fmt.Sprintf("Paragraph %d, edited.", k)
		}
		return strings.Join(out, "\n")
	}
	type hunk struct {
		oldStart, newStart int
		kinds              string
	}
	summarize := func(r *Result) []hunk {
		var hs []hunk
		for _, h := range r.Hunks {
			var ks []string
			for _, b := range h.Blocks {
				ks = append(ks, b.Kind[:2])
			}
			hs = append(hs, hunk{h.OldStart, h.NewStart, strings.Join(ks, " ")})
		}
		return hs
	}
	tests := []struct {
		name    string
		context int
		edited  []int
		want    []hunk
	}{
		{"default context is one paragraph", 0, []int{5}, []hunk{{7, 4, "co ch co"}}},
		{"no context", -1, []int{5}, []hunk{{9, 5, "ch"}}},
		{"two paragraphs", 2, []int{5}, []hunk{{5, 3, "co co ch co co"}}},
		{"first paragraph", 1, []int{1}, []hunk{{1, 1, "ch co"}}},
		{"last paragraph", 1, []int{12}, []hunk{{21, 11, "co ch"}}},
		{"changes two apart share a hunk", 1, []int{3, 6}, []hunk{{3, 2, "co ch co co ch co"}}},
		{"changes three apart get two hunks", 1, []int{3, 7}, []hunk{{3, 2, "co ch co"}, {11, 6, "co ch co"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Compare(old, edit(ps, tc.edited...), Options{Context: tc.context})
			if got := summarize(r); !slices.Equal(got, tc.want) {
				t.Errorf("hunks %v, want %v", got, tc.want)
			}
		})
	}
}

// The JSON form is stored and shown; its field names are an interface.
func TestJSON(t *testing.T) {
	r := Compare("Intro.\nWe collect your approximate location.\n", "Intro.\nWe collect your precise location.\n", Options{})
	got, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"hunks":[{"old_start":1,"new_start":1,"blocks":[` +
		`{"kind":"context","old_line":1,"new_line":1,"old":"Intro.","new":"Intro."},` +
		`{"kind":"changed","old_line":2,"new_line":2,"old":"We collect your approximate location.","new":"We collect your precise location.",` +
		`"spans":[{"op":"=","text":"We collect your "},{"op":"-","text":"approximate"},{"op":"+","text":"precise"},{"op":"=","text":" location."}]}]}],` +
		`"words_added":1,"words_removed":1,"cosmetic":false,"approximate":false}`
	if string(got) != want {
		t.Errorf("JSON:\n%s\nwant:\n%s", got, want)
	}
	if got, _ := json.Marshal(Compare("same\n", "same\n", Options{})); string(got) != `{"hunks":[],"words_added":0,"words_removed":0,"cosmetic":false,"approximate":false}` {
		t.Errorf("JSON of no change: %s", got)
	}
	var back Result
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
}

// A currency, a comparison, a sign or a percent says something: changing
// one is not cosmetic, while punctuation and hyphens stay cosmetic.
func TestSymbolsThatSaySomething(t *testing.T) {
	for _, tc := range []struct {
		old, new string
		cosmetic bool
	}{
		{"Coins cost $0.99 each.", "Coins cost €0.99 each.", false},
		{"You must be > 18 to go LIVE.", "You must be < 18 to go LIVE.", false},
		{"Creators earn -5% on gifts.", "Creators earn 5% on gifts.", false},
		{"Fees are 50% of the price.", "Fees are 50‰ of the price.", false},
		{"Fees are 2 + 3 coins.", "Fees are 2 × 3 coins.", false},
		{"See section 4 of the terms.", "See § 4 of the terms.", false},
		{"We use e-mail and cookies.", "We use e mail, and cookies!", true},
		{"From 2020-2021, call 818-558-1400.", "From 2020–2021, call 818 558 1400.", true},
	} {
		if r := Compare(tc.old, tc.new, Options{}); r.Cosmetic != tc.cosmetic || !r.Changed() {
			t.Errorf("%q → %q: cosmetic %v, want %v", tc.old, tc.new, r.Cosmetic, tc.cosmetic)
		}
	}
}

// A paragraph split with an edit at the split: every line of the text diff
// and of the one-line excerpt keeps its prefix, the break drawn as ¶.
func TestSplitWithAnEditKeepsLinesPrefixed(t *testing.T) {
	old := "Intro.\nYou can only use the Platform if you are 13 years or older. We monitor for underage use.\nEnd."
	new := "Intro.\nYou can only use the Platform if you are 13 years or older.\nWe do not monitor for underage use.\nEnd."
	r := Compare(old, new, Options{})
	for _, line := range strings.Split(strings.TrimRight(r.Text(Plain), "\n"), "\n") {
		if !strings.HasPrefix(line, "@@ ") && !strings.HasPrefix(line, "  ") && !strings.HasPrefix(line, "~ ") &&
			!strings.HasPrefix(line, "- ") && !strings.HasPrefix(line, "+ ") && !strings.HasPrefix(line, "> ") && !strings.HasPrefix(line, "< ") {
			t.Errorf("a line without a prefix: %q in\n%s", line, r.Text(Plain))
		}
	}
	if ex := r.ExcerptText(ExcerptOptions{Hunks: 4}); strings.Contains(strings.TrimRight(ex, "\n"), "\n") {
		t.Errorf("the one-hunk excerpt runs over two lines: %q", ex)
	}
	if !strings.Contains(r.Text(Plain), "¶") {
		t.Errorf("the split is not drawn:\n%s", r.Text(Plain))
	}
}
