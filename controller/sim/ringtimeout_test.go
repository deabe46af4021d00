package sim

import (
	"testing"
	"time"
)

// FreeSWITCH counts originate_timeout on the epoch's whole seconds and
// gives up once now_sec - start_sec >= the limit (switch_ivr_originate.c),
// so a leg rings between limit-1 and limit seconds. On the kit's 1.11, a
// campaign callee dialled with originate_timeout=4 was cancelled after
// 3.67 s (campaign TestRealFreeSWITCHCampaign). The simulator does the
// same: {originate_timeout=2} gives up between 1 and 2 s, on a whole
// second of the clock.
func TestOriginateTimeoutCountsWholeSeconds(t *testing.T) {
	s := startSim(t, Options{})
	s.DefineEndpoint(EndpointSpec{Number: "2003", Behavior: BehaviorRing})
	c := authed(t, s)
	// Start just before a second ends, so the whole-second count shows:
	// the ring lasts a little over 1 s, not 2.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + 900*time.Millisecond)))
	start := time.Now()
	if r := c.cmd("api originate {originate_timeout=2}user/2003 &park()", nil); r.body != "-ERR NO_ANSWER\n" {
		t.Fatalf("originate: %q", r.body)
	}
	rang := time.Since(start)
	end := time.Now()
	if rang < time.Second-50*time.Millisecond || rang > 1500*time.Millisecond {
		t.Errorf("rang %s, want about 1.1 s (FreeSWITCH: until the second whole second of the clock after the start)", rang)
	}
	if off := end.Sub(end.Truncate(time.Second)); off > 300*time.Millisecond {
		t.Errorf("given up %s after a whole second, want at one", off)
	}
}
