package dispatch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/api"
	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/dispatch"
)

// desk is an agent's desktop: a user of the tenant logged in to the API
// server that fronts the world's dispatcher.
type desk struct {
	t     *testing.T
	url   string
	token string
	id    string // the agent id (user id)
}

func newDesk(t *testing.T, w *world, username string) *desk {
	t.Helper()
	ctx := context.Background()
	a, err := auth.New(w.st, auth.Options{Secret: []byte("0123456789abcdef0123456789abcdef"), BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	u, err := a.CreateUser(ctx, tenant, username, username, auth.RoleAgent, username+"-password")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Options{Store: w.st, Auth: a, Logger: quiet, ACD: w.disp, Events: w.disp, AgentCalls: w.disp})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	_, tok, _, err := a.Login(ctx, tenant, username, username+"-password")
	if err != nil {
		t.Fatal(err)
	}
	return &desk{t: t, url: hs.URL, token: tok, id: u.ID}
}

// do sends an agent request and returns the status and the decoded body.
func (d *desk) do(method, path string) (int, map[string]any) {
	d.t.Helper()
	req, _ := http.NewRequest(method, d.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+d.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var out map[string]any
	if len(bytes.TrimSpace(b)) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			d.t.Fatalf("%s %s: body %q: %v", method, path, b, err)
		}
	}
	return res.StatusCode, out
}

func errorCode(body map[string]any) string {
	if e, ok := body["error"].(map[string]any); ok {
		s, _ := e["code"].(string)
		return s
	}
	return ""
}

// A queue call rings the desk phone of an agent who does not pick it up;
// she clicks answer on the desktop. On FreeSWITCH the phone goes off hook
// on the talk event and she talks to the caller; on Asterisk the API
// answers 501 not_supported and the phone keeps ringing.
func TestScenarioAnswerFromDesktop(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			d := newDesk(t, w, "eve")
			// Ring long enough for the click; the world's 1s is for timeouts.
			q := acd.QueueConfig{ID: "support", Name: "Support", Strategy: "longest-idle", RingTimeout: acd.Duration(20 * time.Second)}
			if err := w.eng.SetQueue(ctx, q); err != nil {
				t.Fatal(err)
			}
			if err := w.eng.SetMembers(ctx, "support", []acd.Member{{QueueID: "support", AgentID: d.id, Level: 1}}); err != nil {
				t.Fatal(err)
			}
			// 2001 is a desk phone nobody picks up.
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: d.id, Device: "2001"}); err != nil {
				t.Fatal(err)
			}
			if st, body := d.do("POST", "/api/v1/agent/call/answer"); st != 409 || errorCode(body) != "no_offer" {
				t.Fatalf("answer with nothing ringing: %d %v", st, body)
			}
			caller, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13800138071", To: "4001"})
			if err != nil {
				t.Fatal(err)
			}
			var phone string
			waitFor(t, "the desk phone rings with the offer", func() bool {
				phone = w.legOf("2001")
				a, err := w.eng.Agent(ctx, d.id)
				return phone != "" && mustCall(w, phone).State == "ringing" && err == nil && a.State == acd.Ringing
			})
			st, caps := d.do("GET", "/api/v1/agent/call/capabilities")
			if st != 200 || caps["mute"] != true {
				t.Fatalf("capabilities: %d %v", st, caps)
			}
			st, body := d.do("POST", "/api/v1/agent/call/answer")
			if f == sim.FrontAsterisk {
				if caps["answer"] != false || caps["answer_unsupported"] == "" {
					t.Fatalf("Asterisk capabilities %v", caps)
				}
				if st != 501 || errorCode(body) != "not_supported" {
					t.Fatalf("answer on Asterisk: %d %v", st, body)
				}
				time.Sleep(200 * time.Millisecond)
				if s := mustCall(w, phone).State; s != "ringing" {
					t.Fatalf("the refused answer left the phone %s", s)
				}
				return
			}
			if caps["answer"] != true {
				t.Fatalf("FreeSWITCH desk phone cannot be answered remotely: %v", caps)
			}
			if st != 204 {
				t.Fatalf("answer from the desktop: %d %v", st, body)
			}
			waitFor(t, "the caller and the agent talk", func() bool {
				return w.sw.Sim.Hears(caller, phone) && w.sw.Sim.Hears(phone, caller)
			})
			waitFor(t, "the agent is on the call", func() bool {
				a, err := w.eng.Agent(ctx, d.id)
				return err == nil && a.State == acd.OnCall
			})
			if err := w.disp.AnswerOffer(ctx, tenant, d.id); !errors.Is(err, dispatch.ErrNoOffer) {
				t.Fatalf("answer again while talking: %v, want ErrNoOffer", err)
			}
		})
	}
}

// Whether an agent could answer from the desktop follows the device kind
// and the driver, before any call rings.
func TestRemoteAnswerSupportByDevice(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			w.disp.SetDialer(w.ctl, "sw1")
			tests := []struct {
				agent, device string
				want          bool
			}{
				{"ann", "2001", f == sim.FrontFreeSWITCH},
				{"bob", "tel:13900000001", false},
			}
			for _, tt := range tests {
				if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: tt.agent, Device: tt.device, NotReady: "break"}); err != nil {
					t.Fatal(err)
				}
				ok, why, err := w.disp.RemoteAnswerSupport(ctx, tenant, tt.agent)
				if err != nil || ok != tt.want || (!ok && why == "") {
					t.Errorf("device %s: supported %v (%q) err %v, want %v", tt.device, ok, why, err, tt.want)
				}
			}
		})
	}
}

// The agent mutes themself from the desktop: the caller stops hearing
// them, they still hear the caller, and the desktop gets muted / unmuted
// events.
func TestScenarioAgentMute(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			d := newDesk(t, w, "finn")
			if err := w.eng.SetMembers(ctx, "support", []acd.Member{{QueueID: "support", AgentID: d.id, Level: 1}}); err != nil {
				t.Fatal(err)
			}
			if st, body := d.do("POST", "/api/v1/agent/call/mute"); st != 409 || errorCode(body) != "no_call" {
				t.Fatalf("mute without a call: %d %v", st, body)
			}
			events, unsub := w.disp.Subscribe(64)
			defer unsub()
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: d.id, Device: "2002"}); err != nil {
				t.Fatal(err)
			}
			caller, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13800138072", To: "4001"})
			if err != nil {
				t.Fatal(err)
			}
			var agent string
			waitFor(t, "the caller and the agent talk", func() bool {
				agent = w.legOf("2002")
				return agent != "" && w.sw.Sim.Hears(caller, agent) && w.sw.Sim.Hears(agent, caller)
			})
			waitEvent := func(typ string) dispatch.Event {
				t.Helper()
				deadline := time.After(10 * time.Second)
				for {
					select {
					case ev := <-events:
						if ev.Type == typ && ev.Agent == d.id {
							return ev
						}
					case <-deadline:
						t.Fatalf("no %s event for the agent", typ)
					}
				}
			}
			steps := []struct {
				path, event string
				callerHears bool
			}{
				{"/api/v1/agent/call/mute", dispatch.EventMuted, false},
				{"/api/v1/agent/call/unmute", dispatch.EventUnmuted, true},
				{"/api/v1/agent/call/mute", dispatch.EventMuted, false},
			}
			for _, st := range steps {
				if code, body := d.do("POST", st.path); code != 204 {
					t.Fatalf("%s: %d %v", st.path, code, body)
				}
				waitFor(t, st.path+": the agent still hears the caller, the caller hears the agent only when unmuted", func() bool {
					return w.sw.Sim.Hears(caller, agent) == st.callerHears && w.sw.Sim.Hears(agent, caller)
				})
				if ev := waitEvent(st.event); ev.Call == "" || ev.Tenant != tenant {
					t.Fatalf("%s event without its call: %+v", st.event, ev)
				}
			}
		})
	}
}
