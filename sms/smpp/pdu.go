// Package smpp is a small SMPP 3.4 client (ESME side) and the PDU codec
// it needs: bind_transceiver, submit_sm, deliver_sm (delivery receipts and
// mobile-originated messages), enquire_link, unbind and generic_nack. No
// SMPP module is obtainable from the Go module proxy here
// (github.com/fiorix/go-smpp and github.com/linxGnu/gosmpp are refused),
// and the protocol subset a contact center needs is small.
//
// Texts are carried as bytes: encoding (GSM 7-bit, UCS-2) and long-message
// headers are the caller's (package sms).
package smpp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Command ids (SMPP 3.4 §5.1.2.1).
const (
	GenericNack         uint32 = 0x80000000
	BindTransceiver     uint32 = 0x00000009
	BindTransceiverResp uint32 = 0x80000009
	SubmitSM            uint32 = 0x00000004
	SubmitSMResp        uint32 = 0x80000004
	DeliverSM           uint32 = 0x00000005
	DeliverSMResp       uint32 = 0x80000005
	Unbind              uint32 = 0x00000006
	UnbindResp          uint32 = 0x80000006
	EnquireLink         uint32 = 0x00000015
	EnquireLinkResp     uint32 = 0x80000015
)

// Command status values used here (§5.1.3).
const (
	StatusOK          uint32 = 0x00000000
	StatusInvMsgLen   uint32 = 0x00000001
	StatusInvCmdLen   uint32 = 0x00000002
	StatusInvCmdID    uint32 = 0x00000003
	StatusInvBnd      uint32 = 0x00000004
	StatusAlyBnd      uint32 = 0x00000005
	StatusSysErr      uint32 = 0x00000008
	StatusInvDstAdr   uint32 = 0x0000000B
	StatusBindFail    uint32 = 0x0000000D
	StatusInvPaswd    uint32 = 0x0000000E
	StatusInvSysID    uint32 = 0x0000000F
	StatusMsgQFul     uint32 = 0x00000014
	StatusSubmitFail  uint32 = 0x00000045
	StatusThrottled   uint32 = 0x00000058
	StatusDeliverFail uint32 = 0x000000FE
)

// ESM class bits.
const (
	ESMDeliveryReceipt byte = 0x04 // deliver_sm carries an SMSC delivery receipt
	ESMUDHI            byte = 0x40 // short_message starts with a user data header
)

// TLV tags used here.
const (
	TagReceiptedMessageID uint16 = 0x001E
	TagMessageState       uint16 = 0x0427
)

// MaxPDU bounds a PDU's length; longer ones are refused as garbage.
const MaxPDU = 64 * 1024

// PDU is one protocol data unit: a 16-octet header and the body.
type PDU struct {
	ID     uint32
	Status uint32
	Seq    uint32
	Body   []byte
}

// Bytes is the PDU on the wire.
func (p PDU) Bytes() []byte {
	b := make([]byte, 16+len(p.Body))
	binary.BigEndian.PutUint32(b[0:], uint32(len(b)))
	binary.BigEndian.PutUint32(b[4:], p.ID)
	binary.BigEndian.PutUint32(b[8:], p.Status)
	binary.BigEndian.PutUint32(b[12:], p.Seq)
	copy(b[16:], p.Body)
	return b
}

// ReadPDU reads one PDU.
func ReadPDU(r io.Reader) (PDU, error) {
	var h [16]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return PDU{}, err
	}
	n := binary.BigEndian.Uint32(h[0:])
	if n < 16 || n > MaxPDU {
		return PDU{}, fmt.Errorf("smpp: command_length %d out of range 16..%d", n, MaxPDU)
	}
	p := PDU{ID: binary.BigEndian.Uint32(h[4:]), Status: binary.BigEndian.Uint32(h[8:]), Seq: binary.BigEndian.Uint32(h[12:]), Body: make([]byte, n-16)}
	if _, err := io.ReadFull(r, p.Body); err != nil {
		return PDU{}, fmt.Errorf("smpp: body of command 0x%08x: %w", p.ID, err)
	}
	return p, nil
}

// reader takes the fields of a body in order.
type reader struct {
	b    []byte
	what string
	err  error
}

func (r *reader) cstring(field string, max int) string {
	if r.err != nil {
		return ""
	}
	i := bytes.IndexByte(r.b, 0)
	if i < 0 {
		r.err = fmt.Errorf("smpp: %s.%s: no terminating NUL", r.what, field)
		return ""
	}
	if i+1 > max {
		r.err = fmt.Errorf("smpp: %s.%s: %d octets, at most %d", r.what, field, i+1, max)
		return ""
	}
	s := string(r.b[:i])
	r.b = r.b[i+1:]
	return s
}

func (r *reader) byte1(field string) byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) < 1 {
		r.err = fmt.Errorf("smpp: %s.%s: body too short", r.what, field)
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) bytesN(field string, n int) []byte {
	if r.err != nil {
		return nil
	}
	if len(r.b) < n {
		r.err = fmt.Errorf("smpp: %s.%s: %d octets announced, %d left", r.what, field, n, len(r.b))
		return nil
	}
	v := append([]byte(nil), r.b[:n]...)
	r.b = r.b[n:]
	return v
}

func (r *reader) tlvs() map[uint16][]byte {
	if r.err != nil || len(r.b) == 0 {
		return nil
	}
	m := map[uint16][]byte{}
	for len(r.b) > 0 {
		if len(r.b) < 4 {
			r.err = fmt.Errorf("smpp: %s: truncated TLV", r.what)
			return nil
		}
		tag, l := binary.BigEndian.Uint16(r.b), int(binary.BigEndian.Uint16(r.b[2:]))
		if 4+l > len(r.b) {
			r.err = fmt.Errorf("smpp: %s: TLV 0x%04x overruns the body", r.what, tag)
			return nil
		}
		m[tag] = append([]byte(nil), r.b[4:4+l]...)
		r.b = r.b[4+l:]
	}
	return m
}

func putC(b *bytes.Buffer, s string) { b.WriteString(s); b.WriteByte(0) }

// Bind is the body of a bind request.
type Bind struct {
	SystemID, Password, SystemType string
	Version                        byte
	TON, NPI                       byte
	AddressRange                   string
}

// Marshal encodes the bind body; fields longer than the protocol allows
// are an error.
func (b Bind) Marshal() ([]byte, error) {
	switch {
	case len(b.SystemID) > 15:
		return nil, fmt.Errorf("smpp: system_id %q longer than 15 characters", b.SystemID)
	case len(b.Password) > 8:
		return nil, errors.New("smpp: password longer than 8 characters")
	case len(b.SystemType) > 12:
		return nil, fmt.Errorf("smpp: system_type %q longer than 12 characters", b.SystemType)
	}
	var w bytes.Buffer
	putC(&w, b.SystemID)
	putC(&w, b.Password)
	putC(&w, b.SystemType)
	w.WriteByte(b.Version)
	w.WriteByte(b.TON)
	w.WriteByte(b.NPI)
	putC(&w, b.AddressRange)
	return w.Bytes(), nil
}

// UnmarshalBind decodes a bind body.
func UnmarshalBind(body []byte) (Bind, error) {
	r := &reader{b: body, what: "bind"}
	b := Bind{SystemID: r.cstring("system_id", 16), Password: r.cstring("password", 9), SystemType: r.cstring("system_type", 13),
		Version: r.byte1("interface_version"), TON: r.byte1("addr_ton"), NPI: r.byte1("addr_npi"), AddressRange: r.cstring("address_range", 41)}
	return b, r.err
}

// SM is the body of submit_sm and deliver_sm (the same fields).
type SM struct {
	ServiceType        string
	SrcTON, SrcNPI     byte
	Src                string
	DstTON, DstNPI     byte
	Dst                string
	ESMClass           byte
	ProtocolID         byte
	Priority           byte
	Schedule, Validity string
	RegisteredDelivery byte
	ReplaceIfPresent   byte
	DataCoding         byte
	DefaultMsgID       byte
	Short              []byte
	TLVs               map[uint16][]byte
}

// Marshal encodes the body.
func (m *SM) Marshal() ([]byte, error) {
	if len(m.Short) > 254 {
		return nil, fmt.Errorf("smpp: short_message of %d octets, at most 254", len(m.Short))
	}
	if len(m.Src) > 20 || len(m.Dst) > 20 {
		return nil, fmt.Errorf("smpp: address %q/%q longer than 20 characters", m.Src, m.Dst)
	}
	var w bytes.Buffer
	putC(&w, m.ServiceType)
	w.WriteByte(m.SrcTON)
	w.WriteByte(m.SrcNPI)
	putC(&w, m.Src)
	w.WriteByte(m.DstTON)
	w.WriteByte(m.DstNPI)
	putC(&w, m.Dst)
	w.WriteByte(m.ESMClass)
	w.WriteByte(m.ProtocolID)
	w.WriteByte(m.Priority)
	putC(&w, m.Schedule)
	putC(&w, m.Validity)
	w.WriteByte(m.RegisteredDelivery)
	w.WriteByte(m.ReplaceIfPresent)
	w.WriteByte(m.DataCoding)
	w.WriteByte(m.DefaultMsgID)
	w.WriteByte(byte(len(m.Short)))
	w.Write(m.Short)
	for tag, v := range m.TLVs {
		var h [4]byte
		binary.BigEndian.PutUint16(h[:], tag)
		binary.BigEndian.PutUint16(h[2:], uint16(len(v)))
		w.Write(h[:])
		w.Write(v)
	}
	return w.Bytes(), nil
}

// UnmarshalSM decodes a submit_sm or deliver_sm body.
func UnmarshalSM(body []byte) (*SM, error) {
	r := &reader{b: body, what: "sm"}
	m := &SM{}
	m.ServiceType = r.cstring("service_type", 6)
	m.SrcTON, m.SrcNPI = r.byte1("source_addr_ton"), r.byte1("source_addr_npi")
	m.Src = r.cstring("source_addr", 21)
	m.DstTON, m.DstNPI = r.byte1("dest_addr_ton"), r.byte1("dest_addr_npi")
	m.Dst = r.cstring("destination_addr", 21)
	m.ESMClass, m.ProtocolID, m.Priority = r.byte1("esm_class"), r.byte1("protocol_id"), r.byte1("priority_flag")
	m.Schedule = r.cstring("schedule_delivery_time", 17)
	m.Validity = r.cstring("validity_period", 17)
	m.RegisteredDelivery, m.ReplaceIfPresent = r.byte1("registered_delivery"), r.byte1("replace_if_present_flag")
	m.DataCoding, m.DefaultMsgID = r.byte1("data_coding"), r.byte1("sm_default_msg_id")
	n := r.byte1("sm_length")
	m.Short = r.bytesN("short_message", int(n))
	m.TLVs = r.tlvs()
	return m, r.err
}

// CString encodes a body holding one C-octet string (the *_resp bodies).
func CString(s string) []byte { return append([]byte(s), 0) }

// ReadCString decodes a body starting with a C-octet string; an empty body
// (allowed for error responses) reads as "".
func ReadCString(body []byte, what string) (string, error) {
	if len(body) == 0 {
		return "", nil
	}
	r := &reader{b: body, what: what}
	s := r.cstring("id", 66)
	return s, r.err
}

// StatusError is a response with a non-zero command_status.
type StatusError struct {
	Command uint32
	Status  uint32
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("smpp: command 0x%08x refused with status 0x%08x (%s)", e.Command, e.Status, StatusName(e.Status))
}

// Temporary reports whether sending again later may succeed.
func (e *StatusError) Temporary() bool {
	switch e.Status {
	case StatusThrottled, StatusMsgQFul, StatusSysErr:
		return true
	}
	return false
}

// StatusName names the status codes this package knows.
func StatusName(s uint32) string {
	switch s {
	case StatusOK:
		return "ESME_ROK"
	case StatusInvMsgLen:
		return "ESME_RINVMSGLEN"
	case StatusInvCmdLen:
		return "ESME_RINVCMDLEN"
	case StatusInvCmdID:
		return "ESME_RINVCMDID"
	case StatusInvBnd:
		return "ESME_RINVBNDSTS"
	case StatusAlyBnd:
		return "ESME_RALYBND"
	case StatusSysErr:
		return "ESME_RSYSERR"
	case StatusInvDstAdr:
		return "ESME_RINVDSTADR"
	case StatusBindFail:
		return "ESME_RBINDFAIL"
	case StatusInvPaswd:
		return "ESME_RINVPASWD"
	case StatusInvSysID:
		return "ESME_RINVSYSID"
	case StatusMsgQFul:
		return "ESME_RMSGQFUL"
	case StatusSubmitFail:
		return "ESME_RSUBMITFAIL"
	case StatusThrottled:
		return "ESME_RTHROTTLED"
	case StatusDeliverFail:
		return "ESME_RDELIVERYFAILURE"
	}
	return "unknown"
}
