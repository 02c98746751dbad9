package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Headers of a webhook request.
const (
	HeaderDelivery  = "X-Tracker-Delivery"  // the delivery's id: the same on every retry
	HeaderEvent     = "X-Tracker-Event"     // change, digest or urgent
	HeaderTimestamp = "X-Tracker-Timestamp" // Unix seconds when the request was signed
	HeaderSignature = "X-Tracker-Signature" // sha256=HEX, the HMAC-SHA256 of "TIMESTAMP.BODY"
)

// Sign is the signature of body sent at ts: "sha256=" and the hex
// HMAC-SHA256, keyed with the secret, of the Unix seconds, a dot and the
// body. The timestamp is signed too, so that a request recorded by someone
// cannot be replayed later.
func Sign(secret []byte, ts time.Time, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(strconv.FormatInt(ts.Unix(), 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a request's signature, as a receiver does: the signature
// must be body's at the timestamp, and the timestamp within maxAge of now.
func Verify(secret []byte, timestamp, signature string, body []byte, now time.Time, maxAge time.Duration) error {
	secs, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("notify: %s %q is not Unix seconds", HeaderTimestamp, timestamp)
	}
	ts := time.Unix(secs, 0)
	if d := now.Sub(ts); d > maxAge || d < -maxAge {
		return fmt.Errorf("notify: signed at %s, more than %s from now: a replay, or a clock off", ts.UTC().Format(time.RFC3339), maxAge)
	}
	if !strings.HasPrefix(signature, "sha256=") {
		return errors.New("notify: the signature is not sha256=HEX")
	}
	if !hmac.Equal([]byte(Sign(secret, ts, body)), []byte(signature)) {
		return errors.New("notify: the signature does not match the body: wrong secret, or the body was altered")
	}
	return nil
}
