package tracker

import "time"

// Outcome is how one fetch of a source ended.
type Outcome string

// Fetch outcomes.
const (
	OutcomeNew         Outcome = "new"          // a new version (or new or updated items) was recorded
	OutcomeUnchanged   Outcome = "unchanged"    // fetched, text equal to the current version
	OutcomeNotModified Outcome = "not-modified" // the server answered 304
	OutcomeFailed      Outcome = "failed"
)

// FailureKind classifies a failed fetch, for the operator and the metrics.
// The fetcher, the extractor and the renderer name the kinds of their own
// errors (fetch.KindHTTP, page.KindBlocked, render.KindNoBrowser...); the
// ones below are named by the pipeline itself.
type FailureKind string

// Failure kinds the pipeline names.
const (
	FailConfig   FailureKind = "config"     // the source's rules do not compile
	FailStore    FailureKind = "store"      // the database refused a read or a write
	FailCanceled FailureKind = "canceled"   // the check was stopped
	FailTooShort FailureKind = "too-short"  // fewer words than min_words
	FailFeed     FailureKind = "feed"       // the feed cannot be parsed
	FailNotAFeed FailureKind = "not-a-feed" // an HTML page came instead of the feed
	// FailUnconfirmed is a text that lost most of the document and that a
	// second fetch read differently: nothing is recorded until two agree.
	FailUnconfirmed FailureKind = "unconfirmed"
	FailOther       FailureKind = "error" // none of the known kinds
)

// FetchRun is a run of identical fetch outcomes of a source, as the fetch
// log keeps them: a source checked every hour for years costs a run per
// change of state rather than a row per fetch.
type FetchRun struct {
	SourceID   string
	Outcome    Outcome
	VersionSeq int
	Status     int
	Error      string
	FirstAt    time.Time
	LastAt     time.Time
	Count      int
}

// FailureRun is a run of failed fetches of a source.
type FailureRun struct {
	SourceID        string
	Error           string
	FirstAt, LastAt time.Time
	Count           int
}
