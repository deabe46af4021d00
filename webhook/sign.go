// Package webhook delivers signed event notifications to the HTTP endpoints
// tenants configure. Events go through an outbox table: they are queued
// exactly once (in the same transaction that marks their source announced),
// then a background worker posts them with retries and backoff until the
// endpoint answers 2xx or the attempts run out.
package webhook

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

// Headers of a delivery.
const (
	HeaderSignature = "X-IPCC-Signature" // sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">
	HeaderTimestamp = "X-IPCC-Timestamp" // Unix seconds when the attempt was sent
	HeaderEvent     = "X-IPCC-Event"     // event type, e.g. voicemail.new
	HeaderEventID   = "X-IPCC-Event-Id"  // stable across retries: receivers deduplicate on it
	HeaderDelivery  = "X-IPCC-Delivery"  // the delivery's id
)

// Event types.
const (
	EventVoicemailNew = "voicemail.new"
	// EventPing is sent on request (POST /api/v1/webhooks/{id}/test) to
	// every endpoint, whatever it subscribes to.
	EventPing = "ping"
)

// EventTypes lists the events an endpoint may subscribe to.
var EventTypes = []string{EventVoicemailNew}

// Sign returns the X-IPCC-Signature value for a body sent at ts: the
// timestamp is signed with the body so a captured request cannot be
// replayed later with a fresh timestamp.
func Sign(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a received delivery: the signature header against the
// timestamp header and body, and the timestamp within maxSkew of now (0 =
// no age check). Receivers written in Go can use it as is.
func Verify(secret, signature, timestamp string, body []byte, now time.Time, maxSkew time.Duration) error {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("webhook: %s %q is not Unix seconds", HeaderTimestamp, timestamp)
	}
	if maxSkew > 0 {
		if d := now.Sub(time.Unix(ts, 0)); d > maxSkew || d < -maxSkew {
			return fmt.Errorf("webhook: %s is %s away from now (allowed %s)", HeaderTimestamp, d, maxSkew)
		}
	}
	if !strings.HasPrefix(signature, "sha256=") {
		return fmt.Errorf("webhook: %s must start with sha256=", HeaderSignature)
	}
	if !hmac.Equal([]byte(Sign(secret, ts, body)), []byte(signature)) {
		return errors.New("webhook: signature does not match")
	}
	return nil
}
