package controller

import (
	"context"
	"sync"
	"testing"

	"github.com/ipcc/ipcc/sites"
)

// With sites, an extension registered on another switch is dialled through
// the trunk from the call's switch (prefix first) and the trace says so; an
// extension of no site, a number and a raw dial string go out as given.
func TestOriginatePlacesExtensionsBySite(t *testing.T) {
	m, err := sites.New([]sites.Switch{
		{Name: "fs1", Devices: []string{"1*"}, Trunks: []sites.Trunk{{To: "ast1", Gateway: "to-ast1", Prefix: "88"}}},
		{Name: "ast1", Site: "shanghai", Devices: []string{"2*"}, Trunks: []sites.Trunk{{To: "fs1", Gateway: "to-fs1"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var sent []Endpoint
	done := make(chan *Call, 1)
	h := newHarness(t, func(ctx context.Context, c *Call) {
		for _, ep := range []Endpoint{
			{Kind: EndpointExtension, Number: "2001"},
			{Kind: EndpointExtension, Number: "1001"},
			{Kind: EndpointExtension, Number: "3001"},
			{Kind: EndpointExternal, Number: "2002", Trunk: "carrier"},
			{Kind: EndpointRaw, Number: "loopback/2003"},
		} {
			if _, err := c.StartOriginate(ctx, ep, OriginateOptions{}); err != nil {
				t.Errorf("originate %+v: %v", ep, err)
			}
		}
		done <- c
		select {
		case <-c.Done():
		case <-ctx.Done():
		}
	}, func(o *Options) { o.Sites = m })
	h.sw.onOriginate = func(o Originate) {
		mu.Lock()
		sent = append(sent, o.Endpoint)
		mu.Unlock()
	}
	h.arrive("leg-a")
	c := <-done
	mu.Lock()
	defer mu.Unlock()
	want := []Endpoint{
		{Kind: EndpointExternal, Number: "882001", Trunk: "to-ast1"},
		{Kind: EndpointExtension, Number: "1001"},
		{Kind: EndpointExtension, Number: "3001"},
		{Kind: EndpointExternal, Number: "2002", Trunk: "carrier"},
		{Kind: EndpointRaw, Number: "loopback/2003"},
	}
	if len(sent) != len(want) {
		t.Fatalf("sent %+v", sent)
	}
	for i := range want {
		if sent[i] != want[i] {
			t.Errorf("originate %d: %+v, want %+v", i, sent[i], want[i])
		}
	}
	if !traceHas(c, "phone 2001 is on switch ast1 (site shanghai): dialled from fs1 through trunk to-ast1 as 882001") {
		t.Errorf("trace: %+v", c.Trace())
	}
	// The home of a phone counts only for a switch the controller drives.
	if sw, ok := h.ctl.HomeSwitch("1001"); !ok || sw != "fs1" {
		t.Errorf("home of 1001: %q %v", sw, ok)
	}
	if sw, ok := h.ctl.HomeSwitch("2001"); ok {
		t.Errorf("home of 2001 on a switch not added: %q", sw)
	}
}
