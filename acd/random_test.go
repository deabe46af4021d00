package acd

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"
)

// checkInvariants verifies the engine's internal consistency: availability
// sets, offers, counters and the "no waiting call next to an available
// member" invariant. It runs on the engine goroutine.
func checkInvariants(c *core) error {
	for id, q := range c.queues {
		if len(q.waiting) > 0 && q.idx.count() > 0 {
			return fmt.Errorf("queue %s has %d waiting calls and %d available members", id, len(q.waiting), q.idx.count())
		}
		li, nr, br, off := 0, 0, 0, 0
		for _, m := range q.members {
			if m.off {
				if m.inSet {
					return fmt.Errorf("agent %s in %s: in set while logged out of the queue", m.a.id, id)
				}
				continue
			}
			if m.a.st.State != LoggedOut {
				li++
			}
			if m.a.st.State == NotReady {
				nr++
			}
			if m.a.onBreak {
				br++
			}
			if m.inSet != (m.a.st.State == Available) {
				return fmt.Errorf("agent %s in %s: in set %v, state %s", m.a.id, id, m.inSet, m.a.st.State)
			}
		}
		for _, e := range c.calls {
			if e.q == q && len(e.offers) > 0 && e.agent == nil {
				off++
			}
		}
		if li != q.loggedIn || nr != q.notReady || br != q.onBreak || off != q.offering {
			return fmt.Errorf("queue %s counters logged-in %d/%d not-ready %d/%d break %d/%d offering %d/%d", id, q.loggedIn, li, q.notReady, nr, q.onBreak, br, q.offering, off)
		}
		for i, e := range q.waiting {
			if e.heapIdx != i || len(e.offers) > 0 || c.calls[e.callID] != e {
				return fmt.Errorf("queue %s: bad waiting entry %s", id, e.callID)
			}
		}
	}
	for _, a := range c.agents {
		if (a.offer != nil) != (a.st.State == Ringing) {
			return fmt.Errorf("agent %s: offer %v in state %s", a.id, a.offer != nil, a.st.State)
		}
		if a.offer != nil && c.offers[a.offer.id] != a.offer {
			return fmt.Errorf("agent %s: offer %d not live", a.id, a.offer.id)
		}
		if (a.call != nil) != (a.st.State == OnCall) {
			return fmt.Errorf("agent %s: call %v in state %s", a.id, a.call != nil, a.st.State)
		}
	}
	for id, o := range c.offers {
		if o.a.offer != o {
			return fmt.Errorf("offer %d: agent %s holds another offer", id, o.a.id)
		}
	}
	return nil
}

// offerModel follows the effects and fails on a double offer.
type offerModel struct {
	t          *testing.T
	live       map[uint64]Offer
	agentOffer map[string]uint64
	agentCall  map[string]string
	callOffers map[string]map[uint64]bool
	connected  map[string]string // call → agent
	offers     int
	ringAll    int
}

func newOfferModel(t *testing.T) *offerModel {
	return &offerModel{t: t, live: map[uint64]Offer{}, agentOffer: map[string]uint64{}, agentCall: map[string]string{},
		callOffers: map[string]map[uint64]bool{}, connected: map[string]string{}}
}

func (m *offerModel) drop(id uint64) {
	o, ok := m.live[id]
	if !ok {
		return
	}
	delete(m.live, id)
	delete(m.agentOffer, o.AgentID)
	delete(m.callOffers[o.CallID], id)
}

func (m *offerModel) apply(es []Effect) {
	m.t.Helper()
	for _, e := range es {
		switch x := e.(type) {
		case Offer:
			m.offers++
			if prev, busy := m.agentOffer[x.AgentID]; busy {
				m.t.Fatalf("agent %s offered call %s while ringing with offer %d", x.AgentID, x.CallID, prev)
			}
			if call, busy := m.agentCall[x.AgentID]; busy {
				m.t.Fatalf("agent %s offered call %s while on call %s", x.AgentID, x.CallID, call)
			}
			for id := range m.callOffers[x.CallID] {
				if p := m.live[id]; x.Group < 2 || p.Group != x.Group || !p.At.Equal(x.At) {
					m.t.Fatalf("call %s offered to %s while offered to %s outside a ring-all group", x.CallID, x.AgentID, p.AgentID)
				}
			}
			if x.Group > 1 {
				m.ringAll++
			}
			m.live[x.OfferID] = x
			m.agentOffer[x.AgentID] = x.OfferID
			if m.callOffers[x.CallID] == nil {
				m.callOffers[x.CallID] = map[uint64]bool{}
			}
			m.callOffers[x.CallID][x.OfferID] = true
		case CancelOffer:
			m.drop(x.OfferID)
		case Connect:
			m.drop(x.OfferID)
			if len(m.callOffers[x.CallID]) != 0 {
				m.t.Fatalf("call %s connected with offers still ringing", x.CallID)
			}
			m.agentCall[x.AgentID] = x.CallID
			m.connected[x.CallID] = x.AgentID
		}
	}
}

func (m *offerModel) ended(call string) {
	if a, ok := m.connected[call]; ok {
		delete(m.connected, call)
		delete(m.agentCall, a)
	}
	for id := range m.callOffers[call] {
		m.drop(id)
	}
}

func TestRandomizedNoDoubleOffers(t *testing.T) {
	// IPCC_ACD_RANDOM_OPS=100000 IPCC_ACD_RANDOM_SEEDS=20 for a long run.
	ops, seeds := 3000, 3
	if testing.Short() {
		ops, seeds = 1000, 1
	}
	if n, err := strconv.Atoi(os.Getenv("IPCC_ACD_RANDOM_OPS")); err == nil && n > 0 {
		ops = n
	}
	if n, err := strconv.Atoi(os.Getenv("IPCC_ACD_RANDOM_SEEDS")); err == nil && n > 0 {
		seeds = n
	}
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { randomRun(t, seed, ops) })
	}
}

func randomRun(t *testing.T, seed uint64, ops int) {
	rng := rand.New(rand.NewPCG(seed, 99))
	h := newHarness(t, Options{Seed: seed, BreakCap: 6})
	agents := names(40, "ag")
	strategies := Strategies
	for qi := 0; qi < 6; qi++ {
		id := fmt.Sprintf("q%d", qi)
		cfg := QueueConfig{ID: id, Name: id, Strategy: strategies[qi%len(strategies)], RingTimeout: Duration(time.Duration(5+rng.IntN(20)) * time.Second),
			WrapUp: Duration(time.Duration(rng.IntN(3)) * 10 * time.Second), LastAgentFirst: qi%2 == 0, BreakCap: 3,
			Limits:        QueueLimits{MaxLength: 30, MaxWait: Duration(5 * time.Minute)},
			Overflow:      OverflowTargets{MaxWait: OverflowTarget{Kind: TargetQueue, Value: fmt.Sprintf("q%d", (qi+1)%6)}, QueueFull: OverflowTarget{Kind: TargetHangup}},
			Announcements: Announcements{Position: true, PositionInterval: Duration(20 * time.Second)}}
		if qi == 5 {
			cfg.Strategy = RingAll
		}
		if err := h.e.SetQueue(h.ctx, cfg); err != nil {
			t.Fatal(err)
		}
		var ms []Member
		for i, a := range agents {
			if rng.IntN(3) == 0 || (cfg.Strategy == RingAll && rng.IntN(2) == 0) {
				lvl := rng.IntN(3)
				if cfg.Strategy == RingAll {
					lvl = 1
				}
				ms = append(ms, Member{AgentID: a, Level: lvl, Weight: 1 + rng.IntN(5), Position: i})
			}
		}
		h.members(id, ms...)
	}
	model := newOfferModel(t)
	var calls []string // calls the driver believes exist
	callN := 0
	for i := 0; i < ops; i++ {
		switch r := rng.IntN(100); {
		case r < 18:
			callN++
			call := fmt.Sprintf("c%d", callN)
			res, err := h.e.Enqueue(h.ctx, CallRequest{CallID: call, QueueID: fmt.Sprintf("q%d", rng.IntN(6)), Priority: rng.IntN(3),
				LastAgentID: agents[rng.IntN(len(agents))]})
			if err != nil {
				t.Fatal(err)
			}
			if res.Joined {
				calls = append(calls, call)
			}
		case r < 25: // hang up an answered call
			for call := range model.connected {
				model.ended(call)
				if err := h.e.CallEnded(h.ctx, call); err != nil {
					t.Fatalf("end answered call %s: %v", call, err)
				}
				break
			}
		case r < 45: // answer a live offer
			for id := range model.live {
				if err := h.e.Answered(h.ctx, id); err != nil {
					t.Fatalf("answer live offer %d: %v", id, err)
				}
				break
			}
		case r < 48:
			for id := range model.live {
				if err := h.e.OfferFailed(h.ctx, id, "busy"); err != nil {
					t.Fatal(err)
				}
				model.drop(id)
				break
			}
		case r < 63: // a call ends (answered or abandoned)
			if len(calls) > 0 {
				k := rng.IntN(len(calls))
				call := calls[k]
				calls = append(calls[:k], calls[k+1:]...)
				model.ended(call)
				_ = h.e.CallEnded(h.ctx, call) // may have overflowed away
			}
		case r < 68:
			var qs []string // nil: all queues; else a random choice (may name non-members)
			if rng.IntN(3) == 0 {
				qs = []string{fmt.Sprintf("q%d", rng.IntN(6)), fmt.Sprintf("q%d", rng.IntN(6))}
			}
			_ = h.e.Login(h.ctx, LoginRequest{AgentID: agents[rng.IntN(len(agents))], Queues: qs})
		case r < 70:
			_ = h.e.Logout(h.ctx, agents[rng.IntN(len(agents))])
		case r < 80:
			_ = h.e.Ready(h.ctx, agents[rng.IntN(len(agents))])
		case r < 84:
			reasons := []string{ReasonBreak, ReasonLunch, ReasonTraining}
			_, _ = h.e.NotReady(h.ctx, agents[rng.IntN(len(agents))], reasons[rng.IntN(3)])
		case r < 87:
			_ = h.e.EndWrapUp(h.ctx, agents[rng.IntN(len(agents))])
		case r < 88:
			_ = h.e.CallerRequest(h.ctx, fmt.Sprintf("c%d", 1+rng.IntN(callN+1)), RequestKind(1+rng.IntN(2)), "123")
		case r < 89:
			_ = h.e.ForceReady(h.ctx, agents[rng.IntN(len(agents))], "sup")
		case r < 91: // log in to or out of one queue
			a, q := agents[rng.IntN(len(agents))], fmt.Sprintf("q%d", rng.IntN(6))
			if rng.IntN(2) == 0 {
				_ = h.e.QueueLogout(h.ctx, a, q)
			} else {
				_ = h.e.QueueLogin(h.ctx, a, q)
			}
		default:
			h.clk.Advance(time.Duration(rng.IntN(8000)) * time.Millisecond)
		}
		model.apply(h.rec.take())
		if err := h.e.do(func(c *core) error { return checkInvariants(c) }); err != nil {
			t.Fatalf("op %d: %v", i, err)
		}
	}
	snap, _ := h.e.Snapshot(h.ctx)
	st := map[string]int{}
	for _, a := range snap.Agents {
		st[a.State.String()+"/"+a.Reason]++
	}
	t.Logf("agents %v, calls %d", st, len(calls))
	if model.offers < ops/20 || model.ringAll == 0 {
		t.Fatalf("the run made only %d offers (%d ring-all)", model.offers, model.ringAll)
	}
	t.Logf("seed %d: %d offers (%d in ring-all groups), %d calls", seed, model.offers, model.ringAll, callN)
}
