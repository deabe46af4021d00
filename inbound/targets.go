package inbound

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/ivrflows"
	"github.com/ipcc/ipcc/outroute"
	"github.com/ipcc/ipcc/prompts"
	"github.com/ipcc/ipcc/recording"
	"github.com/ipcc/ipcc/store"
)

// Apologies played when a target cannot be reached.
var apology = map[string]string{
	"zh-CN": "抱歉，暂时无法为您接通，请稍后再拨。",
	"en":    "Sorry, we cannot connect your call right now. Please call again later.",
}

func (k *call) apologize(ctx context.Context) {
	lang := k.lang
	if _, ok := apology[lang]; !ok {
		lang = "zh-CN"
	}
	if err := k.c.Answer(ctx); err == nil {
		k.markAnswered()
		_, _ = k.c.Play(ctx, controller.PlayOptions{Media: []controller.Media{{Kind: controller.MediaTTS, Value: apology[lang], Lang: lang}}})
	}
	_ = k.c.Hangup(ctx, controller.CauseNormalClearing)
}

// reach takes the call to target t, following where each target sends it
// next (a flow's transfer, a queue's overflow) up to MaxHops.
func (h *Handler) reach(ctx context.Context, k *call, t dialplan.Target, hop int) {
	if hop >= h.opt.MaxHops {
		k.c.Note("route", fmt.Sprintf("gave up after %d chained targets (loop?)", hop))
		k.setDisposition("failed")
		k.apologize(ctx)
		return
	}
	select {
	case <-k.c.Done():
		if k.disposition() == "" {
			k.setDisposition("abandoned")
		}
		return
	default:
	}
	k.c.Note("target", targetString(t))
	k.rec.Update(func(r *store.CallRecord) { r.Target = targetString(t) })
	k.rec.Save()
	var next *dialplan.Target
	switch t.Kind {
	case dialplan.KindFlow:
		vars := k.vars
		k.vars = nil
		next = h.runFlow(ctx, k, t.Ref, vars)
	case dialplan.KindQueue:
		next = h.queue(ctx, k, t.Ref)
	case dialplan.KindAgent:
		next = h.agent(ctx, k, t)
	case dialplan.KindExtension:
		next = h.dial(ctx, k, controller.Endpoint{Kind: controller.EndpointExtension, Number: t.Ref}, t)
	case dialplan.KindExternal:
		if h.opt.Outbound != nil {
			// A blind transfer by an agent routes as theirs (agent, queue).
			snap := k.rec.Fields()
			req := outroute.PlanRequest{Number: t.Ref, Source: outroute.SourceTransfer, DefaultTrunk: h.opt.DefaultTrunk, Agent: snap.AgentID}
			if snap.QueueID != "" {
				req.Queues = []string{snap.QueueID}
			}
			out, err := h.opt.Outbound.Plan(ctx, k.tenant, req)
			if err != nil {
				k.c.Note("target", "external number "+t.Ref+" not dialled: "+err.Error())
				k.setDisposition("failed")
				k.apologize(ctx)
				return
			}
			next = h.dialOut(ctx, k, out, t)
			break
		}
		if h.opt.DefaultTrunk == "" {
			k.c.Note("target", "no trunk configured for external numbers (inbound.default_trunk)")
			k.setDisposition("failed")
			k.apologize(ctx)
			return
		}
		next = h.dial(ctx, k, controller.Endpoint{Kind: controller.EndpointExternal, Number: t.Ref, Trunk: h.opt.DefaultTrunk}, t)
	case dialplan.KindVoicemail:
		next = h.voicemail(ctx, k, t.Ref)
	case dialplan.KindHangup, "":
		if k.disposition() == "" || strings.HasPrefix(k.disposition(), "overflow_") {
			k.setDisposition("hangup")
		}
		_ = k.c.Hangup(ctx, controller.CauseNormalClearing)
	default:
		k.c.Note("target", "unknown target kind "+string(t.Kind))
		k.setDisposition("failed")
		k.apologize(ctx)
	}
	if next != nil {
		h.reach(ctx, k, *next, hop+1)
	}
}

// interpreter returns a flow interpreter whose voicemail messages and
// survey ratings also land on k's record.
func (h *Handler) interpreter(k *call, vars map[string]any) *ivrflows.Interpreter {
	cp := capture{h: h, k: k}
	return ivrflows.New(ivrflows.Options{
		Tenant: k.tenant, Clock: h.opt.Clock, Schedules: scheduleSource{h.opt.Store},
		Voicemail: cp, Surveys: cp, Flows: h.be, HTTP: h.opt.HTTP, RecordingDir: h.voicemailDir(k.c.Switch()).Switch, Vars: vars,
		Library: prompts.Library{Store: h.opt.Store, Dir: h.opt.PromptDir}, SMS: h.opt.SMS,
	})
}

// voicemailDir is where the switch sw writes voicemail and where this
// controller reads it.
func (h *Handler) voicemailDir(sw string) recording.Dir {
	if d, ok := h.opt.SwitchVoicemailDirs[sw]; ok && d.Switch != "" {
		return d
	}
	return recording.Dir{Switch: h.opt.VoicemailDir, Read: h.opt.VoicemailDir}
}

// visited adds a flow run's nodes to the IVR path.
func (k *call) visited(res *ivrflows.Result) {
	nodes := make([]string, 0, len(res.Visits))
	for _, v := range res.Visits {
		f := v.Flow
		if f == "" {
			f = res.FlowID
		}
		nodes = append(nodes, f+"/"+v.Node)
	}
	k.rec.VisitedNodes(nodes...)
}

// runFlow runs the tenant's published flow and returns where it sends the
// call (nil when the flow ended it).
func (h *Handler) runFlow(ctx context.Context, k *call, flowID string, vars map[string]any) *dialplan.Target {
	f, version, err := h.be.Published(ctx, k.tenant, flowID)
	if err != nil {
		k.c.Note("flow", fmt.Sprintf("flow %q has no published version: %v", flowID, err))
		k.setDisposition("failed")
		k.apologize(ctx)
		return nil
	}
	k.rec.Update(func(r *store.CallRecord) {
		if r.FlowID == "" || r.QueueID == "" {
			r.FlowID = flowID // the first flow, unless it is a survey after the queue
		}
	})
	if f.Language != "" && k.lang == "" {
		k.lang = f.Language
	}
	res := h.interpreter(k, vars).Run(ctx, k.c, f, version)
	k.visited(res)
	k.ivrVars = keepFlowData(k.ivrVars, res.Vars)
	if k.c.Leg().Answered() {
		k.markAnswered()
	}
	if res.Language != "" {
		k.lang, k.flowLang = res.Language, res.Language
	}
	k.rec.Save()
	out := res.Outcome
	k.log.Info("flow ended", "flow", flowID, "version", version, "outcome", string(out.Kind), "node", out.Node)
	switch out.Kind {
	case ivrflows.OutcomeTransfer:
		if out.Transfer == nil {
			return nil
		}
		t := dialplan.Target{Kind: dialplan.TargetKind(out.Transfer.Kind), Ref: out.Transfer.Target}
		return &t
	case ivrflows.OutcomeVoicemail:
		if out.Recorded {
			k.setDisposition("voicemail")
			_ = k.c.Hangup(ctx, controller.CauseNormalClearing)
			return nil
		}
		return &dialplan.Target{Kind: dialplan.KindVoicemail, Ref: out.Mailbox}
	case ivrflows.OutcomeCallerHangup:
		if k.rec.Fields().VoicemailID != "" {
			k.setDisposition("voicemail")
		} else if k.disposition() != "answered" {
			k.setDisposition("abandoned_ivr")
		}
	case ivrflows.OutcomeHangup:
		switch {
		case k.rec.Fields().VoicemailID != "":
			k.setDisposition("voicemail")
		case k.disposition() == "":
			k.setDisposition("ivr_completed")
		}
		if !out.HungUp {
			_ = k.c.Hangup(ctx, controller.CauseNormalClearing)
		}
	default: // limit, error
		if ctx.Err() != nil && !done(k.c) {
			// The controller is stopping (a lease lost, a handover): the
			// flow ended with it, not the call, which the next controller
			// re-adopts where it was.
			return nil
		}
		k.setDisposition("failed")
		k.apologize(ctx)
	}
	return nil
}

// voicemail records a message into mailbox with a generated one-node flow,
// so greeting, beep, length limit and storage are the voicemail node's.
func (h *Handler) voicemail(ctx context.Context, k *call, mailbox string) *dialplan.Target {
	f := &ivrflows.Flow{ID: "voicemail:" + mailbox, Start: "vm", Language: k.lang, Nodes: []*ivrflows.Node{
		{ID: "vm", Type: ivrflows.TypeVoicemail, Mailbox: mailbox, MaxLength: ivrflows.Duration(2 * time.Minute),
			Prompt: ivrflows.Prompt{{TTS: &ivrflows.Localized{PerLang: map[string]string{"zh-CN": "请在提示音后留言，按井号键结束。", "en": "Please leave a message after the tone. Press hash when you are done."}}}}, Next: "bye"},
		{ID: "bye", Type: ivrflows.TypeHangup},
	}}
	if k.lang == "" {
		f.Language = "zh-CN"
	}
	res := h.interpreter(k, nil).Run(ctx, k.c, f, 0)
	k.visited(res)
	if k.c.Leg().Answered() {
		k.markAnswered()
	}
	switch {
	case k.rec.Fields().VoicemailID != "" || res.Outcome.Recorded:
		k.setDisposition("voicemail")
	case res.Outcome.Kind == ivrflows.OutcomeCallerHangup:
		// Hung up before the tone: nothing was left (a busy or unanswered
		// dial before it stays the disposition).
		if d := k.disposition(); d == "" || strings.HasPrefix(d, "overflow_") {
			k.setDisposition("abandoned_ivr")
		}
	default:
		if k.disposition() == "" {
			k.setDisposition("failed")
		}
	}
	_ = k.c.Hangup(ctx, controller.CauseNormalClearing)
	return nil
}

// queue hands the call to the ACD.
func (h *Handler) queue(ctx context.Context, k *call, queue string) *dialplan.Target {
	now := h.now()
	k.rec.Update(func(r *store.CallRecord) {
		r.QueueID = queue
		if r.IVRMS == 0 {
			r.IVRMS = now.Sub(r.StartedAt).Milliseconds()
		}
	})
	k.rec.Save()
	k.rec.Notify(CallQueued, map[string]any{"queue": queue, "priority": k.prio, "vars": k.ivrVars})
	if h.opt.Queues == nil {
		k.c.Note("queue", "no ACD is running; queue "+queue+" cannot take calls")
		k.setDisposition("failed")
		k.apologize(ctx)
		return nil
	}
	since := k.since
	k.since = time.Time{}
	res, err := h.opt.Queues.Enqueue(ctx, k.c, QueueRequest{Tenant: k.tenant, Queue: queue, Priority: k.prio, LastAgent: k.last, Record: k.rec, Since: since, Vars: k.ivrVars,
		Language: k.flowLang, DefaultLanguage: k.lang})
	if err != nil {
		k.c.Note("queue", "enqueue: "+err.Error())
		k.setDisposition("failed")
		k.apologize(ctx)
		return nil
	}
	if k.c.Leg().Answered() {
		k.markAnswered()
	}
	if !res.Recorded {
		k.rec.Update(func(r *store.CallRecord) {
			if res.Agent != "" {
				r.AgentID = res.Agent
			}
			r.WaitMS += res.Waited.Milliseconds()
			r.RingMS += res.Ringing.Milliseconds()
		})
	}
	if !res.TalkFrom.IsZero() {
		k.rec.Talking(res.TalkFrom)
	}
	if res.Disposition != "" && !(ctx.Err() != nil && res.Disposition == "failed") {
		k.setDisposition(res.Disposition)
	}
	k.rec.Save()
	k.vars = res.NextVars
	return res.Next
}

// agent rings an agent's logged-in device (sticky routing, direct
// transfers); an agent who is not free gets a voicemail message instead.
func (h *Handler) agent(ctx context.Context, k *call, t dialplan.Target) *dialplan.Target {
	if h.opt.Agents == nil {
		return h.dial(ctx, k, controller.Endpoint{Kind: controller.EndpointExtension, Number: t.Ref}, t)
	}
	// Reserved, so the ACD offers the agent no queue call while this rings.
	device, release, err := h.opt.Agents.Reserve(ctx, k.tenant, t.Ref, "direct-call")
	if err != nil {
		k.c.Note("target", fmt.Sprintf("agent %s is not available: %v", t.Ref, err))
		return &dialplan.Target{Kind: dialplan.KindVoicemail, Ref: "agent-" + t.Ref}
	}
	defer release()
	ep := controller.Endpoint{Kind: controller.EndpointExtension, Number: device}
	if d, ok := strings.CutPrefix(device, "raw:"); ok {
		ep = controller.Endpoint{Kind: controller.EndpointRaw, Number: d}
	}
	return h.dial(ctx, k, ep, t)
}

// dialRole is the leg role of a dialled target.
func dialRole(t dialplan.Target) string {
	switch t.Kind {
	case dialplan.KindAgent:
		return RoleAgent
	case dialplan.KindExternal:
		return RoleExternal
	}
	return RoleExtension
}

// dial rings an extension, agent phone or external number and connects the
// caller; when nobody answers, the call goes to the target's voicemail box.
func (h *Handler) dial(ctx context.Context, k *call, ep controller.Endpoint, t dialplan.Target) *dialplan.Target {
	return h.dialVia(ctx, k, t, nil, func(try func(controller.Endpoint, string) error) error { return try(ep, k.c.ANI()) })
}

// dialOut dials an external number through its route's trunks in turn (a
// congested trunk fails over to the next), presenting the caller ID
// routing picked, else the caller's number.
func (h *Handler) dialOut(ctx context.Context, k *call, out *outroute.Call, t dialplan.Target) *dialplan.Target {
	defer out.Release()
	cid := k.c.ANI()
	if out.CallerID != "" {
		cid = out.CallerID
	}
	return h.dialVia(ctx, k, t, out, func(try func(controller.Endpoint, string) error) error {
		err := out.Each(k.c.Switch(), func(ep controller.Endpoint, _ outroute.Trunk) error { return try(ep, cid) })
		for _, n := range out.Notes {
			k.c.Note("outbound", n)
		}
		return err
	})
}

// dialVia rings the target (through each, which calls try per endpoint
// until one answers) and connects the caller with it.
func (h *Handler) dialVia(ctx context.Context, k *call, t dialplan.Target, out *outroute.Call, each func(try func(controller.Endpoint, string) error) error) *dialplan.Target {
	agent := ""
	if t.Kind == dialplan.KindAgent {
		agent = t.Ref
		k.rec.Offered(agent)
	}
	ringFrom := h.now()
	var leg *controller.Leg
	err := each(func(ep controller.Endpoint, callerID string) error {
		l, err := k.c.StartOriginate(ctx, ep, controller.OriginateOptions{CallerIDNum: callerID, Timeout: h.opt.RingTimeout})
		if err != nil {
			return err
		}
		leg = l
		k.rec.Leg(leg, dialRole(t), ep.Number, agent)
		if out != nil {
			k.rec.Update(func(r *store.CallRecord) { r.Trunk = out.Trunk.ID })
		}
		k.rec.Save()
		err = waitAnswer(ctx, k.c, leg, h.opt.RingTimeout)
		if err != nil {
			_ = leg.Hangup(context.WithoutCancel(ctx), controller.CauseOriginatorCancel)
		}
		return err
	})
	if err != nil {
		var oe *controller.OriginateError
		if errors.As(err, &oe) {
			// Busy or no answer, unless the caller leaves a message.
			k.c.Note("dial", fmt.Sprintf("%s did not answer: %s", targetString(t), oe.Cause))
			k.setDisposition(DialDisposition(err))
			return &dialplan.Target{Kind: dialplan.KindVoicemail, Ref: t.Ref}
		}
		if errors.Is(err, controller.ErrHungUp) {
			k.setDisposition("abandoned_ringing")
			k.rec.Update(func(r *store.CallRecord) { r.RingMS += h.now().Sub(ringFrom).Milliseconds() })
			return nil
		}
		k.fail(ctx, "dial "+targetString(t), err)
		return nil
	}
	if err := k.c.Answer(ctx); err != nil && !errors.Is(err, controller.ErrHungUp) {
		_ = leg.Hangup(ctx, controller.CauseNormalClearing)
		k.fail(ctx, "answer caller", err)
		return nil
	}
	k.markAnswered()
	if err := k.c.Bridge(ctx, leg); err != nil {
		_ = leg.Hangup(ctx, controller.CauseNormalClearing)
		if errors.Is(err, controller.ErrHungUp) {
			k.setDisposition("abandoned_ringing")
			return nil
		}
		k.fail(ctx, "bridge", err)
		return nil
	}
	now := h.now()
	k.rec.Update(func(r *store.CallRecord) {
		if agent != "" {
			r.AgentID = agent
		}
		r.RingMS += now.Sub(ringFrom).Milliseconds()
	})
	k.setDisposition("answered")
	k.rec.Talking(now)
	k.rec.Save()
	// The conversation lasts until either side hangs up; then the other goes.
	select {
	case <-k.c.Done():
		_ = leg.Hangup(context.WithoutCancel(ctx), controller.CauseNormalClearing)
	case <-leg.Done():
		_ = k.c.Hangup(ctx, controller.CauseNormalClearing)
	case <-ctx.Done():
	}
	return nil
}

// waitAnswer waits until leg answers; it fails with an *OriginateError
// when it ends unanswered (or rings longer than timeout) and with
// controller.ErrHungUp when the caller leaves first (the leg is then
// cancelled).
func waitAnswer(ctx context.Context, c *controller.Call, leg *controller.Leg, timeout time.Duration) error {
	t := time.NewTimer(timeout + 5*time.Second) // the switch times the ring; this is a backstop
	defer t.Stop()
	cancel := func(cause controller.Cause) {
		_ = leg.Hangup(context.WithoutCancel(ctx), cause)
	}
	select {
	case <-leg.AnsweredC():
		return nil
	case <-leg.Done():
		cause, _, _ := leg.HangupCause()
		return &controller.OriginateError{Cause: cause}
	case <-c.Done():
		cancel(controller.CauseOriginatorCancel)
		return controller.ErrHungUp
	case <-t.C:
		cancel(controller.CauseNoAnswer)
		return &controller.OriginateError{Cause: controller.CauseNoAnswer}
	case <-ctx.Done():
		cancel(controller.CauseOriginatorCancel)
		return ctx.Err()
	}
}

// scheduleSource lets flows evaluate the tenant's schedules.
type scheduleSource struct{ st *store.Store }

// Evaluate implements ivrflows.Schedules.
func (s scheduleSource) Evaluate(ctx context.Context, tenant, id string, t time.Time) (string, error) {
	sc, err := s.st.GetSchedule(ctx, tenant, id)
	if err != nil {
		return "", err
	}
	return string(sc.Evaluate(t).Branch), nil
}

// Consult runs a tenant's published flow on a call that is connected to an
// agent (identity check, survey, payment) and returns its variables, so
// the agent can take the caller back; the flow must not transfer or hang
// up to hand the caller back.
func (h *Handler) Consult(ctx context.Context, c *controller.Call, tenant, flowID string, vars map[string]any) (map[string]any, error) {
	f, version, err := h.be.Published(ctx, tenant, flowID)
	if err != nil {
		return nil, fmt.Errorf("inbound: flow %q: %w", flowID, err)
	}
	k := h.liveCall(c.ID())
	if k == nil {
		// Not a call this handler runs (an outbound call): ratings and
		// messages still reach its record through the store.
		k = &call{c: c, tenant: tenant, log: h.log.With("call", c.ID(), "tenant", tenant)}
	}
	res := h.interpreter(&call{c: c, tenant: tenant, rec: k.rec, log: k.log}, vars).Run(ctx, c, f, version)
	if k.rec != nil {
		k.visited(res)
		k.rec.Save()
	}
	switch res.Outcome.Kind {
	case ivrflows.OutcomeCallerHangup:
		return res.Vars, controller.ErrHungUp
	case ivrflows.OutcomeLimit, ivrflows.OutcomeError:
		return res.Vars, fmt.Errorf("inbound: flow %q ended with %s: %s", flowID, res.Outcome.Kind, res.Outcome.Reason)
	}
	return res.Vars, nil
}

// Limits of the flow data a call carries into queues.
const (
	maxFlowDataVars  = 50
	maxFlowDataValue = 256 // runes
)

// keepFlowData adds a flow run's variables to what the call carries: plain
// values only (strings, numbers, booleans), each cut at maxFlowDataValue
// runes, at most maxFlowDataVars of them; later flows overwrite earlier
// ones' values.
func keepFlowData(into map[string]any, vars map[string]any) map[string]any {
	for name, v := range vars {
		switch x := v.(type) {
		case string:
			if r := []rune(x); len(r) > maxFlowDataValue {
				v = string(r[:maxFlowDataValue])
			}
		case bool, int, int64, float64:
		default:
			continue // objects and lists (HTTP answers) stay in the flow
		}
		if into == nil {
			into = map[string]any{}
		}
		if _, ok := into[name]; !ok && len(into) >= maxFlowDataVars {
			continue
		}
		into[name] = v
	}
	return into
}
