package inbound

import (
	"context"
	"time"

	"github.com/ipcc/ipcc/controller"
)

// endJoinedLegs ends the legs that joined a re-adopted call (the agent leg
// the caller was bridged with re-adopts into the caller's call): when the
// caller is gone they are hung up, as the first controller's conversation
// would have done, and their end is awaited (bounded) so that the record's
// rows get their hangup causes.
func endJoinedLegs(ctx context.Context, c *controller.Call) {
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	var rest []*controller.Leg
	for _, l := range c.Legs() {
		if l.Inbound() {
			continue
		}
		if _, _, gone := l.HangupCause(); !gone {
			rest = append(rest, l)
			_ = l.Hangup(hctx, controller.CauseNormalClearing)
		}
	}
	for _, l := range rest {
		select {
		case <-l.Done():
		case <-hctx.Done():
			return
		}
	}
}
