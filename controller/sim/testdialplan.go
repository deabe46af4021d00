package sim

import (
	"strings"
	"time"
)

// The contract suite's real-server harness (controller/freeswitch/fsreal,
// controller/asterisk/astreal) expects two dialplan contexts on the server,
// documented in docs/testing-real-switches.md. The simulator runs the same
// contexts, so the harness itself is tested here.
const (
	// TestCallerContext: the far half of loopback/<did>/ipcc-test or
	// Local/<did>@ipcc-test is handed to ipcc like an inbound call to <did>
	// (FreeSWITCH: set ipcc_did and park; Asterisk: Stasis(ipcc,<did>)).
	TestCallerContext = "ipcc-test"
	// TestPhoneContext: answer-N answers, busy-N is busy (Hangup(17)),
	// busytone-N signals busy (Busy()), ring-N rings.
	TestPhoneContext = "ipcc-test-phones"
)

// testPhone is the behaviour of ipcc-test-phones extension ext.
func testPhone(ext string, answerAfter time.Duration) EndpointSpec {
	behavior, number, _ := strings.Cut(ext, "-")
	switch behavior {
	case BehaviorBusy, BehaviorRing, BehaviorReject, BehaviorBusyTone:
	default:
		behavior = BehaviorAnswer
	}
	return EndpointSpec{Number: number, Behavior: behavior, AnswerAfter: answerAfter}
}

// originateTestCaller creates the caller pair: the originated half (the test
// party) rings until ipcc answers the far half, which arrives at ipcc.
func (m *Model) originateTestCaller(r origReq) (*Channel, string) {
	if r.ID != "" && m.chans[r.ID] != nil {
		return nil, "DUPLICATE"
	}
	c := m.newChannel(r.ID, r.Front, false, r.Name)
	far := m.newChannel(r.OtherID, r.Front, true, strings.TrimSuffix(r.Name, "-a")+"-b")
	if r.Kind == "local" {
		far.Name = strings.TrimSuffix(r.Name, ";1") + ";2"
	}
	for _, ch := range []*Channel{c, far} {
		ch.ANI, ch.ANIName, ch.DNIS, ch.Context, ch.Endpoint = r.CIDNum, r.CIDName, r.Number, r.Context, r.Number
	}
	for _, kv := range r.Vars {
		c.Vars.set(kv[0], kv[1])
	}
	inheritOriginateVars(far, r)
	far.Link, c.Link = c.ID, far.ID
	m.hearGen++
	c.Vars.set("other_loopback_leg_uuid", far.ID)
	far.Vars.set("other_loopback_leg_uuid", c.ID)
	c.Vars.set("loopback_leg", "A")
	far.Vars.set("loopback_leg", "B")
	m.emit(m.ev(evCreate, c))
	m.emit(m.ev(evCreate, far))
	c.State, far.State = StateRinging, StateRinging
	m.hearGen++
	m.emit(m.ev(evRinging, c))
	if r.onAnswer != nil {
		// The originator's application (&park(), Stasis app) starts when
		// ipcc answers the far half.
		c.onLinkAnswer = func() {
			r.onAnswer(c)
			if r.done != nil {
				r.done(c, "")
			}
		}
	}
	if far.Front == FrontFreeSWITCH {
		far.Vars.set("direction", "inbound")
		far.Vars.set("ipcc_did", r.Number)
		far.Vars.set("loopback_bowout", "false")
		m.setApp(far, "park", "")
	} else {
		far.App = m.opts.ARIApp
		far.AppArgs = []string{r.Number}
		m.emit(m.ev(evStasisStart, far))
	}
	return c, ""
}
