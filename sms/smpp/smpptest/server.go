// Package smpptest is a small SMSC for tests: it listens on loopback,
// accepts bind_transceiver with one set of credentials, answers
// submit_sm with message ids, sends delivery receipts decided by a
// function of the submitted message, answers enquire_link and unbind, and
// can send mobile-originated deliver_sm to the bound sessions.
package smpptest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ipcc/ipcc/sms/smpp"
)

// Submitted is one submit_sm the server accepted.
type Submitted struct {
	ID string
	SM *smpp.SM
}

// Server is the test SMSC.
type Server struct {
	SystemID, Password string
	// Receipt decides the delivery receipt of an accepted submit_sm: the
	// stat word ("DELIVRD", "ENROUTE", "UNDELIV", ...), "" for none.
	// Default: DELIVRD when registered_delivery asks for one.
	Receipt func(*smpp.SM) string
	// Refuse, when set, may refuse a submit_sm with a command_status.
	Refuse func(*smpp.SM) uint32

	ln   net.Listener
	mu   sync.Mutex
	next int
	subs []Submitted
	cons map[net.Conn]*conn
	enq  int
	wg   sync.WaitGroup
}

type conn struct {
	c     net.Conn
	wmu   sync.Mutex
	bound bool
	seq   uint32
}

// Start listens on 127.0.0.1 and serves until the test ends.
func Start(t testing.TB, systemID, password string) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{SystemID: systemID, Password: password, ln: ln, cons: map[net.Conn]*conn{}}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(s.Close)
	return s
}

// Addr is host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops listening and drops every connection.
func (s *Server) Close() {
	_ = s.ln.Close()
	s.mu.Lock()
	for c := range s.cons {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// Submitted returns the accepted submit_sm so far.
func (s *Server) Submitted() []Submitted {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Submitted(nil), s.subs...)
}

// EnquireLinks counts the enquire_link requests received.
func (s *Server) EnquireLinks() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.enq
}

// Bound counts the bound sessions.
func (s *Server) Bound() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.cons {
		if c.bound {
			n++
		}
	}
	return n
}

// DropAll closes every connection (an SMSC restart).
func (s *Server) DropAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.cons {
		_ = c.Close()
	}
}

// Deliver sends a deliver_sm to every bound session and waits for their
// responses' command_status (the first non-OK, or OK).
func (s *Server) Deliver(m *smpp.SM) error {
	body, err := m.Marshal()
	if err != nil {
		return err
	}
	s.mu.Lock()
	var cs []*conn
	for _, c := range s.cons {
		if c.bound {
			cs = append(cs, c)
		}
	}
	s.mu.Unlock()
	if len(cs) == 0 {
		return errors.New("smpptest: no bound session")
	}
	for _, c := range cs {
		if err := c.send(smpp.PDU{ID: smpp.DeliverSM, Seq: c.nextSeq(), Body: body}); err != nil {
			return err
		}
	}
	return nil
}

func (c *conn) nextSeq() uint32 {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.seq++
	return c.seq
}

func (c *conn) send(p smpp.PDU) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.c.Write(p.Bytes())
	return err
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		c := &conn{c: nc, seq: 1000}
		s.mu.Lock()
		s.cons[nc] = c
		s.mu.Unlock()
		s.wg.Add(1)
		go s.serve(c)
	}
}

func (s *Server) serve(c *conn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.cons, c.c)
		s.mu.Unlock()
		_ = c.c.Close()
	}()
	for {
		p, err := smpp.ReadPDU(c.c)
		if err != nil {
			return
		}
		switch p.ID {
		case smpp.BindTransceiver:
			b, err := smpp.UnmarshalBind(p.Body)
			status := smpp.StatusOK
			switch {
			case err != nil:
				status = smpp.StatusInvCmdLen
			case b.SystemID != s.SystemID:
				status = smpp.StatusInvSysID
			case b.Password != s.Password:
				status = smpp.StatusInvPaswd
			case b.Version != 0x34:
				status = smpp.StatusBindFail
			}
			s.mu.Lock()
			c.bound = status == smpp.StatusOK
			s.mu.Unlock()
			_ = c.send(smpp.PDU{ID: smpp.BindTransceiverResp, Status: status, Seq: p.Seq, Body: smpp.CString("smpptest")})
		case smpp.SubmitSM:
			s.submit(c, p)
		case smpp.EnquireLink:
			s.mu.Lock()
			s.enq++
			s.mu.Unlock()
			_ = c.send(smpp.PDU{ID: smpp.EnquireLinkResp, Seq: p.Seq})
		case smpp.Unbind:
			_ = c.send(smpp.PDU{ID: smpp.UnbindResp, Seq: p.Seq})
			return
		case smpp.DeliverSMResp, smpp.EnquireLinkResp, smpp.GenericNack:
		default:
			_ = c.send(smpp.PDU{ID: smpp.GenericNack, Status: smpp.StatusInvCmdID, Seq: p.Seq})
		}
	}
}

func (s *Server) submit(c *conn, p smpp.PDU) {
	s.mu.Lock()
	bound := c.bound
	s.mu.Unlock()
	if !bound {
		_ = c.send(smpp.PDU{ID: smpp.SubmitSMResp, Status: smpp.StatusInvBnd, Seq: p.Seq})
		return
	}
	m, err := smpp.UnmarshalSM(p.Body)
	if err != nil {
		_ = c.send(smpp.PDU{ID: smpp.SubmitSMResp, Status: smpp.StatusInvMsgLen, Seq: p.Seq})
		return
	}
	if s.Refuse != nil {
		if st := s.Refuse(m); st != smpp.StatusOK {
			_ = c.send(smpp.PDU{ID: smpp.SubmitSMResp, Status: st, Seq: p.Seq})
			return
		}
	}
	s.mu.Lock()
	s.next++
	id := "M" + strconv.Itoa(s.next)
	s.subs = append(s.subs, Submitted{ID: id, SM: m})
	s.mu.Unlock()
	_ = c.send(smpp.PDU{ID: smpp.SubmitSMResp, Seq: p.Seq, Body: smpp.CString(id)})
	stat := ""
	if s.Receipt != nil {
		stat = s.Receipt(m)
	} else if m.RegisteredDelivery&0x03 != 0 {
		stat = "DELIVRD"
	}
	if stat == "" {
		return
	}
	now := time.Now().UTC().Format("0601021504")
	dlvrd := "001"
	if stat != "DELIVRD" {
		dlvrd = "000"
	}
	text := fmt.Sprintf("id:%s sub:001 dlvrd:%s submit date:%s done date:%s stat:%s err:000 text:", id, dlvrd, now, now, stat)
	r := &smpp.SM{Src: m.Dst, Dst: m.Src, ESMClass: smpp.ESMDeliveryReceipt, Short: []byte(text),
		TLVs: map[uint16][]byte{smpp.TagReceiptedMessageID: smpp.CString(id)}}
	body, _ := r.Marshal()
	go func() {
		// After the response, as an SMSC would.
		time.Sleep(5 * time.Millisecond)
		_ = c.send(smpp.PDU{ID: smpp.DeliverSM, Seq: c.nextSeq(), Body: body})
	}()
}

// Wait polls cond until it holds or the timeout passes.
func Wait(ctx context.Context, timeout time.Duration, cond func() bool) bool {
	end := time.Now().Add(timeout)
	for time.Now().Before(end) {
		if cond() {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(10 * time.Millisecond):
		}
	}
	return cond()
}
