package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/outroute"
	"github.com/ipcc/ipcc/store"
)

// Outbound is the routing of external calls (campaigns, click-to-dial,
// transfers): trunks, routes, caller ID and the toll-fraud guard.
func (d *Dispatcher) Outbound() *outroute.Service { return d.opt.Outbound }

// CheckOutbound tells whether number may be called by the tenant and has a
// route, without placing anything (campaigns check each lead with it at
// dial time): nil, a *outroute.Refusal, or an error reading the settings.
func (d *Dispatcher) CheckOutbound(ctx context.Context, tenant string, req outroute.PlanRequest) error {
	if req.DefaultTrunk == "" {
		req.DefaultTrunk = d.opt.DefaultTrunk
	}
	return d.opt.Outbound.Check(ctx, tenant, req)
}

// planOut routes an external call; a refusal is returned as is.
func (d *Dispatcher) planOut(ctx context.Context, tenant string, req outroute.PlanRequest) (*outroute.Call, error) {
	if req.DefaultTrunk == "" {
		req.DefaultTrunk = d.opt.DefaultTrunk
	}
	return d.opt.Outbound.Plan(ctx, tenant, req)
}

// leadPlan is the routing request of a campaign's call.
func leadPlan(lc *LeadCall, agent string) outroute.PlanRequest {
	num := lc.Number
	if lc.E164 != "" {
		num = lc.E164
	}
	req := outroute.PlanRequest{Number: num, Source: outroute.SourceCampaign, Campaign: lc.Campaign, Agent: agent,
		CallerID: lc.CallerID, CallerIDPool: lc.CallerIDPool, DefaultTrunk: lc.Trunk}
	if lc.Queue != "" {
		req.Queues = []string{lc.Queue}
	}
	return req
}

// agentQueues are the queues (agent groups) an agent is a member of.
func (d *Dispatcher) agentQueues(ctx context.Context, tenant, agentID string) []string {
	eng, err := d.tenants.Get(ctx, tenant)
	if err != nil {
		return nil
	}
	a, err := eng.Agent(ctx, agentID)
	if err != nil {
		return nil
	}
	qs := make([]string, 0, len(a.Queues))
	for _, q := range a.Queues {
		qs = append(qs, q.QueueID)
	}
	return qs
}

// noteRouting puts what routing did on the call's trace.
func noteRouting(call *controller.Call, oc *outroute.Call) {
	if call == nil || oc == nil {
		return
	}
	for _, n := range oc.Notes {
		call.Note("outbound", n)
	}
}

// auditRefusal writes a refused outbound call to the tenant's audit log
// (destination rules; caps that pass are only logged, they can refuse
// many attempts a second).
func (d *Dispatcher) auditRefusal(ctx context.Context, tenant string, req outroute.PlanRequest, r *outroute.Refusal) {
	if d.opt.Store == nil || r.Capacity() {
		return
	}
	detail, _ := json.Marshal(map[string]string{"rule": r.Rule, "reason": r.Detail, "source": req.Source, "campaign": req.Campaign, "number": req.Number})
	actor, kind := req.Agent, "user"
	if actor == "" {
		actor, kind = "outbound", "system"
	}
	e := &store.AuditEntry{TenantID: tenant, At: d.opt.Clock.Now(), ActorID: actor, ActorName: actor, ActorKind: kind, Action: "outbound_refused",
		ObjectType: "outbound_call", ObjectID: req.Number, Status: http.StatusForbidden, Detail: string(detail)}
	if err := d.opt.Store.AddAudit(context.WithoutCancel(ctx), e); err != nil {
		d.log.Warn("refused outbound call not audited", "tenant", tenant, "err", err)
	}
}

// IsRefusal tells whether err is an outbound call refused by a rule.
func IsRefusal(err error) (*outroute.Refusal, bool) {
	var r *outroute.Refusal
	ok := errors.As(err, &r)
	return r, ok
}

// dialOut places a callee-first call through the planned trunks in turn
// (a trunk naming its switch is dialled there, others on sw); a trunk
// failing with a failover cause moves on to the next.
func (d *Dispatcher) dialOut(ctx context.Context, dialer Dialer, sw string, out *outroute.Call, o controller.OriginateOptions) (*controller.Call, error) {
	var call *controller.Call
	err := out.Each("", func(ep controller.Endpoint, t outroute.Trunk) error {
		on := sw
		if t.Switch != "" {
			on = t.Switch
		}
		c, err := dialer.Dial(ctx, on, ep, o)
		if err != nil {
			return err
		}
		call = c
		return nil
	})
	if call != nil {
		noteRouting(call, out)
	} else if len(out.Notes) > 0 {
		d.log.Info("outbound call not placed", "tenant", out.Tenant, "number", out.Number.String(), "routing", out.Notes, "err", err)
	}
	return call, err
}
