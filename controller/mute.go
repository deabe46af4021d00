package controller

import (
	"context"
	"fmt"
	"strconv"
)

// Mute stops (on) or restores (off) the audio coming from the party on the
// leg: the others stop hearing them, they still hear everyone. An agent
// mutes themself this way while the caller hears silence, not hold music.
func (l *Leg) Mute(ctx context.Context, on bool) error {
	err := l.send(ctx, "mute", strconv.FormatBool(on), func(ctx context.Context) error {
		return l.call.sw.Mute(ctx, l.id, on)
	})
	if err != nil {
		return err
	}
	l.call.mu.Lock()
	l.muted = on
	l.call.mu.Unlock()
	return nil
}

// Muted reports whether the leg was muted with Mute (and not unmuted since).
func (l *Leg) Muted() bool {
	l.call.mu.Lock()
	defer l.call.mu.Unlock()
	return l.muted
}

// Endpoint is where an originated leg was dialled; ok is false for a leg
// that arrived at ipcc (inbound).
func (l *Leg) Endpoint() (ep Endpoint, ok bool) {
	l.call.mu.Lock()
	defer l.call.mu.Unlock()
	return l.endpoint, l.dialled
}

// OriginateVar is a channel variable the leg was originated with ("" when
// none was set).
func (l *Leg) OriginateVar(name string) string {
	l.call.mu.Lock()
	defer l.call.mu.Unlock()
	return l.origVars[name]
}

// CanRemoteAnswer says whether the phone ringing on this leg can be told
// to answer from the desktop: only a SIP extension ipcc originated, on a
// switch whose driver reports Capabilities().RemoteAnswer. A nil error
// means yes; otherwise the error wraps ErrNotSupported and says why.
func (l *Leg) CanRemoteAnswer() error {
	ep, ok := l.Endpoint()
	switch {
	case !ok:
		return l.wrap("remote_answer", fmt.Errorf("%w: the leg was not dialled by ipcc", ErrNotSupported))
	case ep.Kind != EndpointExtension:
		return l.wrap("remote_answer", fmt.Errorf("%w: %q is not a SIP extension (external and mobile numbers answer only on the handset)", ErrNotSupported, ep.Number))
	case !l.call.sw.Capabilities().RemoteAnswer:
		return l.wrap("remote_answer", fmt.Errorf("%w: the %s driver cannot make a phone answer remotely", ErrNotSupported, l.call.sw.Kind()))
	}
	return nil
}

// RemoteAnswer asks the phone ringing on the leg to answer by itself. It
// returns once the switch accepted the request; the leg's AnsweredC closes
// when the phone went off hook. Answering an answered leg does nothing.
func (l *Leg) RemoteAnswer(ctx context.Context) error {
	if err := l.CanRemoteAnswer(); err != nil {
		return err
	}
	if l.Answered() {
		return nil
	}
	return l.send(ctx, "remote_answer", "", func(ctx context.Context) error {
		return l.call.sw.RemoteAnswer(ctx, l.id)
	})
}
