package freeswitch

import (
	"bytes"
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/sim"
)

// hookProxy relays TCP to a server and, once, runs a hook before it passes
// on the first command that contains a marker: a test can make something
// happen on the switch between two commands of one driver call.
type hookProxy struct {
	ln     net.Listener
	mu     sync.Mutex
	marker []byte
	hook   func()
}

func newHookProxy(t *testing.T, target string) *hookProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &hookProxy{ln: ln}
	var conns []net.Conn
	var cmu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			cmu.Lock()
			conns = append(conns, c, u)
			cmu.Unlock()
			go func() { _, _ = io.Copy(c, u); c.Close() }()
			go func() {
				defer u.Close()
				buf := make([]byte, 64<<10)
				for {
					n, err := c.Read(buf)
					if n > 0 {
						p.maybeHook(buf[:n])
						if _, werr := u.Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		cmu.Lock()
		for _, c := range conns {
			c.Close()
		}
		cmu.Unlock()
	})
	return p
}

func (p *hookProxy) set(marker string, hook func()) {
	p.mu.Lock()
	p.marker, p.hook = []byte(marker), hook
	p.mu.Unlock()
}

func (p *hookProxy) maybeHook(b []byte) {
	p.mu.Lock()
	var hook func()
	if p.hook != nil && bytes.Contains(b, p.marker) {
		hook, p.hook = p.hook, nil
	}
	p.mu.Unlock()
	if hook != nil {
		hook()
	}
}

// The agent leaves at the moment ipcc hands the caller back to the
// dialplan: park_after_bridge parks the caller just before the transfer
// takes it. That park must not make the caller a new call (it once came
// back to ipcc as one: its ownership mark had been cleared by a uuid_setvar
// sent ahead of the transfer, so the park looked like a fresh arrival).
func TestSimTransferRacingParkAfterBridge(t *testing.T) {
	s := startSimWith(t, func(o *sim.Options) {})
	if err := s.DefineEndpoint(sim.EndpointSpec{Number: "1001", AnswerAfter: 10 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	p := newHookProxy(t, s.ESLAddr())
	d, _ := startDriver(t, p.ln.Addr().String(), func(c *Config) {
		c.CommandTimeout = 2 * time.Second
		c.ListingLag = 2 * sim.DefaultShowLag
	})
	ctx := context.Background()
	waitFor(t, d, "connected", isType(controller.EventSwitchConnected, ""))
	id, err := s.PlaceCall(sim.CallSpec{From: "15551230001", To: "4000"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "call arrived", isType(controller.EventCallArrived, id))
	if err := d.Answer(ctx, id); err != nil {
		t.Fatal(err)
	}
	agent := "a0000000-0000-4000-8000-0000000000ae"
	if err := d.Originate(ctx, controller.Originate{LegID: agent, Endpoint: controller.Endpoint{Kind: controller.EndpointExtension, Number: "1001"}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "agent answered", isType(controller.EventAnswered, agent))
	if err := d.Bridge(ctx, id, agent); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "bridged", isType(controller.EventBridged, id))
	eventually(t, "the caller is marked as ipcc's", func() bool {
		c, err := s.Call(id)
		return err == nil && c.Vars["ipcc_owned"] == id
	})
	p.set("uuid_transfer "+id, func() {
		_ = s.HangupCall(agent) // the caller parks: park_after_bridge
		// (On the proxy's goroutine: no t.Fatal here; the test fails
		// below if the race was not set up.)
		for end := time.Now().Add(2 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
			if c, err := s.Call(id); err == nil && c.Bridge == "" && c.Vars["current_application"] == "park" {
				return
			}
		}
	})
	if err := d.Transfer(ctx, id, controller.DialplanTarget{Extension: "9999", Context: "default"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(500 * time.Millisecond)
	for {
		select {
		case ev := <-d.Events():
			if ev.Type == controller.EventCallArrived && ev.Leg == id {
				t.Fatalf("the transferred caller came back as a new call: %+v", ev)
			}
		case <-deadline:
			c, err := s.Call(id)
			if err != nil || c.Vars["current_application"] != "transfer" || c.DNIS != "9999" {
				t.Fatalf("the caller did not reach the dialplan: %+v %v", c, err)
			}
			return
		}
	}
}
