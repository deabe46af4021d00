package dispatch

import (
	"context"
	"time"

	"github.com/ipcc/ipcc/inbound"
)

var _ inbound.TalkTaker = (*Dispatcher)(nil)

// TakeTalking implements inbound.TalkTaker: the engine of tenant puts
// agent on call callID from at (acd.Engine.TakeBack), the previous
// controller having bridged them with the caller just before it died.
// The conversation is then carried on like any re-adopted answered call
// (ResumeConversation).
func (d *Dispatcher) TakeTalking(ctx context.Context, tenant, callID, queue, agent string, at time.Time) (time.Duration, error) {
	eng, err := d.tenants.Get(ctx, tenant)
	if err != nil {
		return 0, err
	}
	return eng.TakeBack(ctx, callID, queue, agent, at)
}
