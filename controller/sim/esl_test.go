package sim

import (
	"bufio"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// eslMsg is one message read from the server.
type eslMsg struct {
	headers map[string]string
	order   []string
	body    string
}

func (m *eslMsg) ct() string { return m.headers["Content-Type"] }

// event parses a text/event-plain body into decoded headers.
func (m *eslMsg) event() map[string]string {
	out := map[string]string{}
	head, body, _ := strings.Cut(m.body, "\n\n")
	for _, l := range strings.Split(head, "\n") {
		k, v, ok := strings.Cut(l, ": ")
		if ok {
			dv, err := url.PathUnescape(v)
			if err != nil {
				dv = v
			}
			out[k] = dv
		}
	}
	out["_body"] = body
	return out
}

type eslClient struct {
	t    *testing.T
	c    net.Conn
	r    *bufio.Reader
	msgs chan *eslMsg
}

func readESL(r *bufio.Reader) (*eslMsg, error) {
	m := &eslMsg{headers: map[string]string{}}
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		l = strings.TrimRight(l, "\n")
		if l == "" {
			if len(m.order) == 0 {
				continue
			}
			break
		}
		k, v, _ := strings.Cut(l, ": ")
		m.headers[k] = v
		m.order = append(m.order, k)
	}
	if cl := m.headers["Content-Length"]; cl != "" {
		n, _ := strconv.Atoi(cl)
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, err
		}
		m.body = string(b)
	}
	return m, nil
}

func dialESL(t *testing.T, addr string) *eslClient {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	cl := &eslClient{t: t, c: c, r: bufio.NewReader(c), msgs: make(chan *eslMsg, 10000)}
	go func() {
		defer close(cl.msgs)
		for {
			m, err := readESL(cl.r)
			if err != nil {
				return
			}
			cl.msgs <- m
		}
	}()
	t.Cleanup(func() { c.Close() })
	if m := cl.next(); m.ct() != "auth/request" {
		t.Fatalf("first message %q", m.ct())
	}
	return cl
}

func (c *eslClient) next() *eslMsg {
	c.t.Helper()
	select {
	case m, ok := <-c.msgs:
		if !ok {
			c.t.Fatal("connection closed")
		}
		return m
	case <-time.After(5 * time.Second):
		c.t.Fatal("timeout waiting for ESL message")
	}
	return nil
}

func (c *eslClient) send(cmd string) {
	c.t.Helper()
	if _, err := io.WriteString(c.c, strings.ReplaceAll(cmd, "\n", "\r\n")+"\r\n\r\n"); err != nil {
		c.t.Fatal(err)
	}
}

// cmd sends a command and returns the next reply, keeping events seen.
func (c *eslClient) cmd(cmd string, events *[]map[string]string) *eslMsg {
	c.t.Helper()
	c.send(cmd)
	for {
		m := c.next()
		if strings.HasPrefix(m.ct(), "text/event") {
			if events != nil {
				*events = append(*events, rawEvent(m))
			}
			continue
		}
		return m
	}
}

// waitEvent waits for an event matching name (and Unique-ID if set).
func (c *eslClient) waitEvent(name, uuid string) map[string]string {
	c.t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case m, ok := <-c.msgs:
			if !ok {
				c.t.Fatalf("closed waiting for %s", name)
			}
			if m.ct() != "text/event-plain" {
				continue
			}
			e := m.event()
			if e["Event-Name"] == name && (uuid == "" || e["Unique-ID"] == uuid) {
				return e
			}
		case <-deadline:
			c.t.Fatalf("timeout waiting for %s %s", name, uuid)
		}
	}
}

func startSim(t *testing.T, o Options) *Sim {
	t.Helper()
	if o.RecordingDir == "" {
		o.RecordingDir = t.TempDir()
	}
	if o.MediaDuration == 0 {
		o.MediaDuration = 20 * time.Millisecond
	}
	s := New(o)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func authed(t *testing.T, s *Sim) *eslClient {
	c := dialESL(t, s.ESLAddr())
	if r := c.cmd("auth ClueCon", nil); r.headers["Reply-Text"] != "+OK accepted" {
		t.Fatalf("auth: %v", r.headers)
	}
	return c
}

func TestESLInboundBridgeHangup(t *testing.T) {
	s := startSim(t, Options{})
	if err := s.DefineEndpoint(EndpointSpec{Number: "1001", AnswerAfter: 10 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	c := authed(t, s)
	if r := c.cmd("event plain ALL", nil); r.headers["Reply-Text"] != "+OK event listener enabled plain" {
		t.Fatalf("event: %v", r.headers)
	}
	id, err := s.PlaceCall(CallSpec{From: "15551230001", To: "4000"})
	if err != nil {
		t.Fatal(err)
	}
	park := c.waitEvent("CHANNEL_PARK", id)
	if park["variable_ipcc_did"] != "4000" || park["Caller-Caller-ID-Number"] != "15551230001" {
		t.Fatalf("park event: %v", park)
	}
	if r := c.cmd("api uuid_answer "+id, nil); r.body != "+OK\n" {
		t.Fatalf("answer: %q", r.body)
	}
	agent := "a0000000-0000-4000-8000-000000000001"
	r := c.cmd("api originate {origination_uuid="+agent+",origination_caller_id_number=4000}user/1001 &park()", nil)
	if r.body != "+OK "+agent+"\n" {
		t.Fatalf("originate: %q", r.body)
	}
	if r := c.cmd("api uuid_bridge "+id+" "+agent, nil); r.body != "+OK "+agent+"\n" {
		t.Fatalf("bridge: %q", r.body)
	}
	c.waitEvent("CHANNEL_BRIDGE", id)
	if !s.Hears(id, agent) || !s.Hears(agent, id) {
		t.Fatal("bridged legs must hear each other")
	}
	s.HangupCall(id)
	hc := c.waitEvent("CHANNEL_HANGUP_COMPLETE", agent)
	if hc["variable_bridge_hangup_cause"] != "NORMAL_CLEARING" || hc["Hangup-Cause"] != "NORMAL_CLEARING" {
		t.Fatalf("peer hangup: %v", hc)
	}
	info, err := s.Call(id)
	if err != nil || info.HangupBy != "remote" || info.Vars["sip_hangup_disposition"] != "recv_bye" {
		t.Fatalf("call info %+v %v", info, err)
	}
	if !s.EverHeard(agent, id) || s.Hears(agent, id) {
		t.Fatal("history must keep the bridge, now gone")
	}
}

// Commands on one inbound connection, their results on another, as on
// FreeSWITCH: a bgapi's BACKGROUND_JOB goes to every listener subscribed to
// it (mod_event_socket's event_handler walks all listeners), not only to the
// connection that sent the bgapi, and sendmsg <uuid> finds the channel from
// any connection; the channel's events reach the subscriber. A connection
// that subscribed to nothing receives no event.
func TestESLCommandsOnAnotherConnection(t *testing.T) {
	s := startSim(t, Options{})
	for _, e := range []EndpointSpec{
		{Number: "1001", AnswerAfter: 10 * time.Millisecond},
		{Number: "1002", Behavior: BehaviorBusy, AnswerAfter: 10 * time.Millisecond},
	} {
		if err := s.DefineEndpoint(e); err != nil {
			t.Fatal(err)
		}
	}
	ev := authed(t, s)
	if r := ev.cmd("event plain ALL", nil); r.headers["Reply-Text"] != "+OK event listener enabled plain" {
		t.Fatalf("event: %v", r.headers)
	}
	cmd := authed(t, s)

	// A bgapi originate on the command connection: its job and the leg's
	// events reach the event connection.
	agent := "a0000000-0000-4000-8000-0000000000c1"
	r := cmd.cmd("bgapi originate {origination_uuid="+agent+"}user/1001 &park()", nil)
	job := r.headers["Job-UUID"]
	if !strings.HasPrefix(r.headers["Reply-Text"], "+OK Job-UUID: ") || job == "" {
		t.Fatalf("bgapi: %v", r.headers)
	}
	ev.waitEvent("CHANNEL_ANSWER", agent)
	bj := ev.waitEvent("BACKGROUND_JOB", "")
	if bj["Job-UUID"] != job || bj["_body"] != "+OK "+agent+"\n" {
		t.Fatalf("BACKGROUND_JOB on the event connection: %v", bj)
	}

	// A failing one: the job's -ERR reaches the event connection too.
	busy := "a0000000-0000-4000-8000-0000000000c2"
	r = cmd.cmd("bgapi originate {origination_uuid="+busy+"}user/1002 &park()", nil)
	job = r.headers["Job-UUID"]
	for {
		bj = ev.waitEvent("BACKGROUND_JOB", "")
		if bj["Job-UUID"] == job {
			break
		}
	}
	if !strings.HasPrefix(bj["_body"], "-ERR USER_BUSY") {
		t.Fatalf("failed job body %q", bj["_body"])
	}

	// sendmsg from the command connection plays on the channel; the
	// subscriber sees the application with our Event-UUID.
	r = cmd.cmd("sendmsg "+agent+"\ncall-command: execute\nexecute-app-name: playback\nexecute-app-arg: tone_stream://%(100,0,440)\nevent-lock: true\nEvent-UUID: app-c1", nil)
	if r.headers["Reply-Text"] != "+OK" {
		t.Fatalf("sendmsg: %v", r.headers)
	}
	ev.waitEvent("PLAYBACK_START", agent)
	for ev.waitEvent("CHANNEL_EXECUTE_COMPLETE", agent)["Application-UUID"] != "app-c1" {
	}

	// The command connection subscribed to nothing and got no event.
	if r := cmd.cmd("api uuid_kill "+agent, nil); r.body != "+OK\n" {
		t.Fatalf("kill: %q", r.body)
	}
	ev.waitEvent("CHANNEL_HANGUP_COMPLETE", agent)
	for {
		select {
		case m := <-cmd.msgs:
			if strings.HasPrefix(m.ct(), "text/event") {
				t.Fatalf("event on a connection that subscribed to none: %s", m.body)
			}
		default:
			return
		}
	}
}

// Without a hearing history (benches) the simulator still tells who hears
// whom now, and the history holds the present only.
func TestNoHearingHistory(t *testing.T) {
	s := startSim(t, Options{NoHearingHistory: true})
	if err := s.DefineEndpoint(EndpointSpec{Number: "1001", AnswerAfter: 10 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	c := authed(t, s)
	c.cmd("event plain ALL", nil)
	id, err := s.PlaceCall(CallSpec{From: "15551230001", To: "4000"})
	if err != nil {
		t.Fatal(err)
	}
	c.waitEvent("CHANNEL_PARK", id)
	c.cmd("api uuid_answer "+id, nil)
	agent := "a0000000-0000-4000-8000-0000000000d1"
	c.cmd("api originate {origination_uuid="+agent+"}user/1001 &park()", nil)
	c.cmd("api uuid_bridge "+id+" "+agent, nil)
	c.waitEvent("CHANNEL_BRIDGE", id)
	if !s.Hears(id, agent) || !s.Hears(agent, id) || !s.EverHeard(agent, id) {
		t.Fatal("bridged legs must hear each other")
	}
	if h := s.HearingHistory(); len(h) != 1 {
		t.Fatalf("history of %d entries, want the present only", len(h))
	}
	s.HangupCall(id)
	c.waitEvent("CHANNEL_HANGUP_COMPLETE", agent)
	if s.Hears(agent, id) || s.EverHeard(agent, id) {
		t.Fatal("nobody hears a call that ended")
	}
}
