package asterisk

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/sim"
)

// A bridged call is recorded through a snoop on the caller's leg (Asterisk
// refuses to record a bridged channel): it starts, pauses, resumes, keeps
// recording when the caller is moved to another agent, and leaves its file
// under the recording spool; the snoop is gone afterwards.
func TestSimRecordBridgedCallThroughSnoop(t *testing.T) {
	r := startSim(t)
	ctx := context.Background()
	for _, n := range []string{"1001", "1002"} {
		must(t, r.sim.DefineEndpoint(sim.EndpointSpec{Number: n, Behavior: sim.BehaviorAnswer}))
	}
	caller, err := r.sim.PlaceCall(sim.CallSpec{Front: sim.FrontAsterisk, From: "15551230001", To: "5551000"})
	must(t, err)
	r.expect(controller.EventCallArrived, caller)
	must(t, r.d.Answer(ctx, caller))
	r.expect(controller.EventAnswered, caller)
	must(t, r.d.Originate(ctx, controller.Originate{LegID: "agent-1", Endpoint: controller.Endpoint{Kind: controller.EndpointExtension, Number: "1001"}}))
	r.expect(controller.EventAnswered, "agent-1")
	must(t, r.d.Bridge(ctx, caller, "agent-1"))
	r.expectSet(controller.EventBridged, caller, "agent-1")

	path := "/var/spool/asterisk/recording/t1/2026-11-22/call-1.wav"
	must(t, r.d.Record(ctx, caller, controller.Recording{ID: "rec-1", Path: path, Stereo: true}))
	if ev := r.expect(controller.EventRecordingStarted, caller); ev.RecordingID != "rec-1" || ev.Path != path {
		t.Fatalf("recording started: %s", describe(ev))
	}
	must(t, r.d.PauseRecord(ctx, caller, "rec-1", true))
	must(t, r.d.PauseRecord(ctx, caller, "rec-1", false))

	// Re-bridged to another agent (an attended transfer): still recording.
	must(t, r.d.Originate(ctx, controller.Originate{LegID: "agent-2", Endpoint: controller.Endpoint{Kind: controller.EndpointExtension, Number: "1002"}}))
	r.expect(controller.EventAnswered, "agent-2")
	must(t, r.d.Unbridge(ctx, caller))
	must(t, r.d.Bridge(ctx, caller, "agent-2"))
	checkHears(t, r.sim, map[[2]string]bool{{caller, "agent-2"}: true})
	must(t, r.d.PauseRecord(ctx, caller, "rec-1", true))
	must(t, r.d.PauseRecord(ctx, caller, "rec-1", false))

	must(t, r.d.StopRecord(ctx, caller, "rec-1"))
	if ev := r.expect(controller.EventRecordingFinished, caller); ev.RecordingID != "rec-1" || ev.Err != "" {
		t.Fatalf("recording finished: %s", describe(ev))
	}
	file := filepath.Join(r.dir, "t1/2026-11-22/call-1.wav")
	if st, err := os.Stat(file); err != nil || st.Size() <= 44 {
		t.Fatalf("recording file %s: %v", file, err)
	}
	// Only the caller, the agents and nothing else remain: the snoop was hung up.
	deadline := time.Now().Add(2 * time.Second)
	for {
		legs := r.sim.Calls()
		snoops := 0
		for _, l := range legs {
			if strings.HasPrefix(l.Name, "Snoop/") && l.State != "gone" {
				snoops++
			}
		}
		if snoops == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d snoop channels left after the recording ended", snoops)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// A stop after the end is not an error.
	must(t, r.d.StopRecord(ctx, caller, "rec-1"))
}

// Asterisk's RecordingFailed fails the Record command with its cause, and
// a recording that never started leaves nothing to stop.
func TestRecordingFailedFailsRecord(t *testing.T) {
	f := newFakeARI(t)
	h := startHarness(t, f, nil)
	h.next(controller.EventSwitchConnected)
	h.inbound("in-1", "15551230001", "5551000")
	f.setHandler(func(r recorded) *reply {
		if strings.HasSuffix(r.Path, "/record") {
			name := "vm/m1"
			return &reply{status: 201, body: map[string]any{"name": name, "format": "wav", "state": "queued", "target_uri": "channel:in-1"},
				events: []string{event("RecordingFailed", map[string]any{"recording": map[string]any{
					"name": name, "format": "wav", "state": "failed", "target_uri": "channel:in-1", "cause": "Failed to answer channel"}})}}
		}
		return nil
	})
	err := h.d.Record(context.Background(), "in-1", controller.Recording{ID: "m1", Path: "/var/spool/asterisk/recording/vm/m1.wav", Beep: true})
	if !errors.Is(err, controller.ErrRejected) || !strings.Contains(err.Error(), "Failed to answer channel") {
		t.Fatalf("record: %v, want ErrRejected with Asterisk's cause", err)
	}
	if ev := h.next(controller.EventRecordingFinished); ev.RecordingID != "m1" || !strings.Contains(ev.Err, "Failed to answer channel") {
		t.Fatalf("finished: %s", describe(ev))
	}
}

// When the driver has not yet seen a leg enter a bridge, its channel
// recording fails "in bridge": it is made again through a snoop.
func TestRecordInBridgeFallsBackToSnoop(t *testing.T) {
	f := newFakeARI(t)
	h := startHarness(t, f, nil)
	h.next(controller.EventSwitchConnected)
	h.inbound("in-1", "15551230001", "5551000")
	f.setHandler(func(r recorded) *reply {
		if r.Path == "/channels/in-1/record" {
			return &reply{status: 201, body: map[string]any{"name": "c1", "format": "wav", "state": "queued", "target_uri": "channel:in-1"},
				events: []string{event("RecordingFailed", map[string]any{"recording": map[string]any{
					"name": "c1", "format": "wav", "state": "failed", "target_uri": "channel:in-1", "cause": causeInBridge}})}}
		}
		return nil
	})
	f.resetRequests()
	must(t, h.d.Record(context.Background(), "in-1", controller.Recording{ID: "c1", Path: "/var/spool/asterisk/recording/c1.wav"}))
	var paths []string
	for _, r := range f.settle() {
		paths = append(paths, r.Method+" "+strings.SplitN(r.Path, "ipcc-recsnoop-", 2)[0])
	}
	want := "POST /channels/in-1/record|POST /channels/in-1/snoop|POST /channels/"
	if got := strings.Join(paths, "|"); got != want {
		t.Fatalf("requests %s, want %s", got, want)
	}
}

// An agent leg dialled through a Local channel whose far end signals busy
// (Busy()) ends USER_BUSY: Asterisk says so only in the Dial event
// (dialstatus BUSY); its ChannelDestroyed carries cause 0.
func TestSimLocalBusyIsUserBusy(t *testing.T) {
	r := startSim(t)
	ctx := context.Background()
	for _, ext := range []string{"busytone-1002", "busy-1002"} {
		leg := "o-" + ext
		must(t, r.d.Originate(ctx, controller.Originate{LegID: leg, Endpoint: controller.Endpoint{Kind: controller.EndpointRaw, Number: "Local/" + ext + "@" + sim.TestPhoneContext}, Timeout: 5 * time.Second}))
		got := r.collect(func(e controller.Event) bool { return e.Leg == leg && e.Type == controller.EventHungUp })
		if ev := got[len(got)-1]; ev.Cause != controller.CauseUserBusy || ev.HangupBy != controller.HangupRemote {
			t.Fatalf("%s: %s", ext, describe(ev))
		}
	}
}
