package page

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
)

func extract(t *testing.T, rules Rules, body, contentType string) (*Page, error) {
	t.Helper()
	x, err := Compile(rules)
	if err != nil {
		t.Fatal(err)
	}
	return x.Extract([]byte(body), contentType)
}

func mustText(t *testing.T, rules Rules, body string) string {
	t.Helper()
	p, err := extract(t, rules, body, "text/html; charset=utf-8")
	if err != nil {
		t.Fatal(err)
	}
	return p.Text
}

func TestStructure(t *testing.T) {
	body := `<html><head><title>Terms</title></head><body><nav>Home | About</nav>
<article>
  <h1>Terms   of <em>Service</em></h1>
  <p>Last updated:&nbsp;July 2026</p>
  <p>You agree to these <a href="/t">Terms</a>.<br>Read them
     carefully.</p>
  <h2>1. Your data</h2>
  <ul>
    <li>We collect <b>contact</b> details.</li>
    <li><p>We share data with partners:</p>
      <ol start="3"><li>advertisers</li><li value="7">measurement firms</li><li>others</li></ol>
    </li>
  </ul>
  <table><tr><th>Data</th><th>Purpose</th></tr><tr><td>Email</td><td>Account<br>recovery</td></tr></table>
  <div><span>Con</span><span>tact</span> us at <code>legal@example.com</code>.</div>
  <script>var token = "abc";</script><style>p{}</style><noscript>Enable JS</noscript>
  <button>Accept</button>
  <p>   </p>
  <p>Soft&shy;hyphen and zero&#8203;width.</p>
</article>
<footer>Generated 12:00</footer></body></html>`
	got := mustText(t, Rules{Select: []string{"article"}}, body)
	want := strings.Join([]string{
		"# Terms of Service",
		"Last updated: July 2026",
		"You agree to these Terms.",
		"Read them carefully.",
		"## 1. Your data",
		"- We collect contact details.",
		"- We share data with partners:",
		"  3. advertisers",
		"  7. measurement firms",
		"  8. others",
		"Data | Purpose",
		"Email | Account recovery",
		"Contact us at legal@example.com.",
		"Softhyphen and zerowidth.",
	}, "\n")
	if got != want {
		t.Errorf("text:\n%s\n\nwant:\n%s", got, want)
	}
}

func TestSelectAndRemove(t *testing.T) {
	body := `<body>
<div class="intro">Intro outside</div>
<section id="b"><p>Second in the page</p></section>
<section id="a"><p>First in the page</p><div class="language-selection">English Deutsch</div>
  <section id="b-inner"><p>Nested</p></section></section>
<div class="cookie">We use cookies</div>
</body>`
	got := mustText(t, Rules{Select: []string{"#a", "#b", "section"}, Remove: []string{".language-selection", ".cookie"}}, body)
	want := "Second in the page\nFirst in the page\nNested"
	if got != want {
		t.Errorf("got %q, want %q: every match once, in document order, after removals", got, want)
	}
}

func TestSameTextDespiteNoise(t *testing.T) {
	a := `<html><head><title>T</title><meta name="csrf" content="111"><script>x=1</script></head><body>
<nav><a>Explore</a><a>LIVE</a></nav><div id="card" data-r="a1"><p>We  collect
your data.</p><script>track("a")</script><svg><text>icon</text></svg></div><footer>12:00:01</footer></body></html>`
	b := `<html><head><title>T</title><meta name="csrf" content="222"><script>x=2</script></head><body>
<nav><a>LIVE</a><a>Explore</a></nav><div id="card" data-r="b2">
  <p>We collect your&nbsp;data.</p><script>track("b")</script><svg><text>other icon</text></svg></div><footer>12:07:44</footer></body></html>`
	ta, tb := mustText(t, Rules{Select: []string{"#card"}}, a), mustText(t, Rules{Select: []string{"#card"}}, b)
	if ta != tb || ta != "We collect your data." {
		t.Errorf("noise changed the text: %q vs %q", ta, tb)
	}
}

func TestUnicodeNormalisation(t *testing.T) {
	composed := mustText(t, Rules{Select: []string{"p"}}, "<p>Donn\u00e9es personnelles</p>")
	decomposed := mustText(t, Rules{Select: []string{"p"}}, "<p>Donne\u0301es personnelles</p>")
	if composed != decomposed {
		t.Errorf("NFC and NFD renderings differ: %q vs %q", composed, decomposed)
	}
}

func TestSelectorMiss(t *testing.T) {
	_, err := extract(t, Rules{Select: []string{"[data-testid=policy-card]"}},
		`<html><head><title>TikTok</title></head><body><div class="new-layout"><p>Terms</p></div></body></html>`, "text/html")
	var pe *Error
	if !errors.As(err, &pe) || pe.Kind != KindSelector {
		t.Fatalf("err = %v, want a selector error", err)
	}
	if !strings.Contains(pe.Msg, `"[data-testid=policy-card]" matched nothing`) || !strings.Contains(pe.Msg, "check the selector") {
		t.Errorf("message %q should name the selector and say what to do", pe.Msg)
	}
}

func TestJavaScriptShellHint(t *testing.T) {
	shell := `<!DOCTYPE html><html><head><title>TikTok</title><script src="/a.js"></script></head>
<body><div id="root"></div><script id="__UNIVERSAL_DATA_FOR_REHYDRATION__" type="application/json">{"x":1}</script><script src="/b.js"></script></body></html>`
	_, err := extract(t, Rules{Select: []string{"article"}}, shell, "text/html")
	var pe *Error
	if !errors.As(err, &pe) || pe.Kind != KindSelector || !strings.Contains(pe.Msg, "render: browser") {
		t.Fatalf("err = %v, want a selector error hinting at render: browser", err)
	}
	// Once rendered, the hint would send the reader in a circle.
	_, err = extract(t, Rules{Select: []string{"article"}, Rendered: true}, shell, "text/html")
	if !errors.As(err, &pe) || pe.Kind != KindSelector || strings.Contains(pe.Msg, "render: browser") || !strings.Contains(pe.Msg, "after rendering it in a browser") {
		t.Fatalf("err = %v, want a selector error saying the page was rendered", err)
	}
}

// Control characters are never text: an escape sequence in a page would
// otherwise reach the terminal of whoever reads the version.
func TestControlCharactersDropped(t *testing.T) {
	p, err := extract(t, Rules{Select: []string{"article"}}, "<body><article><p>Terms\x1b]0;PWNED\x07 apply\x1b[2J to \u0085you.</p></article></body>", "text/html")
	if err != nil || p.Text != "Terms]0;PWNED apply[2J to you." {
		t.Errorf("text %q, %v", p.Text, err)
	}
}

func TestEmptySelection(t *testing.T) {
	_, err := extract(t, Rules{Select: []string{"article"}}, `<body><article><img src="x.png"> <script>x()</script></article></body>`, "text/html")
	var pe *Error
	if !errors.As(err, &pe) || pe.Kind != KindEmpty {
		t.Fatalf("err = %v, want an empty-selection error", err)
	}
}

func TestBlockPages(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		blocked    bool
	}{
		{"akamai access denied", `<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY><H1>Access Denied</H1>You don't have permission to access "http://www.tiktok.com/legal" on this server.<P>Reference #18.5e2d3617</BODY></HTML>`, true},
		{"cloudflare challenge", `<html><head><title>Just a moment...</title></head><body><article>Checking</article><script src="/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1"></script></body></html>`, true},
		{"captcha without a telling title", `<html><head><title>tiktok.com</title></head><body><div id="captcha-container"></div><script src="https://geo.captcha-delivery.com/captcha/"></script></body></html>`, true},
		{"perimeterx", `<html><head><title>Access to this page has been denied.</title></head><body><div id="px-captcha"></div></body></html>`, true},
		{"a real policy that mentions captchas", `<html><head><title>Privacy Policy | TikTok</title></head><body><article><p>` +
			strings.Repeat("We may use reCAPTCHA and similar tools to protect your account against automated abuse and verify you are human. ", 10) +
			`</p></article><div class="g-recaptcha"></div></body></html>`, false},
		// Cloudflare injects its challenge-platform script into ordinary
		// pages and regulators' footers hold newsletter captchas: when such a
		// page's layout changes, the selector is what needs fixing.
		{"a redesigned regulator page behind Cloudflare", `<html><head><title>Guidance on cookies | Regulator</title></head><body><main class="new-layout"><h1>Guidance on cookies</h1><p>` +
			strings.Repeat("Organisations must obtain consent before placing non-essential cookies on a user's device. ", 20) +
			`</p></main><footer><form><div class="g-recaptcha"></div></form></footer><script src="/cdn-cgi/challenge-platform/scripts/jsd/main.js"></script></body></html>`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := extract(t, Rules{Select: []string{"article"}}, tc.body, "text/html")
			var pe *Error
			blocked := errors.As(err, &pe) && pe.Kind == KindBlocked
			if strings.HasPrefix(tc.name, "a redesigned") && (pe == nil || pe.Kind != KindSelector || !strings.Contains(pe.Msg, "check the selector")) {
				t.Errorf("err = %v, want a selector error", err)
			}
			if blocked != tc.blocked {
				t.Errorf("blocked = %v (err %v), want %v", blocked, err, tc.blocked)
			}
			if got := BlockReason([]byte(tc.body), "text/html") != ""; got != tc.blocked && tc.name != "a real policy that mentions captchas" && !strings.HasPrefix(tc.name, "a redesigned") {
				t.Errorf("BlockReason = %v, want %v", got, tc.blocked)
			}
		})
	}
}

func TestCharsets(t *testing.T) {
	latin1NoDash, _ := charmap.ISO8859_1.NewEncoder().String(`<html><body><article><p>Données à caractère personnel</p></article></body></html>`)
	cp1252, _ := charmap.Windows1252.NewEncoder().String(`<html><head><meta charset="windows-1252"></head><body><article><p>“Terms” – €5 fee</p></article></body></html>`)
	iso2022jp, _ := japanese.ISO2022JP.NewEncoder().String(`<html><head><meta charset="iso-2022-jp"></head><body><article><p>利用規約</p></article></body></html>`)
	sjis, _ := japanese.ShiftJIS.NewEncoder().String(`<html><head><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS"></head><body><article><p>利用規約</p></article></body></html>`)
	for _, tc := range []struct {
		name, body, contentType, want string
	}{
		{"ISO-8859-1 from the header", latin1NoDash, "text/html; charset=ISO-8859-1", "Données à caractère personnel"},
		{"windows-1252 from meta", cp1252, "text/html", "“Terms” – €5 fee"},
		{"Shift_JIS from http-equiv", sjis, "text/html", "利用規約"},
		{"UTF-8 without any declaration", "<html><body><article><p>Données — “quoted”</p></article></body></html>", "text/html", "Données — “quoted”"},
		{"ISO-2022-JP from meta: 7-bit, yet not UTF-8", iso2022jp, "text/html", "利用規約"},
		{"UTF-8 declared after the first 1,024 bytes", "<html><head><title>Privacy</title><style>" + strings.Repeat(".c{color:#333}", 80) +
			`</style><meta charset="utf-8"></head><body><article><p>Vos données, don’t</p></article></body></html>`, "text/html", "Vos données, don’t"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := extract(t, Rules{Select: []string{"article"}}, tc.body, tc.contentType)
			if err != nil {
				t.Fatal(err)
			}
			if p.Text != tc.want {
				t.Errorf("text %q, want %q", p.Text, tc.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	if _, err := Compile(Rules{}); err == nil {
		t.Error("no select: want an error")
	}
	if _, err := Compile(Rules{Select: []string{"[data-testid="}}); err == nil || !strings.Contains(err.Error(), "[data-testid=") {
		t.Errorf("bad select: %v", err)
	}
	if _, err := Compile(Rules{Select: []string{"article"}, Remove: []string{"::"}}); err == nil {
		t.Error("bad remove: want an error")
	}
}

// A real TikTok legal page is about 300 KB, most of it scripts and state.
func realisticPage(b testing.TB) []byte {
	md, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "ota-tiktok", "TikTok", "Privacy Policy", "2025-12-16T12-51-19Z.md"))
	if err != nil {
		b.Fatal(err)
	}
	doc, err := FromMarkdown(md)
	if err != nil {
		b.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	var sb strings.Builder
	sb.WriteString(`<html><head><title>Privacy Policy | TikTok</title><script>window.__UNIVERSAL_DATA__=`)
	for sb.Len() < 200<<10 {
		sb.WriteString(`{"k":"`)
		for i := 0; i < 64; i++ {
			sb.WriteByte(byte('a' + rnd.IntN(26)))
		}
		sb.WriteString(`"},`)
	}
	sb.WriteString(`0</script></head><body><nav>` + strings.Repeat(`<a href="/x">Menu item</a>`, 200) + `</nav><article>`)
	sb.Write(doc)
	sb.WriteString(`</article><footer>` + strings.Repeat(`<p>Footer link</p>`, 200) + `</footer></body></html>`)
	return []byte(sb.String())
}

func BenchmarkExtract300KB(b *testing.B) {
	body := realisticPage(b)
	x, err := Compile(Rules{Select: []string{"article"}, Remove: []string{".language-selection"}})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := x.Extract(body, "text/html; charset=utf-8"); err != nil {
			b.Fatal(err)
		}
	}
}

// A page whose declared charset is wrong reads right, and says so: valid
// UTF-8 declared as another charset is UTF-8 ("CafÃ© rÃ©sumÃ©" otherwise);
// windows-1252 declared as UTF-8 is windows-1252 ("Caf� r�sum�"); a few
// stray bytes in a UTF-8 page are counted.
func TestCharsetMismatch(t *testing.T) {
	utf8Page := `<html><body><article><p>Café résumé, données à caractère personnel</p></article></body></html>`
	cp1252Page, _ := charmap.Windows1252.NewEncoder().String(utf8Page)
	cp1252Meta, _ := charmap.Windows1252.NewEncoder().String(`<html><head><meta charset="utf-8"></head><body><article><p>Café résumé, données à caractère personnel</p></article></body></html>`)
	stray := strings.Replace(utf8Page, "données", "donn\xe9es", 1)
	for _, tc := range []struct {
		name, body, contentType, want, note string
	}{
		{"UTF-8 declared ISO-8859-1", utf8Page, "text/html; charset=ISO-8859-1", "Café résumé, données à caractère personnel", "declares charset ISO-8859-1 but is written in UTF-8"},
		{"UTF-8 declared windows-1252", utf8Page, "text/html; charset=windows-1252", "Café résumé, données à caractère personnel", "declares charset windows-1252 but is written in UTF-8"},
		{"windows-1252 declared UTF-8 in the header", cp1252Page, "text/html; charset=utf-8", "Café résumé, données à caractère personnel", "declares charset utf-8 but is written in windows-1252"},
		{"windows-1252 declared UTF-8 in a meta", cp1252Meta, "text/html", "Café résumé, données à caractère personnel", "written in windows-1252"},
		{"a stray byte in UTF-8", stray, "text/html; charset=utf-8", "Café résumé, donn\uFFFDes à caractère personnel", "1 byte that is not UTF-8"},
		{"right", utf8Page, "text/html; charset=utf-8", "Café résumé, données à caractère personnel", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := extract(t, Rules{Select: []string{"article"}}, tc.body, tc.contentType)
			if err != nil {
				t.Fatal(err)
			}
			if p.Text != tc.want {
				t.Errorf("text %q, want %q", p.Text, tc.want)
			}
			if tc.note == "" && p.Notice != "" || !strings.Contains(p.Notice, tc.note) {
				t.Errorf("notice %q, want %q", p.Notice, tc.note)
			}
		})
	}
}
