package diff

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

const (
	tos = "TikTok/Terms of Service/"
	pp  = "TikTok/Privacy Policy/"
)

// readVersion reads a version from testdata in the version text format.
func readVersion(tb testing.TB, name string) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "ota-tiktok", name+".md"))
	if err != nil {
		tb.Fatal(err)
	}
	return markdownToText(string(b))
}

// realChange is one change from the TikTok history, with what a reader
// checking it would look for. The edits fields list the edited spans of the
// whole result in order ("-removed", "+added"), checked when not nil.
type realChange struct {
	name     string
	old, new string
	cosmetic bool
	added    int // words, -1 to skip the check
	removed  int
	kinds    []string // kinds of the non-context blocks, checked when not nil
	edits    []string
}

var realChanges = []realChange{
	{
		name: "tos-2023-04-13-one-word-removed",
		old:  tos + "2023-01-19T06-52-15Z", new: tos + "2023-04-13T06-43-30Z",
		added: 0, removed: 1,
		kinds: []string{KindChanged},
		edits: []string{"-TikTok "},
	},
	{
		name: "pp-2021-03-03-uk-spelled-out",
		old:  pp + "2021-02-15T09-02-18Z", new: pp + "2021-03-03T07-27-25Z",
		added: 2, removed: 1,
		kinds: []string{KindChanged},
		edits: []string{"-UK", "+United Kingdom"},
	},
	{
		name: "tos-2026-07-14-date-and-list",
		old:  tos + "2026-04-29T00-52-57Z", new: tos + "2026-07-14T12-52-49Z",
		added: 2, removed: 9,
		kinds: []string{KindChanged, KindChanged},
		edits: []string{"-August 2025", "+July 2026", "-: UK, Ireland, Spain, Germany, France and Italy."},
	},
	{
		// The flip-flop of July 2026: a stray style sheet appears and the
		// full stop that ended a sentence comes back...
		name: "tos-2026-07-21-flip",
		old:  tos + "2026-07-14T12-52-49Z", new: tos + "2026-07-21T12-57-53Z",
		added: 126, removed: 0,
		kinds: []string{KindAdded, KindChanged},
		edits: []string{"+."},
	},
	{
		// ...and the style sheet goes again.
		name: "tos-2026-07-23-flop",
		old:  tos + "2026-07-21T12-57-53Z", new: tos + "2026-07-23T00-56-42Z",
		added: 0, removed: 126,
		kinds: []string{KindRemoved},
	},
	{
		// Privacy Policy flip-flop of May 2026: one paragraph (a notice
		// about UK ads) removed, then put back.
		name: "pp-2026-05-20-flip",
		old:  pp + "2026-05-20T00-55-55Z", new: pp + "2026-05-20T12-57-53Z",
		added: 0, removed: 38,
		kinds: []string{KindRemoved},
	},
	{
		name: "pp-2026-05-31-flop",
		old:  pp + "2026-05-20T12-57-53Z", new: pp + "2026-05-31T00-55-08Z",
		added: 38, removed: 0,
		kinds: []string{KindAdded},
	},
	{
		// Placeholder brackets taken off a date: punctuation only.
		name: "pp-2023-10-20-brackets",
		old:  pp + "2023-10-19T12-42-02Z", new: pp + "2023-10-20T12-43-10Z",
		cosmetic: true, added: 0, removed: 0,
		kinds: []string{KindChanged, KindChanged},
		edits: []string{"-[", "-]", "-[", "-]"},
	},
	{
		// Section titles become headings: formatting only.
		name: "tos-2026-02-23-headings",
		old:  tos + "2025-10-07T18-20-56Z", new: tos + "2026-02-23T00-52-19Z",
		cosmetic: true, added: 0, removed: 0,
	},
	{
		// A re-extraction (kind "technical" in the archive) that swapped
		// spaces for no-break spaces.
		name: "pp-2022-09-20-technical-nbsp",
		old:  pp + "2022-07-13T03-25-21Z", new: pp + "2022-09-20T15-23-04Z",
		cosmetic: true, added: 0, removed: 0,
		kinds: []string{KindChanged, KindChanged, KindChanged},
		edits: []string{"- ", "+\u00a0", "- ", "+\u00a0", "- ", "+\u00a0"},
	},
	{
		// Two paragraphs merged, an address line moved, several edits.
		name: "pp-2025-10-29-merge-move-edits",
		old:  pp + "2025-09-23T07-42-00Z", new: pp + "2025-10-29T18-24-29Z",
		added: 114, removed: 25,
	},
	{
		// The 2025 rewrite of the terms, with moved paragraphs.
		name: "tos-2025-06-25-rewrite",
		old:  tos + "2025-05-05T18-18-57Z", new: tos + "2025-06-25T06-16-50Z",
		added: -1,
	},
	{
		// Not consecutive: the policy of late 2020 against that of 2023.
		name: "pp-2020-vs-2023-rewrite",
		old:  pp + "2020-12-14T11-17-04Z", new: pp + "2023-05-24T18-43-28Z",
		added: -1,
	},
}

func TestGolden(t *testing.T) {
	for _, tc := range realChanges {
		t.Run(tc.name, func(t *testing.T) {
			old, new := readVersion(t, tc.old), readVersion(t, tc.new)
			r := Compare(old, new, Options{})
			if !r.Changed() {
				t.Fatal("no change found")
			}
			if r.Approximate {
				t.Error("approximate result on a real change")
			}
			if r.Cosmetic != tc.cosmetic {
				t.Errorf("cosmetic = %v, want %v", r.Cosmetic, tc.cosmetic)
			}
			if tc.added >= 0 && (r.WordsAdded != tc.added || r.WordsRemoved != tc.removed) {
				t.Errorf("words +%d -%d, want +%d -%d", r.WordsAdded, r.WordsRemoved, tc.added, tc.removed)
			}
			if tc.kinds != nil && !slices.Equal(kinds(r), tc.kinds) {
				t.Errorf("blocks %q, want %q", kinds(r), tc.kinds)
			}
			if tc.edits != nil && !slices.Equal(edits(r), tc.edits) {
				t.Errorf("edits %q, want %q", edits(r), tc.edits)
			}
			checkReconstructs(t, Compare(old, new, Options{Context: 1 << 30}), old, new)

			got := r.Summary() + "\n\n" + r.Text(Plain)
			path := filepath.Join("testdata", "golden", tc.name+".txt")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("rendered diff differs from %s (run with -update after checking):\n%s", path, firstDifference(got, string(want)))
			}
		})
	}
}

// firstDifference shows the first line where two texts differ.
func firstDifference(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\ngot:  %s\nwant: %s", i+1, gl, wl)
		}
	}
	return ""
}

func TestDeterministic(t *testing.T) {
	old, new := readVersion(t, tos+"2025-05-05T18-18-57Z"), readVersion(t, tos+"2025-06-25T06-16-50Z")
	first, _ := json.Marshal(Compare(old, new, Options{}))
	for range 5 {
		again, _ := json.Marshal(Compare(old, new, Options{}))
		if string(again) != string(first) {
			t.Fatal("two comparisons of the same versions differ")
		}
	}
}

// When the work budget runs out the result is coarser but still right, and
// says so.
func TestBudgetGivesApproximateResult(t *testing.T) {
	old, new := readVersion(t, pp+"2025-09-23T07-42-00Z"), readVersion(t, pp+"2025-10-29T18-24-29Z")
	r := Compare(old, new, Options{Budget: 1, Context: 1 << 30})
	if !r.Approximate {
		t.Error("approximate not set")
	}
	checkReconstructs(t, r, old, new)
}
