package controller

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Answering-machine detection (AMD): the switch listens to the first
// seconds of an answered leg and says whether a person or a machine
// (voicemail, an operator's recorded greeting) answered. FreeSWITCH does it
// with the mod_amd application, Asterisk with the AMD() dialplan
// application (reached from ARI by a dialplan hop); see docs/outbound.md.

// Neutral results of answering-machine detection.
const (
	MachineHuman   = "human"
	MachineMachine = "machine"
	// MachineUnknown: the switch could not tell (mod_amd NOT_SURE,
	// Asterisk NOTSURE) or gave a result ipcc does not know.
	MachineUnknown = "unknown"
)

// MachineDetector is implemented by drivers whose switch can detect
// answering machines on an answered leg.
type MachineDetector interface {
	// DetectMachine starts detection on the (answered) leg. It returns
	// once the switch accepted the request; EventMachineDetected follows
	// with the result, or the leg hangs up first.
	DetectMachine(ctx context.Context, leg string) error
}

// MachineResult is the neutral result for a switch's result word
// (FreeSWITCH mod_amd amd_result, Asterisk AMDSTATUS), case-insensitive.
func MachineResult(word string) string {
	switch strings.ToUpper(strings.TrimSpace(word)) {
	case "HUMAN", "PERSON":
		return MachineHuman
	case "MACHINE":
		return MachineMachine
	}
	return MachineUnknown
}

// DetectMachine asks the switch whether a person or a machine answered the
// leg and waits up to timeout for the answer; it returns the neutral result
// and the switch's cause. A switch that cannot detect answers an error
// wrapping ErrNotSupported; timeout gives MachineUnknown with cause
// "timeout"; a hangup meanwhile returns ErrHungUp (wrapped).
func (l *Leg) DetectMachine(ctx context.Context, timeout time.Duration) (result, cause string, err error) {
	c := l.call
	det, ok := c.sw.(MachineDetector)
	if !ok {
		return "", "", l.wrap("detect_machine", fmt.Errorf("%w: answering-machine detection on %s", ErrNotSupported, c.sw.Kind()))
	}
	if err := c.beginWait(); err != nil {
		return "", "", l.wrap("detect_machine", err)
	}
	defer c.endWait()
	if err := l.goneErr(); err != nil {
		return "", "", l.wrap("detect_machine", err)
	}
	if err := c.command(ctx, "detect_machine", l.id, "", func(ctx context.Context) error {
		return det.DetectMachine(ctx, l.id)
	}); err != nil {
		return "", "", err
	}
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		ev, timedOut, err := c.next(ctx, timer.C)
		switch {
		case err != nil:
			return "", "", l.wrap("detect_machine", err)
		case timedOut:
			c.Note("amd", "no result within "+timeout.String())
			return MachineUnknown, "timeout", nil
		}
		if err := c.endsWait(ev, l); err != nil {
			return "", "", l.wrap("detect_machine", err)
		}
		if ev.Type == EventMachineDetected && ev.Leg == l.id {
			c.Note("amd", ev.Machine+" "+ev.MachineCause)
			return ev.Machine, ev.MachineCause, nil
		}
	}
}
