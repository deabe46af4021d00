package inbound

import (
	"context"
	"strconv"

	"github.com/ipcc/ipcc/dialplan"
)

// CallerLookup is asked about a caller before routing decides (a CRM's
// pre-routing lookup, package crm). It bounds its own time and falls back
// by itself; an error routes the call as if there were no lookup.
type CallerLookup interface {
	LookupCaller(ctx context.Context, q LookupQuery) (LookupResult, error)
}

// LookupQuery is what a lookup is told about the call.
type LookupQuery struct {
	Tenant string
	CallID string
	Caller string
	DID    string
	Vars   map[string]string
}

// LookupResult is what a lookup may set; empty fields change nothing.
type LookupResult struct {
	// Name is the caller's name: agents see it (variable caller_name).
	Name string
	// VIP raises the caller's queue priority by VIPPriority.
	VIP bool
	// Language is the caller's language (prompts, agents' skills).
	Language string
	// PreferredAgent is served to like a sticky agent: routes with sticky
	// routing send the call to them, queues offer it to them first.
	PreferredAgent string
	// Vars travel with the call to the agent's screen pop (crm_ prefixed).
	Vars map[string]string
	// Source says where the answer came from (crm, cache, fallback).
	Source string
}

// VIPPriority is added to a VIP caller's queue priority.
const VIPPriority = 10

// lookupCaller runs the pre-routing lookup and applies its answer to the
// decision's input and the call. It never fails the call.
func (h *Handler) lookupCaller(ctx context.Context, k *call, in *dialplan.Inbound) *LookupResult {
	if h.opt.Lookup == nil {
		return nil
	}
	res, err := h.opt.Lookup.LookupCaller(ctx, LookupQuery{Tenant: k.tenant, CallID: k.c.ID(), Caller: k.c.ANI(), DID: k.c.DNIS(), Vars: k.c.Vars()})
	if err != nil {
		k.c.Note("lookup", "caller lookup failed, routing without it: "+err.Error())
		return nil
	}
	k.c.Note("lookup", "caller lookup ("+res.Source+"): name="+strconv.Quote(res.Name)+" vip="+strconv.FormatBool(res.VIP)+" language="+res.Language+" agent="+res.PreferredAgent)
	if k.ivrVars == nil {
		k.ivrVars = map[string]any{}
	}
	if res.Name != "" {
		k.ivrVars["caller_name"] = res.Name
	}
	if res.VIP {
		k.ivrVars["vip"] = "true"
	}
	for key, v := range res.Vars {
		k.ivrVars["crm_"+key] = v
	}
	if res.PreferredAgent != "" {
		k.last = res.PreferredAgent
		la := &dialplan.LastAgent{AgentID: res.PreferredAgent, ServedAt: h.now()}
		if h.opt.Agents != nil {
			if _, free, err := h.opt.Agents.AgentDevice(ctx, k.tenant, res.PreferredAgent); err == nil {
				la.Available = free
			}
		}
		in.LastAgent = la
	}
	return &res
}

// applyLookup sets what the lookup decided over the routing decision.
func (k *call) applyLookup(res *LookupResult) {
	if res == nil {
		return
	}
	if res.Language != "" {
		k.lang = res.Language
	}
	if res.VIP {
		k.prio += VIPPriority
	}
}
