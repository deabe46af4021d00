package controller

// subscriber is one consumer of the controller's event stream.
type subscriber struct {
	ch      chan Event
	types   map[EventType]bool // nil: every event
	dropped uint64
	closed  bool
}

// Subscribe returns a channel receiving the events of every switch
// (restricted to types, if given; e.g. EventSwitchConnected and
// EventSwitchDisconnected for a health view) and a cancel func. The channel
// is buffered (Options.SubscriberBuffer); a subscriber that falls behind
// loses events, which is logged and counted, instead of stalling the switch
// pumps. The channel is closed by cancel or when Run returns.
func (c *Controller) Subscribe(types ...EventType) (<-chan Event, func()) {
	return c.SubscribeBuffered(c.opts.SubscriberBuffer, types...)
}

// SubscribeBuffered is Subscribe with a channel of buf events (at least
// 1): for a consumer whose events come in bursts with the calls (holds at
// thousands of calls) and must not be lost to a short stall.
func (c *Controller) SubscribeBuffered(buf int, types ...EventType) (<-chan Event, func()) {
	s := &subscriber{ch: make(chan Event, max(buf, 1))}
	if len(types) > 0 {
		s.types = map[EventType]bool{}
		for _, t := range types {
			s.types[t] = true
		}
	}
	c.subMu.Lock()
	if c.subs == nil { // Run already closed everything
		s.closed = true
		close(s.ch)
	} else {
		c.subs[s] = struct{}{}
	}
	c.subMu.Unlock()
	cancel := func() {
		c.subMu.Lock()
		defer c.subMu.Unlock()
		if !s.closed {
			s.closed = true
			delete(c.subs, s)
			close(s.ch)
		}
	}
	return s.ch, cancel
}

func (c *Controller) publish(ev Event) {
	c.subMu.Lock()
	defer c.subMu.Unlock()
	for s := range c.subs {
		if s.types != nil && !s.types[ev.Type] {
			continue
		}
		select {
		case s.ch <- ev:
		default:
			s.dropped++
			c.metrics.subDrops.Inc()
			// Log the first drop and then every power of two, so a stuck
			// consumer is visible without flooding the log.
			if s.dropped&(s.dropped-1) == 0 {
				c.log.Warn("event subscriber is not keeping up; events dropped for it",
					"dropped", s.dropped, "buffer", cap(s.ch), "type", ev.Type.String())
			}
		}
	}
}

func (c *Controller) closeSubscribers() {
	c.subMu.Lock()
	defer c.subMu.Unlock()
	for s := range c.subs {
		if !s.closed {
			s.closed = true
			close(s.ch)
		}
	}
	c.subs = nil
}
