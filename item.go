package tracker

import "time"

// Item is an entry of a feed source, as stored.
type Item struct {
	ID         int64
	SourceID   string
	Key        string
	GUID       string
	Title      string
	Link       string
	Author     string
	Categories []string
	Text       string
	// PageText is the main text of the linked page, when the source enriches
	// its items.
	PageText string
	// Published is the item's date, zero when the feed gave none; DateOnly
	// says it is a calendar date, not a moment.
	Published time.Time
	DateOnly  bool
	DateRaw   string
	Hash      string
	FirstSeen time.Time
	// UpdatedAt is when the item's content last changed, zero if never.
	UpdatedAt time.Time
	Revision  int
	// Baseline items were in the feed at its first fetch: they are history,
	// not news, and are never announced.
	Baseline bool
	// Kept is false when the source's filters leave the item out.
	Kept   bool
	Topics []TopicMatch
}

// ItemRevision is an earlier content of an updated item.
type ItemRevision struct {
	Revision int
	Title    string
	Link     string
	Text     string
	Hash     string
	SeenAt   time.Time
}
