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
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/store"
)

// Calls finds live calls (the controller, or inbound's LiveCalls, which
// also finds calls re-adopted after a restart by their record's id).
type Calls interface {
	Call(id string) (*controller.Call, bool)
}

// legFinder is implemented by Calls that can find the call owning a leg:
// after a restart the agent's leg is a call of its own, not one of the
// caller's call's legs.
type legFinder interface {
	CallByLeg(sw, leg string) (*controller.Call, bool)
}

// Errors callers branch on.
var (
	ErrNoCall    = errors.New("no such live call")
	ErrNoAgent   = errors.New("the call is not connected to an agent")
	ErrBadMode   = errors.New("mode must be listen, whisper or barge")
	ErrNoMonitor = errors.New("nobody is monitoring this call")
	// ErrNoDevice: no monitor runs on the call and no phone was given to
	// ring for the supervisor.
	ErrNoDevice = errors.New("no phone to ring for the supervisor")
	// ErrRingFailed: the switch could not ring the supervisor's phone
	// (unknown or unregistered extension, refused dial string).
	ErrRingFailed = errors.New("the supervisor's phone could not be rung")
	// ErrNoAnswer: the supervisor's phone rang and was not answered.
	ErrNoAnswer = errors.New("the supervisor's phone did not answer")
)

// LegStore keeps the supervisor's leg on the call's detail record as it
// happens (the store), so a controller restart does not lose it.
type LegStore interface {
	SaveCallLeg(ctx context.Context, l *store.CallLeg) error
}

// Consults hands over the agent's consultation of the supervisor's phone
// (a help request: Help in the agent desktop consults the supervisor).
// TakeConsult ends the agent's consultation of device on call callID
// without hanging the phone up — the caller is back with the agent — and
// returns that leg, answered, with a function that changes its role on
// the call's record; a nil leg means there is no such consultation.
type Consults interface {
	TakeConsult(ctx context.Context, tenant, callID, device string) (*controller.Leg, func(role string), error)
}

// Supervisor performs interventions; safe for concurrent use.
type Supervisor struct {
	calls Calls
	// RingTimeout for the supervisor's phone (default 30s).
	RingTimeout time.Duration
	// Legs, when set, records each monitor leg (role listen, whisper or
	// barge, the supervisor in agent_id) when it joins, changes mode and
	// ends.
	Legs LegStore
	// Consults, when set, is asked first whether the supervisor's phone
	// is already on the call as the agent's help consultation: accepting
	// a help request then joins that phone in the chosen mode instead of
	// ringing it a second time.
	Consults Consults

	mu    sync.Mutex
	spies map[string]*controller.Leg // call id → supervisor leg
	rows  map[string]*store.CallLeg  // call id → its leg's record
	roles map[string]func(string)    // call id → role setter of a handed-over consult leg
}

// New returns a Supervisor over the live calls.
func New(calls Calls) *Supervisor {
	return &Supervisor{calls: calls, RingTimeout: 30 * time.Second, spies: map[string]*controller.Leg{}, rows: map[string]*store.CallLeg{},
		roles: map[string]func(string){}}
}

// Monitoring names who monitors a call of which tenant, for the record.
type Monitoring struct {
	Tenant     string
	Supervisor string // the supervisor's user id
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
func (s *Supervisor) agentLeg(c *controller.Call) (*controller.Leg, error) {
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
	if other := s.peerCall(c, peer); other != nil {
		return other.Leg(), nil // re-adopted after a restart
	}
	return nil, ErrNoAgent
}

// peerCall is the call whose first leg is peer, when the Calls can tell.
func (s *Supervisor) peerCall(c *controller.Call, peer string) *controller.Call {
	f, ok := s.calls.(legFinder)
	if !ok || peer == "" {
		return nil
	}
	if other, ok := f.CallByLeg(c.Switch(), peer); ok && other != c && other.Leg().ID() == peer {
		return other
	}
	return nil
}

// Monitor joins the supervisor on device (an extension or raw:<dial
// string>) to the call's agent leg in mode; with a supervisor already on the
// call it only changes mode. When the agent is consulting device (the
// supervisor answered a help request on it), that leg is taken over rather
// than the phone rung again. It returns the supervisor's leg id.
func (s *Supervisor) Monitor(ctx context.Context, who Monitoring, callID, device string, mode controller.EavesdropMode) (string, error) {
	c, ok := s.calls.Call(callID)
	if !ok {
		return "", ErrNoCall
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
	// The supervisor's phone may be on the call already: the agent's help
	// consultation, which holds the caller (so the agent's leg is found
	// once the caller is back with them).
	var handed *controller.Leg
	var setRole func(string)
	if spy == nil && device != "" && s.Consults != nil {
		var err error
		if handed, setRole, err = s.Consults.TakeConsult(ctx, who.Tenant, callID, device); err != nil {
			return "", fmt.Errorf("supervise: take over the help consultation on %s: %w", device, err)
		}
	}
	agent, err := s.agentLeg(c)
	if err != nil {
		if handed != nil {
			_ = handed.Hangup(context.WithoutCancel(ctx), controller.CauseNormalClearing)
		}
		return "", err
	}
	if handed != nil {
		c.Note("supervise", fmt.Sprintf("supervisor on %s takes the help consultation to %s (no new ring)", device, mode))
		if err := handed.Eavesdrop(ctx, agent.ID(), mode); err != nil {
			_ = handed.Hangup(context.WithoutCancel(ctx), controller.CauseNormalClearing)
			return "", fmt.Errorf("supervise: %s on call %s: %w", mode, callID, err)
		}
		now := time.Now().UTC()
		row := &store.CallLeg{TenantID: who.Tenant, CallID: callID, LegID: handed.ID(), Role: mode.String(), Endpoint: device,
			AgentID: who.Supervisor, StartedAt: now, AnsweredAt: &now}
		if setRole != nil {
			setRole(mode.String())
		}
		s.mu.Lock()
		s.spies[callID] = handed
		s.rows[callID] = row
		s.roles[callID] = setRole
		s.mu.Unlock()
		s.saveLeg(ctx, callID)
		go s.forgetWhenDone(c, callID, handed)
		c.Note("supervise", fmt.Sprintf("supervisor %s (leg %s)", mode, handed.ID()))
		return handed.ID(), nil
	}
	if spy == nil {
		if device == "" {
			return "", fmt.Errorf("supervise: call %s: %w", callID, ErrNoDevice)
		}
		ep := controller.Endpoint{Kind: controller.EndpointExtension, Number: device}
		if d, ok := strings.CutPrefix(device, "raw:"); ok {
			ep = controller.Endpoint{Kind: controller.EndpointRaw, Number: d}
		}
		c.Note("supervise", fmt.Sprintf("ringing supervisor on %s to %s", device, mode))
		started := time.Now().UTC()
		spy, err = c.StartOriginate(ctx, ep, controller.OriginateOptions{Timeout: s.RingTimeout, Vars: map[string]string{"ipcc_role": "supervisor"}})
		if err != nil {
			if errors.Is(err, controller.ErrHungUp) {
				return "", ErrNoCall
			}
			return "", fmt.Errorf("supervise: ring %s: %w: %w", device, ErrRingFailed, err)
		}
		select {
		case <-spy.AnsweredC():
		case <-spy.Done():
			cause, _, _ := spy.HangupCause()
			return "", fmt.Errorf("supervise: phone %s: %w (%s)", device, ErrNoAnswer, cause)
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
		answered := time.Now().UTC()
		row := &store.CallLeg{TenantID: who.Tenant, CallID: callID, LegID: spy.ID(), Role: mode.String(), Endpoint: device,
			AgentID: who.Supervisor, StartedAt: started, AnsweredAt: &answered}
		s.mu.Lock()
		s.spies[callID] = spy
		s.rows[callID] = row
		s.mu.Unlock()
		s.saveLeg(ctx, callID)
		go s.forgetWhenDone(c, callID, spy)
	} else {
		if err := spy.Eavesdrop(ctx, agent.ID(), mode); err != nil {
			return "", fmt.Errorf("supervise: %s on call %s: %w", mode, callID, err)
		}
		s.mu.Lock()
		if row := s.rows[callID]; row != nil {
			row.Role = mode.String()
		}
		setRole := s.roles[callID]
		s.mu.Unlock()
		if setRole != nil {
			setRole(mode.String()) // the call's record follows the leg too
		}
		s.saveLeg(ctx, callID)
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
	select { // the hang-up above is asked, not awaited
	case <-spy.Done():
	case <-time.After(10 * time.Second):
	}
	ended := time.Now().UTC()
	cause, _, _ := spy.HangupCause()
	s.mu.Lock()
	if row := s.rows[callID]; row != nil && row.LegID == spy.ID() {
		row.EndedAt, row.HangupCause = &ended, string(cause)
	}
	s.mu.Unlock()
	s.saveLeg(context.Background(), callID)
	s.mu.Lock()
	if s.spies[callID] == spy {
		delete(s.spies, callID)
		delete(s.rows, callID)
		delete(s.roles, callID)
	}
	s.mu.Unlock()
}

// saveLeg writes the call's monitor leg as it is now. A failed write is
// not the supervisor's problem: the call's record still gets the leg from
// the call's trace when it ends. The store's call-record writer keeps the
// row until it is written; the supervisor waits for it a few seconds at
// most.
func (s *Supervisor) saveLeg(ctx context.Context, callID string) {
	if s.Legs == nil {
		return
	}
	s.mu.Lock()
	row := s.rows[callID]
	var cp store.CallLeg
	if row != nil {
		cp = *row
	}
	s.mu.Unlock()
	if row == nil {
		return
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.Legs.SaveCallLeg(wctx, &cp); err != nil {
		slog.Warn("supervise: monitor leg not recorded", "tenant", cp.TenantID, "call", callID, "leg", cp.LegID, "err", err)
	}
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
	legs := c.Legs()
	if other := s.peerCall(c, c.Leg().BridgedWith()); other != nil {
		legs = append(legs, other.Leg()) // the agent's leg, re-adopted after a restart
	}
	var first error
	for _, l := range legs {
		err := l.Hangup(ctx, controller.CauseNormalClearing)
		// A leg that ended meanwhile (the bridge peer going with the
		// first hang-up) is what we wanted.
		if err != nil && !errors.Is(err, controller.ErrNoSuchLeg) && !errors.Is(err, controller.ErrHungUp) && first == nil {
			first = fmt.Errorf("supervise: hang up leg %s of call %s: %w", l.ID(), callID, err)
		}
	}
	return first
}
