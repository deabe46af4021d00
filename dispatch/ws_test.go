package dispatch_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/api"
	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/dispatch"
)

// An agent's desktop gets a screen pop (offered: caller number, queue) and
// its state changes over /api/v1/ws, and only its own events.
func TestAgentEventStream(t *testing.T) {
	t.Parallel()
	w := newWorld(t, sim.FrontFreeSWITCH)
	ctx := context.Background()
	a, _ := auth.New(w.st, auth.Options{Secret: []byte("0123456789abcdef0123456789abcdef"), BcryptCost: 4})
	u, err := a.CreateUser(ctx, tenant, "dora", "Dora", auth.RoleAgent, "dora-password")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Options{Store: w.st, Auth: a, Logger: quiet, ACD: w.disp, Events: w.disp, WriteTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	_, tok, _, err := a.Login(ctx, tenant, "dora", "dora-password")
	if err != nil {
		t.Fatal(err)
	}
	// Dora is a member of the queue, logs in on phone 2002.
	if err := w.eng.SetMembers(ctx, "support", []acd.Member{{QueueID: "support", AgentID: u.ID, Level: 1}}); err != nil {
		t.Fatal(err)
	}
	wsURL := "ws" + strings.TrimPrefix(hs.URL, "http") + "/api/v1/ws?access_token=" + tok
	dctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(dctx, wsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	var hello map[string]any
	if err := wsjson.Read(dctx, conn, &hello); err != nil || hello["type"] != "hello" {
		t.Fatalf("hello: %v %v", hello, err)
	}
	// Someone else's events are not sent to Dora.
	if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "bob", Device: "2009"}); err != nil {
		t.Fatal(err)
	}
	if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: u.ID, Device: "2002"}); err != nil {
		t.Fatal(err)
	}
	caller, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: sim.FrontFreeSWITCH, From: "13800138066", To: "4001"})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]dispatch.Event{}
	for len(seen) < 3 {
		var ev dispatch.Event
		if err := wsjson.Read(dctx, conn, &ev); err != nil {
			t.Fatalf("read after %v: %v", seen, err)
		}
		if ev.Agent != u.ID {
			t.Fatalf("dora got another agent's event: %+v", ev)
		}
		seen[ev.Type] = ev
		if _, ok := seen["answered"]; ok {
			if _, ok := seen["offered"]; ok {
				break
			}
		}
	}
	off := seen["offered"]
	if off.Caller != "13800138066" || off.Queue != "support" || off.DID != "4001" {
		t.Fatalf("screen pop %+v", off)
	}
	// The stream survives the server's write timeout (1s here); after the
	// call Dora goes training.
	time.Sleep(1500 * time.Millisecond)
	if err := w.sw.Sim.HangupCall(caller); err != nil {
		t.Fatal(err)
	}
	if _, err := w.eng.NotReady(ctx, u.ID, "training"); err != nil {
		t.Fatal(err)
	}
	for {
		var ev dispatch.Event
		if err := wsjson.Read(dctx, conn, &ev); err != nil {
			t.Fatalf("stream died: %v", err)
		}
		if ev.Type == "state" && ev.Reason == "training" {
			break
		}
	}
}
