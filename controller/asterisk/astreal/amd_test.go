package astreal_test

import (
	"context"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/asterisk"
)

// amdWorld is ipcc's driver on a real Asterisk under the application
// ipcc-amdcheck (its own, so no other test's "ipcc" socket is replaced),
// with AMDContext ipcc-amdcheck, inside a controller that hangs up
// whatever arrives.
type amdWorld struct {
	ctl *controller.Controller
	ctx context.Context
}

// amdCheckApp is the Stasis application and the AMD context of the tests.
const amdCheckApp = "ipcc-amdcheck"

func newAMDWorld(t *testing.T, raw string, d time.Duration) *amdWorld {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	drv, err := asterisk.New(asterisk.Config{Name: "ast-amd", URL: u.Scheme + "://" + u.Host, User: u.User.Username(), Password: pw,
		App: amdCheckApp, AMDContext: amdCheckApp, ReconnectMin: 100 * time.Millisecond, ReconnectMax: time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctl, err := controller.New(controller.Options{Handler: func(ctx context.Context, c *controller.Call) { _ = c.Hangup(ctx, controller.CauseNormalClearing) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := ctl.Add(drv); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	done := make(chan struct{})
	go func() { defer close(done); _ = ctl.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	for !drv.Connected() {
		if ctx.Err() != nil {
			t.Fatal("ARI never connected")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return &amdWorld{ctl: ctl, ctx: ctx}
}

// hangup ends the call and waits for its end.
func (w *amdWorld) hangup(t *testing.T, call *controller.Call) {
	t.Helper()
	if err := call.Hangup(w.ctx, controller.CauseNormalClearing); err != nil {
		t.Fatalf("hangup after the hop: %v", err)
	}
	select {
	case <-call.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the call did not end")
	}
}

// TestAMDHopRealAsterisk runs answering-machine detection's dialplan hop
// on a real Asterisk (docs/outbound.md, "Answering machines"). It needs
// IPCC_TEST_ASTERISK_ARI (as the contract suite) and
// IPCC_TEST_ASTERISK_AMD=1, and on the server the kit's ipcc-test-phones
// context plus this one (its own application, so no other test's "ipcc"
// socket is replaced):
//
//	[ipcc-amdcheck]
//	exten => s,1,AMD()
//	 same => n,Stasis(ipcc-amdcheck,ipcc-amd,${AMDSTATUS},${AMDCAUSE})
//	 same => n,Hangup()
//
// The callee (answer-1001 of ipcc-test-phones) answers and stays silent; the
// leg must come back into the application with AMD()'s result, stay under
// control, and hang up.
func TestAMDHopRealAsterisk(t *testing.T) {
	raw := os.Getenv("IPCC_TEST_ASTERISK_ARI")
	if raw == "" || os.Getenv("IPCC_TEST_ASTERISK_AMD") == "" {
		t.Skip("set IPCC_TEST_ASTERISK_ARI and IPCC_TEST_ASTERISK_AMD=1 (and add the ipcc-amdcheck context) to run against a real Asterisk")
	}
	w := newAMDWorld(t, raw, 60*time.Second)
	call, err := w.ctl.Dial(w.ctx, "ast-amd", controller.Endpoint{Kind: controller.EndpointRaw, Number: "Local/answer-1001@ipcc-test-phones"}, controller.OriginateOptions{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	began := time.Now()
	res, cause, err := call.Leg().DetectMachine(w.ctx, 15*time.Second)
	t.Logf("AMD on a silent callee after %v: %q %q %v", time.Since(began), res, cause, err)
	if err != nil || res == "" || cause == "" || cause == "timeout" {
		t.Fatalf("DetectMachine = %q %q %v: the leg did not come back with AMD()'s result", res, cause, err)
	}
	if err := call.Leg().SetVar(w.ctx, "ipcc_amd_checked", "yes"); err != nil {
		t.Fatalf("the leg is not under control after the hop: %v", err)
	}
	w.hangup(t, call)
}

// amdGreetings are the far ends of the verdict tests: the extension of
// context ipcc-amd-phones that answers and plays a file, what a campaign
// must be told, and the start of AMDCAUSE when it matters. The sound files
// are made with espeak-ng and sox (docs/testing-real-switches.md,
// "Answering-machine detection"): a voicemail greeting of 11-13 s of speech
// (English, Mandarin), a person's "Hello?" or "喂？" after 1 s of silence (so
// the word is not spoken before ipcc's detection starts) followed by 6 s of
// silence, and 8 s of silence — a line that answers and says nothing. The
// silences are played from the files so that frames keep coming: AMD()
// hears nothing from a far end that sends no frames (a Local channel after
// Answer()) and ends NOTSURE (TestAMDHopRealAsterisk), where a real line
// with silence ends INITIALSILENCE: MACHINE with Asterisk's defaults.
var amdGreetings = []struct {
	exten string
	want  []string
	cause string
}{
	{"amd-machine-en", []string{controller.MachineMachine}, ""},
	{"amd-machine-zh", []string{controller.MachineMachine}, ""},
	{"amd-human-en", []string{controller.MachineHuman}, "HUMAN-"},
	{"amd-human-zh", []string{controller.MachineHuman}, "HUMAN-"},
	{"amd-silent-line", []string{controller.MachineMachine, controller.MachineUnknown}, "INITIALSILENCE-"},
}

// amdCampaignTimeout is the campaigns' default wait for the result
// (amd.timeout_ms, dispatch's defaultMachineTimeout): a verdict later than
// this would reach a campaign as "unknown".
const amdCampaignTimeout = 6 * time.Second

// TestAMDVerdictsRealAsterisk plays a voicemail greeting and a person's
// short hello to AMD() on a real Asterisk, through the driver's
// DetectMachine (the call the campaigns make), and wants MACHINE and
// HUMAN. It needs IPCC_TEST_ASTERISK_ARI and IPCC_TEST_ASTERISK_AMD_VOICES=1,
// the ipcc-amdcheck context of TestAMDHopRealAsterisk, the sounds
// ipcc-amd/{machine,human}-{en,zh} and ipcc-amd/silent-line, and this
// context:
//
//	[ipcc-amd-phones]
//	exten => _amd-.,1,Answer()
//	 same => n,Playback(ipcc-amd/${EXTEN:4})
//	 same => n,Hangup()
func TestAMDVerdictsRealAsterisk(t *testing.T) {
	raw := os.Getenv("IPCC_TEST_ASTERISK_ARI")
	if raw == "" || os.Getenv("IPCC_TEST_ASTERISK_AMD_VOICES") == "" {
		t.Skip("set IPCC_TEST_ASTERISK_ARI and IPCC_TEST_ASTERISK_AMD_VOICES=1 (and add the ipcc-amdcheck and ipcc-amd-phones contexts and the ipcc-amd sounds) to run against a real Asterisk")
	}
	w := newAMDWorld(t, raw, 120*time.Second)
	for _, g := range amdGreetings {
		t.Run(g.exten, func(t *testing.T) {
			call, err := w.ctl.Dial(w.ctx, "ast-amd", controller.Endpoint{Kind: controller.EndpointRaw, Number: "Local/" + g.exten + "@ipcc-amd-phones"}, controller.OriginateOptions{Timeout: 10 * time.Second})
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			began := time.Now()
			res, cause, err := call.Leg().DetectMachine(w.ctx, amdCampaignTimeout)
			t.Logf("AMD on %s after %v: %q %q %v", g.exten, time.Since(began).Round(time.Millisecond), res, cause, err)
			if err != nil || !slices.Contains(g.want, res) || !strings.HasPrefix(cause, g.cause) {
				t.Errorf("DetectMachine = %q %q %v, want %q (cause %q…)", res, cause, err, g.want, g.cause)
			}
			if err := call.Leg().SetVar(w.ctx, "ipcc_amd_checked", "yes"); err != nil {
				t.Errorf("the leg is not under control after the hop: %v", err)
			}
			w.hangup(t, call)
		})
	}
}
