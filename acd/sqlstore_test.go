package acd

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/ipcc/ipcc/clock"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// lockedBuffer collects log output written from the engine's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A corrupt queues_off in one agent's row loses neither that agent nor the
// tenant's others after a restart: the row is logged and the agent is
// logged in to all its queues.
func TestCorruptQueuesOffLoadsTheOtherAgents(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for _, q := range []string{"sales", "vip"} {
			row, err := QueueRow("t1", QueueConfig{ID: q, Name: q, Strategy: LongestIdle})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.CreateACDQueue(ctx, row); err != nil {
				t.Fatal(err)
			}
			for _, a := range []string{"a", "b", "c"} {
				if err := s.PutACDMember(ctx, &store.ACDMember{TenantID: "t1", QueueID: q, AgentID: a, Level: 1}); err != nil {
					t.Fatal(err)
				}
			}
		}
		clk := clock.NewFake(t0)
		opt := Options{Tenant: "t1", Clock: clk, Sink: &recorder{}, Store: SQLStore{S: s}, Logger: quiet, Seed: 1}
		e1, err := New(opt)
		if err != nil {
			t.Fatal(err)
		}
		if err := e1.Restore(ctx); err != nil {
			t.Fatal(err)
		}
		for _, a := range []string{"a", "b", "c"} {
			if err := e1.Login(ctx, LoginRequest{AgentID: a, Device: "10" + a}); err != nil {
				t.Fatal(err)
			}
			if err := e1.QueueLogout(ctx, a, "vip"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e1.NotReady(ctx, "b", ReasonBreak); err != nil {
			t.Fatal(err)
		}
		if err := e1.Close(); err != nil {
			t.Fatal(err)
		}
		for _, bad := range []struct{ agent, queuesOff string }{{"a", `["vip"`}, {"b", `{"vip":true}`}} {
			if _, err := s.DB().ExecContext(ctx, s.Rebind(`UPDATE acd_agent_state SET queues_off = ? WHERE tenant_id = ? AND agent_id = ?`), bad.queuesOff, "t1", bad.agent); err != nil {
				t.Fatal(err)
			}
		}

		logs := &lockedBuffer{}
		rec2 := &recorder{}
		opt.Sink, opt.Store = rec2, SQLStore{S: s, Log: slog.New(slog.NewTextHandler(logs, nil))}
		e2, err := New(opt)
		if err != nil {
			t.Fatal(err)
		}
		defer e2.Close()
		if err := e2.Restore(ctx); err != nil {
			t.Fatalf("one bad row failed the tenant: %v", err)
		}
		h := &harness{t: t, clk: clk, e: e2, rec: rec2, ctx: ctx}
		for _, tc := range []struct {
			agent  string
			state  State
			reason string
			queues map[string]bool
		}{
			{"a", Available, "", map[string]bool{"sales": true, "vip": true}},
			{"b", NotReady, ReasonBreak, map[string]bool{"sales": true, "vip": true}},
			{"c", Available, "", map[string]bool{"sales": true, "vip": false}},
		} {
			h.wantState(tc.agent, tc.state, tc.reason)
			if got := h.queueLogins(tc.agent); !mapsEqual(got, tc.queues) {
				t.Errorf("%s after restart: %v, want %v", tc.agent, got, tc.queues)
			}
		}
		out := logs.String()
		for _, a := range []string{"a", "b"} {
			if !strings.Contains(out, "tenant=t1 agent="+a+" ") {
				t.Errorf("bad row of %s not logged with tenant and agent:\n%s", a, out)
			}
		}
		if strings.Contains(out, "agent=c ") {
			t.Errorf("good row logged:\n%s", out)
		}
	})
}
