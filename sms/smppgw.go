package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/ipcc/ipcc/egress"
	"github.com/ipcc/ipcc/sms/smpp"
)

// SMPPConfig describes an SMSC reached over SMPP 3.4 as a transceiver.
type SMPPConfig struct {
	Addr       string `json:"addr"` // host:port
	SystemID   string `json:"system_id"`
	Password   string `json:"password"`
	SystemType string `json:"system_type,omitempty"`
	SourceTON  byte   `json:"source_ton,omitempty"`
	SourceNPI  byte   `json:"source_npi,omitempty"`
	DestTON    byte   `json:"dest_ton,omitempty"`
	DestNPI    byte   `json:"dest_npi,omitempty"`
	// NoReceipts turns off registered_delivery (no delivery reports).
	NoReceipts bool `json:"no_receipts,omitempty"`
	// EnquireLinkSeconds is the keep-alive interval (default 30).
	EnquireLinkSeconds int `json:"enquire_link_seconds,omitempty"`
}

// ParseSMPPConfig reads and checks an SMSC's settings.
func ParseSMPPConfig(raw []byte) (*SMPPConfig, error) {
	var c SMPPConfig
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("smpp config: %w", err)
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return nil, fmt.Errorf("config.addr: %q is not host:port", c.Addr)
	}
	switch {
	case c.SystemID == "" || len(c.SystemID) > 15:
		return nil, fmt.Errorf("config.system_id: 1 to 15 characters")
	case len(c.Password) > 8:
		return nil, fmt.Errorf("config.password: at most 8 characters (SMPP 3.4)")
	case len(c.SystemType) > 12:
		return nil, fmt.Errorf("config.system_type: at most 12 characters")
	case c.EnquireLinkSeconds < 0 || c.EnquireLinkSeconds > 3600:
		return nil, fmt.Errorf("config.enquire_link_seconds: %d is not within 0..3600", c.EnquireLinkSeconds)
	}
	return &c, nil
}

// smppLink keeps one bound session to an SMSC, dialling again when it
// dropped, and hands what the SMSC delivers to the sink.
type smppLink struct {
	key  string // tenant/provider
	cfg  SMPPConfig
	raw  string // the settings it was made from
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
	log  *slog.Logger
	sink func(receipts []Receipt, in *Inbound)

	mu   sync.Mutex // sess and ref
	sess *smpp.Session
	ref  byte
	// parts of long inbound messages being put together, by sender/ref
	// (their own lock: the reader delivers while a dial holds mu)
	amu sync.Mutex
	asm map[string]*assembly
}

type assembly struct {
	parts map[int]string
	total int
	at    time.Time
}

func (l *smppLink) session(ctx context.Context) (*smpp.Session, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.sess != nil {
		select {
		case <-l.sess.Done():
			l.sess = nil
		default:
			return l.sess, nil
		}
	}
	el := time.Duration(l.cfg.EnquireLinkSeconds) * time.Second
	s, err := smpp.Dial(ctx, smpp.Config{Addr: l.cfg.Addr, SystemID: l.cfg.SystemID, Password: l.cfg.Password, SystemType: l.cfg.SystemType,
		Dial: l.dial, EnquireLink: el, OnDeliver: l.deliver, Logger: l.log})
	if err != nil {
		var se *smpp.StatusError
		if errors.As(err, &se) || egress.Denied(err) {
			return nil, err // wrong credentials do not heal by themselves
		}
		return nil, &TemporaryError{Err: err}
	}
	l.sess = s
	return s, nil
}

func (l *smppLink) close() {
	l.mu.Lock()
	s := l.sess
	l.sess = nil
	l.mu.Unlock()
	if s != nil {
		_ = s.Close()
	}
}

// Send implements Provider: one submit_sm per part, with a user data header
// on each part of a long message.
func (l *smppLink) Send(ctx context.Context, m Outgoing) ([]string, error) {
	coding, parts, err := Split(m.Text)
	if err != nil {
		return nil, err
	}
	s, err := l.session(ctx)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.ref++
	ref := l.ref
	l.mu.Unlock()
	var rd byte = 1
	if l.cfg.NoReceipts {
		rd = 0
	}
	ids := make([]string, 0, len(parts))
	for i, p := range parts {
		sm := &smpp.SM{SrcTON: l.cfg.SourceTON, SrcNPI: l.cfg.SourceNPI, Src: m.From, DstTON: l.cfg.DestTON, DstNPI: l.cfg.DestNPI, Dst: m.To,
			RegisteredDelivery: rd, DataCoding: byte(coding), Short: p}
		if len(parts) > 1 {
			sm.ESMClass |= smpp.ESMUDHI
			sm.Short = append(UDH(ref, len(parts), i+1), p...)
		}
		id, err := s.Submit(ctx, sm)
		if err != nil {
			var se *smpp.StatusError
			if errors.As(err, &se) && !se.Temporary() {
				return ids, fmt.Errorf("part %d of %d: %w", i+1, len(parts), err)
			}
			return ids, &TemporaryError{Err: fmt.Errorf("part %d of %d: %w", i+1, len(parts), err)}
		}
		ids = append(ids, id)
	}
	return ids, nil
}

var receiptRe = regexp.MustCompile(`(?i)\bid:(\S+).*\bstat:(\w+)(?:.*\berr:(\w+))?`)

// message_state values (SMPP 3.4 §5.2.28) as receipt stat words.
var messageStates = map[byte]string{1: "ENROUTE", 2: "DELIVRD", 3: "EXPIRED", 4: "DELETED", 5: "UNDELIV", 6: "ACCEPTD", 7: "UNKNOWN", 8: "REJECTD"}

// StatOutcome maps an SMPP receipt's stat word to an outcome.
func StatOutcome(stat string) string {
	switch strings.ToUpper(stat) {
	case "DELIVRD":
		return Delivered
	case "ENROUTE", "ACCEPTD", "UNKNOWN":
		return Buffered
	}
	return Failed // EXPIRED, DELETED, UNDELIV, REJECTD
}

// ParseReceipt reads an SMSC delivery receipt: the TLVs when present,
// otherwise the text ("id:... stat:... err:...").
func ParseReceipt(m *smpp.SM) (Receipt, error) {
	var id, stat, errCode string
	if v, ok := m.TLVs[smpp.TagReceiptedMessageID]; ok {
		id = strings.TrimRight(string(v), "\x00")
	}
	if v, ok := m.TLVs[smpp.TagMessageState]; ok && len(v) == 1 {
		stat = messageStates[v[0]]
	}
	if sm := receiptRe.FindStringSubmatch(string(m.Short)); sm != nil {
		if id == "" {
			id = sm[1]
		}
		if stat == "" {
			stat = sm[2]
		}
		errCode = sm[3]
	}
	if id == "" || stat == "" {
		return Receipt{}, fmt.Errorf("smpp receipt: no id or stat in %q", m.Short)
	}
	r := Receipt{ProviderMsgID: id, Outcome: StatOutcome(stat)}
	if r.Outcome == Failed {
		r.Error = strings.ToUpper(stat)
		if errCode != "" && errCode != "000" {
			r.Error += " err:" + errCode
		}
	}
	return r, nil
}

func (l *smppLink) deliver(m *smpp.SM) uint32 {
	if m.ESMClass&smpp.ESMDeliveryReceipt != 0 {
		r, err := ParseReceipt(m)
		if err != nil {
			l.log.Warn("smpp: unreadable receipt", "provider", l.key, "err", err)
			return smpp.StatusOK // acknowledged: resending would not make it readable
		}
		l.sink([]Receipt{r}, nil)
		return smpp.StatusOK
	}
	payload := m.Short
	ref, total, seq := 0, 0, 0
	if m.ESMClass&smpp.ESMUDHI != 0 {
		var err error
		ref, total, seq, payload, err = ParseUDH(m.Short)
		if err != nil {
			l.log.Warn("smpp: bad user data header", "provider", l.key, "err", err)
			return smpp.StatusInvMsgLen
		}
	}
	text, err := Decode(m.DataCoding, payload)
	if err != nil {
		l.log.Warn("smpp: undecodable message", "provider", l.key, "from", m.Src, "err", err)
		return smpp.StatusDeliverFail
	}
	if total > 1 {
		var done bool
		text, done = l.assemble(m.Src, ref, total, seq, text)
		if !done {
			return smpp.StatusOK
		}
	}
	l.sink(nil, &Inbound{From: m.Src, To: m.Dst, Text: text})
	return smpp.StatusOK
}

// assemble keeps the part and returns the whole text once every part came.
// Parts older than ten minutes are forgotten.
func (l *smppLink) assemble(from string, ref, total, seq int, text string) (string, bool) {
	l.amu.Lock()
	defer l.amu.Unlock()
	if l.asm == nil {
		l.asm = map[string]*assembly{}
	}
	now := time.Now()
	for k, a := range l.asm {
		if now.Sub(a.at) > 10*time.Minute {
			delete(l.asm, k)
		}
	}
	k := fmt.Sprintf("%s/%d/%d", from, ref, total)
	a := l.asm[k]
	if a == nil {
		a = &assembly{parts: map[int]string{}, total: total, at: now}
		l.asm[k] = a
	}
	a.parts[seq] = text
	if len(a.parts) < total {
		return "", false
	}
	delete(l.asm, k)
	var b strings.Builder
	for i := 1; i <= total; i++ {
		b.WriteString(a.parts[i])
	}
	return b.String(), true
}
