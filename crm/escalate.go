package crm

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ipcc/ipcc/store"
)

// Escalator runs the time-triggered escalations and the SLA breach of
// unresolved work orders. One runs per controller; Active (nil: always)
// says whether this one is the active controller. Each rule fires once per
// order: the fired rules are kept on the order.
type Escalator struct {
	Service  *Service
	Interval time.Duration // default 30 s
	Active   func() bool
}

// Run ticks every Interval until ctx ends.
func (e *Escalator) Run(ctx context.Context) error {
	iv := e.Interval
	if iv <= 0 {
		iv = 30 * time.Second
	}
	clk := e.Service.Clock
	if clk == nil {
		t := time.NewTicker(iv)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
				e.Tick(ctx)
			}
		}
	}
	t := clk.NewTimer(iv)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C():
			e.Tick(ctx)
			t.Reset(iv)
		}
	}
}

// Tick applies what is due now and returns how many actions it took.
func (e *Escalator) Tick(ctx context.Context) int {
	if e.Active != nil && !e.Active() {
		return 0
	}
	s := e.Service
	now := s.now()
	open, err := s.Store.OpenWorkOrders(ctx, now, 2000)
	if err != nil {
		s.log().Warn("open work orders", "err", err)
		return 0
	}
	types := map[string]*TypeConfig{}
	n := 0
	for i := range open {
		w := &open[i]
		key := w.TenantID + "\x00" + w.TypeID
		t, ok := types[key]
		if !ok {
			t, err = s.Type(ctx, w.TenantID, w.TypeID)
			if err != nil {
				s.log().Warn("work-order type", "tenant", w.TenantID, "type", w.TypeID, "err", err)
				continue
			}
			types[key] = t
		}
		k, err := e.due(ctx, t, w, now)
		if err != nil {
			s.log().Warn("work-order escalation", "tenant", w.TenantID, "workorder", w.ID, "err", err)
		}
		n += k
	}
	return n
}

func (e *Escalator) due(ctx context.Context, t *TypeConfig, w *store.WorkOrder, now time.Time) (int, error) {
	s := e.Service
	n := 0
	if w.DueAt != nil && !w.SLABreached && !now.Before(*w.DueAt) {
		before := w.UpdatedAt
		w.SLABreached = true
		ev := store.WorkOrderEvent{Kind: "sla_breached", Actor: "system", At: now, Detail: detail("due_at", w.DueAt.UTC().Format(time.RFC3339))}
		if err := s.Store.UpdateWorkOrder(ctx, w, []store.WorkOrderEvent{ev}, before); err != nil {
			return n, fmt.Errorf("crm: work order %d SLA breach: %w", w.ID, err)
		}
		s.notify(ctx, w, "sla_breached", "system", true)
		n++
	}
	for i, r := range t.Escalations {
		key := fmt.Sprintf("time:%d", i)
		if slices.Contains(fired(w), key) || now.Before(w.CreatedAt.Add(time.Duration(r.AfterMinutes)*time.Minute)) {
			continue
		}
		why := fmt.Sprintf("unresolved after %d minutes", r.AfterMinutes)
		if err := s.fire(ctx, w, key, r.Action, r.Agent, r.Queue, "time", why); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
