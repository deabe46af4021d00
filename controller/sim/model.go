package sim

import (
	"cmp"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Front names the protocol flavour a channel lives on.
type Front string

// The two front-ends.
const (
	FrontFreeSWITCH Front = "freeswitch"
	FrontAsterisk   Front = "asterisk"
)

// ChanState is the coarse state of a channel.
type ChanState int

// Channel states.
const (
	StateDown ChanState = iota
	StateRinging
	StateUp
	StateGone
)

func (s ChanState) String() string {
	switch s {
	case StateDown:
		return "down"
	case StateRinging:
		return "ringing"
	case StateUp:
		return "up"
	}
	return "gone"
}

// vars is an ordered variable map: FreeSWITCH lists variables in the order
// they were set, and tests compare header order.
type vars struct {
	keys []string
	m    map[string]string
}

// newVars sized for a FreeSWITCH channel's usual variables (about 25 after
// an originate), so they are not rehashed and copied as they are set.
func newVars() *vars { return &vars{m: make(map[string]string, 32), keys: make([]string, 0, 32)} }

func (v *vars) set(k, val string) {
	if _, ok := v.m[k]; !ok {
		v.keys = append(v.keys, k)
	}
	v.m[k] = val
}

func (v *vars) get(k string) (string, bool) { s, ok := v.m[k]; return s, ok }

func (v *vars) del(k string) {
	if _, ok := v.m[k]; !ok {
		return
	}
	delete(v.m, k)
	for i, key := range v.keys {
		if key == k {
			v.keys = append(v.keys[:i:i], v.keys[i+1:]...)
			break
		}
	}
}

func (v *vars) copyMap() map[string]string {
	out := make(map[string]string, len(v.m))
	for k, val := range v.m {
		out[k] = val
	}
	return out
}

// Heard is one media item that reached a channel's party.
type Heard struct {
	Kind  string    `json:"kind"`  // file, tone, number, digits, silence, moh, dtmf
	Value string    `json:"value"` // as requested (path, tone spec, number)
	Text  string    `json:"text,omitempty"`
	At    time.Time `json:"at"`
}

// Channel is one leg in the model. Fields are guarded by Model.mu; callers
// outside the package see copies (ChannelInfo).
type Channel struct {
	ID, Name   string
	Front      Front
	Inbound    bool
	State      ChanState
	ANI        string
	ANIName    string
	DNIS       string
	Context    string
	Vars       *vars
	Created    time.Time
	Answered   time.Time
	Ended      time.Time
	Bridge     string
	Conference string
	Held       bool
	MOH        bool
	MuteIn     bool   // the party's voice is not passed on
	MuteOut    bool   // the party hears nothing
	App        string // Asterisk: Stasis application ("" = not in Stasis)
	AppArgs    []string
	CurrentApp string // FreeSWITCH: running dialplan application
	AppData    string
	Spy        *spy
	Link       string // loopback/Local partner
	Heard      []Heard
	DTMFIn     string // digits received from the far end
	DTMFOut    string // digits sent towards the far end
	Cause      string
	HangupBy   string
	Endpoint   string // endpoint number reached by an originate
	Trunk      string // the gateway/trunk of an originate to an external number
	// Reached is the front whose phone an inter-switch trunk leg rang
	// (TrunkSpec.Peer); "" for every other leg.
	Reached    Front
	Recordings []string
	seq        int
	relay      bool // snoop channels pass audio on instead of being a party
	pagd       *pagd
	queue      []*execItem // FreeSWITCH: applications waiting (event-lock)
	busy       bool        // FreeSWITCH: an application with event-lock runs
	phone      *phoneRun
	// talk answers a ringing SIP phone that obeys a NOTIFY "talk" event
	// (uuid_phone_event); nil for trunks, loopback and Local channels.
	talk func()
	// onLinkAnswer runs when the channel is answered because its
	// loopback/Local partner was (the originator's application starts then).
	onLinkAnswer func()
	hanging      bool
	curAppUUID   string      // FreeSWITCH: Application-UUID of CurrentApp
	appUUID      string      // FreeSWITCH: Application-UUID for the next setApp (sendmsg Event-UUID)
	pending      []*execItem // FreeSWITCH: rest of an inline dialplan after a long-running app
	bridgedTime  time.Time

	// heldNoState: FreeSWITCH held the channel (silenced it) but its
	// endpoint never went to the HELD call state (loopback, not
	// answered), so uuid_hold off is refused.
	heldNoState bool
	// holdBcast: FreeSWITCH, the hold music its bridged partner's
	// uuid_hold broadcasts to it.
	holdBcast *execItem
	mohClass  string // Asterisk: the class of its music on hold (MOH)
}

func (c *Channel) alive() bool { return c.State != StateGone }

// spy describes an eavesdrop (FreeSWITCH) or snoop (Asterisk) attachment.
type spy struct {
	Target  string
	Mode    string // listen, whisper, barge (FreeSWITCH)
	SpyDir  string // Asterisk snoop spy: none, in, out, both
	Whisper string // Asterisk snoop whisper: none, in, out, both
}

// Bridge is a set of channels mixed together (or a holding bridge).
type Bridge struct {
	ID, Name string
	Front    Front
	Type     string // mixing, holding
	Channels []string
	Created  time.Time
	implicit bool // FreeSWITCH uuid_bridge: created and destroyed with the pair
	MOH      bool
}

// Conference is a FreeSWITCH conference room.
type Conference struct {
	Name    string
	UUID    string
	Members []*confMember
	nextID  int
	Created time.Time
}

type confMember struct {
	ID    int
	Chan  string
	Muted bool
}

// HearingChange is one snapshot of who hears whom, taken whenever it changed.
type HearingChange struct {
	At    time.Time   `json:"at"`
	Pairs [][2]string `json:"pairs"` // [listener, speaker]
}

// Model is the shared state of all front-ends.
type Model struct {
	mu    sync.Mutex
	opts  Options
	chans map[string]*Channel
	// live holds the channels that have not ended: hearing is computed
	// over them, not over every channel the simulator ever had.
	liveChans map[string]*Channel
	// spies holds the channels that spy or spied (Spy set); hangup drops
	// those that ended or stopped.
	spies     map[*Channel]struct{}
	order     []string
	bridges   map[string]*Bridge
	confs     map[string]*Conference
	plays     map[string]*Playback
	recs      map[string]*Recording
	stored    map[string]*Recording // Asterisk stored recordings by name
	phones    map[string]EndpointSpec
	trunks    map[string]TrunkSpec // scripted gateway/trunk failures
	globals   map[string]string    // FreeSWITCH global variables (global_setvar)
	sinks     []sink
	history   []HearingChange
	lastPairs [][2]string
	havePairs bool
	// hearGen counts changes to anything who-hears-whom depends on (channel
	// state, hold, music, mute, links, spies, bridges, conferences);
	// recordHearing does nothing while it is unchanged.
	hearGen, lastGen uint64
	seq              int
	playSeq          uint64 // order of queued Asterisk channel playbacks
	closed           bool
	timers           map[*time.Timer]struct{}
	wg               sync.WaitGroup
	started          time.Time
	sessions         int
}

// sink receives model events while Model.mu is held. It must not block and
// must not call back into the model.
type sink interface {
	emit(e *mEvent)
}

func newModel(o Options) *Model {
	return &Model{
		opts:      o,
		chans:     map[string]*Channel{},
		liveChans: map[string]*Channel{},
		spies:     map[*Channel]struct{}{},
		bridges:   map[string]*Bridge{},
		confs:     map[string]*Conference{},
		plays:     map[string]*Playback{},
		recs:      map[string]*Recording{},
		stored:    map[string]*Recording{},
		phones:    map[string]EndpointSpec{},
		trunks:    map[string]TrunkSpec{},
		globals:   map[string]string{},
		timers:    map[*time.Timer]struct{}{},
		started:   time.Now(),
	}
}

func (m *Model) addSink(s sink) {
	m.mu.Lock()
	m.sinks = append(m.sinks, s)
	m.mu.Unlock()
}

// emit hands an event to every front-end; m.mu must be held.
func (m *Model) emit(e *mEvent) {
	for _, s := range m.sinks {
		s.emit(e)
	}
}

// after runs f with m.mu held after d, unless the model was closed. Close
// stops pending timers and waits for running ones, so no goroutine outlives
// the simulator.
func (m *Model) after(d time.Duration, f func()) *time.Timer {
	if m.closed {
		return nil
	}
	m.wg.Add(1)
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		defer m.wg.Done()
		m.mu.Lock()
		defer m.mu.Unlock()
		delete(m.timers, t)
		if m.closed {
			return
		}
		f()
		m.recordHearing()
	})
	m.timers[t] = struct{}{}
	return t
}

// cancel stops a timer created by after; m.mu must be held.
func (m *Model) cancel(t *time.Timer) {
	if t == nil {
		return
	}
	if _, ok := m.timers[t]; !ok {
		return
	}
	delete(m.timers, t)
	if t.Stop() {
		m.wg.Done()
	}
}

func (m *Model) close() {
	m.mu.Lock()
	m.closed = true
	for t := range m.timers {
		if t.Stop() {
			m.wg.Done()
		}
	}
	m.timers = map[*time.Timer]struct{}{}
	m.mu.Unlock()
	m.wg.Wait()
}

func newID() string { return uuid.NewString() }

// newChannel registers a channel; m.mu must be held.
func (m *Model) newChannel(id string, f Front, inbound bool, name string) *Channel {
	if id == "" {
		id = newID()
	}
	m.seq++
	m.sessions++
	c := &Channel{ID: id, Name: name, Front: f, Inbound: inbound, Vars: newVars(), Created: time.Now(), seq: m.seq}
	m.chans[id] = c
	m.liveChans[id] = c
	m.order = append(m.order, id)
	return c
}

func (m *Model) ch(id string) *Channel {
	c := m.chans[id]
	if c == nil || !c.alive() {
		return nil
	}
	return c
}

// live returns live channels in creation order; m.mu must be held. It
// looks at the live channels only (not at every channel the simulator ever
// had: status, show channels and each heartbeat ask).
func (m *Model) live(f Front) []*Channel {
	var out []*Channel
	for _, c := range m.liveChans {
		if c.alive() && (f == "" || c.Front == f) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b *Channel) int { return cmp.Compare(a.seq, b.seq) })
	return out
}

// peers returns the other channels in c's bridge.
func (m *Model) peers(c *Channel) []*Channel {
	b := m.bridges[c.Bridge]
	if b == nil {
		return nil
	}
	var out []*Channel
	for _, id := range b.Channels {
		if id != c.ID {
			if p := m.ch(id); p != nil {
				out = append(out, p)
			}
		}
	}
	return out
}

// peer returns the single far party of c: its bridge peer, or its loopback
// partner.
func (m *Model) peer(c *Channel) *Channel {
	if ps := m.peers(c); len(ps) > 0 {
		return ps[0]
	}
	if c.Link != "" {
		return m.ch(c.Link)
	}
	return nil
}

// edges computes "dst hears src directly" as src -> []dst.
func (m *Model) edges() map[string]map[string]bool {
	e := map[string]map[string]bool{}
	add := func(src, dst *Channel) {
		if src == nil || dst == nil || src.ID == dst.ID || !src.alive() || !dst.alive() {
			return
		}
		if src.MuteIn || dst.MuteOut {
			return
		}
		if e[src.ID] == nil {
			e[src.ID] = map[string]bool{}
		}
		e[src.ID][dst.ID] = true
	}
	// FreeSWITCH runs an application sent to a bridged channel (sendmsg,
	// uuid_broadcast) inside the bridge with the partner suspended
	// (switch_ivr_multi_threaded_bridge, CF_SUSPEND): while it plays,
	// neither party hears the other.
	// Asterisk plays a file to a channel in a bridge (POST
	// /channels/{id}/play) as a bridge action on that channel
	// (res_stasis_playback.c play_uri: ast_bridge_channel_queue_playfile_sync;
	// bridge_channel.c BRIDGE_CHANNEL_ACTION_PLAY_FILE suspends the bridge
	// channel while it runs): the channel hears only the playback, its voice
	// is not mixed, and the others hear neither (no music for them), paused
	// or playing.
	suspended := map[string]bool{}
	for _, p := range m.plays {
		if p.Bridge != "" {
			continue
		}
		if p.State == "playing" || p.Front == FrontAsterisk && p.State == "paused" {
			if c := m.ch(p.Chan); c != nil && c.Bridge != "" {
				suspended[c.ID] = true
			}
		}
	}
	canTalk := func(c *Channel) bool { return c.State == StateUp && !c.Held && !c.MOH && !suspended[c.ID] }
	// Asterisk music on hold (a generator on the channel) drops the
	// bridge's frames written to the channel (ast_write), but what the
	// channel's party says still enters the bridge: heard, not hearing.
	canSpeak := func(c *Channel) bool { return c.State == StateUp && !c.Held && !suspended[c.ID] }
	for _, b := range m.bridges {
		if b.Type == "holding" {
			continue
		}
		for _, a := range b.Channels {
			for _, z := range b.Channels {
				ca, cz := m.ch(a), m.ch(z)
				if ca != nil && cz != nil && canSpeak(ca) && canTalk(cz) {
					add(ca, cz)
				}
			}
		}
	}
	for _, cf := range m.confs {
		for _, a := range cf.Members {
			for _, z := range cf.Members {
				ca, cz := m.ch(a.Chan), m.ch(z.Chan)
				if ca != nil && cz != nil && !a.Muted && canSpeak(ca) && canTalk(cz) {
					add(ca, cz)
				}
			}
		}
	}
	for _, c := range m.liveChans {
		if !c.alive() {
			continue
		}
		if c.Link != "" {
			if l := m.ch(c.Link); l != nil && canTalk(c) && canTalk(l) {
				add(c, l)
			}
		}
		if c.Spy == nil || c.State != StateUp {
			continue
		}
		t := m.ch(c.Spy.Target)
		if t == nil {
			continue
		}
		tp := m.peers(t)
		if c.Front == FrontFreeSWITCH {
			// eavesdrop: the spy hears the target and whatever reaches it.
			add(t, c)
			for _, p := range tp {
				add(p, c)
			}
			switch c.Spy.Mode {
			case "whisper":
				add(c, t)
			case "barge":
				add(c, t)
				for _, p := range tp {
					add(p, t)
					add(c, p)
				}
			}
			continue
		}
		// Asterisk snoop: "in" is audio the target sends, "out" what it hears.
		if c.Spy.SpyDir == "in" || c.Spy.SpyDir == "both" {
			add(t, c)
		}
		if c.Spy.SpyDir == "out" || c.Spy.SpyDir == "both" {
			for _, p := range tp {
				add(p, c)
			}
		}
		if c.Spy.Whisper == "out" || c.Spy.Whisper == "both" {
			add(c, t)
		}
		if c.Spy.Whisper == "in" || c.Spy.Whisper == "both" {
			for _, p := range tp {
				add(c, p)
			}
		}
	}
	return e
}

// reach returns every party that hears speaker, following audio through
// relay channels (snoops) but not through people.
func (m *Model) reach(e map[string]map[string]bool, speaker string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]bool{speaker: true}
	stack := []string{speaker}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for d := range e[n] {
			if seen[d] {
				continue
			}
			seen[d] = true
			if c := m.chans[d]; c != nil && c.relay {
				stack = append(stack, d)
				continue
			}
			out[d] = true
		}
	}
	delete(out, speaker)
	return out
}

// hears reports whether listener hears speaker.
func (m *Model) hears(e map[string]map[string]bool, listener, speaker string) bool {
	return listener != speaker && m.reach(e, speaker)[listener]
}

// pairs lists [listener, speaker] for all live parties, sorted.
func (m *Model) pairs() [][2]string {
	e := m.edges()
	var out [][2]string
	for _, c := range m.liveChans {
		if !c.alive() || c.relay {
			continue
		}
		for l := range m.reach(e, c.ID) {
			out = append(out, [2]string{l, c.ID})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i][0] != out[j][0] {
			return out[i][0] < out[j][0]
		}
		return out[i][1] < out[j][1]
	})
	return out
}

// recordHearing appends a history entry when who-hears-whom changed.
func (m *Model) recordHearing() {
	if m.opts.NoHearingHistory {
		return
	}
	// Most commands change nothing anyone hears: a cheap order-free
	// signature of everything hearing depends on skips the full
	// computation then (it is what limits the simulator at thousands of
	// calls).
	if m.hearGen == m.lastGen && m.havePairs {
		return
	}
	m.lastGen = m.hearGen
	p := m.pairs()
	if m.havePairs && slices.Equal(p, m.lastPairs) {
		return
	}
	m.lastPairs, m.havePairs = p, true
	m.history = append(m.history, HearingChange{At: time.Now(), Pairs: p})
}

// Hangup causes and their Q.850 codes as FreeSWITCH names them.
var causeCodes = map[string]int{
	"UNALLOCATED_NUMBER": 1, "NO_ROUTE_DESTINATION": 3, "NORMAL_CLEARING": 16, "USER_BUSY": 17,
	"NO_USER_RESPONSE": 18, "NO_ANSWER": 19, "SUBSCRIBER_ABSENT": 20, "CALL_REJECTED": 21,
	"ANSWERED_ELSEWHERE": 26, "NORMAL_UNSPECIFIED": 31, "NORMAL_CIRCUIT_CONGESTION": 34,
	"NORMAL_TEMPORARY_FAILURE": 41, "ORIGINATOR_CANCEL": 487, "MANAGER_REQUEST": 503,
	"SYSTEM_SHUTDOWN": 503, "CHAN_NOT_IMPLEMENTED": 66, "INVALID_PROFILE": 50,
	"NETWORK_OUT_OF_ORDER": 38, "SWITCH_CONGESTION": 42, "REQUESTED_CHAN_UNAVAIL": 44,
	"RECOVERY_ON_TIMER_EXPIRE": 102,
}

// causeName maps a Q.850 code to the FreeSWITCH cause name.
func causeName(code int) string {
	best := ""
	for n, c := range causeCodes {
		if c == code && (best == "" || n < best) && n != "SYSTEM_SHUTDOWN" {
			best = n
		}
	}
	if best == "" {
		return "NORMAL_UNSPECIFIED"
	}
	return best
}

func causeCode(name string) int {
	if c, ok := causeCodes[name]; ok {
		return c
	}
	if n, err := strconv.Atoi(name); err == nil {
		return n
	}
	return 16
}
