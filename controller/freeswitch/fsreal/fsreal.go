// Package fsreal runs the switch contract suite against a real FreeSWITCH
// (IPCC_TEST_FREESWITCH_ESL=host:port, IPCC_TEST_FREESWITCH_PASSWORD). Test
// callers and phones are loopback channels into the dialplan contexts listed
// in docs/testing-real-switches.md.
package fsreal

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/percipia/eslgo"
	"github.com/percipia/eslgo/command"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/freeswitch"
	"github.com/ipcc/ipcc/controller/switchtest"
)

// Contexts the real server's dialplan must define.
const (
	// CallerContext receives test calls: set ipcc_did=${destination_number}, park.
	CallerContext = "ipcc-test"
	// PhoneContext answers answer-N, hangs up busy-N with USER_BUSY, rings ring-N.
	PhoneContext = "ipcc-test-phones"
)

// World is a real FreeSWITCH seen through a cuttable proxy.
type World struct {
	addr, password string
	proxy          *switchtest.Proxy
	conn           *eslgo.Conn
	callers        map[string]string // arriving leg → caller (loopback-a) leg
}

// FromEnv returns a World when IPCC_TEST_FREESWITCH_ESL is set, and skips
// the test otherwise.
func FromEnv(t *testing.T) *World {
	t.Helper()
	addr := os.Getenv("IPCC_TEST_FREESWITCH_ESL")
	if addr == "" {
		t.Skip("IPCC_TEST_FREESWITCH_ESL not set: no real FreeSWITCH to test against (see docs/testing-real-switches.md)")
	}
	pw := os.Getenv("IPCC_TEST_FREESWITCH_PASSWORD")
	if pw == "" {
		pw = "ClueCon"
	}
	conn, err := eslgo.Dial(addr, pw, func() {})
	if err != nil {
		t.Fatalf("connect to FreeSWITCH at %s: %v", addr, err)
	}
	w := &World{addr: addr, password: pw, proxy: switchtest.NewProxy(t, addr), conn: conn, callers: map[string]string{}}
	// Calls a failed run left behind carry ipcc's mark: the next driver
	// would take them over as its own. Only the suite's own parties go.
	w.hangupParties(t)
	t.Cleanup(func() {
		w.hangupParties(t)
		conn.ExitAndClose()
	})
	return w
}

// partyVar marks every channel the suite creates (callers and phones; the
// far half of a loopback pair inherits it), so leftovers can be found.
const partyVar = "ipcc_test_party"

func (w *World) hangupParties(t *testing.T) {
	if r := w.api(t, "hupall", "NORMAL_CLEARING "+partyVar+" true"); strings.HasPrefix(r, "-ERR") {
		t.Logf("hang up leftover test calls: %s", r)
	}
}

// API runs an API command on the server (outside the driver) and returns
// its reply: a test's own checks and clean-up (global_getvar, hupall).
func (w *World) API(t *testing.T, cmd, args string) string { return w.api(t, cmd, args) }

func (w *World) api(t *testing.T, cmd, args string) string {
	return w.send(t, command.API{Command: cmd, Arguments: args})
}

func (w *World) send(t *testing.T, c command.API) string {
	t.Helper()
	cmd, args := c.Command, c.Arguments
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := w.conn.SendCommand(ctx, c)
	if err != nil {
		t.Fatalf("%s %s: %v", cmd, args, err)
	}
	return strings.TrimSpace(string(res.Body))
}

// NewSwitch implements switchtest.World: the driver goes through the proxy.
func (w *World) NewSwitch(t *testing.T, name string) controller.Switch {
	return freeswitch.New(freeswitch.Config{Name: name, Addr: w.proxy.Addr(), Password: w.password, ReconnectMin: 100 * time.Millisecond, ReconnectMax: time.Second}, nil)
}

// PlaceCall implements switchtest.World: a loopback pair whose b-leg runs
// CallerContext and parks for ipcc; the a-leg is the caller.
func (w *World) PlaceCall(t *testing.T, ani, did string) string {
	t.Helper()
	a := uuid.NewString()
	reply := w.send(t, command.API{Command: "originate", Arguments: fmt.Sprintf("{origination_uuid=%s,origination_caller_id_number=%s,loopback_bowout=false,%s=true}loopback/%s/%s &park()", a, ani, partyVar, did, CallerContext), Background: true})
	if strings.HasPrefix(reply, "-ERR") {
		t.Fatalf("originate test caller: %s", reply)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		b := w.api(t, "uuid_getvar", a+" other_loopback_leg_uuid")
		if b != "" && b != "_undef_" && !strings.HasPrefix(b, "-ERR") {
			w.callers[b] = a
			return b
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("test caller %s: no loopback b-leg appeared", a)
	return ""
}

// Phone implements switchtest.World.
func (w *World) Phone(t *testing.T, number, behavior string) controller.Endpoint {
	return controller.Endpoint{Kind: controller.EndpointRaw, Number: fmt.Sprintf("[%s=true]loopback/%s-%s/%s", partyVar, behavior, number, PhoneContext)}
}

func (w *World) party(leg string) string {
	if a, ok := w.callers[leg]; ok {
		return a
	}
	return leg
}

// Press implements switchtest.World: DTMF sent out of the caller leg
// arrives on the leg ipcc holds.
func (w *World) Press(t *testing.T, leg, digits string) {
	if r := w.api(t, "uuid_send_dtmf", w.party(leg)+" "+digits); strings.HasPrefix(r, "-ERR") {
		t.Fatalf("uuid_send_dtmf: %s", r)
	}
}

// HangupParty implements switchtest.World.
func (w *World) HangupParty(t *testing.T, leg string) {
	if r := w.api(t, "uuid_kill", w.party(leg)+" NORMAL_CLEARING"); strings.HasPrefix(r, "-ERR") {
		t.Fatalf("uuid_kill: %s", r)
	}
}

// Drop implements switchtest.World.
func (w *World) Drop(t *testing.T) {
	if w.proxy.Cut() == 0 {
		t.Fatal("no connection to cut")
	}
}

// Observer implements switchtest.World: a real server is observed only
// through ipcc.
func (w *World) Observer() switchtest.Observer { return nil }

// RecordingPath implements switchtest.World.
func (w *World) RecordingPath(name string) string { return "/tmp/" + name }
