package controller

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCleanText(t *testing.T) {
	tests := []struct {
		name, in string
		max      int
		want     string
	}{
		{"a plain number is kept", "13800138000", 128, "13800138000"},
		{"a SIP caller with a domain is kept", "+8613800138000@carrier.example", 128, "+8613800138000@carrier.example"},
		{"Chinese names are kept", "张三", 128, "张三"},
		{"NUL is dropped", "1380013\x008000", 128, "13800138000"},
		{"CR LF and tab are dropped", "Bob\r\nX-Evil: 1\t", 128, "BobX-Evil: 1"},
		{"escape sequences lose their ESC", "\x1b[2Jname", 128, "[2Jname"},
		{"DEL and C1 controls are dropped", "a\x7fb\u0085c", 128, "abc"},
		{"invalid UTF-8 becomes U+FFFD", "Zh\xe5ng", 128, "Zh\uFFFDng"},
		{"long text is cut in runes", strings.Repeat("号", 10), 4, "号号号号"},
		{"long ASCII is cut", "123456", 4, "1234"},
		{"empty stays empty", "", 4, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CleanText(tt.in, tt.max); got != tt.want {
				t.Errorf("CleanText(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
		})
	}
}

// The call the handler sees carries clean caller data, whatever the driver
// reported; the driver's own map is left alone.
func TestArrivedCallerDataIsCleaned(t *testing.T) {
	h := newHarness(t, nil)
	vars := map[string]string{"ipcc_trunk": "e1\x00", "bad\nname": "v", "\x00": "dropped", "ok": "fine"}
	h.sw.emit(Event{Type: EventCallArrived, Leg: "in-1", ANI: "139\x00" + strings.Repeat("9", 200), ANIName: "A\xffB\r\n", DNIS: "40\r\n01", Vars: vars})
	var c *Call
	select {
	case c = <-h.calls:
	case <-time.After(5 * time.Second):
		t.Fatal("no call")
	}
	if c.ANI() != "139"+strings.Repeat("9", MaxNumberLen-3) || c.ANIName() != "A\uFFFDB" || c.DNIS() != "4001" {
		t.Errorf("ani %q name %q dnis %q", c.ANI(), c.ANIName(), c.DNIS())
	}
	got := c.Vars()
	if len(got) != 3 || got["ipcc_trunk"] != "e1" || got["badname"] != "v" || got["ok"] != "fine" {
		t.Errorf("vars %q", got)
	}
	if vars["ipcc_trunk"] != "e1\x00" {
		t.Errorf("the driver's map was changed: %q", vars)
	}
}

// A dial string is built from an endpoint only when its parts cannot change
// what is dialled: an extension or number with control characters, '/',
// '@', '&', ',' or spaces never reaches the switch (PJSIP/<number>,
// user/<number>), whatever code built the endpoint.
func TestOriginateRefusesUnsafeEndpoints(t *testing.T) {
	bad := []Endpoint{
		{Kind: EndpointExtension, Number: "1001\r\nX-Evil: 1"},
		{Kind: EndpointExtension, Number: "1001/sip:x@evil.example"},
		{Kind: EndpointExtension, Number: "1001@other-endpoint"},
		{Kind: EndpointExtension, Number: "1001&PJSIP/1002"},
		{Kind: EndpointExtension, Number: "1001,1002"},
		{Kind: EndpointExtension, Number: "10 01"},
		{Kind: EndpointExtension, Number: ""},
		{Kind: EndpointExternal, Number: "13800138000", Trunk: "gw1/../x"},
		{Kind: EndpointExternal, Number: "138\x00", Trunk: "gw1"},
		{Kind: EndpointRaw, Number: "loopback/1001\r\n"},
		{Kind: EndpointRaw, Number: "a b"},
		{Kind: 99, Number: "1001"},
	}
	for _, ep := range bad {
		if err := CheckEndpoint(ep); err == nil {
			t.Errorf("CheckEndpoint(%+v) accepted", ep)
		}
	}
	for _, ep := range []Endpoint{{Kind: EndpointExtension, Number: "1001"}, {Kind: EndpointExtension, Number: "agent.zhang"}, {Kind: EndpointExtension, Number: "*97"},
		{Kind: EndpointExternal, Number: "+8613800138000", Trunk: "unicom-e1"}, {Kind: EndpointRaw, Number: "sofia/gateway/gw1/13900000000"}, {Kind: EndpointRaw, Number: "Local/1001@agents"}} {
		if err := CheckEndpoint(ep); err != nil {
			t.Errorf("CheckEndpoint(%+v): %v", ep, err)
		}
	}

	out := make(chan error, 1)
	h := newHarness(t, func(ctx context.Context, c *Call) {
		_, err := c.StartOriginate(ctx, Endpoint{Kind: EndpointExtension, Number: "1001\r\nX-Evil: 1"}, OriginateOptions{})
		out <- err
		<-ctx.Done()
	})
	c := h.arrive("leg-a")
	err := <-out
	if !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("originate to a CR LF extension: %v", err)
	}
	for _, cmd := range h.sw.commands() {
		if strings.HasPrefix(cmd, "originate") {
			t.Fatalf("the switch was asked to %q", cmd)
		}
	}
	found := false
	for _, e := range c.Trace() {
		found = found || (e.Kind == "originate" && strings.Contains(e.Detail, "refused"))
	}
	if !found {
		t.Fatalf("the call's trace does not say why: %+v", c.Trace())
	}
}
