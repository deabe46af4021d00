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
	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/supervise"
)

// An agent asks for help (a consultation of the supervisor's phone, which
// the supervisor answers); the supervisor accepts with whisper on that
// phone. The phone is rung once in all: the accept takes the consultation's
// leg (the caller is back with the agent) and whispers with it, and the
// call's record shows that leg as the supervisor's whisper. Before, the
// accept either failed (the caller was on hold, "not connected to an
// agent") or, after the agent ended the consultation, rang the phone a
// second time.
func TestScenarioHelpAcceptRingsTheSupervisorOnce(t *testing.T) {
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
			if err := w.st.SetUserDevices(ctx, tenant, supUser.ID, []string{"2009"}); err != nil {
				t.Fatal(err)
			}
			sup := supervise.New(w.ctl)
			sup.Legs = w.st
			sup.Consults = w.disp
			srv, err := api.New(api.Options{Store: w.st, Auth: a, Logger: quiet, ACD: w.disp, Supervision: sup})
			if err != nil {
				t.Fatal(err)
			}
			hs := httptest.NewServer(srv.Handler())
			defer hs.Close()
			var tr struct{ Token string }
			lb, _ := json.Marshal(map[string]string{"username": "sup", "password": "sup-password", "tenant": tenant})
			res, err := http.Post(hs.URL+"/api/v1/auth/login", "application/json", bytes.NewReader(lb))
			if err != nil {
				t.Fatal(err)
			}
			json.NewDecoder(res.Body).Decode(&tr)
			res.Body.Close()
			monitor := func(id, mode string) (int, string) {
				b, _ := json.Marshal(map[string]string{"mode": mode})
				req, _ := http.NewRequest("POST", hs.URL+"/api/v1/supervisor/calls/"+id+"/monitor", bytes.NewReader(b))
				req.Header.Set("Authorization", "Bearer "+tr.Token)
				req.Header.Set("Content-Type", "application/json")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				body, _ := io.ReadAll(res.Body)
				return res.StatusCode, string(body)
			}
			if err := w.sw.Sim.DefineEndpoint(sim.EndpointSpec{Number: "2009", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			rings := func() (n int, last string) {
				for _, c := range w.sw.Sim.Calls() {
					if c.Endpoint == "2009" && !c.Inbound {
						n, last = n+1, c.ID
					}
				}
				return n, last
			}
			caller, bob := w.talkToBob(f, "13800138066")
			id := callIDOf(w, caller)

			// Help: bob consults the supervisor's phone, which answers.
			if err := w.disp.Control(ctx, tenant, "bob", "consult", &dialplan.Target{Kind: dialplan.KindExtension, Ref: "2009"}); err != nil {
				t.Fatal(err)
			}
			n, phone := rings()
			if n != 1 {
				t.Fatalf("the help request rang the supervisor's phone %d times", n)
			}
			waitFor(t, "bob and the supervisor talk", func() bool { return w.sw.Sim.Hears(bob, phone) && w.sw.Sim.Hears(phone, bob) })

			// The supervisor accepts with whisper (the console's accept).
			events, stop := w.disp.Subscribe(256)
			defer stop()
			st, body := monitor(id, "whisper")
			if st != 200 {
				t.Fatalf("accept: %d %s", st, body)
			}
			var mr struct {
				SupervisorLeg string `json:"supervisor_leg"`
			}
			json.Unmarshal([]byte(body), &mr)
			if n, _ := rings(); n != 1 || mr.SupervisorLeg != phone {
				t.Fatalf("accepting rang the supervisor's phone again: %d rings, monitor leg %s (the consultation's %s)", n, mr.SupervisorLeg, phone)
			}
			waitFor(t, "caller and bob talk again, the supervisor whispers to bob", func() bool {
				return w.sw.Sim.Hears(caller, bob) && w.sw.Sim.Hears(bob, caller) &&
					w.sw.Sim.Hears(phone, caller) && w.sw.Sim.Hears(phone, bob) &&
					w.sw.Sim.Hears(bob, phone) && !w.sw.Sim.Hears(caller, phone)
			})
			if ci := mustCall(w, caller); ci.Held || ci.Music != "" {
				t.Fatalf("the caller is still on hold: %+v", ci)
			}
			// bob's desktop is told the consultation is over.
			waitFor(t, "help_accepted for bob", func() bool {
				for {
					select {
					case ev := <-events:
						if ev.Type == "help_accepted" && ev.Agent == "bob" && ev.Call == id && ev.Target == "2009" {
							return true
						}
					default:
						return false
					}
				}
			})
			// A mode change keeps the same phone (no ring) and the record
			// follows.
			if st, body := monitor(id, "barge"); st != 200 {
				t.Fatalf("barge: %d %s", st, body)
			}
			waitFor(t, "the caller hears the supervisor barge in", func() bool { return w.sw.Sim.Hears(caller, phone) })
			if n, _ := rings(); n != 1 {
				t.Fatalf("%d rings after the mode change", n)
			}
			if got := roles(w.legs(id)); !strings.Contains(got, "barge:"+supUser.ID+":answered") || strings.Contains(got, "consult:") {
				t.Fatalf("legs on the record: %s", got)
			}
			if err := w.sw.Sim.HangupCall(caller); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "everyone is hung up", func() bool {
				return mustCall(w, bob).State == "gone" && mustCall(w, phone).State == "gone"
			})
			rec := w.record(caller, nil)
			waitFor(t, "the record's legs are final", func() bool {
				got := roles(w.legs(rec.ID))
				return strings.Contains(got, "barge:"+supUser.ID+":answered") && !strings.Contains(got, "open")
			})
		})
	}
}
