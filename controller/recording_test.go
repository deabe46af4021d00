package controller

import (
	"context"
	"testing"
	"time"
)

// WaitRecording tells what the switch said about a recording: finished
// with its duration, or failed with the switch's reason; a recording the
// switch never reports ends the wait with the context.
func TestWaitRecording(t *testing.T) {
	h := newHarness(t, nil)
	c := h.arrive("leg-1")
	h.sw.emit(Event{Type: EventRecordingStarted, Leg: "leg-1", RecordingID: "r1", Path: "/rec/r1.wav"})
	h.sw.emit(Event{Type: EventRecordingFinished, Leg: "leg-1", RecordingID: "r1", Duration: 3 * time.Second})
	h.sw.emit(Event{Type: EventRecordingFinished, Leg: "leg-1", RecordingID: "r2", Err: "recording failed: Cannot record channel while in bridge"})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if res, ok := c.WaitRecording(ctx, "r1"); !ok || !res.Started || res.Err != "" || res.Duration != 3*time.Second || res.Path != "/rec/r1.wav" {
		t.Fatalf("r1: %+v %v", res, ok)
	}
	if res, ok := c.WaitRecording(ctx, "r2"); !ok || res.Started || res.Err == "" {
		t.Fatalf("r2: %+v %v", res, ok)
	}
	short, cancelShort := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancelShort()
	if res, ok := c.WaitRecording(short, "r3"); ok || res.Finished {
		t.Fatalf("r3 was never reported: %+v %v", res, ok)
	}
}
