package sipua

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// Pickup is how a Phone takes one INVITE: it rings (180), then answers,
// refuses with a final status, or rings until the switch cancels.
type Pickup struct {
	// Ring is how long the phone rings before it answers or refuses.
	Ring time.Duration
	// Refuse is the final status sent instead of answering, e.g. "486
	// Busy Here"; "" answers.
	Refuse string
	// NeverAnswer rings until the switch gives up (CANCEL, answered 487).
	NeverAnswer bool
	// Say is spoken from the answer on (8 kHz samples, see Caller.Say):
	// a greeting or a hello for answering-machine detection.
	Say []int16
	// HangupAfter sends BYE this long after the answer; 0 waits for the
	// switch to hang up.
	HangupAfter time.Duration
}

// Ring is one call a Phone was offered.
type Ring struct {
	User string    // the user part of the Request-URI: who was dialled
	From string    // the From header (the caller ID the switch presents)
	At   time.Time // when the INVITE arrived
	// Call is the answered call (nil until answered, or never): what the
	// phone heard, its end.
	Call *Caller
	// Cancelled: the switch cancelled the INVITE while it rang.
	Cancelled bool
	// Final is when the INVITE got its final response (the answer, a
	// refusal, or 487 after a CANCEL); zero while it rings.
	Final time.Time
}

// Phone is a SIP user agent that takes calls over UDP on 127.0.0.1: an
// agent's phone (after Register) or the far end of a carrier (a gateway's
// proxy) with one behaviour per dialled number. Answered calls are Callers
// (PCMU, silence or what Pickup.Say speaks, the audio received measured).
// Every call still up when the test ends is hung up (BYE).
type Phone struct {
	conn      *net.UDPConn
	pick      func(user string) Pickup
	responses chan *sipMsg // responses to our own REGISTERs

	mu      sync.Mutex
	t       *testing.T
	dialogs map[string]*inDialog // by Call-ID
	rings   []*Ring
	closed  bool
	done    chan struct{} // closed when the test ends
}

type inDialog struct {
	ring      *Ring
	invite    *sipMsg
	from      *net.UDPAddr
	tag       string // our To tag
	last      string // the last response sent to the INVITE (resent on a retransmission)
	final     bool
	call      *Caller
	cancelled chan struct{}
}

// NewPhone starts a phone on addr ("127.0.0.1:0" for any port) that
// takes each INVITE as pick says for the dialled user. It stops when the
// test ends.
func NewPhone(t *testing.T, addr string, pick func(user string) Pickup) *Phone {
	t.Helper()
	a, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		t.Fatalf("phone address %q: %v", addr, err)
	}
	conn, err := net.ListenUDP("udp", a)
	if err != nil {
		t.Fatalf("phone on %s: %v", addr, err)
	}
	p := &Phone{conn: conn, pick: pick, responses: make(chan *sipMsg, 8), t: t, dialogs: map[string]*inDialog{}, done: make(chan struct{})}
	t.Cleanup(func() {
		p.mu.Lock()
		p.closed = true
		close(p.done)
		var calls []*Caller
		for _, d := range p.dialogs {
			if d.call != nil {
				calls = append(calls, d.call)
			}
		}
		p.mu.Unlock()
		for _, c := range calls {
			c.Close()
		}
		conn.Close()
	})
	go p.serve()
	return p
}

// Addr is host:port of the phone.
func (p *Phone) Addr() string { return p.conn.LocalAddr().String() }

// Register registers the phone as user at server (see Responder.Register);
// it unregisters when the test ends.
func (p *Phone) Register(t *testing.T, server, user, password string, expires time.Duration) {
	t.Helper()
	if err := register(p.conn, p.responses, server, user, password, expires); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := register(p.conn, p.responses, server, user, password, 0); err != nil {
			t.Logf("unregister: %v", err)
		}
	})
}

// Rings returns the calls offered so far, oldest first.
func (p *Phone) Rings() []Ring {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Ring, len(p.rings))
	for i, r := range p.rings {
		out[i] = *r
	}
	return out
}

// RingsOf returns the calls offered to user.
func (p *Phone) RingsOf(user string) []Ring {
	var out []Ring
	for _, r := range p.Rings() {
		if r.User == user {
			out = append(out, r)
		}
	}
	return out
}

// requestUser is the user part of a request line's URI.
func requestUser(first string) string {
	f := strings.Fields(first)
	if len(f) < 2 {
		return ""
	}
	uri := strings.TrimPrefix(strings.TrimPrefix(f[1], "sip:"), "sips:")
	user, _, ok := strings.Cut(uri, "@")
	if !ok {
		return ""
	}
	return user
}

// contactURI is the URI of a Contact (or From/To) header value.
func contactURI(h string) string {
	if i := strings.IndexByte(h, '<'); i >= 0 {
		if j := strings.IndexByte(h[i:], '>'); j > 0 {
			return h[i+1 : i+j]
		}
	}
	return strings.TrimSpace(strings.Split(h, ";")[0])
}

func (p *Phone) serve() {
	buf := make([]byte, 65535)
	for {
		n, from, err := p.conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		m := parseSIP(append([]byte(nil), buf[:n]...))
		p.mu.Lock()
		d := p.dialogs[m.get("call-id")]
		var call *Caller
		if d != nil {
			call = d.call
		}
		p.mu.Unlock()
		if strings.HasPrefix(m.first, "SIP/2.0 ") {
			if call != nil {
				call.response(m)
				continue
			}
			select {
			case p.responses <- m:
			default:
			}
			continue
		}
		method := strings.Fields(m.first)[0]
		switch {
		case method == "INVITE" && d == nil:
			p.offer(m, from)
		case method == "INVITE" && call != nil && strings.Contains(m.get("to"), "tag="):
			call.inRequest(m) // a re-INVITE in the dialog
		case method == "INVITE":
			p.mu.Lock()
			last := d.last
			p.mu.Unlock()
			if last != "" {
				p.write(last, from) // a retransmission
			}
		case method == "CANCEL" && d != nil:
			p.reply(m, from, "200 OK", "")
			p.cancel(d)
		case method == "ACK":
		case (method == "BYE" || method == "INFO" || method == "NOTIFY") && call != nil:
			call.inRequest(m)
		case method == "BYE":
			p.reply(m, from, "481 Call/Transaction Does Not Exist", "")
		default:
			p.reply(m, from, "200 OK", "")
		}
	}
}

// offer takes a new INVITE: 100 Trying, then what pick says, in its own
// goroutine.
func (p *Phone) offer(m *sipMsg, from *net.UDPAddr) {
	ring := &Ring{User: requestUser(m.first), From: m.get("from"), At: time.Now()}
	d := &inDialog{ring: ring, invite: m, from: from, tag: randHex(4), cancelled: make(chan struct{})}
	p.mu.Lock()
	p.dialogs[m.get("call-id")] = d
	p.rings = append(p.rings, ring)
	p.mu.Unlock()
	p.reply(m, from, "100 Trying", "")
	go p.take(d, p.pick(ring.User))
}

func (p *Phone) take(d *inDialog, how Pickup) {
	p.respond(d, "180 Ringing", "", false)
	wait := how.Ring
	if how.NeverAnswer {
		wait = time.Hour
	}
	select {
	case <-d.cancelled:
		return
	case <-p.done:
		return
	case <-time.After(wait):
	}
	if how.Refuse != "" {
		p.respond(d, how.Refuse, "", true)
		return
	}
	rtp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		p.respond(d, "500 Server Internal Error", "", true)
		return
	}
	m := d.invite
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		rtp.Close()
		return
	}
	c := &Caller{t: p.t, sip: p.conn, shared: true, rtp: rtp, server: d.from, from: d.ring.User,
		callID: m.get("call-id"), fromTag: d.tag, toHeader: m.get("from"), remote: contactURI(m.get("contact")),
		rtpPeer: sdpAddr(m.body), answered: make(chan struct{}), ended: make(chan struct{})}
	d.call, d.ring.Call = c, c // before the 200: the switch's BYE may follow at once
	p.mu.Unlock()
	if !p.respond(d, "200 OK", c.sdp("sendrecv"), true) {
		p.mu.Lock()
		d.call, d.ring.Call = nil, nil // cancelled meanwhile
		p.mu.Unlock()
		rtp.Close()
		return
	}
	go c.readRTP()
	go c.sendRTP()
	close(c.answered)
	if len(how.Say) > 0 {
		c.Say(how.Say)
	}
	if how.HangupAfter > 0 {
		go func() {
			select {
			case <-c.ended:
			case <-time.After(how.HangupAfter):
				c.Hangup()
			}
		}()
	}
}

// cancel ends a ringing INVITE the switch cancelled: 487 to the INVITE.
func (p *Phone) cancel(d *inDialog) {
	p.mu.Lock()
	if d.final {
		p.mu.Unlock()
		return
	}
	d.ring.Cancelled = true
	p.mu.Unlock()
	close(d.cancelled)
	p.respond(d, "487 Request Terminated", "", true)
}

// respond answers the dialog's INVITE (our tag on To); false when a
// final response went out before.
func (p *Phone) respond(d *inDialog, status, body string, final bool) bool {
	p.mu.Lock()
	if d.final {
		p.mu.Unlock()
		return false
	}
	d.final = final
	if final {
		d.ring.Final = time.Now()
	}
	p.mu.Unlock()
	m := d.invite
	var b strings.Builder
	fmt.Fprintf(&b, "SIP/2.0 %s\r\n", status)
	for _, v := range m.hdr["via"] {
		fmt.Fprintf(&b, "Via: %s\r\n", v)
	}
	fmt.Fprintf(&b, "From: %s\r\nTo: %s;tag=%s\r\nCall-ID: %s\r\nCSeq: %s\r\n", m.get("from"), m.get("to"), d.tag, m.get("call-id"), m.get("cseq"))
	fmt.Fprintf(&b, "Contact: <sip:%s@%s>\r\n", d.ring.User, p.Addr())
	b.WriteString("User-Agent: ipcc-test\r\nAllow: INVITE, ACK, BYE, CANCEL, OPTIONS\r\n")
	if body != "" {
		b.WriteString("Content-Type: application/sdp\r\n")
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
	msg := b.String()
	p.mu.Lock()
	d.last = msg
	p.mu.Unlock()
	p.write(msg, d.from)
	return true
}

// reply answers a request outside an INVITE transaction.
func (p *Phone) reply(m *sipMsg, to *net.UDPAddr, status, body string) {
	var b strings.Builder
	fmt.Fprintf(&b, "SIP/2.0 %s\r\n", status)
	for _, v := range m.hdr["via"] {
		fmt.Fprintf(&b, "Via: %s\r\n", v)
	}
	tt := m.get("to")
	if !strings.Contains(tt, "tag=") && !strings.HasPrefix(status, "100") {
		tt += ";tag=" + randHex(4)
	}
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %s\r\n", m.get("from"), tt, m.get("call-id"), m.get("cseq"))
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
	p.write(b.String(), to)
}

func (p *Phone) write(msg string, to *net.UDPAddr) {
	_, _ = p.conn.WriteToUDP([]byte(msg), to)
}
