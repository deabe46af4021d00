package controller

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// Leg is one channel on the switch owned by a Call: its inbound leg or a leg
// it originated. Leg state is updated by the call's event pump.
type Leg struct {
	call    *Call
	id      string
	inbound bool
	done    chan struct{}
	up      chan struct{} // closed when answered
	rings   chan struct{} // closed when the far end reported ringing

	// guarded by call.mu
	accepted    bool // the switch has the leg (inbound, or originate accepted)
	ringing     bool // the far end reported ringing (alerting) at least once
	answered    bool
	gone        bool // hung up or transferred away
	hangingUp   bool // ipcc's hangup was accepted; the switch reports the end
	transferred bool
	cause       Cause
	by          HangupSide
	bridgedWith string
	held        bool
	muted       bool
	// where an originated leg was dialled and the variables it was dialled with
	endpoint Endpoint
	origVars map[string]string
	dialled  bool
}

func newLeg(c *Call, id string, inbound bool) *Leg {
	return &Leg{call: c, id: id, inbound: inbound, done: make(chan struct{}), up: make(chan struct{}), rings: make(chan struct{})}
}

// markGoneLocked records the end of the leg once. call.mu held.
func (l *Leg) markGoneLocked(cause Cause, by HangupSide, transferred bool) {
	if l.gone {
		return
	}
	l.gone = true
	l.transferred = transferred
	l.cause = cause
	l.by = by
	l.bridgedWith = ""
	close(l.done)
}

// ID is the switch leg id (FreeSWITCH uuid, Asterisk channel id).
func (l *Leg) ID() string { return l.id }

// Call is the call owning the leg.
func (l *Leg) Call() *Call { return l.call }

// Inbound reports whether this is the call's inbound leg.
func (l *Leg) Inbound() bool { return l.inbound }

// Done is closed when the leg hung up or was transferred away.
func (l *Leg) Done() <-chan struct{} { return l.done }

// markAnsweredLocked records the answer once. call.mu held.
func (l *Leg) markAnsweredLocked() {
	if !l.answered {
		l.answered = true
		close(l.up)
	}
}

// markRingingLocked records that the far end rang, once. call.mu held.
func (l *Leg) markRingingLocked() {
	if !l.ringing {
		l.ringing = true
		close(l.rings)
	}
}

// RingingC is closed when the switch reports that the far end of an
// originated leg is ringing (alerting: SIP 180/183), so callers can tell a
// phone that rang and was not answered from a leg that never got that far.
func (l *Leg) RingingC() <-chan struct{} { return l.rings }

// Rang reports whether the far end was reported ringing.
func (l *Leg) Rang() bool {
	l.call.mu.Lock()
	defer l.call.mu.Unlock()
	return l.ringing
}

// AnsweredC is closed when the leg is answered, for callers that select on
// several legs (StartOriginate) together with timers and Done channels.
func (l *Leg) AnsweredC() <-chan struct{} { return l.up }

// Answered reports whether the leg has been answered.
func (l *Leg) Answered() bool {
	l.call.mu.Lock()
	defer l.call.mu.Unlock()
	return l.answered
}

// BridgedWith is the id of the leg this one is bridged to ("" if none).
func (l *Leg) BridgedWith() string {
	l.call.mu.Lock()
	defer l.call.mu.Unlock()
	return l.bridgedWith
}

// Held reports whether the switch reported the leg on hold.
func (l *Leg) Held() bool {
	l.call.mu.Lock()
	defer l.call.mu.Unlock()
	return l.held
}

// HangupCause says how the leg ended; ok is false while it lives. A
// transferred leg reports ok with an empty cause and HangupController.
func (l *Leg) HangupCause() (cause Cause, by HangupSide, ok bool) {
	l.call.mu.Lock()
	defer l.call.mu.Unlock()
	return l.cause, l.by, l.gone
}

// goneErr returns ErrHungUp or ErrTransferred if the leg (or, for every
// leg, the call's inbound leg) has ended.
func (l *Leg) goneErr() error {
	c := l.call
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, x := range []*Leg{l, c.inbound} {
		if x.gone {
			if x.transferred {
				return ErrTransferred
			}
			return ErrHungUp
		}
	}
	return nil
}

func (l *Leg) wrap(op string, err error) error {
	return fmt.Errorf("controller: %s on call %s leg %s: %w", op, l.call.id, l.id, err)
}

// send checks the leg is alive and sends a fire-and-forget command.
func (l *Leg) send(ctx context.Context, name, detail string, f func(context.Context) error) error {
	if err := l.goneErr(); err != nil {
		return l.wrap(name, err)
	}
	return l.call.command(ctx, name, l.id, detail, f)
}

// Answer answers the leg and waits for the switch to confirm it. Answering
// an answered leg does nothing.
func (l *Leg) Answer(ctx context.Context) error {
	c := l.call
	if err := c.beginWait(); err != nil {
		return l.wrap("answer", err)
	}
	defer c.endWait()
	if err := l.goneErr(); err != nil {
		return l.wrap("answer", err)
	}
	if l.Answered() {
		return nil
	}
	if err := c.command(ctx, "answer", l.id, "", func(ctx context.Context) error {
		return c.sw.Answer(ctx, l.id)
	}); err != nil {
		return err
	}
	timer := c.clock().NewTimer(c.ctl.opts.CommandTimeout)
	defer timer.Stop()
	for {
		if l.Answered() {
			return nil
		}
		ev, timedOut, err := c.next(ctx, timer.C())
		switch {
		case err != nil:
			return l.wrap("answer", err)
		case timedOut:
			return l.wrap("answer", ErrNoConfirmation)
		}
		if err := c.endsWait(ev, l); err != nil {
			return l.wrap("answer", err)
		}
	}
}

// Hangup ends the leg with cause (NORMAL_CLEARING if empty). Hanging up a
// leg that already ended does nothing. The HungUp event follows.
func (l *Leg) Hangup(ctx context.Context, cause Cause) error {
	if cause == "" {
		cause = CauseNormalClearing
	}
	l.call.mu.Lock()
	gone, hanging := l.gone, l.hangingUp
	l.call.mu.Unlock()
	if gone || hanging {
		// Gone, or going: the switch accepted ipcc's hangup and reports
		// the end with its cause. A second kill would find no channel.
		return nil
	}
	err := l.call.command(ctx, "hangup", l.id, string(cause), func(ctx context.Context) error {
		return l.call.sw.Hangup(ctx, l.id, cause)
	})
	if err == nil {
		l.call.mu.Lock()
		l.hangingUp = true
		l.call.mu.Unlock()
	}
	return err
}

// RecordOptions describe a recording started with Record.
type RecordOptions struct {
	// ID names the recording; "" picks a uuid.
	ID string
	// Path is where the switch writes the file (absolute, ending in .wav).
	Path        string
	Stereo      bool
	MaxDuration time.Duration // 0 = unlimited
	Beep        bool
}

// Record starts recording the leg and returns the recording id for
// StopRecord / PauseRecord. RecordingStarted/Finished events go to the trace.
func (l *Leg) Record(ctx context.Context, o RecordOptions) (string, error) {
	if o.Path == "" {
		return "", l.wrap("record", fmt.Errorf("%w: empty path", ErrInvalidArgument))
	}
	id := o.ID
	if id == "" {
		id = newID()
	}
	r := Recording{ID: id, Path: o.Path, Stereo: o.Stereo, MaxDuration: o.MaxDuration, Beep: o.Beep}
	err := l.send(ctx, "record", id+" "+o.Path, func(ctx context.Context) error {
		return l.call.sw.Record(ctx, l.id, r)
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// StopRecord stops the recording id.
func (l *Leg) StopRecord(ctx context.Context, id string) error {
	return l.send(ctx, "stop_record", id, func(ctx context.Context) error {
		return l.call.sw.StopRecord(ctx, l.id, id)
	})
}

// PauseRecord pauses (pause=true) or resumes the recording id.
func (l *Leg) PauseRecord(ctx context.Context, id string, pause bool) error {
	return l.send(ctx, "pause_record", id+" "+strconv.FormatBool(pause), func(ctx context.Context) error {
		return l.call.sw.PauseRecord(ctx, l.id, id, pause)
	})
}

// Unbridge takes the leg out of its bridge and parks it under ipcc control.
func (l *Leg) Unbridge(ctx context.Context) error {
	return l.send(ctx, "unbridge", "", func(ctx context.Context) error {
		return l.call.sw.Unbridge(ctx, l.id)
	})
}

// Hold puts the leg on hold with music-on-hold class moh ("" = default).
func (l *Leg) Hold(ctx context.Context, moh string) error {
	return l.send(ctx, "hold", moh, func(ctx context.Context) error {
		return l.call.sw.Hold(ctx, l.id, moh)
	})
}

// Unhold takes the leg off hold.
func (l *Leg) Unhold(ctx context.Context) error {
	return l.send(ctx, "unhold", "", func(ctx context.Context) error {
		return l.call.sw.Unhold(ctx, l.id)
	})
}

// Eavesdrop connects this (answered) leg as a spy on target, a leg id on the
// same switch, in the given mode; calling it again changes the mode.
func (l *Leg) Eavesdrop(ctx context.Context, target string, mode EavesdropMode) error {
	return l.send(ctx, "eavesdrop", target+" "+mode.String(), func(ctx context.Context) error {
		return l.call.sw.Eavesdrop(ctx, l.id, target, mode)
	})
}

// Transfer hands the leg back to the switch dialplan. The leg leaves ipcc
// control: its Done closes and later waits return ErrTransferred. If the
// dialplan sends it back to ipcc, it arrives as a new call.
func (l *Leg) Transfer(ctx context.Context, t DialplanTarget) error {
	err := l.send(ctx, "transfer", t.Extension+"@"+t.Context, func(ctx context.Context) error {
		return l.call.sw.Transfer(ctx, l.id, t)
	})
	if err != nil {
		return err
	}
	c := l.call
	c.mu.Lock()
	l.markGoneLocked("", HangupController, true)
	c.mu.Unlock()
	c.ctl.unregisterLeg(c.swName, l.id, c)
	c.ctl.maybeForget(c)
	return nil
}

// SendDTMF sends digits out of the leg, towards its far end.
func (l *Leg) SendDTMF(ctx context.Context, digits string) error {
	return l.send(ctx, "send_dtmf", digits, func(ctx context.Context) error {
		return l.call.sw.SendDTMF(ctx, l.id, digits)
	})
}

// SetVar sets a channel variable on the leg (and in Call.Vars for the
// call's first leg).
func (l *Leg) SetVar(ctx context.Context, name, value string) error {
	err := l.send(ctx, "set_var", name+"="+value, func(ctx context.Context) error {
		return l.call.sw.SetVar(ctx, l.id, name, value)
	})
	if err == nil && l == l.call.inbound {
		l.call.mu.Lock()
		l.call.vars[name] = value
		l.call.mu.Unlock()
	}
	return err
}

// JoinConference moves the leg into conference room.
func (l *Leg) JoinConference(ctx context.Context, room string, o ConferenceOptions) error {
	return l.send(ctx, "join_conference", room, func(ctx context.Context) error {
		return l.call.sw.JoinConference(ctx, l.id, room, o)
	})
}

// LeaveConference takes the leg out of conference room.
func (l *Leg) LeaveConference(ctx context.Context, room string) error {
	return l.send(ctx, "leave_conference", room, func(ctx context.Context) error {
		return l.call.sw.LeaveConference(ctx, l.id, room)
	})
}

// MuteConference mutes or unmutes the leg in conference room.
func (l *Leg) MuteConference(ctx context.Context, room string, mute bool) error {
	return l.send(ctx, "mute_conference", room+" "+strconv.FormatBool(mute), func(ctx context.Context) error {
		return l.call.sw.MuteConference(ctx, l.id, room, mute)
	})
}
