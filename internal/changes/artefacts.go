package changes

import (
	"regexp"
	"strings"
	"unicode"

	"tracker/internal/text"
)

// Artefacts: why a passage, or a whole change, says nothing new to a
// reader of the document.
const (
	// ArtefactFormat: the same words, laid out, punctuated, linked,
	// ordered or spelt differently (a typo fixed, an address obfuscated).
	ArtefactFormat = "format"
	// ArtefactDate: only the document's last-updated or effective date.
	ArtefactDate = "date"
	// ArtefactChrome: page furniture captured with the text (a banner
	// announcing an update, a language picker, a help widget, a table of
	// contents, a title line, a label that comes and goes).
	ArtefactChrome = "chrome"
	// ArtefactLanguage: the same document served in another language.
	ArtefactLanguage = "language"
	// ArtefactRegion: another region's variant of the document served.
	ArtefactRegion = "region"
	// ArtefactCapture: the page was captured broken (cut short, or
	// replaced by a navigation page), or came back whole after such a
	// capture.
	ArtefactCapture = "capture"
	// ArtefactMixed: several of these at once, and nothing else.
	ArtefactMixed = "mixed"
)

// IsCaptureArtefact reports whether an artefact is a fault of the capture
// (the page tracker was served), not of the document: a reader should be
// told so rather than read it as a change.
func IsCaptureArtefact(a string) bool {
	return a == ArtefactLanguage || a == ArtefactRegion || a == ArtefactCapture
}

var (
	// dateKeyword marks a line that dates the document.
	dateKeyword = regexp.MustCompile(`(?i)\b(last\s+(updated|modified|revised|changed|reviewed)|effective(\s+(date|as\s+of|from|on))?|updated(\s+(on|as\s+of))?|revised(\s+on)?|dated|version\s+(date|of)|released|published|valid\s+(from|as\s+of)|in\s+(force|effect)\s+(from|since|as\s+of)|mise\s+à\s+jour|en\s+vigueur|stand|zuletzt|gültig|última\s+actualización|vigente)\b`)
	months      = wordSet("january february march april may june july august september october november december " +
		"jan feb mar apr jun jul aug sep sept oct nov dec " +
		"janvier février fevrier mars avril mai juin juillet août aout septembre octobre novembre décembre decembre " +
		"januar februar märz maerz juni juli oktober dezember " +
		"enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre")
)

// wordSet makes a set of the space-separated words of s.
func wordSet(s string) map[string]bool {
	set := map[string]bool{}
	for _, w := range strings.Fields(s) {
		set[w] = true
	}
	return set
}

// isDateWord reports whether a word token belongs to a date: a number, a
// month, an ordinal ("4th"), a weekday, or the glue words of a date.
func isDateWord(w string) bool {
	lw := strings.ToLower(w)
	if months[lw] {
		return true
	}
	digits := 0
	for _, r := range lw {
		if unicode.IsDigit(r) {
			digits++
		}
	}
	if digits > 0 && (digits == len(lw) || strings.TrimLeft(lw, "0123456789") == "st" || strings.TrimLeft(lw, "0123456789") == "nd" ||
		strings.TrimLeft(lw, "0123456789") == "rd" || strings.TrimLeft(lw, "0123456789") == "th" || strings.Trim(lw, "0123456789.,/-") == "") {
		return true
	}
	switch lw {
	case "of", "on", "the", "de", "du", "le", "der", "den", "el", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday":
		return true
	}
	return false
}

// dateLine reports whether a paragraph dates the document: a date keyword
// and a date, in a line of a few words.
func dateLine(p string) bool {
	// Thirty words are well under 800 bytes: a longer paragraph is not
	// worth reading word by word.
	if len(p) > 800 || !dateKeyword.MatchString(p) {
		return false
	}
	words := wordsOf(p)
	if len(words) == 0 || len(words) > 30 {
		return false
	}
	dates := 0
	for _, w := range words {
		if isDateWord(w) {
			dates++
		}
	}
	return dates >= 2
}

// onlyDates reports whether every changed word of an edited paragraph is
// part of a date.
func onlyDates(changed []string) bool {
	n := 0
	for _, s := range changed {
		for _, w := range wordsOf(s) {
			if !isDateWord(w) {
				return false
			}
			n++
		}
	}
	return n > 0
}

func wordsOf(s string) []string {
	var out []string
	for t := range text.Tokens(s) {
		if text.IsWord(t) {
			out = append(out, t)
		}
	}
	return out
}

// banner finds the notices a site puts above its documents when they are
// about to change or have just changed: they announce a change, they are
// not one (the change is the new text when it comes).
var banner = []*regexp.Regexp{
	regexp.MustCompile(`(?i)\bwe(\s+are|\s+have|['’]re|['’]ve|\s+will\s+be)\s+(updating|changing|updated|changed|revising|revised|making\s+(some\s+)?changes|made\s+(some\s+)?(changes|updates))\b`),
	regexp.MustCompile(`(?i)\b(new|updated|revised|upcoming)\s+([\w’']+\s+){0,4}(polic(y|ies)|terms|guidelines|agreement|notice|conditions)\s+(will\s+)?((come|comes|came|take|takes|took|go|goes|went)\s+(into\s+)?effect|(become|becomes|became|be|is|are)\s+effective)\b`),
	regexp.MustCompile(`(?i)\b(come|comes|take|takes|go|goes)\s+into\s+effect\s+on\b.*\b(here|preview|current|previous)\b`),
	regexp.MustCompile(`(?i)\b(click|tap)\s+here\s+to\s+(view|see|read|review|find)\b`),
	regexp.MustCompile(`(?i)\byou\s+can\s+(view|preview|find|see|read|review|access)\s+(our|the)\s+(current|previous|prior|updated|new|upcoming|old)\b`),
	regexp.MustCompile(`(?i)\b(see|view|read)\s+(a\s+)?preview\s+of\s+the\s+(upcoming|updated|new)\b`),
	regexp.MustCompile(`(?i)\buntil\s+(the|this|that)\s+(effective\s+)?date\b.*\b(current|previous)\b`),
	regexp.MustCompile(`(?i)\bplease\s+take\s+a\s+(look|moment)\b`),
}

func isBanner(p string) bool {
	if n := len(wordsOf(p)); n == 0 || n > 90 {
		return false
	}
	for _, re := range banner {
		if re.MatchString(p) {
			return true
		}
	}
	return false
}

// languageNames are names of languages as language pickers list them.
var languageNames = wordSet("english français francais french deutsch german español espanol spanish italiano italian português portugues portuguese " +
	"nederlands dutch polski polish bulgarian български croatian hrvatski czech čeština danish dansk estonian eesti finnish suomi greek ελληνικά " +
	"hungarian magyar irish gaeilge latvian latviešu lithuanian lietuvių maltese malti romanian română slovak slovenčina slovenian slovenščina " +
	"swedish svenska norwegian norsk arabic العربية chinese 中文 japanese 日本語 korean 한국어 russian русский turkish türkçe ukrainian українська " +
	"hebrew עברית hindi हिन्दी indonesian bahasa thai ไทย vietnamese tiếng catalan català basque euskara galician galego icelandic íslenska")

var pickerPhrase = regexp.MustCompile(`(?i)\b((other|additional|available)\s+languages?|(other|additional)\s+(\w+\s+){0,3}available\b|languages?\s+(version|versions|settings|selection|selector)|in\s+other\s+languages|select\s+(a\s+)?language|choose\s+(a\s+)?language|view\s+(this|the)\s+\w+(\s+\w+){0,3}\s+in\b.*\blanguages?)\b`)

// isLanguagePicker reports whether a paragraph lists the languages a page
// comes in.
func isLanguagePicker(p string) bool {
	if pickerPhrase.MatchString(p) && len(wordsOf(p)) <= 80 {
		return true
	}
	words := wordsOf(p)
	// "- Croatian: Uvjeti pružanja usluge": a language and the title in it.
	if len(words) > 0 && languageNames[strings.ToLower(words[0])] && len(words) <= 8 {
		rest := strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(p), "-*•#0123456789. "))
		if after, ok := strings.CutPrefix(rest, words[0]); ok && (strings.HasPrefix(after, ":") || strings.HasPrefix(after, " -") || strings.HasPrefix(after, " –") || after == "") {
			return true
		}
	}
	names := 0
	for _, w := range words {
		if languageNames[strings.ToLower(w)] {
			names++
		}
	}
	return names >= 3 && 2*names >= len(words)/2 || len(words) > 0 && len(words) <= 3 && names == len(words)
}

// uiWords are labels of the buttons and widgets pages carry around their
// text.
var uiWords = wordSet("close open back next previous share print menu search download pdf true false null undefined tooltip " +
	"expand collapse more less show hide skip top content pagereference copy copied link links home cancel ok accept reject " +
	"dismiss learn toggle navigation")

// isWidget reports whether a paragraph is a widget's label rather than
// text: a couple of words of user interface ("_close_", "Close tooltip",
// "pageReference:").
func isWidget(p string) bool {
	words := wordsOf(p)
	if len(words) == 0 || len(words) > 3 {
		return false
	}
	for _, w := range words {
		if !uiWords[strings.ToLower(w)] {
			return false
		}
	}
	return true
}

// markup finds captured style sheets, scripts and image placeholders.
var markup = regexp.MustCompile(`(?i)(\{\s*[a-z-]+\s*:[^{}]*\}|^\s*<[a-z!/]|\bviewbox\b|\bfont-family\s*:|\bmargin\s*:\s*\d)`)

func isMarkup(p string) bool { return markup.MatchString(p) }

// obfuscated finds e-mail addresses as sites write them for robots not to
// read ("[email protected]" from Cloudflare, "legal [at] example [dot]
// com"), and plain ones, so that one written another way is the same.
var obfuscated = regexp.MustCompile(`(?i)\[\s*email\s*(&#160;|\s)*protected\s*\]|\b[\w.+-]+\s*(@|\[\s*at\s*\]|\(\s*at\s*\))\s*[\w-]+(\s*(\.|\[\s*dot\s*\]|\(\s*dot\s*\))\s*[\w-]+)+`)

// cloudflareEmail is how Cloudflare hides an address from robots.
var cloudflareEmail = regexp.MustCompile(`(?i)\[\s*email\s*(&#160;|\s)*protected\s*\]`)

// spelledOut are the abbreviations documents spell out and back again.
var spelledOut = strings.NewReplacer(
	"united kingdom", "uk", "united states of america", "usa", "united states", "us", "european union", "eu",
	"european economic area", "eea", "u.s.", "us", "u.k.", "uk", "e.u.", "eu",
)

// folded is a paragraph reduced to its words, lower case, with e-mail
// addresses written for robots, abbreviations, quotation marks and
// apostrophes folded away: two paragraphs with the same folded form say
// the same thing.
func folded(p string) string {
	p = cloudflareEmail.ReplaceAllString(p, " email ")
	p = obfuscated.ReplaceAllStringFunc(p, func(e string) string {
		if strings.Contains(e, "@") {
			return " email "
		}
		return " email "
	})
	p = spelledOut.Replace(strings.ToLower(p))
	var b strings.Builder
	for _, w := range wordsOf(p) {
		w = strings.NewReplacer("'", "", "’", "", "‘", "").Replace(w)
		if w == "link" || w == "the" { // "[link]" placeholders; "the UK" spelt "the United Kingdom"
			continue
		}
		b.WriteString(w)
		b.WriteByte(' ')
	}
	return b.String()
}

// sameWordsReordered reports whether two paragraphs hold the same words in
// another order, "and" and "or" aside ("EEA, Switzerland and the UK"
// becoming "EEA, the UK or Switzerland").
func sameWordsReordered(a, b string) bool {
	count := func(s string) map[string]int {
		m := map[string]int{}
		for _, w := range strings.Fields(folded(s)) {
			if w != "and" && w != "or" {
				m[w]++
			}
		}
		return m
	}
	ma, mb := count(a), count(b)
	if len(ma) == 0 || len(ma) != len(mb) {
		return false
	}
	for w, n := range ma {
		if mb[w] != n {
			return false
		}
	}
	return true
}

// sameAddressHidden reports whether two paragraphs differ only in an e-mail
// address that one of them hides from robots ("[email protected]").
func sameAddressHidden(a, b string) bool {
	return (cloudflareEmail.MatchString(a) || cloudflareEmail.MatchString(b)) && folded(a) == folded(b)
}

// titleWords make up documents' titles and the labels around them.
var titleWords = wordSet("terms of service use conditions policy policies privacy notice statement guidelines community copyright " +
	"intellectual property cookie cookies trackers tracker law enforcement agreement user users legal information data protection " +
	"claims content rules standards and the for eea uk ch eu us usa switzerland united kingdom states european economic area global " +
	"version pinterest tiktok youtube twitter x discord twitch reddit linkedin whatsapp google meta facebook instagram snapchat")

// isTitleLine reports whether a short line is the document's own title, or
// a label such as its region, rather than text: every word is the
// document's name or a word titles are made of.
func isTitleLine(p, name string) bool {
	words := wordsOf(p)
	if len(words) == 0 || len(words) > 10 || strings.ContainsAny(strings.TrimRight(p, " "), ".;") && !strings.Contains(p, "|") {
		return false
	}
	own := map[string]bool{}
	for _, w := range wordsOf(name) {
		own[strings.ToLower(w)] = true
	}
	for _, w := range words {
		lw := strings.ToLower(w)
		if !own[lw] && !titleWords[lw] {
			return false
		}
	}
	return true
}

// navLabel strips what makes a line a link in a list or a heading, to
// compare a table of contents with the headings it lists.
func navLabel(p string) string {
	_, p = text.Heading(strings.TrimSpace(p))
	p = strings.TrimLeft(p, "-*•0123456789.) ")
	return folded(p)
}
