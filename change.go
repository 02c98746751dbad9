package tracker

import "time"

// Importance says how much a change matters to a reader.
type Importance string

// Importance levels, in increasing order (see package changes for what
// makes each).
const (
	Cosmetic Importance = "cosmetic" // the words are the same: layout, punctuation, case
	Minor    Importance = "minor"    // words changed, none of a legal topic, fewer than 150
	Major    Importance = "major"    // what a legal topic says changed, or much changed
)

// Rank orders importance levels: cosmetic 0, minor 1, major 2, unknown -1.
func (i Importance) Rank() int {
	switch i {
	case Cosmetic:
		return 0
	case Minor:
		return 1
	case Major:
		return 2
	}
	return -1
}

// Change is the change from one version of a source to the next, as
// classified when it was detected.
type Change struct {
	SourceID   string
	FromSeq    int
	ToSeq      int
	DetectedAt time.Time
	Importance Importance
	// Technical is true when the new version differs by how tracker read
	// the page, not by what the document says: never reported as a change.
	Technical bool
	// SameAs is the seq of an earlier version the change returns to.
	SameAs       int
	WordsAdded   int
	WordsRemoved int
	// Topics are the topics of what changed, with the words that justify
	// each.
	Topics  []TopicMatch
	Summary string
	// Artefact says why a cosmetic change tells nothing new (see the
	// changes package); Reason what the change does, in a sentence.
	Artefact string
	Reason   string
	// Stated is what the change did to the date the document states for
	// itself (its "Last updated" or "Effective" line).
	Stated StatedDates
}
