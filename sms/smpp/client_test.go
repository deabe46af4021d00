package smpp_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipcc/ipcc/sms/smpp"
	"github.com/ipcc/ipcc/sms/smpp/smpptest"
)

// A bound session submits, gets the SMSC's id, receives the receipt and a
// mobile-originated message, keeps the link alive and unbinds.
func TestSessionAgainstLocalSMSC(t *testing.T) {
	srv := smpptest.Start(t, "ipcc", "secret")
	var mu sync.Mutex
	var got []*smpp.SM
	s, err := smpp.Dial(context.Background(), smpp.Config{Addr: srv.Addr(), SystemID: "ipcc", Password: "secret", EnquireLink: 20 * time.Millisecond,
		OnDeliver: func(m *smpp.SM) uint32 { mu.Lock(); got = append(got, m); mu.Unlock(); return smpp.StatusOK }})
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.Submit(context.Background(), &smpp.SM{Src: "10086", Dst: "13800000000", RegisteredDelivery: 1, Short: []byte("hi")})
	if err != nil || id != "M1" {
		t.Fatalf("submit: %q %v", id, err)
	}
	if err := srv.Deliver(&smpp.SM{Src: "13800000000", Dst: "10086", Short: []byte("STOP")}); err != nil {
		t.Fatal(err)
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(got) }
	if !smpptest.Wait(context.Background(), 2*time.Second, func() bool { return count() == 2 && srv.EnquireLinks() >= 2 }) {
		t.Fatalf("delivered %d, enquire_link %d", count(), srv.EnquireLinks())
	}
	mu.Lock()
	var receipt, mo *smpp.SM
	for _, m := range got {
		if m.ESMClass&smpp.ESMDeliveryReceipt != 0 {
			receipt = m
		} else {
			mo = m
		}
	}
	mu.Unlock()
	if receipt == nil || !strings.Contains(string(receipt.Short), "id:M1 ") || !strings.Contains(string(receipt.Short), "stat:DELIVRD") {
		t.Fatalf("receipt %+v", receipt)
	}
	if mo == nil || string(mo.Short) != "STOP" || mo.Src != "13800000000" {
		t.Fatalf("mo %+v", mo)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !smpptest.Wait(context.Background(), time.Second, func() bool { return srv.Bound() == 0 }) {
		t.Fatal("still bound after unbind")
	}
}

func TestBindRefusedAndSubmitRefused(t *testing.T) {
	srv := smpptest.Start(t, "ipcc", "secret")
	_, err := smpp.Dial(context.Background(), smpp.Config{Addr: srv.Addr(), SystemID: "ipcc", Password: "wrong"})
	var se *smpp.StatusError
	if !errors.As(err, &se) || se.Status != smpp.StatusInvPaswd {
		t.Fatalf("bad password: %v", err)
	}
	srv.Refuse = func(*smpp.SM) uint32 { return smpp.StatusThrottled }
	s, err := smpp.Dial(context.Background(), smpp.Config{Addr: srv.Addr(), SystemID: "ipcc", Password: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.Submit(context.Background(), &smpp.SM{Dst: "1", Short: []byte("x")})
	if !errors.As(err, &se) || !se.Temporary() {
		t.Fatalf("throttled: %v", err)
	}
	if _, err := s.Submit(context.Background(), &smpp.SM{Dst: "1", Short: make([]byte, 255)}); err == nil || !strings.Contains(err.Error(), "254") {
		t.Fatalf("too long: %v", err)
	}
	srv.DropAll()
	select {
	case <-s.Done():
	case <-time.After(2 * time.Second):
		t.Fatal("session not ended when the SMSC dropped it")
	}
}

func TestReadPDURejectsGarbage(t *testing.T) {
	_, err := smpp.ReadPDU(strings.NewReader("\x00\x00\x00\x05xxxxxxxxxxxx"))
	if err == nil || !strings.Contains(err.Error(), "command_length 5") {
		t.Fatalf("%v", err)
	}
	if _, err := smpp.UnmarshalSM([]byte("abc")); err == nil || !strings.Contains(err.Error(), "service_type") {
		t.Fatalf("%v", err)
	}
}
