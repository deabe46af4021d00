// Package webhook delivers signed event notifications to the HTTP endpoints
// tenants configure, following the Standard Webhooks convention
// (https://www.standardwebhooks.com): headers webhook-id, webhook-timestamp
// and webhook-signature ("v1,<base64 HMAC-SHA256 of id.timestamp.body>"),
// secrets "whsec_<base64 key>". Events go through an outbox table: they are
// written durably before Emit returns, then a background worker posts them
// with retries and exponential backoff until the endpoint answers 2xx or
// the retry window (24 h) ends, when they become dead letters to replay.
package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Headers of a delivery.
const (
	HeaderID        = "webhook-id"        // the event's id: stable across retries, receivers deduplicate on it
	HeaderTimestamp = "webhook-timestamp" // Unix seconds when the attempt was sent
	HeaderSignature = "webhook-signature" // space-separated "v1,<base64 signature>", one per valid secret
	HeaderEvent     = "X-IPCC-Event"      // event type, e.g. call.offered (also in the body)
	HeaderDelivery  = "X-IPCC-Delivery"   // the delivery's id (the outbox row)
)

// SecretPrefix starts every generated secret; the rest is the base64 key.
const SecretPrefix = "whsec_"

// NewSecret makes a random signing secret: whsec_ and 32 bytes of key in
// base64.
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("webhook: new secret: %w", err)
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(b), nil
}

// SecretKey is the HMAC key of a secret: the base64-decoded part after
// whsec_; a secret without the prefix (set before ipcc used Standard
// Webhooks) is its own bytes.
func SecretKey(secret string) ([]byte, error) {
	rest, ok := strings.CutPrefix(secret, SecretPrefix)
	if !ok {
		return []byte(secret), nil
	}
	key, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return nil, fmt.Errorf("webhook: the secret after %s must be base64: %w", SecretPrefix, err)
	}
	return key, nil
}

// CheckSecret validates a secret a tenant supplies: whsec_ and a base64 key
// of 24 to 64 bytes, or (legacy) any text of 16 to 200 characters.
func CheckSecret(secret string) error {
	if strings.HasPrefix(secret, SecretPrefix) {
		key, err := SecretKey(secret)
		if err != nil {
			return err
		}
		if len(key) < 24 || len(key) > 64 {
			return fmt.Errorf("webhook: the key after %s must decode to 24-64 bytes, got %d", SecretPrefix, len(key))
		}
		return nil
	}
	if len(secret) < 16 || len(secret) > 200 {
		return fmt.Errorf("webhook: a secret must be %s<base64 key> or 16-200 characters, got %d characters", SecretPrefix, len(secret))
	}
	return nil
}

// Signature is one "v1,<base64>" signature of a message.
func Signature(secret, id string, ts int64, body []byte) (string, error) {
	key, err := SecretKey(secret)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte("."))
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte("."))
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}

// Sign returns the webhook-signature header value: one signature per
// secret, space-separated (during a rotation both the new and the previous
// secret sign, so a receiver knowing either accepts the delivery).
func Sign(id string, ts int64, body []byte, secrets ...string) (string, error) {
	var sigs []string
	for _, s := range secrets {
		if s == "" {
			continue
		}
		sig, err := Signature(s, id, ts, body)
		if err != nil {
			return "", err
		}
		sigs = append(sigs, sig)
	}
	if len(sigs) == 0 {
		return "", errors.New("webhook: no secret to sign with")
	}
	return strings.Join(sigs, " "), nil
}

// Verify checks a received delivery the way a receiver should: the
// timestamp within maxSkew of now (0 = no age check), then any v1
// signature of the header matching the one computed from id, timestamp and
// body with secret (compared in constant time). Receivers written in Go can
// use it as is.
func Verify(secret, id, timestamp, signature string, body []byte, now time.Time, maxSkew time.Duration) error {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("webhook: %s %q is not Unix seconds", HeaderTimestamp, timestamp)
	}
	if maxSkew > 0 {
		if d := now.Sub(time.Unix(ts, 0)); d > maxSkew || d < -maxSkew {
			return fmt.Errorf("webhook: %s is %s away from now (allowed %s)", HeaderTimestamp, d, maxSkew)
		}
	}
	want, err := Signature(secret, id, ts, body)
	if err != nil {
		return err
	}
	seen := false
	for _, sig := range strings.Fields(signature) {
		if !strings.HasPrefix(sig, "v1,") {
			continue
		}
		seen = true
		if hmac.Equal([]byte(sig), []byte(want)) {
			return nil
		}
	}
	if !seen {
		return fmt.Errorf("webhook: %s has no v1 signature", HeaderSignature)
	}
	return errors.New("webhook: signature does not match")
}
