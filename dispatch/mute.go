package dispatch

import (
	"context"
	"fmt"
)

// Agent events about the agent's own audio (see Event.Type).
const (
	EventMuted   = "muted"   // the agent muted themself: the caller hears silence
	EventUnmuted = "unmuted" // the agent is heard again
)

// mute mutes (on) or unmutes the agent's own leg: the caller (and a
// consulted party) stop hearing the agent, who still hears them. Unlike
// hold, the caller hears silence, not music. The agent's desktop is told.
func (cv *conversation) mute(ctx context.Context, on bool) error {
	w := cv.w
	if err := cv.agent.Mute(ctx, on); err != nil {
		return fmt.Errorf("mute agent %s: %w", cv.e.AgentID, err)
	}
	typ := EventUnmuted
	if on {
		typ = EventMuted
	}
	w.c.Note("queue", "agent "+cv.e.AgentID+" "+typ)
	w.d.publish(Event{Type: typ, Tenant: w.tenant, Agent: cv.e.AgentID, Call: cv.e.CallID, Queue: w.queue, At: w.d.opt.Clock.Now()})
	return nil
}
