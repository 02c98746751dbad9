package topics

import (
	"regexp"
	"strings"
)

// Item is what an item of a regulator's feed says: its title, its text
// (the description, and the linked page's main text when the source
// enriches items), and who published it.
type Item struct {
	Title  string
	Text   string
	Page   string
	Author string
}

// competition finds the items about competition law: mergers, antitrust,
// market power. Competition is not consumer protection (LABELLING.md),
// and in such an item "consumers", "patents" or "sensitive information"
// are what the case affects, not its subject.
var competition = regexp.MustCompile(`(?i)\b(merger|mergers|acquisition|acquire[sd]?|takeover|antitrust|anti-?competitive|competition\s+(law|act|case|concerns?|investigation|rules|authority|and\s+markets)|cartels?|monopol\w*|market\s+power|dominan(t|ce)|strategic\s+market\s+status|gatekeepers?|digital\s+markets\s+act|price[- ]fixing|information\s+exchanges?|non-?competes?|bid[- ]rigging|state\s+aid|premerger|hart-scott-rodino)\b`)

// generic are evidence words that, in an item about competition, name who
// a case affects rather than what it is about.
var generic = map[string]bool{"consumer": true, "consumers": true, "patent": true, "patents": true, "sensitive information": true, "trade secrets": true}

// aiName finds "AI" in the name of a company or a product ("Clearview AI",
// "Stability AI Ltd") rather than as the subject: a capitalised name before
// it that is not a kind of AI, or a company form after it.
var aiName = regexp.MustCompile(`\b([A-Z][a-zA-Z]+)\s+AI\b(\s+(Inc|Ltd|LLC|Limited|Corp|Corporation|GmbH|SAS|SA|plc)\b)?`)

// kindsOfAI are the capitalised words before "AI" that make it a concept
// ("Generative AI"), as titles capitalise them.
var kindsOfAI = map[string]bool{
	"Generative": true, "Responsible": true, "Trustworthy": true, "Artificial": true, "Conversational": true,
	"Frontier": true, "Agentic": true, "Open": true, "Ethical": true, "Explainable": true, "Safe": true,
	"Applied": true, "Purpose": true, "General": true, "Narrow": true, "Embedded": true, "The": true,
	"On": true, "Of": true, "And": true, "For": true, "In": true, "About": true, "Using": true, "With": true,
	"European": true, "EU": true, "New": true, "Human": true, "Advanced": true, "Powerful": true, "Unsafe": true,
}

// ClassifyItem returns the topics of a regulator's item: those of its
// subject, as its title and text tell it. A word that only names who a
// competition case affects, or an AI company, is no evidence.
func (t *Taxonomy) ClassifyItem(it Item) []Match {
	ms := t.Classify(it.Title, it.Text, it.Page, it.Author)
	all := it.Title + "\n" + it.Text + "\n" + it.Page
	inCompetition := competition.MatchString(it.Title) || len(competition.FindAllString(all, 3)) >= 2
	companyAI := false
	for _, m := range aiName.FindAllStringSubmatch(all, -1) {
		if !kindsOfAI[m[1]] || m[3] != "" {
			companyAI = true
		}
	}
	out := ms[:0:0]
	for _, m := range ms {
		var ev []string
		for _, e := range m.Evidence {
			switch {
			case inCompetition && generic[strings.ToLower(e)]:
				continue
			case m.Topic == AI && e == "AI" && companyAI && !conceptAI(all):
				continue
			}
			ev = append(ev, e)
		}
		if len(ev) == 0 {
			continue
		}
		m.Evidence = ev
		out = append(out, m)
	}
	return out
}

// conceptAI reports whether a text speaks of AI as a subject, whatever
// company names hold the letters: "artificial intelligence", "AI
// systems", "AI models", "AI Act".
func conceptAI(s string) bool {
	return aiConcept.MatchString(s)
}

var aiConcept = regexp.MustCompile(`(?i)\b(artificial\s+intelligence|AI\s+(systems?|models?|act|tools?|technolog\w+|generated|training|office|literacy|code)|generative\s+ai|machine\s+learning|chatbots?)\b`)
