package asterisk

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/sim"
)

// tcpProxy forwards to target and can cut every open connection at once,
// which is how an ARI WebSocket is lost abruptly (no close frame).
type tcpProxy struct {
	ln      net.Listener
	target  string
	mu      sync.Mutex
	conns   map[net.Conn]bool
	blocked bool // refuse new connections (the switch is unreachable)
	wg      sync.WaitGroup
}

func newTCPProxy(t testing.TB, target string) *tcpProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *tcpProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		blocked := p.blocked
		p.mu.Unlock()
		if blocked {
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[up] = true, true
		p.mu.Unlock()
		p.wg.Add(2)
		go func() { defer p.wg.Done(); _, _ = io.Copy(up, c); up.Close() }()
		go func() { defer p.wg.Done(); _, _ = io.Copy(c, up); c.Close() }()
	}
}

// cut closes every connection through the proxy (new ones are accepted).
func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

func (p *tcpProxy) block(b bool) {
	p.mu.Lock()
	p.blocked = b
	p.mu.Unlock()
}

func (p *tcpProxy) close() {
	p.ln.Close()
	p.cut()
	p.wg.Wait()
}

type simRig struct {
	*harness
	sim   *sim.Sim
	proxy *tcpProxy
	dir   string // the simulator's recording spool
}

func startSim(t *testing.T) *simRig {
	t.Helper()
	return startSimWith(t, nil)
}

// startSimWith is startSim with the simulator's options changed by tune.
func startSimWith(t *testing.T, tune func(*sim.Options)) *simRig {
	t.Helper()
	dir := t.TempDir()
	o := sim.Options{ESLAddr: "-", ARIApp: "ipcc", MediaDuration: 30 * time.Millisecond,
		AutoAnswer: 30 * time.Millisecond, RecordingDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if tune != nil {
		tune(&o)
	}
	s := sim.New(o)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	u, err := url.Parse(s.ARIURL())
	if err != nil {
		t.Fatal(err)
	}
	p := newTCPProxy(t, u.Host)
	h := startHarnessCfg(t, nil, Config{Name: "pbx1", URL: "http://" + p.ln.Addr().String(), User: "ari", Password: "ari",
		ReconnectMin: 20 * time.Millisecond, ReconnectMax: 200 * time.Millisecond, RequestTimeout: 5 * time.Second})
	h.next(controller.EventSwitchConnected)
	return &simRig{harness: h, sim: s, proxy: p, dir: dir}
}

func (r *simRig) expect(typ controller.EventType, leg string) controller.Event {
	r.t.Helper()
	ev := r.next(typ)
	if ev.Leg != leg {
		r.t.Fatalf("%s for %q, want %q", typ, ev.Leg, leg)
	}
	return ev
}

// expectSet waits for one typ event for each of legs, in any order.
func (r *simRig) expectSet(typ controller.EventType, legs ...string) {
	r.t.Helper()
	want := map[string]bool{}
	for _, l := range legs {
		want[l] = true
	}
	r.collect(func(e controller.Event) bool {
		if e.Type == typ {
			delete(want, e.Leg)
		}
		return len(want) == 0
	})
}

func checkHears(t *testing.T, s *sim.Sim, want map[[2]string]bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		bad := ""
		for pair, w := range want {
			if s.Hears(pair[0], pair[1]) != w {
				bad = pair[0] + " hears " + pair[1] + " should be " + map[bool]string{true: "true", false: "false"}[w]
				break
			}
		}
		if bad == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(bad)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSimInboundCallEndToEnd(t *testing.T) {
	r := startSim(t)
	ctx := context.Background()
	for _, n := range []string{"1001", "2001"} {
		if err := r.sim.DefineEndpoint(sim.EndpointSpec{Number: n, Behavior: sim.BehaviorAnswer, AnswerAfter: 30 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	}
	caller, err := r.sim.PlaceCall(sim.CallSpec{Front: sim.FrontAsterisk, From: "15551230001", FromName: "Customer", To: "5551000"})
	if err != nil {
		t.Fatal(err)
	}
	ev := r.expect(controller.EventCallArrived, caller)
	if ev.ANI != "15551230001" || ev.DNIS != "5551000" {
		t.Fatalf("call arrived: %s", describe(ev))
	}
	must(t, r.d.Answer(ctx, caller))
	r.expect(controller.EventAnswered, caller)

	must(t, r.d.Play(ctx, caller, controller.Playback{ID: "pb-1", Media: []controller.Media{
		{Kind: controller.MediaFile, Value: "hello-world"}, {Kind: controller.MediaDigits, Value: "12"}}}))
	r.expect(controller.EventPlaybackStarted, caller)
	if ev := r.expect(controller.EventPlaybackFinished, caller); ev.PlaybackID != "pb-1" || ev.Err != "" {
		t.Fatalf("playback finished: %s", describe(ev))
	}

	must(t, r.sim.Press(caller, "7"))
	if ev := r.expect(controller.EventDTMF, caller); ev.Digit != "7" {
		t.Fatalf("dtmf: %s", describe(ev))
	}

	must(t, r.d.Originate(ctx, controller.Originate{LegID: "agent-1", Endpoint: controller.Endpoint{Kind: controller.EndpointExtension, Number: "1001"}, CallerIDNum: "7000", Timeout: 10 * time.Second}))
	r.expect(controller.EventAnswered, "agent-1")
	must(t, r.d.Bridge(ctx, caller, "agent-1"))
	r.expectSet(controller.EventBridged, caller, "agent-1")
	checkHears(t, r.sim, map[[2]string]bool{{caller, "agent-1"}: true, {"agent-1", caller}: true})
	legs, err := r.d.Legs(ctx)
	must(t, err)
	byID := map[string]controller.LegInfo{}
	for _, l := range legs {
		byID[l.Leg] = l
	}
	if l := byID[caller]; !l.Owned || !l.Inbound || l.Bridged != "agent-1" || l.State != controller.LegAnswered || l.DNIS != "5551000" {
		t.Fatalf("Legs: caller %+v", l)
	}
	if l := byID["agent-1"]; !l.Owned || l.Inbound || l.Bridged != caller {
		t.Fatalf("Legs: agent %+v", l)
	}

	must(t, r.d.Record(ctx, caller, controller.Recording{ID: "rec-1", Path: "/var/spool/asterisk/recording/rec-1.wav"}))
	if ev := r.expect(controller.EventRecordingStarted, caller); ev.RecordingID != "rec-1" {
		t.Fatalf("recording started: %s", describe(ev))
	}
	must(t, r.d.StopRecord(ctx, caller, "rec-1"))
	if ev := r.expect(controller.EventRecordingFinished, caller); ev.RecordingID != "rec-1" {
		t.Fatalf("recording finished: %s", describe(ev))
	}

	must(t, r.d.Originate(ctx, controller.Originate{LegID: "sup-1", Endpoint: controller.Endpoint{Kind: controller.EndpointExtension, Number: "2001"}}))
	r.expect(controller.EventAnswered, "sup-1")
	must(t, r.d.Eavesdrop(ctx, "sup-1", "agent-1", controller.EavesdropListen))
	checkHears(t, r.sim, map[[2]string]bool{
		{"sup-1", caller}: true, {"sup-1", "agent-1"}: true,
		{"agent-1", "sup-1"}: false, {caller, "sup-1"}: false,
	})
	must(t, r.d.Eavesdrop(ctx, "sup-1", "agent-1", controller.EavesdropWhisper))
	checkHears(t, r.sim, map[[2]string]bool{
		{"sup-1", caller}: true, {"agent-1", "sup-1"}: true, {caller, "sup-1"}: false,
	})
	must(t, r.d.Eavesdrop(ctx, "sup-1", "agent-1", controller.EavesdropBarge))
	checkHears(t, r.sim, map[[2]string]bool{
		{"sup-1", caller}: true, {"agent-1", "sup-1"}: true, {caller, "sup-1"}: true,
	})

	must(t, r.d.Hangup(ctx, caller, controller.CauseUserBusy))
	got := r.collect(func(e controller.Event) bool { return e.Type == controller.EventHungUp && e.Leg == caller })
	if ev := got[len(got)-1]; ev.Cause != controller.CauseUserBusy || ev.HangupBy != controller.HangupController {
		t.Fatalf("hung up: %s", describe(ev))
	}
	unbridged := false
	for _, e := range got {
		unbridged = unbridged || e.Type == controller.EventUnbridged && e.Leg == "agent-1" && e.OtherLeg == caller
	}
	if !unbridged {
		if ev := r.expect(controller.EventUnbridged, "agent-1"); ev.OtherLeg != caller {
			t.Fatalf("agent unbridged from %q", ev.OtherLeg)
		}
	}
	must(t, r.sim.HangupCall("agent-1"))
	got = r.collect(func(e controller.Event) bool { return e.Type == controller.EventHungUp && e.Leg == "agent-1" })
	if ev := got[len(got)-1]; ev.HangupBy != controller.HangupRemote || ev.Cause != controller.CauseNormalClearing {
		t.Fatalf("far-side hangup: %s", describe(ev))
	}
	if err := r.d.Answer(ctx, caller); !errors.Is(err, controller.ErrNoSuchLeg) {
		t.Fatalf("answer on a gone leg: %v, want ErrNoSuchLeg", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestSimWebSocketLossMidCall(t *testing.T) {
	r := startSim(t)
	ctx := context.Background()
	must(t, r.sim.DefineEndpoint(sim.EndpointSpec{Number: "1001", Behavior: sim.BehaviorAnswer}))
	caller, err := r.sim.PlaceCall(sim.CallSpec{Front: sim.FrontAsterisk, From: "15551230001", To: "5551000"})
	must(t, err)
	r.expect(controller.EventCallArrived, caller)
	must(t, r.d.Answer(ctx, caller))
	r.expect(controller.EventAnswered, caller)
	must(t, r.d.Originate(ctx, controller.Originate{LegID: "agent-1", Endpoint: controller.Endpoint{Kind: controller.EndpointExtension, Number: "1001"}}))
	r.expect(controller.EventAnswered, "agent-1")
	must(t, r.d.Bridge(ctx, caller, "agent-1"))
	r.expectSet(controller.EventBridged, caller, "agent-1")

	// The socket dies and Asterisk is unreachable for a while: the agent
	// hangs up and a new call enters the app, and both events are lost.
	r.proxy.block(true)
	r.proxy.cut()
	r.next(controller.EventSwitchDisconnected)
	if err := r.d.Play(ctx, caller, controller.Playback{ID: "pb-x", Media: []controller.Media{{Kind: controller.MediaFile, Value: "beep"}}}); !errors.Is(err, controller.ErrNotConnected) {
		t.Fatalf("play during the outage: %v, want ErrNotConnected", err)
	}
	must(t, r.sim.HangupCall("agent-1"))
	second, err := r.sim.PlaceCall(sim.CallSpec{Front: sim.FrontAsterisk, From: "15550002222", To: "5552000"})
	must(t, err)
	time.Sleep(100 * time.Millisecond)
	r.proxy.block(false)

	got := r.collect(func(e controller.Event) bool { return e.Type == controller.EventSwitchConnected })
	seen := map[string]bool{}
	for _, e := range got {
		seen[describe(e)] = true
	}
	for _, want := range []string{
		"hung_up leg=agent-1 cause=NORMAL_UNSPECIFIED by=unknown",
		"call_arrived leg=" + second + " ani=15550002222 dnis=5552000",
		"unbridged leg=" + caller + " other=agent-1",
	} {
		if !seen[want] {
			t.Errorf("after reconnect, missing %q in:%s", want, describeAll(got))
		}
	}
	// The surviving call is still under control.
	must(t, r.d.Play(ctx, caller, controller.Playback{ID: "pb-after", Media: []controller.Media{{Kind: controller.MediaFile, Value: "beep"}}}))
	if ev := r.expect(controller.EventPlaybackFinished, caller); ev.PlaybackID != "pb-after" {
		t.Fatalf("playback after reconnect: %s", describe(ev))
	}
	must(t, r.d.Hangup(ctx, caller, ""))
	r.expect(controller.EventHungUp, caller)
}

func TestSimOriginateOutcomes(t *testing.T) {
	r := startSim(t)
	ctx := context.Background()
	for _, tc := range []struct {
		behavior string
		cause    controller.Cause
		by       controller.HangupSide
	}{
		{sim.BehaviorAnswer, "", 0},
		{"busy", controller.CauseUserBusy, controller.HangupRemote},
		{"reject", controller.CauseCallRejected, controller.HangupRemote},
		{"ring", controller.CauseNoAnswer, controller.HangupRemote},
		// An unreachable endpoint: the POST /channels itself fails with
		// 500 "Allocation failed", as real Asterisk does for PJSIP/x.
		{"absent", "", 0},
	} {
		t.Run(tc.behavior, func(t *testing.T) {
			num := "30" + strconv.Itoa(len(tc.behavior))
			must(t, r.sim.DefineEndpoint(sim.EndpointSpec{Number: num, Behavior: tc.behavior}))
			leg := "o-" + tc.behavior
			err := r.d.Originate(ctx, controller.Originate{LegID: leg, Endpoint: controller.Endpoint{Kind: controller.EndpointExtension, Number: num}, Timeout: time.Second})
			if tc.behavior == "absent" {
				if !errors.Is(err, controller.ErrRejected) || !strings.Contains(err.Error(), "Allocation failed") {
					t.Fatalf("originate to an absent endpoint: %v", err)
				}
				// Also a failed attempt with chan_pjsip's cause, so outbound
				// routing can fail over to the next trunk.
				var oe *controller.OriginateError
				if !errors.As(err, &oe) || oe.Cause != controller.CauseNoRouteDestination || oe.Leg != leg {
					t.Fatalf("originate to an absent endpoint is not a failed attempt with NO_ROUTE_DESTINATION: %v", err)
				}
				return
			}
			must(t, err)
			got := r.collect(func(e controller.Event) bool {
				return e.Leg == leg && (e.Type == controller.EventHungUp || e.Type == controller.EventAnswered)
			})
			last := got[len(got)-1]
			if tc.cause == "" {
				if last.Type != controller.EventAnswered {
					t.Fatalf("got%s", describeAll(got))
				}
				must(t, r.d.Hangup(ctx, leg, ""))
				r.expect(controller.EventHungUp, leg)
				return
			}
			if last.Type != controller.EventHungUp || last.Cause != tc.cause || last.HangupBy != tc.by {
				t.Fatalf("got%s\nwant hung_up cause=%s by=%s", describeAll(got), tc.cause, tc.by)
			}
		})
	}
}

func TestSimConferenceHoldTransfer(t *testing.T) {
	r := startSim(t)
	ctx := context.Background()
	var legs []string
	for i, from := range []string{"15550000001", "15550000002", "15550000003"} {
		id, err := r.sim.PlaceCall(sim.CallSpec{Front: sim.FrontAsterisk, From: from, To: "5551000"})
		must(t, err)
		r.expect(controller.EventCallArrived, id)
		must(t, r.d.Answer(ctx, id))
		r.expect(controller.EventAnswered, id)
		legs = append(legs, id)
		_ = i
	}
	a, b, c := legs[0], legs[1], legs[2]
	must(t, r.d.JoinConference(ctx, a, "huddle", controller.ConferenceOptions{Moderator: true}))
	must(t, r.d.JoinConference(ctx, b, "huddle", controller.ConferenceOptions{Muted: true}))
	if ev := r.expect(controller.EventConferenceJoined, a); ev.Room != "huddle" {
		t.Fatalf("joined: %s", describe(ev))
	}
	r.expect(controller.EventConferenceJoined, b)
	checkHears(t, r.sim, map[[2]string]bool{{b, a}: true, {a, b}: false})
	must(t, r.d.MuteConference(ctx, b, "huddle", false))
	checkHears(t, r.sim, map[[2]string]bool{{a, b}: true})
	must(t, r.d.LeaveConference(ctx, b, "huddle"))
	r.expect(controller.EventConferenceLeft, b)

	must(t, r.d.Hold(ctx, c, ""))
	r.expect(controller.EventHold, c)
	must(t, r.d.Unhold(ctx, c))
	r.expect(controller.EventUnhold, c)

	must(t, r.d.Transfer(ctx, c, controller.DialplanTarget{Extension: "200", Context: "from-ipcc"}))
	// The leg left ipcc control: commands are refused by Asterisk, no events follow.
	must(t, r.d.Hangup(ctx, a, ""))
	got := r.collect(func(e controller.Event) bool { return e.Type == controller.EventHungUp && e.Leg == a })
	for _, e := range got {
		if e.Leg == c {
			t.Fatalf("event for the transferred leg: %s", describe(e))
		}
	}
}
