// Package sms sends and receives text messages for tenants: providers (a
// generic HTTP gateway, SMPP 3.4), templates with variables in zh-CN and
// en, the opt-out list, per-tenant rate limits, delivery reports with
// retries of temporary failures, inbound messages, and the rules that send
// after calls (missed call, voicemail, answered).
package sms

import (
	"context"
	"errors"
	"fmt"
)

// Provider kinds.
const (
	KindHTTP = "http"
	KindSMPP = "smpp"
)

// Report outcomes (the seeds' three: delivered, buffered/temporary,
// failed).
const (
	Delivered = "delivered"
	Buffered  = "buffered"
	Failed    = "failed"
)

// Outgoing is one message to send.
type Outgoing struct {
	ID   string // ipcc's message id
	From string // sender id ("" lets the provider choose)
	To   string
	Text string
}

// Receipt is a provider's delivery report of one message (or part).
type Receipt struct {
	ProviderMsgID string
	Outcome       string // Delivered, Buffered or Failed
	Error         string // the provider's code or text, for failures
}

// Inbound is a message received from a handset.
type Inbound struct {
	From, To, Text string
}

// Provider sends messages. It returns the provider's ids, one per part it
// submitted (a gateway that splits by itself returns one).
type Provider interface {
	Send(ctx context.Context, m Outgoing) ([]string, error)
}

// TemporaryError is a failure that may pass when tried again (the gateway
// unreachable or overloaded, throttling).
type TemporaryError struct{ Err error }

func (e *TemporaryError) Error() string { return e.Err.Error() }
func (e *TemporaryError) Unwrap() error { return e.Err }

func temporary(format string, a ...any) error { return &TemporaryError{Err: fmt.Errorf(format, a...)} }

// IsTemporary reports whether err is worth another attempt.
func IsTemporary(err error) bool {
	var t *TemporaryError
	return errors.As(err, &t)
}
