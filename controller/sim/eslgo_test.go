//go:build !race

// eslgo v1.5.0 closes its connection with an unsynchronised write to its
// response-channel map (Conn.close vs disconnectLoop), which the race
// detector reports on every Close. This compatibility test therefore runs
// in plain "go test" only.

package sim

import (
	"context"
	"testing"
	"time"

	"github.com/percipia/eslgo"
	"github.com/percipia/eslgo/command"
)

// TestEslgoClient drives the simulator with the ESL library the driver uses.
func TestEslgoClient(t *testing.T) {
	s := startSim(t, Options{})
	conn, err := eslgo.Dial(s.ESLAddr(), "ClueCon", func() {})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	parked := make(chan string, 10)
	dtmf := make(chan string, 10)
	conn.RegisterEventListener(eslgo.EventListenAll, func(e *eslgo.Event) {
		switch e.GetName() {
		case "CHANNEL_PARK":
			parked <- e.GetHeader("Unique-ID") + " " + e.GetHeader("variable_ipcc_did")
		case "DTMF":
			dtmf <- e.GetHeader("DTMF-Digit")
		}
	})
	if err := conn.EnableEvents(ctx); err != nil {
		t.Fatal(err)
	}
	id, _ := s.PlaceCall(CallSpec{From: "100", FromName: "Bob Smith", To: "8001"})
	select {
	case p := <-parked:
		if p != id+" 8001" {
			t.Fatalf("park %q", p)
		}
	case <-ctx.Done():
		t.Fatal("no CHANNEL_PARK")
	}
	if err := conn.AnswerCall(ctx, id); err != nil {
		t.Fatal(err)
	}
	resp, err := conn.Playback(ctx, id, "tone_stream://%(100,0,440)", 1, true)
	if err != nil || !resp.IsOk() {
		t.Fatalf("playback %v %v", resp, err)
	}
	s.Press(id, "7")
	if d := <-dtmf; d != "7" {
		t.Fatalf("dtmf %q", d)
	}
	r, err := conn.SendCommand(ctx, command.API{Command: "uuid_getvar", Arguments: id + " ipcc_did"})
	if err != nil || string(r.Body) != "8001" {
		t.Fatalf("getvar %q %v", r.Body, err)
	}
	if err := conn.HangupCall(ctx, id, "USER_BUSY"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { info, _ := s.Call(id); return info.Cause == "USER_BUSY" })
}
