package acd

// Indexes over the agents, so that the lookups done on every hold event
// (who is on call X) and on every log-in (is this device in use) do not
// walk every agent (docs/PERFORMANCE.md, capacity). Both are checked on
// read: an entry is only a candidate, confirmed against the agent's own
// fields, so an entry left behind never gives a wrong answer; entries are
// added wherever the indexed field is set (an agent's device at log-in
// and restore, its offer and connected call) and dropped when found
// stale or when the call leaves the engine.

// deviceKey is the index key of a device: its canonical form, or the
// device itself when it has none. sameDevice(a, b) implies equal keys.
func deviceKey(d string) string {
	if c, err := CleanDevice(d); err == nil {
		return c
	}
	return "\x00" + d
}

// indexDevice notes that a holds device d.
func (c *core) indexDevice(a *agent, d string) {
	if d == "" {
		return
	}
	k := deviceKey(d)
	for _, o := range c.byDevice[k] {
		if o == a {
			return
		}
	}
	c.byDevice[k] = append(c.byDevice[k], a)
}

// deviceUser is another signed-in agent than a on device d, or nil; it
// drops the entries of d's key found stale.
func (c *core) deviceUser(a *agent, d string) *agent {
	k := deviceKey(d)
	list := c.byDevice[k]
	keep := list[:0]
	var found *agent
	for _, o := range list {
		if o.st.State == LoggedOut || deviceKey(o.device) != k {
			continue // stale: logged out, or on another device since
		}
		keep = append(keep, o)
		if o != a && found == nil && sameDevice(o.device, d) {
			found = o
		}
	}
	clear(list[len(keep):])
	if len(keep) == 0 {
		delete(c.byDevice, k)
	} else {
		c.byDevice[k] = keep
	}
	return found
}

// indexCall notes that a is offered or connected to callID.
func (c *core) indexCall(a *agent, callID string) {
	for _, o := range c.byCall[callID] {
		if o == a {
			return
		}
	}
	c.byCall[callID] = append(c.byCall[callID], a)
}

// unindexCall forgets callID (it left the engine).
func (c *core) unindexCall(callID string) { delete(c.byCall, callID) }

// shownCall is the call an on-call agent shows (agentSnapshot's CallID): the
// offer's call, else the connected one.
func shownCall(a *agent) string {
	switch {
	case a.offer != nil:
		return a.offer.e.callID
	case a.call != nil:
		return a.call.callID
	}
	return ""
}
