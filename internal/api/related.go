package api

import (
	"tracker"
	"tracker/internal/related"
)

// MaxRelated caps the related items listed with a change, and the related
// changes with an item: the best ones (package related ranks them).
const MaxRelated = 10

// RelatedTopic is a topic a change and an item share, with what each
// matched: the why of a link.
type RelatedTopic struct {
	Topic          string   `json:"topic"`
	ChangeEvidence []string `json:"change_evidence"`
	ItemEvidence   []string `json:"item_evidence"`
	// SharedEvidence are the words both matched alike, as the item words
	// them.
	SharedEvidence []string `json:"shared_evidence"`
	// Weight is 2 for a topic both sides match by specific words, 1 when
	// one side's only word for it is generic.
	Weight int `json:"weight"`
}

func relatedTopics(ts []related.Topic) []RelatedTopic {
	out := make([]RelatedTopic, 0, len(ts))
	for _, t := range ts {
		out = append(out, RelatedTopic{Topic: t.Topic, ChangeEvidence: nonNilStrings(t.Change), ItemEvidence: nonNilStrings(t.Item),
			SharedEvidence: nonNilStrings(t.Shared), Weight: t.Weight})
	}
	return out
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// RelatedItem is a regulator's item related to a change.
type RelatedItem struct {
	Source    string `json:"source"`
	Key       string `json:"key"`
	Title     string `json:"title"`
	Link      string `json:"link"`
	Published string `json:"published"`
	// Days is the item's day minus the change's: negative when the item
	// came first.
	Days   int            `json:"days"`
	Topics []RelatedTopic `json:"topics"`
	Score  int            `json:"score"`
	// Why says it in a sentence.
	Why string `json:"why"`
}

// NewRelatedItem describes the item of a link.
func NewRelatedItem(l related.Link) RelatedItem {
	return RelatedItem{Source: l.Item.SourceID, Key: l.Item.Key, Title: l.Item.Title, Link: l.Item.Link, Published: Published(l.Item),
		Days: l.Days, Topics: relatedTopics(l.Topics), Score: l.Score, Why: l.Explain()}
}

// RelatedChange is a change of a document related to an item.
type RelatedChange struct {
	Source     string             `json:"source"`
	FromSeq    int                `json:"from_seq"`
	ToSeq      int                `json:"to_seq"`
	DetectedAt *string            `json:"detected_at"`
	Importance tracker.Importance `json:"importance"`
	Summary    string             `json:"summary"`
	// Days is the change's day minus the item's: negative when the change
	// came first.
	Days   int            `json:"days"`
	Topics []RelatedTopic `json:"topics"`
	Score  int            `json:"score"`
	Why    string         `json:"why"`
}

// NewRelatedChange describes the change of a link.
func NewRelatedChange(l related.Link) RelatedChange {
	c := l.Change
	return RelatedChange{Source: c.SourceID, FromSeq: c.FromSeq, ToSeq: c.ToSeq, DetectedAt: Time(c.DetectedAt), Importance: c.Importance,
		Summary: c.Summary, Days: -l.Days, Topics: relatedTopics(l.Topics), Score: l.Score, Why: l.Explain()}
}

// LinkedChange is a change with the regulators' items related to it (at
// most MaxRelated, the best first).
type LinkedChange struct {
	Change
	RelatedItems []RelatedItem `json:"related_items"`
}

// LinkChanges describes changes with their related items, found in links.
func LinkChanges(list []tracker.Change, links []related.Link) []LinkedChange {
	by := related.ByChange(links)
	out := make([]LinkedChange, 0, len(list))
	for _, c := range list {
		lc := LinkedChange{Change: NewChange(c), RelatedItems: []RelatedItem{}}
		for _, l := range first(by[related.ChangeKey{SourceID: c.SourceID, ToSeq: c.ToSeq}], MaxRelated) {
			lc.RelatedItems = append(lc.RelatedItems, NewRelatedItem(l))
		}
		out = append(out, lc)
	}
	return out
}

// LinkedItem is an item with the changes it relates to (at most
// MaxRelated, the best first).
type LinkedItem struct {
	Item
	RelatedChanges []RelatedChange `json:"related_changes"`
}

// LinkItems describes items with their related changes, found in links.
func LinkItems(items []tracker.Item, links []related.Link) []LinkedItem {
	by := related.ByItem(links)
	out := make([]LinkedItem, 0, len(items))
	for _, it := range items {
		li := LinkedItem{Item: NewItem(it), RelatedChanges: []RelatedChange{}}
		for _, l := range first(by[related.ItemKey{SourceID: it.SourceID, Key: it.Key}], MaxRelated) {
			li.RelatedChanges = append(li.RelatedChanges, NewRelatedChange(l))
		}
		out = append(out, li)
	}
	return out
}

func first(links []related.Link, n int) []related.Link {
	if len(links) > n {
		return links[:n]
	}
	return links
}
