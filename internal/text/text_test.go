package text

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSummary(t *testing.T) {
	const text = "The Federal Trade Commission has finalized an order against the operator of a popular video-sharing app."
	tests := []struct {
		name string
		in   string
		n    int
		want string
	}{
		{"short text unchanged", "Short text.", 40, "Short text."},
		{"exact length unchanged", "Exactly ten", 11, "Exactly ten"},
		{"cut at a word boundary", text, 40, "The Federal Trade Commission has…"},
		{"punctuation before the cut dropped", "Rules, guidance, and more rules follow here", 18, "Rules, guidance…"},
		{"newlines become spaces", "First line.\nSecond line is longer.", 20, "First line. Second…"},
		{"one long word cut inside", "Supercalifragilisticexpialidocious", 10, "Supercali…"},
		{"runes, not bytes", "Décision de la CNIL sur les cookies", 12, "Décision de…"},
		{"zero", text, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Summary(tt.in, tt.n)
			if got != tt.want {
				t.Errorf("Summary(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
			}
			if utf8.RuneCountInString(got) > tt.n || strings.Contains(got, "\n") {
				t.Errorf("Summary(%q, %d) = %q: longer than n or several lines", tt.in, tt.n, got)
			}
		})
	}
}

// Words counts as diffs count words added and removed, so a version's length
// and its changes' counts agree: a hyphen or a dash separates words, an
// apostrophe between letters does not.
func TestWords(t *testing.T) {
	for in, want := range map[string]int{
		"":                               0,
		"We collect data.":               3,
		"## 1. Your rights":              3,
		"- TikTok’s users' e-mail":       4,
		"Data | Purpose\nEmail | Login":  4,
		"€5 — fee (per month), 2026-07.": 6,
		"1,000.50 dollars":               2,
		"個人情報":                           4,
	} {
		if got := Words(in); got != want {
			t.Errorf("Words(%q) = %d, want %d", in, got, want)
		}
		if FewerWords(in, want) || !FewerWords(in, want+1) {
			t.Errorf("FewerWords(%q, n) disagrees with Words = %d", in, want)
		}
	}
}

// Kept measures how much of a document a new text keeps: moved paragraphs
// are kept, a replacing error page keeps almost nothing.
func TestKept(t *testing.T) {
	doc := "# Terms\nWe collect your data.\nYou may object."
	for _, tc := range []struct {
		new  string
		want int
	}{
		{doc, 8},
		{"You may object.\n# Terms\nWe collect your data.", 8},
		{"# Terms\nWe collect data.", 4},
		{"Page not found. Sorry, we could not find this page.", 0},
		{"We we we we", 1},
	} {
		if got := Kept(doc, tc.new); got != tc.want {
			t.Errorf("Kept(doc, %q) = %d, want %d", tc.new, got, tc.want)
		}
	}
}
