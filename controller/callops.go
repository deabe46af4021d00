package controller

import (
	"context"
	"fmt"
	"time"
)

// The methods below act on the call's inbound leg; use the Leg methods for
// originated legs.

// Answer answers the inbound leg; see Leg.Answer.
func (c *Call) Answer(ctx context.Context) error { return c.inbound.Answer(ctx) }

// Play plays media to the caller; see Leg.Play.
func (c *Call) Play(ctx context.Context, o PlayOptions) (string, error) {
	return c.inbound.Play(ctx, o)
}

// PlayAndCollect prompts the caller and collects digits; see
// Leg.PlayAndCollect.
func (c *Call) PlayAndCollect(ctx context.Context, o Collect) (string, error) {
	return c.inbound.PlayAndCollect(ctx, o)
}

// Record records the inbound leg; see Leg.Record.
func (c *Call) Record(ctx context.Context, o RecordOptions) (string, error) {
	return c.inbound.Record(ctx, o)
}

// StopRecord stops a recording of the inbound leg.
func (c *Call) StopRecord(ctx context.Context, id string) error {
	return c.inbound.StopRecord(ctx, id)
}

// PauseRecord pauses or resumes a recording of the inbound leg.
func (c *Call) PauseRecord(ctx context.Context, id string, pause bool) error {
	return c.inbound.PauseRecord(ctx, id, pause)
}

// Bridge bridges the caller with leg; see Leg.Bridge.
func (c *Call) Bridge(ctx context.Context, leg *Leg) error { return c.inbound.Bridge(ctx, leg) }

// Unbridge takes the caller out of its bridge.
func (c *Call) Unbridge(ctx context.Context) error { return c.inbound.Unbridge(ctx) }

// Hold puts the caller on hold with music-on-hold class moh.
func (c *Call) Hold(ctx context.Context, moh string) error { return c.inbound.Hold(ctx, moh) }

// HoldMedia puts the caller on hold hearing m in a loop instead of a
// music-on-hold class: a file, or TTS rendered to one first (a prompt of
// the tenant's library as hold music). Both drivers loop the file until
// Unhold (FreeSWITCH: one looping playback; Asterisk: ARI playbacks one
// after the other); a driver that plays only classes would answer
// ErrNotSupported.
func (c *Call) HoldMedia(ctx context.Context, m Media) error {
	ms, err := c.resolveMedia(ctx, []Media{m})
	if err != nil {
		return err
	}
	if ms[0].Kind != MediaFile || ms[0].Value == "" {
		return fmt.Errorf("hold music: only a file plays on hold, got %s %q: %w", mediaKindNames[ms[0].Kind], ms[0].Value, ErrNotSupported)
	}
	return c.inbound.Hold(ctx, ms[0].Value)
}

// Unhold takes the caller off hold.
func (c *Call) Unhold(ctx context.Context) error { return c.inbound.Unhold(ctx) }

// Eavesdrop makes the inbound leg (a supervisor who called in) spy on
// target; see Leg.Eavesdrop.
func (c *Call) Eavesdrop(ctx context.Context, target string, mode EavesdropMode) error {
	return c.inbound.Eavesdrop(ctx, target, mode)
}

// Transfer hands the caller back to the switch dialplan; see Leg.Transfer.
func (c *Call) Transfer(ctx context.Context, t DialplanTarget) error {
	return c.inbound.Transfer(ctx, t)
}

// SendDTMF sends digits to the caller.
func (c *Call) SendDTMF(ctx context.Context, digits string) error {
	return c.inbound.SendDTMF(ctx, digits)
}

// SetVar sets a channel variable on the inbound leg.
func (c *Call) SetVar(ctx context.Context, name, value string) error {
	return c.inbound.SetVar(ctx, name, value)
}

// Hangup hangs up the caller (originated legs stay; hang them up or let the
// switch clear them when bridged).
func (c *Call) Hangup(ctx context.Context, cause Cause) error {
	return c.inbound.Hangup(ctx, cause)
}

// HangupAll hangs up every live leg of the call (caller and originated
// legs), e.g. when a flow ends a call that has an agent leg parked after an
// unbridge. It returns the first error but tries every leg.
func (c *Call) HangupAll(ctx context.Context, cause Cause) error {
	var first error
	for _, l := range c.Legs() {
		if err := l.Hangup(ctx, cause); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Sleep waits d on the controller clock (an IVR pause, the gap between
// queue announcements). It returns ErrHungUp (wrapped) as soon as the
// caller hangs up, or ctx.Err(). It does not consume the event inbox, so it
// may be used from any goroutine.
func (c *Call) Sleep(ctx context.Context, d time.Duration) error {
	if err := c.inbound.goneErr(); err != nil {
		return c.inbound.wrap("sleep", err)
	}
	t := c.clock().NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return nil
	case <-c.Done():
		return c.inbound.wrap("sleep", c.inbound.goneErr())
	case <-ctx.Done():
		return c.inbound.wrap("sleep", ctx.Err())
	}
}

// HangupSwitchLeg hangs up a leg on the call's switch that no call of this
// controller owns: a leg a previous controller left behind, such as an
// agent it was still ringing for this call when it died.
func (c *Call) HangupSwitchLeg(ctx context.Context, leg string, cause Cause) error {
	return c.sw.Hangup(ctx, leg, cause)
}

// SwitchLegs lists the live legs of the call's switch, to find legs a
// previous controller left behind for this call (a ring it started but
// never recorded).
func (c *Call) SwitchLegs(ctx context.Context) ([]LegInfo, error) {
	return c.sw.Legs(ctx)
}
