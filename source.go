package tracker

import "time"

// SourceKind is what a source is, which says how it is fetched and read.
type SourceKind string

// Source kinds.
const (
	KindPage SourceKind = "page" // a document: one page, or several read as one
	KindFeed SourceKind = "feed" // a regulator's feed of items
)

// Origin says how a source came to be known.
type Origin string

// Source origins.
const (
	OriginConfig Origin = "config" // declared in sources.yaml
	OriginImport Origin = "import" // created by an import, not fetched
)

// Source is a tracked document or feed with its current status.
type Source struct {
	ID     string
	Kind   SourceKind
	Name   string
	URL    string
	Origin Origin

	CreatedAt    time.Time
	LastFetchAt  time.Time
	LastOKAt     time.Time
	LastChangeAt time.Time

	// Error is the reason of the current failure, empty when the last fetch
	// succeeded; ErrorKind classifies it.
	Error        string
	ErrorKind    FailureKind
	FailingSince time.Time
	Failures     int
	// Notice is what the operator should know about successful fetches.
	Notice string
	// AlertedAt is when the current failure was reported (zero: not yet).
	AlertedAt time.Time

	Validators Validators

	// Versions is how many versions are stored; CurrentSeq the latest one.
	Versions   int
	CurrentSeq int
	// Items is how many items a feed source has.
	Items int
}

// Validators let the next fetch be conditional. They are only valid for the
// extraction rules they were obtained with.
type Validators struct {
	ETag         string
	LastModified string
	RulesHash    string
	// Body identifies what the last successful fetch read (the raw body
	// with what else decides its text): a body that hashes the same under
	// the same rules has the current version's text, unread.
	Body string
}
