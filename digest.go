package tracker

import "time"

// DigestState says what became of a digest.
type DigestState string

// Digest states: pending → sending → sent, failed or uncertain; pending →
// skipped. A failed digest is superseded by the next one that covers its
// window; an uncertain one is sent again, unchanged.
const (
	DigestPending    DigestState = "pending"    // recorded, not yet handed to a server
	DigestSending    DigestState = "sending"    // being handed to the server (left so: tracker stopped meanwhile)
	DigestSent       DigestState = "sent"       // accepted by the server, or written to the outbox
	DigestFailed     DigestState = "failed"     // not accepted: retried, with a wider window, next time
	DigestUncertain  DigestState = "uncertain"  // the server may have it (the connection dropped as it took it): sent again
	DigestSuperseded DigestState = "superseded" // a failed digest replaced by one covering its window
	DigestSkipped    DigestState = "skipped"    // a quiet week for a recipient who wants no empty digest
)

// Digest is a rendered digest and what became of it.
type Digest struct {
	ID          int64
	Recipient   string
	WindowStart time.Time
	WindowEnd   time.Time
	MessageID   string
	Subject     string
	State       DigestState
	Attempts    int
	// Doubtful counts the attempts whose outcome is unknown (uncertain, or
	// cut short by tracker stopping): the digest is sent again after each,
	// so a copy may arrive more than once, under the same Message-ID.
	Doubtful    int
	LastError   string
	CreatedAt   time.Time
	SentAt      time.Time
	Transport   string
	DeliveredTo string
	Changes     int
	Items       int
	// Text and HTML are the rendered bodies (the store loads them on
	// demand: store.DB.DigestBodies).
	Text, HTML   string
	SupersededBy int64
}
