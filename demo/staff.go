package demo

import (
	"context"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/store"
)

// Desk is what the simulated staff do through the call center besides the
// ACD engine: an agent's call controls (a help request is a consult of the
// supervisor, then a three-way call) and click-to-dial (working the
// call-back list). The dispatcher is one.
type Desk interface {
	Engines
	Control(ctx context.Context, tenant, agentID, op string, target *dialplan.Target) error
	ClickToDial(ctx context.Context, tenant, agentID, number, parent string) (string, error)
}

// staffLoop is the staff's half-minute: agents back from no-answer or a
// break, now and then a break, a help request on a call every two minutes,
// and a call-back from the list when an agent is free.
func (d *Demo) staffLoop(ctx context.Context) {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for tick := 0; ; tick++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		d.mu.Lock()
		eng, agents := d.eng, d.agents
		pick := -1
		if len(agents) > 0 {
			pick = d.rng.IntN(len(agents) * 2) // about every other tick
		}
		d.mu.Unlock()
		if eng == nil {
			continue
		}
		for _, ag := range agents {
			if s, err := eng.Agent(ctx, ag.id); err == nil && s.Reason != "" && s.Reason != "outbound-call" && s.CallID == "" {
				_ = eng.Ready(ctx, ag.id) // back from break or no-answer
			}
		}
		if pick >= 0 && pick < len(agents) {
			if res, err := eng.NotReady(ctx, agents[pick].id, "break"); err == nil {
				d.log.Info("demo agent takes a break", "agent", agents[pick].ext, "granted", res.Granted, "queued", res.Queued)
			}
		}
		if tick%4 == 1 {
			d.askForHelp(ctx, eng)
		}
		d.workCallback(ctx, eng)
		d.closeCallbacks(ctx)
	}
}

// askForHelp: an agent on a call asks the supervisor for help (求助): the
// caller hears hold music while the supervisor's phone rings; once they
// talked the agent brings the caller in (three-way).
func (d *Demo) askForHelp(ctx context.Context, eng *acd.Engine) {
	d.mu.Lock()
	desk, tenant, agents := d.desk, d.tenant, d.agents
	d.mu.Unlock()
	if desk == nil {
		return
	}
	for _, ag := range agents {
		s, err := eng.Agent(ctx, ag.id)
		if err != nil || s.State != acd.OnCall || s.QueueID == "" {
			continue
		}
		target := &dialplan.Target{Kind: dialplan.KindExtension, Ref: SupervisorPhone}
		if err := desk.Control(ctx, tenant, ag.id, "consult", target); err != nil {
			d.log.Info("demo help request not placed", "agent", ag.ext, "err", err)
			return
		}
		d.log.Info("demo agent asks the supervisor for help", "agent", ag.ext, "call", s.CallID, "supervisor_phone", SupervisorPhone)
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			select {
			case <-ctx.Done():
				return
			case <-time.After(8 * time.Second):
			}
			if err := desk.Control(ctx, tenant, ag.id, "three-way", nil); err != nil {
				d.log.Info("demo three-way not made", "agent", ag.ext, "err", err)
				return
			}
			d.log.Info("demo agent joins caller and supervisor (three-way)", "agent", ag.ext, "call", s.CallID)
		}()
		return
	}
}

// workCallback: an available agent takes the most urgent pending call-back
// and calls the caller back (click-to-dial through the trunk, showing the
// hotline number).
func (d *Demo) workCallback(ctx context.Context, eng *acd.Engine) {
	d.mu.Lock()
	desk, st, tenant, agents := d.desk, d.st, d.tenant, d.agents
	d.mu.Unlock()
	if desk == nil || st == nil {
		return
	}
	cbs, err := st.ListCallbackWork(ctx, tenant, store.CallbackFilter{Status: store.CallbackPending, Limit: 1})
	if err != nil || len(cbs) == 0 {
		return
	}
	cb := cbs[0]
	for _, ag := range agents {
		if s, err := eng.Agent(ctx, ag.id); err != nil || s.State != acd.Available {
			continue
		}
		if err := st.ClaimCallback(ctx, tenant, cb.ID, ag.id); err != nil {
			return
		}
		call, err := desk.ClickToDial(ctx, tenant, ag.id, cb.Number, cb.CallID)
		if err != nil {
			d.log.Info("demo call-back not placed", "agent", ag.ext, "callback", cb.ID, "err", err)
			_ = st.UpdateCallback(ctx, tenant, cb.ID, store.CallbackPending, "", cb.Note, nil)
			return
		}
		_ = st.UpdateCallback(ctx, tenant, cb.ID, store.CallbackInProgress, call, cb.Note, nil)
		d.log.Info("demo agent calls a caller back", "agent", ag.ext, "callback", cb.ID, "number", cb.Number, "call", call)
		return
	}
}

// closeCallbacks marks the demo's call-backs done once their call ended.
func (d *Demo) closeCallbacks(ctx context.Context) {
	d.mu.Lock()
	st, tenant := d.st, d.tenant
	d.mu.Unlock()
	if st == nil {
		return
	}
	cbs, err := st.ListCallbackWork(ctx, tenant, store.CallbackFilter{Status: store.CallbackInProgress, Limit: 20})
	if err != nil {
		return
	}
	for _, cb := range cbs {
		if cb.ResultCallID == "" {
			continue
		}
		if c, err := st.GetCall(ctx, tenant, cb.ResultCallID); err == nil && c.EndedAt != nil {
			now := time.Now()
			_ = st.UpdateCallback(ctx, tenant, cb.ID, store.CallbackDone, cb.ResultCallID, "demo: called back", &now)
		}
	}
}
