package page

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"tracker/internal/text"
)

func realPage(t *testing.T, name string) []byte {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "tiktok-pages", name))
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// The selector that Open Terms Archive once used for TikTok's privacy
// policy matches nothing on the page tiktok.com serves now: the error says
// which element holds the text, and how much of it.
func TestSelectorMissNamesThePolicyCard(t *testing.T) {
	for _, name := range []string{"privacy-policy.html", "terms-of-service.html"} {
		t.Run(name, func(t *testing.T) {
			body := realPage(t, name)
			card, err := extract(t, Rules{Select: []string{"#policy-card"}}, string(body), "text/html; charset=utf-8")
			if err != nil {
				t.Fatal(err)
			}
			_, err = extract(t, Rules{Select: []string{"article"}}, string(body), "text/html; charset=utf-8")
			var pe *Error
			if !errors.As(err, &pe) || pe.Kind != KindSelector {
				t.Fatalf("err = %v, want a selector error", err)
			}
			want := "#policy-card holds " + thousands(text.Words(card.Text)) + " words"
			if !strings.Contains(pe.Msg, want) || !strings.Contains(pe.Msg, "[data-testid=policy-card-post-content] holds") {
				t.Errorf("message %q\nshould say %q and name the card's content", pe.Msg, want)
			}
			if strings.Contains(pe.Msg, "render: browser") {
				t.Errorf("message %q sends the reader to a browser the page does not need", pe.Msg)
			}
		})
	}
}

func TestLocate(t *testing.T) {
	para := strings.Repeat("Users must be at least thirteen years old to use the service. ", 10)
	for _, tc := range []struct {
		name, body string
		remove     []string
		want       []string // holders, outermost first
	}{
		{
			name: "utility classes are skipped, the id above names a class",
			body: `<body><nav>Home About Help</nav><div id="app"><h1>Terms of Service</h1><div class="w-[850px] sm:py-4"><div class="legal-text px-2"><p>` + para + `</p><p>` + para + `</p></div></div></div><footer>© 2026</footer></body>`,
			want: []string{"#app holds 243 words", "#app .legal-text holds 240 words"},
		},
		{
			name: "text split over two sections: their parent is named",
			body: `<body><main><section class="part"><p>` + para + `</p></section><section class="part"><p>` + para + `</p></section></main><aside>` + strings.Repeat("Trending now ", 10) + `</aside></body>`,
			want: []string{"main holds 240 words"},
		},
		{
			name:   "remove rules apply first",
			body:   `<body><div data-testid="card"><div class="menu">` + para + para + para + `</div><article><p>` + para + `</p></article></div></body>`,
			remove: []string{".menu"},
			// The card and its article hold the same words: the inner one
			// says more.
			want: []string{"article holds 120 words"},
		},
		{name: "too little text to say", body: `<body><div id="root">Loading…</div></body>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, err := Compile(Rules{Select: []string{"body"}, Remove: tc.remove})
			if err != nil {
				t.Fatal(err)
			}
			l, err := x.Locate([]byte(tc.body), "text/html")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range l.Holders {
				got = append(got, h.String())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("holders:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 7105: "7,105", 1234567: "1,234,567", -4200: "-4,200"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
