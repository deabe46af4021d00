package sipua

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
)

// Responder is a carrier (or, after Register, a phone) that refuses every
// INVITE with one final status (503 for a congested trunk, say) and
// answers OPTIONS pings with another, so a test can see what a real switch
// makes of a carrier's refusal. It listens on 127.0.0.1 over UDP.
type Responder struct {
	conn   *net.UDPConn
	invite string // status line for INVITE, e.g. "503 Service Unavailable"
	ping   string // status line for OPTIONS

	responses chan *sipMsg // responses to our own requests (REGISTER)

	mu      sync.Mutex
	invites int
}

// NewResponder starts a responder; it stops when the test ends.
func NewResponder(t *testing.T, invite, ping string) *Responder {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	r := &Responder{conn: conn, invite: invite, ping: ping, responses: make(chan *sipMsg, 8)}
	t.Cleanup(func() { conn.Close() })
	go r.serve()
	return r
}

// Addr is host:port of the responder.
func (r *Responder) Addr() string { return r.conn.LocalAddr().String() }

// Invites counts the INVITEs received (retransmissions included).
func (r *Responder) Invites() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.invites
}

func (r *Responder) serve() {
	buf := make([]byte, 65535)
	for {
		n, from, err := r.conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		m := parseSIP(append([]byte(nil), buf[:n]...))
		if strings.HasPrefix(m.first, "SIP/2.0 ") {
			select {
			case r.responses <- m:
			default:
			}
			continue
		}
		var status string
		switch strings.Fields(m.first)[0] {
		case "INVITE":
			r.mu.Lock()
			r.invites++
			r.mu.Unlock()
			status = r.invite
		case "OPTIONS":
			status = r.ping
		case "ACK":
			continue
		default:
			status = "200 OK"
		}
		var b strings.Builder
		fmt.Fprintf(&b, "SIP/2.0 %s\r\n", status)
		for _, v := range m.hdr["via"] {
			fmt.Fprintf(&b, "Via: %s\r\n", v)
		}
		to := m.get("to")
		if !strings.Contains(to, ";tag=") {
			to += ";tag=" + randHex(4)
		}
		fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %s\r\nContent-Length: 0\r\n\r\n",
			m.get("from"), to, m.get("call-id"), m.get("cseq"))
		_, _ = r.conn.WriteToUDP([]byte(b.String()), from)
	}
}
