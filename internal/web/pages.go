package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"tracker"
	"tracker/internal/api"
	"tracker/internal/changes"
	"tracker/internal/cite"
	"tracker/internal/compare"
	"tracker/internal/links"
	"tracker/internal/related"
	"tracker/internal/store"
	"tracker/internal/text"
	"tracker/internal/topics"
)

// Page is what the layout needs of every page.
type Page struct {
	Title string
	// Query fills the search box of the header.
	Query string
	// Standalone writes the page as one file rather than for the server:
	// the style sheet inline, without navigation, forms and links to other
	// pages (see WriteDiffPage).
	Standalone bool
}

func parsePages() map[string]*template.Template {
	pages := map[string]*template.Template{}
	for _, name := range []string{"overview", "source", "version", "snapshot", "diff", "items", "search", "error", "compare"} {
		files := []string{"templates/layout.html", "templates/" + name + ".html", "templates/related.html"}
		if name == "diff" || name == "compare" {
			files = append(files, "templates/diffview.html")
		}
		pages[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, files...))
	}
	return pages
}

// render writes a page; it is rendered into a buffer first, so that a
// failure halfway becomes an error page rather than half a page.
func (s *server) render(w http.ResponseWriter, r *http.Request, name string, status int, data any) {
	var b bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&b, "layout", data); err != nil {
		s.log.Error("web: render", "page", name, "err", err)
		http.Error(w, "the page could not be rendered; the details are in tracker's log", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(b.Bytes())
	}
}

// handler serves a page or an API answer, or returns why it cannot; it
// writes nothing when it returns an error.
type handler func(w http.ResponseWriter, r *http.Request) error

// handle is the one place where a handler's error becomes an answer: an
// error page, or a JSON error under /api/, with the status it deserves.
func (s *server) handle(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	}
}

// fail answers with an error page, or a JSON error under /api/.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := s.statusOf(r, err)
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeJSON(w, r, status, map[string]string{"error": msg})
		return
	}
	s.render(w, r, "error", status, struct {
		Page
		Status  int
		Message string
	}{Page{Title: http.StatusText(status)}, status, msg})
}

// source describes a source by id, declared or only stored.
func (s *server) source(ctx context.Context, id string) (api.Source, error) {
	var stored []tracker.Source
	st, err := s.db.Source(ctx, id)
	switch {
	case err == nil:
		stored = append(stored, st)
	case !errors.Is(err, store.ErrNotFound):
		return api.Source{}, err
	}
	for _, src := range api.Sources(s.cfg, stored) {
		if src.ID == id {
			return src, nil
		}
	}
	return api.Source{}, notFoundf("there is no source %q: see the overview for the sources tracker knows", id)
}

// sources lists every source, declared or stored, with its name by id.
func (s *server) sources(ctx context.Context) ([]api.Source, map[string]string, error) {
	stored, err := s.db.Sources(ctx)
	if err != nil {
		return nil, nil, err
	}
	list := api.Sources(s.cfg, stored)
	names := map[string]string{}
	for _, src := range list {
		names[src.ID] = displayName(src)
	}
	return list, names, nil
}

func displayName(src api.Source) string {
	if src.Name != "" {
		return src.Name
	}
	return src.ID
}

// version reads a version reference: a number is a seq, anything else a
// date (the version in force at the end of that day); what names the
// parameter in errors.
func (s *server) version(ctx context.Context, id, ref, what string) (tracker.Version, error) {
	v, err := s.cmp.Resolve(ctx, id, ref)
	return v, refError(err, what)
}

// refError turns a reference that names no version into a 404, or a 400
// naming the parameter when it is malformed.
func refError(err error, what string) error {
	switch {
	case compare.IsNotFound(err):
		return notFoundf("%v", err)
	case compare.IsBadReference(err):
		return badRequestf("%s: %v", what, err)
	}
	return err
}

// boolParam reads an optional yes/no parameter: absent or empty is no;
// "fts=0" must not mean yes.
func boolParam(q url.Values, name string) (bool, error) {
	v := strings.ToLower(strings.TrimSpace(q.Get(name)))
	switch v {
	case "", "0", "false", "no", "off":
		return false, nil
	case "1", "true", "yes", "on":
		return true, nil
	}
	return false, badRequestf("%s: %q is not a yes or no (1 or 0)", name, q.Get(name))
}

// dateParam reads an optional date parameter.
func dateParam(q url.Values, name string, endOfDay bool) (time.Time, error) {
	v := strings.TrimSpace(q.Get(name))
	if v == "" {
		return time.Time{}, nil
	}
	t, err := compare.ParseDate(v, endOfDay)
	if err != nil {
		return t, badRequestf("%s: %v", name, err)
	}
	return t, nil
}

// sourceParams reads the repeatable source parameter, ignoring the empty
// value a form sends for "all sources".
func sourceParams(q url.Values) []string {
	var ids []string
	for _, v := range q["source"] {
		if v = strings.TrimSpace(v); v != "" {
			ids = append(ids, v)
		}
	}
	return ids
}

// --- overview ---

type changeRow struct {
	tracker.Change
	SourceName string
	// Match is the topic the row is listed under, when listed by topic.
	Match *topics.Match
	// Note says what a folded run of flip-flops did, and LastSeq where it
	// ended (the diff link then spans the run).
	Note    string
	LastSeq int
}

type topicGroup struct {
	ID, Name               string
	Major, Minor, Cosmetic int
	Changes                []changeRow
	// More counts the older changes left out of Changes.
	More int
}

// perTopic caps the changes listed under a topic: a busy year must not
// make a page of thousands of lines.
const perTopic = 25

type sourceRow struct {
	api.Source
	LastChangeAt time.Time
	// State colours the status: ok, failing, or idle (never checked,
	// import-only, disabled, no longer declared), which is no success.
	State string
	// Headline is the status in a few words; Detail the error of a
	// failing source, shown below it.
	Headline, Detail string
}

func newSourceRow(src api.Source, lastChange time.Time) sourceRow {
	row := sourceRow{Source: src, LastChangeAt: lastChange, Headline: src.Status(), State: statusState(src)}
	if row.State == "failing" {
		row.Detail = src.Error
		row.Headline, _, _ = strings.Cut(row.Headline, ": ")
	}
	return row
}

// statusState is how a source's status is coloured: ok, failing, or idle
// (never checked, import-only, disabled, no longer declared).
func statusState(src api.Source) string {
	switch st := src.Status(); {
	case strings.HasPrefix(st, "failing"):
		return "failing"
	case st == "ok" || strings.HasPrefix(st, "ok; "):
		return "ok"
	}
	return "idle"
}

type overviewData struct {
	Page
	Sources  []sourceRow
	Days     int
	Since    time.Time
	Recent   int
	Groups   []topicGroup
	Latest   []changeRow
	DayLinks []int
}

func (s *server) overview(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	days := 90
	if d := r.URL.Query().Get("days"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 1 || n > 100*366 {
			return badRequestf("days: %q is not a number of days", d)
		}
		days = n
	}
	list, names, err := s.sources(ctx)
	if err != nil {
		return err
	}
	last, err := s.db.LastChanges(ctx)
	if err != nil {
		return err
	}
	d := overviewData{Page: Page{Title: "Overview"}, Days: days, DayLinks: []int{30, 90, 365, 3650}}
	for _, src := range list {
		row := newSourceRow(src, last[src.ID])
		if src.LastChange != nil {
			if t, err := time.Parse(time.RFC3339, *src.LastChange); err == nil && t.After(row.LastChangeAt) {
				row.LastChangeAt = t
			}
		}
		d.Sources = append(d.Sources, row)
	}
	d.Since = s.now().Add(-time.Duration(days) * 24 * time.Hour)
	recent, err := s.db.Changes(ctx, store.ChangeFilter{Since: d.Since})
	if err != nil {
		return err
	}
	folded := changes.Fold(recent)
	d.Recent = len(folded)
	d.Groups = groupByTopic(folded, names, s.tax)
	if len(recent) == 0 {
		latest, err := s.db.LatestChanges(ctx, 10)
		if err != nil {
			return err
		}
		for _, c := range latest {
			d.Latest = append(d.Latest, changeRow{Change: c, SourceName: names[c.SourceID]})
		}
	}
	s.render(w, r, "overview", http.StatusOK, d)
	return nil
}

// groupByTopic lists changes under each topic they touch, the taxonomy's
// topics first in its order, newest change first; changes touching no topic
// come last.
func groupByTopic(list []changes.Folded, names map[string]string, tax *topics.Taxonomy) []topicGroup {
	byID := map[string]*topicGroup{}
	var order []string
	for _, t := range tax.Topics() {
		order = append(order, t.ID)
	}
	other := &topicGroup{Name: "No legal topic"}
	for _, f := range slices.Backward(list) {
		c := f.Change
		add := func(g *topicGroup, m *topics.Match) {
			if len(g.Changes) < perTopic {
				g.Changes = append(g.Changes, changeRow{Change: c, SourceName: names[c.SourceID], Match: m, Note: f.Note(), LastSeq: f.Last.ToSeq})
			} else {
				g.More++
			}
			switch c.Importance {
			case changes.Major:
				g.Major++
			case changes.Minor:
				g.Minor++
			default:
				g.Cosmetic++
			}
		}
		if len(c.Topics) == 0 {
			add(other, nil)
			continue
		}
		for i := range c.Topics {
			m := &c.Topics[i]
			g, ok := byID[m.Topic]
			if !ok {
				g = &topicGroup{ID: m.Topic, Name: tax.Name(m.Topic)}
				byID[m.Topic] = g
				if !slices.Contains(order, m.Topic) {
					order = append(order, m.Topic)
				}
			}
			add(g, m)
		}
	}
	var out []topicGroup
	for _, id := range order {
		if g, ok := byID[id]; ok {
			out = append(out, *g)
		}
	}
	if len(other.Changes) > 0 {
		out = append(out, *other)
	}
	return out
}

// --- a document's timeline ---

const versionsPerPage = 100

type versionRow struct {
	tracker.Version
	Change *tracker.Change
	// Run is a folded run of flip-flops ending at this version, whose
	// other versions are not listed.
	Run *changes.Folded
}

type sourceData struct {
	Page
	Source   api.Source
	Status   string
	State    string // as statusState says
	Versions []versionRow
	Latest   int
	Chart    *activity
	Changes  int
	Major    int
	PageNum  int
	Pages    int
	// Following says since when tracker no longer follows the source.
	Following string
	// Siblings are the regional variants sources.yaml declares, each
	// linked to the compare page.
	Siblings []string
}

// history loads a source with all its versions and changes, technical ones
// included.
func (s *server) history(ctx context.Context, id string) (api.Source, []tracker.Version, []tracker.Change, error) {
	src, err := s.source(ctx, id)
	if err != nil {
		return src, nil, nil, err
	}
	versions, err := s.db.Versions(ctx, id)
	if err != nil {
		return src, nil, nil, err
	}
	list, err := s.db.Changes(ctx, store.ChangeFilter{SourceIDs: []string{id}, Technical: true})
	return src, versions, list, err
}

func (s *server) sourcePage(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	src, versions, list, err := s.history(r.Context(), id)
	if err != nil {
		return err
	}
	d := sourceData{Page: Page{Title: displayName(src)}, Source: src, Status: src.Status(), State: statusState(src), Latest: len(versions),
		Siblings: s.cfg.Siblings(id)}
	if len(versions) > 0 {
		d.Following = s.following(src, versions[len(versions)-1])
	}
	byTo := map[int]*tracker.Change{}
	var real []tracker.Change
	for i, c := range list {
		byTo[c.ToSeq] = &list[i]
		if !c.Technical {
			real = append(real, c)
		}
	}
	// A document going back and forth counts, and shows, as one change.
	runs := map[int]*changes.Folded{} // by the run's last version
	hidden := map[int]bool{}          // versions inside a run
	folded := changes.Fold(real)
	for i, f := range folded {
		if f.Importance == changes.Major {
			d.Major++
		}
		if f.Switches > 1 {
			runs[f.Last.ToSeq] = &folded[i]
			for seq := f.ToSeq; seq < f.Last.ToSeq; seq++ {
				hidden[seq] = true
			}
		}
	}
	d.Changes = len(folded)
	if len(real) > 0 {
		d.Chart = activityChart(real, versions[0].FirstSeen, s.now(), id)
	}
	d.Pages = max(1, (len(versions)+versionsPerPage-1)/versionsPerPage)
	d.PageNum = 1
	if p := r.URL.Query().Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > d.Pages {
			return badRequestf("page: %q is not a page between 1 and %d", p, d.Pages)
		}
		d.PageNum = n
	}
	// Newest first: the page a reader opens shows what changed lately.
	end := len(versions) - (d.PageNum-1)*versionsPerPage
	start := max(0, end-versionsPerPage)
	for _, v := range slices.Backward(versions[start:end]) {
		if hidden[v.Seq] {
			continue
		}
		d.Versions = append(d.Versions, versionRow{Version: v, Change: byTo[v.Seq], Run: runs[v.Seq]})
	}
	s.render(w, r, "source", http.StatusOK, d)
	return nil
}

// --- a version ---

type textLine struct {
	N     int
	Level int // 2–4 for a heading, 0 for a paragraph
	Text  string
}

type versionData struct {
	Page
	Source    api.Source
	V         tracker.Version
	Latest    int
	Change    *tracker.Change
	Lines     []textLine
	Permalink string
	Citation  string
	Related   *relatedItems
	Cite      cite.Citation
}

func (s *server) versionPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := r.PathValue("id")
	src, err := s.source(ctx, id)
	if err != nil {
		return err
	}
	seq, err := strconv.Atoi(r.PathValue("seq"))
	if err != nil {
		return badRequestf("%q is not a version number", r.PathValue("seq"))
	}
	v, err := s.version(ctx, id, strconv.Itoa(seq), "version")
	if err != nil {
		return err
	}
	text, err := s.db.Text(ctx, v)
	if err != nil {
		return err
	}
	c, err := s.citation(ctx, src, v)
	if err != nil {
		return err
	}
	d := versionData{Page: Page{Title: displayName(src) + ", version " + strconv.Itoa(v.Seq)}, Source: src, V: v,
		Latest: src.CurrentSeq, Lines: textLines(text), Permalink: links.VersionURL(s.base, id, v.Seq), Citation: c.Text(), Cite: c}
	if c, err := s.db.ChangeTo(ctx, id, v.Seq); err == nil {
		d.Change = &c
		if d.Related, err = s.relatedItemsOf(ctx, c); err != nil {
			return err
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	s.render(w, r, "version", http.StatusOK, d)
	return nil
}

// textLines splits a version into its paragraphs, numbered like the diff's
// lines (blank lines counted) so that "line 12" means the same everywhere.
func textLines(body string) []textLine {
	var out []textLine
	for _, p := range text.Paragraphs(body) {
		tl := textLine{N: p.Line, Text: strings.TrimSpace(p.Text)}
		if h, title := text.Heading(tl.Text); h > 0 {
			tl.Level, tl.Text = min(h+1, 4), title
		}
		out = append(out, tl)
	}
	return out
}

// at sends the reader to the version in force at the end of a day.
func (s *server) at(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := r.PathValue("id")
	if _, err := s.source(ctx, id); err != nil {
		return err
	}
	date := r.PathValue("date")
	if _, err := strconv.Atoi(date); err == nil {
		return badRequestf("%q is not a date: write it as YYYY-MM-DD", date)
	}
	v, err := s.version(ctx, id, date, "date")
	if err != nil {
		return err
	}
	http.Redirect(w, r, links.VersionURL("", id, v.Seq), http.StatusFound)
	return nil
}

// atForm serves the document page's "text on a date" form, which cannot
// put the date in the path without a script.
func (s *server) atForm(w http.ResponseWriter, r *http.Request) error {
	date := strings.TrimSpace(r.URL.Query().Get("date"))
	if date == "" {
		return badRequestf("give a date: /sources/ID/at/YYYY-MM-DD")
	}
	http.Redirect(w, r, links.AtURL("", r.PathValue("id"), date), http.StatusFound)
	return nil
}

// --- diffs ---

type diffData struct {
	Page
	Source   api.Source
	From, To tracker.Version
	Latest   int
	Change   changes.Analysis
	Stored   *tracker.Change
	Side     bool
	Related  *relatedItems
}

// diffOf resolves the from and to parameters (a seq or a date; by default
// the latest version and the one before it) and compares the two texts.
func (s *server) diffOf(ctx context.Context, id string, q url.Values) (from, to tracker.Version, ch changes.Analysis, err error) {
	from, to, err = s.cmp.Pair(ctx, id, q.Get("from"), q.Get("to"))
	var re *compare.RefError
	switch {
	case errors.As(err, &re):
		return from, to, ch, refError(re.Err, string(re.Side))
	case errors.Is(err, compare.ErrFirst):
		return from, to, ch, notFoundf("version 1 of %s is its first: there is nothing before it to compare it with (give from)", id)
	case err != nil:
		return from, to, ch, err
	}
	ch, err = s.cmp.Compare(ctx, from, to)
	return from, to, ch, err
}

func (s *server) diffPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := r.PathValue("id")
	src, err := s.source(ctx, id)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	from, to, ch, err := s.diffOf(ctx, id, q)
	if err != nil {
		return err
	}
	d := s.diffData(ctx, src, from, to, ch)
	d.Side = q.Get("view") == "side"
	if d.Stored != nil {
		if d.Related, err = s.relatedItemsOf(ctx, *d.Stored); err != nil {
			return err
		}
	}
	s.render(w, r, "diff", http.StatusOK, d)
	return nil
}

// diffData is what the diff page shows of a comparison: with the change
// recorded between two consecutive versions, for its notes.
func (s *server) diffData(ctx context.Context, src api.Source, from, to tracker.Version, ch changes.Analysis) diffData {
	d := diffData{Page: Page{Title: displayName(src) + ": version " + strconv.Itoa(from.Seq) + " → " + strconv.Itoa(to.Seq)},
		Source: src, From: from, To: to, Latest: src.CurrentSeq, Change: ch}
	if to.Seq == from.Seq+1 {
		if c, err := s.db.ChangeTo(ctx, src.ID, to.Seq); err == nil {
			d.Stored = &c
		}
	}
	return d
}

// WriteDiffPage writes the page comparing two versions of source id (ch,
// their comparison) as one standalone HTML file, for `tracker diff --format
// html`: the diff page of the web interface, inline view, with its style
// sheet inline and without what needs a server to follow (navigation,
// forms, links to other pages).
func WriteDiffPage(ctx context.Context, w io.Writer, o Options, id string, from, to tracker.Version, ch changes.Analysis) error {
	return newServer(o).writeDiffPage(ctx, w, id, from, to, ch)
}

// writeDiffPage is WriteDiffPage (an evidence bundle holds it too).
func (s *server) writeDiffPage(ctx context.Context, w io.Writer, id string, from, to tracker.Version, ch changes.Analysis) error {
	src, err := s.source(ctx, id)
	if err != nil {
		return err
	}
	d := s.diffData(ctx, src, from, to, ch)
	d.Standalone = true
	if err := s.pages["diff"].ExecuteTemplate(w, "layout", d); err != nil {
		return fmt.Errorf("web: diff page: %w", err)
	}
	return nil
}

// --- regulator items ---

type itemsForm struct {
	Source, Topic, Since, Until string
	All                         bool
}

type itemRow struct {
	api.Item
	SourceName string
	Related    []relatedChange
}

type itemsData struct {
	Page
	Form      itemsForm
	Feeds     []api.Source
	Topics    []topics.Topic
	Items     []itemRow
	Limit     int
	Truncated bool
}

const itemsLimit = 500

func (s *server) itemsPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	f, err := s.itemFilter(q)
	if err != nil {
		return err
	}
	f.Limit = itemsLimit + 1
	list, names, err := s.sources(ctx)
	if err != nil {
		return err
	}
	items, err := s.db.Items(ctx, f)
	if err != nil {
		return err
	}
	d := itemsData{Page: Page{Title: "Regulator items"}, Topics: s.tax.Topics(), Limit: itemsLimit,
		Form: itemsForm{Source: strings.Join(f.SourceIDs, ","), Topic: f.Topic, Since: q.Get("since"), Until: q.Get("until"), All: f.All}}
	for _, src := range list {
		if src.Kind == tracker.KindFeed {
			d.Feeds = append(d.Feeds, src)
		}
	}
	if len(items) > itemsLimit {
		items, d.Truncated = items[:itemsLimit], true
	}
	rel, err := s.relatedChangesOf(ctx, items, names)
	if err != nil {
		return err
	}
	for _, it := range items {
		d.Items = append(d.Items, itemRow{Item: api.NewItem(it), SourceName: names[it.SourceID], Related: rel[related.ItemKey{SourceID: it.SourceID, Key: it.Key}]})
	}
	s.render(w, r, "items", http.StatusOK, d)
	return nil
}

// itemFilter reads the filters of the items page and API.
func (s *server) itemFilter(q url.Values) (store.ItemFilter, error) {
	f := store.ItemFilter{SourceIDs: sourceParams(q)}
	var err error
	if f.Topic, err = s.topicParam(q); err != nil {
		return f, err
	}
	if f.All, err = boolParam(q, "all"); err != nil {
		return f, err
	}
	if f.Since, err = dateParam(q, "since", false); err != nil {
		return f, err
	}
	if f.Until, err = dateParam(q, "until", true); err != nil {
		return f, err
	}
	return f, nil
}

// topicParam reads the topic parameter: "" or a topic of the taxonomy.
func (s *server) topicParam(q url.Values) (string, error) {
	t := strings.TrimSpace(q.Get("topic"))
	if t == "" {
		return "", nil
	}
	if err := s.tax.Check(t); err != nil {
		return "", badRequestf("topic: %v", err)
	}
	return t, nil
}
