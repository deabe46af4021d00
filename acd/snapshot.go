package acd

import (
	"slices"
	"time"
)

// Snapshot is the supervisors' view of a tenant's ACD at one instant.
type Snapshot struct {
	Tenant string          `json:"tenant"`
	At     time.Time       `json:"at"`
	Queues []QueueSnapshot `json:"queues"`
	Agents []AgentSnapshot `json:"agents"`
	// BreakQueue lists agents whose break request waits for the cap, in
	// order.
	BreakQueue []string `json:"break_queue"`
}

// QueueSnapshot is one queue's live figures.
type QueueSnapshot struct {
	ID          string        `json:"id"`
	Name        string        `json:"name"`
	Strategy    Strategy      `json:"strategy"`
	Waiting     []WaitingCall `json:"waiting"`
	LongestWait Duration      `json:"longest_wait_ms"`
	// Agents counts members by state name.
	Agents   map[string]int `json:"agents"`
	Members  int            `json:"members"`
	LoggedIn int            `json:"logged_in"`
	// Today's counters (tenant-local day).
	Entered    int `json:"entered_today"`
	Answered   int `json:"answered_today"`
	Abandoned  int `json:"abandoned_today"`
	Overflowed int `json:"overflowed_today"`
	Callbacks  int `json:"callbacks_today"`
	// ServiceLevel is answered within ServiceLevelThreshold over answered
	// plus abandoned after it.
	ServiceLevel          float64  `json:"service_level"`
	ServiceLevelThreshold Duration `json:"service_level_threshold_ms"`
	AvgSpeedOfAnswer      Duration `json:"avg_speed_of_answer_ms"`
	AvgHandleTime         Duration `json:"avg_handle_time_ms"`
	// EstimatedWait for a caller joining now (-1 ms: unknown, nobody
	// staffs the queue).
	EstimatedWait Duration `json:"estimated_wait_ms"`
}

// WaitingCall is a caller in a queue, waiting or being offered.
type WaitingCall struct {
	CallID   string            `json:"call_id"`
	Caller   string            `json:"caller"`
	Priority int               `json:"priority"`
	Position int               `json:"position"` // 0 while being offered
	Waited   Duration          `json:"waited_ms"`
	Offered  []string          `json:"offered_to,omitempty"`
	Data     map[string]string `json:"data,omitempty"`
}

// AgentSnapshot is one agent's live state.
type AgentSnapshot struct {
	AgentID string `json:"agent_id"`
	// Name is the user's display name and WorkNumber their work number
	// (工号), so supervisors see who the agent is (the API fills Name from
	// the user record; the engine knows ids only).
	Name       string `json:"name,omitempty"`
	WorkNumber string `json:"work_number,omitempty"`
	// Group is the agent's group (班组) from the user record (the API
	// fills it), by which supervisors filter the live grid.
	Group        string    `json:"group,omitempty"`
	Device       string    `json:"device,omitempty"`
	State        State     `json:"state"`
	Reason       string    `json:"reason,omitempty"`
	Since        time.Time `json:"since"`
	Pending      string    `json:"pending,omitempty"`
	BreakWaiting string    `json:"break_waiting,omitempty"`
	CallID       string    `json:"call_id,omitempty"`
	QueueID      string    `json:"queue_id,omitempty"`
	// HeldSince is when the agent's call went on hold, while it is held
	// (the API fills it from the dispatcher; the engine knows no holds).
	HeldSince time.Time `json:"held_since,omitzero"`
	WrapUpEnd time.Time `json:"wrap_up_end,omitzero"`
	// SummaryDue names the call whose required service summary keeps the
	// agent in wrap-up.
	SummaryDue    string       `json:"summary_due,omitempty"`
	CallsToday    int          `json:"calls_today"`
	TalkTimeToday Duration     `json:"talk_time_today_ms"`
	Queues        []AgentQueue `json:"queues"`
}

// AgentQueue is one of an agent's queues: the membership and whether the
// agent is logged in to that queue (false for every queue while the agent
// is logged out).
type AgentQueue struct {
	Member
	LoggedIn bool `json:"logged_in"`
}

func (c *core) snapshot() Snapshot {
	now := c.now()
	s := Snapshot{Tenant: c.tenant, At: now, Queues: []QueueSnapshot{}, Agents: []AgentSnapshot{}, BreakQueue: []string{}}
	byQueue := map[*queue][]*entry{}
	for _, e := range c.calls {
		if e.agent == nil && !e.restoredOn {
			byQueue[e.q] = append(byQueue[e.q], e)
		}
	}
	for _, q := range c.queues {
		q.stats.roll(c, now)
		qs := QueueSnapshot{ID: q.cfg.ID, Name: q.cfg.Name, Strategy: q.cfg.Strategy, Waiting: []WaitingCall{}, Agents: map[string]int{},
			Members: len(q.members), LoggedIn: q.loggedIn, Entered: q.stats.Entered, Answered: q.stats.Answered,
			Abandoned: q.stats.Abandoned, Overflowed: q.stats.Overflowed, Callbacks: q.stats.Callbacks,
			ServiceLevel: q.stats.serviceLevel(), ServiceLevelThreshold: Duration(q.cfg.serviceLevel()),
			AvgHandleTime: Duration(q.aht.value(q.cfg.defaultHandle())), EstimatedWait: Duration(c.estimate(q, q.queued()+1))}
		if qs.EstimatedWait < 0 {
			qs.EstimatedWait = Duration(-time.Millisecond) // unknown: -1 in milliseconds too
		}
		if q.stats.Answered > 0 {
			qs.AvgSpeedOfAnswer = Duration(q.stats.waitSum / time.Duration(q.stats.Answered))
		}
		if len(q.idx.sets) > 0 && q.idx.count() > 0 {
			qs.EstimatedWait = 0
		}
		for _, m := range q.members {
			st := m.a.st.State
			if m.off {
				st = LoggedOut // logged out of this queue only
			}
			qs.Agents[st.String()]++
		}
		es := byQueue[q]
		slices.SortFunc(es, func(x, y *entry) int {
			if (len(x.offers) > 0) != (len(y.offers) > 0) {
				if len(x.offers) > 0 {
					return -1
				}
				return 1
			}
			if x.before(y) {
				return -1
			}
			return 1
		})
		pos := 0
		for _, e := range es {
			w := WaitingCall{CallID: e.callID, Caller: e.caller, Priority: e.priority, Waited: Duration(now.Sub(e.enqueued)), Data: e.data}
			if len(e.offers) > 0 {
				for _, o := range e.offers {
					w.Offered = append(w.Offered, o.a.id)
				}
			} else {
				pos++
				w.Position = pos
			}
			if w.Waited > qs.LongestWait {
				qs.LongestWait = w.Waited
			}
			qs.Waiting = append(qs.Waiting, w)
		}
		s.Queues = append(s.Queues, qs)
	}
	slices.SortFunc(s.Queues, func(x, y QueueSnapshot) int { return cmpString(x.ID, y.ID) })
	for _, a := range c.agents {
		if a.st.State == LoggedOut && len(a.members) == 0 {
			continue
		}
		s.Agents = append(s.Agents, c.agentSnapshot(a))
	}
	slices.SortFunc(s.Agents, func(x, y AgentSnapshot) int { return cmpString(x.AgentID, y.AgentID) })
	for _, a := range c.breakWait {
		s.BreakQueue = append(s.BreakQueue, a.id)
	}
	return s
}

func (c *core) agentSnapshot(a *agent) AgentSnapshot {
	c.today(a)
	r := c.agentRecord(a)
	as := AgentSnapshot{AgentID: a.id, WorkNumber: a.workNumber, Device: a.device, State: a.st.State, Reason: a.st.Reason, Since: a.since,
		Pending: r.Pending, BreakWaiting: a.breakWait, CallsToday: a.callsToday, TalkTimeToday: Duration(a.talkToday), WrapUpEnd: a.wrapEnd,
		SummaryDue: a.summaryDue, Queues: []AgentQueue{}}
	switch {
	case a.offer != nil:
		as.CallID, as.QueueID = a.offer.e.callID, a.offer.e.q.cfg.ID
	case a.st.State == OnCall || a.st.State == WrapUp:
		as.CallID, as.QueueID = r.CallID, r.QueueID
	}
	for _, m := range a.members {
		as.Queues = append(as.Queues, AgentQueue{Member: m.cfg, LoggedIn: a.st.State != LoggedOut && !m.off})
	}
	slices.SortFunc(as.Queues, func(x, y AgentQueue) int { return cmpString(x.QueueID, y.QueueID) })
	return as
}

// onCallAgent is the agent snapshot shows on-call with callID: its CallID
// is the offer's call, else the call it is on (agentSnapshot); of several,
// the last by agent id, as a loop over the sorted snapshot finds.
//
// The agents offered or connected to callID are indexed (byCall), so this
// looks at those only, whatever the number of agents.
func (c *core) onCallAgent(callID string) string {
	found := ""
	for _, a := range c.byCall[callID] {
		if a.st.State == OnCall && shownCall(a) == callID && (found == "" || cmpString(a.id, found) > 0) {
			found = a.id
		}
	}
	return found
}
