package dispatch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/clock"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/inbound"
	"github.com/ipcc/ipcc/outroute"
	"github.com/ipcc/ipcc/quota"
	"github.com/ipcc/ipcc/store"
)

// quotaWorld is the scenario world with the tenants' quotas admitting
// inbound calls and outbound ones (as serve wires them), external numbers
// leaving through gw-out, and two customers, 13900000001 and 13900000002,
// who answer.
func quotaWorld(t *testing.T, f sim.Front, clk clock.Clock, q store.TenantQuota) (*world, *quota.Service) {
	t.Helper()
	var qs *quota.Service
	w := buildWorld(t, f, nil, func(st *store.Store, o *inbound.Options) {
		var err error
		if qs, err = quota.New(quota.Options{Store: st, Logger: quiet, Clock: clk, CacheTTL: time.Nanosecond}); err != nil {
			t.Fatal(err)
		}
		o.Admission = qs
	}, func(o *dispatch.Options) { o.DefaultTrunk = "gw-out" })
	w.disp.Outbound().SetAdmission(qs)
	w.disp.SetDialer(w.ctl, "sw1")
	q.TenantID = tenant
	if err := w.st.SetTenantQuota(context.Background(), &q); err != nil {
		t.Fatal(err)
	}
	qs.Invalidate(tenant)
	for _, n := range []string{"13900000001", "13900000002", "2003"} {
		if err := w.sw.Sim.DefineEndpoint(sim.EndpointSpec{Number: n, Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	}
	return w, qs
}

// post sends an agent request with a JSON body.
func (d *desk) post(path string, body any) (int, map[string]any) {
	d.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, d.url+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+d.token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		d.t.Fatalf("POST %s: body %q: %v", path, raw, err)
	}
	return res.StatusCode, out
}

func apiError(body map[string]any) (code, field, msg string) {
	e, _ := body["error"].(map[string]any)
	code, _ = e["code"].(string)
	field, _ = e["field"].(string)
	msg, _ = e["message"].(string)
	return
}

// dialled tells whether number was ever called.
func (w *world) dialled(number string) bool {
	for _, c := range w.sw.Sim.Calls() {
		if c.Endpoint == number {
			return true
		}
	}
	return false
}

// upLeg finds the leg up on phone number (legOf finds the first that
// rang it, ended or not).
func (w *world) upLeg(number string) string {
	for _, c := range w.sw.Sim.Calls() {
		if c.Endpoint == number && !c.Inbound && c.State == "up" {
			return c.ID
		}
	}
	return ""
}

// An agent's click-to-dial to an external number takes a place under the
// tenant's concurrent-call quota (1): a colleague's click-to-dial is
// refused through the API with 429 quota_exceeded naming the calls limit
// before any phone rings, and an inbound caller hears the busy prompt.
// Once the first call ends the colleague's call goes through. An agent
// with a caller over the quota cannot transfer or consult out to an
// external number: the request is refused and the caller stays with them.
func TestScenarioOutboundCallsCountAgainstTenantQuota(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w, q := quotaWorld(t, f, nil, store.TenantQuota{MaxCalls: 1})
			ctx := context.Background()
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "bob", Device: "2002"}); err != nil {
				t.Fatal(err)
			}
			if _, err := w.disp.ClickToDial(ctx, tenant, "bob", "13900000001", ""); err != nil {
				t.Fatal(err)
			}
			var bob, cust string
			waitFor(t, "bob talks to 13900000001", func() bool {
				bob, cust = w.legOf("2002"), w.legOf("13900000001")
				return bob != "" && cust != "" && w.sw.Sim.Hears(bob, cust)
			})
			if l := q.Live(tenant); l.Calls != 1 || l.Outbound != 1 {
				t.Fatalf("counted with bob's call: %+v", l)
			}

			dana := newDesk(t, w, "dana")
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: dana.id, Device: "2003"}); err != nil {
				t.Fatal(err)
			}
			status, body := dana.post("/api/v1/agent/dial", map[string]string{"number": "13900000002"})
			code, field, msg := apiError(body)
			if status != http.StatusTooManyRequests || code != "quota_exceeded" || field != "calls" || !strings.Contains(msg, "1 of its 1 concurrent calls") {
				t.Fatalf("dana's click-to-dial over the quota: %d %v", status, body)
			}
			if w.dialled("2003") || w.dialled("13900000002") {
				t.Fatal("a phone rang for the refused click-to-dial")
			}
			if a, _ := w.eng.Agent(ctx, dana.id); a.State != acd.Available {
				t.Fatalf("dana after the refusal: %s %s", a.State, a.Reason)
			}

			caller, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13700000001", To: "4001"})
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the inbound caller is refused by the quota", func() bool {
				calls, _ := w.st.ListCalls(ctx, tenant, store.CallFilter{})
				for _, c := range calls {
					if c.Leg == caller && c.Disposition == "refused_quota" && c.EndedAt != nil {
						return true
					}
				}
				return false
			})

			w.sw.Sim.HangupCall(cust)
			waitFor(t, "bob's call no longer counts", func() bool { return q.Live(tenant).Calls == 0 })
			status, body = dana.post("/api/v1/agent/dial", map[string]string{"number": "13900000002"})
			if status != http.StatusOK || body["call"] == "" {
				t.Fatalf("dana's click-to-dial with room: %d %v", status, body)
			}
			waitFor(t, "dana talks to 13900000002", func() bool {
				d, c := w.legOf("2003"), w.legOf("13900000002")
				return d != "" && c != "" && w.sw.Sim.Hears(d, c)
			})
			if l := q.Live(tenant); l.Calls != 1 || l.Outbound != 1 {
				t.Fatalf("counted with dana's call: %+v", l)
			}
			w.sw.Sim.HangupCall(w.legOf("13900000002"))
			waitFor(t, "dana's call no longer counts", func() bool { return q.Live(tenant).Calls == 0 })

			// A caller takes the only place; bob may not send them out.
			waitFor(t, "bob is ready again", func() bool {
				a, _ := w.eng.Agent(ctx, "bob")
				return a.State == acd.Available && a.CallID == ""
			})
			if caller, err = w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13700000002", To: "4001"}); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "caller and bob talk", func() bool {
				bob = w.upLeg("2002")
				return bob != "" && w.sw.Sim.Hears(caller, bob) && w.sw.Sim.Hears(bob, caller)
			})
			for _, op := range []string{"transfer", "consult"} {
				err := w.disp.Control(ctx, tenant, "bob", op, &dialplan.Target{Kind: dialplan.KindExternal, Ref: "13900000001"})
				var ref *outroute.Refusal
				var ex *quota.ExceededError
				if !errors.As(err, &ref) || ref.Rule != outroute.RuleTenantQuota || !errors.As(err, &ex) || ex.Limit != quota.LimitCalls {
					t.Fatalf("%s to an external number over the quota: %v", op, err)
				}
			}
			if !w.sw.Sim.Hears(caller, bob) || !w.sw.Sim.Hears(bob, caller) {
				t.Fatal("the caller lost bob after the refused transfer")
			}
			if l := q.Live(tenant); l.Calls != 1 || l.Outbound != 0 {
				t.Fatalf("counted with the caller: %+v", l)
			}
		})
	}
}

// Calls per second: with a quota of 1, a second click-to-dial within the
// second is refused (field cps); a second later it goes through.
func TestScenarioClickToDialCallsPerSecond(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
	w, q := quotaWorld(t, sim.FrontFreeSWITCH, clk, store.TenantQuota{MaxCPS: 1})
	ctx := context.Background()
	if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "bob", Device: "2002"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.disp.ClickToDial(ctx, tenant, "bob", "13900000001", ""); err != nil {
		t.Fatal(err)
	}
	dana := newDesk(t, w, "dana")
	if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: dana.id, Device: "2003"}); err != nil {
		t.Fatal(err)
	}
	status, body := dana.post("/api/v1/agent/dial", map[string]string{"number": "13900000002"})
	if code, field, _ := apiError(body); status != http.StatusTooManyRequests || code != "quota_exceeded" || field != "cps" {
		t.Fatalf("second click-to-dial in the second: %d %v", status, body)
	}
	clk.Advance(time.Second)
	status, body = dana.post("/api/v1/agent/dial", map[string]string{"number": "13900000002"})
	if status != http.StatusOK {
		t.Fatalf("click-to-dial a second later: %d %v", status, body)
	}
	if l := q.Live(tenant); l.Calls != 2 || l.Outbound != 2 || l.CPS != 1 {
		t.Fatalf("counted: %+v", l)
	}
}
