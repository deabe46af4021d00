package fsreal

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/switchtest"
	"github.com/ipcc/ipcc/controller/switchtest/sipua"
)

// TestRealFreeSWITCHHoldMusic checks with a SIP caller (loopback callers
// carry no audio anybody could measure) what a caller held by ipcc hears
// on a real FreeSWITCH: parked and held — a caller waiting in a queue —
// and bridged with an agent and held. It also shows why ipcc does not use
// uuid_hold: the held leg itself hears nothing (its phone gets a sendonly
// re-INVITE), the music goes to its bridged partner.
//
// IPCC_TEST_FREESWITCH_SIP names a SIP profile whose context parks
// unauthenticated calls for ipcc (the kit: the external profile,
// 127.0.0.1:5080, context public); IPCC_TEST_FREESWITCH_MOH the music on
// hold (default: a tone file this test writes, readable by FreeSWITCH on
// the same host; the kit installs no music for local_stream://moh).
func TestRealFreeSWITCHHoldMusic(t *testing.T) {
	sipAddr := os.Getenv("IPCC_TEST_FREESWITCH_SIP")
	if sipAddr == "" {
		t.Skip("IPCC_TEST_FREESWITCH_SIP not set: no SIP profile to call into (see docs/testing-real-switches.md)")
	}
	w := FromEnv(t)
	moh := os.Getenv("IPCC_TEST_FREESWITCH_MOH")
	if moh == "" {
		moh = sipua.ToneFile(t)
	}
	sw := w.NewSwitch(t, "fs-media")
	watch := switchtest.Watch(t, sw)
	ctx, wait, is := watch.Ctx, watch.Wait, switchtest.Is

	ani := "1380013" + uuid.NewString()[:4]
	ani = strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return '7'
	}, ani)
	caller := sipua.Dial(t, sipAddr, ani, "4077")
	leg := wait("the SIP call parked for ipcc", func(e controller.Event) bool {
		return e.Type == controller.EventCallArrived && e.ANI == ani
	}).Leg
	defer func() { _ = sw.Hangup(context.Background(), leg, controller.CauseNormalClearing) }()
	if err := sw.Answer(ctx, leg); err != nil {
		t.Fatal(err)
	}
	select {
	case <-caller.Answered():
	case <-time.After(10 * time.Second):
		t.Fatal("the SIP caller got no answer")
	}
	silent := func(what string, a sipua.Audio) {
		t.Helper()
		t.Logf("%s: %s", what, a)
		if a.Loudness() > 0.1 {
			t.Errorf("%s: the caller hears sound (%s), want silence", what, a)
		}
	}
	music := func(what string, a sipua.Audio) {
		t.Helper()
		t.Logf("%s: %s", what, a)
		if a.Frames < 50 || a.Loudness() < 0.5 {
			t.Errorf("%s: the caller hears no music (%s)", what, a)
		}
	}

	time.Sleep(300 * time.Millisecond)
	silent("parked", caller.Listen(time.Second))

	// Waiting in a queue: held with music.
	if err := sw.Hold(ctx, leg, moh); err != nil {
		t.Fatal(err)
	}
	wait("hold", is(controller.EventHold, leg))
	time.Sleep(200 * time.Millisecond)
	music("parked and held by ipcc", caller.Listen(2*time.Second))
	if err := sw.Unhold(ctx, leg); err != nil {
		t.Fatal(err)
	}
	wait("unhold", is(controller.EventUnhold, leg))
	time.Sleep(300 * time.Millisecond)
	silent("taken off hold", caller.Listen(time.Second))

	// FreeSWITCH's own hold of a parked leg: silence, and a re-INVITE.
	before := len(caller.ReInvites())
	w.api(t, "uuid_setvar", leg+" hold_music "+moh)
	if r := w.api(t, "uuid_hold", leg); !strings.HasPrefix(r, "+OK") {
		t.Fatalf("uuid_hold: %s", r)
	}
	time.Sleep(300 * time.Millisecond)
	silent("parked and held with uuid_hold", caller.Listen(2*time.Second))
	reinv := caller.ReInvites()
	t.Logf("uuid_hold sent %d re-INVITE(s); sendonly: %v", len(reinv)-before, len(reinv) > before && strings.Contains(reinv[len(reinv)-1], "a=sendonly"))
	if r := w.api(t, "uuid_hold", "off "+leg); !strings.HasPrefix(r, "+OK") {
		t.Fatalf("uuid_hold off: %s", r)
	}
	time.Sleep(300 * time.Millisecond)

	// Bridged with an agent (a silent loopback phone) and held.
	agent := uuid.NewString()
	if err := sw.Originate(ctx, controller.Originate{LegID: agent, Endpoint: w.Phone(t, "2077", "answer"), Timeout: 10 * time.Second}); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sw.Hangup(context.Background(), agent, controller.CauseNormalClearing) }()
	wait("the agent answered", is(controller.EventAnswered, agent))
	if err := sw.Bridge(ctx, leg, agent); err != nil {
		t.Fatal(err)
	}
	wait("bridged", is(controller.EventBridged, leg))
	time.Sleep(300 * time.Millisecond)
	silent("bridged with a silent agent", caller.Listen(time.Second))
	if err := sw.Hold(ctx, leg, moh); err != nil {
		t.Fatal(err)
	}
	wait("hold", is(controller.EventHold, leg))
	time.Sleep(200 * time.Millisecond)
	music("bridged and held by ipcc", caller.Listen(2*time.Second))
	if err := sw.Unhold(ctx, leg); err != nil {
		t.Fatal(err)
	}
	wait("unhold", is(controller.EventUnhold, leg))
	time.Sleep(300 * time.Millisecond)
	silent("bridged, taken off hold", caller.Listen(time.Second))

	// uuid_hold of the agent's leg: the music goes to its partner, the
	// caller. (A loopback leg held so cannot be taken off hold: last.)
	w.api(t, "uuid_setvar", agent+" hold_music "+moh)
	if r := w.api(t, "uuid_hold", agent); !strings.HasPrefix(r, "+OK") {
		t.Fatalf("uuid_hold agent: %s", r)
	}
	time.Sleep(300 * time.Millisecond)
	music("the agent's leg held with uuid_hold (music to its partner)", caller.Listen(2*time.Second))

	if err := sw.Hangup(ctx, leg, controller.CauseNormalClearing); err != nil {
		t.Fatal(err)
	}
	select {
	case <-caller.Ended():
	case <-time.After(10 * time.Second):
		t.Error("the SIP caller was not hung up")
	}
}

// TestRealFreeSWITCHPhoneHold checks what the driver reports when a phone
// itself holds (a desk phone's hold button: a sendonly re-INVITE) while
// bridged, the case the simulator's PhoneHold reproduces: FreeSWITCH sends
// CHANNEL_HOLD / CHANNEL_UNHOLD for the phone's own leg, which the driver
// reports as EventHold / EventUnhold of that leg. Needs the same variables
// as TestRealFreeSWITCHHoldMusic.
func TestRealFreeSWITCHPhoneHold(t *testing.T) {
	sipAddr := os.Getenv("IPCC_TEST_FREESWITCH_SIP")
	if sipAddr == "" {
		t.Skip("IPCC_TEST_FREESWITCH_SIP not set: no SIP profile to call into (see docs/testing-real-switches.md)")
	}
	w := FromEnv(t)
	sw := w.NewSwitch(t, "fs-phonehold")
	const ani = "13800138770"
	watch := switchtest.Watch(t, sw)
	switchtest.CheckPhoneHold(t, sw, watch, sipua.Dial(t, sipAddr, ani, "4079"), ani, w.Phone(t, "2079", "answer"))
}
