package sim

import (
	"fmt"
	"strings"
	"time"
)

// Endpoint behaviours.
const (
	BehaviorAnswer = "answer" // answer after AnswerAfter
	BehaviorRing   = "ring"   // ring until the originate times out
	BehaviorBusy   = "busy"   // USER_BUSY after AnswerAfter
	BehaviorReject = "reject" // CALL_REJECTED after AnswerAfter
	BehaviorAbsent = "absent" // not registered: SUBSCRIBER_ABSENT at once
	// BehaviorBusyTone signals busy without hanging up with a cause (the
	// Busy() application, or a Dial() that met a busy phone, behind an
	// Asterisk Local channel): the originator sees only the Dial event's
	// dialstatus BUSY, and its channel ends with cause 0. Elsewhere it is
	// BehaviorBusy.
	BehaviorBusyTone = "busytone"
)

// EndpointSpec scripts a phone: an extension ("1001") or an external
// number reached through a gateway/trunk.
type EndpointSpec struct {
	Number      string
	Behavior    string // answer (default), ring, busy, reject, absent
	AnswerAfter time.Duration
	HangupAfter time.Duration // after answer; 0 = stays
	Press       []Press       // after answer
	// AMD is what answering-machine detection on this callee decides:
	// human (the default), machine or notsure; AMDAfter how long it
	// takes (default DefaultAMDAfter).
	AMD      string
	AMDAfter time.Duration
	// Front is the switch the phone is registered on: an extension
	// originate on the other front finds no such user (FreeSWITCH
	// SUBSCRIBER_ABSENT, Asterisk 500 "Allocation failed"), and an
	// inter-switch trunk (TrunkSpec.Peer) reaches it only from the other
	// side. "" = registered on both fronts (every front rings it).
	Front Front
}

// registeredOn reports whether the phone can be rung as an extension of
// front f.
func (e EndpointSpec) registeredOn(f Front) bool { return e.Front == "" || e.Front == f }

// Press is a scripted key press: Digits are sent After the party was
// connected (answered).
type Press struct {
	After  time.Duration
	Digits string
}

// origReq is a protocol-neutral originate.
type origReq struct {
	ID, OtherID     string
	Front           Front
	Name            string
	Kind            string // user, external, loopback, local
	Number, Context string
	Trunk           string // the gateway/trunk of an external number
	CIDNum, CIDName string
	Timeout         time.Duration
	// WholeSeconds counts Timeout as FreeSWITCH counts originate_timeout:
	// on the epoch's whole seconds, given up once now_sec - start_sec >=
	// the limit (switch_ivr_originate.c), so a leg rings between Timeout-1s
	// and Timeout. Asterisk's ARI timeout is counted in milliseconds.
	WholeSeconds bool
	Vars         [][2]string
	onAnswer     func(c *Channel)
	done         func(c *Channel, cause string)
}

// dialStatus maps a cause to the Asterisk Dial dialstatus.
func dialStatus(cause string) string {
	switch cause {
	case "USER_BUSY":
		return "BUSY"
	case "NO_ANSWER", "NO_USER_RESPONSE":
		return "NOANSWER"
	case "NORMAL_CIRCUIT_CONGESTION":
		return "CONGESTION"
	case "CALL_REJECTED":
		return "BUSY"
	}
	return "CHANUNAVAIL"
}

// inheritOriginateVars gives the far half of a FreeSWITCH loopback pair
// the originate's {variables}, as mod_loopback does (origination_uuid
// included, naming the near half): a mark ipcc puts on the leg it
// originates reaches the other half too.
func inheritOriginateVars(far *Channel, r origReq) {
	if r.Front != FrontFreeSWITCH || r.Kind != "loopback" {
		return
	}
	for _, kv := range r.Vars {
		far.Vars.set(kv[0], kv[1])
	}
}

// originate creates an outbound leg and plays its endpoint's script. It
// returns the failure cause when the endpoint cannot be reached at all.
func (m *Model) originate(r origReq) (*Channel, string) {
	if (r.Kind == "loopback" || r.Kind == "local") && r.Context == TestCallerContext {
		return m.originateTestCaller(r)
	}
	trunk, scripted := m.trunks[r.Trunk]
	scripted = scripted && r.Kind == "external" && r.Trunk != ""
	// An inter-switch trunk: the far switch's dialplan rings its own
	// phone with the number (its prefix taken off).
	peer := scripted && trunk.Peer != "" && trunk.Peer != r.Front
	number, peerFail := r.Number, ""
	if peer {
		var cut bool
		if number, cut = strings.CutPrefix(r.Number, trunk.Prefix); !cut || number == "" {
			peerFail = "NO_ROUTE_DESTINATION" // the far dialplan has no extension for it
		}
	}
	spec, ok := m.phones[number]
	if (r.Kind == "loopback" || r.Kind == "local") && r.Context == TestPhoneContext {
		spec, ok = testPhone(r.Number, m.opts.AutoAnswer), true
	}
	switch {
	case peer && peerFail == "" && (!ok || !spec.registeredOn(trunk.Peer) || spec.Behavior == BehaviorAbsent):
		peerFail = "SUBSCRIBER_ABSENT" // the far switch has no such phone registered
	case peer:
	case (!ok || !spec.registeredOn(r.Front)) && r.Kind == "user":
		return nil, "SUBSCRIBER_ABSENT"
	case !ok:
		spec = EndpointSpec{Number: r.Number, AnswerAfter: m.opts.AutoAnswer}
	}
	if spec.Behavior == BehaviorAbsent && !peer {
		return nil, "SUBSCRIBER_ABSENT"
	}
	trunkFails := scripted && trunk.Behavior != TrunkUp
	if trunkFails && trunk.Behavior == TrunkDown {
		// Neither switch creates a channel: mod_sofia refuses the originate
		// (-ERR GATEWAY_DOWN), chan_pjsip finds no reachable contact and
		// ARI answers 500 "Allocation failed".
		return nil, trunk.cause(r.Front)
	}
	if r.ID != "" && m.chans[r.ID] != nil {
		return nil, "DUPLICATE"
	}
	c := m.newChannel(r.ID, r.Front, false, r.Name)
	c.ANI, c.ANIName, c.DNIS, c.Context = r.CIDNum, r.CIDName, r.Number, r.Context
	c.Endpoint, c.Trunk = r.Number, r.Trunk
	if peer {
		c.Reached = trunk.Peer
	}
	for _, kv := range r.Vars {
		c.Vars.set(kv[0], kv[1])
	}
	var far *Channel
	if r.Kind == "loopback" || r.Kind == "local" {
		far = m.newChannel(r.OtherID, r.Front, true, strings.TrimSuffix(r.Name, "-a")+"-b")
		if r.Kind == "local" {
			far.Name = strings.TrimSuffix(r.Name, ";1") + ";2"
		}
		far.ANI, far.ANIName, far.DNIS, far.Context = r.CIDNum, r.CIDName, r.Number, r.Context
		inheritOriginateVars(far, r)
		far.Link, c.Link = c.ID, far.ID
		m.hearGen++
		far.Endpoint = r.Number
		c.Vars.set("other_loopback_leg_uuid", far.ID)
		far.Vars.set("other_loopback_leg_uuid", c.ID)
		far.Vars.set("loopback_leg", "B")
		c.Vars.set("loopback_leg", "A")
	}
	m.emit(m.ev(evCreate, c))
	if far != nil {
		m.emit(m.ev(evCreate, far))
	}
	m.emit(&mEvent{Kind: evDial, At: time.Now(), Ch: c})
	c.phone = &phoneRun{press: spec.Press, hangup: spec.HangupAfter}
	failDial := func(cause, status string) {
		if !c.alive() {
			return
		}
		e := &mEvent{Kind: evDial, At: time.Now(), Ch: c, DialStatus: status}
		m.emit(e)
		m.hangup(c, cause, "remote")
		if r.done != nil {
			r.done(nil, cause)
		}
	}
	fail := func(cause string) { failDial(cause, dialStatus(cause)) }
	if trunkFails {
		// The carrier rejects the INVITE: no ringing, the channel ends.
		m.schedule(c, trunkFailDelay, func() { fail(trunk.cause(r.Front)) })
		return c, ""
	}
	if peerFail != "" {
		// The far switch answers the INVITE with a failure: no ringing.
		m.schedule(c, trunkFailDelay, func() { fail(peerFail) })
		return c, ""
	}
	c.State = StateRinging
	m.hearGen++
	m.emit(m.ev(evRinging, c))
	connect := func() {
		if !c.alive() || c.State == StateUp {
			return
		}
		m.answer(c)
		m.emit(&mEvent{Kind: evDial, At: time.Now(), Ch: c, DialStatus: "ANSWER"})
		if far != nil && far.Front == FrontFreeSWITCH {
			m.park(far)
		}
		if r.onAnswer != nil {
			r.onAnswer(c)
		}
		if r.done != nil {
			r.done(c, "")
		}
		if spec.HangupAfter > 0 {
			m.schedule(c, spec.HangupAfter, func() {
				target := c
				if far != nil {
					target = far
				}
				m.hangup(target, "NORMAL_CLEARING", "remote")
			})
		}
	}
	if r.Kind == "user" {
		c.talk = connect // a registered desk phone honours remote answer
	}
	switch spec.Behavior {
	case BehaviorBusy:
		m.schedule(c, spec.AnswerAfter, func() { fail("USER_BUSY") })
	case BehaviorBusyTone:
		m.schedule(c, spec.AnswerAfter, func() {
			if r.Front == FrontAsterisk && r.Kind == "local" {
				failDial("0", "BUSY")
				return
			}
			fail("USER_BUSY")
		})
	case BehaviorReject:
		m.schedule(c, spec.AnswerAfter, func() { fail("CALL_REJECTED") })
	case BehaviorRing:
	default:
		if spec.AnswerAfter <= 0 {
			connect()
		} else {
			m.schedule(c, spec.AnswerAfter, connect)
		}
	}
	if r.Timeout > 0 && c.State != StateUp && c.alive() {
		ring := r.Timeout
		if r.WholeSeconds {
			now := time.Now()
			ring = now.Truncate(time.Second).Add(r.Timeout).Sub(now)
		}
		m.schedule(c, ring, func() {
			if c.State != StateUp {
				fail("NO_ANSWER")
			}
		})
	}
	return c, ""
}

// CallSpec scripts an inbound call from a caller to a DID.
type CallSpec struct {
	ID          string // leg id; generated when empty
	Front       Front  // freeswitch (default) or asterisk
	From        string // ANI
	FromName    string
	To          string // DID
	Press       []Press
	HangupAfter time.Duration // after the call started; 0 = stays
	// Vars are what the switch's dialplan attaches to the call before
	// handing it over (ipcc_trunk=unicom-e1): channel variables on
	// FreeSWITCH (variable_<name> headers, as after "set" before "park"),
	// Stasis arguments name=value after the DID on Asterisk, in name order
	// (Stasis(ipcc,${EXTEN},ipcc_trunk=unicom-e1)).
	Vars map[string]string
}

// placeCall creates an inbound channel handed to ipcc: parked with
// variable_ipcc_did and the variables on FreeSWITCH, StasisStart with args
// [did, name=value...] on Asterisk.
func (m *Model) placeCall(s CallSpec) (*Channel, error) {
	if s.To == "" {
		return nil, fmt.Errorf("sim: place call: %w", errField("to", "missing DID"))
	}
	for k := range s.Vars {
		if k == "" || strings.ContainsAny(k, "=,:() \t\r\n") {
			return nil, fmt.Errorf("sim: place call: %w", errField("vars", fmt.Sprintf("bad variable name %q", k)))
		}
	}
	if s.ID != "" && m.chans[s.ID] != nil {
		return nil, fmt.Errorf("sim: place call: %w", errField("id", "leg id already exists"))
	}
	if s.From == "" {
		s.From = "anonymous"
	}
	var c *Channel
	switch s.Front {
	case FrontAsterisk:
		c = m.newChannel(s.ID, FrontAsterisk, true, "")
		c.Name = fmt.Sprintf("PJSIP/%s-%08x", s.From, c.seq)
		c.Context = "from-external"
	case FrontFreeSWITCH, "":
		c = m.newChannel(s.ID, FrontFreeSWITCH, true, "sofia/external/"+s.From+"@"+m.opts.Hostname)
		c.Context = "public"
	default:
		return nil, fmt.Errorf("sim: place call: %w", errField("front", "must be freeswitch or asterisk"))
	}
	c.ANI, c.ANIName, c.DNIS = s.From, s.FromName, s.To
	c.phone = &phoneRun{press: s.Press, hangup: s.HangupAfter}
	if c.Front == FrontFreeSWITCH {
		c.Vars.set("direction", "inbound")
		c.Vars.set("uuid", c.ID)
		c.Vars.set("session_id", fmt.Sprint(c.seq))
		c.Vars.set("sip_from_user", s.From)
		c.Vars.set("sip_to_user", s.To)
		c.Vars.set("ipcc_did", s.To)
	}
	args := []string{s.To}
	for _, k := range sortedKeys(s.Vars) {
		if c.Front == FrontFreeSWITCH {
			c.Vars.set(k, s.Vars[k])
		} else {
			args = append(args, k+"="+s.Vars[k])
		}
	}
	c.State = StateRinging
	m.hearGen++
	m.emit(m.ev(evCreate, c))
	if c.Front == FrontFreeSWITCH {
		m.setApp(c, "park", "")
	} else {
		c.App = m.opts.ARIApp
		c.AppArgs = args
		m.emit(m.ev(evStasisStart, c))
	}
	if s.HangupAfter > 0 {
		m.schedule(c, s.HangupAfter, func() { m.hangup(c, "NORMAL_CLEARING", "remote") })
	}
	return c, nil
}
