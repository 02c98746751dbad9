package sources

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"tracker/internal/replaytest"
)

// A feed that gives one guid to different items (different titles and
// links: a CMS that reuses an id) keeps them apart, and says so; the same
// item listed twice stays one.
func TestItemsSharingAGuid(t *testing.T) {
	srv := replaytest.NewServer()
	defer srv.Close()
	type it struct{ title, path string }
	rss := func(items ...it) []byte {
		var b bytes.Buffer
		b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Regulator news</title>`)
		for _, i := range items {
			fmt.Fprintf(&b, `<item><guid isPermaLink="false">news-item</guid><title>%s</title><link>%s%s</link><description>%s about personal data.</description></item>`,
				i.title, srv.URL, i.path, i.title)
		}
		b.WriteString(`</channel></rss>`)
		return b.Bytes()
	}
	s := &serve{}
	srv.Handle("/feed", s.handler)
	c := newChecker(t, mustConfig(t, feedConfig(srv.URL+"/feed", "")))
	a := it{"Guidance on cookie banners", "/news/cookies"}
	b := it{"Fine for unlawful tracking", "/news/fine"}
	s.set(200, "application/rss+xml", rss(a))
	if r := checkOne(t, c, "f"); r.Err != nil || r.Items.New != 1 {
		t.Fatalf("first fetch: %+v %v", r.Items, r.Err)
	}
	s.set(200, "application/rss+xml", rss(b, a, a))
	r := checkOne(t, c, "f")
	if r.Err != nil || r.Items.New != 1 || r.Items.Updated != 0 || !strings.Contains(r.Notice, "2 different items share a guid") {
		t.Fatalf("second fetch: %+v %v notice %q; want b new, a untouched, and a notice", r.Items, r.Err, r.Notice)
	}
	items := allItems(t, c)
	titles := map[string]bool{}
	for _, x := range items {
		titles[x.Title] = true
	}
	if len(items) != 2 || !titles[a.title] || !titles[b.title] {
		t.Errorf("stored %d items %v, want both", len(items), titles)
	}
	// Again: nothing new, nothing updated.
	if r := checkOne(t, c, "f"); r.Err != nil || r.Items.New+r.Items.Updated != 0 {
		t.Errorf("third fetch: %+v", r.Items)
	}
}
