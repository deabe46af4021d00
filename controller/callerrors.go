package controller

import (
	"errors"
	"fmt"
)

// Errors of the call API. Callers branch on them with errors.Is.
var (
	// ErrHungUp: the leg (or the call's inbound leg) hung up while the
	// method waited, or before it was called.
	ErrHungUp = errors.New("call hung up")
	// ErrTransferred: the leg was handed back to the switch dialplan and is
	// no longer under ipcc control.
	ErrTransferred = errors.New("leg transferred out of ipcc")
	// ErrCollectTimeout: PlayAndCollect timed out before enough digits; the
	// digits typed so far are returned with it.
	ErrCollectTimeout = errors.New("digit collection timed out")
	// ErrCollectTooShort: the terminator was pressed before Min digits.
	ErrCollectTooShort = errors.New("terminator pressed before the minimum number of digits")
	// ErrPlaybackFailed: the switch reported that a playback could not play.
	ErrPlaybackFailed = errors.New("playback failed")
	// ErrNoTTS: a MediaTTS item was played but no tts renderer is set.
	ErrNoTTS = errors.New("no tts renderer configured")
	// ErrConcurrentWait: a second goroutine called a waiting method of a
	// call while another one was waiting. Only the call's handler goroutine
	// may call Answer, Play, PlayAndCollect, Originate and Bridge.
	ErrConcurrentWait = errors.New("another goroutine is already waiting on this call")
	// ErrNoConfirmation: the switch accepted a command but the event that
	// confirms it did not arrive within Options.CommandTimeout.
	ErrNoConfirmation = errors.New("switch did not confirm the command in time")
	// ErrInvalidArgument: a method was called with inconsistent options.
	ErrInvalidArgument = errors.New("invalid argument")
)

// OriginateError says why an originated leg never answered.
type OriginateError struct {
	Leg      string
	Endpoint Endpoint
	Cause    Cause      // USER_BUSY, NO_ANSWER, CALL_REJECTED, ...
	By       HangupSide // who ended the attempt
}

func (e *OriginateError) Error() string {
	return fmt.Sprintf("originate %s to %q failed: %s (by %s)", e.Leg, e.Endpoint.Number, e.Cause, e.By)
}
