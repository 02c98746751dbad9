// Package atom writes the changes of the documents as an Atom feed (RFC
// 4287), for feed readers: each entry says what a digest says of a change
// (what it does, the topics with the words that justify them, the changed
// passages by weight) and links to its diff on the web pages.
//
// The entries are digest.Entry values, so a feed, a digest and a webhook
// say the same of a change.
package atom

import (
	"context"
	"crypto/sha1"
	"encoding/xml"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"

	"tracker/internal/digest"
	"tracker/internal/links"
	"tracker/internal/store"
)

// ContentType is the media type of an Atom feed.
const ContentType = "application/atom+xml; charset=utf-8"

// Options say what the feed is and where its links point.
type Options struct {
	// Title names the feed ("tracker: changes of the documents").
	Title string
	// Self is the feed's own address; Base is where the web pages are
	// served. Both are absolute: feed readers resolve nothing.
	Self, Base string
	// Name gives a source's name; nil, or "" from it, names it by its id.
	Name func(id string) string
	// Updated dates a feed without entries.
	Updated time.Time
}

// The elements of RFC 4287 the feed uses.
type feed struct {
	XMLName   xml.Name  `xml:"http://www.w3.org/2005/Atom feed"`
	ID        string    `xml:"id"`
	Title     text      `xml:"title"`
	Subtitle  *text     `xml:"subtitle,omitempty"`
	Updated   string    `xml:"updated"`
	Author    person    `xml:"author"`
	Generator generator `xml:"generator"`
	Links     []link    `xml:"link"`
	Entries   []entry   `xml:"entry"`
}

type text struct {
	Type string `xml:"type,attr,omitempty"`
	Body string `xml:",chardata"`
}

type person struct {
	Name string `xml:"name"`
}

type generator struct {
	Body string `xml:",chardata"`
}

type link struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type category struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr,omitempty"`
}

type entry struct {
	ID         string     `xml:"id"`
	Title      text       `xml:"title"`
	Updated    string     `xml:"updated"`
	Published  string     `xml:"published"`
	Links      []link     `xml:"link"`
	Categories []category `xml:"category"`
	Summary    text       `xml:"summary"`
	Content    text       `xml:"content"`
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// uuid is a name-based id (RFC 9562, version 5 layout over SHA-1), so that
// an entry keeps its id whatever address the pages move to.
func uuid(name string) string {
	h := sha1.Sum([]byte("tracker\x00" + name))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// EntryID is the id of the entry for a change, or for a folded run of
// changes from version from to version to.
func EntryID(source string, from, to int) string {
	return uuid(fmt.Sprintf("change %s %d %d", source, from, to))
}

// Query is what a feed shows: the changes its filter follows (as a
// recipient's: cosmetic ones only when its least importance is cosmetic),
// detected from Since to Until (zero: no bound), the latest Limit of them.
type Query struct {
	digest.Filter
	Since, Until time.Time
	Limit        int
}

// DefaultDays and DefaultLimit bound a feed that says nothing else: the
// latest 50 changes of the last 90 days.
const (
	DefaultDays  = 90
	DefaultLimit = 50
)

// Entries reads what q selects, each change with what a digest says of it
// (through b, whose excerpts it keeps), dated in UTC; base makes the diff
// links absolute.
func Entries(ctx context.Context, b *digest.Builder, q Query, base string) ([]digest.Entry, error) {
	chs, err := b.DB.Changes(ctx, store.ChangeFilter{Since: q.Since, Until: q.Until, SourceIDs: q.Sources})
	if err != nil {
		return nil, err
	}
	return b.Latest(ctx, chs, q.Filter, time.UTC, base, q.Limit)
}

// Write writes the entries as an Atom feed, the latest change first.
func Write(w io.Writer, entries []digest.Entry, o Options) error {
	name := func(id string) string {
		if o.Name != nil {
			if n := o.Name(id); n != "" {
				return n
			}
		}
		return id
	}
	list := append([]digest.Entry(nil), entries...)
	sort.SliceStable(list, func(i, j int) bool { return list[i].Last.DetectedAt.After(list[j].Last.DetectedAt) })
	updated := o.Updated
	if len(list) > 0 {
		updated = list[0].Last.DetectedAt
	}
	f := feed{
		ID: uuid("feed " + o.Self), Title: text{Body: o.Title}, Updated: stamp(updated),
		Author: person{Name: "tracker"}, Generator: generator{Body: "tracker"},
		Links: []link{{Rel: "self", Type: "application/atom+xml", Href: o.Self}, {Rel: "alternate", Type: "text/html", Href: strings.TrimRight(o.Base, "/") + "/"}},
	}
	for _, e := range list {
		x, err := newEntry(e, name(e.Change.SourceID), o.Base)
		if err != nil {
			return err
		}
		f.Entries = append(f.Entries, x)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", " ")
	if err := enc.Encode(f); err != nil {
		return fmt.Errorf("atom: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func newEntry(e digest.Entry, sourceName, base string) (entry, error) {
	c := e.Change
	title := fmt.Sprintf("%s: %s change, version %d → %d", sourceName, c.Importance, c.FromSeq, c.ToSeq)
	to := c.ToSeq
	if e.Switches > 1 {
		to = e.Last.ToSeq
		title = fmt.Sprintf("%s: versions %d → %d, back and forth %d times", sourceName, c.FromSeq, to, e.Switches)
	}
	diffURL := links.DiffURL(base, c.SourceID, c.FromSeq, to)
	summary := e.Reason
	if summary == "" {
		summary = e.Summary
	}
	var content strings.Builder
	if err := entryHTML.Execute(&content, struct {
		digest.Entry
		DiffURL string
	}{e, diffURL}); err != nil {
		return entry{}, fmt.Errorf("atom: entry: %w", err)
	}
	x := entry{
		ID: EntryID(c.SourceID, c.FromSeq, to), Title: text{Body: title}, Published: stamp(c.DetectedAt), Updated: stamp(e.Last.DetectedAt),
		Links:   []link{{Rel: "alternate", Type: "text/html", Href: diffURL}},
		Summary: text{Type: "text", Body: summary}, Content: text{Type: "html", Body: content.String()},
	}
	for _, t := range e.Topics {
		x.Categories = append(x.Categories, category{Term: t.Topic, Label: t.Name})
	}
	return x, nil
}

// entryHTML is an entry's content: what the digest's HTML part shows of a
// change. The text from the web in it is escaped by html/template, and the
// excerpt was rendered by the digest's own template.
var entryHTML = template.Must(template.New("entry").Parse(`<p><strong>{{.Importance}}</strong> · {{.When}} UTC · version {{.FromSeq}} → {{.ToSeq}} · {{.Summary}}</p>
{{- if .Note}}
<p><em>{{.Note}}</em></p>
{{- end}}
{{- if .Reason}}
<p><strong>{{.Reason}}</strong></p>
{{- end}}
{{- if .Topics}}
<p>Topics: {{range $i, $t := .Topics}}{{if $i}}; {{end}}<strong>{{$t.Name}}</strong>{{if $t.Context}} (around the change){{end}}: {{range $j, $w := $t.Words}}{{if $j}}, {{end}}“{{$w}}”{{end}}{{end}}</p>
{{- end}}
{{.ExcerptHTML}}
<p><a href="{{.DiffURL}}">Full diff</a></p>
`))
