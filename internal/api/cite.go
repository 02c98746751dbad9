package api

import (
	"tracker"
	"tracker/internal/cite"
)

// Citation is how to cite a version (see package cite): the fields a
// reader checks, and the text to copy.
type Citation struct {
	Source        string  `json:"source"`
	Document      string  `json:"document"`
	DocumentURL   string  `json:"document_url"`
	Seq           int     `json:"seq"`
	Current       bool    `json:"current"`
	FirstSeen     *string `json:"first_seen"`
	LastConfirmed *string `json:"last_confirmed"`
	// ConfirmedBy is tracker (its fetches), dataset (Open Terms Archive's
	// recordings) or rebuild (re-extracted from a stored snapshot).
	ConfirmedBy cite.ConfirmedBy `json:"confirmed_by"`
	// UntilNext: last_confirmed is when the dataset recorded the next
	// version, not a sighting of this text.
	UntilNext       bool               `json:"until_next"`
	SHA256          string             `json:"sha256"`
	Provenance      tracker.Provenance `json:"provenance"`
	OriginRef       string             `json:"origin_ref"`
	Attribution     string             `json:"attribution"`
	Followed        bool               `json:"followed"`
	UnfollowedSince *string            `json:"unfollowed_since"`
	// Caveat goes with the text wherever it is called current: the source
	// is no longer followed ("" when it is, or for a version replaced since).
	Caveat string `json:"caveat,omitempty"`
	Text   string `json:"text"`
}

// NewCitation gives a citation its JSON form.
func NewCitation(c cite.Citation) Citation {
	return Citation{
		Source: c.SourceID, Document: c.Document, DocumentURL: c.URL, Seq: c.Seq, Current: c.Current(),
		FirstSeen: Time(c.FirstSeen), LastConfirmed: Time(c.LastConfirmed), ConfirmedBy: c.ConfirmedBy, UntilNext: c.UntilNext,
		SHA256: c.SHA256, Provenance: c.Provenance, OriginRef: c.OriginRef, Attribution: c.Attribution,
		Followed: c.Followed, UnfollowedSince: Time(c.UnfollowedSince), Caveat: c.Caveat(), Text: c.Text(),
	}
}

// Cited is the version's JSON form with its citation.
func Cited(v tracker.Version, c cite.Citation) Version {
	j := NewVersion(v)
	jc := NewCitation(c)
	j.Citation = &jc
	return j
}
