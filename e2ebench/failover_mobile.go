package e2ebench

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipcc/ipcc/store"
)

// Agents on a mobile number (转手机) in the failover bench: their legs are
// PSTN legs the controller dials through the default trunk, not phones
// registered on the switch, and must come through a takeover as desk
// phones do. What the switch (the simulator) saw of those legs is the
// truth the records are held against.

// MobileTalkTolerance bounds how far a call's recorded talk time may be
// from the talk the switch saw (mobile answered → mobile hung up): the
// record's two ends are when the controllers heard of them.
const MobileTalkTolerance = 2 * time.Second

// MobileOutcome is what became of the failover bench's agents on a mobile
// number.
type MobileOutcome struct {
	// Agents on a mobile number, dialled through Trunk.
	Agents int    `json:"agents"`
	Trunk  string `json:"trunk"`
	// TalkingAtKill: mobile legs up (answered, not ended) at the kill, by
	// the switch's clock; Kept: of those, the caller stayed connected
	// until the mobile hung up by itself after its full talk, and the
	// call's one record is closed, answered by the mobile's agent, its
	// talk time within MobileTalkTolerance of the switch's. TalkError is
	// the largest difference seen.
	TalkingAtKill int           `json:"talking_at_kill"`
	Kept          int           `json:"kept"`
	TalkError     time.Duration `json:"talk_error_ns"`
	// OfferedAfter: mobile legs rung after the standby took over;
	// AnsweredAfter: of those, answered, their record closed and naming
	// the mobile's agent.
	OfferedAfter  int `json:"offered_after"`
	AnsweredAfter int `json:"answered_after"`
	// NotThroughTrunk: mobile legs not dialled through Trunk; Overlaps: a
	// mobile rung while its previous leg was still up (an agent offered
	// two calls at once, as the switch saw it).
	NotThroughTrunk int `json:"not_through_trunk"`
	Overlaps        int `json:"overlaps"`
	// Problems says what went wrong, call by call.
	Problems []string `json:"problems,omitempty"`
}

// Clean reports whether nothing went wrong with the mobile agents: every
// call they were on at the kill kept, every leg through the trunk, no
// overlap.
func (m *MobileOutcome) Clean() bool {
	return m.Kept == m.TalkingAtKill && m.NotThroughTrunk == 0 && m.Overlaps == 0 && len(m.Problems) == 0
}

// Exercised reports whether the run tested what it is for: a mobile agent
// talking through the kill, and offered a call after the takeover.
func (m *MobileOutcome) Exercised() bool { return m.TalkingAtKill > 0 && m.AnsweredAfter > 0 }

func (m *MobileOutcome) problem(format string, args ...any) {
	m.Problems = append(m.Problems, fmt.Sprintf(format, args...))
}

// mobileNumbers are the numbers of the bench's mobile agents, with the
// agent each belongs to.
func mobileNumbers(agents, mobile int) (numbers []string, agentOf map[string]string) {
	agentOf = map[string]string{}
	for _, i := range mobileAgents(agents, mobile) {
		numbers = append(numbers, mobileNumber(i))
		agentOf[mobileNumber(i)] = agentID(i)
	}
	return numbers, agentOf
}

// mobileTalking reports whether, by the records the owner writes, one of
// agents (the mobile ones) is talking now (the kill waits for one).
func mobileTalking(ctx context.Context, st *store.Store, agents []string) (bool, error) {
	q, args, err := sqlx.In(`SELECT COUNT(*) FROM call_legs WHERE tenant_id = ? AND role = 'agent'
		AND agent_id IN (?) AND answered_at IS NOT NULL AND ended_at IS NULL`, benchTenant, agents)
	if err != nil {
		return false, err
	}
	var n int
	err = st.DB().GetContext(ctx, &n, st.Rebind(q), args...)
	return n > 0, err
}

// waitMobileTalking waits up to within for one of the mobile agents of
// agents to be talking; false when none was.
func waitMobileTalking(ctx context.Context, st *store.Store, agents, mobile int, within time.Duration) bool {
	var ids []string
	for _, i := range mobileAgents(agents, mobile) {
		ids = append(ids, agentID(i))
	}
	deadline := time.Now().Add(within)
	for {
		if ok, err := mobileTalking(ctx, st, ids); err == nil && ok {
			return true
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// mobileFacts is what a failover run left of its mobile agents: what the
// switch saw and what the controllers recorded.
type mobileFacts struct {
	// Legs the switch rang on the mobiles, and the callers' legs of their
	// calls (by id).
	Legs    []PhoneLeg
	Callers map[string]PhoneLeg
	// RecordsOf: the records each mobile leg is a leg of (by leg id);
	// Records by id.
	RecordsOf map[string][]string
	Records   map[string]*store.CallRecord
	// AgentOf: the agent of each mobile number; Trunk the one they must
	// be dialled through; Talk how long a mobile talks before hanging up.
	AgentOf map[string]string
	Trunk   string
	Talk    time.Duration
	// KilledAt: the owner's kill; TakenOver: the standby connected.
	KilledAt, TakenOver time.Time
}

// measureMobile reads the facts of the run's mobile agents — the switch's
// legs (sp's "legs"), the records — and judges them.
func measureMobile(ctx context.Context, st *store.Store, sp *simProc, agents, mobile int, talk time.Duration, killedAt, takenOver time.Time) (*MobileOutcome, error) {
	numbers, agentOf := mobileNumbers(agents, mobile)
	f := mobileFacts{Callers: map[string]PhoneLeg{}, RecordsOf: map[string][]string{}, Records: map[string]*store.CallRecord{},
		AgentOf: agentOf, Trunk: benchTrunk, Talk: talk, KilledAt: killedAt, TakenOver: takenOver}
	res, err := sp.do(SimRequest{Op: "legs", Numbers: numbers}, 30*time.Second)
	if err != nil {
		return nil, fmt.Errorf("mobile legs: %w", err)
	}
	f.Legs = res.Phones
	mobileLeg := map[string]bool{}
	for _, l := range f.Legs {
		mobileLeg[l.ID] = true
	}
	type legRow struct {
		CallID string `db:"call_id"`
		LegID  string `db:"leg_id"`
	}
	var rows []legRow
	if err := st.DB().SelectContext(ctx, &rows, st.Rebind(`SELECT call_id, leg_id FROM call_legs WHERE tenant_id = ? AND role = 'agent'`), benchTenant); err != nil {
		return nil, fmt.Errorf("read the mobile legs' records: %w", err)
	}
	var callerLegs []string
	for _, r := range rows {
		if !mobileLeg[r.LegID] {
			continue
		}
		f.RecordsOf[r.LegID] = append(f.RecordsOf[r.LegID], r.CallID)
		if f.Records[r.CallID] != nil {
			continue
		}
		c, err := st.GetCall(ctx, benchTenant, r.CallID)
		if err != nil {
			return nil, fmt.Errorf("record %s of mobile leg %s: %w", r.CallID, r.LegID, err)
		}
		f.Records[r.CallID] = c
		callerLegs = append(callerLegs, c.Leg)
	}
	if len(callerLegs) > 0 {
		res, err := sp.do(SimRequest{Op: "legs", IDs: callerLegs}, 30*time.Second)
		if err != nil {
			return nil, fmt.Errorf("callers' legs: %w", err)
		}
		for _, l := range res.Phones {
			f.Callers[l.ID] = l
		}
	}
	m := judgeMobile(f)
	m.Agents = mobile
	return m, nil
}

// judgeMobile holds what the switch saw of the mobile legs against the
// records.
func judgeMobile(f mobileFacts) *MobileOutcome {
	m := &MobileOutcome{Trunk: f.Trunk}
	recordOf := func(l PhoneLeg) (*store.CallRecord, bool) {
		ids := f.RecordsOf[l.ID]
		switch {
		case len(ids) == 0:
			m.problem("mobile leg %s (%s) is in no call record", l.ID, l.Endpoint)
			return nil, false
		case len(ids) > 1:
			m.problem("mobile leg %s (%s) is in %d call records", l.ID, l.Endpoint, len(ids))
			return nil, false
		}
		c := f.Records[ids[0]]
		if c == nil {
			m.problem("record %s of mobile leg %s not found", ids[0], l.ID)
			return nil, false
		}
		return c, true
	}
	var atKill []PhoneLeg
	for _, l := range f.Legs {
		if l.Trunk != f.Trunk {
			m.NotThroughTrunk++
			m.problem("mobile leg %s (%s) was dialled through %q, not the trunk %s", l.ID, l.Endpoint, l.Trunk, f.Trunk)
		}
		if !l.Answered.IsZero() && l.Answered.Before(f.KilledAt) && (l.Ended.IsZero() || l.Ended.After(f.KilledAt)) {
			atKill = append(atKill, l)
		}
	}
	// A call a mobile was on at the kill: the caller stayed until the
	// mobile hung up by itself after its full talk, and the one record is
	// closed with the switch's talk time.
	m.TalkingAtKill = len(atKill)
	for _, l := range atKill {
		c, ok := recordOf(l)
		if !ok {
			continue
		}
		agent := f.AgentOf[l.Endpoint]
		caller, seen := f.Callers[c.Leg]
		switchTalk := l.Ended.Sub(l.Answered)
		switch {
		case l.Ended.IsZero():
			m.problem("the mobile %s was still up at the end of the run", l.Endpoint)
			ok = false
		case l.HangupBy != "remote" || switchTalk < f.Talk-250*time.Millisecond:
			m.problem("the mobile %s talked %s of its %s and was hung up by the %s (%s): the failover cut its call", l.Endpoint,
				switchTalk.Round(time.Millisecond), f.Talk, l.HangupBy, l.Cause)
			ok = false
		}
		switch {
		case !seen:
			m.problem("caller leg %s of record %s: not known to the switch", c.Leg, c.ID)
			ok = false
		case caller.Ended.IsZero() || caller.Ended.Before(l.Ended):
			m.problem("caller %s, talking to the mobile %s at the kill, left before the mobile hung up (%s by the %s)", c.Leg, l.Endpoint, caller.Cause, caller.HangupBy)
			ok = false
		}
		if c.EndedAt == nil || c.Disposition != "answered" || c.AgentID != agent {
			m.problem("record %s of the mobile %s's call: ended %v, disposition %q, agent %q (want answered by %s)", c.ID, l.Endpoint,
				c.EndedAt != nil, c.Disposition, c.AgentID, agent)
			ok = false
		}
		if !l.Ended.IsZero() {
			diff := (time.Duration(c.TalkMS)*time.Millisecond - switchTalk).Abs()
			m.TalkError = max(m.TalkError, diff)
			if diff > MobileTalkTolerance {
				m.problem("record %s of the mobile %s's call: talk %s, the switch saw %s", c.ID, l.Endpoint,
					time.Duration(c.TalkMS)*time.Millisecond, switchTalk.Round(time.Millisecond))
				ok = false
			}
		}
		if ok {
			m.Kept++
		}
	}
	// After the takeover the mobiles are offered callers again, through
	// the trunk, and answer.
	for _, l := range f.Legs {
		if !l.Created.After(f.TakenOver) {
			continue
		}
		m.OfferedAfter++
		if l.Answered.IsZero() {
			continue
		}
		c, ok := recordOf(l)
		if !ok {
			continue
		}
		if c.EndedAt == nil || c.Disposition != "answered" || c.AgentID != f.AgentOf[l.Endpoint] {
			m.problem("record %s of the mobile %s's call after the takeover: ended %v, disposition %q, agent %q", c.ID, l.Endpoint,
				c.EndedAt != nil, c.Disposition, c.AgentID)
			continue
		}
		m.AnsweredAfter++
	}
	// One call at a time on each mobile, as the switch saw its legs.
	byNumber := map[string][]PhoneLeg{}
	for _, l := range f.Legs {
		byNumber[l.Endpoint] = append(byNumber[l.Endpoint], l)
	}
	numbers := make([]string, 0, len(byNumber))
	for n := range byNumber {
		numbers = append(numbers, n)
	}
	slices.Sort(numbers)
	for _, n := range numbers {
		ls := byNumber[n]
		slices.SortFunc(ls, func(a, b PhoneLeg) int { return a.Created.Compare(b.Created) })
		for i := 1; i < len(ls); i++ {
			if prev := ls[i-1]; prev.Ended.IsZero() || ls[i].Created.Before(prev.Ended) {
				m.Overlaps++
				m.problem("the mobile %s was rung (leg %s) while on leg %s", n, ls[i].ID, prev.ID)
			}
		}
	}
	return m
}

// writeMobile prints the mobile agents' outcome.
func writeMobile(w io.Writer, m *MobileOutcome) {
	if m == nil {
		return
	}
	fmt.Fprintf(w, "  agents on a mobile number (through trunk %s): %d; talking at the kill %d, kept through the takeover %d (talk time within %s of the switch's)\n",
		m.Trunk, m.Agents, m.TalkingAtKill, m.Kept, m.TalkError.Round(time.Millisecond))
	fmt.Fprintf(w, "    after the takeover: offered %d calls on their mobile, answered %d; legs not through the trunk %d; rung while on a call %d\n",
		m.OfferedAfter, m.AnsweredAfter, m.NotThroughTrunk, m.Overlaps)
	if !m.Exercised() {
		fmt.Fprintln(w, "    note: no mobile agent was both talking at the kill and offered a call after the takeover")
	}
	for _, p := range m.Problems {
		fmt.Fprintf(w, "    problem: %s\n", strings.TrimSpace(p))
	}
}
