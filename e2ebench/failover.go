package e2ebench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/ipcc/ipcc/store"
)

// FailoverTarget is the takeover target: from the owner's death to
// the standby connected and handling calls.
const FailoverTarget = 5 * time.Second

// FailoverOptions size a failover bench run. Zero values take the defaults
// noted.
type FailoverOptions struct {
	// PostgresURL is the server; the run gets a fresh schema, dropped
	// afterwards unless Keep.
	PostgresURL string
	Keep        bool
	// Switch is the simulated switch: freeswitch (default) or asterisk.
	Switch string
	// Rate (default 5/s) and Duration (default 20s) of new callers; the
	// owner is killed KillAfter (default Duration/2) after the first one.
	Rate      float64
	Duration  time.Duration
	KillAfter time.Duration
	// Agents (default 25) answer after AnswerAfter (500ms) and talk for
	// Talk (6s); the queue's WrapUp (1s) and RingTimeout (15s). The
	// defaults keep agents busy, so callers wait in the queue at the kill.
	Agents                                 int
	AnswerAfter, Talk, WrapUp, RingTimeout time.Duration
	// PressAfter (1s) and GiveUp (120s) as in the e2e bench.
	PressAfter, GiveUp time.Duration
	// Mobile of the Agents (the last ones; default 0) are on a mobile
	// number (转手机, device mobile:139…), dialled through the simulator's
	// PSTN trunk; they answer after AnswerAfter and talk for MobileTalk
	// (default 3×Talk, so that a call they are on at the kill outlasts
	// the takeover). With Mobile, the owner is killed no earlier than
	// KillAfter and, when one is (within Duration+10s), while a mobile
	// agent is talking.
	Mobile     int
	MobileTalk time.Duration
	// LeaseTTL is both controllers' cluster.lease_ttl (default 3s, the
	// shortest allowed).
	LeaseTTL time.Duration
	// Pause stops the owner with SIGSTOP instead of killing it (a frozen
	// VM, a long pause) and resumes it with SIGCONT PauseFor (default 2s)
	// after the standby took over: it must find its lease lost and stop,
	// its late writes refused (fenced).
	Pause    bool
	PauseFor time.Duration
	// LogDir, when set, receives each controller's log (<id>.log).
	LogDir string
	// Spawn starts the simulator process, SpawnCtl the controllers.
	Spawn    Spawner
	SpawnCtl CtlSpawner
}

func (o *FailoverOptions) defaults() {
	if o.PostgresURL == "" {
		o.PostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	if o.Switch == "" {
		o.Switch = "freeswitch"
	}
	if o.Rate <= 0 {
		o.Rate = 5
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Duration, 20*time.Second)
	def(&o.KillAfter, o.Duration/2)
	def(&o.AnswerAfter, 500*time.Millisecond)
	def(&o.Talk, 6*time.Second)
	def(&o.WrapUp, time.Second)
	def(&o.RingTimeout, 15*time.Second)
	def(&o.PressAfter, time.Second)
	def(&o.GiveUp, 120*time.Second)
	def(&o.LeaseTTL, 3*time.Second)
	def(&o.PauseFor, 2*time.Second)
	def(&o.MobileTalk, 3*o.Talk)
	if o.Agents <= 0 {
		o.Agents = 25
	}
	o.Mobile = min(max(o.Mobile, 0), o.Agents)
}

// FailoverResult is what a failover run measured.
type FailoverResult struct {
	Switch   string        `json:"switch"`
	Rate     float64       `json:"rate"`
	Duration time.Duration `json:"duration_ns"`
	Agents   int           `json:"agents"`
	LeaseTTL time.Duration `json:"lease_ttl_ns"`
	// At the kill: callers in the IVR, waiting in the queue, talking to an
	// agent (from the records, as of the kill).
	InIVR, Waiting, Talking int
	// Takeover is from the kill to the standby holding the switch and
	// connected; FirstAnswer to the first call answered (IVR) after the
	// kill, FirstAgent to the first agent answer after the kill.
	Takeover, FirstAnswer, FirstAgent time.Duration
	// Placed callers; Completed: a closed record answered by an agent;
	// Dropped: the others (Dispositions says how they ended).
	Placed, Completed, Dropped int
	Dispositions               map[string]int
	// RecordsLost: callers with no record; RecordsDuplicated: callers with
	// more than one; Open: records never closed.
	RecordsLost, RecordsDuplicated, Open int
	// DoubleOffers: agents rung for a call while on (or rung for)
	// another, from the agent legs' times.
	DoubleOffers int
	// OutOfOrder: pairs of callers waiting at the kill served in the
	// opposite order of their queue entry (0: everyone kept their place).
	OutOfOrder int
	// Mobile: what became of the agents on a mobile number (nil without).
	Mobile *MobileOutcome `json:"mobile,omitempty"`
	Notes  []string
	Err    string
}

// Clean reports whether the run met the zero-loss targets (with mobile
// agents, also theirs: see MobileOutcome.Clean).
func (r *FailoverResult) Clean() bool {
	return r.Err == "" && r.Dropped == 0 && r.RecordsLost == 0 && r.RecordsDuplicated == 0 && r.Open == 0 && r.DoubleOffers == 0 && r.OutOfOrder == 0 &&
		(r.Mobile == nil || r.Mobile.Clean())
}

// Met reports whether the run also met the takeover target.
func (r *FailoverResult) Met() bool {
	return r.Clean() && r.Takeover > 0 && r.Takeover <= FailoverTarget
}

// Failover runs the failover bench: two controller processes (ids
// ipcc-a, ipcc-b) on one fresh PostgreSQL schema and the simulator in a
// third process, callers arriving at Rate; ipcc-a, the owner, is killed
// with SIGKILL KillAfter after the first caller; then the calls drain
// through ipcc-b, which is stopped gracefully, and the records are read.
func Failover(ctx context.Context, o FailoverOptions) *FailoverResult {
	o.defaults()
	r := &FailoverResult{Switch: o.Switch, Rate: o.Rate, Duration: o.Duration, Agents: o.Agents, LeaseTTL: o.LeaseTTL}
	if err := failover(ctx, &o, r); err != nil {
		r.Err = err.Error()
	}
	return r
}

func failover(ctx context.Context, o *FailoverOptions, r *FailoverResult) error {
	eo := &Options{PostgresURL: o.PostgresURL, Keep: o.Keep}
	eo.defaults()
	st, dbURL, cleanup, err := openDatabaseURL(ctx, eo, Postgres)
	if err != nil {
		return err
	}
	defer cleanup()
	if err := setUp(ctx, st, o.Agents, o.RingTimeout, o.WrapUp); err != nil {
		return fmt.Errorf("set up: %w", err)
	}
	sp, sw, err := simSwitch(ctx, o.Spawn, o.Switch, o.Agents, o.AnswerAfter, o.Talk)
	if err != nil {
		return err
	}
	defer sp.close()
	if o.Mobile > 0 {
		// The mobiles answer calls the controller dials through the PSTN
		// trunk (any trunk name is up in the simulator).
		numbers, _ := mobileNumbers(o.Agents, o.Mobile)
		if _, err := sp.do(SimRequest{Op: "phones", Numbers: numbers, AnswerAfterMS: o.AnswerAfter.Milliseconds(), TalkMS: o.MobileTalk.Milliseconds()}, 30*time.Second); err != nil {
			return err
		}
	}
	logTo := func(id string) (io.Writer, func(), error) {
		if o.LogDir == "" {
			return nil, func() {}, nil
		}
		f, err := os.Create(filepath.Join(o.LogDir, id+".log"))
		if err != nil {
			return nil, nil, err
		}
		return f, func() { f.Close() }, nil
	}
	start := func(id string, login int) (*ctlProc, error) {
		w, closeLog, err := logTo(id)
		if err != nil {
			return nil, err
		}
		p, err := startCtl(ctx, o.SpawnCtl, CtlOptions{DatabaseURL: dbURL, Switch: sw, ID: id, LeaseTTL: o.LeaseTTL, Login: login,
			Mobile: o.Mobile, DefaultTrunk: benchTrunk}, w)
		if err != nil {
			closeLog()
			return nil, err
		}
		go func() { <-p.exited; closeLog() }()
		return p, nil
	}
	a, err := start("ipcc-a", o.Agents)
	if err != nil {
		return err
	}
	defer a.kill()
	if err := waitFor(ctx, 20*time.Second, func() bool { _, _, in, _ := a.status(); return in }); err != nil {
		_, _, _, errs := a.status()
		return fmt.Errorf("controller ipcc-a did not connect and log the agents in: %s", errorsText(errs))
	}
	if _, _, _, errs := a.status(); len(errs) > 0 {
		return fmt.Errorf("controller ipcc-a: %s", errorsText(errs))
	}
	b, err := start("ipcc-b", 0)
	if err != nil {
		return err
	}
	defer b.kill()
	// The standby has made its first claim (and found the lease held).
	time.Sleep(o.LeaseTTL / 2)
	if s, _, _, _ := b.status(); s.Connected || s.At == 0 {
		return fmt.Errorf("controller ipcc-b is not a standby (status %+v)", s)
	}

	type placed struct {
		res SimResult
		err error
	}
	placing := make(chan placed, 1)
	firstCall := time.Now()
	go func() {
		res, err := sp.do(SimRequest{Op: "place", DID: benchDID, Rate: o.Rate, DurationMS: o.Duration.Milliseconds(),
			Press: benchKey, PressAfterMS: o.PressAfter.Milliseconds(), GiveUpMS: o.GiveUp.Milliseconds()}, o.Duration+time.Minute)
		placing <- placed{res, err}
	}()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Until(firstCall.Add(o.KillAfter))):
	}
	if o.Mobile > 0 && !waitMobileTalking(ctx, st, o.Agents, o.Mobile, o.Duration+10*time.Second) {
		r.Notes = append(r.Notes, "no mobile agent was talking when the owner was killed")
	}
	killedAt := time.Now()
	if o.Pause {
		_ = a.cmd.Process.Signal(sigstop)
	} else {
		a.kill()
	}
	if err := waitFor(ctx, 60*time.Second, func() bool { _, c, _, _ := b.status(); return !c.IsZero() }); err != nil {
		return errors.New("controller ipcc-b did not take over within 60s")
	}
	_, connected, _, _ := b.status()
	r.Takeover = connected.Sub(killedAt)
	if o.Pause {
		time.Sleep(o.PauseFor)
		_ = a.cmd.Process.Signal(sigcont)
		select {
		case <-a.exited:
			r.Notes = append(r.Notes, fmt.Sprintf("the paused owner, resumed %s after the takeover, stopped by itself (%s)", o.PauseFor, a.cmd.ProcessState))
		case <-time.After(10 * time.Second):
			r.Notes = append(r.Notes, "the paused owner did not stop within 10s of being resumed: killed")
			r.Err = "the paused owner kept running after losing its lease"
			a.kill()
		}
	}
	p := <-placing
	if p.err != nil {
		return p.err
	}
	legs := p.res.Legs
	r.Placed = len(legs)
	if p.res.PlaceError != "" {
		r.Notes = append(r.Notes, "simulator: "+p.res.PlaceError)
	}
	drainBy := o.AnswerAfter + o.Talk + o.GiveUp + 30*time.Second
	if err := waitFor(ctx, drainBy, func() bool { s, _, _, _ := b.status(); return s.Live == 0 }); err != nil {
		r.Notes = append(r.Notes, fmt.Sprintf("calls still up %s after the last caller dialled", drainBy))
	}
	if err := b.stop(30 * time.Second); err != nil {
		r.Notes = append(r.Notes, err.Error())
	}
	if _, _, _, errs := b.status(); len(errs) > 0 {
		r.Notes = append(r.Notes, "ipcc-b: "+errorsText(errs))
	}
	if err := measureFailover(ctx, st, legs, killedAt, r); err != nil {
		return err
	}
	if o.Mobile > 0 {
		m, err := measureMobile(ctx, st, sp, o.Agents, o.Mobile, o.MobileTalk, killedAt, connected)
		if err != nil {
			return err
		}
		r.Mobile = m
	}
	return nil
}

// measureFailover reads the run's figures from the records.
func measureFailover(ctx context.Context, st *store.Store, legs []string, killedAt time.Time, r *FailoverResult) error {
	type call struct {
		ID          string     `db:"id"`
		Leg         string     `db:"leg"`
		Disposition string     `db:"disposition"`
		AgentID     string     `db:"agent_id"`
		StartedAt   time.Time  `db:"started_at"`
		AnsweredAt  *time.Time `db:"answered_at"`
		EndedAt     *time.Time `db:"ended_at"`
		QueueID     string     `db:"queue_id"`
		IVRMS       int64      `db:"ivr_ms"`
	}
	var calls []call
	if err := st.DB().SelectContext(ctx, &calls, st.Rebind(`SELECT id, leg, disposition, agent_id, started_at, answered_at, ended_at, queue_id, ivr_ms FROM calls WHERE tenant_id = ?`), benchTenant); err != nil {
		return fmt.Errorf("read the call records: %w", err)
	}
	type leg struct {
		CallID     string     `db:"call_id"`
		LegID      string     `db:"leg_id"`
		Endpoint   string     `db:"endpoint"`
		StartedAt  time.Time  `db:"started_at"`
		AnsweredAt *time.Time `db:"answered_at"`
		EndedAt    *time.Time `db:"ended_at"`
	}
	var agentLegs []leg
	if err := st.DB().SelectContext(ctx, &agentLegs, st.Rebind(`SELECT call_id, leg_id, endpoint, started_at, answered_at, ended_at FROM call_legs WHERE tenant_id = ? AND role = 'agent'`), benchTenant); err != nil {
		return fmt.Errorf("read the agent legs: %w", err)
	}
	// The ACD's own log gives the order in which it offered the callers
	// (the agent legs' start times come from each call's goroutine, and
	// offers made together are microseconds apart in any order).
	type offerRow struct {
		CallID string    `db:"call_id"`
		At     time.Time `db:"at"`
	}
	var offers []offerRow
	if err := st.DB().SelectContext(ctx, &offers, st.Rebind(`SELECT call_id, at FROM acd_agent_log WHERE tenant_id = ? AND to_state = 'ringing' AND at >= ?`), benchTenant, killedAt.UTC()); err != nil {
		return fmt.Errorf("read the agent log: %w", err)
	}
	offeredAfterKill := map[string]time.Time{}
	for _, o := range offers {
		if t, ok := offeredAfterKill[o.CallID]; !ok || o.At.Before(t) {
			offeredAfterKill[o.CallID] = o.At
		}
	}
	byLeg := map[string][]*call{}
	for i := range calls {
		c := &calls[i]
		byLeg[c.Leg] = append(byLeg[c.Leg], c)
		if c.EndedAt == nil {
			r.Open++
		}
		if c.AnsweredAt != nil && c.AnsweredAt.After(killedAt) && (r.FirstAnswer == 0 || c.AnsweredAt.Sub(killedAt) < r.FirstAnswer) {
			r.FirstAnswer = c.AnsweredAt.Sub(killedAt)
		}
	}
	legsOf := map[string][]*leg{}
	byEndpoint := map[string][]*leg{}
	for i := range agentLegs {
		l := &agentLegs[i]
		legsOf[l.CallID] = append(legsOf[l.CallID], l)
		byEndpoint[l.Endpoint] = append(byEndpoint[l.Endpoint], l)
		if l.AnsweredAt != nil && l.AnsweredAt.After(killedAt) && (r.FirstAgent == 0 || l.AnsweredAt.Sub(killedAt) < r.FirstAgent) {
			r.FirstAgent = l.AnsweredAt.Sub(killedAt)
		}
	}
	r.Dispositions = map[string]int{}
	type waiter struct {
		entered, served time.Time
	}
	var waiting []waiter
	for _, id := range legs {
		cs := byLeg[id]
		switch {
		case len(cs) == 0:
			r.RecordsLost++
			r.Dispositions["(no record)"]++
			continue
		case len(cs) > 1:
			r.RecordsDuplicated++
		}
		c := cs[0]
		d := c.Disposition
		if d == "" {
			d = "(none)"
		}
		r.Dispositions[d]++
		if c.EndedAt != nil && c.Disposition == "answered" && c.AgentID != "" {
			r.Completed++
		}
		// What the caller was doing at the kill.
		if !c.StartedAt.Before(killedAt) || (c.EndedAt != nil && c.EndedAt.Before(killedAt)) {
			continue
		}
		var firstAnswer time.Time
		for _, l := range legsOf[c.ID] {
			if l.AnsweredAt != nil && (firstAnswer.IsZero() || l.AnsweredAt.Before(firstAnswer)) {
				firstAnswer = *l.AnsweredAt
			}
		}
		firstOffer := offeredAfterKill[c.ID]
		entered := c.StartedAt.Add(time.Duration(c.IVRMS) * time.Millisecond)
		switch {
		case !firstAnswer.IsZero() && firstAnswer.Before(killedAt):
			r.Talking++
		case c.QueueID != "" && entered.Before(killedAt):
			r.Waiting++
			waiting = append(waiting, waiter{entered: entered, served: firstOffer})
		default:
			r.InIVR++
		}
	}
	r.Dropped = r.Placed - r.Completed
	// Callers waiting at the kill are offered, after the takeover, in the
	// order they joined the queue (one queue, longest-idle agents).
	sort.Slice(waiting, func(i, j int) bool { return waiting[i].entered.Before(waiting[j].entered) })
	for i := range waiting {
		for j := i + 1; j < len(waiting); j++ {
			si, sj := waiting[i].served, waiting[j].served
			if !si.IsZero() && !sj.IsZero() && sj.Before(si) || si.IsZero() && !sj.IsZero() {
				r.OutOfOrder++
			}
		}
	}
	// An agent's legs must not overlap: each phone rings for one call at
	// a time.
	for _, ls := range byEndpoint {
		slices.SortFunc(ls, func(a, b *leg) int { return a.StartedAt.Compare(b.StartedAt) })
		for i := 1; i < len(ls); i++ {
			prev := ls[i-1]
			if prev.CallID != ls[i].CallID && (prev.EndedAt == nil || ls[i].StartedAt.Before(*prev.EndedAt)) {
				r.DoubleOffers++
			}
		}
	}
	return nil
}

// WriteFailover prints a failover run.
func WriteFailover(w io.Writer, r *FailoverResult) {
	fmt.Fprintf(w, "failover bench: %s simulator, PostgreSQL, %.0f calls/s for %s, %d agents, lease_ttl %s\n",
		r.Switch, r.Rate, r.Duration, r.Agents, r.LeaseTTL)
	if r.Err != "" {
		fmt.Fprintf(w, "  ERROR: %s\n", r.Err)
	}
	fmt.Fprintf(w, "  at the kill -9 of the owner: %d callers in the IVR, %d waiting in the queue, %d talking to agents\n", r.InIVR, r.Waiting, r.Talking)
	fmt.Fprintf(w, "  takeover (kill → standby holds the switch and is connected): %s (target ≤ %s)\n", r.Takeover.Round(time.Millisecond), FailoverTarget)
	fmt.Fprintf(w, "  first call answered after the kill: +%s; first agent answer after the kill: +%s\n",
		r.FirstAnswer.Round(time.Millisecond), r.FirstAgent.Round(time.Millisecond))
	fmt.Fprintf(w, "  callers placed %d, completed %d, dropped %d\n", r.Placed, r.Completed, r.Dropped)
	fmt.Fprintf(w, "  records lost %d, duplicated %d, left open %d\n", r.RecordsLost, r.RecordsDuplicated, r.Open)
	fmt.Fprintf(w, "  agents offered two calls at once: %d\n", r.DoubleOffers)
	fmt.Fprintf(w, "  callers waiting at the kill served out of their order: %d pairs\n", r.OutOfOrder)
	writeMobile(w, r.Mobile)
	keys := make([]string, 0, len(r.Dispositions))
	for k := range r.Dispositions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprint(w, "  dispositions:")
	for _, k := range keys {
		fmt.Fprintf(w, " %s=%d", k, r.Dispositions[k])
	}
	fmt.Fprintln(w)
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	verdict := "FAIL"
	switch {
	case r.Met():
		verdict = "PASS"
	case r.Clean():
		verdict = "FAIL (no loss, but the takeover is over the target)"
	}
	fmt.Fprintf(w, "  verdict: %s\n", verdict)
}
