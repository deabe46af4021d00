package asterisk

import (
	"strconv"
	"strings"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/asterisk/ari"
)

// legKind says how a channel became known to the driver.
type legKind uint8

const (
	kindInbound    legKind = iota + 1 // entered our Stasis app from the dialplan
	kindOriginated                    // POST /channels with our channelId
	kindSnoop                         // POST /channels/{id}/snoop with our snoopId (internal)
)

// leg is what the driver knows about one channel. Guarded by state.mu.
type leg struct {
	id          string
	kind        legKind
	target      string // snoop: the leg being spied on
	spy         string // snoop: the spy leg it is bridged with
	inStasis    bool
	ringing     bool
	answered    bool
	held        bool
	hangupReq   bool // a ChannelHangupRequest was seen
	reqCause    int  // its cause unless it was our own soft request (32)
	deleting    bool // we sent DELETE /channels/{id}
	ourCause    controller.Cause
	transferred bool // we sent continue: the leg leaves ipcc control
	amd         bool // we sent continue to the AMD context: it comes back with the result
	dialCause   int  // the Q.850 cause a Dial failure status stands for (0 = none)
	confirmed   time.Time
	bridge      string
	holdOn      bool   // from a Hold request to the next Unhold request
	holdPB      string // the current playback of the hold music loop ("" = none)
	holdURI     string // the media the hold loop plays
	holdShort   int    // hold playbacks in a row that ended at once
	ended       bool
	endedAt     time.Time

	ani, aniName, dnis string
	vars               map[string]string
	created            time.Time
}

type bridgeKind uint8

const (
	bridgePair bridgeKind = iota + 1 // Bridge(a, b) or unknown bridges
	bridgeConf                       // JoinConference: one per room
	bridgeSpy                        // Eavesdrop: spy leg + snoop channel
)

type bridge struct {
	id      string
	kind    bridgeKind
	room    string
	spy     string // spy bridge: the spy leg
	ours    bool   // created by this driver: destroy it when it empties
	members []string
}

type playback struct {
	id, leg           string
	started, finished bool
	hold              bool      // a playback of the hold music loop (holdmusic.go)
	at                time.Time // last seen
	startedAt         time.Time // hold playbacks: when PlaybackStarted says it started
}

type recording struct {
	id, name, leg, path string
	snoop               string // the snoop channel recorded for leg ("" = leg itself)
	started, finished   bool
	failure             string        // RecordingFailed cause
	ready               chan struct{} // closed at its first Started, Finished or Failed
	at                  time.Time
}

// settle closes r.ready once.
func (r *recording) settle() {
	if r.ready == nil {
		return
	}
	select {
	case <-r.ready:
	default:
		close(r.ready)
	}
}

// cleanup is REST work the translator asks for (destroying emptied bridges,
// hanging up orphaned snoop channels); the driver runs it off the event path.
type cleanup struct {
	op string // "destroy-bridge" | "hangup" | "hold-play" | "hold-class"
	id string
	// hold-play: the playback to start with media; hold-class: why the
	// loop ended
	playback, media, why string
}

// state is the driver's model of its switch, fed by WebSocket events and by
// the operations (which register ids before sending). All methods with a
// leading lowercase verb expect mu to be held by the caller.
type state struct {
	sw, app string
	cfg     *Config
	now     func() time.Time

	legs      map[string]*leg
	bridges   map[string]*bridge
	playbacks map[string]*playback
	recs      map[string]*recording // by recording name

	emit     func(controller.Event)
	waiters  map[string]chan struct{} // closed at the channel's StasisStart
	cleanups []cleanup
	replaced bool // ApplicationReplaced seen
}

func newState(cfg *Config, emit func(controller.Event)) *state {
	return &state{
		sw: cfg.Name, app: cfg.App, cfg: cfg, now: time.Now,
		legs:      map[string]*leg{},
		bridges:   map[string]*bridge{},
		playbacks: map[string]*playback{},
		recs:      map[string]*recording{},
		waiters:   map[string]chan struct{}{},
		emit:      emit,
	}
}

func (s *state) send(ev controller.Event, at time.Time) {
	ev.Switch = s.sw
	ev.Time = at
	if ev.Time.IsZero() {
		ev.Time = s.now()
	}
	s.emit(ev)
}

// live returns the leg when it is known and not ended.
func (s *state) live(id string) *leg {
	l := s.legs[id]
	if l == nil || l.ended {
		return nil
	}
	return l
}

// visible maps a channel id to the leg id the controller knows it by: the
// leg itself, a snoop's target, or "" for channels that are not ours.
func (s *state) visible(id string) string {
	l := s.legs[id]
	switch {
	case l == nil:
		return ""
	case l.kind == kindSnoop:
		return l.target
	}
	return id
}

// translate applies one ARI event and emits the neutral events it means.
func (s *state) translate(e *ari.Event) {
	at := e.Time()
	switch e.Type {
	case "StasisStart":
		s.stasisStart(e, at)
	case "StasisEnd":
		l := s.live(e.Channel.ID)
		if l == nil {
			return
		}
		l.inStasis = false
		switch {
		case l.amd && !l.hangupReq:
			// Left for the AMD dialplan hop: back with StasisStart.
		case l.transferred:
			s.forget(l)
		case l.kind == kindSnoop:
			s.forget(l)
		case l.hangupReq || l.kind == kindInbound:
			// A channel that entered Stasis from the dialplan gets no
			// ChannelDestroyed after StasisEnd: this is its last event.
			s.endLeg(l, l.reqCause, at)
		}
	case "ChannelStateChange":
		l := s.live(e.Channel.ID)
		if l == nil || l.kind == kindSnoop || l.transferred {
			return
		}
		s.stateChange(l, e.Channel.State, at)
	case "ChannelDtmfReceived":
		if l := s.live(e.Channel.ID); l != nil && l.kind != kindSnoop && !l.transferred {
			s.send(controller.Event{Type: controller.EventDTMF, Leg: l.id, Digit: e.Digit}, at)
		}
	case "ChannelHangupRequest":
		l := s.live(e.Channel.ID)
		if l == nil {
			return
		}
		l.hangupReq = true
		if !(e.Soft && e.Cause == 32) && e.Cause != 0 {
			l.reqCause = e.Cause
		}
	case "ChannelDestroyed":
		l := s.live(e.Channel.ID)
		if l == nil {
			return
		}
		if l.transferred || l.kind == kindSnoop {
			s.forget(l)
			return
		}
		s.endLeg(l, e.Cause, at)
	case "ChannelEnteredBridge":
		s.entered(e, at)
	case "ChannelLeftBridge":
		s.left(e, at)
	case "BridgeDestroyed":
		delete(s.bridges, e.Bridge.ID)
	case "ChannelHold", "ChannelUnhold":
		if l := s.live(e.Channel.ID); l != nil && l.kind != kindSnoop {
			s.setHold(l, e.Type == "ChannelHold", at)
		}
	case "PlaybackStarted", "PlaybackFinished":
		s.playbackEvent(e, at)
	case "RecordingStarted", "RecordingFinished", "RecordingFailed":
		s.recordingEvent(e, at)
	case "Dial":
		// Asterisk reports a Local channel's busy far end only here (its
		// ChannelDestroyed then has cause 0): remember it for endLeg.
		if e.Peer != nil {
			if l := s.live(e.Peer.ID); l != nil && l.kind == kindOriginated && !l.answered {
				if code, ok := dialStatusCauses[e.Dialstatus]; ok {
					l.dialCause = code
				}
			}
		}
	case "ApplicationReplaced":
		s.replaced = true
	}
}

// dialStatusCauses maps the Dial event's failure statuses to the Q.850
// cause they stand for.
var dialStatusCauses = map[string]int{"BUSY": 17, "NOANSWER": 19, "CONGESTION": 34}

func (s *state) stasisStart(e *ari.Event, at time.Time) {
	ch := e.Channel
	l := s.legs[ch.ID]
	if l != nil && l.ended {
		if !l.transferred {
			return // a late event for a leg we already reported gone
		}
		// Transferred to the dialplan, which sent it back to us: a new arrival.
		delete(s.legs, ch.ID)
		l = nil
	}
	if l == nil {
		if len(e.Args) > 0 && e.Args[0] == s.cfg.SnoopArg {
			// A snoop whose Eavesdrop or Record call we do not know
			// (another controller instance, or from before a restart).
			s.legs[ch.ID] = &leg{id: ch.ID, kind: kindSnoop, inStasis: true, confirmed: s.now()}
			if !recordingSnoop(e.Args) {
				s.cleanups = append(s.cleanups, cleanup{op: "hangup", id: ch.ID})
			}
			return
		}
		l = s.adopt(ch, e.Args)
		s.send(s.arrived(l), at)
	}
	if l.amd && len(e.Args) > 0 && e.Args[0] == s.cfg.AMDArg {
		// Back from the AMD dialplan hop: Stasis(app,ipcc-amd,${AMDSTATUS},${AMDCAUSE}).
		l.amd = false
		ev := controller.Event{Type: controller.EventMachineDetected, Leg: l.id, Machine: controller.MachineUnknown}
		if len(e.Args) > 1 {
			ev.Machine = controller.MachineResult(e.Args[1])
		}
		if len(e.Args) > 2 {
			ev.MachineCause = e.Args[2]
		}
		s.send(ev, at)
	}
	l.inStasis = true
	if w := s.waiters[ch.ID]; w != nil {
		close(w)
		delete(s.waiters, ch.ID)
	}
	if l.confirmed.IsZero() {
		l.confirmed = s.now()
	}
	if l.kind != kindSnoop && !l.transferred {
		s.stateChange(l, ch.State, at)
	}
}

// waitStasis closes ch when channel id enters our app.
func (s *state) waitStasis(id string, ch chan struct{}) { s.waiters[id] = ch }

// adopt registers a channel that entered our app without us choosing its id
// (an inbound call, or a live channel found when reconciling).
func (s *state) adopt(ch *ari.Channel, args []string) *leg {
	l := &leg{id: ch.ID, kind: kindInbound, confirmed: s.now()}
	l.ani, l.aniName = ch.Caller.Number, ch.Caller.Name
	l.created = ari.ParseTime(ch.CreationTime)
	l.dnis = ch.Dialplan.Exten
	l.vars = map[string]string{}
	for i, a := range args {
		if i == 0 {
			if a != "" {
				l.dnis = a
			}
			continue
		}
		if k, v, ok := strings.Cut(a, "="); ok && k != "" {
			l.vars[k] = v
		} else {
			l.vars["arg"+strconv.Itoa(i)] = a
		}
	}
	for k, v := range ch.ChannelVars {
		l.vars[k] = v
	}
	if len(args) > 0 && args[0] == s.cfg.OriginateArg {
		// Originated by ipcc (seen again after a restart or reconnect).
		l.kind, l.dnis = kindOriginated, ""
		l.vars["ipcc_direction"] = "outbound"
	}
	if len(l.vars) == 0 {
		l.vars = nil
	}
	s.legs[l.id] = l
	return l
}

func (s *state) arrived(l *leg) controller.Event {
	return controller.Event{Type: controller.EventCallArrived, Leg: l.id, ANI: l.ani, ANIName: l.aniName, DNIS: l.dnis, Vars: l.vars}
}

func (s *state) stateChange(l *leg, st string, at time.Time) {
	switch st {
	case "Ringing":
		if !l.ringing && !l.answered {
			l.ringing = true
			s.send(controller.Event{Type: controller.EventRinging, Leg: l.id}, at)
		}
	case "Up":
		if l.kind == kindOriginated && !l.inStasis {
			// An originated channel is answered a moment before it enters
			// our app (StasisStart), and until then Asterisk refuses to
			// bridge it (422 Channel not in Stasis application): it is
			// Answered for ipcc at its StasisStart.
			return
		}
		if !l.answered {
			l.answered = true
			s.send(controller.Event{Type: controller.EventAnswered, Leg: l.id}, at)
		}
	}
}

func (s *state) setHold(l *leg, held bool, at time.Time) {
	if l.held == held {
		return
	}
	l.held = held
	t := controller.EventUnhold
	if held {
		t = controller.EventHold
	}
	s.send(controller.Event{Type: t, Leg: l.id}, at)
}

// endLeg emits the one HungUp of a leg. cause is the Q.850 code seen on the
// wire (0 if none); a hangup we asked for reports the cause we asked for.
func (s *state) endLeg(l *leg, cause int, at time.Time) {
	if l.dialCause != 0 && !l.answered && (cause == 0 || cause == 16) {
		// The channel carries no cause (or a normal one); the Dial event
		// said why it failed.
		cause = l.dialCause
	}
	ev := controller.Event{Type: controller.EventHungUp, Leg: l.id}
	switch {
	case l.deleting:
		ev.HangupBy = controller.HangupController
		ev.Cause = l.ourCause
		if ev.Cause == "" {
			ev.Cause = causeFromQ850(orNormal(cause))
		}
	case switchFailure(cause):
		ev.HangupBy = controller.HangupSwitch
		ev.Cause = causeFromQ850(cause)
	default:
		ev.HangupBy = controller.HangupRemote
		ev.Cause = causeFromQ850(orNormal(cause))
	}
	s.markEnded(l)
	s.send(ev, at)
}

func orNormal(code int) int {
	if code == 0 {
		return 16
	}
	return code
}

// markEnded tombstones a leg (late events for it are ignored) and asks for
// the snoop channels spying for or on it to be cleaned up.
func (s *state) markEnded(l *leg) {
	l.ended, l.endedAt = true, s.now()
	for _, o := range s.legs {
		if o.kind == kindSnoop && !o.ended && (o.spy == l.id || o.target == l.id) {
			s.cleanups = append(s.cleanups, cleanup{op: "hangup", id: o.id})
		}
	}
}

// forget drops a leg silently (transferred away, or an internal snoop).
func (s *state) forget(l *leg) {
	l.ended, l.endedAt = true, s.now()
}

func (s *state) bridgeFor(b *ari.Bridge) *bridge {
	br := s.bridges[b.ID]
	if br == nil {
		br = &bridge{id: b.ID, kind: bridgePair}
		s.bridges[b.ID] = br
	}
	return br
}

// peersOf lists the controller-visible legs in members other than id.
func (s *state) peersOf(id string, members []string) []string {
	self := s.visible(id)
	var out []string
	for _, m := range members {
		if m == id {
			continue
		}
		v := s.visible(m)
		if v == "" || v == self || contains(out, v) {
			continue
		}
		if l := s.legs[m]; l != nil && l.ended && l.kind != kindSnoop {
			continue
		}
		out = append(out, v)
	}
	return out
}

func (s *state) entered(e *ari.Event, at time.Time) {
	br := s.bridgeFor(e.Bridge)
	prev := br.members
	br.members = append([]string(nil), e.Bridge.Channels...)
	x := e.Channel.ID
	l := s.live(x)
	if l != nil {
		l.bridge = br.id
	}
	xv := s.visible(x)
	if xv == "" {
		return
	}
	if br.kind == bridgeConf {
		if l != nil && l.kind != kindSnoop {
			s.send(controller.Event{Type: controller.EventConferenceJoined, Leg: x, Room: br.room}, at)
		}
		return
	}
	if l != nil && l.kind != kindSnoop {
		if peers := s.peersOf(x, br.members); len(peers) > 0 {
			s.send(controller.Event{Type: controller.EventBridged, Leg: x, OtherLeg: peers[0]}, at)
		}
	}
	for _, m := range prev {
		ml := s.live(m)
		if m == x || ml == nil || ml.kind == kindSnoop || s.visible(m) == xv {
			continue
		}
		if len(s.peersOf(m, prev)) == 0 {
			s.send(controller.Event{Type: controller.EventBridged, Leg: m, OtherLeg: xv}, at)
		}
	}
}

func (s *state) left(e *ari.Event, at time.Time) {
	br := s.bridgeFor(e.Bridge)
	prev := br.members
	if !contains(prev, e.Channel.ID) {
		prev = append(append([]string(nil), prev...), e.Channel.ID)
	}
	br.members = append([]string(nil), e.Bridge.Channels...)
	x := e.Channel.ID
	l := s.legs[x]
	if l != nil && l.bridge == br.id {
		l.bridge = ""
	}
	if len(br.members) == 0 && br.ours {
		s.cleanups = append(s.cleanups, cleanup{op: "destroy-bridge", id: br.id})
	}
	if br.kind == bridgeSpy && l != nil && l.id == br.spy {
		// The supervisor left: its snoop channels have no purpose.
		for _, m := range br.members {
			if ml := s.live(m); ml != nil && ml.kind == kindSnoop {
				s.cleanups = append(s.cleanups, cleanup{op: "hangup", id: m})
			}
		}
	}
	xv := s.visible(x)
	if xv == "" {
		return
	}
	if br.kind == bridgeConf {
		if l != nil && l.kind != kindSnoop && !l.transferred {
			s.send(controller.Event{Type: controller.EventConferenceLeft, Leg: x, Room: br.room}, at)
		}
		return
	}
	if l != nil && l.kind != kindSnoop && !l.ended && !l.transferred {
		if peers := s.peersOf(x, prev); len(peers) > 0 {
			s.send(controller.Event{Type: controller.EventUnbridged, Leg: x, OtherLeg: peers[0]}, at)
		}
	}
	for _, m := range br.members {
		ml := s.live(m)
		if ml == nil || ml.kind == kindSnoop || s.visible(m) == xv {
			continue
		}
		// x was m's peer (even if x already hung up: some servers send
		// StasisEnd before ChannelLeftBridge); m is now alone.
		if len(s.peersOf(m, br.members)) == 0 {
			s.send(controller.Event{Type: controller.EventUnbridged, Leg: m, OtherLeg: xv}, at)
		}
	}
}

// recordingSnoop reports whether a snoop's Stasis arguments mark it as
// carrying a call recording: left running, it ends with its leg.
func recordingSnoop(args []string) bool {
	return len(args) > 1 && args[1] == snoopRecordArg
}

// targetLeg returns the channel id of a "channel:<id>" target URI.
func targetLeg(uri string) string {
	if id, ok := strings.CutPrefix(uri, "channel:"); ok {
		return id
	}
	return ""
}

func (s *state) playbackEvent(e *ari.Event, at time.Time) {
	p := s.playbacks[e.Playback.ID]
	if p == nil {
		if strings.HasPrefix(e.Playback.ID, holdPlaybackPrefix) {
			return // hold music of a loop this driver no longer runs
		}
		l := s.live(targetLeg(e.Playback.TargetURI))
		if l == nil || l.kind == kindSnoop {
			return // not a playback on one of our legs
		}
		p = &playback{id: e.Playback.ID, leg: l.id}
		s.playbacks[p.id] = p
	}
	if p.hold {
		s.holdPlaybackEvent(p, e.Type, e.Playback.State, at)
		return
	}
	p.at = s.now()
	if e.Type == "PlaybackStarted" {
		if p.started || p.finished {
			return // again after unpause, or twice with subscribeAll
		}
		p.started = true
		s.send(controller.Event{Type: controller.EventPlaybackStarted, Leg: p.leg, PlaybackID: p.id}, at)
		return
	}
	if p.finished {
		return
	}
	p.finished = true
	ev := controller.Event{Type: controller.EventPlaybackFinished, Leg: p.leg, PlaybackID: p.id}
	if e.Playback.State == "failed" {
		ev.Err = "playback failed: " + e.Playback.MediaURI
	}
	s.send(ev, at)
}

func (s *state) recordingEvent(e *ari.Event, at time.Time) {
	r := s.recs[e.Recording.Name]
	if r == nil {
		l := s.live(targetLeg(e.Recording.TargetURI))
		if l == nil || l.kind == kindSnoop {
			return
		}
		r = &recording{id: e.Recording.Name, name: e.Recording.Name, leg: l.id,
			path: s.cfg.recordingPath(e.Recording.Name, e.Recording.Format)}
		s.recs[r.name] = r
	}
	r.at = s.now()
	if e.Type == "RecordingStarted" {
		if r.started || r.finished {
			return
		}
		r.started = true
		r.settle()
		s.send(controller.Event{Type: controller.EventRecordingStarted, Leg: r.leg, RecordingID: r.id, Path: r.path}, at)
		return
	}
	if r.finished {
		return
	}
	r.finished = true
	if e.Type == "RecordingFailed" {
		r.failure = e.Recording.Cause
		if r.failure == "" {
			r.failure = "no cause given"
		}
	}
	r.settle()
	if l := s.live(r.snoop); l != nil {
		// The snoop only carried this recording.
		s.cleanups = append(s.cleanups, cleanup{op: "hangup", id: l.id})
	}
	ev := controller.Event{Type: controller.EventRecordingFinished, Leg: r.leg, RecordingID: r.id, Path: r.path}
	if d := e.Recording.Duration; d != nil {
		ev.Duration = time.Duration(*d) * time.Second
	}
	if e.Type == "RecordingFailed" {
		ev.Err = "recording failed"
		if e.Recording.Cause != "" {
			ev.Err += ": " + e.Recording.Cause
		}
	}
	s.send(ev, at)
}

// prune drops tombstones and finished media older than keep.
func (s *state) prune(keep time.Duration) {
	cut := s.now().Add(-keep)
	for id, l := range s.legs {
		if l.ended && l.endedAt.Before(cut) {
			delete(s.legs, id)
		}
	}
	// Media of a leg that is gone may never see its Finished event (a
	// RecordingFinished can follow the leg's HungUp, so it is kept a while).
	for id, p := range s.playbacks {
		if (p.finished || s.live(p.leg) == nil) && p.at.Before(cut) {
			delete(s.playbacks, id)
		}
	}
	for id, r := range s.recs {
		if (r.finished || s.live(r.leg) == nil) && r.at.Before(cut) {
			delete(s.recs, id)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
