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
	"github.com/ipcc/ipcc/supervise"
)

// Listen, whisper and barge without a phone, on a phone the switch cannot
// ring or on one nobody answers are the supervisor's problem to fix, told
// as such (4xx naming the device), never a 500; the call goes on.
func TestScenarioMonitorWithoutAWorkingPhone(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			a, _ := auth.New(w.st, auth.Options{Secret: []byte("0123456789abcdef0123456789abcdef"), BcryptCost: 4})
			for _, u := range []struct {
				name string
				role auth.Role
			}{{"sup", auth.RoleSupervisor}, {"boss", auth.RoleAdmin}} {
				if _, err := a.CreateUser(ctx, tenant, u.name, u.name, u.role, u.name+"-password"); err != nil {
					t.Fatal(err)
				}
			}
			sup := supervise.New(w.ctl)
			sup.RingTimeout = time.Second
			srv, err := api.New(api.Options{Store: w.st, Auth: a, Logger: quiet, ACD: w.disp, Supervision: sup})
			if err != nil {
				t.Fatal(err)
			}
			hs := httptest.NewServer(srv.Handler())
			defer hs.Close()
			monitor := func(user, callID string, body map[string]string) (int, string, string, string) {
				var tr struct{ Token string }
				lb, _ := json.Marshal(map[string]string{"username": user, "password": user + "-password", "tenant": tenant})
				res, err := http.Post(hs.URL+"/api/v1/auth/login", "application/json", bytes.NewReader(lb))
				if err != nil {
					t.Fatal(err)
				}
				_ = json.NewDecoder(res.Body).Decode(&tr)
				res.Body.Close()
				b, _ := json.Marshal(body)
				req, _ := http.NewRequest("POST", hs.URL+"/api/v1/supervisor/calls/"+callID+"/monitor", bytes.NewReader(b))
				req.Header.Set("Authorization", "Bearer "+tr.Token)
				req.Header.Set("Content-Type", "application/json")
				res, err = http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				raw, _ := io.ReadAll(res.Body)
				var e struct {
					Error struct{ Code, Message, Field string }
				}
				_ = json.Unmarshal(raw, &e)
				return res.StatusCode, e.Error.Code, e.Error.Field, e.Error.Message
			}
			if err := w.sw.Sim.DefineEndpoint(sim.EndpointSpec{Number: "2010", Behavior: sim.BehaviorRing}); err != nil {
				t.Fatal(err)
			}
			caller, bob := w.talkToBob(f, "13800138066")
			id := callIDOf(w, caller)
			for _, mode := range []string{"listen", "whisper", "barge"} {
				st, code, field, msg := monitor("sup", id, map[string]string{"mode": mode})
				if st != 400 || code != "invalid" || field != "device" || !strings.Contains(msg, "no phone assigned") {
					t.Errorf("%s with no phone: %d %s %s %q", mode, st, code, field, msg)
				}
			}
			// An admin may name any phone: one the switch does not know,
			// one that rings unanswered.
			if st, code, field, msg := monitor("boss", id, map[string]string{"mode": "barge"}); st != 400 || field != "device" || !strings.Contains(msg, "name the device") {
				t.Errorf("admin with no phone: %d %s %s %q", st, code, field, msg)
			}
			if st, code, _, msg := monitor("boss", id, map[string]string{"mode": "barge", "device": "9999"}); st != 409 || (code != "ring_failed" && code != "no_answer") || !strings.Contains(msg, "9999") {
				t.Errorf("unknown phone: %d %s %q", st, code, msg)
			}
			if st, code, _, msg := monitor("boss", id, map[string]string{"mode": "listen", "device": "2010"}); st != 409 || code != "no_answer" || !strings.Contains(msg, "2010") {
				t.Errorf("unanswered phone: %d %s %q", st, code, msg)
			}
			if !w.sw.Sim.Hears(caller, bob) || !w.sw.Sim.Hears(bob, caller) {
				t.Fatal("the call did not go on")
			}
		})
	}
}
