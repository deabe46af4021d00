package inbound

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/store"
)

// Leg roles in a call's detail record (call_legs.role).
const (
	RoleCaller    = "caller"    // the leg the call started with (inbound caller, or the agent's phone for click-to-dial)
	RoleAgent     = "agent"     // an agent rung for the call (answered or not)
	RoleExtension = "extension" // an extension dialled by a route, flow or transfer
	RoleExternal  = "external"  // an external number (transfer, click-to-dial callee)
	RoleConsult   = "consult"   // a party an agent consulted (colleague, supervisor's help, external number)
	RoleListen    = "listen"    // a supervisor listening in
	RoleWhisper   = "whisper"   // a supervisor whispering to the agent
	RoleBarge     = "barge"     // a supervisor who barged in
	RoleOther     = "other"     // a leg the call created that nobody described
)

// Record is the detail record of a call in progress. What is known is
// written as it happens (arrival, queue entry, offers, answer, transfers),
// so a controller that stops mid-call loses nothing; Finish completes it.
// Its methods are safe from any goroutine: the call's handler, its queue
// and the agent's controls all add to it.
type Record struct {
	st   *store.Store
	log  *slog.Logger
	now  func() time.Time
	call *controller.Call

	// saveMu orders saves: a snapshot is handed to the store's writer
	// before the next one is taken, so the latest snapshot is the one
	// written (the writer keeps the last row it was given).
	saveMu   sync.Mutex
	mu       sync.Mutex
	rec      store.CallRecord
	ivrPath  []string
	offered  []string
	legs     map[string]*store.CallLeg
	order    []string // leg ids in creation order
	holdFrom time.Time
	talkFrom time.Time
	stop     chan struct{}
	stopped  bool
	left     bool // Leave: the next controller completes the record
	// prevTrace is the trace a previous controller stored (re-adopted call).
	prevTrace []controller.TraceEntry
	// events hears the call's happenings (nil: nobody); ended once told.
	events CallEvents
	ended  bool
}

// What a CallEvents observer hears.
const (
	CallArrived     = "arrived"     // the call reached its tenant, before routing decides
	CallQueued      = "queued"      // it was handed to a queue (detail: queue)
	CallTransferred = "transferred" // an agent transferred it (detail: target)
	CallSurveyed    = "surveyed"    // the caller scored it (detail: score, survey flow)
	CallEnded       = "ended"       // its record is complete
)

// CallEvents hears the life of the calls whose records it observes
// (arrival, queue entry, transfer, survey, end) with the record as it
// stands: webhook senders subscribe here, the call path does not know
// them. CallEvent runs on the call's goroutine and may wait briefly (to
// make the event durable); it must not act on the call.
type CallEvents interface {
	CallEvent(what string, rec store.CallRecord, detail map[string]any)
}

// EndSaver is what a CallEvents observer may also do: write the call's
// final record itself, in one transaction with what it makes of the end
// (the webhook sender: the call.ended event), instead of hearing
// CallEnded after the record was queued. It runs on the call's goroutine
// and returns once both are written (or it gave up waiting: they are then
// still written, later, together).
type EndSaver interface {
	SaveEnded(rec store.CallRecord)
}

// Observe makes ev hear this record's call (nil-safe; nil ev: nobody).
func (r *Record) Observe(ev CallEvents) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.events = ev
	r.mu.Unlock()
}

// Notify tells the observer what happened to the call (nil-safe).
func (r *Record) Notify(what string, detail map[string]any) {
	if r == nil {
		return
	}
	r.mu.Lock()
	ev := r.events
	if what == CallEnded {
		if r.ended {
			ev = nil
		}
		r.ended = true
	}
	snap := r.snapshotLocked()
	r.mu.Unlock()
	if ev != nil {
		ev.CallEvent(what, snap, detail)
	}
}

// NewRecord starts the record of call c (nil for a record kept without a
// live call); r holds what is known at the start.
func NewRecord(st *store.Store, log *slog.Logger, now func() time.Time, c *controller.Call, r store.CallRecord) *Record {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	rd := &Record{st: st, log: log, now: now, call: c, rec: r, legs: map[string]*store.CallLeg{}, stop: make(chan struct{})}
	if r.IVRPath != "" {
		_ = json.Unmarshal([]byte(r.IVRPath), &rd.ivrPath)
	}
	if r.AgentsOffered != "" {
		_ = json.Unmarshal([]byte(r.AgentsOffered), &rd.offered)
	}
	return rd
}

// ID is the record's (and the call's) id; nil-safe.
func (r *Record) ID() string {
	if r == nil {
		return ""
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rec.ID
}

// Update changes the record under its lock (not saved until Save).
func (r *Record) Update(f func(*store.CallRecord)) {
	if r == nil {
		return
	}
	r.mu.Lock()
	f(&r.rec)
	r.mu.Unlock()
}

// Snapshot returns a copy of the record as it stands.
func (r *Record) Snapshot() store.CallRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.snapshotLocked()
}

// Fields returns the record's plain fields as they stand (without the
// trace, IVR path and agents offered, which Snapshot renders).
func (r *Record) Fields() store.CallRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rec
}

func (r *Record) snapshotLocked() store.CallRecord {
	rec := r.rec
	p, _ := json.Marshal(nonNil(r.ivrPath))
	o, _ := json.Marshal(nonNil(r.offered))
	rec.IVRPath, rec.AgentsOffered = string(p), string(o)
	hold := rec.HoldMS
	if !r.holdFrom.IsZero() {
		hold += r.now().Sub(r.holdFrom).Milliseconds()
	}
	rec.HoldMS = hold
	if r.call != nil {
		tr, _ := json.Marshal(append(slices.Clone(r.prevTrace), r.call.Trace()...))
		rec.Trace = string(tr)
	}
	return rec
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Save writes the record as it stands (a record without a tenant is not
// stored: nobody could read it). The store's call-record writer writes it
// soon, retrying for as long as the database needs: Save does not wait for
// the database, except when the writer's queue is full (backpressure).
func (r *Record) Save() {
	if r == nil || r.st == nil {
		return
	}
	r.saveMu.Lock()
	defer r.saveMu.Unlock()
	r.mu.Lock()
	rec := r.snapshotLocked()
	r.mu.Unlock()
	if rec.TenantID == "" {
		return
	}
	if err := r.st.QueueCall(rec); err != nil {
		r.log.Error("call record not saved", "call", rec.ID, "tenant", rec.TenantID, "err", err)
	}
}

// saveEnd saves the call's final record and tells the observer the call
// ended: in one transaction with the observer's rows when it is an
// EndSaver, else the record is queued and the observer told after.
func (r *Record) saveEnd() {
	r.mu.Lock()
	es, ok := r.events.(EndSaver)
	ok = ok && !r.ended && r.st != nil
	r.mu.Unlock()
	if !ok {
		r.Save()
		r.Notify(CallEnded, nil)
		return
	}
	r.saveMu.Lock()
	defer r.saveMu.Unlock()
	r.mu.Lock()
	told := r.ended
	r.ended = true
	rec := r.snapshotLocked()
	r.mu.Unlock()
	if rec.TenantID == "" {
		return
	}
	if told {
		// Told meanwhile by another path: only the record is left to save.
		if err := r.st.QueueCall(rec); err != nil {
			r.log.Error("call record not saved", "call", rec.ID, "tenant", rec.TenantID, "err", err)
		}
		return
	}
	es.SaveEnded(rec)
}

// VisitedNodes adds flow nodes to the IVR path ("flow/node").
func (r *Record) VisitedNodes(nodes ...string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.ivrPath = append(r.ivrPath, nodes...)
	r.mu.Unlock()
}

// Offered notes that the call was offered to agent (each agent once, in
// order).
func (r *Record) Offered(agent string) {
	if r == nil || agent == "" {
		return
	}
	r.mu.Lock()
	if !slices.Contains(r.offered, agent) {
		r.offered = append(r.offered, agent)
	}
	r.mu.Unlock()
}

// Transferred counts a transfer: blind, or attended (a completed
// consultation). Sending the caller into a flow and back is not one.
func (r *Record) Transferred() { r.TransferredTo("") }

// TransferredTo counts a transfer to target ("kind:ref", "" unknown) and
// tells the observer.
func (r *Record) TransferredTo(target string) {
	r.Update(func(c *store.CallRecord) { c.Transfers++ })
	r.Notify(CallTransferred, map[string]any{"target": target})
}

// Conferenced counts a conference (three-way) the call took part in.
func (r *Record) Conferenced() { r.Update(func(c *store.CallRecord) { c.Conferences++ }) }

// Hold starts (on) or ends a hold period; the periods add up in hold_ms.
func (r *Record) Hold(on bool) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case on && r.holdFrom.IsZero():
		r.holdFrom = r.now()
	case !on && !r.holdFrom.IsZero():
		r.rec.HoldMS += r.now().Sub(r.holdFrom).Milliseconds()
		r.holdFrom = time.Time{}
	}
}

// Answered notes the caller's leg answered (by the IVR, a queue or a
// person), once.
func (r *Record) Answered(at time.Time) {
	r.Update(func(c *store.CallRecord) {
		if c.AnsweredAt == nil {
			t := at.UTC()
			c.AnsweredAt = &t
		}
	})
}

// Talking notes when the conversation with a person began (talk time runs
// from there to the end), once.
func (r *Record) Talking(at time.Time) {
	if r == nil {
		return
	}
	r.mu.Lock()
	if r.talkFrom.IsZero() {
		r.talkFrom = at
	}
	r.mu.Unlock()
}

// Leg adds a leg to the record and follows it: its row is written now,
// when it is answered and when it ends (until the record is finished).
func (r *Record) Leg(l *controller.Leg, role, endpoint, agent string) {
	if r == nil || l == nil {
		return
	}
	r.mu.Lock()
	if _, ok := r.legs[l.ID()]; ok {
		r.mu.Unlock()
		return
	}
	row := &store.CallLeg{TenantID: r.rec.TenantID, CallID: r.rec.ID, LegID: l.ID(), Role: role, Endpoint: endpoint, AgentID: agent, StartedAt: r.now().UTC()}
	r.legs[l.ID()] = row
	r.order = append(r.order, l.ID())
	stop := r.stop
	r.mu.Unlock()
	r.saveLeg(l.ID())
	go r.follow(l, stop)
}

// keepTrace keeps the trace stored by a previous controller in front of
// this call's own.
func (r *Record) keepTrace(stored string) {
	var prev []controller.TraceEntry
	if json.Unmarshal([]byte(stored), &prev) == nil {
		r.mu.Lock()
		r.prevTrace = prev
		r.mu.Unlock()
	}
}

// addStoredLegs adds leg rows stored by a previous controller; the ones
// still open end with the call.
func (r *Record) addStoredLegs(rows []store.CallLeg) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range rows {
		if _, ok := r.legs[rows[i].LegID]; !ok {
			row := rows[i]
			r.legs[row.LegID] = &row
			r.order = append(r.order, row.LegID)
		}
	}
}

// SetLegRole changes a followed leg's role (a supervisor changing mode).
func (r *Record) SetLegRole(leg, role string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	row, ok := r.legs[leg]
	if ok {
		row.Role = role
	}
	r.mu.Unlock()
	if ok {
		r.saveLeg(leg)
	}
}

// LegAnsweredAt is when a followed leg answered (zero if it did not).
func (r *Record) LegAnsweredAt(leg string) time.Time {
	if r == nil {
		return time.Time{}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if row, ok := r.legs[leg]; ok && row.AnsweredAt != nil {
		return *row.AnsweredAt
	}
	return time.Time{}
}

func (r *Record) follow(l *controller.Leg, stop chan struct{}) {
	select {
	case <-l.AnsweredC():
		at := r.now().UTC()
		r.mu.Lock()
		row := r.legs[l.ID()]
		row.AnsweredAt = &at
		if row.Role == RoleCaller && r.rec.Direction == "inbound" && r.rec.AnsweredAt == nil {
			r.rec.AnsweredAt = &at
		}
		r.mu.Unlock()
		r.saveLeg(l.ID())
	case <-l.Done():
	case <-stop:
		return
	}
	select {
	case <-l.Done():
		r.legEnded(l)
	case <-stop:
		r.endedLate(l)
	}
}

// legEndGrace bounds how long a finished record waits for a leg that was
// still up to report its end.
const legEndGrace = 30 * time.Second

// endedLate: the record was finished while the leg was still up (the
// caller's end finishes the record while ipcc's hangup of the agent leg is
// on its way); its row holds the call's end until the leg reports its own
// end and cause, which then complete it. Not after Leave: the next
// controller completes the record.
func (r *Record) endedLate(l *controller.Leg) {
	r.mu.Lock()
	left := r.left
	r.mu.Unlock()
	if left {
		return
	}
	t := time.NewTimer(legEndGrace)
	defer t.Stop()
	select {
	case <-l.Done():
	case <-t.C:
		return
	}
	cause, _, _ := l.HangupCause()
	at := r.now().UTC()
	r.mu.Lock()
	row := r.legs[l.ID()]
	changed := row.HangupCause == "" && cause != ""
	if changed {
		row.EndedAt, row.HangupCause = &at, string(cause)
	}
	r.mu.Unlock()
	if changed {
		r.saveLeg(l.ID())
	}
}

func (r *Record) legEnded(l *controller.Leg) {
	at := r.now().UTC()
	cause, _, _ := l.HangupCause()
	r.mu.Lock()
	row := r.legs[l.ID()]
	if row.EndedAt == nil || row.HangupCause == "" {
		// (Finish may have closed the row without a cause a moment ago.)
		row.EndedAt, row.HangupCause = &at, string(cause)
	}
	r.mu.Unlock()
	r.saveLeg(l.ID())
}

func (r *Record) saveLeg(id string) {
	if r.st == nil {
		return
	}
	r.saveMu.Lock()
	defer r.saveMu.Unlock()
	r.mu.Lock()
	row := *r.legs[id]
	r.mu.Unlock()
	if row.TenantID == "" {
		return
	}
	if err := r.st.QueueCallLeg(row); err != nil {
		r.log.Error("call leg not saved", "call", row.CallID, "tenant", row.TenantID, "leg", id, "err", err)
	}
}

// Finish completes the record when the end of the call was observed: end
// time, talk and hold time, hangup cause and side, every leg's end; and
// saves it. Legs still up are ended with the call.
func (r *Record) Finish(end time.Time) {
	if r == nil {
		return
	}
	r.Hold(false)
	r.mu.Lock()
	if !r.stopped {
		r.stopped = true
		close(r.stop)
	}
	e := end.UTC()
	r.rec.EndedAt = &e
	if !r.talkFrom.IsZero() {
		r.rec.TalkMS = end.Sub(r.talkFrom).Milliseconds()
	}
	if r.call != nil {
		if cause, by, ok := r.call.HangupCause(); ok {
			r.rec.HangupCause, r.rec.HangupBy = string(cause), by.String()
		}
		r.adoptUntrackedLocked()
		for _, l := range r.call.Legs() {
			row, ok := r.legs[l.ID()]
			if !ok {
				continue
			}
			if !l.Inbound() && row.AnsweredAt == nil && l.Answered() {
				row.AnsweredAt = &e
			}
			if row.EndedAt == nil {
				row.EndedAt = &e
				if cause, _, ok := l.HangupCause(); ok {
					row.HangupCause = string(cause)
				}
			}
		}
	}
	for _, row := range r.legs {
		if row.EndedAt == nil {
			row.EndedAt = &e
		}
	}
	if r.rec.Disposition == "" {
		r.rec.Disposition = "ended"
	}
	order := slices.Clone(r.order)
	r.mu.Unlock()
	for _, id := range order {
		r.saveLeg(id)
	}
	r.saveEnd()
}

// adoptUntrackedLocked adds the legs the call created that nobody
// followed (a supervisor's monitor leg, placed by another package) from
// the call's trace: when it was originated, to what, answered, and in
// which monitor mode. r.mu held.
func (r *Record) adoptUntrackedLocked() {
	type seen struct {
		started, answered time.Time
		endpoint, role    string
	}
	found := map[string]*seen{}
	get := func(id string) *seen {
		if found[id] == nil {
			found[id] = &seen{}
		}
		return found[id]
	}
	for _, e := range r.call.Trace() {
		switch e.Kind {
		case "command":
			if rest, ok := strings.CutPrefix(e.Detail, "originate "); ok {
				f := strings.Fields(rest)
				if len(f) >= 3 && f[1] == "to" {
					s := get(f[0])
					s.started, s.endpoint = e.Time, f[2]
				}
			}
		case "event":
			if rest, ok := strings.CutPrefix(e.Detail, "answered leg="); ok {
				if s := found[strings.Fields(rest + " ")[0]]; s != nil && s.answered.IsZero() {
					s.answered = e.Time
				}
			}
		case "supervise":
			// "supervisor <mode> (leg <id>)", noted by package supervise.
			var mode, id string
			if _, err := fmt.Sscanf(e.Detail, "supervisor %s (leg %s", &mode, &id); err == nil {
				get(strings.TrimSuffix(id, ")")).role = mode
			}
		}
	}
	for _, l := range r.call.Legs() {
		s := found[l.ID()]
		if l.Inbound() || s == nil || s.started.IsZero() {
			continue
		}
		if _, ok := r.legs[l.ID()]; ok {
			continue
		}
		role := s.role
		switch role {
		case RoleListen, RoleWhisper, RoleBarge:
		case "":
			role = RoleOther
		}
		row := &store.CallLeg{TenantID: r.rec.TenantID, CallID: r.rec.ID, LegID: l.ID(), Role: role, Endpoint: s.endpoint, StartedAt: s.started.UTC()}
		if !s.answered.IsZero() {
			a := s.answered.UTC()
			row.AnsweredAt = &a
		}
		r.legs[l.ID()] = row
		r.order = append(r.order, l.ID())
	}
}

// Leave stops following legs without completing the record: the
// controller is stopping while the call goes on, and the next controller
// continues or completes it.
func (r *Record) Leave() {
	if r == nil {
		return
	}
	r.Hold(false)
	r.mu.Lock()
	r.left = true
	if !r.stopped {
		r.stopped = true
		close(r.stop)
	}
	order := slices.Clone(r.order)
	r.mu.Unlock()
	for _, id := range order {
		r.saveLeg(id)
	}
	r.saveEnd()
}

// DialDisposition names how a dialled extension, agent or number failed:
// busy, no_answer or failed.
func DialDisposition(err error) string {
	var oe *controller.OriginateError
	if errors.As(err, &oe) {
		switch oe.Cause {
		case controller.CauseUserBusy:
			return "busy"
		case controller.CauseNoAnswer, controller.CauseNoUserResponse, controller.CauseOriginatorCancel:
			return "no_answer"
		}
	}
	return "failed"
}

// endStoredLeg marks a leg row taken from the store (addStoredLegs) ended
// at at with cause, when this controller ended that leg without following
// it (a ring a previous controller left): Finish would otherwise stamp it
// with the call's own end.
func (r *Record) endStoredLeg(id string, at time.Time, cause string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	row, ok := r.legs[id]
	if ok && row.EndedAt == nil {
		e := at.UTC()
		row.EndedAt = &e
		if row.HangupCause == "" {
			row.HangupCause = cause
		}
	} else {
		ok = false
	}
	r.mu.Unlock()
	if ok {
		r.saveLeg(id)
	}
}
