package sim

import (
	"bufio"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The reference transcripts are the goldens: frames captured from a real
// FreeSWITCH and Asterisk, kept in controller/testdata/reference (a copy of
// shared/reference). Tests compare header names and their order, JSON keys
// and reply texts; values (ids, times) are volatile.
const refDir = "../testdata/reference/transcripts"

// refFile is the path of a reference transcript; a missing one fails the
// test (a skip would let a plain clone pass without checking anything).
func refFile(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(refDir, name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("reference transcript %s missing (controller/testdata/reference): %v", name, err)
	}
	return p
}

// refMsg is one "<<<" block: a message FreeSWITCH sent.
type refMsg struct {
	ct      string
	name    string // event name for events
	headers []string
	body    string // body (up to Content-Length)
	evNames []string
	evVals  map[string]string
}

// parseESLTranscript reads the "<<<" blocks of a transcript.
func parseESLTranscript(t testing.TB, name string) []refMsg {
	t.Helper()
	f, err := os.Open(refFile(t, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []refMsg
	var cur []string
	flush := func() {
		if cur == nil {
			return
		}
		out = append(out, parseRefBlock(cur))
		cur = nil
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "<<< "):
			flush()
			cur = []string{l}
		case strings.HasPrefix(l, ">>> "), strings.HasPrefix(l, "### "):
			flush()
		case cur != nil:
			cur = append(cur, l)
		}
	}
	flush()
	return out
}

func parseRefBlock(lines []string) refMsg {
	f := strings.Fields(lines[0])
	m := refMsg{evVals: map[string]string{}}
	if len(f) > 4 {
		m.ct = f[4]
	}
	i := 1
	cl := -1
	for ; i < len(lines) && lines[i] != ""; i++ {
		k, v, _ := strings.Cut(lines[i], ": ")
		m.headers = append(m.headers, k)
		if k == "Content-Length" {
			cl, _ = strconv.Atoi(v)
		}
	}
	body := strings.Join(lines[min(i+1, len(lines)):], "\n")
	if cl >= 0 && cl <= len(body) {
		body = body[:cl]
	}
	m.body = body
	if strings.HasPrefix(m.ct, "text/event-plain") {
		head, _, _ := strings.Cut(body, "\n\n")
		for _, l := range strings.Split(head, "\n") {
			k, v, ok := strings.Cut(l, ": ")
			if ok {
				m.evNames = append(m.evNames, k)
				if dv, err := url.PathUnescape(v); err == nil {
					v = dv
				}
				m.evVals[k] = v
			}
		}
		m.name = m.evVals["Event-Name"]
	}
	return m
}

// eventKey names an event type: CUSTOM events by subclass and Action.
func eventKey(vals map[string]string) string {
	k := vals["Event-Name"]
	if sub := vals["Event-Subclass"]; sub != "" {
		k += " " + sub + " " + vals["Action"]
	}
	return k
}

// optionalHeaders may be absent from a simulated event although the real one
// had them: they depend on call details the simulator does not model.
var optionalHeaders = map[string]bool{
	"Caller-Caller-ID-Name": true, "Caller-Orig-Caller-ID-Name": true, "Caller-Callee-ID-Name": true,
	"Caller-Callee-ID-Number": true, "Caller-Transfer-Source": true, "Caller-RDNIS": true,
	"Other-Leg-Caller-ID-Name": true, "Other-Leg-Orig-Caller-ID-Number": true, "Other-Leg-Callee-ID-Number": true,
	"Other-Leg-Callee-ID-Name": true, "Other-Leg-Orig-Caller-ID-Name": true, "Application-Data": true,
	"File": true, "Async": true, "Error": true, "Old-ID": true, "New-ID": true, "seconds": true,
	"milliseconds": true, "samples": true, "Job-Command-Arg": true, "API-Command-Argument": true,
	"Other-Leg-Transfer-Source": true, "Other-Leg-RDNIS": true, "Other-Type": true,
	"Channel-Presence-ID": true, "Hangup-Cause": true,
}

// matchesRef compares header names in order after dropping variables and
// the optional headers from both sides.
func matchesRef(ours, ref []string) (bool, string) {
	strip := func(in []string) []string {
		var out []string
		for _, h := range in {
			if !strings.HasPrefix(h, "variable_") && !optionalHeaders[h] {
				out = append(out, h)
			}
		}
		return out
	}
	o, r := strip(ours), strip(ref)
	for i := range max(len(o), len(r)) {
		switch {
		case i >= len(o):
			return false, "missing " + r[i]
		case i >= len(r):
			return false, "unexpected " + o[i]
		case o[i] != r[i]:
			return false, "got " + o[i] + " where FreeSWITCH has " + r[i]
		}
	}
	return true, ""
}

func refEvents(t *testing.T) map[string][][]string {
	out := map[string][][]string{}
	for _, f := range []string{"esl-transcript.txt", "esl-sendmsg.txt", "esl-subscriptions.txt", "esl-myevents.txt",
		"esl-errors.txt", "esl-heartbeat-idle.txt", "esl-resync.txt", "esl-sipp-transcript.txt"} {
		for _, m := range parseESLTranscript(t, f) {
			if m.name != "" {
				k := eventKey(m.evVals)
				out[k] = append(out[k], m.evNames)
			}
		}
	}
	return out
}

// TestGoldenESLEvents drives every event family and compares header names
// and order with the real events of the same type.
func TestGoldenESLEvents(t *testing.T) {
	ref := refEvents(t)
	frames := map[string]bool{}
	for _, m := range parseESLTranscript(t, "esl-transcript.txt") {
		frames[m.ct+" "+strings.Join(m.headers, ",")] = true
	}
	s := startSim(t, Options{HeartbeatInterval: 50 * time.Millisecond})
	s.DefineEndpoint(EndpointSpec{Number: "1001"})
	c := authed(t, s)
	c.cmd("event plain ALL", nil)
	var evs []map[string]string
	id, _ := s.PlaceCall(CallSpec{From: "15551230001", FromName: "Customer", To: "4000"})
	agent := "a0000000-0000-4000-8000-000000000002"
	c.cmd("api uuid_answer "+id, &evs)
	c.cmd("bgapi originate {origination_uuid="+agent+"}user/1001 &park()", &evs)
	waitFor(t, func() bool { return s.model.chanUp(agent) })
	c.cmd("api uuid_broadcast "+id+" tone_stream://%(100,0,440) aleg", &evs)
	c.cmd("api uuid_record "+id+" start "+filepath.Join(t.TempDir(), "r.wav"), &evs)
	c.cmd("api uuid_record "+id+" stop all", &evs)
	c.cmd("api uuid_bridge "+id+" "+agent, &evs)
	c.cmd("api uuid_send_dtmf "+agent+" 1", &evs)
	c.cmd("api uuid_hold "+id, &evs)
	c.cmd("api uuid_transfer "+id+" -both conference:cc-3000@default inline", &evs)
	c.cmd("api conference cc-3000 mute all", &evs)
	c.cmd("api conference cc-3000 unmute all", &evs)
	c.cmd("api conference cc-3000 play tone_stream://%(10,0,440)", &evs)
	c.cmd("api uuid_transfer "+agent+" park inline", &evs)
	c.cmd("api uuid_kill "+id, &evs)
	c.cmd("api uuid_kill "+agent, &evs)
	deadline := time.After(3 * time.Second)
	for !hasEvent(evs, "RE_SCHEDULE") {
		select {
		case m := <-c.msgs:
			if m.ct() == "text/event-plain" {
				evs = append(evs, rawEvent(m))
			}
		case <-deadline:
			t.Fatal("no HEARTBEAT/RE_SCHEDULE")
		}
	}
	checked := map[string]bool{}
	for _, e := range evs {
		k := eventKey(e)
		if !frames[e["_frame"]] {
			t.Errorf("%s: frame headers %q not seen from FreeSWITCH", k, e["_frame"])
		}
		names := strings.Split(e["_names"], "\n")
		refs := ref[k]
		if len(refs) == 0 {
			continue // the real capture has no such event to compare with
		}
		var why string
		ok := false
		for _, r := range refs {
			if ok, why = matchesRef(names, r); ok {
				break
			}
		}
		if !ok {
			t.Errorf("%s: header names differ from the transcript (%s)\nours: %v", k, why, names)
		}
		checked[k] = true
	}
	for _, want := range []string{"CHANNEL_CREATE", "CHANNEL_PARK", "CHANNEL_EXECUTE", "CHANNEL_EXECUTE_COMPLETE",
		"CHANNEL_ANSWER", "DTMF", "PLAYBACK_START", "PLAYBACK_STOP", "RECORD_START", "RECORD_STOP",
		"CHANNEL_BRIDGE", "CHANNEL_UNBRIDGE", "CHANNEL_HOLD", "CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE",
		"CHANNEL_DESTROY", "CHANNEL_UNPARK", "BACKGROUND_JOB", "API", "HEARTBEAT", "RE_SCHEDULE", "CHANNEL_PROGRESS",
		"CUSTOM conference::maintenance add-member", "CUSTOM conference::maintenance mute-member",
		"CUSTOM conference::maintenance conference-create"} {
		if !checked[want] {
			t.Errorf("%s was not produced/compared", want)
		}
	}
}

func hasEvent(evs []map[string]string, name string) bool {
	for _, e := range evs {
		if e["Event-Name"] == name {
			return true
		}
	}
	return false
}

// rawEvent keeps decoded values plus the header name order in "_names".
func rawEvent(m *eslMsg) map[string]string {
	e := m.event()
	head, _, _ := strings.Cut(m.body, "\n\n")
	var names []string
	for _, l := range strings.Split(head, "\n") {
		if k, _, ok := strings.Cut(l, ": "); ok {
			names = append(names, k)
		}
	}
	e["_names"] = strings.Join(names, "\n")
	e["_frame"] = m.ct() + " " + strings.Join(m.order, ",")
	return e
}

func waitFor(t *testing.T, f func() bool) {
	t.Helper()
	for i := 0; i < 300; i++ {
		if f() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition not met")
}

func (m *Model) chanUp(id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.ch(id)
	return c != nil && c.State == StateUp
}

// TestGoldenESLReplies checks reply texts against what FreeSWITCH answered
// to the same commands in esl-errors.txt and esl-transcript.txt.
func TestGoldenESLReplies(t *testing.T) {
	known := map[string]bool{}
	frames := map[string]bool{} // content type + header names in order
	for _, f := range []string{"esl-errors.txt", "esl-transcript.txt", "esl-subscriptions.txt", "esl-resync.txt", "esl-myevents.txt", "esl-sendmsg.txt"} {
		for _, m := range parseESLTranscript(t, f) {
			frames[m.ct+" "+strings.Join(m.headers, ",")] = true
			switch m.ct {
			case "api/response":
				known[normUUID(m.body)] = true
			case "command/reply":
				// header block is the reply; keep Reply-Text lines
			}
		}
	}
	// Reply-Text values.
	replies := map[string]bool{}
	for _, f := range []string{"esl-errors.txt", "esl-subscriptions.txt", "esl-transcript.txt", "esl-myevents.txt"} {
		raw, err := os.ReadFile(refFile(t, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(raw), "\n") {
			if v, ok := strings.CutPrefix(l, "Reply-Text: "); ok {
				replies[normUUID(v)] = true
			}
		}
	}
	s := startSim(t, Options{})
	c := dialESL(t, s.ESLAddr())
	dead := "00000000-dead-4bad-8bad-000000000001"
	if r := c.cmd("api status", nil); !replies[normUUID(r.headers["Reply-Text"])] {
		t.Errorf("before auth: %q", r.headers["Reply-Text"])
	}
	c.cmd("auth ClueCon", nil)
	checkFrame := func(cmd string, r *eslMsg) {
		t.Helper()
		if k := r.ct() + " " + strings.Join(r.order, ","); !frames[k] {
			t.Errorf("%s: frame headers %q not seen from FreeSWITCH", cmd, k)
		}
	}
	for _, cmd := range []string{
		"api uuid_kill " + dead, "api uuid_kill", "api uuid_answer " + dead, "api uuid_bridge " + dead + " " + dead,
		"api uuid_getvar " + dead + " foo", "api uuid_setvar " + dead + " foo bar", "api uuid_dump " + dead,
		"api uuid_exists " + dead, "api uuid_broadcast " + dead + " tone_stream://%(100,0,440) aleg",
		"api uuid_transfer " + dead + " caller XML cc", "api uuid_send_dtmf " + dead + " 1",
		"api uuid_recv_dtmf " + dead + " 1", "api uuid_hold " + dead, "api uuid_park " + dead, "api uuid_break " + dead,
		"api originate", "api originate user/9999 &park()", "api originate foo/bar &park()",
		"api originate sofia/nosuchprofile/x@127.0.0.1 &park()", "api nosuchcommand", "api show nosuchthing",
		"api show calls count", "api hupall NORMAL_CLEARING", "api uuid_bridge " + dead,
	} {
		r := c.cmd(cmd, nil)
		checkFrame(cmd, r)
		if !known[normUUID(r.body)] {
			t.Errorf("%s: reply %q is not a reply FreeSWITCH gave", cmd, r.body)
		}
	}
	for _, cmd := range []string{
		"sendmsg " + dead + "\ncall-command: execute\nexecute-app-name: playback\nexecute-app-arg: x",
		"event plain NOSUCHEVENT", "event bogusformat CHANNEL_CREATE", "event", "nixevent NOSUCHEVENT", "filter",
		"filter delete Unique-ID " + dead, "myevents " + dead, "linger abc", "api", "bgapi", "auth ClueCon",
		"event plain CHANNEL_CREATE CUSTOM conference::maintenance", "filter Unique-ID " + dead, "filter delete all",
		"filter delete", "nixevent CHANNEL_CREATE", "noevents",
	} {
		r := c.cmd(cmd, nil)
		checkFrame(cmd, r)
		if txt := r.headers["Reply-Text"]; !replies[normUUID(txt)] {
			t.Errorf("%q: reply %q is not a reply FreeSWITCH gave", cmd, txt)
		}
	}
	// A json dump with no channels and the show json empty shape.
	if r := c.cmd("api show channels as json", nil); r.body != `{"row_count": 0}` {
		t.Errorf("empty show: %q", r.body)
	}
}

var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// normUUID replaces uuids, the volatile part of reply texts.
func normUUID(s string) string { return uuidRE.ReplaceAllString(s, "<uuid>") }
