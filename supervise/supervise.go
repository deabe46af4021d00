// Package supervise is what a supervisor (班长) does to a live call: listen
// in silently, whisper to the agent, barge in as a third party, and hang the
// call up (强拆). The supervisor's own phone is rung and, once answered, joined
// to the agent's leg in the chosen mode; calling Monitor again switches mode
// on the same phone.
package supervise

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ipcc/ipcc/controller"
)

// Calls finds live calls (the controller).
type Calls interface {
	Call(id string) (*controller.Call, bool)
}

// Errors callers branch on.
var (
	ErrNoCall    = errors.New("no such live call")
	ErrNoAgent   = errors.New("the call is not connected to an agent")
	ErrBadMode   = errors.New("mode must be listen, whisper or barge")
	ErrNoMonitor = errors.New("nobody is monitoring this call")
)

// Supervisor performs interventions; safe for concurrent use.
type Supervisor struct {
	calls Calls
	// RingTimeout for the supervisor's phone (default 30s).
	RingTimeout time.Duration

	mu    sync.Mutex
	spies map[string]*controller.Leg // call id → supervisor leg
}

// New returns a Supervisor over the live calls.
func New(calls Calls) *Supervisor {
	return &Supervisor{calls: calls, RingTimeout: 30 * time.Second, spies: map[string]*controller.Leg{}}
}

// ParseMode reads "listen", "whisper" or "barge".
func ParseMode(s string) (controller.EavesdropMode, error) {
	switch strings.ToLower(s) {
	case "listen":
		return controller.EavesdropListen, nil
	case "whisper":
		return controller.EavesdropWhisper, nil
	case "barge":
		return controller.EavesdropBarge, nil
	}
	return 0, ErrBadMode
}

// agentLeg is the agent's leg: the one the caller is bridged with, or, on
// an agent's own outbound call (click-to-dial), the call's first leg.
func agentLeg(c *controller.Call) (*controller.Leg, error) {
	if c.Outbound() {
		if c.Leg().BridgedWith() == "" {
			return nil, ErrNoAgent
		}
		return c.Leg(), nil
	}
	peer := c.Leg().BridgedWith()
	if peer == "" {
		return nil, ErrNoAgent
	}
	for _, l := range c.Legs() {
		if l.ID() == peer {
			return l, nil
		}
	}
	return nil, ErrNoAgent
}

// Monitor joins the supervisor on device (an extension or raw:<dial
// string>) to the call's agent leg in mode; with a supervisor already on the
// call it only changes mode. It returns the supervisor's leg id.
func (s *Supervisor) Monitor(ctx context.Context, callID, device string, mode controller.EavesdropMode) (string, error) {
	c, ok := s.calls.Call(callID)
	if !ok {
		return "", ErrNoCall
	}
	agent, err := agentLeg(c)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	spy := s.spies[callID]
	s.mu.Unlock()
	if spy != nil {
		select {
		case <-spy.Done():
			spy = nil
		default:
		}
	}
	if spy == nil {
		if device == "" {
			return "", fmt.Errorf("supervise: a device to ring is required")
		}
		ep := controller.Endpoint{Kind: controller.EndpointExtension, Number: device}
		if d, ok := strings.CutPrefix(device, "raw:"); ok {
			ep = controller.Endpoint{Kind: controller.EndpointRaw, Number: d}
		}
		c.Note("supervise", fmt.Sprintf("ringing supervisor on %s to %s", device, mode))
		spy, err = c.StartOriginate(ctx, ep, controller.OriginateOptions{Timeout: s.RingTimeout, Vars: map[string]string{"ipcc_role": "supervisor"}})
		if err != nil {
			return "", fmt.Errorf("supervise: ring %s: %w", device, err)
		}
		select {
		case <-spy.AnsweredC():
		case <-spy.Done():
			cause, _, _ := spy.HangupCause()
			return "", fmt.Errorf("supervise: supervisor phone %s did not answer: %s", device, cause)
		case <-c.Done():
			_ = spy.Hangup(context.WithoutCancel(ctx), controller.CauseOriginatorCancel)
			return "", ErrNoCall
		case <-ctx.Done():
			_ = spy.Hangup(context.WithoutCancel(ctx), controller.CauseOriginatorCancel)
			return "", ctx.Err()
		}
		if err := spy.Eavesdrop(ctx, agent.ID(), mode); err != nil {
			_ = spy.Hangup(context.WithoutCancel(ctx), controller.CauseNormalClearing)
			return "", fmt.Errorf("supervise: %s on call %s: %w", mode, callID, err)
		}
		s.mu.Lock()
		s.spies[callID] = spy
		s.mu.Unlock()
		go s.forgetWhenDone(c, callID, spy)
	} else if err := spy.Eavesdrop(ctx, agent.ID(), mode); err != nil {
		return "", fmt.Errorf("supervise: %s on call %s: %w", mode, callID, err)
	}
	c.Note("supervise", fmt.Sprintf("supervisor %s (leg %s)", mode, spy.ID()))
	return spy.ID(), nil
}

// forgetWhenDone drops the supervisor's leg when it ends, and hangs it up
// when the monitored call ends (it would otherwise stay connected to
// silence).
func (s *Supervisor) forgetWhenDone(c *controller.Call, callID string, spy *controller.Leg) {
	select {
	case <-spy.Done():
	case <-c.Done():
		_ = spy.Hangup(context.Background(), controller.CauseNormalClearing)
	}
	s.mu.Lock()
	if s.spies[callID] == spy {
		delete(s.spies, callID)
	}
	s.mu.Unlock()
}

// StopMonitor hangs up the supervisor's leg on the call.
func (s *Supervisor) StopMonitor(ctx context.Context, callID string) error {
	s.mu.Lock()
	spy := s.spies[callID]
	s.mu.Unlock()
	if spy == nil {
		return ErrNoMonitor
	}
	return spy.Hangup(ctx, controller.CauseNormalClearing)
}

// Hangup ends the whole call (强拆): the caller, the agent and any
// supervisor.
func (s *Supervisor) Hangup(ctx context.Context, callID string) error {
	c, ok := s.calls.Call(callID)
	if !ok {
		return ErrNoCall
	}
	c.Note("supervise", "call hung up by a supervisor")
	var first error
	for _, l := range c.Legs() {
		err := l.Hangup(ctx, controller.CauseNormalClearing)
		// A leg that ended meanwhile (the bridge peer going with the
		// first hang-up) is what we wanted.
		if err != nil && !errors.Is(err, controller.ErrNoSuchLeg) && !errors.Is(err, controller.ErrHungUp) && first == nil {
			first = fmt.Errorf("supervise: hang up leg %s of call %s: %w", l.ID(), callID, err)
		}
	}
	return first
}
