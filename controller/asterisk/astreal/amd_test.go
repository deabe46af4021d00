package astreal_test

import (
	"context"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/asterisk"
)

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
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	d, err := asterisk.New(asterisk.Config{Name: "ast-amd", URL: u.Scheme + "://" + u.Host, User: u.User.Username(), Password: pw,
		App: "ipcc-amdcheck", AMDContext: "ipcc-amdcheck", ReconnectMin: 100 * time.Millisecond, ReconnectMax: time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctl, err := controller.New(controller.Options{Handler: func(ctx context.Context, c *controller.Call) { _ = c.Hangup(ctx, controller.CauseNormalClearing) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := ctl.Add(d); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); _ = ctl.Run(ctx) }()
	defer func() { cancel(); <-done }()
	for !d.Connected() {
		if ctx.Err() != nil {
			t.Fatal("ARI never connected")
		}
		time.Sleep(20 * time.Millisecond)
	}
	call, err := ctl.Dial(ctx, "ast-amd", controller.Endpoint{Kind: controller.EndpointRaw, Number: "Local/answer-1001@ipcc-test-phones"}, controller.OriginateOptions{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	began := time.Now()
	res, cause, err := call.Leg().DetectMachine(ctx, 15*time.Second)
	t.Logf("AMD on a silent callee after %v: %q %q %v", time.Since(began), res, cause, err)
	if err != nil || res == "" || cause == "" || cause == "timeout" {
		t.Fatalf("DetectMachine = %q %q %v: the leg did not come back with AMD()'s result", res, cause, err)
	}
	if err := call.Leg().SetVar(ctx, "ipcc_amd_checked", "yes"); err != nil {
		t.Fatalf("the leg is not under control after the hop: %v", err)
	}
	if err := call.Hangup(ctx, controller.CauseNormalClearing); err != nil {
		t.Fatalf("hangup after the hop: %v", err)
	}
	select {
	case <-call.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the call did not end")
	}
}
