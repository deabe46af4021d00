package sim

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// hdr is one ESL header; events keep header order as FreeSWITCH sends it.
type hdr struct{ k, v string }

// eslEvent is one rendered FreeSWITCH event.
type eslEvent struct {
	name     string
	subclass string
	hdrs     []hdr
	body     string
	// skip: no connection could want the event (see fire); it has no
	// headers and is not published.
	skip bool
}

func (e *eslEvent) add(k, v string) {
	if !e.skip {
		e.hdrs = append(e.hdrs, hdr{k, v})
	}
}

func (e *eslEvent) get(k string) string {
	for _, h := range e.hdrs {
		if strings.EqualFold(h.k, k) {
			return h.v
		}
	}
	return ""
}

// fsURLUnsafe are the bytes FreeSWITCH's switch_url_encode escapes.
const fsURLUnsafe = "\r\n \"#%&+:;<=>?@[\\]^`{|}"

// fsEscape[c] says whether switch_url_encode escapes byte c.
var fsEscape = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c < ' ' || c > '~' || strings.IndexByte(fsURLUnsafe, byte(c)) >= 0
	}
	return t
}()

// fsURLEncodedLen is len(fsURLEncode(s)).
func fsURLEncodedLen(s string) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		if fsEscape[s[i]] {
			n += 2
		}
	}
	return n
}

const upperHex = "0123456789ABCDEF"

// appendFSURLEncoded appends fsURLEncode(s) to b.
func appendFSURLEncoded(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if fsEscape[c] {
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
			continue
		}
		b = append(b, c)
	}
	return b
}

func fsURLEncode(s string) string {
	if fsURLEncodedLen(s) == len(s) {
		return s
	}
	return string(appendFSURLEncoded(make([]byte, 0, fsURLEncodedLen(s)), s))
}

// plain renders the text/event-plain body (values URL-encoded).
func (e *eslEvent) plain() string { return string(e.appendPlain(make([]byte, 0, e.plainLen()))) }

// plainLen is the length of the text/event-plain body, so that frame
// renders it into one buffer of the right size: an event is 3–6 KB, and
// building it line by line, then copying it twice, was a third of what the
// simulator allocated.
func (e *eslEvent) plainLen() int {
	n := 0
	for _, h := range e.hdrs {
		n += len(h.k) + 2 + fsURLEncodedLen(h.v) + 1
	}
	if e.body != "" {
		return n + len("Content-Length: ") + decimalLen(len(e.body)) + 2 + len(e.body)
	}
	return n + 1
}

func (e *eslEvent) appendPlain(b []byte) []byte {
	for _, h := range e.hdrs {
		b = append(b, h.k...)
		b = append(b, ": "...)
		b = appendFSURLEncoded(b, h.v)
		b = append(b, '\n')
	}
	if e.body != "" {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, int64(len(e.body)), 10)
		b = append(b, "\n\n"...)
		return append(b, e.body...)
	}
	return append(b, '\n')
}

func decimalLen(n int) int {
	d := 1
	for ; n >= 10; n /= 10 {
		d++
	}
	return d
}

// jsonBody renders the text/event-json body (values not encoded).
func (e *eslEvent) jsonBody() string {
	var b strings.Builder
	b.WriteString("{")
	for i, h := range e.hdrs {
		if i > 0 {
			b.WriteString(",")
		}
		k, _ := json.Marshal(h.k)
		v, _ := json.Marshal(h.v)
		b.Write(k)
		b.WriteString(":")
		b.Write(v)
	}
	if e.body != "" {
		v, _ := json.Marshal(e.body)
		fmt.Fprintf(&b, `,"Content-Length":"%d","_body":%s`, len(e.body), v)
	}
	b.WriteString("}")
	return b.String()
}

// frame renders the whole ESL message for a subscriber format.
func (e *eslEvent) frame(format string) []byte {
	var body, ct string
	switch format {
	case "json":
		body, ct = e.jsonBody(), "text/event-json"
	case "xml":
		body, ct = e.xmlBody(), "text/event-xml"
	default:
		n := e.plainLen()
		b := make([]byte, 0, len("Content-Length: \nContent-Type: text/event-plain\n\n")+decimalLen(n)+n)
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, int64(n), 10)
		b = append(b, "\nContent-Type: text/event-plain\n\n"...)
		return e.appendPlain(b)
	}
	return []byte(fmt.Sprintf("Content-Length: %d\nContent-Type: %s\n\n%s", len(body), ct, body))
}

func (e *eslEvent) xmlBody() string {
	var b strings.Builder
	b.WriteString("<event>\n  <headers>\n")
	for _, h := range e.hdrs {
		fmt.Fprintf(&b, "    <%s>%s</%s>\n", h.k, fsURLEncode(h.v), h.k)
	}
	b.WriteString("  </headers>\n")
	if e.body != "" {
		fmt.Fprintf(&b, "  <body>%s</body>\n", e.body)
	}
	b.WriteString("</event>")
	return b.String()
}

func usec(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return strconv.FormatInt(t.UnixMicro(), 10)
}

// fire starts an event that the switch fires at `at` to its subscribers:
// base, or, when no connection could want it, an event that only took its
// Event-Sequence (FreeSWITCH numbers every event it fires, so the numbers
// on the wire keep their gaps) and that add, chanHeaders and publish skip.
// At 500 originates/s most of the events of a leg (CHANNEL_CREATE,
// CHANNEL_HANGUP, CHANNEL_DESTROY, API) are wanted by nobody, and rendering
// their hundred headers anyway was most of the simulator's work.
func (s *eslServer) fire(name, subclass, file, fn string, line int, at time.Time) *eslEvent {
	if !s.anyMayWant(name, subclass) {
		s.seq++
		return &eslEvent{name: name, subclass: subclass, skip: true}
	}
	return s.base(name, subclass, file, fn, line, at)
}

// base starts an event with the core headers every FreeSWITCH event has.
func (s *eslServer) base(name, subclass, file, fn string, line int, at time.Time) *eslEvent {
	e := &eslEvent{name: name, subclass: subclass, hdrs: make([]hdr, 0, 16)}
	if subclass != "" {
		e.add("Event-Subclass", subclass)
	}
	e.add("Event-Name", name)
	e.add("Core-UUID", s.coreUUID)
	e.add("FreeSWITCH-Hostname", s.opts.Hostname)
	e.add("FreeSWITCH-Switchname", s.opts.Hostname)
	e.add("FreeSWITCH-IPv4", "127.0.0.1")
	e.add("FreeSWITCH-IPv6", "::1")
	local, gmt := s.dates(at)
	e.add("Event-Date-Local", local)
	e.add("Event-Date-GMT", gmt)
	e.add("Event-Date-Timestamp", usec(at))
	e.add("Event-Calling-File", file)
	e.add("Event-Calling-Function", fn)
	e.add("Event-Calling-Line-Number", strconv.Itoa(line))
	s.seq++
	e.add("Event-Sequence", strconv.FormatUint(s.seq, 10))
	return e
}

// dates renders Event-Date-Local and Event-Date-GMT, which change once a
// second: the last second's are kept (m.mu held, like s.seq).
func (s *eslServer) dates(at time.Time) (local, gmt string) {
	sec := at.Unix()
	if sec != s.dateSec || s.dateLocal == "" || at.Location() != s.dateLoc {
		s.dateSec, s.dateLoc = sec, at.Location()
		s.dateLocal = at.Format("2006-01-02 15:04:05")
		s.dateGMT = at.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")
	}
	return s.dateLocal, s.dateGMT
}

// phase selects the channel state shown in an event.
type phase int

const (
	phaseLive phase = iota
	phaseCreate
	phaseHangup
	phaseReport
	phaseDestroy
)

func fsStates(c *Channel, p phase) (state string, num int, call, answer string) {
	switch p {
	case phaseCreate:
		state, num = "CS_INIT", 1
	case phaseHangup:
		state, num = "CS_HANGUP", 10
	case phaseReport:
		state, num = "CS_REPORTING", 11
	case phaseDestroy:
		state, num = "CS_DESTROY", 12
	default:
		state, num = "CS_EXECUTE", 4
	}
	switch {
	case p >= phaseHangup || c.hanging:
		call, answer = "HANGUP", "hangup"
	case c.State == StateUp && c.Held && !c.heldNoState:
		call, answer = "HELD", "answered"
	case c.State == StateUp:
		call, answer = "ACTIVE", "answered"
	case c.State == StateRinging:
		call, answer = "RINGING", "ringing"
	default:
		call, answer = "DOWN", "ringing"
	}
	return
}

// chanHeaders adds the channel block (Channel-*, Caller-*, optional
// Other-Leg-* and variables) in FreeSWITCH's order.
func (s *eslServer) chanHeaders(e *eslEvent, c *Channel, p phase, other *Channel, otherType string, withVars bool) {
	if e.skip {
		return
	}
	grow := 60
	if other != nil {
		grow += 30
	}
	if withVars {
		grow += len(c.Vars.keys)
	}
	e.hdrs = slices.Grow(e.hdrs, grow)
	state, num, call, answer := fsStates(c, p)
	dir := "outbound"
	if c.Inbound {
		dir = "inbound"
	}
	e.add("Channel-State", state)
	e.add("Channel-Call-State", call)
	e.add("Channel-State-Number", strconv.Itoa(num))
	e.add("Channel-Name", c.Name)
	e.add("Unique-ID", c.ID)
	e.add("Call-Direction", dir)
	e.add("Presence-Call-Direction", dir)
	e.add("Channel-HIT-Dialplan", strconv.FormatBool(c.Inbound))
	e.add("Channel-Call-UUID", c.ID)
	e.add("Answer-State", answer)
	if c.hanging || p >= phaseHangup {
		e.add("Hangup-Cause", c.Cause)
	}
	e.add("Channel-Read-Codec-Name", "PCMU")
	e.add("Channel-Read-Codec-Rate", "8000")
	e.add("Channel-Read-Codec-Bit-Rate", "64000")
	e.add("Channel-Write-Codec-Name", "PCMU")
	e.add("Channel-Write-Codec-Rate", "8000")
	e.add("Channel-Write-Codec-Bit-Rate", "64000")
	s.profile(e, "Caller-", c, true)
	if other != nil {
		e.add("Other-Type", otherType)
		s.profile(e, "Other-Leg-", other, false)
	}
	if withVars {
		for _, k := range c.Vars.keys {
			e.add(s.varKey(k), c.Vars.m[k])
		}
	}
}

// varKey is "variable_"+k, kept for the names seen (m.mu held, like
// s.seq): a channel event carries every variable of its channel, and the
// names repeat from channel to channel.
func (s *eslServer) varKey(k string) string {
	if h, ok := s.varKeys[k]; ok {
		return h
	}
	h := "variable_" + k
	if len(s.varKeys) < 4096 {
		if s.varKeys == nil {
			s.varKeys = map[string]string{}
		}
		s.varKeys[k] = h
	}
	return h
}

// profile renders a caller profile (Caller-* or Other-Leg-*).
func (s *eslServer) profile(e *eslEvent, pre string, c *Channel, full bool) {
	k := profileKeys(pre)
	dir := "outbound"
	if c.Inbound {
		dir = "inbound"
	}
	source := "mod_sofia"
	if strings.HasPrefix(c.Name, "loopback/") {
		source = "mod_loopback"
	}
	e.add(k[pkDirection], dir)
	e.add(k[pkLogicalDirection], dir)
	e.add(k[pkDialplan], "xml")
	if c.ANIName != "" {
		e.add(k[pkCallerIDName], c.ANIName)
	}
	e.add(k[pkCallerIDNumber], c.ANI)
	if full && c.ANIName != "" {
		e.add(k[pkOrigCallerIDName], c.ANIName)
	}
	e.add(k[pkOrigCallerIDNumber], c.ANI)
	if !c.Inbound {
		e.add(k[pkCalleeIDNumber], c.DNIS)
	}
	e.add(k[pkANI], c.ANI)
	e.add(k[pkDestinationNumber], c.DNIS)
	e.add(k[pkUniqueID], c.ID)
	e.add(k[pkSource], source)
	e.add(k[pkContext], c.Context)
	e.add(k[pkChannelName], c.Name)
	if full {
		e.add(k[pkProfileIndex], "1")
	}
	created := usec(c.Created)
	e.add(k[pkProfileCreatedTime], created)
	e.add(k[pkChannelCreatedTime], created)
	e.add(k[pkChannelAnsweredTime], usec(c.Answered))
	e.add(k[pkChannelProgressTime], created)
	e.add(k[pkChannelProgressMediaTime], "0")
	e.add(k[pkChannelHangupTime], usec(c.Ended))
	e.add(k[pkChannelTransferTime], "0")
	e.add(k[pkChannelResurrectTime], "0")
	e.add(k[pkChannelBridgedTime], usec(c.bridgedTime))
	e.add(k[pkChannelLastHold], "0")
	e.add(k[pkChannelHoldAccum], "0")
	if full {
		e.add(k[pkScreenBit], "true")
		e.add(k[pkPrivacyHideName], "false")
		e.add(k[pkPrivacyHideNumber], "false")
	} else {
		e.add(k[pkScreenBit], "true")
		e.add(k[pkPrivacyHideName], "false")
		e.add(k[pkPrivacyHideNumber], "false")
	}
}

const (
	pkDirection = iota
	pkLogicalDirection
	pkDialplan
	pkCallerIDName
	pkCallerIDNumber
	pkOrigCallerIDName
	pkOrigCallerIDNumber
	pkCalleeIDNumber
	pkANI
	pkDestinationNumber
	pkUniqueID
	pkSource
	pkContext
	pkChannelName
	pkProfileIndex
	pkProfileCreatedTime
	pkChannelCreatedTime
	pkChannelAnsweredTime
	pkChannelProgressTime
	pkChannelProgressMediaTime
	pkChannelHangupTime
	pkChannelTransferTime
	pkChannelResurrectTime
	pkChannelBridgedTime
	pkChannelLastHold
	pkChannelHoldAccum
	pkScreenBit
	pkPrivacyHideName
	pkPrivacyHideNumber
	pkCount
)

// profileNames are the caller-profile header names after their prefix
// ("Caller-", "Other-Leg-"), indexed by the pk constants.
var profileNames = [pkCount]string{"Direction", "Logical-Direction", "Dialplan", "Caller-ID-Name", "Caller-ID-Number", "Orig-Caller-ID-Name", "Orig-Caller-ID-Number", "Callee-ID-Number", "ANI", "Destination-Number", "Unique-ID", "Source", "Context", "Channel-Name", "Profile-Index", "Profile-Created-Time", "Channel-Created-Time", "Channel-Answered-Time", "Channel-Progress-Time", "Channel-Progress-Media-Time", "Channel-Hangup-Time", "Channel-Transfer-Time", "Channel-Resurrect-Time", "Channel-Bridged-Time", "Channel-Last-Hold", "Channel-Hold-Accum", "Screen-Bit", "Privacy-Hide-Name", "Privacy-Hide-Number"}

// callerKeys and otherLegKeys are the prefixed names, made once: a channel
// event renders one or two profiles of ~30 headers, and concatenating each
// name again was a tenth of the simulator's allocations.
var callerKeys, otherLegKeys = prefixed("Caller-"), prefixed("Other-Leg-")

func prefixed(pre string) *[pkCount]string {
	var k [pkCount]string
	for i, n := range profileNames {
		k[i] = pre + n
	}
	return &k
}

func profileKeys(pre string) *[pkCount]string {
	switch pre {
	case "Caller-":
		return callerKeys
	case "Other-Leg-":
		return otherLegKeys
	}
	return prefixed(pre)
}

// fsBaseVars gives a new FreeSWITCH channel the variables FreeSWITCH sets
// on every session.
func fsBaseVars(c *Channel) {
	dir := "outbound"
	if c.Inbound {
		dir = "inbound"
	}
	for _, kv := range [][2]string{
		{"direction", dir}, {"uuid", c.ID}, {"session_id", strconv.Itoa(c.seq)},
		{"channel_name", c.Name}, {"read_codec", "PCMU"}, {"read_rate", "8000"},
		{"write_codec", "PCMU"}, {"write_rate", "8000"},
	} {
		if _, ok := c.Vars.get(kv[0]); !ok {
			c.Vars.set(kv[0], kv[1])
		}
	}
	if _, ok := c.Vars.get("call_uuid"); !ok {
		c.Vars.set("call_uuid", c.ID)
	}
}

// render turns a model event into the FreeSWITCH events it causes.
func (s *eslServer) render(me *mEvent) []*eslEvent {
	c := me.Ch
	if c != nil && c.Front != FrontFreeSWITCH {
		return nil
	}
	at := me.At
	chanEv := func(name, file, fn string, line int, p phase) *eslEvent {
		e := s.fire(name, "", file, fn, line, at)
		s.chanHeaders(e, c, p, nil, "", true)
		return e
	}
	switch me.Kind {
	case evCreate:
		fsBaseVars(c)
		return []*eslEvent{chanEv("CHANNEL_CREATE", "switch_core_state_machine.c", "switch_core_session_run", 626, phaseCreate)}
	case evRinging:
		return []*eslEvent{chanEv("CHANNEL_PROGRESS", "switch_channel.c", "switch_channel_perform_mark_ring_ready_value", 3764, phaseLive)}
	case evAnswer:
		return []*eslEvent{chanEv("CHANNEL_ANSWER", "switch_channel.c", "switch_channel_perform_mark_answered", 3964, phaseLive)}
	case evPark:
		return []*eslEvent{chanEv("CHANNEL_PARK", "switch_ivr.c", "switch_ivr_park", 1002, phaseLive)}
	case evUnpark:
		return []*eslEvent{chanEv("CHANNEL_UNPARK", "switch_ivr.c", "switch_ivr_park", 1233, phaseLive)}
	case evExecute:
		e := chanEv("CHANNEL_EXECUTE", "switch_core_session.c", "switch_core_session_exec", 2949, phaseLive)
		e.add("Application", me.App)
		if me.AppData != "" {
			e.add("Application-Data", me.AppData)
		}
		e.add("Application-UUID", me.AppUUID)
		return []*eslEvent{e}
	case evExecuteComplete:
		e := chanEv("CHANNEL_EXECUTE_COMPLETE", "switch_core_session.c", "switch_core_session_exec", 3004, phaseLive)
		e.add("Application", me.App)
		if me.AppData != "" {
			e.add("Application-Data", me.AppData)
		}
		e.add("Application-Response", me.AppResp)
		if me.AppUUID == "" {
			me.AppUUID = newID()
		}
		e.add("Application-UUID", me.AppUUID)
		return []*eslEvent{e}
	case evDTMF:
		e := s.fire("DTMF", "", "switch_channel.c", "switch_channel_queue_dtmf", 515, at)
		s.chanHeaders(e, c, phaseLive, nil, "", false)
		e.add("DTMF-Digit", me.Digit)
		e.add("DTMF-Duration", "2000")
		e.add("DTMF-Source", me.Source)
		return []*eslEvent{e}
	case evPlaybackStart, evPlaybackStop:
		p := me.Playback
		if c == nil || p.Front != FrontFreeSWITCH {
			return nil
		}
		name, line := "PLAYBACK_START", 1534
		if me.Kind == evPlaybackStop {
			name, line = "PLAYBACK_STOP", 2056
		}
		e := chanEv(name, "switch_ivr_play_say.c", "switch_ivr_play_file", line, phaseLive)
		typ, _, ok := strings.Cut(p.URI, "://")
		if !ok {
			typ = "file"
		}
		e.add("Playback-File-Type", typ)
		e.add("Playback-File-Path", p.URI)
		// FreeSWITCH merges the {k=v} file parameters into the event.
		for _, kv := range p.Params {
			e.add(kv[0], kv[1])
		}
		if me.Kind == evPlaybackStop {
			e.add("Playback-Status", p.Status)
		}
		return []*eslEvent{e}
	case evRecordStart, evRecordStop:
		r := me.Recording
		if c == nil {
			return nil
		}
		if me.Kind == evRecordStart {
			e := chanEv("RECORD_START", "switch_ivr_async.c", "record_callback", 1403, phaseLive)
			e.add("Record-File-Path", r.Path)
			return []*eslEvent{e}
		}
		e := chanEv("RECORD_STOP", "switch_ivr_async.c", "record_callback", 1531, phaseLive)
		e.add("Record-File-Path", r.Path)
		e.add("Record-Completion-Cause", "success")
		return []*eslEvent{e}
	case evBridge, evUnbridge:
		if me.Other == nil {
			return nil
		}
		name, line := "CHANNEL_BRIDGE", 1689
		if me.Kind == evUnbridge {
			name, line = "CHANNEL_UNBRIDGE", 1848
		}
		e := s.fire(name, "", "switch_ivr_bridge.c", "switch_ivr_multi_threaded_bridge", line, at)
		e.add("Bridge-A-Unique-ID", c.ID)
		e.add("Bridge-B-Unique-ID", me.Other.ID)
		s.chanHeaders(e, c, phaseLive, me.Other, "originatee", true)
		return []*eslEvent{e}
	case evHold, evUnhold:
		name := "CHANNEL_HOLD"
		if me.Kind == evUnhold {
			name = "CHANNEL_UNHOLD"
		}
		e := s.fire(name, "", "switch_ivr.c", "switch_ivr_hold", 1449, at)
		other := s.m.peer(c)
		s.chanHeaders(e, c, phaseLive, other, "originatee", true)
		return []*eslEvent{e}
	case evHangupRequest:
		return []*eslEvent{chanEv("CHANNEL_HANGUP", "switch_channel.c", "switch_channel_perform_hangup", 3421, phaseHangup)}
	case evHangup:
		a := s.fire("CHANNEL_HANGUP_COMPLETE", "", "switch_core_state_machine.c", "switch_core_session_reporting_state", 954, at)
		a.add("Hangup-Cause", c.Cause)
		s.chanHeaders(a, c, phaseReport, nil, "", true)
		b := chanEv("CHANNEL_DESTROY", "switch_core_session.c", "switch_core_session_perform_destroy", 1699, phaseDestroy)
		return []*eslEvent{a, b}
	case evConf:
		return s.renderConf(me)
	case evAMD:
		return s.renderAMD(me)
	case evVarSet, evStasisStart, evStasisEnd, evBridgeCreated, evBridgeDestroyed, evDial:
		return nil
	}
	return nil
}

func (s *eslServer) renderConf(me *mEvent) []*eslEvent {
	cf := me.Conf
	e := s.fire("CUSTOM", "conference::maintenance", "mod_conference.c", "conference_member_add_event_data", 1153, me.At)
	e.add("Conference-Name", cf.Name)
	e.add("Conference-Domain", "default")
	e.add("Conference-Size", strconv.Itoa(len(cf.Members)))
	e.add("Conference-Ghosts", "0")
	e.add("Conference-Profile-Name", "default")
	e.add("Conference-Unique-ID", cf.UUID)
	if me.Member != nil && me.Ch != nil {
		e.add("Floor", "false")
		s.chanHeaders(e, me.Ch, phaseLive, nil, "", false)
		speak := strconv.FormatBool(!me.Member.Muted)
		for _, kv := range [][2]string{{"Video", "false"}, {"Hear", "true"}, {"See", "true"}, {"Speak", speak},
			{"Talking", "false"}, {"Mute-Detect", "false"}, {"Hold", "false"}, {"Member-ID", strconv.Itoa(me.Member.ID)},
			{"Member-Type", "member"}, {"Member-Ghost", "false"}, {"Energy-Level", "100"}, {"Current-Energy", "0"}} {
			e.add(kv[0], kv[1])
		}
	}
	e.add("Action", me.Action)
	return []*eslEvent{e}
}
