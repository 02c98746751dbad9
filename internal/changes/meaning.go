package changes

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"

	"tracker/internal/diff"
	"tracker/internal/text"
	"tracker/internal/topics"
)

// Document is what the classification knows of the document a change
// belongs to, beyond its two texts.
type Document struct {
	// Name names the document ("TikTok Privacy Policy"): its own title is
	// not news, and its subject can be read from it.
	Name string
	// Subject lists the document's subject topics when its source declares
	// them; nil infers them from Name and the text.
	Subject []string
	// History tells how many separate runs of versions, up to and including
	// the old one, held a paragraph: 0 when none did. A paragraph that
	// comes back, or goes again, comes and goes: page chrome, not text.
	// nil when the history is unknown.
	History func(paragraph string) int
	// Elsewhere tells whether another document of the same site holds a
	// paragraph: a banner or a picker the site puts on its every page is
	// page chrome, not this document's text. nil when unknown.
	Elsewhere func(paragraph string) bool
}

// Context is what Analyze needs besides the two texts.
type Context struct {
	Taxonomy *topics.Taxonomy
	Document Document
}

// reference finds the names of documents in text ("our Privacy Policy",
// "the Community Guidelines"): a mention of another document, not a
// statement about its subject.
var reference = regexp.MustCompile(`\b(([A-Z][\w’']*|of|and|for|&)\s+){0,4}(Policy|Policies|Notice|Guidelines|Terms|Statement|Center|Centre|Hub|Portal|Standards|Rules|Agreement|Settings|Page|Principles|FAQ)\b`)

// subjectWords read a document's subject from its name or title.
var subjectWords = []struct {
	re    *regexp.Regexp
	topic string
}{
	{regexp.MustCompile(`(?i)\b(privacy|cookies?|trackers?|tracking|personal\s+(data|information)|data\s+(protection|policy|processing|use)|law\s+enforcement|government\s+requests?|data\s+requests?)\b`), topics.Privacy},
	{regexp.MustCompile(`(?i)\b(copyright|intellectual\s+property|trade\s*marks?|dmca|ip\s+policy|music\s+library)\b`), topics.IP},
	{regexp.MustCompile(`(?i)\b(community\s+(guidelines|standards|rules)|content\s+(policy|policies|rules|standards)|rules\s+and\s+policies|safety\s+(policy|guidelines)|acceptable\s+use)\b`), topics.Moderation},
	{regexp.MustCompile(`(?i)\b(purchases?|payments?|virtual\s+(items?|goods|currency)|coins?|refunds?|subscriptions?|in-app|billing|monetization|paid\s+services|shop|merchant|seller|advertising\s+polic(y|ies)|ad\s+polic(y|ies)|branded\s+content)\b`), topics.Consumer},
	{regexp.MustCompile(`(?i)\b(children|child|younger\s+users|teens?|youth|minors|under\s+1[368]|parents?|family\s+pairing)\b`), topics.Minors},
	{regexp.MustCompile(`(?i)\b(artificial\s+intelligence|ai\s+(policy|terms|principles)|generative\s+ai|machine\s+learning)\b`), topics.AI},
}

// Subject infers the subject topics of a document from its name and title:
// a privacy policy, a cookies or trackers policy and law-enforcement
// guidelines are about personal data; a copyright policy about IP;
// community guidelines about moderation; a purchases, payments or
// advertising policy about consumer protection. Terms of service have no
// single subject: their sections tell.
func Subject(name, firstLines string) []string {
	var out []string
	for _, s := range []string{name, firstLines} {
		for _, sw := range subjectWords {
			if sw.re.MatchString(s) && !slices.Contains(out, sw.topic) {
				out = append(out, sw.topic)
			}
		}
		if len(out) > 0 {
			break
		}
	}
	return out
}

// titleOf is the first few lines of a text, where its title is.
func titleOf(s string) string {
	ps := text.Paragraphs(s)
	var b strings.Builder
	for i, p := range ps {
		if i == 3 {
			break
		}
		if text.Words(p.Text) <= 12 {
			b.WriteString(p.Text)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// classify decides, for each passage, whether it says anything new, and
// what the whole change is when none does.
func classify(ps []*Passage, oldText, newText string, oldParas, newParas []text.Paragraph, doc Document) (artefact string) {
	// The whole page in another language: a capture fault, whatever the
	// diff says.
	if lo, ln := language(oldText), language(newText); lo != "" && ln != "" && lo != ln {
		for _, p := range ps {
			p.Artefact = ArtefactLanguage
		}
		return ArtefactLanguage
	}
	if captureFault(oldText, newText, doc) {
		for _, p := range ps {
			p.Artefact = ArtefactCapture
		}
		return ArtefactCapture
	}
	headings := map[string]bool{}
	for _, pp := range [][]text.Paragraph{oldParas, newParas} {
		for _, p := range pp {
			if lvl, title := text.Heading(strings.TrimSpace(p.Text)); lvl > 0 {
				headings[folded(title)] = true
			}
		}
	}
	edge := func(line int, paras []text.Paragraph) bool {
		for i, p := range paras {
			if p.Line == line {
				return i < 4 || i >= len(paras)-3
			}
		}
		return false
	}
	docLang := language(newText)
	superseded := supersededCopy(ps, newParas)
	for _, p := range ps {
		p.paras = newParas
		if p.Kind == diff.KindRemoved {
			p.paras = oldParas
		}
		if p.Artefact != "" {
			continue
		}
		p.Artefact, p.why = passageArtefact(p, doc, headings, docLang, edge, superseded)
	}
	// A heading over nothing but chrome is the chrome's own ("Additional
	// languages" over a language picker).
	for _, p := range ps {
		if p.Artefact != "" || !p.heading {
			continue
		}
		title, under, chrome := headingTitle(p.text()), 0, true
		for _, q := range ps {
			if q != p && q.Section != "" && strings.HasSuffix(q.Section, title) && q.Kind == p.Kind {
				under++
				chrome = chrome && q.Artefact != ""
			}
		}
		if under > 0 && chrome {
			p.Artefact, p.why = ArtefactChrome, "the heading of page furniture"
		}
	}
	if alternates(ps, oldParas, doc) || sameDateVariant(ps, oldParas, newParas) {
		for _, p := range ps {
			if p.Artefact == "" || p.why == comesAndGoes {
				p.Artefact = ArtefactRegion
			}
		}
		return ""
	}
	if returnsWithOthers(ps, doc) {
		for _, p := range ps {
			if p.why == comesAndGoes {
				p.Artefact, p.why = "", ""
			}
		}
	}
	return ""
}

// sameDateVariant reports whether the page serves another region's
// variant of the same edition: the edition's date stands unchanged in both
// versions, and what changes trades one region, entity or currency for
// another, or is whole sections named for a region. A new edition moves
// its date; a variant keeps it.
func sameDateVariant(ps []*Passage, oldParas, newParas []text.Paragraph) bool {
	dates := func(paras []text.Paragraph) map[string]bool {
		out := map[string]bool{}
		for _, p := range paras {
			if t := strings.TrimSpace(p.Text); dateLine(t) {
				out[folded(t)] = true
			}
		}
		return out
	}
	for _, p := range ps {
		if p.Artefact == ArtefactDate {
			return false
		}
	}
	if !regionSwapBy(ps, place) {
		return false
	}
	o, n := dates(oldParas), dates(newParas)
	return len(o) > 0 && maps.Equal(o, n)
}

// returnsWithOthers reports whether an edited paragraph, too, goes back to
// words the page held before: the page went back to a copy it served
// (a stale one, or the one before a stale one), and a paragraph that
// comes back with it is part of that copy, read as a change, not as a
// notice that comes and goes on its own.
func returnsWithOthers(ps []*Passage, doc Document) bool {
	if doc.History == nil {
		return false
	}
	for _, p := range ps {
		if p.Artefact == "" && p.Kind == diff.KindChanged && doc.History(strings.TrimSpace(p.new)) >= 1 {
			return true
		}
	}
	return false
}

// alternates reports whether every passage of substance only swaps back
// to text the page held before: what goes had come and gone before, and
// what comes was there before. The page alternates between variants it
// serves (another region's, a stale copy), which is no change of the
// document.
func alternates(ps []*Passage, oldParas []text.Paragraph, doc Document) bool {
	if doc.History == nil {
		return false
	}
	if returns(ps, oldParas, doc) {
		return true
	}
	n := 0
	for _, p := range ps {
		if p.Artefact != "" {
			continue
		}
		n++
		if p.Kind != diff.KindAdded && doc.History(p.old) < 2 {
			return false
		}
		if p.Kind != diff.KindRemoved && doc.History(p.new) < 1 {
			return false
		}
	}
	return n > 0 && regionSwap(ps)
}

// returns reports whether the page went back to another region's variant
// it served before: nearly all that the new version says differently from
// the old one, it had said in whole paragraphs before, that is a variant's
// worth of text, not a sentence, and where a sentence changes, it names
// another region, entity or currency. What it leaves is then the other
// variant, held once (a flip back) or more. A stale copy of the document
// that comes back is not this: what it brings back is read as a change,
// as a reader of the two captures would.
func returns(ps []*Passage, oldParas []text.Paragraph, doc Document) bool {
	// A paragraph the old version holds too is a second copy (an announced
	// version beside the current one), not a return.
	inOld := map[string]bool{}
	for _, p := range oldParas {
		inOld[strings.TrimSpace(p.Text)] = true
	}
	newWords, held := 0, 0
	for _, p := range ps {
		if p.Artefact != "" && p.why != comesAndGoes || p.Kind == diff.KindRemoved {
			continue
		}
		w := text.Words(p.new)
		newWords += w
		if t := strings.TrimSpace(p.new); !inOld[t] && doc.History(t) >= 1 {
			held += w
		}
	}
	return newWords >= returnWords && float64(held) >= returnShare*float64(newWords) && regionSwap(ps)
}

// regionSwap reports whether the change trades one region's text for
// another's: an edited sentence names another region, legal entity or
// currency ("Google Ireland Limited" for "Google LLC", "the European
// Economic Area" for "the United Kingdom"), or most of what comes or goes
// sits in sections named for a region ("European requirements").
func regionSwap(ps []*Passage) bool { return regionSwapBy(ps, region) }

// regionSwapBy is regionSwap with the names re finds.
func regionSwapBy(ps []*Passage, re *regexp.Regexp) bool {
	whole, regional := 0, 0
	for _, p := range ps {
		if p.Artefact != "" {
			continue
		}
		switch p.Kind {
		case diff.KindChanged:
			o := regionsIn(re, strings.Join(p.changedOld, " "))
			n := regionsIn(re, strings.Join(p.changedNew, " "))
			if len(o) > 0 && len(n) > 0 && !slices.Equal(o, n) {
				return true
			}
		case diff.KindAdded, diff.KindRemoved:
			whole += p.Words
			if len(regionsIn(re, p.Section)) > 0 {
				regional += p.Words
			}
		}
	}
	return whole > 0 && 2*regional >= whole
}

// regionsIn are the regions, entities and currencies a text names, sorted
// and folded.
func regionsIn(re *regexp.Regexp, s string) []string {
	var out []string
	for _, m := range re.FindAllString(s, -1) {
		out = append(out, strings.ToLower(m))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// The names that tell one region's variant from another's: places and
// currencies, and the legal forms of companies.
const (
	places       = `European\s+Economic\s+Area|EEA|European\s+Union|EU|United\s+Kingdom|UK|Switzerland|United\s+States|USA?|Canada|Australia|New\s+Zealand|India|Japan|Korea|Brazil|Singapore|Ireland|Delaware|California|EUR|USD|GBP|AUD|CAD|INR`
	companyForms = `Limited|Ltd|LLC|Inc|GmbH|S\.A|B\.V|Pte`
)

var (
	// region finds a region, a legal form of a company or a currency.
	region = regexp.MustCompile(`\b(` + places + `|` + companyForms + `)\b|[€£]`)
	// place finds the regions and currencies of region, without the forms
	// of companies: "WhatsApp Inc." becoming "WhatsApp LLC" renames a
	// company, "Google LLC" becoming "Google Ireland Limited" names another
	// region's.
	place = regexp.MustCompile(`\b(` + places + `)\b|[€£]`)
)

// passageArtefact says why one passage tells nothing new, or "".
func passageArtefact(p *Passage, doc Document, headings map[string]bool, docLang string, edge func(int, []text.Paragraph) bool, superseded bool) (artefact, why string) {
	switch p.Kind {
	case diff.KindChanged, diff.KindMoved:
		if sameText(p.old, p.new) || sameWordsReordered(p.old, p.new) {
			return ArtefactFormat, ""
		}
		if isMarkup(p.old) && isMarkup(p.new) {
			return ArtefactChrome, "markup captured with the text"
		}
		if (dateLine(p.old) || dateLine(p.new)) && onlyDates(append(slices.Clone(p.changedOld), p.changedNew...)) {
			return ArtefactDate, ""
		}
		if dateLine(p.old) && dateLine(p.new) && text.Words(p.old) <= 12 && text.Words(p.new) <= 12 {
			return ArtefactDate, ""
		}
		switch {
		case isLanguagePicker(p.old) && isLanguagePicker(p.new):
			return ArtefactChrome, "a language picker"
		case isBanner(p.old) && isBanner(p.new):
			return ArtefactChrome, "a banner announcing an update"
		case isTitleLine(p.old, doc.Name) && isTitleLine(p.new, doc.Name):
			return ArtefactChrome, "the page's title line"
		}
		// A label in another language than the document's.
		if docLang != "" {
			changed := strings.Join(append(slices.Clone(p.changedOld), p.changedNew...), " ")
			if l := language(changed + " " + changed + " " + changed); l != "" && l != docLang && text.Words(changed) <= 12 {
				return ArtefactLanguage, ""
			}
			if scriptDiffers(changed, docLang) {
				return ArtefactLanguage, ""
			}
		}
		return "", ""
	}
	t := p.text()
	switch {
	case strings.TrimSpace(t) == "" || !strings.ContainsFunc(t, unicode.IsLetter):
		return ArtefactFormat, "" // a blank, a number or a rule: no words
	case dateLine(t):
		return ArtefactDate, ""
	case isLanguagePicker(t):
		return ArtefactChrome, "a language picker"
	case isWidget(t):
		return ArtefactChrome, "a widget's label"
	case isMarkup(t):
		return ArtefactChrome, "markup captured with the text"
	case isBanner(t):
		return ArtefactChrome, "a banner announcing an update"
	case headings[navLabel(t)] && !p.heading:
		return ArtefactChrome, "a table of contents" // it lists the headings
	case isTitleLine(t, doc.Name) && (p.heading || text.Words(t) <= 6):
		return ArtefactChrome, "the page's title line"
	case superseded && p.Kind == diff.KindRemoved:
		return ArtefactChrome, "the superseded copy of the document shown beside the new one"
	case doc.Elsewhere != nil && !p.heading && text.Words(t) <= 60 && edge(p.line(), p.paras) && doc.Elsewhere(t):
		return ArtefactChrome, "a paragraph the site shows on its other pages too"
	case scriptDiffers(t, docLang):
		return ArtefactLanguage, ""
	}
	if doc.History != nil && text.Words(t) <= 80 {
		runs := doc.History(t)
		// Back after an absence, or gone again after coming once: it comes
		// and goes with the captures.
		// A notice sits at the top or the bottom of the page; in the
		// body, only a paragraph seen to toggle more than once is one.
		atEdge := edge(p.line(), p.paras)
		if p.Kind == diff.KindAdded && runs >= 1 && (atEdge || runs >= 2) || p.Kind == diff.KindRemoved && runs >= 2 && (atEdge || runs >= 3) {
			return ArtefactChrome, comesAndGoes
		}
	}
	return "", ""
}

// comesAndGoes is why a paragraph back after an absence is chrome.
const comesAndGoes = "a paragraph that comes and goes between captures"

// sameText reports whether two paragraphs say the same: the same words
// once folded, and the same e-mail addresses unless one hides its address.
func sameText(a, b string) bool {
	if folded(a) != folded(b) {
		return false
	}
	if sameAddressHidden(a, b) {
		return true
	}
	return slices.Equal(obfuscatedAddresses(a), obfuscatedAddresses(b))
}

// obfuscatedAddresses are the e-mail addresses of a paragraph, however
// written, in a comparable form.
func obfuscatedAddresses(p string) []string {
	var out []string
	for _, e := range obfuscated.FindAllString(p, -1) {
		e = strings.ToLower(e)
		e = regexp.MustCompile(`\s*(\[\s*at\s*\]|\(\s*at\s*\)|@)\s*`).ReplaceAllString(e, "@")
		e = regexp.MustCompile(`\s*(\[\s*dot\s*\]|\(\s*dot\s*\)|\.)\s*`).ReplaceAllString(e, ".")
		out = append(out, e)
	}
	return out
}

// scriptDiffers reports whether a text of a few words is written in
// another script than a document in language lang.
func scriptDiffers(s, lang string) bool {
	if lang == "" || text.Words(s) == 0 || text.Words(s) > 20 {
		return false
	}
	l := language(strings.Repeat(s+" ", 8))
	latin := func(l string) bool { return len(l) == 2 }
	return l != "" && latin(l) != latin(lang)
}

// supersededCopy reports whether the passages removed are a second copy of
// the document that the page showed beside the new one until it came into
// effect: most of their headings are still there.
func supersededCopy(ps []*Passage, newParas []text.Paragraph) bool {
	present := map[string]bool{}
	for _, p := range newParas {
		if lvl, title := text.Heading(strings.TrimSpace(p.Text)); lvl > 0 {
			present[folded(title)] = true
		}
	}
	removed, kept, words := 0, 0, 0
	for _, p := range ps {
		if p.Kind != diff.KindRemoved {
			continue
		}
		words += p.Words
		if lvl, title := text.Heading(strings.TrimSpace(p.old)); lvl > 0 {
			removed++
			if present[folded(title)] {
				kept++
			}
		}
	}
	return removed >= 3 && 10*kept >= 7*removed && words >= 200
}

// captureFault reports whether one of the two captures is broken: cut
// short, or little more than navigation, while the other holds the
// document. Either way the document did not change.
func captureFault(oldText, newText string, doc Document) bool {
	ow, nw := text.Words(oldText), text.Words(newText)
	if truncated(oldText, newText) || truncated(newText, oldText) {
		return true
	}
	small, big := nw, ow
	if ow < nw {
		small, big = ow, nw
	}
	if big < 300 || 8*small > big {
		return false
	}
	// Little left of a long document. When the history shows the long
	// text is what the page held before, the short one was a fault.
	if nw < ow {
		return true // a real document never loses seven eighths of itself in a week
	}
	if doc.History == nil {
		return false
	}
	held, n := 0, 0
	for _, p := range text.Paragraphs(newText) {
		n++
		if doc.History(strings.TrimSpace(p.Text)) > 0 {
			held++
		}
	}
	return n > 0 && 10*held >= 8*n
}

// truncated reports whether short is long cut off: every paragraph of
// short but the last is in long, in order, and the last one is the start
// of one of long's, cut in the middle of a sentence.
func truncated(short, long string) bool {
	sp, lp := text.Paragraphs(short), text.Paragraphs(long)
	if len(sp) == 0 || len(sp) > len(lp) || text.Words(short) >= text.Words(long) {
		return false
	}
	// Cut in the middle of a sentence: a real edit ends its sentences.
	if last := strings.TrimSpace(sp[len(sp)-1].Text); last == "" || strings.ContainsRune(".!?:;)\"”’»", rune(last[len(last)-1])) {
		return false
	}
	j := 0
	for i, p := range sp {
		for j < len(lp) && lp[j].Text != p.Text && (i < len(sp)-1 || !strings.HasPrefix(lp[j].Text, p.Text)) {
			j++
		}
		if j == len(lp) {
			return false
		}
		if i == len(sp)-1 && lp[j].Text == p.Text {
			return false // cut between paragraphs: a real removal looks like that
		}
		j++
	}
	return true
}

// topicsOf decides the topics of a passage of substance: those its changed
// words speak of (mentions of other documents' names aside), else those of
// its section, and the document's own subject.
func topicsOf(p *Passage, tax *topics.Taxonomy, subject []string) []topics.Match {
	var out []topics.Match
	if tax == nil {
		return nil
	}
	for _, m := range tax.ClassifyFragments(p.fragments()) {
		// A topic of the sentence an edit sits in is the edit's subject;
		// around a whole paragraph added or removed there is no context.
		if m.Context && p.Kind != diff.KindChanged && p.Kind != diff.KindMoved {
			continue
		}
		context := m.Context
		m.Context = false
		var ev []string
		for _, e := range m.Evidence {
			if !isReference(e) {
				ev = append(ev, e)
			}
		}
		if len(ev) == 0 {
			continue
		}
		// Several phrases of a topic in the words changed: the passage
		// rewrites what the document says of it.
		if !context && len(ev) >= 3 {
			p.strong = true
		}
		if !context {
			if p.strength == nil {
				p.strength = map[string]int{}
			}
			// A phrase of several words says more than a word alone.
			for _, e := range ev {
				p.strength[m.Topic]++
				if strings.Contains(e, " ") {
					p.strength[m.Topic]++
				}
			}
		}
		m.Evidence = ev
		out = append(out, m)
	}
	if len(out) == 0 && p.Section != "" {
		for _, m := range tax.Classify(p.Section) {
			var ev []string
			for _, e := range m.Evidence {
				if !isReference(e) {
					ev = append(ev, e)
				}
			}
			if len(ev) > 0 {
				out = append(out, topics.Match{Topic: m.Topic, Evidence: []string{"under “" + p.Section + "”"}})
			}
		}
	}
	for _, s := range subject {
		if !hasTopic(out, s) {
			out = append(out, topics.Match{Topic: s, Evidence: []string{"the subject of the document"}})
		}
	}
	return out
}

func hasTopic(ms []topics.Match, id string) bool {
	for _, m := range ms {
		if m.Topic == id {
			return true
		}
	}
	return false
}

// isReference reports whether evidence is only the name of a document
// ("Privacy Policy", "Community Guidelines").
func isReference(e string) bool {
	loc := reference.FindStringIndex(e)
	return loc != nil && loc[0] == 0 && loc[1] == len(e)
}

// decide sets the importance and topics of a change from its passages.
func decide(c *Analysis, ps []*Passage, tax *topics.Taxonomy, subject []string) {
	var substance []*Passage
	words := 0
	for _, p := range ps {
		if p.Artefact == "" {
			substance = append(substance, p)
			words += p.Words
		}
	}
	if len(substance) == 0 {
		c.Importance = Cosmetic
		return
	}
	for _, p := range substance {
		p.Topics = topicsOf(p, tax, subject)
		p.Turn = len(p.Topics) > 0 && turns(p)
	}
	c.Importance = Minor
	sectionChange := false
	for _, p := range substance {
		if p.heading && (p.Kind == diff.KindAdded || p.Kind == diff.KindRemoved) {
			// A heading with text of its own under it.
			under := 0
			for _, q := range substance {
				if q.Section != "" && strings.HasSuffix(q.Section, headingTitle(p.text())) {
					under += q.Words
				}
			}
			if under >= 30 {
				sectionChange = true
			}
		}
	}
	turn := false
	for _, p := range substance {
		turn = turn || p.Turn || p.strong
	}
	if words >= majorWords || sectionChange || turn {
		c.Importance = Major
	}
	c.Topics = aggregate(substance, words, subject)
}

// turns reports whether a passage turns what a clause says: an edit of a
// few words that changes a negation, a modal, a bound, a period, an age or
// an amount; or a short sentence added or removed that states a rule (a
// prohibition, an obligation, a limit, a period).
func turns(p *Passage) bool {
	switch p.Kind {
	case diff.KindChanged, diff.KindMoved:
		if p.Words > 16 || sameTurningWords(p.changedOld, p.changedNew) {
			return false
		}
		for _, f := range p.fragments() {
			if turnsMeaning(f) {
				return true
			}
		}
		return false
	}
	t := p.text()
	if n := text.Words(t); n == 0 || n > 60 {
		return false
	}
	return rule.MatchString(t) || turnsMeaning(topics.Fragment{Text: t, Changed: [][2]int{{0, len(t)}}}) && measure.MatchString(t)
}

// sameTurningWords reports whether an edit keeps the words that could turn
// a clause, and its numbers: "the section below" becoming "below this
// table" moves a word, it turns nothing.
func sameTurningWords(old, new []string) bool {
	bag := func(parts []string) map[string]int {
		out := map[string]int{}
		for _, s := range parts {
			for _, w := range wordsOf(s) {
				w = strings.ToLower(w)
				if turning[w] || strings.HasSuffix(w, "n't") || strings.ContainsFunc(w, unicode.IsDigit) {
					out[w]++
				}
			}
		}
		return out
	}
	return maps.Equal(bag(old), bag(new))
}

// rule finds the words that make a sentence a rule rather than a
// description.
var rule = regexp.MustCompile(`(?i)\b(not|never|cannot|can['’]t|won['’]t|must|shall|required|requires?|prohibited|forbidden|only|no\s+longer|without\s+(your\s+)?(consent|permission|notice))\b`)

// measure finds a number that is a period, an age, an amount or a rate.
var measure = regexp.MustCompile(`(?i)(\b\d+(\.\d+)?\s*(days?|weeks?|months?|years?|hours?|minutes?|%|percent)\b|\b(under|over|aged?|at\s+least)\s+\d+\b|[$€£]\s*\d)`)

// In a change of six passages or more, a topic must be carried by this
// share of its passages (and at least two), or of its words.
var (
	rewriteShare    = 0.08
	rewriteWords    = 0.05
	rewriteStrength = 4
)

// A return to an earlier variant: at least this many words of new text,
// this share of them in paragraphs the page held before,
var (
	returnWords = 100
	returnShare = 0.85
)

// How many phrases of a topic other than the document's subject one passage
// must change for the change to have that topic: a topic close to the
// subject, or another one.
var (
	closeStrength      = 2
	offSubjectStrength = 8
)

// near lists, for a subject, the topics that are aspects of it rather than
// other subjects: children's data and automated processing in a privacy
// document, account restrictions in a copyright one.
var near = map[string][]string{
	topics.Privacy:    {topics.Minors, topics.AI},
	topics.IP:         {topics.Moderation},
	topics.Moderation: {topics.Minors, topics.AI, topics.Privacy, topics.IP},
	topics.Consumer:   {topics.Minors},
	topics.Minors:     {topics.Privacy, topics.Moderation},
}

func close(subject []string, topic string) bool {
	for _, s := range subject {
		if slices.Contains(near[s], topic) {
			return true
		}
	}
	return false
}

// debugAggregate, when set by a test, is told how each topic is carried.
var debugAggregate func(topic string, passages, of, words, total int)

// majorWords is how many words of substance make a change major whatever
// they say.
const majorWords = 120

func headingTitle(s string) string {
	_, t := text.Heading(strings.TrimSpace(s))
	return t
}

// aggregate picks the change's topics: in a small change every topic its
// passages carry; in a large one those that a fair share of it carries, so
// that a rewrite mentioning "personal data" once is not a privacy change.
//
// In a document with a subject, what it says is read in that frame: a
// privacy policy's passages are about personal data, and its mentions of
// moderation, payments or copyright are purposes of processing, not
// subjects; only a passage that rewrites what it says of such a topic
// (several of its phrases changed) adds it. Topics close to the subject
// (children's data or AI in a privacy policy) need less.
func aggregate(substance []*Passage, words int, subject []string) []topics.Match {
	type acc struct {
		m        topics.Match
		passages int
		words    int
		order    int
	}
	byTopic := map[string]*acc{}
	for _, p := range substance {
		for _, m := range p.Topics {
			a, ok := byTopic[m.Topic]
			if !ok {
				a = &acc{m: topics.Match{Topic: m.Topic}, order: len(byTopic)}
				byTopic[m.Topic] = a
			}
			a.passages++
			a.words += p.Words
			for _, e := range m.Evidence {
				if len(a.m.Evidence) < topics.MaxEvidence && !slices.Contains(a.m.Evidence, e) {
					a.m.Evidence = append(a.m.Evidence, e)
				}
			}
		}
	}
	var list []*acc
	for _, a := range byTopic {
		if debugAggregate != nil {
			debugAggregate(a.m.Topic, a.passages, len(substance), a.words, words)
		}
		strength := 0
		for _, p := range substance {
			strength = max(strength, p.strength[a.m.Topic])
		}
		// In a large change a topic must be carried by a share of it, or
		// by a passage that rewrites what the document says of it.
		if n := len(substance); n >= 6 && float64(a.passages) < max(2, rewriteShare*float64(n)) && float64(a.words) < rewriteWords*float64(words) && strength < rewriteStrength {
			continue
		}
		if len(subject) > 0 && !slices.Contains(subject, a.m.Topic) {
			need := offSubjectStrength
			if close(subject, a.m.Topic) {
				need = closeStrength
			}
			if strength < need {
				continue
			}
		}
		list = append(list, a)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].words != list[j].words {
			return list[i].words > list[j].words
		}
		return list[i].order < list[j].order
	})
	out := make([]topics.Match, 0, len(list))
	for _, a := range list {
		out = append(out, a.m)
	}
	return out
}

// weigh orders the passages by what they mean to a reader and gives each a
// reason.
func weigh(ps []*Passage) {
	for _, p := range ps {
		w := float64(min(p.Words, 300))
		switch {
		case p.Artefact != "":
			w = w / 1000
		default:
			w += 50
			if p.Turn {
				w += 200
			}
			w += 30 * float64(len(p.Topics))
			if p.heading {
				w += 40
			}
		}
		p.Weight = w
		p.Reason = reasonOf(p)
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Weight > ps[j].Weight })
}

// reasonOf says in a sentence what a passage changes.
func reasonOf(p *Passage) string {
	where := ""
	if p.Section != "" {
		where = " under “" + p.Section + "”"
	}
	switch p.Artefact {
	case ArtefactFormat:
		return "Only the layout, punctuation or spelling changed" + where + "."
	case ArtefactDate:
		return "Only the document's date changed."
	case ArtefactChrome:
		why := p.why
		if why == "" {
			why = "page furniture"
		}
		return "Not the document's text: " + why + " came or went."
	case ArtefactLanguage:
		return "Served in another language: a capture artefact, not a change of the document."
	case ArtefactCapture:
		return "The page was captured incomplete, or whole again after such a capture: not a change of the document."
	case ArtefactRegion:
		return "The page alternates between variants it served before (another region's, a stale copy): a capture artefact."
	}
	var about string
	if len(p.Topics) > 0 {
		var ts []string
		for _, m := range p.Topics {
			ts = append(ts, m.Topic)
		}
		about = " (" + strings.Join(ts, ", ") + ")"
	}
	quote := func(s string) string { return "“" + text.Summary(s, 80) + "”" }
	short := func(ss []string) bool {
		n := 0
		for _, s := range ss {
			n += text.Words(s)
		}
		return n > 0 && n <= 10
	}
	if p.heading && (p.Kind == diff.KindAdded || p.Kind == diff.KindRemoved) {
		verb := map[string]string{diff.KindAdded: "Adds", diff.KindRemoved: "Removes"}[p.Kind]
		return fmt.Sprintf("%s the section %s%s.", verb, quote(headingTitle(p.text())), about)
	}
	switch p.Kind {
	case diff.KindAdded:
		if text.Words(p.new) <= 12 {
			return fmt.Sprintf("Adds %s%s%s.", quote(p.new), where, about)
		}
		return fmt.Sprintf("Adds a paragraph%s%s.", where, about)
	case diff.KindRemoved:
		if text.Words(p.old) <= 12 {
			return fmt.Sprintf("Removes %s%s%s.", quote(p.old), where, about)
		}
		return fmt.Sprintf("Removes a paragraph%s%s.", where, about)
	case diff.KindMoved:
		return fmt.Sprintf("Moves and edits a paragraph%s%s.", where, about)
	}
	del, ins := strings.Join(p.changedOld, " … "), strings.Join(p.changedNew, " … ")
	switch {
	case short(p.changedOld) && short(p.changedNew):
		return fmt.Sprintf("Changes %s to %s%s%s.", quote(del), quote(ins), where, about)
	case ins != "" && del == "" && short(p.changedNew):
		return fmt.Sprintf("Adds %s%s%s.", quote(ins), where, about)
	case del != "" && ins == "" && short(p.changedOld):
		return fmt.Sprintf("Removes %s%s%s.", quote(del), where, about)
	}
	return fmt.Sprintf("Rewords a paragraph%s%s.", where, about)
}
