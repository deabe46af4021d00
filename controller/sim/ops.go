package sim

import (
	"fmt"
	"strings"
	"time"
)

// phoneRun is the script of a far-end party: a caller placed by a test or a
// phone reached by an originate.
type phoneRun struct {
	press   []Press
	hangup  time.Duration // after answer (phones) / after start (callers)
	pressed bool
	timers  []*timerRef
}

type timerRef struct{ t *time.Timer }

func (m *Model) schedule(c *Channel, d time.Duration, f func()) {
	if c.phone == nil {
		c.phone = &phoneRun{}
	}
	ref := &timerRef{}
	ref.t = m.after(d, f)
	c.phone.timers = append(c.phone.timers, ref)
}

func (m *Model) stopScript(c *Channel) {
	if c.phone == nil {
		return
	}
	for _, r := range c.phone.timers {
		m.cancel(r.t)
	}
	c.phone.timers = nil
}

// startPresses schedules a party's scripted digits once it is connected.
func (m *Model) startPresses(c *Channel) {
	if c.phone == nil || c.phone.pressed {
		return
	}
	c.phone.pressed = true
	for _, p := range c.phone.press {
		p := p
		m.schedule(c, p.After, func() {
			if cc := m.ch(c.ID); cc != nil {
				m.receiveDTMF(cc, p.Digits, "RTP")
			}
		})
	}
}

// answer answers c (no-op when up).
func (m *Model) answer(c *Channel) {
	if c.State == StateUp || !c.alive() {
		return
	}
	c.State = StateUp
	m.hearGen++
	c.Answered = time.Now()
	m.emit(m.ev(evAnswer, c))
	if c.Link != "" {
		if l := m.ch(c.Link); l != nil && l.State != StateUp {
			l.State = StateUp
			m.hearGen++
			l.Answered = c.Answered
			m.emit(m.ev(evAnswer, l))
			if f := l.onLinkAnswer; f != nil {
				l.onLinkAnswer = nil
				f()
			}
		}
	}
	m.startPresses(c)
}

// hangup ends c. by is "controller", "remote" or "switch".
func (m *Model) hangup(c *Channel, cause, by string) {
	if c == nil || !c.alive() {
		return
	}
	if cause == "" {
		cause = "NORMAL_CLEARING"
	}
	m.stopScript(c)
	c.Cause = cause
	c.HangupBy = by
	c.hanging = true
	c.Vars.set("hangup_cause", cause)
	c.Vars.set("hangup_cause_q850", fmt.Sprint(causeCode(cause)))
	if c.Front == FrontFreeSWITCH && strings.HasPrefix(c.Name, "sofia/") {
		if by == "remote" {
			c.Vars.set("sip_hangup_disposition", "recv_bye")
		} else {
			c.Vars.set("sip_hangup_disposition", "send_bye")
		}
	}
	// Both switches announce the request first (CHANNEL_HANGUP,
	// ChannelHangupRequest).
	{
		e := m.ev(evHangupRequest, c)
		e.Cause = cause
		if by == "controller" {
			e.Code, e.Soft = 32, true
		} else {
			e.Code = causeCode(cause)
		}
		m.emit(e)
		if c.App != "" {
			m.emit(m.ev(evStasisEnd, c))
			c.App = ""
		}
	}
	for _, p := range m.plays {
		if p.Chan == c.ID && (p.State == "playing" || p.State == "paused") {
			m.finishPlayback(p, "stopped")
		}
	}
	m.startQueued(c.ID) // drops what was queued
	for _, r := range m.recs {
		if r.Chan == c.ID && (r.State == "recording" || r.State == "paused") {
			m.stopRecording(r, "hangup")
		}
	}
	var bridgedPeers []*Channel
	if b := m.bridges[c.Bridge]; b != nil {
		bridgedPeers = m.peers(c)
		m.leaveBridge(c, b)
	}
	if c.Conference != "" {
		m.leaveConference(c, "del-member")
	}
	c.pending = nil
	if c.CurrentApp != "" && c.Front == FrontFreeSWITCH {
		e := m.ev(evExecuteComplete, c)
		e.App, e.AppData, e.AppResp, e.AppUUID = c.CurrentApp, c.AppData, "_none_", c.curAppUUID
		c.CurrentApp = ""
		m.emit(e)
	}
	c.State = StateGone
	m.hearGen++
	delete(m.liveChans, c.ID)
	c.Ended = time.Now()
	e := m.ev(evHangup, c)
	e.Cause = cause
	m.emit(e)
	// Spies and snoops end with the channel they listen to. They are
	// looked for among the channels that ever spied (m.spies), not among
	// every channel: that made each hang-up cost as much as the whole
	// history (at 500 originates/s most of the simulator's CPU, with m.mu
	// held).
	for s := range m.spies {
		if !s.alive() || s.Spy == nil {
			delete(m.spies, s)
			continue
		}
		if s.Spy.Target == c.ID {
			if s.relay {
				m.hangup(s, "NORMAL_CLEARING", "switch")
			} else {
				s.Spy = nil
				m.hearGen++
				m.runNextOrPark(s)
			}
		}
	}
	if l := m.ch(c.Link); l != nil {
		m.hangup(l, cause, "switch")
	}
	// FreeSWITCH hangs up the other leg of a uuid_bridge and tells it why,
	// unless that leg asked to be parked when its bridge ends
	// (park_after_bridge=true), as ipcc's legs do.
	if c.Front == FrontFreeSWITCH {
		for _, p := range bridgedPeers {
			p.Vars.set("bridge_hangup_cause", cause)
			p.Vars.set("last_bridge_hangup_cause", cause)
			if p.Vars.m["park_after_bridge"] == "true" {
				m.runNextOrPark(p)
				continue
			}
			m.hangup(p, "NORMAL_CLEARING", "switch")
		}
	}
}

// receiveDTMF delivers digits that arrived on c from its far end.
func (m *Model) receiveDTMF(c *Channel, digits, source string) {
	for _, d := range digits {
		if !c.alive() {
			return
		}
		c.DTMFIn += string(d)
		e := m.ev(evDTMF, c)
		e.Digit, e.Source = string(d), source
		m.emit(e)
		if c.Spy != nil && c.Front == FrontFreeSWITCH && c.Vars.m["eavesdrop_enable_dtmf"] != "false" {
			switch d {
			case '0':
				c.Spy.Mode = "listen"
				m.hearGen++
			case '1':
				c.Spy.Mode = "whisper_bleg"
				m.hearGen++
			case '2':
				c.Spy.Mode = "whisper"
				m.hearGen++
			case '3':
				c.Spy.Mode = "barge"
				m.hearGen++
			}
		}
		if c.pagd != nil {
			m.pagdDigit(c, string(d))
		}
	}
}

// sendDTMF sends digits out of c: its peer receives them, or its phone.
func (m *Model) sendDTMF(c *Channel, digits, source string) {
	c.DTMFOut += digits
	if p := m.peer(c); p != nil {
		m.receiveDTMF(p, digits, source)
		return
	}
	c.Heard = append(c.Heard, Heard{Kind: "dtmf", Value: digits, At: time.Now()})
}

func (m *Model) setVar(c *Channel, k, v string) {
	c.Vars.set(k, v)
	if c.Spy != nil && c.Front == FrontFreeSWITCH {
		m.applyEavesdropVars(c)
	}
	e := m.ev(evVarSet, c)
	e.Var, e.Value = k, v
	m.emit(e)
}

// applyEavesdropVars maps the FreeSWITCH eavesdrop_whisper_aleg/bleg
// variables on the spy leg to a mode.
func (m *Model) applyEavesdropVars(c *Channel) {
	a := isTrue(c.Vars.m["eavesdrop_whisper_aleg"])
	b := isTrue(c.Vars.m["eavesdrop_whisper_bleg"])
	switch {
	case a && b:
		c.Spy.Mode = "barge"
		m.hearGen++
	case a:
		c.Spy.Mode = "whisper"
		m.hearGen++
	case b:
		c.Spy.Mode = "whisper_bleg"
		m.hearGen++
	}
}

func isTrue(s string) bool {
	switch strings.ToLower(s) {
	case "true", "yes", "on", "1", "enabled", "active", "allow":
		return true
	}
	return false
}

// hold / unhold a channel: it hears music on hold and nobody hears it.
func (m *Model) hold(c *Channel, on bool, moh string) {
	if c.Held == on {
		return
	}
	c.Held = on
	m.hearGen++
	if on {
		if moh == "" {
			moh = "default"
		}
		c.Heard = append(c.Heard, Heard{Kind: "moh", Value: moh, At: time.Now()})
		m.emit(m.ev(evHold, c))
		return
	}
	m.emit(m.ev(evUnhold, c))
}

// phoneHold is the party on c putting the call on hold from their own
// phone (a sendonly re-INVITE) or taking it off: nobody hears them while
// held, and the switch reports it (FreeSWITCH CHANNEL_HOLD, Asterisk
// ChannelHold) on c.
func (m *Model) phoneHold(c *Channel, on bool) {
	if c.Held == on {
		return
	}
	c.Held = on
	m.hearGen++
	k := evUnhold
	if on {
		k = evHold
	}
	ev := m.ev(k, c)
	ev.Phone = true
	m.emit(ev)
}

// fsHold is FreeSWITCH's uuid_hold / uuid_hold off (switch_ivr_hold,
// switch_ivr_unhold): the channel is silenced (nobody hears it, it hears
// nobody) and its hold music — temp_hold_music, else hold_music, else the
// default configuration's global local_stream://moh — is broadcast, looping,
// to its bridged partner. The held channel itself hears no music: a held
// caller with no partner (parked, waiting in a queue) hears silence.
// Unhold stops the partner's broadcast.
func (m *Model) fsHold(c *Channel, on bool) {
	if c.Held == on {
		return
	}
	c.Held = on
	m.hearGen++
	p := m.peer(c)
	if p != nil && (p.Link == c.ID || !p.alive()) {
		p = nil // a loopback partner is not a bridge partner
	}
	if !on {
		if p != nil && p.holdBcast != nil {
			m.stopExec(p, p.holdBcast)
		}
		m.emit(m.ev(evUnhold, c))
		return
	}
	if p != nil {
		stream := c.Vars.m["temp_hold_music"]
		if stream == "" {
			stream = c.Vars.m["hold_music"]
		}
		if stream == "" {
			stream = "local_stream://moh"
		}
		it := &execItem{App: "playback", Arg: stream, Lock: true, Loops: -1}
		p.holdBcast = it
		m.execute(p, it)
	}
	m.emit(m.ev(evHold, c))
}

// stopExec stops the application it on c: running, its playback ends;
// queued, it is dropped.
func (m *Model) stopExec(c *Channel, it *execItem) {
	c.holdBcast = nil
	for i, q := range c.queue {
		if q == it {
			c.queue = append(c.queue[:i:i], c.queue[i+1:]...)
			return
		}
	}
	for _, p := range m.plays {
		if p.Chan == c.ID && p.exec == it && (p.State == "playing" || p.State == "paused") {
			m.finishPlayback(p, "stopped")
		}
	}
}

// --- bridges ---

func (m *Model) newBridge(id string, f Front, typ, name string, implicit bool) *Bridge {
	if id == "" {
		id = newID()
	}
	b := &Bridge{ID: id, Front: f, Type: typ, Name: name, Created: time.Now(), implicit: implicit}
	m.bridges[id] = b
	m.hearGen++
	if !implicit {
		e := m.ev(evBridgeCreated, nil)
		e.Bridge = b
		m.emit(e)
	}
	return b
}

func (m *Model) destroyBridge(b *Bridge) {
	for _, id := range append([]string(nil), b.Channels...) {
		if c := m.ch(id); c != nil {
			m.leaveBridge(c, b)
		}
	}
	delete(m.bridges, b.ID)
	m.hearGen++
	if !b.implicit {
		e := m.ev(evBridgeDestroyed, nil)
		e.Bridge = b
		m.emit(e)
	}
}

func (m *Model) joinBridge(c *Channel, b *Bridge) {
	if c.Bridge == b.ID {
		return
	}
	if old := m.bridges[c.Bridge]; old != nil {
		m.leaveBridge(c, old)
	}
	c.Bridge = b.ID
	c.bridgedTime = time.Now()
	b.Channels = append(b.Channels, c.ID)
	m.hearGen++
	if c.Front == FrontAsterisk {
		e := m.ev(evBridge, c)
		e.Bridge = b
		m.emit(e)
	}
}

// leaveBridge removes c from b; FreeSWITCH pairs dissolve with their bridge.
func (m *Model) leaveBridge(c *Channel, b *Bridge) {
	idx := -1
	for i, id := range b.Channels {
		if id == c.ID {
			idx = i
		}
	}
	if idx < 0 {
		return
	}
	b.Channels = append(b.Channels[:idx:idx], b.Channels[idx+1:]...)
	m.hearGen++
	c.Bridge = ""
	if c.Front == FrontAsterisk {
		e := m.ev(evUnbridge, c)
		e.Bridge = b
		m.emit(e)
		return
	}
	if b.implicit {
		var other *Channel
		for _, id := range b.Channels {
			if o := m.chans[id]; o != nil {
				other = o
				o.Bridge = ""
			}
		}
		// FreeSWITCH clears bridge_uuid when a bridge ends.
		c.Vars.del("bridge_uuid")
		if other != nil {
			other.Vars.del("bridge_uuid")
		}
		b.Channels = nil
		m.hearGen++
		delete(m.bridges, b.ID)
		m.hearGen++
		a, z := c, other
		if other != nil && other.ID == b.Name {
			a, z = other, c
		}
		e := m.ev(evUnbridge, a)
		e.Other = z
		e.Bridge = b
		m.emit(e)
	}
}

// bridgePair is FreeSWITCH uuid_bridge: a and b leave what they run and are
// mixed together.
func (m *Model) bridgePair(a, z *Channel) {
	for _, c := range []*Channel{a, z} {
		if old := m.bridges[c.Bridge]; old != nil {
			m.leaveBridge(c, old)
		}
		if c.Conference != "" {
			m.leaveConference(c, "del-member")
		}
		m.stopApp(c)
	}
	b := m.newBridge("", FrontFreeSWITCH, "mixing", a.ID, true)
	for _, c := range []*Channel{a, z} {
		c.Bridge = b.ID
		c.bridgedTime = time.Now()
		b.Channels = append(b.Channels, c.ID)
		m.hearGen++
	}
	for _, c := range []*Channel{a, z} {
		if c.State != StateUp {
			m.answer(c)
		}
	}
	a.Vars.set("bridge_uuid", z.ID)
	z.Vars.set("bridge_uuid", a.ID)
	e := m.ev(evBridge, a)
	e.Other = z
	e.Bridge = b
	m.emit(e)
}

// --- conferences ---

func (m *Model) joinConference(c *Channel, room string, muted bool) {
	if c.Conference == room {
		return
	}
	if c.Conference != "" {
		m.leaveConference(c, "del-member")
	}
	if old := m.bridges[c.Bridge]; old != nil {
		m.leaveBridge(c, old)
	}
	cf := m.confs[room]
	if cf == nil {
		cf = &Conference{Name: room, UUID: newID(), Created: time.Now()}
		m.confs[room] = cf
		m.hearGen++
		e := m.ev(evConf, c)
		e.Conf, e.Action = cf, "conference-create"
		m.emit(e)
	}
	if c.State != StateUp {
		m.answer(c)
	}
	cf.nextID++
	mem := &confMember{ID: cf.nextID, Chan: c.ID, Muted: muted}
	cf.Members = append(cf.Members, mem)
	m.hearGen++
	c.Conference = room
	m.setApp(c, "conference", room)
	e := m.ev(evConf, c)
	e.Conf, e.Member, e.Action = cf, mem, "add-member"
	m.emit(e)
}

func (m *Model) leaveConference(c *Channel, action string) {
	cf := m.confs[c.Conference]
	c.Conference = ""
	if cf == nil {
		return
	}
	for i, mem := range cf.Members {
		if mem.Chan == c.ID {
			cf.Members = append(cf.Members[:i:i], cf.Members[i+1:]...)
			m.hearGen++
			e := m.ev(evConf, c)
			e.Conf, e.Member, e.Action = cf, mem, action
			m.emit(e)
			break
		}
	}
	if c.CurrentApp == "conference" {
		m.stopApp(c)
	}
	if len(cf.Members) == 0 {
		delete(m.confs, cf.Name)
		m.hearGen++
		e := m.ev(evConf, nil)
		e.Conf, e.Action = cf, "conference-destroy"
		m.emit(e)
	}
}

func (m *Model) muteMember(cf *Conference, mem *confMember, mute bool) {
	mem.Muted = mute
	m.hearGen++
	action := "unmute-member"
	if mute {
		action = "mute-member"
	}
	e := m.ev(evConf, m.chans[mem.Chan])
	e.Conf, e.Member, e.Action = cf, mem, action
	m.emit(e)
}

// --- FreeSWITCH dialplan applications on a channel ---

// setApp records the running application and announces it.
func (m *Model) setApp(c *Channel, app, data string) {
	if c.Front != FrontFreeSWITCH {
		return
	}
	m.stopApp(c)
	c.CurrentApp, c.AppData = app, data
	c.Vars.set("current_application", app)
	if data != "" {
		c.Vars.set("current_application_data", data)
	}
	id := c.appUUID
	c.appUUID = ""
	if id == "" {
		id = newID()
	}
	c.curAppUUID = id
	e := m.ev(evExecute, c)
	e.App, e.AppData, e.AppUUID = app, data, id
	m.emit(e)
	if app == "park" {
		m.emit(m.ev(evPark, c))
	}
}

// stopApp ends the long-running application of c (park, conference,
// eavesdrop) with its completion event.
func (m *Model) stopApp(c *Channel) {
	if c.CurrentApp == "" || c.Front != FrontFreeSWITCH {
		return
	}
	app := c.CurrentApp
	if app == "park" {
		m.emit(m.ev(evUnpark, c))
	}
	e := m.ev(evExecuteComplete, c)
	e.App, e.AppData, e.AppResp, e.AppUUID = app, c.AppData, "_none_", c.curAppUUID
	c.CurrentApp, c.AppData, c.curAppUUID = "", "", ""
	if app == "eavesdrop" {
		c.Spy = nil
		m.hearGen++
	}
	m.emit(e)
}

// park puts c into FreeSWITCH park (under ipcc control).
func (m *Model) park(c *Channel) {
	if old := m.bridges[c.Bridge]; old != nil {
		m.leaveBridge(c, old)
	}
	if c.Conference != "" {
		m.leaveConference(c, "del-member")
	}
	if c.CurrentApp == "park" {
		return
	}
	m.setApp(c, "park", "")
}

// runNextOrPark continues a FreeSWITCH channel after an application ended:
// ipcc channels wait in park.
func (m *Model) runNextOrPark(c *Channel) {
	if !c.alive() || c.Front != FrontFreeSWITCH || c.CurrentApp != "" || c.Bridge != "" || c.Conference != "" {
		return
	}
	if len(c.pending) > 0 {
		m.runPending(c)
		return
	}
	m.park(c)
}

// runPending runs the rest of an inline dialplan (uuid_transfer ... inline)
// until an application that keeps the channel (park, conference, eavesdrop,
// playback) takes over; the rest waits until that one ends.
func (m *Model) runPending(c *Channel) {
	for len(c.pending) > 0 && c.alive() {
		it := c.pending[0]
		c.pending = c.pending[1:]
		m.runApp(c, it)
		switch it.App {
		case "park", "conference", "eavesdrop", "playback", "play_and_get_digits", "sleep", "say":
			return
		}
	}
}

// setSpy makes c a spy (eavesdrop, snoop) and notes it in m.spies, where
// hangup looks for the spies of a channel that ends; m.mu must be held.
func (m *Model) setSpy(c *Channel, sp *spy) {
	c.Spy = sp
	m.spies[c] = struct{}{}
}

// eavesdrop starts a FreeSWITCH eavesdrop of spy on target.
func (m *Model) eavesdrop(s *Channel, target string) {
	m.setApp(s, "eavesdrop", target)
	m.setSpy(s, &spy{Target: target, Mode: "listen"})
	m.hearGen++
	m.applyEavesdropVars(s)
}
