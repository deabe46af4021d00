package dispatch_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/store"
)

// traceErrors lists the error entries of a stored trace.
func traceErrors(t *testing.T, trace string) []string {
	t.Helper()
	var entries []struct{ Kind, Detail string }
	if err := json.Unmarshal([]byte(trace), &entries); err != nil {
		t.Fatalf("trace: %v", err)
	}
	var out []string
	for _, e := range entries {
		if e.Kind == "error" {
			out = append(out, e.Detail)
		}
	}
	return out
}

// The caller of a bridged queue call hangs up: the agent's leg is ended
// by ipcc (or by the switch with its peer) and its row on the record says
// how it ended; nothing in the trace is an error (the agent leg was hung up
// twice, and the second uuid_kill of a gone leg was traced as an error).
func TestBridgedCallRecordAgentLegCauseAndCleanTrace(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "bob", Device: "2002", WorkNumber: "8002"}); err != nil {
				t.Fatal(err)
			}
			caller, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13800138070", To: "4001"})
			if err != nil {
				t.Fatal(err)
			}
			bob := ""
			waitFor(t, "caller and bob talk", func() bool {
				bob = w.legOf("2002")
				return bob != "" && w.sw.Sim.Hears(caller, bob)
			})
			waitFor(t, "the caller heard who serves them", func() bool { return w.heard(caller, "Agent 8002 is serving you") })
			time.Sleep(200 * time.Millisecond) // the announcement ends
			if err := w.sw.Sim.HangupCall(caller); err != nil {
				t.Fatal(err)
			}
			rec := w.record(caller, nil)
			waitFor(t, "the agent leg's row has its cause", func() bool {
				for _, l := range w.legs(rec.ID) {
					if l.LegID == bob {
						return l.EndedAt != nil && l.HangupCause != ""
					}
				}
				return false
			})
			rec = w.record(caller, func(c store.CallRecord) bool { return c.WrapUpMS > 0 })
			if errs := traceErrors(t, rec.Trace); len(errs) > 0 {
				t.Errorf("errors in the trace of a call that went right: %s", strings.Join(errs, "; "))
			}
		})
	}
}

// refusingUnhold is a switch whose unhold is refused, as FreeSWITCH's
// "uuid_hold off" is for a leg that never reached the HELD call state.
type refusingUnhold struct{ controller.Switch }

func (r refusingUnhold) Unhold(ctx context.Context, leg string) error {
	return fmt.Errorf("test switch: uuid_hold off %s: %q: %w", leg, "-ERR Operation failed", controller.ErrRejected)
}

// The switch refuses to take the waiting caller off hold when an agent
// answers: bridging would connect two people who hear nothing (a silent
// call recorded as answered). The caller is not connected, the agent's leg
// is released, the record says failed and the trace says why.
func TestRefusedUnholdDoesNotConnectIntoSilence(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWrappedWorld(t, f, func(s controller.Switch) controller.Switch { return refusingUnhold{s} })
			ctx := context.Background()
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "bob", Device: "2002"}); err != nil {
				t.Fatal(err)
			}
			caller, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13800138071", To: "4001"})
			if err != nil {
				t.Fatal(err)
			}
			rec := w.record(caller, nil)
			if rec.Disposition != "failed" {
				t.Errorf("disposition %q, want failed", rec.Disposition)
			}
			if !strings.Contains(rec.Trace, "off hold") {
				t.Errorf("the trace does not say why the caller was not connected: %s", rec.Trace)
			}
			if strings.Contains(rec.Trace, "command bridge") || strings.Contains(rec.Trace, `"bridge `) {
				t.Errorf("the caller was bridged while still on hold")
			}
			bob := w.legOf("2002")
			waitFor(t, "bob's leg is released", func() bool {
				ci, err := w.sw.Sim.Call(bob)
				return err == nil && !ci.Ended.IsZero()
			})
		})
	}
}
