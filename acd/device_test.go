package acd

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestCleanDevice(t *testing.T) {
	good := map[string]string{
		"1001": "1001", " 1001 ": "1001", "ext:1001": "1001", "sip:agent.zhang": "agent.zhang", "*97": "*97",
		"tel:+8613800138000": "tel:+8613800138000", "mobile:13800138000": "tel:13800138000",
		"raw:sofia/gateway/gw1/13900000000": "raw:sofia/gateway/gw1/13900000000", "raw:Local/1001@agents": "raw:Local/1001@agents",
	}
	for in, want := range good {
		if got, err := CleanDevice(in); err != nil || got != want {
			t.Errorf("CleanDevice(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "1001\r\nX-Header: evil", "1001/sip:evil@example.com", "1001@other", "1001&PJSIP/1002", "10,01",
		"10 01", ".1001", "-1", "sip:", "tel:12a", "tel:", "mobile:+", "fax:1001", "raw:", "raw:a b", "raw:a\x00", "1001\x00",
		strings.Repeat("1", 65), "raw:" + strings.Repeat("x", 200), "分机"} {
		if got, err := CleanDevice(in); err == nil {
			t.Errorf("CleanDevice(%q) accepted as %q", in, got)
		} else {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != "device" {
				t.Errorf("CleanDevice(%q): %v is not a device field error", in, err)
			}
		}
	}
}

// A device another logged-in agent is on is refused, under any of its
// names; once that agent logs out it is free again.
func TestLoginRefusesADeviceInUse(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q"}, "ann", "bob", "cid")
	e, ctx := h.e, context.Background()
	if err := e.Login(ctx, LoginRequest{AgentID: "ann", Device: "1001"}); err != nil {
		t.Fatal(err)
	}
	for _, dev := range []string{"1001", "sip:1001", "ext:1001"} {
		err := e.Login(ctx, LoginRequest{AgentID: "bob", Device: dev})
		var inUse *DeviceInUseError
		if !errors.Is(err, ErrDeviceInUse) || !errors.As(err, &inUse) || inUse.AgentID != "ann" {
			t.Fatalf("bob on %s: %v", dev, err)
		}
	}
	if err := e.Login(ctx, LoginRequest{AgentID: "bob", Device: "1002"}); err != nil {
		t.Fatalf("bob on his own device: %v", err)
	}
	if err := e.Logout(ctx, "ann"); err != nil {
		t.Fatal(err)
	}
	if err := e.Login(ctx, LoginRequest{AgentID: "cid", Device: "1001"}); err != nil {
		t.Fatalf("the device after ann left: %v", err)
	}
}
