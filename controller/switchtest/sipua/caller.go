// Package sipua is a minimal SIP user agent over UDP for the real-server
// tests: a phone that calls in, answers re-INVITEs, presses hold and
// measures what it hears, and a carrier that refuses calls with a chosen
// status. Both switches speak to it the same way.
package sipua

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Caller is a minimal SIP user agent over UDP that places one call
// (PCMU, no authentication: a profile whose context takes unauthenticated
// calls, such as the sample external profile into "public") and measures
// the audio it receives, so a test can tell music from silence. It
// answers in-dialog re-INVITEs (hold: sendonly is answered recvonly) and
// BYEs, and sends silence itself, 20 ms a packet, as a phone would, or
// what a test makes it say (Say).
type Caller struct {
	t         *testing.T
	sip, rtp  *net.UDPConn
	shared    bool // sip belongs to a Phone taking several calls
	server    *net.UDPAddr
	from, to  string // user parts
	callID    string
	fromTag   string
	toHeader  string // To of the dialog (with the switch's tag)
	remote    string // the switch's Contact URI
	cseq      int
	answered  chan struct{}
	ended     chan struct{}
	endOnce   sync.Once
	mu        sync.Mutex
	rtpPeer   *net.UDPAddr
	frames    []Frame
	reinvites []string // SDP bodies of re-INVITEs received
	sdpVer    int      // o= session version; a changed offer must bump it
	talk      []int16  // 8 kHz samples queued by Say, sent before silence
}

// Frame is one RTP packet received: when, and its level (RMS of the
// decoded PCMU samples, 0..32767).
type Frame struct {
	At  time.Time
	RMS float64
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Dial calls sip:to@server from sip:from@127.0.0.1. The call is up
// once Answered is closed (the switch answered, ipcc's uuid_answer).
func Dial(t *testing.T, server, from, to string) *Caller {
	t.Helper()
	srv, err := net.ResolveUDPAddr("udp", server)
	if err != nil {
		t.Fatalf("SIP server %q: %v", server, err)
	}
	sipConn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	rtpConn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	c := &Caller{t: t, sip: sipConn, rtp: rtpConn, server: srv, from: from, to: to,
		callID: randHex(8) + "@127.0.0.1", fromTag: randHex(4), answered: make(chan struct{}), ended: make(chan struct{})}
	t.Cleanup(c.Close)
	go c.readSIP()
	go c.readRTP()
	go c.sendRTP()
	c.cseq = 1
	c.write(c.request("INVITE", "sip:"+to+"@"+server, "", c.sdp("sendrecv"), 1))
	return c
}

// Answered is closed when the call was answered.
func (c *Caller) Answered() <-chan struct{} { return c.answered }

// Ended is closed when the switch hung up (BYE).
func (c *Caller) Ended() <-chan struct{} { return c.ended }

func (c *Caller) local() string { return c.sip.LocalAddr().String() }

// RTPPort is the local port the caller receives RTP on (its SDP's m=audio).
func (c *Caller) RTPPort() int { return c.rtp.LocalAddr().(*net.UDPAddr).Port }

func (c *Caller) sdp(dir string) string {
	port := c.rtp.LocalAddr().(*net.UDPAddr).Port
	c.mu.Lock()
	c.sdpVer++
	ver := c.sdpVer
	c.mu.Unlock()
	return fmt.Sprintf("v=0\r\no=- 1 %d IN IP4 127.0.0.1\r\ns=ipcc-test\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n", ver) +
		fmt.Sprintf("m=audio %d RTP/AVP 0 101\r\n", port) +
		"a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=" + dir + "\r\n"
}

func (c *Caller) request(method, uri, to, body string, cseq int) string {
	if to == "" {
		to = "<sip:" + c.to + "@" + c.server.String() + ">"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s SIP/2.0\r\n", method, uri)
	fmt.Fprintf(&b, "Via: SIP/2.0/UDP %s;branch=z9hG4bK%s;rport\r\n", c.local(), randHex(6))
	b.WriteString("Max-Forwards: 70\r\n")
	fmt.Fprintf(&b, "From: <sip:%s@127.0.0.1>;tag=%s\r\n", c.from, c.fromTag)
	fmt.Fprintf(&b, "To: %s\r\n", to)
	fmt.Fprintf(&b, "Call-ID: %s\r\n", c.callID)
	fmt.Fprintf(&b, "CSeq: %d %s\r\n", cseq, method)
	fmt.Fprintf(&b, "Contact: <sip:%s@%s>\r\n", c.from, c.local())
	b.WriteString("User-Agent: ipcc-test\r\nAllow: INVITE, ACK, BYE, CANCEL, OPTIONS\r\n")
	if body != "" {
		b.WriteString("Content-Type: application/sdp\r\n")
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
	return b.String()
}

func (c *Caller) write(msg string) {
	if _, err := c.sip.WriteToUDP([]byte(msg), c.server); err != nil {
		c.t.Logf("sip: send: %v", err)
	}
}

type sipMsg struct {
	first string
	hdr   map[string][]string
	body  string
}

func (m *sipMsg) get(name string) string {
	if v := m.hdr[strings.ToLower(name)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

var compact = map[string]string{"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact", "l": "content-length", "c": "content-type"}

func parseSIP(b []byte) *sipMsg {
	head, body, _ := bytes.Cut(b, []byte("\r\n\r\n"))
	lines := strings.Split(string(head), "\r\n")
	m := &sipMsg{first: lines[0], hdr: map[string][]string{}, body: string(body)}
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if full, ok := compact[k]; ok {
			k = full
		}
		m.hdr[k] = append(m.hdr[k], strings.TrimSpace(v))
	}
	return m
}

func (c *Caller) readSIP() {
	buf := make([]byte, 65535)
	for {
		n, _, err := c.sip.ReadFromUDP(buf)
		if err != nil {
			return
		}
		m := parseSIP(append([]byte(nil), buf[:n]...))
		if strings.HasPrefix(m.first, "SIP/2.0 ") {
			c.response(m)
		} else {
			c.inRequest(m)
		}
	}
}

func (c *Caller) response(m *sipMsg) {
	code, _ := strconv.Atoi(strings.Fields(m.first)[1])
	cseq := m.get("cseq")
	switch {
	case strings.HasSuffix(cseq, "INVITE") && code >= 200 && code < 300:
		c.mu.Lock()
		c.toHeader = m.get("to")
		if ct := m.get("contact"); ct != "" {
			c.remote = strings.Trim(strings.Split(ct, ";")[0], "<> ")
			if i := strings.IndexByte(ct, '<'); i >= 0 {
				if j := strings.IndexByte(ct[i:], '>'); j > 0 {
					c.remote = ct[i+1 : i+j]
				}
			}
		}
		c.rtpPeer = sdpAddr(m.body)
		to, remote := c.toHeader, c.remote
		c.mu.Unlock()
		// ACK (again for a retransmitted 200).
		n, _ := strconv.Atoi(strings.Fields(cseq)[0])
		c.write(c.request("ACK", remote, to, "", n))
		select {
		case <-c.answered:
		default:
			close(c.answered)
		}
	case strings.HasSuffix(cseq, "INVITE") && code >= 300:
		n, _ := strconv.Atoi(strings.Fields(cseq)[0])
		c.write(c.request("ACK", "sip:"+c.to+"@"+c.server.String(), m.get("to"), "", n))
		c.t.Logf("sip: INVITE refused: %s", m.first)
		c.end()
	}
}

func (c *Caller) inRequest(m *sipMsg) {
	method := strings.Fields(m.first)[0]
	switch method {
	case "ACK":
		return
	case "INVITE":
		c.mu.Lock()
		c.reinvites = append(c.reinvites, m.body)
		if a := sdpAddr(m.body); a != nil {
			c.rtpPeer = a
		}
		c.mu.Unlock()
		dir := "sendrecv"
		switch {
		case strings.Contains(m.body, "a=sendonly"):
			dir = "recvonly"
		case strings.Contains(m.body, "a=inactive"):
			dir = "inactive"
		}
		c.reply(m, "200 OK", c.sdp(dir))
	case "BYE":
		c.reply(m, "200 OK", "")
		c.end()
	default:
		c.reply(m, "200 OK", "")
	}
}

func (c *Caller) reply(m *sipMsg, status, body string) {
	var b strings.Builder
	fmt.Fprintf(&b, "SIP/2.0 %s\r\n", status)
	for _, v := range m.hdr["via"] {
		fmt.Fprintf(&b, "Via: %s\r\n", v)
	}
	for _, h := range []string{"From", "To", "Call-ID", "CSeq"} {
		fmt.Fprintf(&b, "%s: %s\r\n", h, m.get(h))
	}
	fmt.Fprintf(&b, "Contact: <sip:%s@%s>\r\n", c.from, c.local())
	if body != "" {
		b.WriteString("Content-Type: application/sdp\r\n")
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
	c.write(b.String())
}

func (c *Caller) end() {
	c.endOnce.Do(func() { close(c.ended) })
}

// sdpAddr is the audio address of an SDP body.
func sdpAddr(body string) *net.UDPAddr {
	var ip net.IP
	port := 0
	for _, l := range strings.Split(body, "\n") {
		l = strings.TrimSpace(l)
		if rest, ok := strings.CutPrefix(l, "c=IN IP4 "); ok {
			ip = net.ParseIP(strings.TrimSpace(rest))
		}
		if rest, ok := strings.CutPrefix(l, "m=audio "); ok {
			port, _ = strconv.Atoi(strings.Fields(rest)[0])
		}
	}
	if ip == nil || port == 0 {
		return nil
	}
	return &net.UDPAddr{IP: ip, Port: port}
}

func (c *Caller) readRTP() {
	buf := make([]byte, 2048)
	for {
		n, _, err := c.rtp.ReadFromUDP(buf)
		if err != nil {
			return
		}
		if n < 12 || buf[1]&0x7f != 0 {
			continue // not PCMU (telephone-event, comfort noise)
		}
		cc := int(buf[0] & 0x0f)
		off := 12 + 4*cc
		if off >= n {
			continue
		}
		var sum float64
		for _, b := range buf[off:n] {
			s := float64(ulaw(b))
			sum += s * s
		}
		f := Frame{At: time.Now(), RMS: math.Sqrt(sum / float64(n-off))}
		c.mu.Lock()
		c.frames = append(c.frames, f)
		c.mu.Unlock()
	}
}

// sendRTP sends PCMU every 20 ms to the switch's media address: what Say
// queued, else silence.
func (c *Caller) sendRTP() {
	pkt := make([]byte, 12+160)
	pkt[0], pkt[1] = 0x80, 0
	ssrc := uint32(time.Now().UnixNano())
	binary.BigEndian.PutUint32(pkt[8:], ssrc)
	var seq uint16
	var ts uint32
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-c.ended:
			return
		case <-tick.C:
		}
		c.mu.Lock()
		peer := c.rtpPeer
		c.mu.Unlock()
		if peer == nil {
			continue
		}
		seq++
		ts += 160
		c.nextPayload(pkt[12:])
		binary.BigEndian.PutUint16(pkt[2:], seq)
		binary.BigEndian.PutUint32(pkt[4:], ts)
		if _, err := c.rtp.WriteToUDP(pkt, peer); err != nil {
			return
		}
	}
}

// ulaw decodes one G.711 μ-law byte.
func ulaw(b byte) int16 {
	b = ^b
	sign := b & 0x80
	exp := (b >> 4) & 0x07
	mant := b & 0x0f
	s := (int16(mant)<<3 + 0x84) << exp
	s -= 0x84
	if sign != 0 {
		return -s
	}
	return s
}

// Audio summarises the frames received in [from, to): how many, how many
// carried sound (RMS above level), and the loudest.
type Audio struct {
	Frames, Loud int
	MaxRMS       float64
}

// Loudness is the share of frames with sound (0 with no frames).
func (a Audio) Loudness() float64 {
	if a.Frames == 0 {
		return 0
	}
	return float64(a.Loud) / float64(a.Frames)
}

func (a Audio) String() string {
	return fmt.Sprintf("%d frames, %d with sound (%.0f%%), max RMS %.0f", a.Frames, a.Loud, 100*a.Loudness(), a.MaxRMS)
}

// SoundLevel is the RMS above which a 20 ms frame counts as sound: far
// above μ-law idle noise, far below music or a tone.
const SoundLevel = 200

// Heard summarises what arrived between from and to.
func (c *Caller) Heard(from, to time.Time) Audio {
	c.mu.Lock()
	defer c.mu.Unlock()
	var a Audio
	for _, f := range c.frames {
		if f.At.Before(from) || !f.At.Before(to) {
			continue
		}
		a.Frames++
		if f.RMS > SoundLevel {
			a.Loud++
		}
		a.MaxRMS = max(a.MaxRMS, f.RMS)
	}
	return a
}

// FirstSound is when the first frame with sound arrived after from (zero
// if none did).
func (c *Caller) FirstSound(from time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range c.frames {
		if !f.At.Before(from) && f.RMS > SoundLevel {
			return f.At
		}
	}
	return time.Time{}
}

// Listen waits d and returns what arrived meanwhile.
func (c *Caller) Listen(d time.Duration) Audio {
	from := time.Now()
	time.Sleep(d)
	return c.Heard(from, time.Now())
}

// ReInvites returns the SDP of the re-INVITEs the switch sent.
func (c *Caller) ReInvites() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.reinvites...)
}

// Hold presses the phone's hold button: an in-dialog re-INVITE whose
// offer is sendonly, as desk phones and softphones send it.
func (c *Caller) Hold() { c.reinvite("sendonly") }

// Unhold takes the call off hold: a re-INVITE offering sendrecv again.
func (c *Caller) Unhold() { c.reinvite("sendrecv") }

func (c *Caller) reinvite(dir string) {
	body := c.sdp(dir)
	c.mu.Lock()
	c.cseq++
	to, remote, n := c.toHeader, c.remote, c.cseq
	c.mu.Unlock()
	c.write(c.request("INVITE", remote, to, body, n))
}

// Hangup sends BYE (when answered) and closes the sockets.
func (c *Caller) Hangup() {
	select {
	case <-c.answered:
		select {
		case <-c.ended:
		default:
			c.mu.Lock()
			c.cseq++
			to, remote, n := c.toHeader, c.remote, c.cseq
			c.mu.Unlock()
			c.write(c.request("BYE", remote, to, "", n))
			time.Sleep(100 * time.Millisecond)
		}
	default:
	}
	c.end()
}

// Close hangs up and releases the sockets.
func (c *Caller) Close() {
	c.Hangup()
	if !c.shared {
		c.sip.Close()
	}
	c.rtp.Close()
}

// ToneFile writes 5 s of a 440 Hz tone, 8 kHz 16-bit mono, where
// FreeSWITCH (same host, maybe another user) can read it.
func ToneFile(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ipcc-moh-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	const rate, secs = 8000, 5
	var pcm bytes.Buffer
	for i := range rate * secs {
		v := 8000 * math.Sin(2*math.Pi*440*float64(i)/rate)
		_ = binary.Write(&pcm, binary.LittleEndian, int16(v))
	}
	var b bytes.Buffer
	b.WriteString("RIFF")
	_ = binary.Write(&b, binary.LittleEndian, uint32(36+pcm.Len()))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(rate), uint32(rate * 2), uint16(2), uint16(16)} {
		_ = binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	_ = binary.Write(&b, binary.LittleEndian, uint32(pcm.Len()))
	b.Write(pcm.Bytes())
	path := filepath.Join(dir, "moh.wav")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
