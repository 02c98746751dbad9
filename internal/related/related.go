// Package related links a change of a document to the regulator items on the
// same subject published about the same time, and an item back to those
// changes, saying why each link is made.
//
// A change and an item are related when both hold:
//
//   - the item was published (or, undated, first seen) within the window
//     around the day the change was detected: by default 7 days before to
//     7 days after, counted in calendar days (UTC);
//   - they share legal topics strongly enough: each topic both carry is
//     weighed on each side, 0 when that side matched it only in the words
//     around the change (a context match) or only by where the change sits
//     ("the subject of the document", "under “section”"), 1 when that
//     side names it in fewer than two words that are not generic ones
//     (GenericWords: "privacy", "children", "AI"...), 2 otherwise; a
//     shared topic counts for the weaker of its two sides, or 2 when both
//     sides matched the same word that is not a generic one; the link
//     needs 2 in all. So one topic is enough when each side names it in
//     two specific words of its own ("personal data" and "GDPR" in the
//     item, "precise location" and "geolocation" in the change) or both
//     use the same term ("dark patterns"); a lone word on one side
//     ("cookie", "System of Records") is not, and two topics each carried
//     by one word are.
//
// Cosmetic and technical changes, and items the feeds' filters leave out,
// are never linked. Links are ranked by their weight plus the evidence both
// sides matched alike (the same words, as topics compare words), then by
// closeness in days.
package related

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"tracker"
	"tracker/internal/topics"
)

// DefaultWindow is how far from a change, before or after, an item may be
// published and still be related (settings.related_window).
const DefaultWindow = 7 * 24 * time.Hour

// GenericWords are the words that name a whole field or a broad audience:
// alone, they make a topic weak (see the package comment). They are compared
// folded (topics.Fold).
var GenericWords = []string{"privacy", "consumer", "customer", "deceptive", "child", "children", "kid", "teen", "minor",
	"moderation", "content", "ai", "algorithm", "copyright"}

var generic = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range GenericWords {
		m[topics.Fold(w)] = true
	}
	return m
}()

// Topic is a topic a change and an item share, with what each side matched.
type Topic struct {
	Topic string
	// Change and Item are the evidence each side matched for it; Shared
	// the evidence they matched alike, as the item words it.
	Change, Item, Shared []string
	// Weight is the topic's part in the link: 1 or 2.
	Weight int
}

// Why says why a change and an item are linked.
type Why struct {
	Topics []Topic
	// Days is the item's day minus the change's day: negative when the
	// item came first.
	Days int
	// Score ranks the links: the topics' weights plus the shared
	// evidence.
	Score int
}

// Link is a change and an item on the same subject about the same time.
type Link struct {
	Change tracker.Change
	Item   tracker.Item
	Why
}

// ItemDate is the day an item counts from: its date, else when tracker first
// saw it.
func ItemDate(it tracker.Item) time.Time {
	if !it.Published.IsZero() {
		return it.Published
	}
	return it.FirstSeen
}

func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Days is the number of calendar days (UTC) from a to b.
func Days(a, b time.Time) int {
	return int(day(b).Sub(day(a)).Hours() / 24)
}

func windowDays(window time.Duration) int {
	if window <= 0 {
		window = DefaultWindow
	}
	return int(window / (24 * time.Hour))
}

// Linkable reports whether a change may be linked at all: a change of what
// the document says, not of its form or of how tracker read it.
func Linkable(c tracker.Change) bool {
	return !c.Technical && c.Importance.Rank() >= tracker.Minor.Rank()
}

// Of decides whether a change and an item are related within window (0:
// DefaultWindow), and why.
func Of(c tracker.Change, it tracker.Item, window time.Duration) (Why, bool) {
	if !Linkable(c) || !it.Kept {
		return Why{}, false
	}
	days := Days(c.DetectedAt, ItemDate(it))
	if w := windowDays(window); days < -w || days > w {
		return Why{}, false
	}
	why := Why{Days: days}
	weight := 0
	for _, cm := range c.Topics {
		for _, im := range it.Topics {
			if cm.Topic != im.Topic {
				continue
			}
			cev, cw := evidence(cm)
			iev, iw := evidence(im)
			w := min(cw, iw)
			if w == 0 {
				continue
			}
			sh := shared(cev, iev)
			if specific(sh) {
				w = 2 // both name the same thing
			}
			t := Topic{Topic: cm.Topic, Change: cev, Item: iev, Shared: sh, Weight: w}
			weight += w
			why.Score += w + len(t.Shared)
			why.Topics = append(why.Topics, t)
		}
	}
	if weight < 2 {
		return Why{}, false
	}
	return why, true
}

// evidence returns a side's evidence for a topic that says what the text is
// about, and the topic's weight on that side.
func evidence(m tracker.TopicMatch) ([]string, int) {
	if m.Context {
		return nil, 0
	}
	var ev []string
	for _, e := range m.Evidence {
		if indirect(e) {
			continue
		}
		ev = append(ev, e)
	}
	specific := map[string]bool{}
	for _, e := range ev {
		if f := topics.Fold(e); !generic[f] {
			specific[f] = true
		}
	}
	switch {
	case len(ev) == 0:
		return nil, 0
	case len(specific) < 2:
		// One word is a mention, not a subject: "cookie" in a trackers
		// policy and "System of Records" in a notice are both privacy.
		return ev, 1
	}
	return ev, 2
}

// specific reports whether a shared word is more than a generic one.
func specific(shared []string) bool {
	for _, e := range shared {
		if !generic[topics.Fold(e)] {
			return true
		}
	}
	return false
}

// indirect evidence says where a change sits, not what it says: package
// changes gives a topic to a change by its document's subject or by the
// title of its section (internal/changes/meaning.go).
func indirect(e string) bool {
	return e == "the subject of the document" || strings.HasPrefix(e, "under “")
}

func shared(a, b []string) []string {
	in := map[string]bool{}
	for _, e := range a {
		in[topics.Fold(e)] = true
	}
	var out []string
	seen := map[string]bool{}
	for _, e := range b {
		f := topics.Fold(e)
		if in[f] && !seen[f] {
			seen[f] = true
			out = append(out, e)
		}
	}
	return out
}

// Relate links every change to every related item (window 0:
// DefaultWindow), the best links first.
func Relate(changes []tracker.Change, items []tracker.Item, window time.Duration) []Link {
	byDate := slices.Clone(items)
	slices.SortFunc(byDate, func(a, b tracker.Item) int { return ItemDate(a).Compare(ItemDate(b)) })
	w := windowDays(window)
	var out []Link
	for _, c := range changes {
		if !Linkable(c) {
			continue
		}
		from := day(c.DetectedAt).AddDate(0, 0, -w)
		i, _ := slices.BinarySearchFunc(byDate, from, func(it tracker.Item, t time.Time) int { return ItemDate(it).Compare(t) })
		for ; i < len(byDate); i++ {
			it := byDate[i]
			if Days(c.DetectedAt, ItemDate(it)) > w {
				break
			}
			if why, ok := Of(c, it, window); ok {
				out = append(out, Link{Change: c, Item: it, Why: why})
			}
		}
	}
	Sort(out)
	return out
}

// Sort ranks links: the highest score first, then the closest in time, then
// the most recent item.
func Sort(links []Link) {
	slices.SortStableFunc(links, func(a, b Link) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		if c := cmp.Compare(abs(a.Days), abs(b.Days)); c != 0 {
			return c
		}
		return ItemDate(b.Item).Compare(ItemDate(a.Item))
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// ChangeKey names a change: its document and the version it led to.
type ChangeKey struct {
	SourceID string
	ToSeq    int
}

// ChangeKey is the key of a link's change.
func (l Link) ChangeKey() ChangeKey { return ChangeKey{l.Change.SourceID, l.Change.ToSeq} }

// ItemKey names an item: its feed and its key.
type ItemKey struct {
	SourceID, Key string
}

// ItemKey is the key of a link's item.
func (l Link) ItemKey() ItemKey { return ItemKey{l.Item.SourceID, l.Item.Key} }

// ByChange groups links by change, each group keeping the links' order.
func ByChange(links []Link) map[ChangeKey][]Link {
	out := map[ChangeKey][]Link{}
	for _, l := range links {
		out[l.ChangeKey()] = append(out[l.ChangeKey()], l)
	}
	return out
}

// ByItem groups links by item, each group keeping the links' order.
func ByItem(links []Link) map[ItemKey][]Link {
	out := map[ItemKey][]Link{}
	for _, l := range links {
		out[l.ItemKey()] = append(out[l.ItemKey()], l)
	}
	return out
}

// Explain says in words why a link is made: the topics with each side's
// evidence, and the distance in days.
func (w Why) Explain() string {
	var parts []string
	for _, t := range w.Topics {
		s := t.Topic + ": the change says " + quoted(t.Change) + ", the item " + quoted(t.Item)
		if len(t.Shared) > 0 {
			s += " (both: " + quoted(t.Shared) + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ") + "; published " + When(w.Days) + " the change"
}

// When says when an item came relative to a change: "3 days before",
// "the same day as".
func When(days int) string {
	switch {
	case days == 0:
		return "the same day as"
	case days == 1:
		return "1 day after"
	case days == -1:
		return "1 day before"
	case days > 0:
		return strconv.Itoa(days) + " days after"
	}
	return strconv.Itoa(-days) + " days before"
}

func quoted(ev []string) string {
	q := make([]string, len(ev))
	for i, e := range ev {
		q[i] = "“" + e + "”"
	}
	return strings.Join(q, ", ")
}
