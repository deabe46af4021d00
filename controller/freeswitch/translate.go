package freeswitch

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ipcc/ipcc/controller"
)

// legState is what the translator knows about one leg ipcc controls.
type legState struct {
	arrived    bool // CallArrived emitted (or the leg was originated by ipcc)
	originated bool
	seen       bool      // an event of the leg arrived (the switch has it)
	name       string    // Channel-Name ("sofia/...", "loopback/...")
	since      time.Time // when ipcc sent the originate
	ringing    bool
	answered   bool
	released   bool             // transferred back to the dialplan: no more events
	killed     controller.Cause // set when ipcc asked for the hangup
	room       string           // conference the leg is in
	member     string           // its conference member id
	spyTarget  string           // eavesdrop target while this leg spies
	spyMode    controller.EavesdropMode
	swallow    []string // DTMF digits ipcc injected (eavesdrop mode switches)
	holdApp    string   // Application-UUID of the music on hold playing to it (see hold.go)
	holdOn     bool     // Hold was emitted for holdApp
}

// appRef names what an Application-UUID (our sendmsg Event-UUID) belongs to.
type appRef struct {
	leg       string
	playback  string // playback id ("" for the eavesdrop app)
	index     int    // item index within the playback
	eavesdrop bool
	hold      bool // the leg's music on hold
}

type playState struct {
	leg      string
	items    int
	started  bool
	stopping bool
}

type recState struct {
	id string
}

// translator turns FreeSWITCH events into neutral controller events. It owns
// every piece of per-leg state the translation needs; commands register what
// they are about to cause (playback ids, recordings, originate jobs, our own
// hangups) before they are sent, so no event can race its command.
//
// All methods lock mu; translate is called in Event-Sequence order by the
// single ordering goroutine, and emit hands the results to the output queue
// while still holding mu so resync output and live output never interleave
// out of order.
type translator struct {
	sw       string
	didVar   string
	prefixes []string
	emit     func([]controller.Event)
	onAdopt  func(leg string) // called (under mu, must not block) for a newly parked leg
	now      func() time.Time
	// originateGrace is how long an originated leg with no event yet is
	// not looked for on the switch (it may not exist yet).
	originateGrace time.Duration

	mu    sync.Mutex
	legs  map[string]*legState
	ended map[string]time.Time // legs that hung up (dedupe late events, BACKGROUND_JOB)
	apps  map[string]appRef    // Application-UUID → what we executed
	plays map[string]*playState
	recs  map[string]recState // leg + "\x00" + path → recording
	jobs  map[string]string   // bgapi Job-UUID → originated leg
	// legJobs: the jobs of each leg in jobs, so a leg's end drops its own
	// without a scan of every outstanding originate (a dialer at 500/s with
	// 30 s of ringing has 15,000 outstanding).
	legJobs map[string][]string
}

func newTranslator(sw, didVar string, prefixes []string, emit func([]controller.Event)) *translator {
	return &translator{
		sw:             sw,
		didVar:         didVar,
		prefixes:       prefixes,
		emit:           emit,
		now:            time.Now,
		originateGrace: 5 * time.Second,
		legs:           map[string]*legState{},
		ended:          map[string]time.Time{},
		apps:           map[string]appRef{},
		plays:          map[string]*playState{},
		recs:           map[string]recState{},
		jobs:           map[string]string{},
		legJobs:        map[string][]string{},
	}
}

// handle translates one event and emits the result.
func (t *translator) handle(e *fsEvent) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if out := t.translate(e, nil); len(out) > 0 {
		t.emit(out)
	}
}

func (t *translator) base(e *fsEvent, typ controller.EventType, leg string) controller.Event {
	return controller.Event{Type: typ, Switch: t.sw, Leg: leg, Time: e.time()}
}

// translate appends the neutral events for e to out. Caller holds mu.
func (t *translator) translate(e *fsEvent, out []controller.Event) []controller.Event {
	uuid := e.get("Unique-ID")
	l := t.legs[uuid]
	if l == nil && uuid != "" && ownedMark(e, uuid) && !t.isEnded(uuid) {
		// A leg ipcc marked as its own (before a reconnect or a restart):
		// keep following it. Resync re-announces it with CallArrived.
		l = &legState{arrived: true}
		t.legs[strings.Clone(uuid)] = l // not a pointer into the event's body, kept as long as the leg
	}
	if l != nil {
		l.seen = true
		if n := e.get("Channel-Name"); n != "" && n != l.name {
			l.name = strings.Clone(n)
		}
	}
	if l != nil && l.released {
		switch e.name() {
		case "CHANNEL_PARK": // parked again by the dialplan: may be handed back below
		case "CHANNEL_HANGUP_COMPLETE": // gone: forget it without a word
			t.forget(uuid)
			return out
		default:
			return out
		}
	}
	switch e.name() {
	case "CHANNEL_PARK":
		// A released leg parked again is a new arrival only when the park
		// happened after the transfer: a park produced before it (e.g. by
		// park_after_bridge) still carries the ipcc_owned mark, which the
		// transfer itself clears as its first step, and is stale.
		stale := l != nil && l.released && ownedMark(e, uuid)
		if (l == nil || l.released) && !stale && uuid != "" && !t.isEnded(uuid) {
			if did := e.get("variable_" + t.didVar); did != "" {
				l = &legState{arrived: true, answered: e.get("Answer-State") == "answered", seen: true, name: strings.Clone(e.get("Channel-Name"))}
				t.legs[strings.Clone(uuid)] = l
				out = append(out, t.arrival(e, uuid))
				if t.onAdopt != nil {
					t.onAdopt(uuid)
				}
			}
		}
	case "CHANNEL_PROGRESS", "CHANNEL_PROGRESS_MEDIA":
		if l != nil && !l.ringing && !l.answered {
			l.ringing = true
			out = append(out, t.base(e, controller.EventRinging, uuid))
		}
	case "CHANNEL_ANSWER":
		if l != nil && !l.answered {
			l.answered = true
			out = append(out, t.base(e, controller.EventAnswered, uuid))
		}
	case "DTMF":
		if l != nil {
			d := e.get("DTMF-Digit")
			if len(l.swallow) > 0 && l.swallow[0] == d {
				l.swallow = l.swallow[1:]
				break
			}
			ev := t.base(e, controller.EventDTMF, uuid)
			ev.Digit = d
			out = append(out, ev)
		}
	case "CHANNEL_EXECUTE":
		if ref, ok := t.apps[e.get("Application-UUID")]; ok && ref.playback != "" {
			out = t.playStarted(e, ref.leg, ref.playback, out)
		}
	case "PLAYBACK_START":
		if id := e.get("ipcc_playback_id"); id != "" && l != nil {
			out = t.playStarted(e, uuid, id, out)
		}
	case "PLAYBACK_STOP":
		if id := e.get("ipcc_playback_id"); id != "" && l != nil {
			idx, err := strconv.Atoi(e.get("ipcc_playback_item"))
			if err != nil {
				idx = -1
			}
			out = t.playMaybeFinished(e, id, idx, "", out)
		}
	case "CHANNEL_EXECUTE_COMPLETE":
		appID := e.get("Application-UUID")
		ref, ok := t.apps[appID]
		if !ok || ref.hold {
			// Music on hold loops: each loop completes with the same
			// Application-UUID (see hold.go); it ends with Unhold.
			break
		}
		delete(t.apps, appID)
		if ref.eavesdrop {
			if sl := t.legs[ref.leg]; sl != nil {
				sl.spyTarget, sl.spyMode, sl.swallow = "", 0, nil
			}
			break
		}
		resp := e.get("Application-Response")
		if resp == "FILE PLAYED" || resp == "_none_" {
			resp = ""
		}
		out = t.playMaybeFinished(e, ref.playback, ref.index, resp, out)
	case "RECORD_START":
		if l != nil {
			path := e.get("Record-File-Path")
			ev := t.base(e, controller.EventRecordingStarted, uuid)
			ev.RecordingID, ev.Path = t.recID(uuid, path), path
			out = append(out, ev)
		}
	case "RECORD_STOP":
		if l != nil {
			path := e.get("Record-File-Path")
			ev := t.base(e, controller.EventRecordingFinished, uuid)
			ev.RecordingID, ev.Path = t.recID(uuid, path), path
			if ms, err := strconv.ParseInt(e.get("variable_record_ms"), 10, 64); err == nil {
				ev.Duration = time.Duration(ms) * time.Millisecond
			}
			for k, r := range t.recs {
				if r.id == ev.RecordingID && strings.HasPrefix(k, uuid+"\x00") {
					delete(t.recs, k)
				}
			}
			out = append(out, ev)
		}
	case "CHANNEL_BRIDGE", "CHANNEL_UNBRIDGE":
		typ := controller.EventBridged
		if e.name() == "CHANNEL_UNBRIDGE" {
			typ = controller.EventUnbridged
		}
		other := e.get("Other-Leg-Unique-ID")
		if other == "" {
			other = e.get("Bridge-B-Unique-ID")
		}
		for _, pair := range [2][2]string{{uuid, other}, {other, uuid}} {
			if pl := t.legs[pair[0]]; pl != nil && pair[0] != "" && !pl.released {
				ev := t.base(e, typ, pair[0])
				ev.OtherLeg = pair[1]
				out = append(out, ev)
			}
		}
	case "CHANNEL_HOLD":
		if l != nil {
			out = append(out, t.base(e, controller.EventHold, uuid))
		}
	case "CHANNEL_UNHOLD":
		if l != nil {
			out = append(out, t.base(e, controller.EventUnhold, uuid))
		}
	case "CHANNEL_HANGUP_COMPLETE":
		if l != nil {
			cause := controller.Cause(e.get("Hangup-Cause"))
			if cause == "" {
				cause = controller.Cause(e.get("variable_hangup_cause"))
			}
			side := hangupSide(l.killed != "", e.get("variable_sip_hangup_disposition"),
				cause, e.get("variable_bridge_hangup_cause") != "")
			out = t.hungUp(e.time(), uuid, cause, side, "", out)
		}
	case "CUSTOM":
		if e.get("Event-Subclass") == amdEvent && l != nil {
			ev := t.base(e, controller.EventMachineDetected, uuid)
			ev.Machine = controller.MachineResult(e.get("variable_amd_result"))
			ev.MachineCause = e.get("variable_amd_cause")
			out = append(out, ev)
		}
		if e.get("Event-Subclass") == "conference::maintenance" && l != nil {
			room := e.get("Conference-Name")
			switch e.get("Action") {
			case "add-member":
				l.room, l.member = room, e.get("Member-ID")
				ev := t.base(e, controller.EventConferenceJoined, uuid)
				ev.Room = room
				out = append(out, ev)
			case "del-member":
				l.room, l.member = "", ""
				ev := t.base(e, controller.EventConferenceLeft, uuid)
				ev.Room = room
				out = append(out, ev)
			}
		}
	case "BACKGROUND_JOB":
		out = t.jobDone(e, out)
	}
	return out
}

// ownedMark reports whether the leg uuid carries ipcc's ownership mark
// (variable ipcc_owned), set on the legs ipcc takes over or originates. The
// mark is the leg's own uuid: FreeSWITCH copies an originate's {variables}
// to the far half of a loopback pair, so a mark naming another leg was
// inherited (e.g. by the phone side of a loopback agent leg), and that leg
// is not ipcc's. "true" is the mark of earlier ipcc versions; it counts
// unless origination_uuid names another leg (inherited the same way).
func ownedMark(e *fsEvent, uuid string) bool {
	switch v := e.get("variable_ipcc_owned"); v {
	case "":
		return false
	case uuid:
		return true
	case "true":
		o := e.get("variable_origination_uuid")
		return o == "" || o == uuid
	}
	return false
}

// recID names the recording of leg written to path; when the switch wrote
// elsewhere than asked (a relative or unwritable path), the leg's only
// running recording.
func (t *translator) recID(leg, path string) string {
	if r, ok := t.recs[leg+"\x00"+path]; ok {
		return r.id
	}
	id := ""
	for k, r := range t.recs {
		if strings.HasPrefix(k, leg+"\x00") {
			if id != "" {
				return ""
			}
			id = r.id
		}
	}
	return id
}

// arrival builds CallArrived from a CHANNEL_PARK event or a uuid_dump.
func (t *translator) arrival(e *fsEvent, uuid string) controller.Event {
	ev := t.base(e, controller.EventCallArrived, uuid)
	ev.ANI = e.get("Caller-Caller-ID-Number")
	ev.ANIName = e.get("Caller-Caller-ID-Name")
	ev.DNIS = e.get("variable_" + t.didVar)
	if ev.DNIS == "" {
		ev.DNIS = e.get("Caller-Destination-Number")
	}
	ev.Vars = e.variables(t.prefixes)
	return ev
}

func (t *translator) playStarted(e *fsEvent, leg, id string, out []controller.Event) []controller.Event {
	p := t.plays[id]
	if p == nil || p.started || p.leg != leg {
		return out
	}
	p.started = true
	ev := t.base(e, controller.EventPlaybackStarted, leg)
	ev.PlaybackID = id
	return append(out, ev)
}

// playMaybeFinished ends playback id when item idx was its last item, when
// ipcc stopped it, when it failed, or when the leg is hanging up (FreeSWITCH
// flushes the queued items then).
func (t *translator) playMaybeFinished(e *fsEvent, id string, idx int, errText string, out []controller.Event) []controller.Event {
	p := t.plays[id]
	if p == nil {
		return out
	}
	hangup := e.get("Answer-State") == "hangup"
	if idx != p.items-1 && !p.stopping && !hangup {
		return out
	}
	if hangup && errText == "" && idx != p.items-1 {
		errText = "hangup"
	}
	return t.finishPlay(e.time(), id, errText, out)
}

func (t *translator) finishPlay(at time.Time, id, errText string, out []controller.Event) []controller.Event {
	p := t.plays[id]
	if p == nil {
		return out
	}
	delete(t.plays, id)
	for k, ref := range t.apps {
		if ref.playback == id {
			delete(t.apps, k)
		}
	}
	if !p.started {
		// Never started: still tell the caller it is over.
		ev := controller.Event{Type: controller.EventPlaybackStarted, Switch: t.sw, Leg: p.leg, Time: at, PlaybackID: id}
		out = append(out, ev)
	}
	ev := controller.Event{Type: controller.EventPlaybackFinished, Switch: t.sw, Leg: p.leg, Time: at, PlaybackID: id, Err: errText}
	return append(out, ev)
}

// hungUp emits HungUp once per leg, after finishing its open playbacks.
func (t *translator) hungUp(at time.Time, leg string, cause controller.Cause, side controller.HangupSide, errText string, out []controller.Event) []controller.Event {
	if t.isEnded(leg) {
		return out
	}
	for id, p := range t.plays {
		if p.leg == leg {
			out = t.finishPlay(at, id, "hangup", out)
		}
	}
	for k := range t.recs {
		if strings.HasPrefix(k, leg+"\x00") {
			delete(t.recs, k)
		}
	}
	t.forget(leg)
	if cause == "" {
		cause = controller.CauseNormalUnspecified
	}
	ev := controller.Event{Type: controller.EventHungUp, Switch: t.sw, Leg: leg, Time: at, Cause: cause, HangupBy: side, Err: errText}
	return append(out, ev)
}

// forget drops every piece of state of a leg that ended.
func (t *translator) forget(leg string) {
	for k, ref := range t.apps {
		if ref.leg == leg {
			delete(t.apps, k)
		}
	}
	for _, job := range t.legJobs[leg] {
		delete(t.jobs, job)
	}
	delete(t.legJobs, leg)
	delete(t.legs, leg)
	// A copy: leg may point into the event it was read from (see
	// parsePlainEventOwned), and this entry stays 10 minutes — holding
	// every hung-up leg's last event body (3–6 KB) as long.
	t.ended[strings.Clone(leg)] = t.now()
}

// dropJob forgets one job of leg.
func (t *translator) dropJob(job, leg string) {
	delete(t.jobs, job)
	js := t.legJobs[leg]
	for i, j := range js {
		if j == job {
			js = append(js[:i], js[i+1:]...)
			break
		}
	}
	if len(js) == 0 {
		delete(t.legJobs, leg)
	} else {
		t.legJobs[leg] = js
	}
}

func (t *translator) isEnded(leg string) bool {
	_, ok := t.ended[leg]
	return ok
}

var originationUUIDRe = regexp.MustCompile(`origination_uuid=([^,}\]\s]+)`)

// jobDone handles a BACKGROUND_JOB: a failed originate ("-ERR USER_BUSY")
// becomes HungUp on the leg when no hangup was seen for it and the leg
// never answered.
func (t *translator) jobDone(e *fsEvent, out []controller.Event) []controller.Event {
	job := e.get("Job-UUID")
	leg, ok := t.jobs[job]
	if ok {
		t.dropJob(job, leg)
	}
	if !ok && e.get("Job-Command") == "originate" {
		if m := originationUUIDRe.FindStringSubmatch(e.get("Job-Command-Arg")); m != nil {
			if l := t.legs[m[1]]; l != nil && l.originated {
				leg, ok = m[1], true
			}
		}
	}
	if !ok || leg == "" {
		return out
	}
	body := strings.TrimSpace(string(e.body))
	if !strings.HasPrefix(body, "-ERR") {
		return out
	}
	if l := t.legs[leg]; l != nil && l.answered {
		// The leg answered: whatever the originate says now is not the
		// leg's end. Bridging a leg the moment it answers, before the
		// originate returned, makes the job fail with ORIGINATOR_CANCEL
		// while the leg lives on, bridged; its own hangup event tells
		// when and why it ends.
		return out
	}
	cause, errText := causeFromErr(body)
	return t.hungUp(e.time(), leg, cause, sideForCause(cause), errText, out)
}

var causeRe = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

// causeFromErr maps "-ERR USER_BUSY" to USER_BUSY; any other text becomes
// NORMAL_TEMPORARY_FAILURE with the text kept as the error.
func causeFromErr(body string) (controller.Cause, string) {
	rest := strings.TrimSpace(strings.TrimPrefix(body, "-ERR"))
	if f := strings.Fields(rest); len(f) == 1 && causeRe.MatchString(f[0]) {
		return controller.Cause(f[0]), ""
	}
	return controller.CauseNormalTemporaryFailure, body
}

// hangupSide says who ended a leg: ipcc when it sent uuid_kill; otherwise the
// SIP disposition (recv_bye/recv_cancel/recv_refuse: the party on the leg;
// send_*: the switch, e.g. because the bridged peer left); otherwise a guess
// from the cause.
func hangupSide(killedByUs bool, disposition string, cause controller.Cause, peerEnded bool) controller.HangupSide {
	switch {
	case killedByUs:
		return controller.HangupController
	case strings.HasPrefix(disposition, "recv_"):
		return controller.HangupRemote
	case strings.HasPrefix(disposition, "send_"):
		return controller.HangupSwitch
	case peerEnded:
		return controller.HangupSwitch
	}
	return sideForCause(cause)
}

func sideForCause(c controller.Cause) controller.HangupSide {
	switch c {
	case controller.CauseUserBusy, controller.CauseNoAnswer, controller.CauseNoUserResponse,
		controller.CauseCallRejected, controller.CauseOriginatorCancel:
		return controller.HangupRemote
	case controller.CauseNormalClearing, "":
		return controller.HangupUnknown
	}
	return controller.HangupSwitch
}

// prune forgets hung-up legs older than keep.
func (t *translator) prune(keep time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	cut := t.now().Add(-keep)
	for k, at := range t.ended {
		if at.Before(cut) {
			delete(t.ended, k)
		}
	}
}
