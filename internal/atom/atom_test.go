package atom_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"tracker"
	"tracker/internal/atom"
	"tracker/internal/atomtest"
	"tracker/internal/digest"
)

// Text from the web reaches a feed reader as text: escaped in the XML, and
// escaped again inside the HTML of an entry's content.
func TestHostileTextIsEscaped(t *testing.T) {
	at := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	c := tracker.Change{SourceID: "tos", FromSeq: 1, ToSeq: 2, DetectedAt: at, Importance: tracker.Major}
	e := digest.Entry{Change: c, Last: c, Switches: 1, ChangeEntry: digest.ChangeEntry{
		When: "Mon 1 Jun 2026 08:00", Importance: tracker.Major, FromSeq: 1, ToSeq: 2,
		Reason: `Adds "<script>alert(1)</script>" under “Terms”.`, Summary: "3 words added"}}
	var b bytes.Buffer
	err := atom.Write(&b, []digest.Entry{e}, atom.Options{Title: "t", Self: "https://t.example/changes.atom", Base: "https://t.example",
		Name: func(string) string { return "Terms <b>&</b>" }, Updated: at})
	if err != nil {
		t.Fatal(err)
	}
	f := atomtest.Parse(t, b.Bytes())
	en := f.Entries[0]
	if en.Title != "Terms <b>&</b>: major change, version 1 → 2" || en.Summary != e.Reason {
		t.Errorf("title %q, summary %q", en.Title, en.Summary)
	}
	if strings.Contains(en.Content.Value, "<script>") || !strings.Contains(en.Content.Value, "&lt;script&gt;") {
		t.Errorf("content:\n%s", en.Content.Value)
	}
	if en.Links[0].Href != "https://t.example/sources/tos/diff?from=1&to=2" || en.ID != atom.EntryID("tos", 1, 2) {
		t.Errorf("link %s, id %s", en.Links[0].Href, en.ID)
	}
}
