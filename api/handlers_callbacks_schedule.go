package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/campaign"
	"github.com/ipcc/ipcc/outroute"
	"github.com/ipcc/ipcc/store"
)

// Scheduled call-backs (预约回呼, docs/outbound.md): an agent schedules a
// call-back of the current caller or a campaign lead for a time, owned by
// themselves or by a queue; supervisors and admins create and reassign
// any. An agent-owned call-back is seen and taken only by its owner until
// CallbackGrace after it is due; then any agent of its queue may take it.

// CallbackGrace is how long after due_at an agent-owned call-back stays
// with its owner before it falls to the queue, unless the campaign of its
// lead sets callback_grace_ms.
const CallbackGrace = 15 * time.Minute

// callbackGrace is the grace period of a call-back of campaign's lead
// ("" = no campaign): the campaign's callback_grace_ms, else CallbackGrace.
func (s *Server) callbackGrace(ctx context.Context, tenant, campaignID string) (time.Duration, error) {
	if campaignID == "" {
		return CallbackGrace, nil
	}
	row, err := s.opt.Store.GetCampaign(ctx, tenant, campaignID)
	if errors.Is(err, store.ErrNotFound) {
		return CallbackGrace, nil // the campaign was deleted since
	}
	if err != nil {
		return 0, err
	}
	c, err := campaign.FromRow(row)
	if err != nil {
		return 0, err
	}
	return c.Settings.CallbackGrace(), nil
}

// callbackSchedule is the body of POST /api/v1/callbacks and PUT
// /api/v1/callbacks/:id/assign.
type callbackSchedule struct {
	// Number to call back (E.164 or a national number); or lead_id.
	Number string `json:"number,omitempty"`
	// LeadID: a campaign lead to call back (its number is used; the lead's
	// attempt is recorded with outcome "callback" and the campaign does
	// not redial it before due_at).
	LeadID int64 `json:"lead_id,omitempty"`
	// CallID: the call after which it was scheduled (optional).
	CallID string    `json:"call_id,omitempty"`
	DueAt  time.Time `json:"due_at"`
	// Owner: "me" (the caller, agents' default), "queue", or an agent id
	// (supervisors and admins).
	Owner string `json:"owner,omitempty"`
	// Queue the call-back belongs to (and falls to after the grace
	// period); default the owner's first queue.
	Queue string `json:"queue,omitempty"`
	Note  string `json:"note,omitempty"`
}

func scheduleOps() []*agentOp {
	return []*agentOp{
		op(agentOp{Cmd: "callback-schedule", Method: http.MethodPost, Path: "/api/v1/callbacks", Tag: "agent",
			Summary: "Schedule a call-back (预约回呼) for due_at, of a number or a campaign lead, owned by you (owner=me), a queue (owner=queue) or — supervisors — another agent. 400 when due_at is past, the agent or queue is unknown or outbound routing refuses the number",
			Roles:   rolesAgents, Response: store.CallbackWork{}, ObjectType: "callback"}, callbackSchedulePost),
		op(agentOp{Cmd: "callback-assign", Method: http.MethodPut, Path: "/api/v1/callbacks/:id/assign", Tag: "agent",
			Summary: "Supervisors: reassign a pending call-back (owner, queue, due_at)",
			Roles:   rolesSupervisor, Response: store.CallbackWork{}, ObjectType: "callback",
			Params: map[string]string{"callback": "id"}}, callbackAssign),
	}
}

func isSupervisor(p *auth.Principal) bool {
	return p.Superadmin() || p.Role == auth.RoleAdmin || p.Role == auth.RoleSupervisor
}

// callbackOwner resolves owner and queue of a request: the owning agent
// ("" for the queue) and the queue, checked against the tenant.
func callbackOwner(ctx context.Context, x *opCall, owner, queue string) (string, string, error) {
	owner, queue = strings.TrimSpace(owner), strings.TrimSpace(queue)
	agent := ""
	switch owner {
	case "", "me":
		if x.p.Role != auth.RoleAgent && owner == "" {
			owner = "queue"
			break
		}
		agent = x.p.ID
	case "queue":
	default:
		if !isSupervisor(x.p) && owner != x.p.ID {
			return "", "", &Error{Status: http.StatusForbidden, Code: "forbidden", Message: "only supervisors give a call-back to another agent"}
		}
		u, err := x.s.opt.Store.GetUser(ctx, x.tenant, owner)
		if err != nil || u.Role != string(auth.RoleAgent) {
			return "", "", errInvalid("owner", "owner %q is not an agent of this tenant", owner)
		}
		agent = owner
	}
	if queue == "" && agent != "" {
		qs, err := x.s.opt.Store.AgentQueues(ctx, x.tenant, agent)
		if err != nil {
			return "", "", err
		}
		if len(qs) > 0 {
			queue = qs[0]
		}
	}
	if queue == "" {
		return "", "", errInvalid("queue", "queue is required (the owner is in no queue)")
	}
	if _, err := x.s.opt.Store.GetACDQueue(ctx, x.tenant, queue); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return "", "", errInvalid("queue", "no queue %q in this tenant", queue)
		}
		return "", "", err
	}
	if x.p.Role == auth.RoleAgent {
		mine, err := x.s.opt.Store.AgentQueues(ctx, x.tenant, x.p.ID)
		if err != nil {
			return "", "", err
		}
		if !slices.Contains(mine, queue) {
			return "", "", errInvalid("queue", "you are not a member of queue %q", queue)
		}
	}
	if agent != "" {
		qs, err := x.s.opt.Store.AgentQueues(ctx, x.tenant, agent)
		if err != nil {
			return "", "", err
		}
		if !slices.Contains(qs, queue) {
			return "", "", errInvalid("queue", "agent %q is not a member of queue %q", agent, queue)
		}
	}
	return agent, queue, nil
}

func checkDue(due time.Time, now time.Time) error {
	if due.IsZero() {
		return errInvalid("due_at", "due_at is required (RFC 3339 time)")
	}
	if due.Before(now.Add(-time.Minute)) {
		return errInvalid("due_at", "due_at %s is in the past", due.UTC().Format(time.RFC3339))
	}
	if due.After(now.AddDate(1, 0, 0)) {
		return errInvalid("due_at", "due_at is more than a year ahead")
	}
	return nil
}

// checkOutbound asks the tenant's outbound routing (without taking caps)
// whether the number may be called.
func (s *Server) checkOutbound(ctx context.Context, tenant, number, agent, campaign string) error {
	cfg, err := outroute.Load(ctx, s.opt.Store, tenant)
	if err != nil {
		return err
	}
	svc := outroute.NewService(staticSource{cfg}, nil, s.log, nil)
	svc.SetGatewayRules(s.opt.GatewayRules)
	src := outroute.SourceClickToDial
	if campaign != "" {
		src = outroute.SourceCampaign
	}
	err = svc.Check(ctx, tenant, outroute.PlanRequest{Number: number, Source: src, Campaign: campaign, Agent: agent, DefaultTrunk: s.opt.DefaultTrunk})
	var ref *outroute.Refusal
	if errors.As(err, &ref) {
		return errInvalid("number", "outbound routing refuses %s (%s): %s", number, ref.Rule, ref.Detail)
	}
	return err
}

// lastCalledBy tells whether the lead's latest call attempt was agent's
// (the campaign call they just had: the dialer released the lead when it
// ended, and a progressive or predictive lead is never claimed by them).
func (s *Server) lastCalledBy(ctx context.Context, tenant string, lead *store.Lead, agent string) (bool, error) {
	atts, err := s.opt.Store.ListAttempts(ctx, tenant, lead.CampaignID, store.AttemptFilter{LeadID: lead.ID, Kind: store.AttemptCall})
	if err != nil {
		return false, err
	}
	return len(atts) > 0 && atts[len(atts)-1].AgentID == agent, nil
}

func callbackSchedulePost(ctx context.Context, x *opCall, req *callbackSchedule) (any, error) {
	now := time.Now()
	if err := checkDue(req.DueAt, now); err != nil {
		return nil, err
	}
	note := strings.TrimSpace(req.Note)
	if len(note) > 500 {
		return nil, errInvalid("note", "note is longer than 500 characters")
	}
	agent, queue, err := callbackOwner(ctx, x, req.Owner, req.Queue)
	if err != nil {
		return nil, err
	}
	cb := &store.CallbackWork{TenantID: x.tenant, ID: uuid.NewString(), QueueID: queue, Status: store.CallbackPending, RequestedAt: now,
		Note: note, OwnerAgent: agent, CreatedBy: x.p.ID, CallID: strings.TrimSpace(req.CallID)}
	due := req.DueAt.UTC()
	cb.DueAt = &due
	if len(cb.CallID) > 128 {
		return nil, errInvalid("call_id", "call_id is not a call id")
	}
	var lead *store.Lead
	if req.LeadID != 0 {
		if lead, err = x.s.opt.Store.GetLead(ctx, x.tenant, req.LeadID); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil, errInvalid("lead_id", "no lead %d in this tenant", req.LeadID)
			}
			return nil, err
		}
		if x.p.Role == auth.RoleAgent && lead.ClaimedBy != x.p.ID && lead.AgentID != x.p.ID {
			mine, err := x.s.lastCalledBy(ctx, x.tenant, lead, x.p.ID)
			if err != nil {
				return nil, err
			}
			if !mine {
				return nil, errInvalid("lead_id", "lead %d is not yours", req.LeadID)
			}
		}
		cb.Number, cb.LeadID, cb.CampaignID, cb.Caller = lead.Phone, lead.ID, lead.CampaignID, lead.Name
	} else {
		cb.Number = strings.TrimSpace(req.Number)
		if cb.Number == "" {
			return nil, errInvalid("number", "number or lead_id is required")
		}
	}
	if err := x.s.checkOutbound(ctx, x.tenant, cb.Number, agent, cb.CampaignID); err != nil {
		return nil, err
	}
	if agent != "" {
		grace, err := x.s.callbackGrace(ctx, x.tenant, cb.CampaignID)
		if err != nil {
			return nil, err
		}
		until := due.Add(grace)
		cb.OwnerUntil = &until
	}
	if cb.CallID == "" {
		cb.CallID = "scheduled:" + cb.ID
	}
	if err := x.s.opt.Store.CreateCallback(ctx, cb); err != nil {
		return nil, err
	}
	x.objectID = cb.ID
	x.detail = map[string]any{"due_at": due, "owner": agent, "queue": queue, "lead": cb.LeadID}
	if lead != nil {
		// The lead's attempt: a call-back was agreed; the campaign does not
		// redial the lead before it is due.
		end := now
		if err := x.s.opt.Store.AddAttempt(ctx, &store.CampaignAttempt{TenantID: x.tenant, CampaignID: lead.CampaignID, LeadID: lead.ID,
			Kind: store.AttemptSkip, AgentID: x.p.ID, Outcome: "callback", Reason: "call-back scheduled for " + due.Format(time.RFC3339),
			Note: note, StartedAt: now, EndedAt: &end}); err != nil {
			return nil, err
		}
		from := lead.Status
		lead.Status, lead.NextAt, lead.ClaimedBy, lead.LastOutcome = store.LeadPending, &due, "", "callback"
		if err := x.s.opt.Store.MoveLead(ctx, lead, from); err != nil {
			return nil, err
		}
	}
	out := []store.CallbackWork{*cb}
	if err := x.s.maskCallbacks(ctx, x.tenant, x.p, out); err != nil {
		return nil, err
	}
	return out[0], nil
}

func callbackAssign(ctx context.Context, x *opCall, req *callbackSchedule) (any, error) {
	cb, err := callbackOf(ctx, x)
	if err != nil {
		return nil, err
	}
	due := cb.DueAt
	if !req.DueAt.IsZero() {
		if err := checkDue(req.DueAt, time.Now()); err != nil {
			return nil, err
		}
		d := req.DueAt.UTC()
		due = &d
	}
	queue := req.Queue
	if queue == "" {
		queue = cb.QueueID
	}
	agent, queue, err := callbackOwner(ctx, x, req.Owner, queue)
	if err != nil {
		return nil, err
	}
	var until *time.Time
	if agent != "" && due != nil {
		grace, err := x.s.callbackGrace(ctx, x.tenant, cb.CampaignID)
		if err != nil {
			return nil, err
		}
		u := due.Add(grace)
		until = &u
	}
	x.detail = map[string]any{"owner": agent, "queue": queue, "from_owner": cb.OwnerAgent}
	if err := x.s.opt.Store.ReassignCallback(ctx, x.tenant, cb.ID, queue, agent, due, until); err != nil {
		if store.IsConflict(err) {
			return nil, &Error{Status: http.StatusConflict, Code: "conflict", Message: "only a pending call-back can be reassigned; this one is " + cb.Status}
		}
		return nil, err
	}
	return x.s.opt.Store.GetCallbackWork(ctx, x.tenant, cb.ID)
}

// maskCallbacks hides the numbers of masking campaigns' leads from agents
// (they take the call-back by its id; the number stays on the server).
func (s *Server) maskCallbacks(ctx context.Context, tenant string, p *auth.Principal, cbs []store.CallbackWork) error {
	if isSupervisor(p) {
		return nil
	}
	masks := map[string]bool{}
	for i := range cbs {
		id := cbs[i].CampaignID
		if id == "" {
			continue
		}
		m, ok := masks[id]
		if !ok {
			row, err := s.opt.Store.GetCampaign(ctx, tenant, id)
			switch {
			case errors.Is(err, store.ErrNotFound):
				m = true // the campaign is gone: hide rather than show
			case err != nil:
				return err
			default:
				c, err := campaign.FromRow(row)
				if err != nil {
					return err
				}
				m = c.Settings.MaskNumbers
			}
			masks[id] = m
		}
		if m {
			if cbs[i].Caller == cbs[i].Number {
				cbs[i].Caller = campaign.Mask(cbs[i].Number)
			}
			cbs[i].Number = campaign.Mask(cbs[i].Number)
		}
	}
	return nil
}
