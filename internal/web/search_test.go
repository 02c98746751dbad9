package web

import (
	"strings"
	"testing"
)

func TestMatcherHighlights(t *testing.T) {
	for _, tc := range []struct {
		q, text string
		raw     bool
		max     int
		want    string
	}{
		{"personal data", "Your Personal Data, and data.", false, 0, "Your [Personal Data], and data."},
		{"donnees", "Les données personnelles", false, 0, "Les [données] personnelles"},
		{"tiktok s", "TikTok's terms", false, 0, "[TikTok's] terms"},
		{"data AND (sale OR sell*)", "we sell data; seller", true, 0, "we [sell] [data]; [seller]"},
		{"<script>", "a <script> tag", false, 0, "a <[script]> tag"},
		{"nothing", "no match here", false, 0, "no match here"},
		{"k", "a b c d e f g h i j k l m n o p q r s t", false, 6, "…i j [k] l m n…"},
		{"a", "a b c d e f g h", false, 4, "[a] b c d…"},
	} {
		var b strings.Builder
		for _, s := range newMatcher(tc.q, tc.raw).highlight(tc.text, tc.max) {
			if s.Mark {
				b.WriteString("[" + s.Text + "]")
			} else {
				b.WriteString(s.Text)
			}
		}
		if b.String() != tc.want {
			t.Errorf("%q in %q: %q, want %q", tc.q, tc.text, b.String(), tc.want)
		}
	}
}
