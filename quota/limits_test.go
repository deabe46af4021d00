package quota

import (
	"errors"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name              string
		max, used, adding int64
		refused           bool
	}{
		{"zero means unlimited", 0, 1_000_000, 1, false},
		{"under the limit admits", 3, 1, 1, false},
		{"reaching the limit exactly admits", 3, 2, 1, false},
		{"one over the limit refuses", 3, 3, 1, true},
		{"a larger request over the limit refuses", 10, 5, 6, true},
		{"negative max behaves as unlimited", -1, 5, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Check("acme", LimitCalls, tc.max, tc.used, tc.adding)
			if (err != nil) != tc.refused {
				t.Fatalf("Check(max %d, used %d, +%d) = %v, want refused %v", tc.max, tc.used, tc.adding, err, tc.refused)
			}
			if err == nil {
				return
			}
			var ex *ExceededError
			if !errors.As(err, &ex) || !IsExceeded(err) || ex.Used != tc.used || ex.Max != tc.max || ex.Limit != LimitCalls || ex.Tenant != "acme" {
				t.Fatalf("error %#v", err)
			}
		})
	}
}

// admitStep is one arrival (or release) against a counter.
type admitStep struct {
	at      time.Duration // since the start
	web     bool
	release bool   // release one call of this kind instead of admitting
	want    Limit  // "" admitted, else the refusing limit
	calls   int64  // calls counted after the step
	note    string // why
}

func TestCounterAdmit(t *testing.T) {
	start := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		lim   Limits
		steps []admitStep
	}{
		{"unlimited admits everything", Limits{}, []admitStep{{0, false, false, "", 1, ""}, {0, true, false, "", 2, ""}, {0, false, false, "", 3, ""}}},
		{"concurrent calls: the third of two is refused until one ends", Limits{Calls: 2}, []admitStep{
			{0, false, false, "", 1, ""}, {time.Second, true, false, "", 2, ""},
			{2 * time.Second, false, false, LimitCalls, 2, "full"},
			{3 * time.Second, false, true, "", 1, "one ends"},
			{4 * time.Second, false, false, "", 2, "room again"}}},
		{"web calls are part of all calls and have their own limit", Limits{Calls: 3, WebCalls: 1}, []admitStep{
			{0, true, false, "", 1, ""}, {time.Second, true, false, LimitWebCalls, 1, "second web call"},
			{2 * time.Second, false, false, "", 2, "a PSTN call still fits"}}},
		{"calls per second: the window slides", Limits{CPS: 2}, []admitStep{
			{0, false, false, "", 1, ""}, {100 * time.Millisecond, false, false, "", 2, ""},
			{900 * time.Millisecond, false, false, LimitCPS, 2, "third in the same second"},
			{1000 * time.Millisecond, false, false, "", 3, "the first arrival left the window"},
			{1050 * time.Millisecond, false, false, LimitCPS, 3, "the second is still in it"}}},
		{"a refused call does not count towards calls per second", Limits{CPS: 1, Calls: 1}, []admitStep{
			{0, false, false, "", 1, ""}, {2 * time.Second, false, false, LimitCalls, 1, "refused by calls"},
			{2 * time.Second, false, true, "", 0, ""}, {2 * time.Second, false, false, "", 1, "the refused one took no slot"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &counter{arrivals: window{span: time.Second}}
			for i, st := range tc.steps {
				var got Limit
				if st.release {
					c.release(st.web)
				} else if err := c.admit("acme", tc.lim, st.web, start.Add(st.at)); err != nil {
					var ex *ExceededError
					if !errors.As(err, &ex) {
						t.Fatalf("step %d: %v", i, err)
					}
					got = ex.Limit
				}
				if got != st.want || c.calls != st.calls {
					t.Fatalf("step %d (%s): refused by %q with %d calls, want %q with %d", i, st.note, got, c.calls, st.want, st.calls)
				}
			}
		})
	}
}

func TestLabelCap(t *testing.T) {
	l := newLabelCap(2)
	for _, tc := range []struct{ in, want string }{{"a", "a"}, {"b", "b"}, {"c", OtherLabel}, {"a", "a"}, {"d", OtherLabel}} {
		if got := l.value(tc.in); got != tc.want {
			t.Fatalf("value(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	m := capSorted([]string{"q3", "q1", "q2", "q1"}, 2)
	if len(m) != 3 || m["q1"] != "q1" || m["q2"] != "q2" || m["q3"] != OtherLabel {
		t.Fatalf("capSorted = %v", m)
	}
}

// Outbound calls count as PSTN calls under the same limits, and room
// says how many more fit and which limit binds.
func TestCounterOutboundAndRoom(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		lim  Limits
		// in: inbound calls admitted first (at now-2s), out: outbound calls
		// admitted at now.
		in, out int
		refused Limit // what refuses the next outbound call ("" none)
		room    Room
	}{
		{"unlimited", Limits{}, 3, 3, "", Room{Tenant: "acme", N: -1}},
		{"inbound and outbound share the calls", Limits{Calls: 4}, 2, 2, LimitCalls, Room{Tenant: "acme", N: 0, Limit: LimitCalls, Used: 4, Max: 4}},
		{"room left under the calls", Limits{Calls: 5}, 1, 1, "", Room{Tenant: "acme", N: 3, Limit: LimitCalls, Used: 2, Max: 5}},
		{"calls per second binds before calls", Limits{Calls: 10, CPS: 3}, 1, 2, "", Room{Tenant: "acme", N: 1, Limit: LimitCPS, Used: 2, Max: 3}},
		{"calls per second full", Limits{CPS: 2}, 0, 2, LimitCPS, Room{Tenant: "acme", N: 0, Limit: LimitCPS, Used: 2, Max: 2}},
		{"web calls do not limit outbound calls", Limits{Calls: 3, WebCalls: 1}, 0, 3, LimitCalls, Room{Tenant: "acme", N: 0, Limit: LimitCalls, Used: 3, Max: 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &counter{arrivals: window{span: time.Second}}
			for range tc.in {
				if err := c.admit("acme", tc.lim, false, now.Add(-2*time.Second)); err != nil {
					t.Fatal(err)
				}
			}
			for range tc.out {
				if err := c.admitOutbound("acme", tc.lim, now); err != nil {
					t.Fatal(err)
				}
			}
			if c.calls != int64(tc.in+tc.out) || c.out != int64(tc.out) || c.web != 0 {
				t.Fatalf("counted calls %d out %d web %d", c.calls, c.out, c.web)
			}
			if got := c.room("acme", tc.lim, now); got != tc.room {
				t.Fatalf("room %+v, want %+v", got, tc.room)
			}
			err := c.admitOutbound("acme", tc.lim, now)
			var got Limit
			var ex *ExceededError
			if errors.As(err, &ex) {
				got = ex.Limit
			}
			if got != tc.refused {
				t.Fatalf("next outbound call: %v, want refused by %q", err, tc.refused)
			}
			if err == nil {
				c.releaseOutbound()
			}
			c.releaseOutbound()
			if c.calls != int64(tc.in+tc.out-1) || c.out != int64(tc.out-1) {
				t.Fatalf("after a release: calls %d out %d", c.calls, c.out)
			}
		})
	}
}
