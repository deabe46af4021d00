package astreal_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/asterisk"
	"github.com/ipcc/ipcc/controller/asterisk/ari"
	"github.com/ipcc/ipcc/controller/asterisk/astreal"
	"github.com/ipcc/ipcc/controller/switchtest"
)

// watchApp is an application of the test's own that subscribes to all
// event sources: it sees the playbacks ipcc starts on its legs and holds
// the snoop channels that record what a party hears.
const watchApp = "ipcc-test-holdwatch"

// holdFile is hold music short enough to see the loop go round (Asterisk's
// stock beep, about a quarter of a second: ten of them per playback).
const holdFile = "sound:beep"

type playbackWatch struct {
	t   *testing.T
	evs chan ari.Event
}

func watchHoldPlaybacks(t *testing.T, w *astreal.World) *playbackWatch {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	conn, err := w.Client().DialEvents(ctx, watchApp, true)
	if err != nil {
		cancel()
		t.Fatalf("events socket for %s: %v", watchApp, err)
	}
	p := &playbackWatch{t: t, evs: make(chan ari.Event, 1024)}
	go func() {
		for {
			data, err := conn.Read(ctx)
			if err != nil {
				return
			}
			e, err := ari.DecodeEvent(data)
			if err != nil || e.Playback == nil || !strings.HasPrefix(e.Playback.ID, "ipcc-hold-") {
				continue
			}
			if e.Type == "PlaybackStarted" || e.Type == "PlaybackFinished" {
				select {
				case p.evs <- *e:
				default:
				}
			}
		}
	}()
	t.Cleanup(func() { _ = conn.Close(); cancel() })
	return p
}

// next waits for a hold playback event of type typ (of playback id if not
// empty), skipping others.
func (p *playbackWatch) next(typ, id string, within time.Duration) *ari.Playback {
	p.t.Helper()
	deadline := time.After(within)
	for {
		select {
		case e := <-p.evs:
			if e.Type == typ && (id == "" || e.Playback.ID == id) {
				return e.Playback
			}
		case <-deadline:
			p.t.Fatalf("no %s %s within %v", typ, id, within)
		}
	}
}

// none fails when a hold playback starts within d.
func (p *playbackWatch) none(d time.Duration) {
	p.t.Helper()
	deadline := time.After(d)
	for {
		select {
		case e := <-p.evs:
			if e.Type == "PlaybackStarted" {
				p.t.Fatalf("a hold playback started after the loop ended: %+v", e.Playback)
			}
		case <-deadline:
			return
		}
	}
}

// TestRealAsteriskHoldMusicFile loops hold music from a file on a real
// Asterisk (Local channels, no PJSIP needed): a waiting caller hears ARI
// playbacks one after the other until Unhold, after which none starts; a
// caller held in a bridge gets them on their own channel: recorded through
// snoops, the held caller hears the music and the agent silence; taking
// the held caller out of the bridge answers at once (the driver stops the
// loop first). Last, what the driver guards against: a removeChannel sent
// while a playback runs on the channel waits for the playback.
//
// Opt-in (IPCC_TEST_ASTERISK_HOLDMUSIC=1 with IPCC_TEST_ASTERISK_ARI): on
// the kit's Asterisk (master f0c1c1a7) the one run that passed left the
// ARI sessions of this test's two applications (ipcc-test-holdwatch,
// subscribed to everything, and ipcc-test-party) stuck in CLOSE-WAIT after
// the test closed its sockets: a new WebSocket for either application
// hangs until Asterisk restarts, so the contract suite cannot run after it.
func TestRealAsteriskHoldMusicFile(t *testing.T) {
	if os.Getenv("IPCC_TEST_ASTERISK_HOLDMUSIC") == "" {
		t.Skip("set IPCC_TEST_ASTERISK_HOLDMUSIC=1 (and IPCC_TEST_ASTERISK_ARI) to run against a real Asterisk; restart Asterisk after it (see the comment)")
	}
	w := astreal.FromEnv(t)
	sw := w.NewSwitch(t, "ast-holdfile")
	d := sw.(*asterisk.Driver)
	pbs := watchHoldPlaybacks(t, w)
	watch := switchtest.Watch(t, sw)
	ctx := watch.Ctx
	cl := w.Client()

	const ani = "13800138781"
	leg := w.PlaceCall(t, ani, "4081")
	watch.Wait("the call", switchtest.Is(controller.EventCallArrived, leg))
	defer func() { _ = d.Hangup(context.Background(), leg, controller.CauseNormalClearing) }()
	if err := d.Answer(ctx, leg); err != nil {
		t.Fatal(err)
	}

	// Waiting: the loop goes round, Unhold stops it.
	if err := d.Hold(ctx, leg, holdFile); err != nil {
		t.Fatalf("hold with a file: %v", err)
	}
	watch.Wait("held", switchtest.Is(controller.EventHold, leg))
	first := pbs.next("PlaybackStarted", "", 5*time.Second)
	if first.TargetURI != "channel:"+leg || first.MediaURI != holdFile {
		t.Fatalf("first hold playback: %+v", first)
	}
	began := time.Now()
	pbs.next("PlaybackFinished", first.ID, 20*time.Second)
	t.Logf("one hold playback (the file 10 times) lasted %v", time.Since(began).Round(time.Millisecond))
	second := pbs.next("PlaybackStarted", "", 5*time.Second)
	if second.ID == first.ID {
		t.Fatalf("the same playback again: %+v", second)
	}
	if err := d.Unhold(ctx, leg); err != nil {
		t.Fatalf("unhold: %v", err)
	}
	watch.Wait("unheld", switchtest.Is(controller.EventUnhold, leg))
	pbs.next("PlaybackFinished", second.ID, 2*time.Second)
	pbs.none(3 * time.Second)

	// Held in a bridge: the caller hears the music, the agent silence.
	agent := uuid.NewString()
	if err := d.Originate(ctx, controller.Originate{LegID: agent, Endpoint: w.Phone(t, "2081", "answer"), Timeout: 10 * time.Second}); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = d.Hangup(context.Background(), agent, controller.CauseNormalClearing) }()
	watch.Wait("the agent answered", switchtest.Is(controller.EventAnswered, agent))
	if err := d.Bridge(ctx, leg, agent); err != nil {
		t.Fatal(err)
	}
	watch.Wait("bridged", switchtest.Is(controller.EventBridged, leg))
	tag := strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	callerHears := startHearing(t, w, leg, "ipcc-test-holdfile-caller-"+tag)
	agentHears := startHearing(t, w, agent, "ipcc-test-holdfile-agent-"+tag)
	if err := d.Hold(ctx, leg, holdFile); err != nil {
		t.Fatalf("hold a bridged leg with a file: %v", err)
	}
	watch.Wait("held in the bridge", switchtest.Is(controller.EventHold, leg))
	pb := pbs.next("PlaybackStarted", "", 5*time.Second)
	if pb.TargetURI != "channel:"+leg {
		t.Fatalf("hold playback in the bridge: %+v", pb)
	}
	pbs.next("PlaybackFinished", pb.ID, 20*time.Second)
	next := pbs.next("PlaybackStarted", "", 5*time.Second)
	time.Sleep(time.Second)
	caller := callerHears.stop(t)
	heard := agentHears.stop(t)
	t.Logf("while held: the caller hears RMS %.0f over %v, the agent RMS %.0f over %v", caller.rms, caller.dur, heard.rms, heard.dur)
	if caller.rms < 300 {
		t.Errorf("the held caller does not hear the music (RMS %.0f)", caller.rms)
	}
	if heard.rms > 30 || heard.dur < 3*time.Second {
		t.Errorf("the agent hears something while the caller is held (RMS %.0f over %v)", heard.rms, heard.dur)
	}

	// Out of the bridge while the music plays: the loop ends first, so
	// removeChannel is not queued behind the playback.
	began = time.Now()
	if err := d.Unbridge(ctx, leg); err != nil {
		t.Fatalf("unbridge a held leg: %v", err)
	}
	took := time.Since(began)
	watch.Wait("unheld by the unbridge", switchtest.Is(controller.EventUnhold, leg))
	pbs.next("PlaybackFinished", next.ID, 2*time.Second)
	t.Logf("unbridging the held leg took %v", took.Round(time.Millisecond))
	if took > time.Second {
		t.Errorf("unbridging the held leg took %v", took)
	}
	pbs.none(2 * time.Second)

	// What the driver guards against: a playback of Asterisk's own on a
	// bridged channel holds back the channel's removeChannel until it ends.
	if err := d.Bridge(ctx, leg, agent); err != nil {
		t.Fatal(err)
	}
	watch.Wait("bridged again", switchtest.Is(controller.EventBridged, leg))
	media := make([]string, 12)
	for i := range media {
		media[i] = holdFile
	}
	raw := "ipcc-hold-test-" + tag // the driver's prefix: it emits nothing for it
	if _, err := cl.Play(ctx, leg, ari.PlayParams{Media: media, PlaybackID: raw}); err != nil {
		t.Fatal(err)
	}
	pbs.next("PlaybackStarted", raw, 5*time.Second)
	bridges, err := cl.Bridges(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var br string
	for _, b := range bridges {
		for _, c := range b.Channels {
			if c == leg {
				br = b.ID
			}
		}
	}
	began = time.Now()
	if err := cl.RemoveChannel(ctx, br, leg); err != nil {
		t.Fatalf("removeChannel: %v", err)
	}
	took = time.Since(began)
	finished := pbs.next("PlaybackFinished", raw, 20*time.Second)
	t.Logf("removeChannel sent while a playback of 12 beeps ran on the channel returned after %v (playback %s)", took.Round(time.Millisecond), finished.State)
	if took < time.Second {
		t.Errorf("removeChannel returned after %v while the playback ran: Asterisk did not queue it behind the playback", took)
	}
}

// hearing records what a party hears: a snoop (spy=out) on its channel in
// watchApp, recorded to a WAV file.
type hearing struct {
	w           *astreal.World
	cl          *ari.Client
	snoop, name string
}

type loudness struct {
	rms float64
	dur time.Duration
}

func startHearing(t *testing.T, w *astreal.World, leg, name string) *hearing {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cl := w.Client()
	h := &hearing{w: w, cl: cl, snoop: "ipcc-test-snoop-" + uuid.NewString(), name: name}
	if _, err := cl.Snoop(ctx, leg, ari.SnoopParams{Spy: "out", App: watchApp, SnoopID: h.snoop}); err != nil {
		t.Fatalf("snoop on %s: %v", leg, err)
	}
	t.Cleanup(func() { _ = cl.Hangup(context.Background(), h.snoop, "normal", 0) })
	var err error
	for i := 0; i < 50; i++ { // the snoop enters Stasis a moment after the reply
		if _, err = cl.Record(ctx, h.snoop, ari.RecordParams{Name: name, Format: "wav", IfExists: "overwrite"}); err == nil {
			return h
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("record the snoop on %s: %v", leg, err)
	return nil
}

// stop ends the recording and measures it (GET
// /recordings/stored/{name}/file), then deletes it.
func (h *hearing) stop(t *testing.T) loudness {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.cl.StopRecording(ctx, h.name); err != nil {
		t.Fatalf("stop recording %s: %v", h.name, err)
	}
	// The file is complete (its WAV header written) once the recording
	// has left the live ones.
	for i := 0; i < 100; i++ {
		if _, err := h.cl.LiveRecording(ctx, h.name); ari.StatusOf(err) == http.StatusNotFound {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = h.cl.Hangup(ctx, h.snoop, "normal", 0)
	data := storedFile(t, h.w, h.name)
	_ = h.cl.Do(ctx, ari.Request{Method: http.MethodDelete, Path: "/recordings/stored/" + url.PathEscape(h.name)}, nil)
	l, err := wavLoudness(data)
	if err != nil {
		t.Fatalf("recording %s: %v", h.name, err)
	}
	return l
}

func storedFile(t *testing.T, w *astreal.World, name string) []byte {
	t.Helper()
	base, user, pass := w.Credentials()
	var last error
	for i := 0; i < 50; i++ { // the file is stored a moment after the stop
		req, _ := http.NewRequest(http.MethodGet, base+"/ari/recordings/stored/"+url.PathEscape(name)+"/file", nil)
		req.SetBasicAuth(user, pass)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return data
			}
			err = fmt.Errorf("%s: %s", resp.Status, data)
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("fetch recording %s: %v", name, last)
	return nil
}

// wavLoudness is the RMS of a 16-bit PCM WAV's samples and its length.
func wavLoudness(data []byte) (loudness, error) {
	if len(data) < 12 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WAVE" {
		return loudness{}, fmt.Errorf("not a WAV file (%d bytes)", len(data))
	}
	rate := 8000
	for p := 12; p+8 <= len(data); {
		id, n := string(data[p:p+4]), int(binary.LittleEndian.Uint32(data[p+4:p+8]))
		body := data[p+8:]
		if n > len(body) {
			n = len(body)
		}
		switch id {
		case "fmt ":
			if n >= 8 {
				rate = int(binary.LittleEndian.Uint32(body[4:8]))
			}
		case "data":
			if n == 0 {
				n = len(body) // a header not written yet
			}
			samples := n / 2
			if samples == 0 {
				return loudness{}, nil
			}
			var sum float64
			for i := 0; i < samples; i++ {
				v := float64(int16(binary.LittleEndian.Uint16(body[2*i:])))
				sum += v * v
			}
			return loudness{rms: math.Sqrt(sum / float64(samples)), dur: time.Duration(samples) * time.Second / time.Duration(rate)}, nil
		}
		p += 8 + n + n%2
	}
	return loudness{}, fmt.Errorf("no data chunk")
}
