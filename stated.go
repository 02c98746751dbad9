package tracker

// Announcement says whether a change moved the date a document states for
// itself ("Last updated: March 14, 2024", "Effective Date: 2023-07-01"):
// a reader relying on that date to know the document changed is told when
// it did not move.
type Announcement string

// Announcements. A change recorded before tracker read stated dates has
// none ("") until `tracker rebuild --changes` reads it again.
const (
	// Announced: a change of substance, and the stated date moved.
	Announced Announcement = "announced"
	// Unannounced: a change of substance, and the stated date did not move.
	Unannounced Announcement = "unannounced"
	// Redated: the stated date moved, and nothing of substance changed.
	Redated Announcement = "redated"
	// SameDate: nothing of substance changed, nor did the stated date.
	SameDate Announcement = "same_date"
	// Undated: one version or both state no date: nothing to compare.
	Undated Announcement = "undated"
)

// Flagged reports whether a reader should be warned: a change of
// substance under an unmoved date, or a date moved over no change.
func (a Announcement) Flagged() bool { return a == Unannounced || a == Redated }

// StatedDates are the dates the two versions of a change state for
// themselves, as read from their texts.
type StatedDates struct {
	Announcement Announcement
	// Before and After are the dates, YYYY-MM-DD, or YYYY-MM when the
	// document names only a month; "" when the version states none.
	Before, After string
	// BeforeLine and AfterLine are the lines they were read from, as
	// written.
	BeforeLine, AfterLine string
}
