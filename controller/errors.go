package controller

import "errors"

// Errors drivers wrap so callers can branch on them.
var (
	// ErrNoSuchLeg: the switch does not know the leg (already gone).
	ErrNoSuchLeg = errors.New("no such leg")
	// ErrNotConnected: the control connection is down.
	ErrNotConnected = errors.New("switch not connected")
	// ErrRejected: the switch refused the command (its reply is in the message).
	ErrRejected = errors.New("switch rejected command")
	// ErrNotSupported: the switch or the device on the leg cannot do this
	// (e.g. remote answer on Asterisk or on an external number).
	ErrNotSupported = errors.New("not supported by this switch or device")
)
