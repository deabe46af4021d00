package dispatch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/api"
	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/supervise"
)

// A supervisor listens (nobody hears them), whispers (the agent hears them,
// the caller does not) and barges (both hear them), then hangs the call up —
// all through the API, asserted from the simulator's who-hears-whom record.
func TestScenarioSupervisorListenWhisperBargeHangup(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			a, _ := auth.New(w.st, auth.Options{Secret: []byte("0123456789abcdef0123456789abcdef"), BcryptCost: 4})
			supUser, err := a.CreateUser(ctx, tenant, "sup", "Supervisor", auth.RoleSupervisor, "sup-password")
			if err != nil {
				t.Fatal(err)
			}
			// The supervisor's phone is assigned to them (monitors ring only that).
			if err := w.st.SetUserDevices(ctx, tenant, supUser.ID, []string{"2009"}); err != nil {
				t.Fatal(err)
			}
			if _, err := a.CreateUser(ctx, tenant, "agentx", "Agent", auth.RoleAgent, "agent-password"); err != nil {
				t.Fatal(err)
			}
			sup := supervise.New(w.ctl)
			sup.Legs = w.st // monitor legs recorded as they happen
			srv, err := api.New(api.Options{Store: w.st, Auth: a, Logger: quiet, ACD: w.disp, Supervision: sup})
			if err != nil {
				t.Fatal(err)
			}
			hs := httptest.NewServer(srv.Handler())
			defer hs.Close()
			call := func(method, path, user, pw string, body any) (int, []byte) {
				var tr struct{ Token string }
				lb, _ := json.Marshal(map[string]string{"username": user, "password": pw, "tenant": tenant})
				res, err := http.Post(hs.URL+"/api/v1/auth/login", "application/json", bytes.NewReader(lb))
				if err != nil {
					t.Fatal(err)
				}
				json.NewDecoder(res.Body).Decode(&tr)
				res.Body.Close()
				var rd io.Reader
				if body != nil {
					b, _ := json.Marshal(body)
					rd = bytes.NewReader(b)
				}
				req, _ := http.NewRequest(method, hs.URL+path, rd)
				req.Header.Set("Authorization", "Bearer "+tr.Token)
				req.Header.Set("Content-Type", "application/json")
				res, err = http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				return res.StatusCode, b
			}
			if err := w.sw.Sim.DefineEndpoint(sim.EndpointSpec{Number: "2009", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			caller, bob := w.talkToBob(f, "13800138055")
			id := callIDOf(w, caller)
			// An agent may not monitor.
			if st, _ := call("POST", "/api/v1/supervisor/calls/"+id+"/monitor", "agentx", "agent-password", map[string]string{"mode": "listen", "device": "2009"}); st != 403 {
				t.Fatalf("agent monitoring: %d", st)
			}
			var spy string
			for _, m := range []struct {
				mode                    string
				agentHears, callerHears bool
			}{{"listen", false, false}, {"whisper", true, false}, {"barge", true, true}} {
				st, body := call("POST", "/api/v1/supervisor/calls/"+id+"/monitor", "sup", "sup-password", map[string]string{"mode": m.mode, "device": "2009"})
				if st != 200 {
					t.Fatalf("%s: %d %s", m.mode, st, body)
				}
				var mr struct {
					SupervisorLeg string `json:"supervisor_leg"`
				}
				json.Unmarshal(body, &mr)
				if spy != "" && mr.SupervisorLeg != spy {
					t.Fatalf("%s rang the supervisor again (%s, was %s)", m.mode, mr.SupervisorLeg, spy)
				}
				spy = mr.SupervisorLeg
				// On the call's record already, in the mode now used, with
				// the supervisor named: a restart now would not lose it.
				if got := roles(w.legs(id)); !strings.HasSuffix(got, m.mode+":"+supUser.ID+":answered,open") {
					t.Fatalf("%s: legs while monitoring %s", m.mode, got)
				}
				waitFor(t, m.mode+": who hears whom", func() bool {
					return w.sw.Sim.Hears(spy, caller) && w.sw.Sim.Hears(spy, bob) &&
						w.sw.Sim.Hears(bob, spy) == m.agentHears && w.sw.Sim.Hears(caller, spy) == m.callerHears &&
						w.sw.Sim.Hears(caller, bob) && w.sw.Sim.Hears(bob, caller)
				})
			}
			if w.sw.Sim.EverHeard(caller, spy) && !w.sw.Sim.Hears(caller, spy) {
				t.Fatal("history inconsistent")
			}
			if st, body := call("POST", "/api/v1/supervisor/calls/"+id+"/hangup", "sup", "sup-password", nil); st != 204 {
				t.Fatalf("hangup: %d %s", st, body)
			}
			waitFor(t, "everyone is hung up", func() bool {
				return mustCall(w, caller).State == "gone" && mustCall(w, bob).State == "gone" && mustCall(w, spy).State == "gone"
			})
			// The record lists the supervisor's leg in the last mode used.
			rec := w.record(caller, nil)
			if got := roles(w.legs(rec.ID)); got != "caller:13800138055:answered agent:bob:answered barge:"+supUser.ID+":answered" {
				t.Errorf("legs %s", got)
			}
			// The audit log names the supervisor's actions.
			es, _ := w.st.ListAudit(ctx, tenant, storeAuditFilter())
			n := 0
			for _, e := range es {
				if e.ObjectType == "call_monitor" || e.ObjectType == "call" {
					n++
				}
			}
			if n < 4 {
				t.Fatalf("%d supervisor actions audited", n)
			}
		})
	}
}

func storeAuditFilter() store.AuditFilter { return store.AuditFilter{Limit: 100} }
