package digest

import (
	"context"
	"strings"
	"time"

	"tracker"
	"tracker/internal/api"
	"tracker/internal/related"
)

// MaxRelated is how many related regulator items a digest shows under a
// change: the best ones.
const MaxRelated = 3

// RelatedItem is a regulator's item on the subject of a change, published
// about the same time (package related), with why it is linked.
type RelatedItem struct {
	Source, Title, Link, Date string
	// When says when it came relative to the change, Why what both
	// matched.
	When, Why string
}

// relatedOf finds the items related to a change, once per change for every
// recipient.
func (b *Builder) relatedOf(ctx context.Context, c tracker.Change) ([]RelatedItem, error) {
	k := changeKey{c.SourceID, c.FromSeq, c.ToSeq}
	if r, ok := b.related[k]; ok {
		return r, nil
	}
	f := related.Finder{DB: b.DB, Window: related.DefaultWindow}
	if b.Config != nil {
		f.Window = time.Duration(b.Config.Settings.RelatedWindow)
	}
	links, err := f.ItemsFor(ctx, []tracker.Change{c})
	if err != nil {
		return nil, err
	}
	var out []RelatedItem
	for _, l := range links {
		if len(out) == MaxRelated {
			break
		}
		var why []string
		for _, t := range l.Topics {
			w := b.topicName(t.Topic) + ": the change says " + quote(t.Change) + ", the item " + quote(t.Item)
			why = append(why, w)
		}
		out = append(out, RelatedItem{Source: b.sourceName(l.Item.SourceID), Title: l.Item.Title, Link: l.Item.Link,
			Date: api.Published(l.Item)[:10], When: "published " + related.When(l.Days) + " the change", Why: strings.Join(why, "; ")})
	}
	if b.related == nil {
		b.related = map[changeKey][]RelatedItem{}
	}
	b.related[k] = out
	return out, nil
}

func quote(ev []string) string {
	q := make([]string, len(ev))
	for i, e := range ev {
		q[i] = "“" + e + "”"
	}
	return strings.Join(q, ", ")
}
