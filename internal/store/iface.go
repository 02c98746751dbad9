package store

import (
	"context"
	"time"

	"tracker"
)

// Store is what the stages ask of the database, whichever engine holds it
// (see Open). Every method means the same on both engines; the store's tests
// run against each.
type Store interface {
	// Sources.
	UpsertSource(ctx context.Context, s SourceInfo) error
	Sources(ctx context.Context) ([]tracker.Source, error)
	Source(ctx context.Context, id string) (tracker.Source, error)
	SetNotice(ctx context.Context, id, notice string) error
	SetValidators(ctx context.Context, id string, v tracker.Validators) error
	SetAlerted(ctx context.Context, id string, at time.Time) error

	// Versions and their changes.
	AddVersion(ctx context.Context, nv NewVersion) (tracker.Version, bool, error)
	Confirm(ctx context.Context, sourceID string, at time.Time, outcome tracker.Outcome, v *tracker.Validators) error
	RecordFailure(ctx context.Context, f Failure) error
	CurrentVersion(ctx context.Context, sourceID string) (tracker.Version, error)
	Versions(ctx context.Context, sourceID string) ([]tracker.Version, error)
	Version(ctx context.Context, sourceID string, seq int) (tracker.Version, error)
	VersionAt(ctx context.Context, sourceID string, t time.Time) (tracker.Version, error)
	Text(ctx context.Context, v tracker.Version) (string, error)
	SetRulesHash(ctx context.Context, sourceID string, seq int, hash string) error
	ExtendLastSeen(ctx context.Context, sourceID string, seq int, t time.Time) error
	Snapshot(ctx context.Context, id int64) (tracker.Snapshot, error)
	FetchLog(ctx context.Context, sourceID string, limit int) ([]tracker.FetchRun, error)
	FetchRuns(ctx context.Context, sourceID string, fromSeq, toSeq int) ([]tracker.FetchRun, error)
	Confirmations(ctx context.Context, sourceID string, seq int) ([]tracker.FetchRun, error)
	Changes(ctx context.Context, f ChangeFilter) ([]tracker.Change, error)
	ChangeTo(ctx context.Context, sourceID string, seq int) (tracker.Change, error)
	LastChanges(ctx context.Context) (map[string]time.Time, error)
	LatestChanges(ctx context.Context, n int) ([]tracker.Change, error)
	UpdateMeaning(ctx context.Context, c tracker.Change) error
	ImportedUnder(ctx context.Context, prefix string) ([]string, error)

	// Feed items.
	ItemStates(ctx context.Context, sourceID string) (map[string]ItemState, error)
	SaveFeedFetch(ctx context.Context, f FeedFetch) error
	Items(ctx context.Context, f ItemFilter) ([]tracker.Item, error)
	ItemRevisions(ctx context.Context, itemID int64) ([]tracker.ItemRevision, error)
	RefilterItems(ctx context.Context, sourceID string, fn func(tracker.Item) (kept bool, ts []tracker.TopicMatch)) error

	// Search.
	Search(ctx context.Context, q SearchQuery) ([]tracker.SearchHit, error)
	SearchItems(ctx context.Context, text string, raw bool, sourceIDs []string, limit int) ([]tracker.Item, error)
	ParagraphRuns(ctx context.Context, sourceID, p string, seq int) (int, error)
	RebuildSearchIndex(ctx context.Context) (int, error)

	// Digests, recorded before they are sent: exactly once.
	LastSentDigest(ctx context.Context, recipient string) (tracker.Digest, error)
	EarliestUndelivered(ctx context.Context, recipient string) (time.Time, error)
	DigestByMessageID(ctx context.Context, id string) (tracker.Digest, error)
	DigestByID(ctx context.Context, id int64) (tracker.Digest, error)
	CreateDigest(ctx context.Context, d tracker.Digest) (tracker.Digest, error)
	DigestBodies(ctx context.Context, d *tracker.Digest) error
	RecordDigestAttempt(ctx context.Context, id int64, a DigestAttempt) error
	BeginDigestAttempt(ctx context.Context, id int64) error
	Interrupted(ctx context.Context, id int64, reason string) error
	InDoubt(ctx context.Context, recipient string) ([]tracker.Digest, error)
	Doubtful(ctx context.Context, recipient string, end time.Time) ([]tracker.Digest, error)
	Digests(ctx context.Context, recipient string, limit int) ([]tracker.Digest, error)
	FailuresBetween(ctx context.Context, start, end time.Time) ([]tracker.FailureRun, error)
	SourcesCheckedBetween(ctx context.Context, start, end time.Time) (int, error)
	EnrollRecipients(ctx context.Context, addresses []string, t time.Time) error
	Enrolled(ctx context.Context, address string) (time.Time, error)

	// Deliveries: webhook calls and urgent alerts, recorded before they
	// are sent, at least once (see deliveries.go).
	CreateDelivery(ctx context.Context, d tracker.Delivery) (tracker.Delivery, bool, error)
	Delivery(ctx context.Context, id int64) (tracker.Delivery, error)
	HasDelivery(ctx context.Context, target, key string) (bool, error)
	DeliveryBody(ctx context.Context, d *tracker.Delivery) error
	DueDeliveries(ctx context.Context, now time.Time) ([]tracker.Delivery, error)
	NextDeliveryAttempt(ctx context.Context) (time.Time, error)
	ClaimDelivery(ctx context.Context, id int64, now, until time.Time) (bool, error)
	RecordDeliveryAttempt(ctx context.Context, id int64, a DeliveryAttempt) error
	InterruptedDeliveries(ctx context.Context, now time.Time, reason string) (int, error)
	LastDigestDelivery(ctx context.Context, target string) (tracker.Delivery, error)
	Deliveries(ctx context.Context, f DeliveryFilter) ([]tracker.Delivery, error)
	EnrollTargets(ctx context.Context, targets []string, t time.Time) error
	TargetEnrolled(ctx context.Context, target string) (enrolled, covered time.Time, err error)
	SetTargetCovered(ctx context.Context, target string, t time.Time) error

	// Workers: the leases of due checks and of digests, and the hosts'
	// turns, shared by every `tracker run` on the database.
	Workers

	// The database itself.
	// Lock takes a lock every tracker process on the database shares.
	Lock(ctx context.Context, name string) (release func(), err error)
	Settle(ctx context.Context) error
	Size(ctx context.Context) (int64, error)
	Stats(ctx context.Context) (Stats, error)
	IntegrityCheck(ctx context.Context) error
	Backup(ctx context.Context, path string) error
	// Engine is EngineSQLite or EnginePostgres.
	Engine() string
	// Path is the database's file, or its address without a password.
	Path() string
	Close() error
}

var _ Store = (*DB)(nil)
