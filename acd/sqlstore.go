package acd

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/ipcc/ipcc/store"
)

// SQLStore keeps the engine's durable state in ipcc's database (tables of
// migration 0004; per-queue logins of 0011).
type SQLStore struct {
	S *store.Store
	// Log reports rows that cannot be read in full (slog.Default when nil).
	Log *slog.Logger
}

func (s SQLStore) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

var _ Store = SQLStore{}

// QueueRow turns a configuration into its stored form.
func QueueRow(tenant string, q QueueConfig) (*store.ACDQueue, error) {
	b, err := json.Marshal(q)
	if err != nil {
		return nil, fmt.Errorf("acd: encode queue %s: %w", q.ID, err)
	}
	return &store.ACDQueue{TenantID: tenant, ID: q.ID, Name: q.Name, Strategy: string(q.Strategy), Config: string(b)}, nil
}

// QueueFromRow reads a stored configuration.
func QueueFromRow(r *store.ACDQueue) (QueueConfig, error) {
	var q QueueConfig
	doc, err := upgradeQueueDoc([]byte(r.Config))
	if err != nil {
		return q, fmt.Errorf("acd: decode queue %s: %w", r.ID, err)
	}
	if err := json.Unmarshal(doc, &q); err != nil {
		return q, fmt.Errorf("acd: decode queue %s: %w", r.ID, err)
	}
	q.ID, q.Name, q.Strategy = r.ID, r.Name, Strategy(r.Strategy)
	return q, nil
}

// LoadConfig reads every queue and member of the tenant.
func (s SQLStore) LoadConfig(ctx context.Context, tenant string) ([]QueueConfig, []Member, error) {
	rows, err := s.S.ListACDQueues(ctx, tenant)
	if err != nil {
		return nil, nil, err
	}
	qs := make([]QueueConfig, 0, len(rows))
	for i := range rows {
		q, err := QueueFromRow(&rows[i])
		if err != nil {
			return nil, nil, err
		}
		qs = append(qs, q)
	}
	mrows, err := s.S.ListACDMembers(ctx, tenant, "")
	if err != nil {
		return nil, nil, err
	}
	ms := make([]Member, 0, len(mrows))
	for _, m := range mrows {
		ms = append(ms, Member{QueueID: m.QueueID, AgentID: m.AgentID, Level: m.Level, Weight: m.Weight, Position: m.Position})
	}
	return qs, ms, nil
}

// LoadState reads the agents' states and the waiting callers.
func (s SQLStore) LoadState(ctx context.Context, tenant string) ([]AgentRecord, []EntryRecord, error) {
	arows, err := s.S.ListACDAgentStates(ctx, tenant)
	if err != nil {
		return nil, nil, err
	}
	as := make([]AgentRecord, 0, len(arows))
	for _, r := range arows {
		a := AgentRecord{AgentID: r.AgentID, WorkNumber: r.WorkNumber, Device: r.Device, State: r.State, Reason: r.Reason,
			Pending: r.Pending, PendingReason: r.PendingReason, BreakWait: r.BreakWait, Since: r.Since, CallID: r.CallID,
			QueueID: r.QueueID, CallsToday: r.CallsToday, TalkToday: time.Duration(r.TalkTodayMS) * time.Millisecond, Day: r.Day}
		if r.ConnectedAt != nil {
			a.ConnectedAt = *r.ConnectedAt
		}
		if r.WrapUpEnd != nil {
			a.WrapUpEnd = *r.WrapUpEnd
		}
		if r.QueuesOff != "" {
			if err := json.Unmarshal([]byte(r.QueuesOff), &a.QueuesOff); err != nil {
				// One bad row must not lose the tenant's other agents: this
				// one keeps its state, logged in to all its queues.
				s.log().Error("acd: agent state: queues_off is not a JSON list of queue ids; the agent is taken as logged in to all its queues",
					"tenant", tenant, "agent", r.AgentID, "queues_off", r.QueuesOff, "err", err)
				a.QueuesOff = nil
			}
		}
		as = append(as, a)
	}
	erows, err := s.S.ListACDEntries(ctx, tenant)
	if err != nil {
		return nil, nil, err
	}
	es := make([]EntryRecord, 0, len(erows))
	for _, r := range erows {
		e := EntryRecord{CallID: r.CallID, QueueID: r.QueueID, Priority: r.Priority, EnqueuedAt: r.EnqueuedAt, FirstAt: r.FirstAt,
			Seq: uint64(r.Seq), Caller: r.Caller, LastAgent: r.LastAgent, Hops: r.Hops, Lang: r.Lang}
		if r.Data != "" {
			if err := json.Unmarshal([]byte(r.Data), &e.Data); err != nil {
				return nil, nil, fmt.Errorf("acd: decode data of waiting call %s: %w", r.CallID, err)
			}
		}
		es = append(es, e)
	}
	return as, es, nil
}

// SaveAgent writes an agent's state.
func (s SQLStore) SaveAgent(ctx context.Context, tenant string, r AgentRecord) error {
	row := &store.ACDAgentState{TenantID: tenant, AgentID: r.AgentID, WorkNumber: r.WorkNumber, Device: r.Device, State: r.State,
		Reason: r.Reason, Pending: r.Pending, PendingReason: r.PendingReason, BreakWait: r.BreakWait, Since: r.Since, CallID: r.CallID,
		QueueID: r.QueueID, CallsToday: r.CallsToday, TalkTodayMS: r.TalkToday.Milliseconds(), Day: r.Day}
	if !r.ConnectedAt.IsZero() {
		row.ConnectedAt = &r.ConnectedAt
	}
	if !r.WrapUpEnd.IsZero() {
		row.WrapUpEnd = &r.WrapUpEnd
	}
	if len(r.QueuesOff) > 0 {
		b, err := json.Marshal(r.QueuesOff)
		if err != nil {
			return fmt.Errorf("acd: encode queues_off of agent %s: %w", r.AgentID, err)
		}
		row.QueuesOff = string(b)
	}
	return s.S.SaveACDAgentState(ctx, row)
}

// AppendAgentLog writes one transition.
func (s SQLStore) AppendAgentLog(ctx context.Context, tenant string, sc StateChange) error {
	return s.S.AddACDAgentLog(ctx, &store.ACDAgentLogEntry{TenantID: tenant, AgentID: sc.AgentID, At: sc.At, FromState: sc.From.String(),
		ToState: sc.To.String(), Reason: sc.Reason, CallID: sc.CallID, QueueID: sc.QueueID, By: sc.By})
}

// SaveEntry writes a waiting caller.
func (s SQLStore) SaveEntry(ctx context.Context, tenant string, r EntryRecord) error {
	data := ""
	if len(r.Data) > 0 {
		b, err := json.Marshal(r.Data)
		if err != nil {
			return fmt.Errorf("acd: encode data of call %s: %w", r.CallID, err)
		}
		data = string(b)
	}
	return s.S.SaveACDEntry(ctx, &store.ACDEntry{TenantID: tenant, CallID: r.CallID, QueueID: r.QueueID, Priority: r.Priority,
		EnqueuedAt: r.EnqueuedAt, FirstAt: r.FirstAt, Seq: int64(r.Seq), Caller: r.Caller, LastAgent: r.LastAgent, Data: data, Hops: r.Hops, Lang: r.Lang})
}

// DeleteEntry forgets a waiting caller.
func (s SQLStore) DeleteEntry(ctx context.Context, tenant, callID string) error {
	return s.S.DeleteACDEntry(ctx, tenant, callID)
}

// SaveCallback writes a callback request.
func (s SQLStore) SaveCallback(ctx context.Context, tenant string, cb Callback) error {
	return s.S.SaveACDCallback(ctx, &store.ACDCallback{TenantID: tenant, ID: cb.ID, CallID: cb.CallID, QueueID: cb.QueueID, Caller: cb.Caller,
		Number: cb.Number, Priority: cb.Priority, Status: cb.Status, RequestedAt: cb.RequestedAt})
}
