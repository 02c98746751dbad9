package page

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"

	"tracker/internal/text"
)

// Sites serve error, block and login pages with status 200, often in the
// page's own layout, so that the selector matches them. They are told from
// documents by what they are made of, whatever their language: a password
// field, a captcha widget, a block service's markup, an HTTP status as the
// title; or by what their title and headings say, in the languages of the
// sites tracker follows. A signal counts only on a page with little text
// (a document says far more), or, for the checker, on a page that lost
// most of the document it replaces.

// Further error kinds (see KindBlocked).
const (
	KindErrorPage = "error-page" // a soft 404, a server error or a maintenance page
	KindLogin     = "login"      // a login form instead of the document
)

// fewWords is how little text a page has for a signal alone to make it an
// error page: the longest of the corpus (Cloudflare's block page) has 120
// words, TikTok's shortest legal document over 500.
const fewWords = 200

// markers are traces that block and captcha services leave in a page: in
// its markup (class, id and data attributes, script addresses) or, for
// those marked text, in its text. In a page with plenty of text they count
// only inside the selected part, and there only in its markup unless they
// are text: ordinary pages embed captcha widgets in forms and footers, and
// privacy policies speak of reCAPTCHA.
var markers = []struct {
	mark, says string
	text       bool
}{
	{"cf-error-details", "Cloudflare's block page", false},
	{"block_headline", "Cloudflare's block page", false},
	{"cloudflare ray id", "Cloudflare's block page", true},
	{"errors.edgesuite.net", "Akamai's block page", true},
	{"reference #18.", "Akamai's block page", true},
	{"_incapsula_resource", "Imperva's block page", false},
	{"incapsula incident id", "Imperva's block page", true},
	{"g-recaptcha", "a reCAPTCHA element", false},
	{"google.com/recaptcha", "a reCAPTCHA element", false},
	{"h-captcha", "an hCaptcha element", false},
	{"hcaptcha.com", "an hCaptcha element", false},
	{"cf-turnstile", "a Cloudflare Turnstile challenge", false},
	{"challenges.cloudflare.com", "a Cloudflare challenge", false},
	{"captcha-delivery.com", "a DataDome captcha", false},
	{"px-captcha", "a PerimeterX captcha", false},
	{"secsdk-captcha", "TikTok's slider captcha", false},
	{"captcha_verify", "a slider captcha", false},
	{"geetest", "a GeeTest captcha", false},
	{"funcaptcha", "an Arkose captcha", false},
	{"captcha", "a captcha element", false},
}

// markerIn returns the first marker in hay (lower case), or "";
// textOnly looks only for the markers that are text.
func markerIn(hay []byte, textOnly bool) (mark, says string) {
	for _, m := range markers {
		if (m.text || !textOnly) && bytes.Contains(hay, []byte(m.mark)) {
			return m.mark, m.says
		}
	}
	return "", ""
}

// statusTitle is a title or heading that is an HTTP error status: "500
// Internal Server Error", "Error 404", "404 - Seite nicht gefunden".
var statusTitle = regexp.MustCompile(`(?i)^\W*(?:(?:error|erreur|fehler|errore|erro|http)\W*)?([45]\d\d)\b`)

// phrases are what error, block and maintenance pages say in their title
// and headings, in the languages of the sites tracker follows; matched as
// whole words, case and accents as written.
var phrases = []struct {
	kind string
	list []string
}{
	{KindBlocked, []string{
		"access denied", "access to this page has been denied", "you have been blocked", "request blocked", "request rejected",
		"accès refusé", "accès interdit", "vous avez été bloqué", "acceso denegado", "has sido bloqueado", "zugriff verweigert",
		"zugang verweigert", "sie wurden blockiert", "accesso negato", "acesso negado", "toegang geweigerd", "dostęp zabroniony",
		"verify you are human", "verify that you are human", "verify to continue", "are you a robot", "not a robot",
		"security check", "security verification", "human verification", "bot verification", "checking your browser",
		"drag the slider", "slide to verify", "complete the puzzle", "just a moment",
		"vérification de sécurité", "vérifiez que vous êtes humain", "sicherheitsüberprüfung", "verificación de seguridad",
		"verifica di sicurezza",
	}},
	{KindErrorPage, []string{
		"page not found", "couldn't find this page", "could not find this page", "page does not exist",
		"page doesn't exist", "no longer exists", "page introuvable", "page non trouvée", "cette page n'existe pas",
		"seite nicht gefunden", "página no encontrada", "pagina non trovata",
		"página não encontrada", "pagina niet gevonden", "nie znaleziono strony",
		"internal server error", "bad gateway", "gateway timeout", "service unavailable",
		"temporarily unavailable", "something went wrong", "erreur interne", "une erreur est survenue", "interner serverfehler",
		"ein fehler ist aufgetreten", "error interno", "se ha producido un error", "errore interno",
		"under maintenance", "scheduled maintenance", "be back soon", "we'll be back", "we will be back",
		"under construction", "en maintenance", "site en maintenance", "wartungsarbeiten", "in wartung", "en mantenimiento",
		"in manutenzione", "em manutenção", "przerwa techniczna",
	}},
}

// exactTitles are titles and headings that are an interstitial when they
// are all the title or heading says: each word could head a document or
// its section ("Forbidden items", "Maintenance of records").
var exactTitles = map[string]string{
	"verification": KindBlocked, "vérification": KindBlocked, "verifizierung": KindBlocked, "verificación": KindBlocked,
	"verifica": KindBlocked, "captcha": KindBlocked, "robot check": KindBlocked,
	"forbidden": KindBlocked, "interdit": KindBlocked, "verboten": KindBlocked, "prohibido": KindBlocked,
	"not found": KindErrorPage, "nicht gefunden": KindErrorPage, "no encontrada": KindErrorPage, "server error": KindErrorPage,
	"maintenance": KindErrorPage, "wartung": KindErrorPage, "mantenimiento": KindErrorPage, "manutenzione": KindErrorPage,
	"manutenção": KindErrorPage, "onderhoud": KindErrorPage,
}

var phraseRes = func() map[string]*regexp.Regexp {
	out := map[string]*regexp.Regexp{}
	for _, g := range phrases {
		quoted := make([]string, len(g.list))
		for i, p := range g.list {
			quoted[i] = regexp.QuoteMeta(p)
		}
		out[g.kind] = regexp.MustCompile(`(?i)(?:^|[^\pL\pN])(` + strings.Join(quoted, "|") + `)(?:$|[^\pL\pN])`)
	}
	return out
}()

// look is what a page says of itself and is made of, taken before the
// rules remove anything: its password fields (by the elements holding
// them: the fields themselves are removed as form controls) and its first
// headings.
type look struct {
	password map[*html.Node]bool
	headings []string
}

func lookOf(doc *goquery.Document) look {
	l := look{password: map[*html.Node]bool{}}
	doc.Find(`input[type=password i]`).Each(func(_ int, s *goquery.Selection) {
		for n := s.Get(0); n != nil; n = n.Parent {
			l.password[n] = true
		}
	})
	doc.Find("h1, h2").EachWithBreak(func(i int, s *goquery.Selection) bool {
		if h := text.Collapse(s.Text()); h != "" {
			l.headings = append(l.headings, h)
		}
		return len(l.headings) < 4
	})
	return l
}

// suspect says why a page reads like an error, block or login page rather
// than a document, or returns nil. l is what the page says of itself,
// matches the selected elements and selected their text, raw the page's
// UTF-8 markup and title its title; talkative says the page has plenty of
// text, so that what lies outside the selection does not count.
func suspect(l look, matches []*html.Node, selected string, raw []byte, title string, talkative bool) *Error {
	found := func(kind, what string) *Error {
		return &Error{Kind: kind, Msg: fmt.Sprintf("the site served %s instead of the document (%s); tracker retries at the next check", describeKind(kind), what)}
	}
	inSelection := false
	for _, n := range matches {
		inSelection = inSelection || l.password[n]
	}
	if inSelection || len(l.password) > 0 && !talkative {
		return found(KindLogin, "it holds a password field")
	}
	if mark, says := markerIn(selectionMarkup(matches), false); mark != "" {
		return found(KindBlocked, fmt.Sprintf("%s: %q", says, mark))
	}
	if mark, says := markerIn([]byte(strings.ToLower(selected)), true); mark != "" {
		return found(KindBlocked, fmt.Sprintf("%s: %q", says, mark))
	}
	if !talkative {
		if mark, says := markerIn(bytes.ToLower(raw), false); mark != "" {
			return found(KindBlocked, fmt.Sprintf("%s: %q", says, mark))
		}
	}
	// What the page says of itself: its title and first headings. Not its
	// text: a privacy policy may well speak of captchas and of access
	// denied.
	says := append([]string{title}, l.headings...)
	for _, s := range says {
		if s == "" {
			continue
		}
		if statusTitle.MatchString(s) {
			return found(KindErrorPage, fmt.Sprintf("%q", text.Summary(s, 60)))
		}
		if k, ok := exactTitles[strings.ToLower(strings.Trim(s, " .:!…"))]; ok {
			return found(k, fmt.Sprintf("%q", s))
		}
	}
	for _, kind := range []string{KindBlocked, KindErrorPage} {
		for _, s := range says {
			if m := phraseRes[kind].FindStringSubmatch(s); m != nil {
				return found(kind, fmt.Sprintf("%q", m[1]))
			}
		}
	}
	return nil
}

// selectionMarkup is the markup markers are looked for in within the
// selection: the class, id and data attributes of its elements, in lower
// case.
func selectionMarkup(matches []*html.Node) []byte {
	var b bytes.Buffer
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				if a.Key == "class" || a.Key == "id" || strings.HasPrefix(a.Key, "data-") {
					b.WriteString(a.Val)
					b.WriteByte(' ')
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range matches {
		walk(n)
	}
	return bytes.ToLower(b.Bytes())
}

func describeKind(kind string) string {
	switch kind {
	case KindLogin:
		return "a login page"
	case KindErrorPage:
		return "an error or maintenance page"
	}
	return "a block or challenge page"
}
