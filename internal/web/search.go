package web

import (
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"tracker"
	"tracker/internal/api"
	"tracker/internal/store"
	"tracker/internal/topics"
)

// searchLimit caps the paragraphs a search page shows.
const searchLimit = 200

type searchForm struct {
	Q, Source, Topic, Since, Until, At string
	FTS                                bool
}

type docHit struct {
	tracker.SearchHit
	SourceName string
	Segments   []segment
	// Caveat qualifies a current hit in a source tracker no longer
	// follows: it is only in the last text tracker holds.
	Caveat string
}

type itemHit struct {
	api.Item
	SourceName string
	TitleSegs  []segment
	Segments   []segment
}

type searchData struct {
	Page
	Form      searchForm
	Sources   []api.Source
	Topics    []topics.Topic
	Searched  bool
	Error     string
	Docs      []docHit
	Items     []itemHit
	Truncated bool
	Limit     int
}

func (s *server) searchPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	form := searchForm{Q: strings.TrimSpace(q.Get("q")), Source: strings.Join(sourceParams(q), ","),
		Since: q.Get("since"), Until: q.Get("until"), At: q.Get("at")}
	topic, err := s.topicParam(q)
	if err != nil {
		return err
	}
	form.Topic = topic
	fts, err := boolParam(q, "fts")
	if err != nil {
		return err
	}
	form.FTS = fts
	list, names, err := s.sources(ctx)
	if err != nil {
		return err
	}
	d := searchData{Page: Page{Title: "Search", Query: form.Q}, Form: form, Topics: s.tax.Topics(), Limit: searchLimit}
	for _, src := range list {
		if src.Kind != tracker.KindFeed || src.Items > 0 {
			d.Sources = append(d.Sources, src)
		}
	}
	if form.Q == "" {
		s.render(w, r, "search", http.StatusOK, d)
		return nil
	}
	d.Title = "Search: " + form.Q
	d.Searched = true
	sq := store.SearchQuery{Text: form.Q, Raw: form.FTS, SourceIDs: sourceParams(q), Limit: searchLimit}
	var since, until time.Time
	if sq.At, err = dateParam(q, "at", true); err == nil {
		if since, err = dateParam(q, "since", false); err == nil {
			until, err = dateParam(q, "until", true)
		}
	}
	if err != nil {
		return err
	}
	hits, err := s.db.Search(ctx, sq)
	if err != nil {
		if !form.FTS {
			return err
		}
		// A malformed FTS5 query is the reader's to fix, on the same page.
		d.Error = "This is not a valid query (" + strings.TrimPrefix(err.Error(), "store: search: ") +
			"). Put phrases in double quotes, and join words with AND, OR, NOT or NEAR; end a word with * to match its beginning."
		s.render(w, r, "search", http.StatusBadRequest, d)
		return nil
	}
	d.Truncated = len(hits) == searchLimit
	caveat := s.caveats(ctx)
	m := newMatcher(form.Q, form.FTS)
	for _, h := range hits {
		if !since.IsZero() && h.LastSeen.Before(since) || !until.IsZero() && h.FirstSeen.After(until) {
			continue
		}
		if form.Topic != "" && !hasTopic(s.tax.Classify(h.Text), form.Topic) {
			continue
		}
		dh := docHit{SearchHit: h, SourceName: names[h.SourceID], Segments: m.highlight(h.Text, 60)}
		if h.Current {
			if dh.Caveat, err = caveat(h.SourceID); err != nil {
				return err
			}
		}
		d.Docs = append(d.Docs, dh)
	}
	if sq.At.IsZero() {
		items, err := s.db.SearchItems(ctx, form.Q, form.FTS, sq.SourceIDs, searchLimit)
		if err != nil {
			return err
		}
		for _, it := range items {
			date := it.Published
			if date.IsZero() {
				date = it.FirstSeen
			}
			if !since.IsZero() && date.Before(since) || !until.IsZero() && date.After(until) {
				continue
			}
			if form.Topic != "" && !hasTopic(it.Topics, form.Topic) {
				continue
			}
			d.Items = append(d.Items, itemHit{Item: api.NewItem(it), SourceName: names[it.SourceID],
				TitleSegs: m.highlight(it.Title, 0), Segments: m.highlight(strings.TrimSpace(it.Text+" "+it.PageText), 60)})
		}
	}
	s.render(w, r, "search", http.StatusOK, d)
	return nil
}

func hasTopic(ms []topics.Match, id string) bool {
	return slices.ContainsFunc(ms, func(m topics.Match) bool { return m.Topic == id })
}

// segment is a piece of text, marked when it matched the search.
type segment struct {
	Text string
	Mark bool
}

// matcher finds in a text what a search matched, the way SQLite's FTS5
// tokenizer does (unicode61, diacritics removed): words are runs of letters
// and digits, compared case- and accent-insensitively.
type matcher struct {
	phrase []string // a phrase search: these words in a row
	terms  []term   // an FTS5 query: any of these words
}

type term struct {
	word   string
	prefix bool
}

func newMatcher(q string, raw bool) matcher {
	if !raw {
		var m matcher
		for _, w := range words(q) {
			m.phrase = append(m.phrase, w.fold)
		}
		return m
	}
	var m matcher
	for _, f := range strings.FieldsFunc(q, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(`()"+:^`, r) }) {
		if f == "AND" || f == "OR" || f == "NOT" || strings.HasPrefix(f, "NEAR") {
			continue
		}
		prefix := strings.HasSuffix(f, "*")
		ws := words(strings.TrimSuffix(f, "*"))
		for i, w := range ws {
			m.terms = append(m.terms, term{word: w.fold, prefix: prefix && i == len(ws)-1})
		}
	}
	return m
}

type word struct {
	start, end int
	fold       string
}

func fold(s string) string {
	ascii := true
	for i := 0; i < len(s) && ascii; i++ {
		ascii = s[i] < utf8.RuneSelf
	}
	if ascii {
		return strings.ToLower(s)
	}
	// A chain keeps state: one per call, as pages are served concurrently.
	unaccent := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(unaccent, strings.ToLower(s))
	if err != nil {
		return strings.ToLower(s)
	}
	return out
}

func words(text string) []word {
	var out []word
	start := -1
	for i, r := range text {
		alnum := unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
		switch {
		case alnum && start < 0:
			start = i
		case !alnum && start >= 0:
			out = append(out, word{start, i, fold(text[start:i])})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, word{start, len(text), fold(text[start:])})
	}
	return out
}

// highlight cuts text into segments with the matches marked; when maxWords
// is positive and the text is longer, it keeps about that many words around
// the first match.
func (m matcher) highlight(text string, maxWords int) []segment {
	ws := words(text)
	var marks [][2]int
	for i := 0; i < len(ws); i++ {
		switch {
		case len(m.phrase) > 0:
			if i+len(m.phrase) <= len(ws) && m.phraseAt(ws[i:]) {
				marks = append(marks, [2]int{ws[i].start, ws[i+len(m.phrase)-1].end})
				i += len(m.phrase) - 1
			}
		case m.termMatches(ws[i].fold):
			marks = append(marks, [2]int{ws[i].start, ws[i].end})
		}
	}
	from, to, lead, trail := 0, len(text), "", ""
	if maxWords > 0 && len(ws) > maxWords {
		first := 0
		if len(marks) > 0 {
			for first < len(ws) && ws[first].start < marks[0][0] {
				first++
			}
		}
		lo := max(0, min(first-maxWords/3, len(ws)-maxWords))
		hi := min(len(ws), lo+maxWords)
		if lo > 0 {
			from, lead = ws[lo].start, "…"
		}
		if hi < len(ws) {
			to, trail = ws[hi-1].end, "…"
		}
	}
	var out []segment
	if lead != "" {
		out = append(out, segment{Text: lead})
	}
	pos := from
	for _, mk := range marks {
		if mk[1] <= from || mk[0] >= to {
			continue
		}
		a, b := max(mk[0], from), min(mk[1], to)
		if a > pos {
			out = append(out, segment{Text: text[pos:a]})
		}
		out = append(out, segment{Text: text[a:b], Mark: true})
		pos = b
	}
	if pos < to {
		out = append(out, segment{Text: text[pos:to]})
	}
	if trail != "" {
		out = append(out, segment{Text: trail})
	}
	return out
}

func (m matcher) phraseAt(ws []word) bool {
	for k, p := range m.phrase {
		if ws[k].fold != p {
			return false
		}
	}
	return true
}

func (m matcher) termMatches(w string) bool {
	for _, t := range m.terms {
		if w == t.word || t.prefix && strings.HasPrefix(w, t.word) {
			return true
		}
	}
	return false
}
