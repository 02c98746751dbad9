// Package tracker is the domain of the program: the sources it follows,
// the versions of their text and the raw snapshots behind them, the
// changes between versions, the items of regulator feeds and the digests
// that report them, with their vocabulary (importance, provenance, origin,
// outcome, source kind, digest state, failure kind) as named types.
//
// It holds types only and imports nothing of the program: the stages under
// internal/ (sources, record, store, compare, digest, web) exchange these
// types, and package api gives them their JSON form. This is the layout of
// WTF Dial (github.com/benbjohnson/wtf), whose root package is its domain.
package tracker

// TopicMatch is a legal topic found in a text, with the words that justify
// it. Package topics finds them (topics.Match is this type).
//
// The JSON form {"topic": ..., "evidence": [...]} is stored and served as
// is: its field names are a contract.
type TopicMatch struct {
	Topic string `json:"topic"`
	// Evidence holds the matched words as they appear in the text
	// (whitespace collapsed), deduplicated case-insensitively, longest
	// first, at most topics.MaxEvidence.
	Evidence []string `json:"evidence"`
	// Context is true when the topic matched only in the unchanged words
	// around a change, not in the changed words themselves: the change sits
	// in a sentence about the topic but does not alter what it says about
	// it. Such matches rank below the others.
	Context bool `json:"context,omitempty"`
}
