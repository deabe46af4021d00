package freeswitch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ipcc/ipcc/controller"
)

func testConfig(addr string) Config {
	return Config{
		Name: "fs1", Addr: addr, Password: "ClueCon",
		DialTimeout: time.Second, CommandTimeout: time.Second,
		HeartbeatInterval: 5 * time.Second, ReorderWindow: 10 * time.Millisecond,
		ReconnectMin: 20 * time.Millisecond, ReconnectMax: 100 * time.Millisecond,
		// Scripted servers list at once; tests against the simulator's
		// lagging listing set their own.
		ListingLag: 20 * time.Millisecond,
		// The connection tests count and script one connection; the
		// command pool has its own test.
		CommandConns: -1,
	}
}

// startDriver runs a driver against addr until the test ends (or stop).
func startDriver(t *testing.T, addr string, mod func(*Config)) (*Driver, func()) {
	t.Helper()
	cfg := testConfig(addr)
	if mod != nil {
		mod(&cfg)
	}
	d := New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("Run returned %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Error("Run did not return after cancel")
			}
		})
	}
	t.Cleanup(stop)
	return d, stop
}

// waitFor reads events until one matches.
func waitFor(t *testing.T, d *Driver, what string, match func(controller.Event) bool) controller.Event {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case ev, ok := <-d.Events():
			if !ok {
				t.Fatalf("events closed while waiting for %s", what)
			}
			if match(ev) {
				return ev
			}
		case <-deadline:
			t.Fatalf("timeout waiting for %s", what)
		}
	}
}

func isType(typ controller.EventType, leg string) func(controller.Event) bool {
	return func(ev controller.Event) bool { return ev.Type == typ && (leg == "" || ev.Leg == leg) }
}

const ownedLeg = "11111111-2222-4333-8444-555555555555"

func ownedChannels(s *testServer) {
	s.setChannels(
		`{"row_count":1,"rows":[{"uuid":"`+ownedLeg+`","direction":"inbound","created_epoch":"1795305557","callstate":"ACTIVE","state":"CS_EXECUTE"}]}`,
		`{"row_count": 0}`,
		map[string]string{ownedLeg: `{"Event-Name":"CHANNEL_DATA","Unique-ID":"` + ownedLeg + `","Answer-State":"answered",` +
			`"Caller-Channel-Answered-Time":"1795305635346843",` +
			`"Caller-Caller-ID-Number":"15551230001","Caller-Caller-ID-Name":"Customer","Caller-Destination-Number":"ringpark",` +
			`"variable_ipcc_did":"8008","variable_ipcc_owned":"true","variable_ipcc_queue":"sales a%20b"}`})
}

func TestConnectSubscribeResync(t *testing.T) {
	s := newTestServer(t)
	ownedChannels(s)
	d, _ := startDriver(t, s.addr(), nil)
	a := waitFor(t, d, "re-adopted call", isType(controller.EventCallArrived, ownedLeg))
	if a.DNIS != "8008" || a.ANI != "15551230001" || a.Vars["ipcc_queue"] != "sales a%20b" {
		t.Errorf("CallArrived = %+v (uuid_dump json values are not URL-decoded)", a)
	}
	waitFor(t, d, "answered", isType(controller.EventAnswered, ownedLeg))
	waitFor(t, d, "connected", isType(controller.EventSwitchConnected, ""))
	if !d.Connected() {
		t.Error("Connected() = false after SwitchConnected")
	}
	cmds := s.commands()
	want := []string{renderSubscribe(), renderShowChannels, renderShowBridged, "api uuid_dump " + ownedLeg + " json"}
	if len(cmds) < len(want) {
		t.Fatalf("commands %q", cmds)
	}
	for i, w := range want {
		if cmds[i] != w {
			t.Errorf("command %d = %q, want %q", i, cmds[i], w)
		}
	}
	legs, err := d.Legs(context.Background())
	if err != nil || len(legs) != 1 || !legs[0].Owned || legs[0].State != controller.LegAnswered || !legs[0].Inbound {
		t.Errorf("Legs = %+v, %v", legs, err)
	} else if want := time.UnixMicro(1795305635346843); !legs[0].Answered.Equal(want) {
		t.Errorf("Legs: answered at %v, want %v (Caller-Channel-Answered-Time)", legs[0].Answered, want)
	}
}

func TestOneCommandInFlight(t *testing.T) {
	s := newTestServer(t)
	var inflight atomic.Int32
	s.setHandler(func(c *serverConn, cmd string, _ map[string]string) bool {
		n, ok := strings.CutPrefix(cmd, "api echo ")
		if !ok {
			return false
		}
		if inflight.Add(1) != 1 {
			t.Errorf("a second command arrived before the reply to the first")
		}
		go func() {
			time.Sleep(time.Duration(rand.IntN(2000)) * time.Microsecond)
			inflight.Add(-1)
			c.api("+OK " + n + "\n")
		}()
		return true
	})
	d, _ := startDriver(t, s.addr(), nil)
	waitFor(t, d, "connected", isType(controller.EventSwitchConnected, ""))
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			reply, err := d.run(context.Background(), "echo", "", fmt.Sprintf("api echo %d", i))
			if err != nil || strings.TrimSpace(reply) != fmt.Sprintf("+OK %d", i) {
				t.Errorf("command %d got reply %q, %v", i, reply, err)
			}
		})
	}
	wg.Wait()
}

func TestEventsReorderedBySequence(t *testing.T) {
	s := newTestServer(t)
	ownedChannels(s)
	d, _ := startDriver(t, s.addr(), func(c *Config) { c.ReorderWindow = 30 * time.Millisecond })
	c := s.waitConn(t)
	waitFor(t, d, "connected", isType(controller.EventSwitchConnected, ""))
	const n = 300
	base := uint64(1_000_000)
	var frames strings.Builder
	for i := range n {
		seq := base + uint64(i)
		if i%7 == 3 {
			seq++ // gaps: events we did not subscribe to
			base++
		}
		frames.WriteString(eventFrame(seq, "", "Event-Name: DTMF", "Unique-ID: "+ownedLeg,
			fmt.Sprintf("DTMF-Digit: %d", i%10), "variable_ipcc_owned: true", fmt.Sprintf("Event-Sequence: %d", seq)))
	}
	c.write(frames.String())
	for i := range n {
		ev := waitFor(t, d, "dtmf", isType(controller.EventDTMF, ownedLeg))
		if ev.Digit != fmt.Sprint(i%10) {
			t.Fatalf("dtmf %d: digit %s, want %d (order lost)", i, ev.Digit, i%10)
		}
	}
}

func TestHeartbeatLossReconnectsAndReadopts(t *testing.T) {
	s := newTestServer(t)
	ownedChannels(s)
	d, _ := startDriver(t, s.addr(), func(c *Config) { c.HeartbeatInterval = 80 * time.Millisecond })
	c1 := s.waitConn(t)
	waitFor(t, d, "first re-adoption", isType(controller.EventCallArrived, ownedLeg))
	waitFor(t, d, "connected", isType(controller.EventSwitchConnected, ""))
	// conn 1 falls silent: no heartbeat, socket still open.
	down := waitFor(t, d, "disconnected", isType(controller.EventSwitchDisconnected, ""))
	if !strings.Contains(down.Err, "heartbeat") {
		t.Errorf("disconnect reason %q", down.Err)
	}
	c2 := s.waitConn(t)
	stopBeat := make(chan struct{})
	defer close(stopBeat)
	go func() {
		for {
			select {
			case <-stopBeat:
				return
			case <-time.After(20 * time.Millisecond):
				c2.event("", "Event-Name: HEARTBEAT")
			}
		}
	}()
	waitFor(t, d, "second re-adoption", isType(controller.EventCallArrived, ownedLeg))
	waitFor(t, d, "reconnected", isType(controller.EventSwitchConnected, ""))
	if c1.n != 1 || c2.n != 2 {
		t.Errorf("connections %d %d", c1.n, c2.n)
	}
	subs := 0
	for _, cmd := range s.commands() {
		if cmd == renderSubscribe() {
			subs++
		}
	}
	if subs != 2 {
		t.Errorf("subscribed %d times, want 2", subs)
	}
	// With heartbeats flowing the connection stays up.
	select {
	case ev := <-d.Events():
		if ev.Type == controller.EventSwitchDisconnected {
			t.Errorf("disconnected although heartbeats flow: %+v", ev)
		}
	case <-time.After(300 * time.Millisecond):
	}
	if st := d.Stats(); st.Reconnects < 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestCommandDeadlineKillsConnection(t *testing.T) {
	s := newTestServer(t)
	s.setHandler(func(c *serverConn, cmd string, _ map[string]string) bool {
		return strings.HasPrefix(cmd, "api uuid_answer ") && c.n == 1 // never answered on conn 1
	})
	d, _ := startDriver(t, s.addr(), func(c *Config) { c.CommandTimeout = 150 * time.Millisecond })
	waitFor(t, d, "connected", isType(controller.EventSwitchConnected, ""))
	began := time.Now()
	err := d.Answer(context.Background(), ownedLeg)
	if !errors.Is(err, controller.ErrNotConnected) || time.Since(began) > time.Second {
		t.Fatalf("Answer = %v after %s", err, time.Since(began))
	}
	waitFor(t, d, "disconnected", isType(controller.EventSwitchDisconnected, ""))
	waitFor(t, d, "reconnected", isType(controller.EventSwitchConnected, ""))
	if err := d.Answer(context.Background(), ownedLeg); err != nil {
		t.Errorf("Answer on the new connection: %v", err)
	}
	if st := d.Stats(); st.CommandTimeouts != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestWrongPasswordRetriesWithoutHanging(t *testing.T) {
	s := newTestServer(t, func(s *testServer) { s.password = "other" })
	d, stop := startDriver(t, s.addr(), nil)
	time.Sleep(300 * time.Millisecond)
	if d.Connected() {
		t.Fatal("connected with a wrong password")
	}
	if st := d.Stats(); st.Reconnects < 2 {
		t.Errorf("expected repeated attempts, stats %+v", st)
	}
	stop()
}

func TestSilentServerDoesNotHangDial(t *testing.T) {
	s := newTestServer(t, func(s *testServer) { s.noGreeting = true })
	d, stop := startDriver(t, s.addr(), func(c *Config) { c.DialTimeout = 100 * time.Millisecond })
	time.Sleep(400 * time.Millisecond)
	stop()
	if st := d.Stats(); st.Reconnects < 2 {
		t.Errorf("expected repeated dial attempts: %+v", st)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := testConfig("127.0.0.1:8021").Validate(); err != nil {
		t.Errorf("valid config: %v", err)
	}
	bad := Config{Addr: "nohostport", Password: "a\nb", DIDVariable: "bad var"}
	err := bad.Validate()
	for _, want := range []string{"name", "addr", "password", "did_variable"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want a message about %s", err, want)
		}
	}
	if err := New(bad, nil).Run(context.Background()); err == nil {
		t.Error("Run accepted an invalid config")
	}
}

func TestNotConnected(t *testing.T) {
	d := New(testConfig("127.0.0.1:1"), nil)
	if err := d.Answer(context.Background(), ownedLeg); !errors.Is(err, controller.ErrNotConnected) {
		t.Errorf("Answer before Run = %v", err)
	}
	if err := d.Answer(context.Background(), "bad leg"); !errors.Is(err, controller.ErrRejected) {
		t.Errorf("Answer with a bad id = %v", err)
	}
}

func TestSlowConsumerNeitherBlocksNorDrops(t *testing.T) {
	s := newTestServer(t)
	ownedChannels(s)
	d, _ := startDriver(t, s.addr(), nil)
	c := s.waitConn(t)
	waitFor(t, d, "connected", isType(controller.EventSwitchConnected, ""))
	const n = 3000
	var frames strings.Builder
	for range n {
		frames.WriteString(eventFrame(testSeq.Add(1), "", "Event-Name: DTMF", "Unique-ID: "+ownedLeg,
			"DTMF-Digit: 1", "variable_ipcc_owned: true"))
	}
	c.write(frames.String())
	deadline := time.Now().Add(5 * time.Second)
	for d.Stats().EventsIn < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	for d.Stats().QueueDepth < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	st := d.Stats()
	if st.EventsIn < n || st.QueueDepth < n {
		t.Fatalf("reader stalled behind a consumer that reads nothing: %+v", st)
	}
	for range n {
		waitFor(t, d, "dtmf", isType(controller.EventDTMF, ownedLeg))
	}
}

func TestRunStopsEveryGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	s := newTestServer(t)
	ownedChannels(s)
	d, stop := startDriver(t, s.addr(), nil)
	waitFor(t, d, "connected", isType(controller.EventSwitchConnected, ""))
	stop()
	for range d.Events() {
	}
	s.close()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines before Run, %d after it returned:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

func TestCollector(t *testing.T) {
	d := New(testConfig("127.0.0.1:1"), nil)
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(d.Collector()); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil || len(mfs) != 10 {
		t.Fatalf("gathered %d families, %v", len(mfs), err)
	}
}

// TestReplayTranscriptOverSocket writes the events of a real capture (the
// SIPp call) over the socket, byte for byte as FreeSWITCH framed them (the
// park gets the ipcc_did the ipcc dialplan would set), and expects the same
// neutral events as the golden translation.
func TestReplayTranscriptOverSocket(t *testing.T) {
	s := newTestServer(t)
	d, _ := startDriver(t, s.addr(), nil)
	c := s.waitConn(t)
	waitFor(t, d, "connected", isType(controller.EventSwitchConnected, ""))
	var wire strings.Builder
	for _, r := range readTranscript(t, "esl-sipp-transcript.txt") {
		e := r.event()
		if e == nil {
			continue
		}
		_, body := r.outer()
		if e.name() == "CHANNEL_PARK" {
			body = []byte(strings.Replace(string(body), "\n\n", "\nvariable_ipcc_did: 9999\nvariable_ipcc_queue: sales\n\n", 1))
		}
		fmt.Fprintf(&wire, "Content-Length: %d\nContent-Type: text/event-plain\n\n%s", len(body), body)
	}
	c.write(wire.String())
	var got []string
	for len(got) < 2 {
		ev := waitFor(t, d, "replayed events", func(ev controller.Event) bool { return ev.Leg != "" })
		got = append(got, formatEvent(ev))
	}
	want := []string{
		"call_arrived leg=6e7aa13d-05c6-477d-8a93-1d1b6c4d0b1a ani=sipp ani_name=sipp dnis=9999 var.ipcc_did=9999 var.ipcc_queue=sales",
		"hung_up leg=6e7aa13d-05c6-477d-8a93-1d1b6c4d0b1a cause=NORMAL_CLEARING by=remote",
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
	eventually(t, "the leg was marked as ipcc's", func() bool {
		for _, cmd := range s.commands() {
			if cmd == "api uuid_setvar 6e7aa13d-05c6-477d-8a93-1d1b6c4d0b1a ipcc_owned 6e7aa13d-05c6-477d-8a93-1d1b6c4d0b1a" {
				return true
			}
		}
		return false
	})
}

// Command connections carry several commands at a time, up to
// CommandsInFlight each, and hand every reply to its own command: the
// server, like FreeSWITCH, answers a connection's commands in order, each
// after its own random delay.
func TestCommandPoolPipelinesInOrder(t *testing.T) {
	s := newTestServer(t)
	const perConn = 4
	var mu sync.Mutex
	queues := map[*serverConn]chan string{}
	inflight := map[*serverConn]int{}
	maxConn, maxTotal, total := 0, 0, 0
	s.setHandler(func(c *serverConn, cmd string, _ map[string]string) bool {
		n, ok := strings.CutPrefix(cmd, "api echo ")
		if !ok {
			return false
		}
		mu.Lock()
		q := queues[c]
		if q == nil {
			q = make(chan string, 1000)
			queues[c] = q
			go func() { // one command after the other, in order
				for n := range q {
					time.Sleep(time.Duration(rand.IntN(2000)) * time.Microsecond)
					mu.Lock()
					inflight[c]--
					total--
					mu.Unlock()
					c.api("+OK " + n + "\n")
				}
			}()
		}
		inflight[c]++
		total++
		maxConn, maxTotal = max(maxConn, inflight[c]), max(maxTotal, total)
		if inflight[c] > perConn {
			t.Errorf("%d commands in flight on connection %d, limit %d", inflight[c], c.n, perConn)
		}
		mu.Unlock()
		q <- n
		return true
	})
	d, _ := startDriver(t, s.addr(), func(c *Config) { c.CommandConns, c.CommandsInFlight = 3, perConn })
	waitFor(t, d, "connected", isType(controller.EventSwitchConnected, ""))
	var wg sync.WaitGroup
	for i := range 60 {
		wg.Go(func() {
			reply, err := d.run(context.Background(), "echo", "", fmt.Sprintf("api echo %d", i))
			if err != nil || strings.TrimSpace(reply) != fmt.Sprintf("+OK %d", i) {
				t.Errorf("command %d got reply %q, %v", i, reply, err)
			}
		})
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if maxConn < 2 {
		t.Errorf("never two commands in flight on one connection (max %d)", maxConn)
	}
	if maxTotal <= perConn {
		t.Errorf("commands never spread over connections (max %d in flight)", maxTotal)
	}
}

// Calls' commands — api, bgapi originate, sendmsg playback — go to the
// command connections, never to the event connection, whose replies would
// wait behind the event stream; the event connection keeps the
// subscription (and the liveness ping).
func TestCommandsOffTheEventConnection(t *testing.T) {
	s := newTestServer(t)
	var mu sync.Mutex
	eventConn := 0
	on := map[string][]int{} // verb → connections it arrived on
	s.setHandler(func(c *serverConn, cmd string, _ map[string]string) bool {
		verb, _, _ := strings.Cut(cmd, " ")
		mu.Lock()
		if verb == "event" {
			eventConn = c.n
		}
		on[verb] = append(on[verb], c.n)
		mu.Unlock()
		return false
	})
	d, _ := startDriver(t, s.addr(), func(c *Config) { c.CommandConns = 2 })
	waitFor(t, d, "connected", isType(controller.EventSwitchConnected, ""))
	ctx := context.Background()
	leg := "22222222-3333-4444-8555-666666666666"
	if err := d.Originate(ctx, controller.Originate{LegID: leg,
		Endpoint: controller.Endpoint{Kind: controller.EndpointExtension, Number: "1001"}}); err != nil {
		t.Fatal(err)
	}
	if err := d.Play(ctx, ownedLeg, controller.Playback{ID: "pb1", Media: []controller.Media{
		{Kind: controller.MediaTone, Value: "beep"}, {Kind: controller.MediaSilence, Value: "50"}}}); err != nil {
		t.Fatal(err)
	}
	if err := d.Answer(ctx, ownedLeg); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if eventConn == 0 {
		t.Fatal("no event subscription seen")
	}
	for _, verb := range []string{"bgapi", "sendmsg", "api"} {
		if len(on[verb]) == 0 {
			t.Errorf("no %s command seen", verb)
		}
		for _, n := range on[verb] {
			if n == eventConn {
				t.Errorf("%s sent on the event connection (%d); want a command connection", verb, n)
			}
		}
	}
}

// A command whose context has ended is not sent, even on a free
// connection: a stopping controller's handlers must not hang up calls the
// next controller takes over (issue 16, `ipcc bench failover --pause`).
func TestCancelledCommandIsNotSent(t *testing.T) {
	s := newTestServer(t)
	ownedChannels(s)
	d, _ := startDriver(t, s.addr(), nil)
	waitFor(t, d, "connected", isType(controller.EventSwitchConnected, ""))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 50 {
		if err := d.Hangup(ctx, ownedLeg, controller.CauseNormalClearing); !errors.Is(err, context.Canceled) {
			t.Fatalf("Hangup with a cancelled context = %v", err)
		}
	}
	for _, cmd := range s.commands() {
		if strings.Contains(cmd, "kill") || strings.Contains(cmd, "hangup") {
			t.Fatalf("a cancelled hang-up was sent: %q", cmd)
		}
	}
}
