package sipua

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// Register makes the responder a registered phone: it sends REGISTER for
// sip:user@server with its own address as contact, answers the digest
// challenge (MD5, qop auth) with password, and fails the test unless the
// server says 200. Calls to the user then reach the responder, which
// answers them with its INVITE status (486 Busy Here for a phone that
// refuses, say). The registration is not refreshed: it lasts expires, or
// until the test ends, when the responder unregisters (Expires: 0).
func (r *Responder) Register(t *testing.T, server, user, password string, expires time.Duration) {
	t.Helper()
	if err := r.register(server, user, password, expires); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.register(server, user, password, 0); err != nil {
			t.Logf("unregister: %v", err)
		}
	})
}

func (r *Responder) register(server, user, password string, expires time.Duration) error {
	return register(r.conn, r.responses, server, user, password, expires)
}

// register sends REGISTER from conn (its address the contact) and reads
// the answers from responses, where the socket's reader puts them.
func register(conn *net.UDPConn, responses <-chan *sipMsg, server, user, password string, expires time.Duration) error {
	addr := conn.LocalAddr().String()
	srv, err := net.ResolveUDPAddr("udp", server)
	if err != nil {
		return fmt.Errorf("SIP server %q: %w", server, err)
	}
	callID, tag := randHex(8)+"@127.0.0.1", randHex(4)
	uri := "sip:" + server
	req := func(cseq int, auth string) string {
		var b strings.Builder
		fmt.Fprintf(&b, "REGISTER %s SIP/2.0\r\n", uri)
		fmt.Fprintf(&b, "Via: SIP/2.0/UDP %s;branch=z9hG4bK%s;rport\r\n", addr, randHex(6))
		b.WriteString("Max-Forwards: 70\r\n")
		fmt.Fprintf(&b, "From: <sip:%s@%s>;tag=%s\r\n", user, server, tag)
		fmt.Fprintf(&b, "To: <sip:%s@%s>\r\n", user, server)
		fmt.Fprintf(&b, "Call-ID: %s\r\nCSeq: %d REGISTER\r\n", callID, cseq)
		fmt.Fprintf(&b, "Contact: <sip:%s@%s>\r\nExpires: %d\r\n", user, addr, int(expires.Seconds()))
		if auth != "" {
			fmt.Fprintf(&b, "Authorization: %s\r\n", auth)
		}
		b.WriteString("User-Agent: ipcc-test\r\nContent-Length: 0\r\n\r\n")
		return b.String()
	}
	send := func(msg string) (*sipMsg, error) {
		if _, err := conn.WriteToUDP([]byte(msg), srv); err != nil {
			return nil, fmt.Errorf("REGISTER %s: send: %w", user, err)
		}
		select {
		case m := <-responses:
			return m, nil
		case <-time.After(5 * time.Second):
			return nil, fmt.Errorf("REGISTER %s: no answer from %s", user, server)
		}
	}
	m, err := send(req(1, ""))
	if err != nil {
		return err
	}
	if strings.HasPrefix(m.first, "SIP/2.0 401") || strings.HasPrefix(m.first, "SIP/2.0 407") {
		var chal string
		for _, h := range append(m.hdr["www-authenticate"], m.hdr["proxy-authenticate"]...) {
			p := digestParams(h)
			if a := strings.ToUpper(p["algorithm"]); a == "" || a == "MD5" {
				chal = h
				break
			}
		}
		if chal == "" {
			return fmt.Errorf("REGISTER %s: no MD5 digest challenge in %q", user, m.first)
		}
		p := digestParams(chal)
		h := func(s string) string { sum := md5.Sum([]byte(s)); return hex.EncodeToString(sum[:]) }
		ha1 := h(user + ":" + p["realm"] + ":" + password)
		ha2 := h("REGISTER:" + uri)
		auth := fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", algorithm=MD5`, user, p["realm"], p["nonce"], uri)
		if strings.Contains(p["qop"], "auth") {
			cnonce := randHex(8)
			auth += fmt.Sprintf(`, qop=auth, nc=00000001, cnonce="%s", response="%s"`, cnonce,
				h(ha1+":"+p["nonce"]+":00000001:"+cnonce+":auth:"+ha2))
		} else {
			auth += fmt.Sprintf(`, response="%s"`, h(ha1+":"+p["nonce"]+":"+ha2))
		}
		if o, ok := p["opaque"]; ok {
			auth += fmt.Sprintf(`, opaque="%s"`, o)
		}
		if m, err = send(req(2, auth)); err != nil {
			return err
		}
	}
	if !strings.HasPrefix(m.first, "SIP/2.0 200") {
		return fmt.Errorf("REGISTER %s at %s: %s", user, server, m.first)
	}
	return nil
}

// digestParams parses the parameters of a Digest challenge.
func digestParams(h string) map[string]string {
	p := map[string]string{}
	h = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(h), "Digest"))
	for h != "" {
		k, rest, ok := strings.Cut(h, "=")
		if !ok {
			break
		}
		k = strings.ToLower(strings.TrimSpace(k))
		rest = strings.TrimSpace(rest)
		var v string
		if strings.HasPrefix(rest, `"`) {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				break
			}
			v, rest = rest[1:1+end], rest[2+end:]
		} else {
			v, rest, _ = strings.Cut(rest, ",")
			rest = "," + rest
		}
		p[k] = strings.TrimSpace(v)
		_, h, _ = strings.Cut(rest, ",")
		h = strings.TrimSpace(h)
	}
	return p
}
