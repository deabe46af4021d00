package sim

import (
	"fmt"
	"time"
)

// Answering-machine detection. What a scripted callee's answer sounds like
// is its EndpointSpec.AMD; the simulator decides after AMDAfter, as the
// real detectors do after listening (mod_amd and Asterisk's AMD() take
// from about a second for a person's short "hello" to total_analysis_time,
// 5 s, when unsure).
//
// FreeSWITCH (mod_amd, github.com/silviucpp/mod_amd): the application
// (mod_amd, or amd in older forks) is non-blocking — it attaches a media
// bug and completes at once (CHANNEL_EXECUTE / CHANNEL_EXECUTE_COMPLETE) —
// and when it decided it sets amd_result (HUMAN, MACHINE, NOT_SURE) and
// amd_cause, then fires CUSTOM mod_amd::info with the channel's data. A
// channel that hangs up first gets amd_result=CANCEL and no event.
//
// Asterisk: ARI cannot run AMD(), so ipcc continues the channel into the
// dialplan context AMDContext, which (docs/outbound.md) runs AMD() and
// returns with Stasis(<app>,ipcc-amd,${AMDSTATUS},${AMDCAUSE}). The
// simulator runs that context: StasisEnd, AMDSTATUS (HUMAN, MACHINE,
// NOTSURE) and AMDCAUSE set, StasisStart with those arguments.
// The simulated causes follow the formats of app_amd.c and mod_amd.cpp,
// checked on the real-switch kit (docs/outbound.md, "Verified against real
// switches"): mod_amd's undecided cause is TOO_LONG (with an underscore,
// unlike Asterisk's TOOLONG-<ms>), and its event comes from
// amd_fire_event, mod_amd.cpp line 70.

// Scripted answering-machine detection results (EndpointSpec.AMD).
const (
	AMDHuman   = "human"
	AMDMachine = "machine"
	AMDNotSure = "notsure"
)

// AMDContext is the Asterisk dialplan context the simulator runs as the
// documented AMD hop, and AMDArg the first Stasis argument it returns with.
const (
	AMDContext = "ipcc-amd"
	AMDArg     = "ipcc-amd"
)

// DefaultAMDAfter is how long detection takes for an endpoint whose
// AMDAfter is not set.
const DefaultAMDAfter = 300 * time.Millisecond

func validAMD(s string) bool {
	switch s {
	case "", AMDHuman, AMDMachine, AMDNotSure:
		return true
	}
	return false
}

// amdOutcome is (FreeSWITCH amd_result, amd_cause, Asterisk AMDSTATUS,
// AMDCAUSE) for a scripted result.
func amdOutcome(script string) (fsResult, fsCause, astStatus, astCause string) {
	switch script {
	case AMDMachine:
		return "MACHINE", "LONG_GREETING", "MACHINE", "LONGGREETING-1500-1500"
	case AMDNotSure:
		return "NOT_SURE", "TOO_LONG", "NOTSURE", "TOOLONG-5000"
	}
	return "HUMAN", "SILENCE_AFTER_GREETING", "HUMAN", "HUMAN-800-800"
}

// amdScript is the scripted detection of channel c (a callee ipcc
// originated): its endpoint's result and delay.
func (m *Model) amdScript(c *Channel) (string, time.Duration) {
	spec := m.phones[c.Endpoint]
	after := spec.AMDAfter
	if after <= 0 {
		after = DefaultAMDAfter
	}
	return spec.AMD, after
}

// runAMD is mod_amd on a FreeSWITCH channel (m.mu held).
func (m *Model) runAMD(c *Channel, it *execItem) {
	m.appDone(c, it, "_none_") // non-blocking: the media bug listens on
	if c.State != StateUp {
		return // mod_amd: "Can not record session. Media not enabled on channel"
	}
	script, after := m.amdScript(c)
	m.schedule(c, after, func() {
		if !c.alive() {
			return
		}
		res, cause, _, _ := amdOutcome(script)
		c.Vars.set("amd_result", res)
		c.Vars.set("amd_cause", cause)
		m.emit(m.ev(evAMD, c))
	})
}

// amdHop runs the AMD dialplan context on an Asterisk channel that left
// Stasis app (m.mu held).
func (a *ariServer) amdHop(c *Channel, app string) {
	m := a.m
	script, after := m.amdScript(c)
	m.schedule(c, after, func() {
		if !c.alive() {
			return
		}
		_, _, status, cause := amdOutcome(script)
		m.setVar(c, "AMDSTATUS", status)
		m.setVar(c, "AMDCAUSE", cause)
		c.App, c.AppArgs = app, []string{AMDArg, status, cause}
		m.emit(m.ev(evStasisStart, c))
	})
}

// renderAMD is the CUSTOM mod_amd::info event (switch_event_create_subclass
// with the channel's data, as amd_fire_event does).
func (s *eslServer) renderAMD(me *mEvent) []*eslEvent {
	e := s.fire("CUSTOM", "mod_amd::info", "mod_amd.cpp", "amd_fire_event", 70, me.At)
	s.chanHeaders(e, me.Ch, phaseLive, nil, "", true)
	return []*eslEvent{e}
}

func amdFieldError() error {
	return fmt.Errorf("sim: define endpoint: %w", errField("amd", "must be human, machine or notsure"))
}
