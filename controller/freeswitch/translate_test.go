package freeswitch

import (
	"errors"
	"fmt"
	"net/textproto"
	"regexp"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/ipcc/ipcc/controller"
)

// replay feeds a reference transcript through a translator, in the order
// FreeSWITCH wrote the events, doing for each client command what the driver
// does before sending it:
//   - originate {origination_uuid=X}: X is a leg ipcc originated (its
//     Job-UUID, from the reply, is registered too);
//   - uuid_kill X: ipcc hung X up;
//   - sendmsg X execute playback with Event-UUID U: a one-item playback with
//     id "pb-" + U[:8];
//   - uuid_record X start P: recording "rec-" + basename.
//
// None of the captures ran the ipcc dialplan, so the harness stands in for
// it: a CHANNEL_PARK of an inbound leg gets variable_ipcc_did set to its
// destination number (and variable_ipcc_queue=sales as a sample ipcc_ var).
func replay(t *testing.T, name string) string {
	recs := readTranscript(t, name)
	var lines []string
	var cur int
	tr := newTranslator("fs1", "ipcc_did", []string{"ipcc_"}, func(evs []controller.Event) {
		for _, ev := range evs {
			lines = append(lines, fmt.Sprintf("L%d %s", cur, formatEvent(ev)))
		}
	})
	tr.now = func() time.Time { return time.Unix(0, 0) }
	var adopted []string
	tr.onAdopt = func(leg string) { adopted = append(adopted, leg) }
	origRe := regexp.MustCompile(`^(?:bg)?api originate \{origination_uuid=([^,}]+)`)
	var pendingJobLeg string
	for i, r := range recs {
		cur = r.line
		switch r.dir {
		case ">>>":
			cmd := r.command()
			pendingJobLeg = ""
			if m := origRe.FindStringSubmatch(cmd); m != nil {
				tr.registerOriginate(m[1])
				if strings.HasPrefix(cmd, "bgapi") {
					pendingJobLeg = m[1]
				}
			}
			if f := strings.Fields(cmd); len(f) >= 3 && f[0] == "api" && f[1] == "uuid_kill" {
				tr.markKilled(f[2], controller.Cause("x"))
			}
			if f := strings.Fields(cmd); len(f) >= 5 && f[1] == "uuid_record" && f[3] == "start" {
				tr.registerRec(f[2], f[4], "rec-"+f[4][strings.LastIndex(f[4], "/")+1:])
			}
			if strings.HasPrefix(cmd, "sendmsg ") {
				h := sendmsgHeaders(recs[i].text)
				if h.Get("Execute-App-Name") == "playback" && h.Get("Event-Uuid") != "" {
					u := h.Get("Event-Uuid")
					leg := strings.TrimPrefix(cmd, "sendmsg ")
					if err := tr.registerPlay(leg, "pb-"+u[:8], []string{u}); err != nil {
						t.Fatal(err)
					}
				}
			}
		case "<<<":
			if pendingJobLeg != "" && strings.Contains(r.head, "command/reply") {
				h, _ := r.outer()
				if job := h.Get("Job-UUID"); job != "" {
					tr.registerJob(job, pendingJobLeg)
				}
				pendingJobLeg = ""
			}
			e := r.event()
			if e == nil {
				continue
			}
			if e.name() == "CHANNEL_PARK" && e.get("Call-Direction") == "inbound" {
				e.set("variable_ipcc_did", e.raw("Caller-Destination-Number"))
				e.set("variable_ipcc_queue", "sales")
			}
			tr.handle(e)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# neutral events translated from %s (Lnnn = line of the source event)\n", name)
	fmt.Fprintf(&b, "# adopted (ipcc_owned set): %s\n", strings.Join(adopted, " "))
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	return b.String()
}

func sendmsgHeaders(text []byte) textproto.MIMEHeader {
	h := textproto.MIMEHeader{}
	for i, ln := range strings.Split(string(text), "\n") {
		if i == 0 {
			continue
		}
		if k, v, ok := strings.Cut(ln, ": "); ok {
			h.Add(k, v)
		}
	}
	return h
}

func TestTranslateGolden(t *testing.T) {
	for _, name := range []string{
		"esl-transcript.txt", "esl-sendmsg.txt", "esl-sipp-transcript.txt",
		"esl-resync.txt", "esl-errors.txt", "esl-sipp-dtmf.txt",
	} {
		t.Run(name, func(t *testing.T) {
			golden(t, strings.TrimSuffix(name, ".txt")+".events", replay(t, name))
		})
	}
}

// ev builds an event from "Header: value" lines (values URL-encoded as on
// the wire).
func ev(lines ...string) *fsEvent {
	var h []hdrKV
	for _, l := range lines {
		k, v, _ := strings.Cut(l, ": ")
		h = append(h, hdrKV{k, v})
	}
	return newFSEvent(h, nil, time.Unix(1, 0))
}

func collect(tr *translator) *[]controller.Event {
	var got []controller.Event
	tr.emit = func(evs []controller.Event) { got = append(got, evs...) }
	return &got
}

func TestTranslateRules(t *testing.T) {
	t.Run("a park without the DID variable is not ipcc's", func(t *testing.T) {
		tr := newTranslator("fs1", "ipcc_did", nil, nil)
		got := collect(tr)
		tr.handle(ev("Event-Name: CHANNEL_PARK", "Unique-ID: a"))
		tr.handle(ev("Event-Name: DTMF", "Unique-ID: a", "DTMF-Digit: 1"))
		if len(*got) != 0 {
			t.Fatalf("got %v", *got)
		}
	})
	t.Run("an ipcc_owned leg is followed without a park", func(t *testing.T) {
		tr := newTranslator("fs1", "ipcc_did", nil, nil)
		got := collect(tr)
		tr.handle(ev("Event-Name: DTMF", "Unique-ID: a", "DTMF-Digit: %23", "variable_ipcc_owned: true"))
		if len(*got) != 1 || (*got)[0].Digit != "#" {
			t.Fatalf("got %v", *got)
		}
	})
	t.Run("a failed originate job hangs the leg up once", func(t *testing.T) {
		tr := newTranslator("fs1", "ipcc_did", nil, nil)
		got := collect(tr)
		tr.registerOriginate("leg1")
		job := ev("Event-Name: BACKGROUND_JOB", "Job-UUID: j1", "Job-Command: originate",
			"Job-Command-Arg: %7Borigination_uuid%3Dleg1%2Cipcc_owned%3Dtrue%7Duser/1001%20%26park()")
		job.body = []byte("-ERR USER_BUSY\n")
		tr.handle(job)
		tr.handle(ev("Event-Name: CHANNEL_HANGUP_COMPLETE", "Unique-ID: leg1", "Hangup-Cause: USER_BUSY"))
		if len(*got) != 1 || (*got)[0].Cause != controller.CauseUserBusy || (*got)[0].HangupBy != controller.HangupRemote {
			t.Fatalf("got %+v", *got)
		}
	})
	t.Run("a failed originate job after the leg answered does not end it: its own hangup does", func(t *testing.T) {
		tr := newTranslator("fs1", "ipcc_did", nil, nil)
		got := collect(tr)
		tr.registerOriginate("leg1")
		tr.registerJob("j1", "leg1")
		tr.handle(ev("Event-Name: CHANNEL_ANSWER", "Unique-ID: leg1"))
		tr.handle(ev("Event-Name: CHANNEL_BRIDGE", "Unique-ID: caller", "Other-Leg-Unique-ID: leg1"))
		job := ev("Event-Name: BACKGROUND_JOB", "Job-UUID: j1")
		job.body = []byte("-ERR ORIGINATOR_CANCEL\n")
		tr.handle(job)
		if g := types(*got); g != "answered bridged" {
			t.Fatalf("got %s: the bridged leg was ended by the originate's result", g)
		}
		tr.handle(ev("Event-Name: CHANNEL_HANGUP_COMPLETE", "Unique-ID: leg1", "Hangup-Cause: NORMAL_CLEARING", "variable_sip_hangup_disposition: recv_bye"))
		if g := types(*got); g != "answered bridged hung_up" || (*got)[2].Cause != controller.CauseNormalClearing {
			t.Fatalf("got %s %+v", g, *got)
		}
	})
	t.Run("an originate's job is forgotten whether its result or the leg's hangup comes first", func(t *testing.T) {
		tr := newTranslator("fs1", "ipcc_did", nil, nil)
		collect(tr)
		for _, leg := range []string{"leg1", "leg2", "leg3"} {
			tr.registerOriginate(leg)
			tr.registerJob("job-"+leg, leg)
		}
		done := func(leg string) {
			job := ev("Event-Name: BACKGROUND_JOB", "Job-UUID: job-"+leg)
			job.body = []byte("-ERR USER_BUSY\n")
			tr.handle(job)
		}
		hangup := func(leg string) {
			tr.handle(ev("Event-Name: CHANNEL_HANGUP_COMPLETE", "Unique-ID: "+leg, "Hangup-Cause: USER_BUSY"))
		}
		done("leg1")
		hangup("leg1")
		hangup("leg2")
		done("leg2")
		if _, ok := tr.jobs["job-leg3"]; !ok || len(tr.jobs) != 1 || len(tr.legJobs) != 1 {
			t.Fatalf("with leg3 outstanding: jobs %v, by leg %v", tr.jobs, tr.legJobs)
		}
		hangup("leg3")
		if len(tr.jobs) != 0 || len(tr.legJobs) != 0 {
			t.Fatalf("after every leg ended: jobs %v, by leg %v", tr.jobs, tr.legJobs)
		}
	})
	t.Run("a successful originate job says nothing", func(t *testing.T) {
		tr := newTranslator("fs1", "ipcc_did", nil, nil)
		got := collect(tr)
		tr.registerOriginate("leg1")
		tr.registerJob("j1", "leg1")
		job := ev("Event-Name: BACKGROUND_JOB", "Job-UUID: j1")
		job.body = []byte("+OK leg1\n")
		tr.handle(job)
		if len(*got) != 0 {
			t.Fatalf("got %+v", *got)
		}
	})
	t.Run("injected eavesdrop digits are not reported", func(t *testing.T) {
		tr := newTranslator("fs1", "ipcc_did", nil, nil)
		got := collect(tr)
		tr.registerOriginate("spy")
		tr.registerSpy("spy", "agent", controller.EavesdropListen, "app1")
		tr.expectDTMF("spy", "2", controller.EavesdropWhisper)
		tr.handle(ev("Event-Name: DTMF", "Unique-ID: spy", "DTMF-Digit: 2"))
		tr.handle(ev("Event-Name: DTMF", "Unique-ID: spy", "DTMF-Digit: 2"))
		if len(*got) != 1 {
			t.Fatalf("got %+v", *got)
		}
	})
	t.Run("a multi-item playback finishes after its last item, and at hangup", func(t *testing.T) {
		tr := newTranslator("fs1", "ipcc_did", nil, nil)
		got := collect(tr)
		tr.registerOriginate("a")
		if err := tr.registerPlay("a", "p1", []string{"u1", "u2"}); err != nil {
			t.Fatal(err)
		}
		tr.handle(ev("Event-Name: PLAYBACK_START", "Unique-ID: a", "ipcc_playback_id: p1", "ipcc_playback_item: 0"))
		tr.handle(ev("Event-Name: PLAYBACK_STOP", "Unique-ID: a", "ipcc_playback_id: p1", "ipcc_playback_item: 0"))
		tr.handle(ev("Event-Name: CHANNEL_EXECUTE_COMPLETE", "Unique-ID: a", "Application-UUID: u1", "Application-Response: FILE%20PLAYED"))
		tr.handle(ev("Event-Name: CHANNEL_EXECUTE", "Unique-ID: a", "Application-UUID: u2"))
		tr.handle(ev("Event-Name: PLAYBACK_STOP", "Unique-ID: a", "ipcc_playback_id: p1", "ipcc_playback_item: 1"))
		tr.handle(ev("Event-Name: CHANNEL_EXECUTE_COMPLETE", "Unique-ID: a", "Application-UUID: u2"))
		want := "playback_started playback_finished"
		if g := types(*got); g != want {
			t.Fatalf("got %s, want %s", g, want)
		}
		*got = nil
		if err := tr.registerPlay("a", "p2", []string{"u3", "u4"}); err != nil {
			t.Fatal(err)
		}
		tr.handle(ev("Event-Name: CHANNEL_HANGUP_COMPLETE", "Unique-ID: a", "Hangup-Cause: NORMAL_CLEARING", "variable_sip_hangup_disposition: recv_bye"))
		if g := types(*got); g != "playback_started playback_finished hung_up" || (*got)[2].HangupBy != controller.HangupRemote {
			t.Fatalf("got %+v", *got)
		}
	})
	t.Run("a recording written elsewhere than asked keeps its id", func(t *testing.T) {
		tr := newTranslator("fs1", "ipcc_did", nil, nil)
		got := collect(tr)
		tr.registerOriginate("a")
		tr.registerRec("a", "rec/r1.wav", "r1")
		tr.handle(ev("Event-Name: RECORD_START", "Unique-ID: a", "Record-File-Path: /var/lib/freeswitch/recordings/rec/r1.wav"))
		tr.handle(ev("Event-Name: RECORD_STOP", "Unique-ID: a", "Record-File-Path: /var/lib/freeswitch/recordings/rec/r1.wav", "variable_record_ms: 1500"))
		if len(*got) != 2 || (*got)[0].RecordingID != "r1" || (*got)[1].RecordingID != "r1" || (*got)[1].Duration != 1500*time.Millisecond {
			t.Fatalf("got %+v", *got)
		}
		if len(tr.recs) != 0 {
			t.Errorf("recording state left: %v", tr.recs)
		}
	})
	t.Run("a transferred leg says nothing more and is forgotten when it ends", func(t *testing.T) {
		tr := newTranslator("fs1", "ipcc_did", nil, nil)
		got := collect(tr)
		tr.registerOriginate("a")
		tr.release("a")
		tr.handle(ev("Event-Name: DTMF", "Unique-ID: a", "DTMF-Digit: 1"))
		tr.handle(ev("Event-Name: CHANNEL_HANGUP_COMPLETE", "Unique-ID: a", "Hangup-Cause: NORMAL_CLEARING"))
		if len(*got) != 0 || tr.legs["a"] != nil {
			t.Fatalf("got %+v, state %+v", *got, tr.legs["a"])
		}
	})
	t.Run("a transferred leg parked again with the DID is a new arrival", func(t *testing.T) {
		tr := newTranslator("fs1", "ipcc_did", nil, nil)
		got := collect(tr)
		tr.registerOriginate("a")
		tr.release("a")
		tr.handle(ev("Event-Name: CHANNEL_PARK", "Unique-ID: a", "variable_ipcc_did: 900"))
		if types(*got) != "call_arrived" || (*got)[0].DNIS != "900" {
			t.Fatalf("got %+v", *got)
		}
	})
	t.Run("resync hangs up vanished legs and re-announces owned ones", func(t *testing.T) {
		tr := newTranslator("fs1", "ipcc_did", []string{"ipcc_"}, nil)
		got := collect(tr)
		var marked []string
		tr.onAdopt = func(leg string) { marked = append(marked, leg) }
		tr.registerOriginate("old")
		tr.registerOriginate("unmarked")
		dump := ev("Unique-ID: b", "Caller-Caller-ID-Number: 100", "variable_ipcc_did: 800", "variable_ipcc_owned: true")
		tr.registerOriginate("unconfirmed") // not listed, and not confirmed gone: stays
		tr.resync(listing{snaps: []snapshot{
			{info: controller.LegInfo{Leg: "b", Owned: true, State: controller.LegAnswered, Bridged: "c"}, dump: dump},
			{info: controller.LegInfo{Leg: "x"}, dump: ev("Unique-ID: x")},
			{info: controller.LegInfo{Leg: "unmarked"}, dump: ev("Unique-ID: unmarked")},
		}, gone: []string{"old"}})
		if strings.Join(marked, " ") != "unmarked" {
			t.Errorf("legs marked again: %v", marked)
		}
		if g := types(*got); g != "hung_up call_arrived answered bridged" {
			t.Fatalf("got %s", g)
		}
		if a := (*got)[1]; a.DNIS != "800" || a.ANI != "100" || a.Vars["ipcc_owned"] != "true" {
			t.Fatalf("arrival %+v", a)
		}
		if tr.legs["unconfirmed"] == nil {
			t.Fatal("a leg the switch did not confirm gone was ended")
		}
	})
}

func types(evs []controller.Event) string {
	s := make([]string, len(evs))
	for i, e := range evs {
		s[i] = e.Type.String()
	}
	return strings.Join(s, " ")
}

func TestHangupSide(t *testing.T) {
	cases := []struct {
		killed bool
		disp   string
		cause  controller.Cause
		peer   bool
		want   controller.HangupSide
	}{
		{true, "send_bye", "NORMAL_CLEARING", false, controller.HangupController},
		{false, "recv_bye", "NORMAL_CLEARING", false, controller.HangupRemote},
		{false, "recv_cancel", "ORIGINATOR_CANCEL", false, controller.HangupRemote},
		{false, "send_bye", "NORMAL_CLEARING", false, controller.HangupSwitch},
		{false, "", "NORMAL_CLEARING", true, controller.HangupSwitch},
		{false, "", "USER_BUSY", false, controller.HangupRemote},
		{false, "", "NO_ROUTE_DESTINATION", false, controller.HangupSwitch},
		{false, "", "NORMAL_CLEARING", false, controller.HangupUnknown},
	}
	for _, c := range cases {
		if got := hangupSide(c.killed, c.disp, c.cause, c.peer); got != c.want {
			t.Errorf("hangupSide(%v,%q,%s,%v) = %s, want %s", c.killed, c.disp, c.cause, c.peer, got, c.want)
		}
	}
}

// TestResyncGolden parses the replies of esl-resync.txt the way a resync
// does: show channels / bridged_calls as json, uuid_dump json, and the empty
// shapes after hupall.
func TestResyncGolden(t *testing.T) {
	recs := readTranscript(t, "esl-resync.txt")
	replies := map[string][]string{} // command → replies in order
	var last string
	for _, r := range recs {
		switch {
		case r.dir == ">>>":
			last = r.command()
		case r.dir == "<<<" && strings.Contains(r.head, "api/response") && last != "":
			_, body := r.outer()
			replies[last] = append(replies[last], string(body))
			last = ""
		}
	}
	d := New(Config{Name: "fs1", Addr: "127.0.0.1:8021"}, nil)
	var b strings.Builder
	b.WriteString("# LegInfo from the resync replies of esl-resync.txt (dump: from uuid_dump json when captured)\n")
	for i, reply := range replies[renderShowChannels] {
		rows, err := parseShowJSON(reply)
		if err != nil {
			t.Fatal(err)
		}
		bridged := map[string]string{}
		if br := replies[renderShowBridged]; i < len(br) {
			brows, err := parseShowJSON(br[i])
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range brows {
				bridged[r["uuid"]], bridged[r["b_uuid"]] = r["b_uuid"], r["uuid"]
			}
		}
		fmt.Fprintf(&b, "## show channels as json #%d: %d rows\n", i+1, len(rows))
		for _, r := range rows {
			dump := &fsEvent{decoded: true}
			src := "row"
			if dr := replies["api uuid_dump "+r["uuid"]+" json"]; len(dr) > 0 {
				var err error
				if dump, err = parseDumpJSON(dr[0]); err != nil {
					t.Fatal(err)
				}
				src = "dump"
			}
			li := d.legInfo(r, dump, bridged[r["uuid"]])
			state := map[controller.LegState]string{controller.LegRinging: "ringing", controller.LegAnswered: "answered"}[li.State]
			fmt.Fprintf(&b, "%s src=%s inbound=%v state=%s bridged=%s owned=%v ani=%s dnis=%s created=%s\n",
				li.Leg, src, li.Inbound, state, li.Bridged, li.Owned, li.ANI, li.DNIS, li.Created.Format(time.RFC3339))
		}
	}
	if _, err := parseDumpJSON("-ERR No such channel!\n"); !errors.Is(err, controller.ErrNoSuchLeg) {
		t.Errorf("uuid_dump of a gone leg: %v", err)
	}
	golden(t, "esl-resync.leginfo", b.String())
}

func TestOwnedMark(t *testing.T) {
	const leg, other = "b0000000-0000-4000-8000-00000000000b", "a0000000-0000-4000-8000-00000000000a"
	cases := []struct {
		name, mark, origination string
		want                    bool
	}{
		{"no mark", "", "", false},
		{"the leg's own uuid", leg, "", true},
		{"ipcc originated it (origination_uuid is itself)", leg, leg, true},
		{"inherited by a loopback far half: names the near half", other, other, false},
		{"an earlier version's true on a leg ipcc took over", "true", "", true},
		{"an earlier version's true on a leg ipcc originated", "true", leg, true},
		{"an earlier version's true inherited from an originate", "true", other, false},
		{"anything else", "yes", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := ev("Unique-ID: "+leg, "variable_ipcc_owned: "+c.mark, "variable_origination_uuid: "+c.origination)
			if got := ownedMark(e, leg); got != c.want {
				t.Errorf("ownedMark = %v, want %v", got, c.want)
			}
		})
	}
}

// A hung-up leg is remembered for minutes: by a copy of its id, not by a
// pointer into the event it was read from (which would keep the whole
// event body alive as long).
func TestEndedLegsDoNotHoldEventBodies(t *testing.T) {
	tr := newTranslator("fs1", "ipcc_did", nil, nil)
	collect(tr)
	tr.registerOriginate("leg1")
	body := []byte("Event-Name: CHANNEL_HANGUP_COMPLETE\nUnique-ID: leg1\nHangup-Cause: USER_BUSY\nChannel-Name: sofia/gw/1\n\n")
	e, err := parsePlainEventOwned(body, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tr.handle(e)
	if len(tr.ended) != 1 {
		t.Fatalf("ended: %v", tr.ended)
	}
	lo, hi := uintptr(unsafe.Pointer(&body[0])), uintptr(unsafe.Pointer(&body[len(body)-1]))
	for k := range tr.ended {
		if p := uintptr(unsafe.Pointer(unsafe.StringData(k))); p >= lo && p <= hi {
			t.Fatalf("ended leg %q points into the event body", k)
		}
	}
}
