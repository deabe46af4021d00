package asterisk

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/asterisk/ari"
)

// transcriptReply returns the reply a real Asterisk gave at seq in file.
func transcriptReply(t *testing.T, file string, seq int) *reply {
	t.Helper()
	for _, l := range readTranscript(t, filepath.Join(referenceDir(t), "transcripts", file)) {
		if l.Seq == seq && l.Kind == "rest_response" {
			var body any
			raw := readRawLine(t, file, seq)
			if err := json.Unmarshal(raw, &body); err != nil {
				t.Fatal(err)
			}
			return &reply{status: l.Status, body: body}
		}
	}
	t.Fatalf("%s: no rest_response with seq %d", file, seq)
	return nil
}

func readRawLine(t *testing.T, file string, seq int) json.RawMessage {
	t.Helper()
	var line struct {
		Seq  int             `json:"seq"`
		Body json.RawMessage `json:"body"`
	}
	for _, l := range strings.Split(readFile(t, filepath.Join(referenceDir(t), "transcripts", file)), "\n") {
		if l == "" {
			continue
		}
		if err := json.Unmarshal([]byte(l), &line); err == nil && line.Seq == seq {
			return line.Body
		}
	}
	t.Fatalf("%s: seq %d not found", file, seq)
	return nil
}

// transcriptFrames returns the ws_event frames with seq in [from, to], as
// sent to app "ipcc" (the captures used app "callcenter").
func transcriptFrames(t testing.TB, file string, from, to int) []string {
	t.Helper()
	var out []string
	for _, l := range readTranscript(t, filepath.Join(referenceDir(t), "transcripts", file)) {
		if l.Kind != "ws_event" || l.Seq < from || l.Seq > to {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(l.Event, &m); err != nil {
			t.Fatal(err)
		}
		m["application"] = "ipcc"
		b, _ := json.Marshal(m)
		out = append(out, string(b))
	}
	return out
}

func TestAuthFailure(t *testing.T) {
	f := newFakeARI(t)
	h := startHarness(t, f, func(c *Config) { c.Password = "wrong" })
	time.Sleep(150 * time.Millisecond) // a few dial attempts with backoff
	if h.d.Connected() {
		t.Fatal("connected with a wrong password")
	}
	select {
	case ev := <-h.events:
		t.Fatalf("unexpected event %s", describe(ev))
	default:
	}
	err := h.d.Answer(context.Background(), "x")
	if !errors.Is(err, controller.ErrNotConnected) {
		t.Fatalf("Answer while not connected: %v, want ErrNotConnected", err)
	}
	// The REST client reports Asterisk's 401 text.
	_, err = h.d.cl.Ping(context.Background())
	if ari.StatusOf(err) != 401 || !strings.Contains(err.Error(), "Authentication required") {
		t.Fatalf("ping with a wrong password: %v", err)
	}
	if got := h.d.fail("ping", "", err); !errors.Is(got, controller.ErrRejected) {
		t.Fatalf("401 maps to %v, want ErrRejected", got)
	}
}

func TestErrorMapping(t *testing.T) {
	f := newFakeARI(t)
	h := startHarness(t, f, nil)
	h.next(controller.EventSwitchConnected)
	h.inbound("in-1", "100", "200")
	ctx := context.Background()

	type tc struct {
		name    string
		reply   *reply
		do      func() error
		want    error // nil = success
		message string
	}
	cases := []tc{
		{"404 on answer is ErrNoSuchLeg", transcriptReply(t, "ari-errors.jsonl", 38),
			func() error { return h.d.Answer(ctx, "no-such-channel") }, controller.ErrNoSuchLeg, "Channel not found"},
		{"409 recording exists is ErrRejected", transcriptReply(t, "ari-transcript.jsonl", 80),
			func() error {
				return h.d.Record(ctx, "in-1", controller.Recording{ID: "r1", Path: "/var/spool/asterisk/recording/cc-rec-1.wav"})
			}, controller.ErrRejected, "already exists"},
		{"409 channel not in Stasis is ErrRejected", transcriptReply(t, "ari-errors.jsonl", 122),
			func() error {
				return h.d.Play(ctx, "np-1", controller.Playback{ID: "p1", Media: []controller.Media{{Kind: controller.MediaFile, Value: "beep"}}})
			}, controller.ErrRejected, "Channel not in Stasis application"},
		{"422 addChannel is ErrRejected", transcriptReply(t, "ari-errors.jsonl", 104),
			func() error { return h.d.Bridge(ctx, "in-1", "np-1") }, controller.ErrRejected, "Channel not in Stasis application"},
		{"400 Channel not found on addChannel is ErrNoSuchLeg", transcriptReply(t, "ari-errors.jsonl", 106),
			func() error { return h.d.Bridge(ctx, "in-1", "gone-1") }, controller.ErrNoSuchLeg, "Channel not found"},
		{"500 Allocation failed is ErrRejected", transcriptReply(t, "ari-errors.jsonl", 10),
			func() error {
				return h.d.Originate(ctx, controller.Originate{LegID: "o1", Endpoint: controller.Endpoint{Kind: controller.EndpointRaw, Number: "PJSIP/x"}})
			}, controller.ErrRejected, "Allocation failed"},
		{"400 bad reason is ErrRejected", transcriptReply(t, "ari-errors.jsonl", 76),
			func() error { return h.d.Hangup(ctx, "in-1", controller.CauseUserBusy) }, controller.ErrRejected, "Invalid reason"},
		{"404 on stop playback is not an error", transcriptReply(t, "ari-errors.jsonl", 88),
			func() error { return h.d.StopPlayback(ctx, "in-1", "no-such-playback") }, nil, ""},
		{"404 snoop target is ErrNoSuchLeg", transcriptReply(t, "ari-errors.jsonl", 44),
			func() error { return h.d.Eavesdrop(ctx, "in-1", "no-such-channel", controller.EavesdropListen) }, controller.ErrNoSuchLeg, "Provided channel was not found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.setHandler(func(r recorded) *reply {
				if r.Method == "POST" && strings.HasPrefix(r.Path, "/bridges") && !strings.HasSuffix(r.Path, "addChannel") {
					return nil // let bridge creation succeed
				}
				return c.reply
			})
			defer f.setHandler(nil)
			err := c.do()
			switch {
			case c.want == nil && err != nil:
				t.Fatalf("got %v, want success", err)
			case c.want != nil && !errors.Is(err, c.want):
				t.Fatalf("got %v, want %v", err, c.want)
			case c.want != nil && (!strings.Contains(err.Error(), c.message) || !strings.HasPrefix(err.Error(), "asterisk pbx1: ")):
				t.Fatalf("error %q lacks context or Asterisk's message %q", err, c.message)
			}
		})
	}
	// A failed originate releases its leg id.
	err := h.d.Originate(ctx, controller.Originate{LegID: "o1", Endpoint: controller.Endpoint{Kind: controller.EndpointRaw, Number: "Local/x@test"}})
	if err != nil {
		t.Fatalf("originate after a failed one with the same id: %v", err)
	}
}

func TestEventsBeforeReply(t *testing.T) {
	f := newFakeARI(t)
	h := startHarness(t, f, nil)
	h.next(controller.EventSwitchConnected)
	// Real Asterisk: agent-1's ChannelCreated .. StasisStart (seq 92-109 of
	// ari-transcript) can all precede the POST /channels reply.
	frames := transcriptFrames(t, "ari-transcript.jsonl", 92, 109)
	f.setHandler(func(r recorded) *reply {
		if r.Method == "POST" && r.Path == "/channels" {
			return &reply{status: 200, body: channelJSON("agent-1", "Up", "7000", ""), events: frames}
		}
		if strings.HasSuffix(r.Path, "/play") {
			pb := map[string]any{"id": "pb-1", "media_uri": "sound:beep", "target_uri": "channel:agent-1", "language": "en", "state": "playing"}
			return &reply{status: 201, body: pb, events: []string{event("PlaybackStarted", map[string]any{"playback": pb})}}
		}
		return nil
	})
	ctx := context.Background()
	err := h.d.Originate(ctx, controller.Originate{LegID: "agent-1", Endpoint: controller.Endpoint{Kind: controller.EndpointRaw, Number: "Local/agent@test/n"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.d.Play(ctx, "agent-1", controller.Playback{ID: "pb-1", Media: []controller.Media{{Kind: controller.MediaTone, Value: "beep"}}}); err != nil {
		t.Fatal(err)
	}
	got := h.collect(func(e controller.Event) bool { return e.Type == controller.EventPlaybackStarted })
	want := "\n  answered leg=agent-1\n  playback_started leg=agent-1 playback=pb-1"
	if describeAll(got) != want {
		t.Fatalf("events:%s\nwant:%s", describeAll(got), want)
	}
}

func TestReconnectReconcileReadopt(t *testing.T) {
	f := newFakeARI(t)
	h := startHarness(t, f, nil)
	h.next(controller.EventSwitchConnected)
	ctx := context.Background()
	h.inbound("in-1", "15551230001", "5551000")
	if err := h.d.Originate(ctx, controller.Originate{LegID: "agent-1", Endpoint: controller.Endpoint{Kind: controller.EndpointExtension, Number: "1001"}}); err != nil {
		t.Fatal(err)
	}
	if err := h.d.Play(ctx, "in-1", controller.Playback{ID: "pb-1", Media: []controller.Media{{Kind: controller.MediaFile, Value: "hello-world"}}}); err != nil {
		t.Fatal(err)
	}
	f.send(event("PlaybackStarted", map[string]any{"playback": map[string]any{"id": "pb-1", "media_uri": "sound:hello-world", "target_uri": "channel:in-1", "state": "playing"}}))
	h.next(controller.EventPlaybackStarted)

	// During the outage: in-1 was answered (its event is lost), agent-1 hung
	// up, the playback ended, and a new call entered the app.
	f.setChannels(
		channelJSON("in-1", "Up", "15551230001", "ipcc,5551000"),
		channelJSON("new-1", "Ring", "15550009999", "ipcc,5552000,lang=zh"),
		channelJSON("not-ours", "Up", "", ""),
	)
	f.dropWS()
	h.next(controller.EventSwitchDisconnected)
	if h.d.Connected() {
		t.Fatal("Connected() after the socket dropped")
	}
	got := h.collect(func(e controller.Event) bool { return e.Type == controller.EventSwitchConnected })
	want := strings.Join([]string{"",
		"answered leg=in-1",
		"call_arrived leg=new-1 ani=15550009999 dnis=5552000 var.lang=zh",
		"hung_up leg=agent-1 cause=NORMAL_UNSPECIFIED by=unknown",
		"playback_finished leg=in-1 playback=pb-1",
		"switch_connected",
	}, "\n  ")
	if describeAll(got) != want {
		t.Fatalf("after reconnect:%s\nwant:%s", describeAll(got), want)
	}
	// The re-adopted call works like any other.
	f.send(event("ChannelDtmfReceived", map[string]any{"channel": channelJSON("new-1", "Up", "", "ipcc,5552000"), "digit": "5"}))
	if ev := h.next(controller.EventDTMF); ev.Leg != "new-1" || ev.Digit != "5" {
		t.Fatalf("dtmf after re-adopt: %s", describe(ev))
	}
	if s := h.d.Stats(); s.Sessions != 2 {
		t.Fatalf("sessions = %d, want 2", s.Sessions)
	}
}

func TestApplicationReplacedReconnects(t *testing.T) {
	f := newFakeARI(t)
	h := startHarness(t, f, nil)
	h.next(controller.EventSwitchConnected)
	f.send(event("ApplicationReplaced", nil))
	h.next(controller.EventSwitchDisconnected)
	h.next(controller.EventSwitchConnected)
}

func TestSlowConsumerLosesNothing(t *testing.T) {
	f := newFakeARI(t)
	cfg := Config{Name: "pbx1", URL: f.srv.URL, User: fakeUser, Password: fakePass}
	d, err := New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() { cancel(); <-done }()
	if ev := <-d.Events(); ev.Type != controller.EventSwitchConnected {
		t.Fatalf("first event %s", describe(ev))
	}
	f.send(event("StasisStart", map[string]any{"channel": channelJSON("in-1", "Up", "1", "ipcc,2"), "args": []string{"2"}}))
	const n = 3000
	digits := "0123456789*#"
	start := time.Now()
	for i := 0; i < n; i++ { // nobody reads Events meanwhile
		f.send(event("ChannelDtmfReceived", map[string]any{"channel": map[string]any{"id": "in-1", "state": "Up"}, "digit": digits[i%len(digits) : i%len(digits)+1]}))
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("writing %d frames took %v: the reader blocked", n, el)
	}
	deadline := time.Now().Add(5 * time.Second)
	for d.Stats().Frames < n+1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if s := d.Stats(); s.QueueDepth < n/2 {
		t.Fatalf("queue depth %d with an idle consumer, want the backlog reported", s.QueueDepth)
	}
	if ev := <-d.Events(); ev.Type != controller.EventCallArrived {
		t.Fatalf("got %s", describe(ev))
	}
	if ev := <-d.Events(); ev.Type != controller.EventAnswered {
		t.Fatalf("got %s", describe(ev))
	}
	for i := 0; i < n; i++ {
		ev := <-d.Events()
		if ev.Type != controller.EventDTMF || ev.Digit != digits[i%len(digits):i%len(digits)+1] {
			t.Fatalf("event %d: %s", i, describe(ev))
		}
	}
}

func TestRunStopsEveryGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	f := newFakeARI(t)
	h := startHarness(t, f, func(c *Config) { c.PingInterval = 10 * time.Millisecond })
	h.next(controller.EventSwitchConnected)
	h.inbound("in-1", "1", "2")
	ctx := context.Background()
	_ = h.d.Eavesdrop(ctx, "in-1", "x", controller.EavesdropListen) // starts cleanups
	h.stop()
	if _, ok := <-h.d.Events(); ok {
		for range h.d.Events() {
		}
	}
	f.close()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines after Run returned, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
	if err := h.d.Run(context.Background()); err == nil {
		t.Fatal("second Run succeeded")
	}
}

func TestNotConnectedAfterServerGone(t *testing.T) {
	f := newFakeARI(t)
	h := startHarness(t, f, nil)
	h.next(controller.EventSwitchConnected)
	f.close()
	h.next(controller.EventSwitchDisconnected)
	err := h.d.Hangup(context.Background(), "in-1", "")
	if !errors.Is(err, controller.ErrNotConnected) {
		t.Fatalf("got %v, want ErrNotConnected", err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestStartupAdoptsLiveCalls(t *testing.T) {
	f := newFakeARI(t)
	// A controller restart: calls are already in the app, one originated by
	// the previous run, plus an orphaned snoop and a channel not in Stasis.
	f.setChannels(
		channelJSON("in-7", "Up", "15551230007", "ipcc,5551000,queue=sales"),
		channelJSON("agent-7", "Up", "7000", "ipcc,ipcc-originate"),
		channelJSON("ipcc-snoop-old", "Up", "", "ipcc,ipcc-snoop"),
		channelJSON("pjsip-x", "Up", "", ""),
	)
	h := startHarness(t, f, nil)
	got := h.collect(func(e controller.Event) bool { return e.Type == controller.EventSwitchConnected })
	want := strings.Join([]string{"",
		"call_arrived leg=in-7 ani=15551230007 dnis=5551000 var.queue=sales",
		"answered leg=in-7",
		"call_arrived leg=agent-7 ani=7000 var.ipcc_direction=outbound",
		"answered leg=agent-7",
		"switch_connected",
	}, "\n  ")
	if describeAll(got) != want {
		t.Fatalf("startup:%s\nwant:%s", describeAll(got), want)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		found := false
		for _, r := range f.requests() {
			found = found || r.Method == "DELETE" && r.Path == "/channels/ipcc-snoop-old"
		}
		if found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("orphaned snoop not hung up; requests %v", f.requests())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
