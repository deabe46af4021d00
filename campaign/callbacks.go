package campaign

import (
	"context"
	"log/slog"
	"time"

	"github.com/ipcc/ipcc/clock"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/store"
)

// EventCallbackDue is the event an agent's desktop gets when a scheduled
// call-back is due (Reason "due", to its owner or, when the queue owns it,
// to every agent of the queue) or overdue (Reason "overdue": its owner's
// grace period passed and it fell to the queue's agents). Target is the
// call-back id.
const EventCallbackDue = "callback_due"

// Publisher hands events to the WebSocket subscribers.
type Publisher interface {
	Publish(ev dispatch.Event)
}

// CallbackOptions wire a CallbackScheduler.
type CallbackOptions struct {
	Store  *store.Store
	Events Publisher
	Clock  clock.Clock
	Logger *slog.Logger
	// Interval between checks (default 15 s).
	Interval time.Duration
	// Active tells whether this controller is the active one (the holder
	// of the switch lease, as for the dialer); a standby sends nothing.
	Active func() bool
}

// CallbackScheduler sends the due and overdue notices of scheduled
// call-backs (docs/outbound.md). One runs per controller; only the active
// one works, and a notice is recorded (notified_at) so it is sent once.
type CallbackScheduler struct {
	opt CallbackOptions
	log *slog.Logger
}

// NewCallbackScheduler makes a scheduler; Run starts it.
func NewCallbackScheduler(opt CallbackOptions) *CallbackScheduler {
	if opt.Clock == nil {
		opt.Clock = clock.Real()
	}
	if opt.Interval <= 0 {
		opt.Interval = 15 * time.Second
	}
	log := opt.Logger
	if log == nil {
		log = slog.Default()
	}
	return &CallbackScheduler{opt: opt, log: log.With("component", "callbacks")}
}

// Run checks every Interval until ctx ends.
func (s *CallbackScheduler) Run(ctx context.Context) error {
	t := s.opt.Clock.NewTimer(s.opt.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C():
			s.Tick(ctx)
			t.Reset(s.opt.Interval)
		}
	}
}

// Tick sends the notices due now and returns how many call-backs it
// notified.
func (s *CallbackScheduler) Tick(ctx context.Context) int {
	if s.opt.Active != nil && !s.opt.Active() {
		return 0
	}
	now := s.opt.Clock.Now()
	due, err := s.opt.Store.DueCallbacks(ctx, now, 500)
	if err != nil {
		s.log.Warn("due call-backs", "err", err)
		return 0
	}
	n := 0
	for _, cb := range due {
		ev := dispatch.Event{Type: EventCallbackDue, Tenant: cb.TenantID, Queue: cb.QueueID, Target: cb.ID, Caller: cb.Caller, Reason: "due", At: now}
		var to []string
		switch {
		case cb.OwnerAgent != "" && (cb.OwnerUntil == nil || now.Before(*cb.OwnerUntil)):
			to = []string{cb.OwnerAgent}
		default:
			if cb.OwnerAgent != "" {
				ev.Reason = "overdue"
			}
			members, err := s.opt.Store.ListACDMembers(ctx, cb.TenantID, cb.QueueID)
			if err != nil {
				s.log.Warn("members of a call-back's queue", "tenant", cb.TenantID, "queue", cb.QueueID, "err", err)
				continue
			}
			for _, m := range members {
				to = append(to, m.AgentID)
			}
		}
		for _, a := range to {
			e := ev
			e.Agent = a
			s.opt.Events.Publish(e)
		}
		if err := s.opt.Store.MarkCallbackNotified(ctx, cb.TenantID, cb.ID, now); err != nil {
			s.log.Warn("mark call-back notified", "tenant", cb.TenantID, "callback", cb.ID, "err", err)
			continue
		}
		n++
	}
	return n
}
