// Package atomtest reads an Atom feed back for tests, with gofeed (the
// parser tracker reads regulators' feeds with), and checks the elements RFC
// 4287 requires of it.
package atomtest

import (
	"bytes"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
)

// Parse parses body as an Atom feed and fails tb unless it is one gofeed
// detects as Atom with every required element: the feed's id, title,
// updated and author (or an author in every entry) and a self link; each
// entry's id (unique), title, updated, and an alternate link or content.
// Dates are RFC 3339; ids and links are absolute.
func Parse(tb testing.TB, body []byte) *atom.Feed {
	tb.Helper()
	if got := gofeed.DetectFeedType(bytes.NewReader(body)); got != gofeed.FeedTypeAtom {
		tb.Fatalf("not detected as an Atom feed (%v):\n%.300s", got, body)
	}
	f, err := (&atom.Parser{}).Parse(bytes.NewReader(body))
	if err != nil {
		tb.Fatalf("parse: %v\n%.300s", err, body)
	}
	for _, p := range Problems(f) {
		tb.Errorf("atom: %s", p)
	}
	return f
}

// Problems lists what a parsed feed lacks of what RFC 4287 requires.
func Problems(f *atom.Feed) []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	absolute := func(what, s string) {
		u, err := url.Parse(s)
		if err != nil || u.Scheme == "" {
			bad("%s %q is not an absolute IRI", what, s)
		}
	}
	date := func(what, s string) {
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			bad("%s %q is not an RFC 3339 date", what, s)
		}
	}
	if f.ID == "" {
		bad("the feed has no id")
	} else {
		absolute("the feed's id", f.ID)
	}
	if f.Title == "" {
		bad("the feed has no title")
	}
	date("the feed's updated", f.Updated)
	self := false
	for _, l := range f.Links {
		absolute("link", l.Href)
		self = self || l.Rel == "self"
	}
	if !self {
		bad("the feed has no self link")
	}
	ids := map[string]bool{}
	for i, e := range f.Entries {
		who := fmt.Sprintf("entry %d (%s)", i+1, e.Title)
		switch {
		case e.ID == "":
			bad("%s has no id", who)
		case ids[e.ID]:
			bad("%s repeats the id %s", who, e.ID)
		default:
			absolute(who+": id", e.ID)
		}
		ids[e.ID] = true
		if e.Title == "" {
			bad("%s has no title", who)
		}
		date(who+": updated", e.Updated)
		if e.Published != "" {
			date(who+": published", e.Published)
		}
		alternate := false
		for _, l := range e.Links {
			absolute(who+": link", l.Href)
			alternate = alternate || l.Rel == "alternate" || l.Rel == ""
		}
		if !alternate && e.Content == nil {
			bad("%s has neither an alternate link nor content", who)
		}
		if len(f.Authors) == 0 && len(e.Authors) == 0 {
			bad("%s has no author, and the feed none", who)
		}
	}
	return out
}
