package inbound

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/ivrflows"
	"github.com/ipcc/ipcc/recording"
	"github.com/ipcc/ipcc/store"
)

// CallEnder is implemented by a QueueRouter that must hear when a call it
// connected to an agent ends without it (a call re-adopted after a
// restart), so the agent goes to wrap-up and becomes free again.
type CallEnder interface {
	CallEnded(ctx context.Context, tenant, callID string) error
}

// DialEnder is implemented by a QueueRouter whose agents' own calls
// (click-to-dial) keep them out of distribution: it hears when such a call,
// re-adopted after a restart, ends, so the agent is free again.
type DialEnder interface {
	DialEnded(ctx context.Context, tenant, agentID string) error
}

func (h *Handler) track(k *call) {
	h.mu.Lock()
	h.live[k.c.ID()] = k
	h.mu.Unlock()
}

func (h *Handler) untrack(k *call) {
	h.mu.Lock()
	delete(h.live, k.c.ID())
	h.mu.Unlock()
}

// liveCall is the call this handler runs with controller call id id.
func (h *Handler) liveCall(id string) *call {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.live[id]
}

// capture stores a flow's voicemail messages and survey ratings and puts
// their references on the call's record.
type capture struct {
	h *Handler
	k *call
}

// SaveVoicemail implements ivrflows.Voicemail.
func (cp capture) SaveVoicemail(ctx context.Context, m ivrflows.VoicemailMessage) error {
	// The switch wrote m.Path; the row keeps where this controller reads it.
	path := cp.h.voicemailDir(cp.k.c.Switch()).ReadPath(m.Path)
	row := &store.VoicemailMessage{TenantID: m.Tenant, Mailbox: m.Mailbox, CallID: m.CallID, Caller: m.Caller, Path: path,
		DurationMS: m.Duration.Milliseconds(), CreatedAt: m.Created}
	if rid := cp.k.rec.ID(); rid != "" {
		row.CallID = rid // the record's id, also for a call re-adopted after a restart
	}
	if err := cp.h.opt.Store.AddVoicemail(ctx, row); err != nil {
		return err
	}
	cp.k.rec.Update(func(r *store.CallRecord) { r.VoicemailID = strconv.FormatInt(row.ID, 10) })
	cp.k.rec.Save()
	return nil
}

// SaveSurvey implements ivrflows.Surveys.
func (cp capture) SaveSurvey(ctx context.Context, r ivrflows.SurveyResult) error {
	if rid := cp.k.rec.ID(); rid != "" {
		r.CallID = rid
	}
	if err := cp.h.be.SaveSurvey(ctx, r); err != nil {
		return err
	}
	if cp.k.rec == nil {
		if err := cp.h.opt.Store.SetCallSurvey(ctx, r.Tenant, r.CallID, r.Score); err != nil && !errors.Is(err, store.ErrNotFound) {
			cp.h.log.Warn("survey score not put on the call record", "call", r.CallID, "err", err)
		}
		return nil
	}
	score := r.Score
	cp.k.rec.Update(func(c *store.CallRecord) { c.SurveyScore = &score })
	cp.k.rec.Save()
	cp.k.rec.Notify(CallSurveyed, map[string]any{"score": r.Score, "survey": r})
	return nil
}

// adopted continues a call whose leg a restarted controller re-adopted:
// its record is open in the store. The conversation goes on in the switch;
// the queue (a Resumer) takes it back so the agent's controls and a
// supervisor's reach it again — else this handler keeps it whole (when one
// side of the bridge leaves, the other is hung up, as the original handler
// would have). The record is completed when the call ends. A caller who was
// still in the IVR or waiting in a queue goes back to where the call was
// going (see resume).
func (h *Handler) adopted(ctx context.Context, c *controller.Call, rec *store.CallRecord, leg *store.CallLeg, log *slog.Logger) {
	log = log.With("tenant", rec.TenantID, "record", rec.ID)
	if leg != nil {
		// Another leg of a call (an agent, a consulted party): follow it to
		// its end; the caller's own handler completes the call.
		c.Note("adopt", "leg "+leg.LegID+" ("+leg.Role+") of call "+rec.ID+" re-adopted after a restart")
		log.Info("leg re-adopted after a restart", "leg", leg.LegID, "role", leg.Role)
		rl := h.addReadoptedLeg(c)
		h.keepBridged(ctx, c, func() bool { return h.isClaimed(rl) })
		h.dropReadoptedLeg(rl)
		if !done(c) {
			return // stopping again: the next controller takes over
		}
		l := *leg
		end := h.now().UTC()
		l.EndedAt = &end
		if cause, _, ok := c.HangupCause(); ok {
			l.HangupCause = string(cause)
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if l.AnsweredAt == nil {
			// Stored ringing, found answered by the caller's handler since
			// (takeTalking): keep the answer it wrote.
			if rows, err := h.opt.Store.ListCallLegs(sctx, rec.TenantID, rec.ID); err == nil {
				for _, row := range rows {
					if row.LegID == l.LegID && row.AnsweredAt != nil {
						l.AnsweredAt = row.AnsweredAt
					}
				}
			}
		}
		if err := h.opt.Store.SaveCallLeg(sctx, &l); err != nil {
			log.Error("call leg not completed", "err", err)
		}
		return
	}
	c.Note("adopt", "call "+rec.ID+" re-adopted after a restart")
	log.Info("call re-adopted after a restart")
	// Supervisors find it by the record's id (the API's).
	h.addReadopted(rec.ID, c)
	defer h.dropReadopted(rec.ID, c)
	r := NewRecord(h.opt.Store, h.log, h.now, c, *rec)
	r.Observe(h.opt.Events)
	k := &call{c: c, tenant: rec.TenantID, rec: r, log: log}
	// The trace of the first controller is kept; this one's follows it.
	r.keepTrace(rec.Trace)
	legs, err := h.opt.Store.ListCallLegs(ctx, rec.TenantID, rec.ID)
	if err != nil {
		log.Warn("legs of the re-adopted call not loaded", "err", err)
	}
	r.addStoredLegs(legs)
	// Talk time runs from the answer of the person the caller talks to
	// (for an agent's own call: the called party's answer).
	if rec.Direction != "inbound" && rec.AnsweredAt != nil {
		r.Talking(*rec.AnsweredAt)
	}
	for _, l := range legs {
		if l.Role != RoleCaller && l.AnsweredAt != nil && (rec.AgentID == "" || l.AgentID == rec.AgentID || l.AgentID == "") {
			r.Talking(*l.AnsweredAt)
		}
	}
	connected := rec.Disposition == "answered" || rec.AgentID != ""
	if !connected && rec.Direction == "inbound" && rec.QueueID != "" {
		// The record may lag behind the switch: the previous controller
		// may have bridged the caller with the agent who answered and died
		// before writing it. The switch is the truth for what is up.
		if br, ok := h.findBridgedRing(ctx, k, rec, legs); ok {
			legs = h.takeTalking(ctx, k, rec, legs, br)
			connected = true
		}
	}
	if !connected {
		h.endLeftRings(ctx, k, rec, legs, "")
		h.resume(ctx, k, rec)
		return
	}
	h.track(k) // a flow the agent sends the caller into writes this record
	defer h.untrack(k)
	if res, took := h.resumeConversation(ctx, k, rec, legs); took && res.Next != nil && !done(c) && ctx.Err() == nil {
		// Transferred (or sent to the survey): the call goes on like any
		// other; the queue ended the agent's part of it.
		k.vars = res.NextVars
		h.reach(ctx, k, *res.Next, 0)
		h.finish(ctx, k)
		if done(c) {
			h.closeRecordings(context.WithoutCancel(ctx), rec.TenantID, rec.ID, h.now(), recordingSettle, log)
		}
		return
	} else if took {
		awaitEnd(ctx, c) // the queue asked for the hang-up; the switch confirms it
	} else {
		h.keepBridged(ctx, c, nil)
	}
	if !done(c) {
		r.Leave()
		return
	}
	endJoinedLegs(ctx, c)
	if q, ok := h.opt.Queues.(CallEnder); ok && connected && rec.QueueID != "" {
		if err := q.CallEnded(context.WithoutCancel(ctx), rec.TenantID, rec.ID); err != nil {
			log.Debug("queue not told of the end of a re-adopted call", "err", err)
		}
	}
	if q, ok := h.opt.Queues.(DialEnder); ok && rec.Direction != "inbound" && rec.AgentID != "" {
		if err := q.DialEnded(context.WithoutCancel(ctx), rec.TenantID, rec.AgentID); err != nil {
			log.Debug("agent not freed after a re-adopted call of their own", "err", err)
		}
	}
	end := h.now()
	r.Finish(end)
	if h.opt.CallEnded != nil {
		go h.opt.CallEnded(context.WithoutCancel(ctx), r.Fields())
	}
	h.closeRecordings(context.WithoutCancel(ctx), rec.TenantID, rec.ID, end, recordingSettle, log)
	log.Info("re-adopted call ended")
}

// closeRecordings completes the rows of the call's recordings that the
// first controller left running (the switch recorded on to the end of the
// call): end and duration, and a status that says whether there is audio
// (migration 0018). The switch writes the file as the call ends: once it
// is there and has settled (bounded wait) the row is done, with size and
// checksum; a file missing from a directory this controller sees (the
// switch's recording directory, mounted here) makes it failed, with why;
// when the directory is not visible here, the row is done on the switch's
// word, as for recordings stopped by a controller. settle bounds the wait
// for the file (0: a call that ended long ago, its file is final).
func (h *Handler) closeRecordings(ctx context.Context, tenant, callID string, end time.Time, settle time.Duration, log *slog.Logger) {
	recs, err := h.opt.Store.ListRecordings(ctx, tenant, store.RecordingFilter{CallID: callID, Limit: 1000})
	if err != nil {
		log.Warn("recordings of the re-adopted call not listed", "err", err)
		return
	}
	for i := range recs {
		r := &recs[i]
		if r.EndedAt != nil {
			continue
		}
		e := end.UTC()
		r.EndedAt, r.DurationMS = &e, max(e.Sub(r.StartedAt).Milliseconds(), 0)
		wctx, cancel := context.WithTimeout(ctx, settle)
		size, sum, ferr := recording.SettledFile(wctx, r.Path)
		cancel()
		switch {
		case ferr == nil:
			r.Status, r.SizeBytes, r.SHA256 = store.RecordingDone, size, sum
		case dirVisible(filepath.Dir(r.Path)):
			r.Status, r.Error = store.RecordingFailed, "the switch wrote no recording file at "+r.Path+": "+ferr.Error()
			log.Warn("recording of the re-adopted call has no file", "recording", r.ID, "path", r.Path)
		default:
			r.Status = store.RecordingDone
			log.Warn("recording file not visible on this controller: mount the switch's recording directory (recording_read_dir)", "recording", r.ID, "path", r.Path)
		}
		if err := h.opt.Store.SaveRecording(ctx, r); err != nil {
			log.Error("recording row not completed", "recording", r.ID, "err", err)
		}
	}
}

// recordingSettle bounds the wait for a recording file the switch writes
// as the call ends.
const recordingSettle = 5 * time.Second

func dirVisible(dir string) bool {
	st, err := os.Stat(dir)
	return err == nil && st.IsDir()
}

// awaitEnd waits for the end of a call whose hang-up was asked for (or
// that ends on its own), briefly: still up after 5 s, it is hung up again.
func awaitEnd(ctx context.Context, c *controller.Call) {
	select {
	case <-c.Done():
		return
	case <-ctx.Done():
		return
	case <-time.After(5 * time.Second):
	}
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = c.Hangup(hctx, controller.CauseNormalClearing)
	select {
	case <-c.Done():
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
	}
}

func done(c *controller.Call) bool {
	select {
	case <-c.Done():
		return true
	default:
		return false
	}
}

// resume takes a re-adopted caller who was not yet talking to anyone back
// to where the call was going (the record's target): the flow starts
// again; a caller who was waiting in a queue takes their place there back
// (the queue's stored entry, or their queue entry time), so they keep
// their position and their wait runs on from when they joined. A caller
// going anywhere else leaves the first controller's queue entry.
func (h *Handler) resume(ctx context.Context, k *call, rec *store.CallRecord) {
	h.track(k)
	defer h.untrack(k)
	defer h.finish(ctx, k)
	t, ok := parseTarget(rec.Target)
	waiting := ok && t.Kind == dialplan.KindQueue && rec.QueueID != ""
	if q, isEnder := h.opt.Queues.(CallEnder); isEnder && rec.QueueID != "" && !waiting {
		_ = q.CallEnded(ctx, rec.TenantID, rec.ID)
	}
	if !ok {
		// The previous controller died between the call's arrival and its
		// routing decision: decide now, as for a new call (the caller
		// waited through a takeover, not a fault of theirs).
		if k.tenant == "" {
			k.c.Note("adopt", "the call had no tenant yet; it ends")
			k.setDisposition("failed")
			k.apologize(ctx)
			return
		}
		rt, err := h.cache.routingOf(ctx, k.tenant)
		if err != nil {
			k.fail(ctx, "load routing", err)
			return
		}
		k.c.Note("adopt", "the call had no target yet: routed from the start")
		if k.c.Leg().Answered() {
			k.markAnswered()
		}
		h.decide(ctx, k, rt)
		return
	}
	k.c.Note("adopt", "the caller was not connected yet: back to "+rec.Target)
	if waiting {
		k.since = queuedSince(*rec)
	}
	// The first controller may have left them on hold, which this one
	// cannot see: take them off it, the target puts them back if it wants.
	_ = k.c.Unhold(ctx)
	if k.c.Leg().Answered() {
		k.markAnswered()
	}
	h.reach(ctx, k, t, 0)
}

// queuedSince is when a caller re-adopted while waiting joined their
// queue, as far as the record tells: the end of the IVR when this is the
// call's first queue (no wait and no transfer recorded yet), else unknown
// (zero). The queue's own stored entry, when it is there, is exact and
// wins.
func queuedSince(r store.CallRecord) time.Time {
	if r.WaitMS != 0 || r.Transfers != 0 {
		return time.Time{}
	}
	return r.StartedAt.Add(time.Duration(r.IVRMS) * time.Millisecond)
}

// parseTarget reads a target as the record writes it ("queue:support").
func parseTarget(s string) (dialplan.Target, bool) {
	kind, ref, _ := strings.Cut(s, ":")
	switch dialplan.TargetKind(kind) {
	case dialplan.KindFlow, dialplan.KindQueue, dialplan.KindAgent, dialplan.KindExtension, dialplan.KindExternal, dialplan.KindVoicemail:
		return dialplan.Target{Kind: dialplan.TargetKind(kind), Ref: ref}, ref != ""
	}
	return dialplan.Target{}, false
}

// keepBridged waits until the call's leg ends or ctx ends; when the party
// it was bridged with leaves (the bridge breaks), it hangs the leg up —
// unless claimed says the conversation is carried by the queue now (which
// unbridges for hold music, consultations and transfers).
func (h *Handler) keepBridged(ctx context.Context, c *controller.Call, claimed func() bool) {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	// The re-sync announces the bridge just after the leg: give it a moment.
	wasBridged := false
	settle := time.Now().Add(2 * time.Second)
	for {
		select {
		case <-c.Done():
			return
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		switch {
		case c.Leg().BridgedWith() != "":
			wasBridged = true
		case claimed != nil && claimed():
			select {
			case <-c.Done():
			case <-ctx.Done():
			}
			return
		case wasBridged || time.Now().After(settle):
			c.Note("adopt", "the other party left: hanging up")
			_ = c.Hangup(ctx, controller.CauseNormalClearing)
			select {
			case <-c.Done():
			case <-ctx.Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
	}
}

// Switches is what WatchSwitches needs of the controller.
type Switches interface {
	Subscribe(types ...controller.EventType) (<-chan controller.Event, func())
	Switch(name string) (controller.Switch, bool)
}

// WatchSwitches completes the records of calls that ended while no
// controller watched their switch: each time a switch (re)connects, open
// records of calls on it whose first leg the switch no longer has are
// completed by ReconcileSwitch. It subscribes before returning (call it
// before the controller runs, so the first connection is seen) and stops
// when ctx ends or the controller closes its event stream; the returned
// channel is closed then.
func (h *Handler) WatchSwitches(ctx context.Context, sws Switches) <-chan struct{} {
	events, cancel := sws.Subscribe(controller.EventSwitchConnected)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		defer cancel()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-events:
				if !ok {
					return
				}
				sw, found := sws.Switch(ev.Switch)
				if !found {
					continue
				}
				if n, err := h.ReconcileSwitch(ctx, sw); err != nil {
					h.log.Warn("call records of the switch not reconciled", "switch", ev.Switch, "err", err)
				} else if n > 0 {
					h.log.Info("completed call records whose end was not observed", "switch", ev.Switch, "calls", n)
				}
			}
		}
	}()
	return stopped
}

// ReconcileSwitch completes the open records of calls on sw whose first
// leg the switch does not list any more (they ended while no controller
// watched): ended_at is now, the hangup cause "unknown" and hangup_by
// "unobserved", and recordings left running end then too. Calls still up are left to the handler that re-adopts
// them. It returns how many records it completed.
func (h *Handler) ReconcileSwitch(ctx context.Context, sw controller.Switch) (int, error) {
	calls, _, err := h.opt.Store.OpenCalls(ctx, sw.Name())
	if err != nil || len(calls) == 0 {
		return 0, err
	}
	live, err := sw.Legs(ctx)
	if err != nil {
		return 0, err
	}
	alive := make(map[string]bool, len(live))
	for _, l := range live {
		alive[l.Leg] = true
	}
	now := h.now()
	n := 0
	for _, c := range calls {
		if alive[c.Leg] || !c.StartedAt.Before(now) {
			continue
		}
		ok, err := h.opt.Store.EndUnobserved(ctx, c.TenantID, c.ID, now)
		if err != nil {
			return n, err
		}
		if ok {
			n++
			h.log.Info("call ended while unobserved", "tenant", c.TenantID, "call", c.ID, "switch", sw.Name())
			h.closeRecordings(ctx, c.TenantID, c.ID, now, 0, h.log.With("call", c.ID))
			if q, isEnder := h.opt.Queues.(CallEnder); isEnder && c.QueueID != "" {
				_ = q.CallEnded(ctx, c.TenantID, c.ID)
			}
		}
	}
	return n, nil
}
