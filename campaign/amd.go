package campaign

import (
	"fmt"
	"time"

	"github.com/ipcc/ipcc/controller"
)

// Answering-machine detection (docs/outbound.md, "Answering machines"):
// when a campaign asks for it, the switch listens to each callee who
// answers a customer-first call (progressive without agent_first,
// predictive, IVR broadcast) and says whether a person or a machine answered. A machine is
// never given to an agent and never counts as a live answer or an abandon:
// it hears the campaign's message (on_machine "message") or is hung up on
// (on_machine "hangup"), and the attempt ends with outcome "machine",
// retried by the rule for it (default: after 4 h). Unsure results go to an
// agent as a person would.

// AMDSettings are a campaign's answering-machine detection settings.
type AMDSettings struct {
	// OnMachine is what a machine gets: "hangup" (default) or "message"
	// (Message is played, then the call ends).
	OnMachine string `json:"on_machine,omitempty"`
	// Message is left on the machine (on_machine "message"): a prompt
	// file or a text said by TTS.
	Message *Message `json:"message,omitempty"`
	// TimeoutMS bounds the wait for the switch's result (default 6000;
	// 1000 to 30000); past it the callee is taken for a person.
	TimeoutMS int64 `json:"timeout_ms,omitempty"`
}

// On-machine actions.
const (
	AMDHangup  = "hangup"
	AMDMessage = "message"
)

func (a *AMDSettings) validate(t Type, agentFirst bool) error {
	switch {
	case t == Predictive, t == IVRBroadcast:
	case t == Progressive && !agentFirst:
	default:
		return FieldError{"settings.amd", "answering-machine detection is for predictive, IVR broadcast and customer-first progressive campaigns (the callee is dialled before an agent)"}
	}
	switch a.OnMachine {
	case "", AMDHangup:
		if a.Message != nil {
			return FieldError{"settings.amd.message", `a message is left only with on_machine "message"`}
		}
	case AMDMessage:
		if a.Message == nil || a.Message.Media() == nil {
			return FieldError{"settings.amd.message", "on_machine message needs a prompt or a text"}
		}
		if l := a.Message.Lang; l != "" && l != "zh-CN" && l != "en" {
			return FieldError{"settings.amd.message.lang", fmt.Sprintf("%q: want zh-CN or en", l)}
		}
	default:
		return FieldError{"settings.amd.on_machine", fmt.Sprintf("%q: want hangup or message", a.OnMachine)}
	}
	if a.TimeoutMS != 0 && (a.TimeoutMS < 1000 || a.TimeoutMS > 30000) {
		return FieldError{"settings.amd.timeout_ms", "0 (default 6000) or 1000 to 30000"}
	}
	return nil
}

// amdCall fills the detection part of a campaign call.
func (s *Settings) amdCall() (detect bool, timeout time.Duration, msg []controller.Media) {
	if s.AMD == nil {
		return false, 0, nil
	}
	timeout = 6 * time.Second
	if s.AMD.TimeoutMS > 0 {
		timeout = time.Duration(s.AMD.TimeoutMS) * time.Millisecond
	}
	if s.AMD.OnMachine == AMDMessage && s.AMD.Message != nil {
		msg = s.AMD.Message.Media()
	}
	return true, timeout, msg
}
