package switchtest

import (
	"errors"
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/sim"
)

// Answering-machine detection through each driver over the simulator's
// real wire protocol (FreeSWITCH: mod_amd and its CUSTOM mod_amd::info
// event; Asterisk: the dialplan hop out of Stasis and back): each scripted
// result arrives as the neutral one with the switch's cause, the leg stays
// under ipcc control afterwards (it can still play and hang up), and a
// callee who hangs up during detection ends the wait with ErrHungUp.
func TestDetectMachineOverSimulator(t *testing.T) {
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := NewSimWorld(t, f)
			e := start(t, w)
			for _, tc := range []struct {
				script, want, cause string
			}{
				{sim.AMDHuman, controller.MachineHuman, map[sim.Front]string{sim.FrontFreeSWITCH: "SILENCE_AFTER_GREETING", sim.FrontAsterisk: "HUMAN-800-800"}[f]},
				{sim.AMDMachine, controller.MachineMachine, map[sim.Front]string{sim.FrontFreeSWITCH: "LONG_GREETING", sim.FrontAsterisk: "LONGGREETING-1500-1500"}[f]},
				{sim.AMDNotSure, controller.MachineUnknown, map[sim.Front]string{sim.FrontFreeSWITCH: "TOO_LONG", sim.FrontAsterisk: "TOOLONG-5000"}[f]},
			} {
				t.Run(tc.script, func(t *testing.T) {
					ctx := ctxT(t)
					number := "1390000" + map[string]string{sim.AMDHuman: "0001", sim.AMDMachine: "0002", sim.AMDNotSure: "0003"}[tc.script]
					if err := w.Sim.DefineEndpoint(sim.EndpointSpec{Number: number, AnswerAfter: 20 * time.Millisecond, AMD: tc.script, AMDAfter: 50 * time.Millisecond}); err != nil {
						t.Fatal(err)
					}
					call, err := e.ctl.Dial(ctx, "sw1", controller.Endpoint{Kind: controller.EndpointExternal, Number: number, Trunk: "gw1"}, controller.OriginateOptions{Timeout: 5 * time.Second})
					if err != nil {
						t.Fatal(err)
					}
					res, cause, err := call.Leg().DetectMachine(ctx, 5*time.Second)
					if err != nil || res != tc.want || cause != tc.cause {
						t.Fatalf("DetectMachine = %q %q %v, want %q %q", res, cause, err, tc.want, tc.cause)
					}
					if _, err := call.Leg().Play(ctx, controller.PlayOptions{Media: []controller.Media{{Kind: controller.MediaTone, Value: "beep"}}}); err != nil {
						t.Fatalf("play after detection: %v", err)
					}
					if err := call.Hangup(ctx, controller.CauseNormalClearing); err != nil {
						t.Fatalf("hangup after detection: %v", err)
					}
					select {
					case <-call.Done():
					case <-time.After(5 * time.Second):
						t.Fatal("the call did not end")
					}
				})
			}
			t.Run("hangup during detection", func(t *testing.T) {
				ctx := ctxT(t)
				if err := w.Sim.DefineEndpoint(sim.EndpointSpec{Number: "13900000009", AnswerAfter: 20 * time.Millisecond, HangupAfter: 100 * time.Millisecond,
					AMD: sim.AMDMachine, AMDAfter: 2 * time.Second}); err != nil {
					t.Fatal(err)
				}
				call, err := e.ctl.Dial(ctx, "sw1", controller.Endpoint{Kind: controller.EndpointExternal, Number: "13900000009", Trunk: "gw1"}, controller.OriginateOptions{Timeout: 5 * time.Second})
				if err != nil {
					t.Fatal(err)
				}
				began := time.Now()
				_, _, err = call.Leg().DetectMachine(ctx, 5*time.Second)
				if !errors.Is(err, controller.ErrHungUp) || time.Since(began) > 1500*time.Millisecond {
					t.Fatalf("DetectMachine after a hangup: %v after %v, want ErrHungUp at once", err, time.Since(began))
				}
			})
		})
	}
}

// A FreeSWITCH without mod_amd would hang up a channel told to execute its
// application: the driver asks module_exists first and refuses with
// ErrNotSupported, and the callee's call goes on.
func TestDetectMachineWithoutModAMD(t *testing.T) {
	w := NewSimWorld(t, sim.FrontFreeSWITCH, func(o *sim.Options) { o.NoAMD = true })
	e := start(t, w)
	ctx := ctxT(t)
	if err := w.Sim.DefineEndpoint(sim.EndpointSpec{Number: "13900000010", AnswerAfter: 20 * time.Millisecond, AMD: sim.AMDMachine}); err != nil {
		t.Fatal(err)
	}
	call, err := e.ctl.Dial(ctx, "sw1", controller.Endpoint{Kind: controller.EndpointExternal, Number: "13900000010", Trunk: "gw1"}, controller.OriginateOptions{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := call.Leg().DetectMachine(ctx, 2*time.Second); !errors.Is(err, controller.ErrNotSupported) {
		t.Fatalf("DetectMachine without mod_amd: %v, want ErrNotSupported", err)
	}
	time.Sleep(100 * time.Millisecond)
	if _, _, gone := call.Leg().HangupCause(); gone {
		t.Fatal("the callee was hung up")
	}
	if _, err := call.Leg().Play(ctx, controller.PlayOptions{Media: []controller.Media{{Kind: controller.MediaTone, Value: "beep"}}}); err != nil {
		t.Fatalf("play after the refusal: %v", err)
	}
	_ = call.Hangup(ctx, controller.CauseNormalClearing)
}
