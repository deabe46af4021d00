package fsreal

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/percipia/eslgo"
	"github.com/percipia/eslgo/command"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/freeswitch"
	"github.com/ipcc/ipcc/controller/switchtest/sipua"
)

// amdParty marks the far ends this test creates, so that a failed run's
// leftovers are hung up without touching a contract run's parties
// (partyVar) on the same server.
const amdParty = "ipcc_test_amd_party"

// TestAMDVerdictsRealFreeSWITCH plays a voicemail greeting and a person's
// short hello to mod_amd on a real FreeSWITCH, through the driver's
// DetectMachine (the call the campaigns make: sendmsg execute mod_amd, then
// the CUSTOM mod_amd::info event), and wants MACHINE and HUMAN. It needs
// IPCC_TEST_FREESWITCH_ESL (and _PASSWORD) and IPCC_TEST_FREESWITCH_AMD=1,
// mod_amd built and loaded (docs/testing-real-switches.md,
// "Answering-machine detection"), the sounds ipcc-amd/{machine,human}-{en,zh}.wav
// under the server's sounds_dir, the contract suite's ipcc-test-phones
// context (for a silent callee) and this one (a file in dialplan/):
//
//	<context name="ipcc-amd-phones">
//	  <extension name="amd-greeting">
//	    <condition field="destination_number" expression="^amd-([a-z]+-[a-z]+)$">
//	      <action application="answer"/>
//	      <action application="playback" data="$${sounds_dir}/ipcc-amd/$1.wav"/>
//	      <action application="hangup"/>
//	    </condition>
//	  </extension>
//	</context>
//
// ipcc's leg is the a-half of loopback/amd-…/ipcc-amd-phones; the b-half
// answers and plays the greeting, which mod_amd hears on the a-half's read
// stream. The controller has no handler: the driver sees every parked call
// on the server, and this test must leave a contract run's callers alone.
func TestAMDVerdictsRealFreeSWITCH(t *testing.T) {
	addr := os.Getenv("IPCC_TEST_FREESWITCH_ESL")
	if addr == "" || os.Getenv("IPCC_TEST_FREESWITCH_AMD") == "" {
		t.Skip("set IPCC_TEST_FREESWITCH_ESL and IPCC_TEST_FREESWITCH_AMD=1 (mod_amd loaded, the ipcc-amd-phones context and the ipcc-amd sounds) to run against a real FreeSWITCH")
	}
	pw := os.Getenv("IPCC_TEST_FREESWITCH_PASSWORD")
	if pw == "" {
		pw = "ClueCon"
	}
	conn, err := eslgo.Dial(addr, pw, func() {})
	if err != nil {
		t.Fatalf("connect to FreeSWITCH at %s: %v", addr, err)
	}
	api := func(cmd, args string) string {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		res, err := conn.SendCommand(ctx, command.API{Command: cmd, Arguments: args})
		if err != nil {
			t.Fatalf("%s %s: %v", cmd, args, err)
		}
		return strings.TrimSpace(string(res.Body))
	}
	hupLeftovers := func() { api("hupall", "NORMAL_CLEARING "+amdParty+" true") }
	hupLeftovers()
	t.Cleanup(func() { hupLeftovers(); conn.ExitAndClose() })
	if r := api("module_exists", "mod_amd"); r != "true" {
		t.Fatalf("module_exists mod_amd = %q: build and load mod_amd first", r)
	}

	ctx, ctl := startAMDController(t, "fs-amd", addr, pw, controller.Options{})

	// A silent callee (the contract suite's answer-N phone: answer, park;
	// the loopback pair keeps sending silence frames) is INITIAL_SILENCE
	// after initial_silence (2.5 s): MACHINE with mod_amd's default
	// silence_not_sure=no, NOT_SURE with yes.
	for _, g := range []struct {
		name, dest string
		want       []string
		cause      string
	}{
		{"amd-machine-en", "amd-machine-en/ipcc-amd-phones", []string{controller.MachineMachine}, ""},
		{"amd-machine-zh", "amd-machine-zh/ipcc-amd-phones", []string{controller.MachineMachine}, ""},
		{"amd-human-en", "amd-human-en/ipcc-amd-phones", []string{controller.MachineHuman}, "SILENCE_AFTER_GREETING"},
		{"amd-human-zh", "amd-human-zh/ipcc-amd-phones", []string{controller.MachineHuman}, "SILENCE_AFTER_GREETING"},
		{"silent", "answer-1001/" + PhoneContext, []string{controller.MachineMachine, controller.MachineUnknown}, "INITIAL_SILENCE"},
	} {
		t.Run(g.name, func(t *testing.T) {
			ep := controller.Endpoint{Kind: controller.EndpointRaw, Number: fmt.Sprintf("[%s=true]loopback/%s", amdParty, g.dest)}
			call, err := ctl.Dial(ctx, "fs-amd", ep, controller.OriginateOptions{Timeout: 10 * time.Second})
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			began := time.Now()
			// 6 s: the campaigns' default wait (amd.timeout_ms); a later
			// verdict would reach a campaign as "unknown".
			res, cause, err := call.Leg().DetectMachine(ctx, 6*time.Second)
			t.Logf("mod_amd on %s after %v: %q %q %v", g.name, time.Since(began).Round(time.Millisecond), res, cause, err)
			if err != nil || !slices.Contains(g.want, res) || (g.cause != "" && cause != g.cause) {
				t.Errorf("DetectMachine = %q %q %v, want %q (cause %q)", res, cause, err, g.want, g.cause)
			}
			if err := call.Leg().SetVar(ctx, "ipcc_amd_checked", "yes"); err != nil {
				t.Errorf("the leg is not under control after detection: %v", err)
			}
			if err := call.Hangup(ctx, controller.CauseNormalClearing); err != nil {
				t.Fatalf("hangup: %v", err)
			}
			select {
			case <-call.Done():
			case <-time.After(10 * time.Second):
				t.Fatal("the call did not end")
			}
		})
	}
}

// TestAMDVerdictsRealFreeSWITCHOverSIP is TestAMDVerdictsRealFreeSWITCH with
// the greeting coming over SIP and RTP (PCMU) instead of a loopback pair: a
// SIP caller (sipua) calls into IPCC_TEST_FREESWITCH_SIP (the kit: the
// external profile, 127.0.0.1:5080, context public, which parks for ipcc),
// ipcc answers it and runs detection on that leg while the caller speaks
// one of the files in IPCC_TEST_AMD_SOUNDS (the directory of
// machine-en.wav, human-zh.wav, … made as docs/testing-real-switches.md
// says). A campaign detects on a callee it dialled; the media path into
// mod_amd is the same: decoded RTP on the leg's read stream.
func TestAMDVerdictsRealFreeSWITCHOverSIP(t *testing.T) {
	addr, sipAddr, sounds := os.Getenv("IPCC_TEST_FREESWITCH_ESL"), os.Getenv("IPCC_TEST_FREESWITCH_SIP"), os.Getenv("IPCC_TEST_AMD_SOUNDS")
	if addr == "" || sipAddr == "" || sounds == "" || os.Getenv("IPCC_TEST_FREESWITCH_AMD") == "" {
		t.Skip("set IPCC_TEST_FREESWITCH_ESL, IPCC_TEST_FREESWITCH_SIP, IPCC_TEST_AMD_SOUNDS and IPCC_TEST_FREESWITCH_AMD=1 (mod_amd loaded) to run against a real FreeSWITCH")
	}
	pw := os.Getenv("IPCC_TEST_FREESWITCH_PASSWORD")
	if pw == "" {
		pw = "ClueCon"
	}
	// Calls parked for ipcc reach every driver on the server: this test
	// takes only its own callers (by ANI) and leaves the others parked.
	var mu sync.Mutex
	mine := map[string]chan *controller.Call{}
	handler := func(ctx context.Context, c *controller.Call) {
		mu.Lock()
		ch := mine[c.ANI()]
		mu.Unlock()
		if ch == nil {
			return
		}
		ch <- c
		select {
		case <-c.Done():
		case <-ctx.Done():
		}
	}
	ctx, _ := startAMDController(t, "fs-amd-sip", addr, pw, controller.Options{Handler: handler})

	for i, g := range []struct {
		file, want, cause string
	}{
		{"machine-en", controller.MachineMachine, ""},
		{"machine-zh", controller.MachineMachine, ""},
		{"human-en", controller.MachineHuman, "SILENCE_AFTER_GREETING"},
		{"human-zh", controller.MachineHuman, "SILENCE_AFTER_GREETING"},
		{"silent-line", controller.MachineMachine, "INITIAL_SILENCE"},
	} {
		t.Run(g.file, func(t *testing.T) {
			speech, err := sipua.ReadWAV(filepath.Join(sounds, g.file+".wav"))
			if err != nil {
				t.Fatal(err)
			}
			ani := fmt.Sprintf("1390%04d%03d", time.Now().UnixMilli()%10000, i)
			arrived := make(chan *controller.Call, 1)
			mu.Lock()
			mine[ani] = arrived
			mu.Unlock()
			caller := sipua.Dial(t, sipAddr, ani, "4078")
			var call *controller.Call
			select {
			case call = <-arrived:
			case <-time.After(10 * time.Second):
				t.Fatal("the SIP call did not arrive")
			}
			defer func() { _ = call.Hangup(context.WithoutCancel(ctx), controller.CauseNormalClearing) }()
			if err := call.Leg().Answer(ctx); err != nil {
				t.Fatal(err)
			}
			select {
			case <-caller.Answered():
			case <-time.After(10 * time.Second):
				t.Fatal("the SIP caller got no answer")
			}
			caller.Say(speech)
			began := time.Now()
			res, cause, err := call.Leg().DetectMachine(ctx, 6*time.Second)
			t.Logf("mod_amd on a SIP caller saying %s after %v: %q %q %v", g.file, time.Since(began).Round(time.Millisecond), res, cause, err)
			if err != nil || res != g.want || (g.cause != "" && cause != g.cause) {
				t.Errorf("DetectMachine = %q %q %v, want %q (cause %q)", res, cause, err, g.want, g.cause)
			}
			if err := call.Hangup(ctx, controller.CauseNormalClearing); err != nil {
				t.Fatalf("hangup: %v", err)
			}
			select {
			case <-caller.Ended():
			case <-time.After(10 * time.Second):
				t.Fatal("the SIP caller was not hung up")
			}
		})
	}
}

// startAMDController runs a controller with one FreeSWITCH driver for two
// minutes at most (stopped with the test) and waits for its ESL connection.
func startAMDController(t *testing.T, name, addr, pw string, opts controller.Options) (context.Context, *controller.Controller) {
	t.Helper()
	drv := freeswitch.New(freeswitch.Config{Name: name, Addr: addr, Password: pw, ReconnectMin: 100 * time.Millisecond, ReconnectMax: time.Second}, nil)
	ctl, err := controller.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := ctl.Add(drv); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	done := make(chan struct{})
	go func() { defer close(done); _ = ctl.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	for !drv.Connected() {
		if ctx.Err() != nil {
			t.Fatal("ESL never connected")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return ctx, ctl
}
