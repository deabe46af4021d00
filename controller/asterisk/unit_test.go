package asterisk

import (
	"context"
	"strings"
	"testing"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/asterisk/ari"
)

func testDriver(t *testing.T) *Driver {
	t.Helper()
	d, err := New(Config{Name: "pbx1", URL: "http://127.0.0.1:1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestConfigValidation(t *testing.T) {
	_, err := New(Config{ExtensionEndpoint: "PJSIP/x", RecordIfExists: "keep"}, nil)
	for _, want := range []string{"name is required", "url is required", "extension_endpoint", "record_if_exists"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %q", err, want)
		}
	}
	if _, err := New(Config{Name: "a", URL: "ftp://x"}, nil); err == nil {
		t.Error("ftp URL accepted")
	}
}

func TestMediaURIs(t *testing.T) {
	d := testDriver(t)
	for _, tc := range []struct {
		m    controller.Media
		want string
		err  string
	}{
		{controller.Media{Kind: controller.MediaFile, Value: "hello-world"}, "sound:hello-world", ""},
		{controller.Media{Kind: controller.MediaFile, Value: "/opt/prompts/zh/welcome.WAV"}, "sound:/opt/prompts/zh/welcome", ""},
		{controller.Media{Kind: controller.MediaFile, Value: "/var/spool/asterisk/recording/vm/1001.gsm"}, "recording:vm/1001", ""},
		{controller.Media{Kind: controller.MediaFile, Value: "recording:abc"}, "recording:abc", ""},
		{controller.Media{Kind: controller.MediaFile, Value: "/opt/prompts/a.b/file"}, "sound:/opt/prompts/a.b/file", ""},
		{controller.Media{Kind: controller.MediaNumber, Value: "-12"}, "number:-12", ""},
		{controller.Media{Kind: controller.MediaNumber, Value: "1.5"}, "", "not an integer"},
		{controller.Media{Kind: controller.MediaDigits, Value: "12*#"}, "digits:12*#", ""},
		{controller.Media{Kind: controller.MediaTone, Value: "busy"}, "tone:busy", ""},
		{controller.Media{Kind: controller.MediaTone, Value: "440+480/2000,0/4000"}, "", "','"},
		{controller.Media{Kind: controller.MediaTone, Value: "440/500"}, "tone:440/500", ""},
		{controller.Media{Kind: controller.MediaTone, Value: "siren"}, "", "unknown tone"},
		{controller.Media{Kind: controller.MediaSilence, Value: "0"}, "sound:silence/1", ""},
		{controller.Media{Kind: controller.MediaSilence, Value: "1001"}, "sound:silence/2", ""},
		{controller.Media{Kind: controller.MediaSilence, Value: "25000"}, "sound:silence/10,sound:silence/10,sound:silence/5", ""},
		{controller.Media{Kind: controller.MediaSilence, Value: "soon"}, "", "milliseconds"},
		{controller.Media{Kind: controller.MediaTTS, Value: "hello"}, "", "TTS"},
		{controller.Media{Kind: controller.MediaFile, Value: " "}, "", "empty file"},
	} {
		uris, _, err := d.mediaURIs([]controller.Media{tc.m})
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%+v: err %v, want %q", tc.m, err, tc.err)
			}
			continue
		}
		if err != nil || strings.Join(uris, ",") != tc.want {
			t.Errorf("%+v: %v %v, want %s", tc.m, uris, err, tc.want)
		}
	}
	_, lang, _ := d.mediaURIs([]controller.Media{{Kind: controller.MediaDigits, Value: "1"}, {Kind: controller.MediaNumber, Value: "2", Lang: "en-US"}})
	if lang != "en" {
		t.Errorf("lang %q, want en", lang)
	}
}

func TestRecordingNames(t *testing.T) {
	c := Config{}
	c.setDefaults()
	for _, tc := range []struct{ path, name, format, err string }{
		{"/var/spool/asterisk/recording/calls/2026/r1.wav", "calls/2026/r1", "wav", ""},
		{"/data/recordings/r2.gsm", "r2", "gsm", ""},
		{"r3", "r3", "wav", ""},
		{"", "", "", "empty"},
		{"/var/spool/asterisk/recording/../x.wav", "x", "wav", ""},
	} {
		name, format, err := c.recordingName(tc.path)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err %v", tc.path, err)
			}
			continue
		}
		if err != nil || name != tc.name || format != tc.format {
			t.Errorf("%q: %q %q %v, want %q %q", tc.path, name, format, err, tc.name, tc.format)
		}
	}
}

func TestHangupParams(t *testing.T) {
	for _, tc := range []struct {
		c      controller.Cause
		reason string
		code   int
	}{
		{"", "", 0},
		{controller.CauseNormalClearing, "normal", 0},
		{controller.CauseUserBusy, "busy", 0},
		{controller.CauseCongestion, "congestion", 0},
		{controller.CauseNoAnswer, "no_answer", 0},
		{controller.CauseAnsweredElsewhere, "answered_elsewhere", 0},
		{controller.CauseSubscriberAbsent, "", 20},
		{controller.CauseNormalTemporaryFailure, "", 41},
		{"RECOVERY_ON_TIMER_EXPIRE", "", 102},
		{controller.CauseOriginatorCancel, "", 0}, // 487 is SIP, not Q.850
		{"NO_SUCH_THING", "", 0},
	} {
		r, code := hangupParams(tc.c)
		if r != tc.reason || code != tc.code {
			t.Errorf("%s: %q %d, want %q %d", tc.c, r, code, tc.reason, tc.code)
		}
	}
}

func TestEndpointTemplates(t *testing.T) {
	d := testDriver(t)
	for _, tc := range []struct {
		e    controller.Endpoint
		want string
	}{
		{controller.Endpoint{Kind: controller.EndpointExtension, Number: "1001"}, "PJSIP/1001"},
		{controller.Endpoint{Kind: controller.EndpointExternal, Number: "13800138000", Trunk: "carrier1"}, "PJSIP/13800138000@carrier1"},
		{controller.Endpoint{Kind: controller.EndpointRaw, Number: "Local/100@ctx/n"}, "Local/100@ctx/n"},
		{controller.Endpoint{Kind: controller.EndpointExternal, Number: "1"}, ""},
		{controller.Endpoint{Kind: controller.EndpointExtension}, ""},
	} {
		got, err := d.endpoint(tc.e)
		if got != tc.want || (tc.want == "") != (err != nil) {
			t.Errorf("%+v: %q %v, want %q", tc.e, got, err, tc.want)
		}
	}
}

// translator drives a state with hand-written events.
type translator struct {
	t   *testing.T
	st  *state
	out []controller.Event
}

func newTranslator(t *testing.T) *translator {
	cfg := Config{Name: "pbx1", URL: "http://x"}
	cfg.setDefaults()
	tr := &translator{t: t}
	tr.st = newState(&cfg, func(e controller.Event) { tr.out = append(tr.out, e) })
	return tr
}

func (tr *translator) feed(frames ...string) string {
	tr.t.Helper()
	tr.out = nil
	for _, f := range frames {
		ev, err := ari.DecodeEvent([]byte(f))
		if err != nil {
			tr.t.Fatal(err)
		}
		tr.st.translate(ev)
	}
	return strings.TrimPrefix(describeAll(tr.out), "\n  ")
}

func ch(id, state string) map[string]any { return channelJSON(id, state, "100", "ipcc,200") }

func TestTranslateEdgeCases(t *testing.T) {
	t.Run("target hangs up under an eavesdrop: the spy is unbridged from it", func(t *testing.T) {
		tr := newTranslator(t)
		tr.feed(event("StasisStart", map[string]any{"channel": ch("agent", "Up"), "args": []string{"200"}}),
			event("StasisStart", map[string]any{"channel": ch("sup", "Up"), "args": []string{"200"}}))
		tr.st.reserveSnoop("sn", "agent", "sup")
		tr.st.bridges["ipcc-spy-sup"] = &bridge{id: "ipcc-spy-sup", kind: bridgeSpy, spy: "sup", ours: true}
		got := tr.feed(
			event("StasisStart", map[string]any{"channel": ch("sn", "Up"), "args": []string{"ipcc-snoop"}}),
			event("ChannelEnteredBridge", map[string]any{"channel": ch("sn", "Up"), "bridge": bridgeJSON("ipcc-spy-sup", []string{"sn"})}),
			event("ChannelEnteredBridge", map[string]any{"channel": ch("sup", "Up"), "bridge": bridgeJSON("ipcc-spy-sup", []string{"sn", "sup"})}),
			event("ChannelLeftBridge", map[string]any{"channel": ch("sn", "Up"), "bridge": bridgeJSON("ipcc-spy-sup", []string{"sup"})}),
			event("ChannelDestroyed", map[string]any{"channel": ch("sn", "Up"), "cause": 16}),
		)
		want := "bridged leg=sup other=agent\n  unbridged leg=sup other=agent"
		if got != want {
			t.Fatalf("got\n  %s\nwant\n  %s", got, want)
		}
	})
	t.Run("hold from the phone, recording failure, conference room", func(t *testing.T) {
		tr := newTranslator(t)
		tr.feed(event("StasisStart", map[string]any{"channel": ch("a", "Up"), "args": []string{"200"}}))
		tr.st.bridges["ipcc-conf-r1"] = &bridge{id: "ipcc-conf-r1", kind: bridgeConf, room: "r1", ours: true}
		got := tr.feed(
			event("ChannelHold", map[string]any{"channel": ch("a", "Up")}),
			event("ChannelHold", map[string]any{"channel": ch("a", "Up")}),
			event("ChannelUnhold", map[string]any{"channel": ch("a", "Up")}),
			event("RecordingFailed", map[string]any{"recording": map[string]any{"name": "r", "target_uri": "channel:a", "state": "failed", "cause": "disk full"}}),
			event("ChannelEnteredBridge", map[string]any{"channel": ch("a", "Up"), "bridge": bridgeJSON("ipcc-conf-r1", []string{"a"})}),
			event("ChannelLeftBridge", map[string]any{"channel": ch("a", "Up"), "bridge": bridgeJSON("ipcc-conf-r1", nil)}),
		)
		want := strings.Join([]string{"hold leg=a", "unhold leg=a",
			"recording_finished leg=a recording=r path=/var/spool/asterisk/recording/r.wav duration=0s err=recording failed: disk full",
			"conference_joined leg=a room=r1", "conference_left leg=a room=r1"}, "\n  ")
		if got != want {
			t.Fatalf("got\n  %s\nwant\n  %s", got, want)
		}
		if len(tr.st.cleanups) != 1 || tr.st.cleanups[0].op != "destroy-bridge" {
			t.Fatalf("cleanups %v, want the empty room destroyed", tr.st.cleanups)
		}
	})
	t.Run("a transferred leg that re-enters Stasis arrives again", func(t *testing.T) {
		tr := newTranslator(t)
		tr.feed(event("StasisStart", map[string]any{"channel": ch("a", "Up"), "args": []string{"200"}}))
		tr.st.markTransfer("a")
		got := tr.feed(
			event("StasisEnd", map[string]any{"channel": ch("a", "Up")}),
			event("ChannelDtmfReceived", map[string]any{"channel": ch("a", "Up"), "digit": "1"}),
			event("StasisStart", map[string]any{"channel": ch("a", "Up"), "args": []string{"300", "from=ivr"}}),
		)
		want := "call_arrived leg=a ani=100 dnis=300 var.from=ivr\n  answered leg=a"
		if got != want {
			t.Fatalf("got\n  %s\nwant\n  %s", got, want)
		}
	})
	t.Run("a recording that finishes after its leg hung up is reported", func(t *testing.T) {
		tr := newTranslator(t)
		tr.feed(event("StasisStart", map[string]any{"channel": ch("a", "Up"), "args": []string{"200"}}))
		tr.st.reserveRecording("rec-1", "calls/r1", "a", "/var/spool/asterisk/recording/calls/r1.wav")
		got := tr.feed(
			event("RecordingStarted", map[string]any{"recording": map[string]any{"name": "calls/r1", "format": "wav", "target_uri": "channel:a", "state": "recording"}}),
			event("ChannelHangupRequest", map[string]any{"channel": ch("a", "Up"), "cause": 16}),
			event("StasisEnd", map[string]any{"channel": ch("a", "Up")}),
			event("RecordingFinished", map[string]any{"recording": map[string]any{"name": "calls/r1", "format": "wav", "target_uri": "channel:a", "state": "done", "duration": 42}}),
		)
		want := strings.Join([]string{
			"recording_started leg=a recording=rec-1 path=/var/spool/asterisk/recording/calls/r1.wav",
			"hung_up leg=a cause=NORMAL_CLEARING by=remote",
			"recording_finished leg=a recording=rec-1 path=/var/spool/asterisk/recording/calls/r1.wav duration=42s"}, "\n  ")
		if got != want {
			t.Fatalf("got\n  %s\nwant\n  %s", got, want)
		}
	})
	t.Run("a hung-up leg is not revived by late events", func(t *testing.T) {
		tr := newTranslator(t)
		tr.feed(event("StasisStart", map[string]any{"channel": ch("a", "Ring"), "args": []string{"200"}}))
		got := tr.feed(
			event("ChannelHangupRequest", map[string]any{"channel": ch("a", "Ring"), "cause": 19}),
			event("StasisEnd", map[string]any{"channel": ch("a", "Ring")}),
			event("ChannelDestroyed", map[string]any{"channel": ch("a", "Ring"), "cause": 19}),
			event("StasisStart", map[string]any{"channel": ch("a", "Up"), "args": []string{"200"}}),
			event("ChannelStateChange", map[string]any{"channel": ch("a", "Up")}),
		)
		if got != "hung_up leg=a cause=NO_ANSWER by=remote" {
			t.Fatalf("got %s", got)
		}
	})
}

func TestLegsListing(t *testing.T) {
	f := newFakeARI(t)
	h := startHarness(t, f, nil)
	h.next(controller.EventSwitchConnected)
	h.inbound("in-1", "15551230001", "5551000")
	must(t, h.d.Originate(context.Background(), controller.Originate{LegID: "agent-1", Endpoint: controller.Endpoint{Kind: controller.EndpointExtension, Number: "1001"}}))
	must(t, h.d.Bridge(context.Background(), "in-1", "agent-1"))
	f.setChannels(
		channelJSON("in-1", "Up", "15551230001", "ipcc,5551000,queue=sales"),
		channelJSON("agent-1", "Up", "7000", "ipcc,ipcc-originate"),
		channelJSON("ipcc-snoop-1", "Up", "", "ipcc,ipcc-snoop"),
		channelJSON("pjsip-9", "Ringing", "300", ""),
	)
	legs, err := h.d.Legs(context.Background())
	must(t, err)
	var b strings.Builder
	for _, l := range legs {
		b.WriteString(strings.Join([]string{l.Leg, l.ANI, l.DNIS, map[controller.LegState]string{controller.LegRinging: "ringing", controller.LegAnswered: "answered"}[l.State],
			l.Bridged, map[bool]string{true: "owned", false: "foreign"}[l.Owned], map[bool]string{true: "in", false: "out"}[l.Inbound], l.Vars["queue"]}, "|") + "\n")
	}
	want := "in-1|15551230001|5551000|answered|agent-1|owned|in|sales\n" +
		"agent-1|7000|5551000|answered|in-1|owned|out|\n" +
		"pjsip-9|300|5551000|ringing||foreign|in|\n"
	if b.String() != want {
		t.Fatalf("legs:\n%s\nwant:\n%s", b.String(), want)
	}
}
