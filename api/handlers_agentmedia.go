package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/dispatch"
)

// AgentMedia is what answering from the desktop needs of call control
// besides AgentCalls; the dispatcher given as Options.AgentCalls
// implements it.
type AgentMedia interface {
	// AnswerOffer makes the agent's ringing phone answer the offered call.
	AnswerOffer(ctx context.Context, tenant, agentID string) error
	// RemoteAnswerSupport says whether the agent's phone can be answered
	// from the desktop, and why not.
	RemoteAnswerSupport(ctx context.Context, tenant, agentID string) (bool, string, error)
}

// agentMediaCapabilities tells the desktop which buttons work.
type agentMediaCapabilities struct {
	// Mute: the agent can mute themself on a connected call (every switch).
	Mute bool `json:"mute"`
	// Answer: a ringing call can be answered from the desktop (a SIP desk
	// phone on FreeSWITCH; never Asterisk, never an external number). While
	// a call rings it is decided on that call; before, only when every
	// switch that could ring the agent can do it.
	Answer bool `json:"answer"`
	// AnswerUnsupported says why Answer is false.
	AnswerUnsupported string `json:"answer_unsupported,omitempty"`
}

var errNoCallControl = &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "call control is not running in this controller"}

// addAgentMediaRoutes registers the REST face of the agent's audio
// operations (mute, unmute, answer from the desktop, capabilities).
func (s *Server) addAgentMediaRoutes() { s.addOps(agentMediaOps()) }

// agentMediaOps are the agent's operations on their own audio and phone;
// each is a REST route and, once listed in agentOps, a WebSocket command.
func agentMediaOps() []*agentOp {
	call := func(cmd, summary string) agentOp {
		return agentOp{Cmd: cmd, Method: http.MethodPost, Path: "/api/v1/agent/call/" + cmd, Summary: summary, Tag: "agent", Roles: rolesAgents,
			Status: http.StatusNoContent, ObjectType: "agent_call"}
	}
	mute := func(on bool, cmd string) func(context.Context, *opCall, *noBody) (any, error) {
		return func(ctx context.Context, x *opCall, _ *noBody) (any, error) {
			x.detail = map[string]any{"op": cmd}
			return nil, x.s.agentMute(ctx, x.tenant, x.p.ID, on)
		}
	}
	caps := agentOp{Cmd: "call-capabilities", Method: http.MethodGet, Path: "/api/v1/agent/call/capabilities", Tag: "agent", Roles: rolesAgents,
		Summary:  "What the desktop can do with your phone: mute, and answer from the desktop (with the reason when it cannot)",
		Response: agentMediaCapabilities{}}
	return []*agentOp{
		op(call("mute", "Mute yourself: the caller hears silence (not hold music) and you still hear the caller"), mute(true, "mute")),
		op(call("unmute", "Unmute yourself: the caller hears you again"), mute(false, "unmute")),
		op(call("answer", "Answer the call ringing your phone from the desktop (SIP desk phones on FreeSWITCH that allow remote answer; 501 on Asterisk and for external or mobile numbers)"),
			func(ctx context.Context, x *opCall, _ *noBody) (any, error) {
				x.detail = map[string]any{"op": "answer"}
				return nil, x.s.agentAnswer(ctx, x.tenant, x.p.ID)
			}),
		op(caps, func(ctx context.Context, x *opCall, _ *noBody) (any, error) {
			return x.s.agentMediaCaps(ctx, x.tenant, x.p.ID)
		}),
	}
}

// agentMute mutes (on) or unmutes the agent on their connected call; the
// agent's desktop gets a muted / unmuted event. Errors are API errors.
func (s *Server) agentMute(ctx context.Context, tenant, agent string, on bool) error {
	if s.opt.AgentCalls == nil {
		return errNoCallControl
	}
	op := "unmute"
	if on {
		op = "mute"
	}
	return agentCallError(s.opt.AgentCalls.Control(ctx, tenant, agent, op, nil))
}

// agentAnswer answers, from the desktop, the call ringing the agent's
// phone. Errors are API errors (agentCallError): 409 no_offer when nothing
// rings, 501 not_supported where the switch or the device cannot answer
// remotely.
func (s *Server) agentAnswer(ctx context.Context, tenant, agent string) error {
	am, ok := s.opt.AgentCalls.(AgentMedia)
	if !ok {
		return errNoCallControl
	}
	return agentCallError(am.AnswerOffer(ctx, tenant, agent))
}

// agentMediaCaps says what the agent's desktop can do with their phone.
func (s *Server) agentMediaCaps(ctx context.Context, tenant, agent string) (agentMediaCapabilities, error) {
	am, ok := s.opt.AgentCalls.(AgentMedia)
	if !ok {
		return agentMediaCapabilities{}, errNoCallControl
	}
	yes, why, err := am.RemoteAnswerSupport(ctx, tenant, agent)
	if err != nil {
		return agentMediaCapabilities{}, agentCallError(err)
	}
	return agentMediaCapabilities{Mute: true, Answer: yes, AnswerUnsupported: why}, nil
}

// agentCallError maps the errors of every operation on the agent's call
// (hold, transfer, recording, mute, answer from the desktop, ...) to the
// API's shape, one mapping for REST and the WebSocket:
//
//   - no connected call, or a call or leg that no longer exists (hung up,
//     unknown to the switch): 409 no_call, "you have no connected call";
//   - answer with nothing ringing: 409 no_offer (a ringing leg that went
//     away while answering is a call that no longer exists: no_call);
//   - a bad transfer or consultation target: 400 invalid naming target;
//   - what the switch or the device cannot do: 501 not_supported;
//   - ACD errors as everywhere; any other refusal in the call's current
//     state (no consultation to complete, already recording, a switch that
//     refused): 409 conflict.
func agentCallError(err error) error {
	switch {
	case err == nil:
		return nil
	case refusalError(err) != nil:
		return refusalError(err)
	case errors.Is(err, dispatch.ErrNoCall), errors.Is(err, controller.ErrHungUp), errors.Is(err, controller.ErrNoSuchLeg):
		return errNoCall
	case errors.Is(err, dispatch.ErrNoOffer):
		return &Error{Status: http.StatusConflict, Code: "no_offer", Message: "no call is ringing your phone"}
	case errors.Is(err, dispatch.ErrBadTarget):
		return &Error{Status: http.StatusBadRequest, Code: "invalid", Message: err.Error(), Field: "target"}
	case errors.Is(err, controller.ErrNotSupported):
		return &Error{Status: http.StatusNotImplemented, Code: "not_supported", Message: err.Error()}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	if ae := acdError(err); ae != err {
		return ae
	}
	return &Error{Status: http.StatusConflict, Code: "conflict", Message: err.Error()}
}

var errNoCall = &Error{Status: http.StatusConflict, Code: "no_call", Message: "you have no connected call"}
