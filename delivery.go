package tracker

import "time"

// Channel is how a delivery reaches its target.
type Channel string

// Channels.
const (
	ChannelWebhook Channel = "webhook"
	ChannelMail    Channel = "mail"
)

// DeliveryKind says what a delivery carries.
type DeliveryKind string

// Delivery kinds.
const (
	DeliverChange DeliveryKind = "change" // one change, to a webhook that sends changes
	DeliverDigest DeliveryKind = "digest" // a window's digest, to a webhook that sends digests
	DeliverUrgent DeliveryKind = "urgent" // a major change on an urgent topic, as detected
)

// DeliveryState says what became of a delivery.
type DeliveryState string

// Delivery states: pending → sending → sent, failed (retried with backoff:
// a delivery is never dropped) or uncertain (retried too: at least once).
const (
	DeliveryPending   DeliveryState = "pending"   // recorded, not yet attempted
	DeliverySending   DeliveryState = "sending"   // an attempt under way; left so by a tracker that stopped, uncertain once its lease ends
	DeliverySent      DeliveryState = "sent"      // the receiver answered 2xx, or the mail server accepted it
	DeliveryFailed    DeliveryState = "failed"    // not accepted: retried at NextAttempt
	DeliveryUncertain DeliveryState = "uncertain" // the target may have it (no answer, or tracker stopped while sending): sent again at NextAttempt
)

// Settled says whether a delivery in state s is done with: every other is
// attempted again at its next attempt (for one sending, when its lease
// ends).
func (s DeliveryState) Settled() bool { return s == DeliverySent }

// Delivery is one webhook call or alert mail, recorded before its first
// attempt (the ledger of `tracker deliveries`).
type Delivery struct {
	ID int64
	// Target is "webhook:NAME" or "mail:ADDRESS".
	Target  string
	Channel Channel
	Kind    DeliveryKind
	// Key identifies what is delivered, unique per target: a change
	// ("change:SOURCE:FROM:TO") or a digest's window ("digest:END").
	Key     string
	Subject string
	// Body is the request body (webhooks) or the message as JSON (mail).
	Body string
	// WindowStart and WindowEnd bound a digest's window.
	WindowStart, WindowEnd time.Time
	State                  DeliveryState
	Attempts               int
	// Doubtful counts the attempts whose outcome is unknown: once sent, a
	// copy may have arrived twice.
	Doubtful  int
	LastError string
	// Status is the receiver's last HTTP status (0: no answer).
	Status      int
	CreatedAt   time.Time
	NextAttempt time.Time
	SentAt      time.Time
}

// WebhookFormat is the shape of a webhook's body.
type WebhookFormat string

// Webhook formats.
const (
	FormatJSON  WebhookFormat = "json"  // tracker's own payload (README, "Webhooks")
	FormatSlack WebhookFormat = "slack" // a Slack incoming webhook's message
	FormatTeams WebhookFormat = "teams" // a Microsoft Teams incoming webhook's (Workflows) Adaptive Card
)
