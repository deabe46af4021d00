package freeswitch

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller"
)

const (
	legA = "281633dc-fe82-46cf-b282-b061b952c519"
	legB = "af321aed-6b0a-46eb-a3f6-a33efc782bf9"
)

// TestRenderGolden pins the exact text written for every neutral command
// (eslgo adds the blank line that ends it). Compare with the ">>>" lines of
// the reference transcripts: uuid_answer, uuid_record start|stop, uuid_bridge,
// bgapi originate {origination_uuid=..}, uuid_setvar, uuid_hold, uuid_kill
// with a cause, sendmsg with CRLF headers and Event-UUID, eavesdrop DTMF by
// uuid_recv_dtmf.
func TestRenderGolden(t *testing.T) {
	var b strings.Builder
	line := func(name, s string) { fmt.Fprintf(&b, "## %s\n%s\n", name, strings.ReplaceAll(s, "\r\n", "\\r\\n\n")) }
	must := func(s string, err error) string {
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	line("Answer", renderAnswer(legA))
	line("Hangup default cause", renderKill(legA, ""))
	line("Hangup USER_BUSY", renderKill(legA, controller.CauseUserBusy))
	items := []controller.Media{
		{Kind: controller.MediaFile, Value: "/usr/share/sounds/en/hello-world.wav"},
		{Kind: controller.MediaTone, Value: "ring", Lang: "zh-CN"},
		{Kind: controller.MediaTone, Value: "busy"},
		{Kind: controller.MediaTone, Value: "%(400,200,440);loops=2"},
		{Kind: controller.MediaNumber, Value: "125", Lang: "zh-CN"},
		{Kind: controller.MediaDigits, Value: "1001", Lang: "en"},
		{Kind: controller.MediaDigits, Value: "42"},
		{Kind: controller.MediaSilence, Value: "250"},
	}
	for i, m := range items {
		app, arg, err := mediaApp(m, "pb1", i, "en")
		if err != nil {
			t.Fatal(err)
		}
		line(fmt.Sprintf("Play item %d (kind %d %q lang %q)", i, m.Kind, m.Value, m.Lang),
			renderExecute(legA, app, arg, fmt.Sprintf("00000000-0000-4000-8000-00000000000%d", i), true))
	}
	line("StopPlayback", renderBreak(legA))
	line("Record start (30s limit)", renderRecord(legA, "start", "/rec/cc-rec-1.wav", 30))
	line("Record stop", renderRecord(legA, "stop", "/rec/cc-rec-1.wav", 0))
	line("PauseRecord pause", renderRecord(legA, "mask", "/rec/cc-rec-1.wav", 0))
	line("PauseRecord resume", renderRecord(legA, "unmask", "/rec/cc-rec-1.wav", 0))
	line("Bridge", renderBridge(legA, legB))
	line("Unbridge", renderPark(legA))
	d := New(Config{Name: "fs1"}, nil)
	fixed := d.ownedVars(legB)
	line("Originate extension", must(renderOriginate(controller.Originate{
		LegID: legB, Endpoint: controller.Endpoint{Kind: controller.EndpointExtension, Number: "1001"},
		CallerIDNum: "7000", CallerIDName: "Sales Queue", Timeout: 20 * time.Second,
		Vars: map[string]string{"ipcc_call": "c1", "note": "a,b"},
	}, "user/%s", "sofia/gateway/%s/%s", fixed)))
	line("Originate external", must(renderOriginate(controller.Originate{
		LegID: legB, Endpoint: controller.Endpoint{Kind: controller.EndpointExternal, Number: "013800138000", Trunk: "e1"},
	}, "user/%s", "sofia/gateway/%s/%s", fixed)))
	line("Originate raw", must(renderOriginate(controller.Originate{
		LegID: legB, Endpoint: controller.Endpoint{Kind: controller.EndpointRaw, Number: "loopback/agent/cc"},
	}, "user/%s", "sofia/gateway/%s/%s", fixed)))
	line("Transfer", must(renderTransfer(legA, controller.DialplanTarget{Extension: "conf", Context: "cc"})))
	line("Transfer default context", must(renderTransfer(legA, controller.DialplanTarget{Extension: "5000"})))
	line("Hold (music on hold to the leg itself)", renderHoldMusic(legA, mohStream("moh"), "00000000-0000-4000-8000-00000000000b"))
	line("Unhold", renderBreak(legA))
	line("JoinConference", must(renderConfJoin(legA, "cc-3000", "default", controller.ConferenceOptions{})))
	line("JoinConference muted moderator", must(renderConfJoin(legA, "cc-3000", "default", controller.ConferenceOptions{Muted: true, Moderator: true})))
	line("LeaveConference", renderConfLeave(legA))
	line("MuteConference", renderConfMute("cc-3000", "5", true))
	line("UnmuteConference", renderConfMute("cc-3000", "5", false))
	for _, m := range []controller.EavesdropMode{controller.EavesdropListen, controller.EavesdropWhisper, controller.EavesdropBarge} {
		line("Eavesdrop start "+m.String()+" (vars)", strings.Join(renderSetVars(legB, eavesdropVars(m)), "\n"))
		line("Eavesdrop start "+m.String()+" (app)", renderExecute(legB, "eavesdrop", legA, "00000000-0000-4000-8000-0000000000ee", false))
		line("Eavesdrop switch to "+m.String(), renderRecvDTMF(legB, eavesdropDigit(m)))
	}
	line("SendDTMF", renderSendDTMF(legA, "12#"))
	line("SetVar", renderSetVar(legA, "cc_queue", "sales"))
	line("SetVar unset", renderSetVar(legA, "cc_queue", ""))
	line("Adopt (mark owned)", strings.Join(renderSetVars(legA, d.ownedVars(legA)), "\n"))
	line("Subscribe", renderSubscribe())
	line("Resync list", renderShowChannels)
	line("Resync bridges", renderShowBridged)
	line("Resync dump", renderDump(legA))
	line("Existence check", renderExists(legA))
	line("Mute", renderMute(legA, true))
	line("Unmute", renderMute(legA, false))
	line("RemoteAnswer", renderPhoneEvent(legA, "talk"))
	golden(t, "commands.txt", b.String())
}

func TestRenderRefusesUnsafeInput(t *testing.T) {
	fixed := map[string]string{}
	bad := []func() error{
		func() error {
			_, _, err := mediaApp(controller.Media{Kind: controller.MediaFile, Value: "a\r\nb"}, "p", 0, "en")
			return err
		},
		func() error {
			_, _, err := mediaApp(controller.Media{Kind: controller.MediaFile, Value: "{x=1}a.wav"}, "p", 0, "en")
			return err
		},
		func() error {
			_, _, err := mediaApp(controller.Media{Kind: controller.MediaTTS, Value: "hi"}, "p", 0, "en")
			return err
		},
		func() error {
			_, _, err := mediaApp(controller.Media{Kind: controller.MediaNumber, Value: "12a"}, "p", 0, "en")
			return err
		},
		func() error {
			_, _, err := mediaApp(controller.Media{Kind: controller.MediaSilence, Value: "-1"}, "p", 0, "en")
			return err
		},
		func() error {
			_, _, err := mediaApp(controller.Media{Kind: controller.MediaTone, Value: "siren"}, "p", 0, "en")
			return err
		},
		func() error {
			_, err := renderOriginate(controller.Originate{LegID: "a b", Endpoint: controller.Endpoint{Kind: controller.EndpointRaw, Number: "x"}}, "%s", "%s%s", fixed)
			return err
		},
		func() error {
			_, err := renderOriginate(controller.Originate{LegID: "a", Endpoint: controller.Endpoint{Kind: controller.EndpointRaw, Number: "x &bad"}}, "%s", "%s%s", fixed)
			return err
		},
		func() error {
			_, err := renderOriginate(controller.Originate{LegID: "a", Endpoint: controller.Endpoint{Kind: controller.EndpointRaw, Number: "x"}, Vars: map[string]string{"v": "}x"}}, "%s", "%s%s", fixed)
			return err
		},
		func() error {
			_, err := renderTransfer("a", controller.DialplanTarget{Extension: "1 XML evil"})
			return err
		},
		func() error {
			_, err := renderConfJoin("a", "room,hangup", "default", controller.ConferenceOptions{})
			return err
		},
	}
	for i, f := range bad {
		if err := f(); !errors.Is(err, errInvalid) {
			t.Errorf("case %d: err = %v, want errInvalid", i, err)
		}
	}
}

func TestSayLang(t *testing.T) {
	for in, want := range map[string]string{"zh-CN": "zh", "zh": "zh", "en": "en", "en-US": "en", "": "en", "ZH_tw": "zh"} {
		if got := sayLang(in, "en"); got != want {
			t.Errorf("sayLang(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReplyError(t *testing.T) {
	for reply, want := range map[string]error{
		"+OK":                            nil,
		"-ERR No such channel!\n":        controller.ErrNoSuchLeg,
		"-ERR No Such Channel!\n+OK\n":   controller.ErrNoSuchLeg,
		"-ERROR":                         controller.ErrNoSuchLeg,
		"-ERR Invalid uuid":              controller.ErrNoSuchLeg,
		"-ERR invalid uuid":              controller.ErrNoSuchLeg,
		"-ERR Cannot locate session!":    controller.ErrNoSuchLeg,
		"-ERR invalid session id [x]":    controller.ErrNoSuchLeg,
		"-ERR Operation failed":          controller.ErrRejected,
		"-USAGE: <uuid> [cause]":         controller.ErrRejected,
		"-ERR nosuch Command not found!": controller.ErrRejected,
		"true":                           nil,
		"{\"row_count\": 0}":             nil,
	} {
		err := replyError(reply)
		if (want == nil) != (err == nil) || (want != nil && !errors.Is(err, want)) {
			t.Errorf("replyError(%q) = %v, want %v", reply, err, want)
		}
	}
}
