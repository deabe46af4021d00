package crm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/ipcc/ipcc/clock"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/store"
)

// EventWorkOrder is the WebSocket event type of work-order notifications:
// Target is the order id, Reason what happened (created, assigned,
// status, commented, attached, escalated, reassigned, notified,
// sla_breached), State its status, Queue its queue, Agent the agent told
// (supervisors see every one).
const EventWorkOrder = "workorder"

// Publisher hands events to the WebSocket subscribers.
type Publisher interface {
	Publish(ev dispatch.Event)
}

// WebhookEvents are the work-order events a Hook is told of:
// workorder.<what happened>.
var WebhookEvents = []string{"workorder.created", "workorder.status", "workorder.assigned", "workorder.updated",
	"workorder.commented", "workorder.attached", "workorder.notified", "workorder.escalated", "workorder.reassigned",
	"workorder.sla_breached"}

// Hook receives the workorder.* events for outgoing webhooks (event is
// e.g. "workorder.created", data the order). The webhook sender wires it;
// nil sends none.
type Hook interface {
	Emit(ctx context.Context, tenant, event string, data any)
}

// SMSSender sends the work-order SMS of a type (SMSNotify); serve wires
// the tenant's SMS service. nil sends none.
type SMSSender interface {
	// SendTemplate sends the tenant's template to a number, with vars.
	SendTemplate(ctx context.Context, tenant, to, template string, vars map[string]string, source string) error
	// AgentNumber is an agent's mobile number ("" = none known).
	AgentNumber(ctx context.Context, tenant, agent string) (string, error)
}

// Members lists the agents of a queue (notifications to a queue's orders).
type Members func(ctx context.Context, tenant, queue string) ([]string, error)

// Service runs work orders: it validates against their type, keeps the
// history, fires condition rules on every change and time rules from Tick,
// and notifies.
type Service struct {
	Store  *store.Store
	Events Publisher
	Hook   Hook
	SMS    SMSSender
	Clock  clock.Clock
	Log    *slog.Logger
	// SMSTimeout bounds the sends of one change's SMS, made in the
	// background (default 30 s).
	SMSTimeout time.Duration
}

// ErrInvalid wraps the errors of bad input (the API answers 400).
var ErrInvalid = errors.New("invalid")

func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, a...))
}

func (s *Service) now() time.Time {
	if s.Clock == nil {
		return time.Now().UTC()
	}
	return s.Clock.Now().UTC()
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

// Type loads and decodes a work-order type.
func (s *Service) Type(ctx context.Context, tenant, id string) (*TypeConfig, error) {
	row, err := s.Store.GetWorkOrderType(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	return DecodeType(row)
}

// DecodeType decodes a stored type.
func DecodeType(row *store.WorkOrderType) (*TypeConfig, error) {
	var t TypeConfig
	if err := json.Unmarshal([]byte(row.Config), &t); err != nil {
		return nil, fmt.Errorf("crm: work-order type %q: %w", row.ID, err)
	}
	t.ID, t.Name = row.ID, row.Name
	return &t, nil
}

// NewWorkOrder is what a work order is created from.
type NewWorkOrder struct {
	Type          string         `json:"type"`
	Title         string         `json:"title"`
	Description   string         `json:"description"`
	Priority      string         `json:"priority"`
	CustomerID    int64          `json:"customer_id"`
	CallID        string         `json:"call_id"`
	AssigneeAgent string         `json:"assignee_agent"`
	AssigneeQueue string         `json:"assignee_queue"`
	Fields        map[string]any `json:"fields"`
}

// Change is a partial update of an order (nil: unchanged).
type Change struct {
	Title         *string        `json:"title,omitempty"`
	Description   *string        `json:"description,omitempty"`
	Status        *string        `json:"status,omitempty"`
	Priority      *string        `json:"priority,omitempty"`
	CustomerID    *int64         `json:"customer_id,omitempty"`
	AssigneeAgent *string        `json:"assignee_agent,omitempty"`
	AssigneeQueue *string        `json:"assignee_queue,omitempty"`
	Fields        map[string]any `json:"fields,omitempty"`
}

func detail(kv ...any) string {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return jsonOf(m)
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func checkTitle(title string) error {
	if strings.TrimSpace(title) == "" {
		return invalid("title: required")
	}
	if n := len([]rune(title)); n > 200 {
		return invalid("title: %d characters, at most 200", n)
	}
	return nil
}

// Create validates and stores a new order, fires its condition rules and
// notifies its assignee.
func (s *Service) Create(ctx context.Context, tenant, actor string, in NewWorkOrder) (*store.WorkOrder, error) {
	t, err := s.Type(ctx, tenant, in.Type)
	if err != nil {
		if store.IsNotFound(err) {
			return nil, invalid("type %q: no such work-order type", in.Type)
		}
		return nil, err
	}
	if err := checkTitle(in.Title); err != nil {
		return nil, err
	}
	if n := len([]rune(in.Description)); n > 10000 {
		return nil, invalid("description: %d characters, at most 10000", n)
	}
	if in.Priority == "" {
		in.Priority = "normal"
	}
	if !slices.Contains(Priorities, in.Priority) {
		return nil, invalid("priority %q: must be one of %s", in.Priority, strings.Join(Priorities, ", "))
	}
	vals, err := ValidateValues("fields", t.Fields, in.Fields)
	if err != nil {
		return nil, invalid("%v", err)
	}
	if err := s.checkRefs(ctx, tenant, in.CustomerID, in.CallID, in.AssigneeAgent, in.AssigneeQueue); err != nil {
		return nil, err
	}
	now := s.now()
	w := &store.WorkOrder{TenantID: tenant, TypeID: t.ID, Title: in.Title, Description: in.Description, Status: t.Initial, Priority: in.Priority,
		CustomerID: in.CustomerID, CallID: in.CallID, AssigneeAgent: in.AssigneeAgent, AssigneeQueue: in.AssigneeQueue,
		Fields: jsonOf(vals), CreatedBy: actor, CreatedAt: now, DueAt: t.DueAt(now), Escalations: "[]"}
	if st, _ := t.Status(w.Status); st.Resolved {
		w.ResolvedAt = &now
	}
	evs := []store.WorkOrderEvent{{Kind: "created", Actor: actor, At: now, Detail: detail("status", w.Status, "priority", w.Priority, "assignee_agent", w.AssigneeAgent, "assignee_queue", w.AssigneeQueue, "call_id", w.CallID)}}
	if err := s.Store.CreateWorkOrder(ctx, w, evs); err != nil {
		return nil, err
	}
	s.notify(ctx, w, "created", actor, false)
	if err := s.applyConditions(ctx, t, w); err != nil {
		return nil, err
	}
	return w, nil
}

// checkRefs checks that the customer, call, agent and queue named exist in
// the tenant.
func (s *Service) checkRefs(ctx context.Context, tenant string, customer int64, call, agent, queue string) error {
	if customer != 0 {
		if _, err := s.Store.GetCustomer(ctx, tenant, customer); err != nil {
			if store.IsNotFound(err) {
				return invalid("customer_id %d: no such customer", customer)
			}
			return err
		}
	}
	if call != "" {
		if _, err := s.Store.GetCall(ctx, tenant, call); err != nil {
			if store.IsNotFound(err) {
				return invalid("call_id %q: no such call", call)
			}
			return err
		}
	}
	if agent != "" {
		if _, err := s.Store.GetUser(ctx, tenant, agent); err != nil {
			if store.IsNotFound(err) {
				return invalid("assignee_agent %q: no such user", agent)
			}
			return err
		}
	}
	if queue != "" {
		if _, err := s.Store.GetACDQueue(ctx, tenant, queue); err != nil {
			if store.IsNotFound(err) {
				return invalid("assignee_queue %q: no such queue", queue)
			}
			return err
		}
	}
	return nil
}

// Update applies a change: status moves must be allowed by the type, each
// changed property is a history event, and condition rules run after.
func (s *Service) Update(ctx context.Context, tenant, actor string, id int64, ch Change) (*store.WorkOrder, error) {
	w, err := s.Store.GetWorkOrder(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	t, err := s.Type(ctx, tenant, w.TypeID)
	if err != nil {
		return nil, err
	}
	before := w.UpdatedAt
	now := s.now()
	var evs []store.WorkOrderEvent
	ev := func(kind string, kv ...any) {
		evs = append(evs, store.WorkOrderEvent{Kind: kind, Actor: actor, At: now, Detail: detail(kv...)})
	}
	reasons := []string{}
	if ch.Title != nil && *ch.Title != w.Title {
		if err := checkTitle(*ch.Title); err != nil {
			return nil, err
		}
		ev("title", "from", w.Title, "to", *ch.Title)
		w.Title = *ch.Title
	}
	if ch.Description != nil && *ch.Description != w.Description {
		if n := len([]rune(*ch.Description)); n > 10000 {
			return nil, invalid("description: %d characters, at most 10000", n)
		}
		ev("description")
		w.Description = *ch.Description
	}
	if ch.Priority != nil && *ch.Priority != w.Priority {
		if !slices.Contains(Priorities, *ch.Priority) {
			return nil, invalid("priority %q: must be one of %s", *ch.Priority, strings.Join(Priorities, ", "))
		}
		ev("priority", "from", w.Priority, "to", *ch.Priority)
		w.Priority = *ch.Priority
	}
	if ch.Status != nil && *ch.Status != w.Status {
		if err := t.CanMove(w.Status, *ch.Status); err != nil {
			return nil, invalid("%v", err)
		}
		ev("status", "from", w.Status, "to", *ch.Status)
		w.Status = *ch.Status
		if st, _ := t.Status(w.Status); st.Resolved {
			w.ResolvedAt = &now
		} else {
			w.ResolvedAt = nil
		}
		reasons = append(reasons, "status")
	}
	if ch.CustomerID != nil && *ch.CustomerID != w.CustomerID {
		if err := s.checkRefs(ctx, tenant, *ch.CustomerID, "", "", ""); err != nil {
			return nil, err
		}
		ev("customer", "from", w.CustomerID, "to", *ch.CustomerID)
		w.CustomerID = *ch.CustomerID
	}
	agent, queue := w.AssigneeAgent, w.AssigneeQueue
	if ch.AssigneeAgent != nil {
		agent = *ch.AssigneeAgent
	}
	if ch.AssigneeQueue != nil {
		queue = *ch.AssigneeQueue
	}
	if agent != w.AssigneeAgent || queue != w.AssigneeQueue {
		if err := s.checkRefs(ctx, tenant, 0, "", agent, queue); err != nil {
			return nil, err
		}
		ev("assigned", "agent", agent, "queue", queue, "from_agent", w.AssigneeAgent, "from_queue", w.AssigneeQueue)
		w.AssigneeAgent, w.AssigneeQueue = agent, queue
		reasons = append(reasons, "assigned")
	}
	if ch.Fields != nil {
		cur := map[string]any{}
		_ = json.Unmarshal([]byte(w.Fields), &cur)
		for k, v := range ch.Fields {
			cur[k] = v
		}
		vals, err := ValidateValues("fields", t.Fields, cur)
		if err != nil {
			return nil, invalid("%v", err)
		}
		if nf := jsonOf(vals); nf != w.Fields {
			ev("fields", "fields", ch.Fields)
			w.Fields = nf
		}
	}
	if len(evs) == 0 {
		return w, nil
	}
	if err := s.Store.UpdateWorkOrder(ctx, w, evs, before); err != nil {
		return nil, err
	}
	if len(reasons) == 0 {
		reasons = append(reasons, "updated")
	}
	s.notify(ctx, w, reasons[len(reasons)-1], actor, false)
	if err := s.applyConditions(ctx, t, w); err != nil {
		return nil, err
	}
	return w, nil
}

// Comment adds a comment to an order's history.
func (s *Service) Comment(ctx context.Context, tenant, actor string, id int64, text string) (*store.WorkOrderEvent, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, invalid("text: required")
	}
	if n := len([]rune(text)); n > 5000 {
		return nil, invalid("text: %d characters, at most 5000", n)
	}
	w, err := s.Store.GetWorkOrder(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	ev := store.WorkOrderEvent{Kind: "comment", Actor: actor, At: s.now(), Detail: detail("text", text)}
	evs := []store.WorkOrderEvent{ev}
	if err := s.Store.UpdateWorkOrder(ctx, w, evs, w.UpdatedAt); err != nil {
		return nil, err
	}
	s.notify(ctx, w, "commented", actor, false)
	return &evs[0], nil
}

// Attachment limits.
const MaxAttachment = 5 << 20

// AttachmentTypes are the content types an attachment may have.
var AttachmentTypes = []string{"image/png", "image/jpeg", "image/gif", "application/pdf", "text/plain", "text/csv",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "audio/wav", "audio/mpeg"}

// Attach stores a file on an order.
func (s *Service) Attach(ctx context.Context, tenant, actor string, id int64, name, contentType string, data []byte) (*store.WorkOrderAttachment, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 || strings.ContainsAny(name, "/\\\x00") {
		return nil, invalid("name %q: a file name of 1-200 characters without slashes", name)
	}
	if ct, _, ok := strings.Cut(contentType, ";"); ok {
		contentType = strings.TrimSpace(ct)
	}
	if !slices.Contains(AttachmentTypes, contentType) {
		return nil, invalid("content type %q: must be one of %s", contentType, strings.Join(AttachmentTypes, ", "))
	}
	if len(data) == 0 {
		return nil, invalid("file %q is empty", name)
	}
	if len(data) > MaxAttachment {
		return nil, invalid("file %q: %d bytes, at most %d", name, len(data), MaxAttachment)
	}
	w, err := s.Store.GetWorkOrder(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	a := &store.WorkOrderAttachment{TenantID: tenant, WorkOrderID: id, Name: name, ContentType: contentType, SizeBytes: int64(len(data)), Data: data, CreatedBy: actor}
	if err := s.Store.AddWorkOrderAttachment(ctx, a, w, store.WorkOrderEvent{Kind: "attachment", Actor: actor, At: s.now(), Detail: detail("name", name, "size_bytes", len(data), "content_type", contentType)}); err != nil {
		return nil, err
	}
	s.notify(ctx, w, "attached", actor, false)
	return a, nil
}

func fired(w *store.WorkOrder) []string {
	var f []string
	_ = json.Unmarshal([]byte(w.Escalations), &f)
	return f
}

// applyConditions fires the type's condition rules that match the order
// now and have not fired before.
func (s *Service) applyConditions(ctx context.Context, t *TypeConfig, w *store.WorkOrder) error {
	if len(t.Conditions) == 0 {
		return nil
	}
	fields := map[string]any{}
	_ = json.Unmarshal([]byte(w.Fields), &fields)
	env := Env{Priority: w.Priority, Type: w.TypeID, Status: w.Status, AssigneeAgent: w.AssigneeAgent, AssigneeQueue: w.AssigneeQueue, CustomerID: w.CustomerID, CallID: w.CallID, Fields: fields}
	for i, r := range t.Conditions {
		key := fmt.Sprintf("cond:%d", i)
		if slices.Contains(fired(w), key) {
			continue
		}
		ok, err := r.Matches(env)
		if err != nil {
			s.log().Warn("work-order condition", "tenant", w.TenantID, "type", t.ID, "rule", i, "err", err)
			continue
		}
		if !ok {
			continue
		}
		if err := s.fire(ctx, w, key, r.Action, r.Agent, r.Queue, "condition", r.When); err != nil {
			return err
		}
	}
	return nil
}

// fire applies one escalation action and records it (key) as fired.
func (s *Service) fire(ctx context.Context, w *store.WorkOrder, key, action, agent, queue, trigger, why string) error {
	before := w.UpdatedAt
	f := append(fired(w), key)
	w.Escalations = jsonOf(f)
	now := s.now()
	kind, reason := "notified", "notified"
	d := []any{"rule", key, "trigger", trigger, "why", why, "action", action}
	switch action {
	case ActionEscalate:
		old := w.Priority
		w.Priority = RaisePriority(w.Priority)
		kind, reason = "escalated", "escalated"
		d = append(d, "from", old, "to", w.Priority)
	case ActionReassign:
		d = append(d, "from_agent", w.AssigneeAgent, "from_queue", w.AssigneeQueue, "agent", agent, "queue", queue)
		w.AssigneeAgent, w.AssigneeQueue = agent, queue
		kind, reason = "reassigned", "reassigned"
	}
	if err := s.Store.UpdateWorkOrder(ctx, w, []store.WorkOrderEvent{{Kind: kind, Actor: "system", At: now, Detail: detail(d...)}}, before); err != nil {
		return fmt.Errorf("crm: work order %d rule %s: %w", w.ID, key, err)
	}
	s.notify(ctx, w, reason, "system", true)
	return nil
}

// notify publishes a work-order event to the assignee (or the assigned
// queue's agents) — supervisors see every event of their tenant — and to
// the webhook hook.
func (s *Service) notify(ctx context.Context, w *store.WorkOrder, reason, by string, supervisors bool) {
	if s.Hook != nil {
		s.Hook.Emit(ctx, w.TenantID, "workorder."+reason, w)
	}
	s.textSMS(ctx, w, reason)
	if s.Events == nil {
		return
	}
	ev := dispatch.Event{Type: EventWorkOrder, Tenant: w.TenantID, Queue: w.AssigneeQueue, Target: fmt.Sprint(w.ID), Reason: reason, State: w.Status, By: by,
		Vars: map[string]string{"title": w.Title, "priority": w.Priority, "type": w.TypeID}, At: s.now()}
	if supervisors {
		ev.Vars["supervisors"] = "true"
	}
	to := []string{}
	if w.AssigneeAgent != "" {
		to = append(to, w.AssigneeAgent)
	} else if w.AssigneeQueue != "" {
		if ms, err := s.Store.ListACDMembers(ctx, w.TenantID, w.AssigneeQueue); err == nil {
			for _, m := range ms {
				to = append(to, m.AgentID)
			}
		}
	}
	if len(to) == 0 {
		s.Events.Publish(ev) // supervisors still see it
		return
	}
	for _, a := range to {
		e := ev
		e.Agent = a
		s.Events.Publish(e)
	}
}

// textSMS sends the type's work-order SMS for this change, if the type asks
// for it, in the background: a slow gateway never holds the change up, and
// a failed send is logged (the message's own status says why).
func (s *Service) textSMS(ctx context.Context, w *store.WorkOrder, reason string) {
	if s.SMS == nil {
		return
	}
	t, err := s.Type(ctx, w.TenantID, w.TypeID)
	if err != nil {
		s.log().Warn("work-order SMS: type not loaded", "tenant", w.TenantID, "order", w.ID, "type", w.TypeID, "err", err)
		return
	}
	n := t.SMS
	if n == nil || !slices.Contains(n.On, reason) {
		return
	}
	status := w.Status
	if st, ok := t.Status(w.Status); ok {
		status = st.Label
	}
	vars := map[string]string{"workorder": fmt.Sprint(w.ID), "title": w.Title, "status": status, "status_id": w.Status,
		"priority": w.Priority, "type": t.Name, "reason": reason, "agent": w.AssigneeAgent, "queue": w.AssigneeQueue}
	order := *w
	timeout := s.SMSTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
		defer cancel()
		log := s.log().With("tenant", order.TenantID, "order", order.ID, "reason", reason, "template", n.Template)
		var to []string
		if n.Customer && order.CustomerID != 0 {
			c, err := s.Store.GetCustomer(ctx, order.TenantID, order.CustomerID)
			switch {
			case err != nil:
				log.Warn("work-order SMS: customer not loaded", "customer", order.CustomerID, "err", err)
			case len(c.Numbers) == 0:
				log.Info("work-order SMS: the customer has no number", "customer", order.CustomerID)
			default:
				to = append(to, c.Numbers[0])
			}
		}
		if n.Assignee && order.AssigneeAgent != "" {
			num, err := s.SMS.AgentNumber(ctx, order.TenantID, order.AssigneeAgent)
			switch {
			case err != nil:
				log.Warn("work-order SMS: the assignee's number not loaded", "agent", order.AssigneeAgent, "err", err)
			case num == "":
				log.Info("work-order SMS: no number for the assignee in the SMS settings (agent_numbers)", "agent", order.AssigneeAgent)
			case !slices.Contains(to, num):
				to = append(to, num)
			}
		}
		for _, num := range to {
			if err := s.SMS.SendTemplate(ctx, order.TenantID, num, n.Template, vars, "workorder"); err != nil {
				log.Warn("work-order SMS not sent", "to", num, "err", err)
			}
		}
	}()
}
