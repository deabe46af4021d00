package dispatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/inbound"
	"github.com/ipcc/ipcc/store"
)

// waiter is one call in a queue. Its run loop, on the call's handler
// goroutine, is the only code that waits on the call.
type waiter struct {
	// legKeys are the waiter's entries in the dispatcher's byLeg (d.mu).
	legKeys []string
	d       *Dispatcher
	eng     *acd.Engine
	c       *controller.Call
	id      string // the call's id in the ACD and on its record
	rec     *inbound.Record
	tenant  string
	queue   string
	joined  time.Time
	// flowVars are the IVR's variables the call brought into the queue
	// (account, verified, ...): agents' screen pops show them.
	flowVars map[string]string
	// callerDefault is the route's or tenant's language, for the caller's
	// prompts when neither the IVR nor the queue names one; staffLang is
	// the tenant's, for the agent's (read when first needed).
	callerDefault string
	// keyPrompt is the announcement during which the caller pressed a
	// queue key (its call-back confirmation, when the queue has one).
	keyPrompt *acd.Prompt
	staffLang string
	log       *slog.Logger
	effects   *effectQueue[acd.Effect]
	legs      *effectQueue[legEvent]
	offers    map[uint64]*controller.Leg
	// offeredAt is when each offer started ringing (ring time).
	offeredAt map[uint64]time.Time
	// playMu guards playCancel, which stops a running announcement when an
	// agent is rung or answers (neither may wait for it), and interrupted,
	// which skips announcements until that offer was carried out.
	playMu      sync.Mutex
	playCancel  context.CancelFunc
	interrupted bool
	stop        chan struct{}
	ctrl        chan control
	// resumed: a conversation taken back after a restart (see
	// ResumeConversation); the recording the policy asked for was started
	// by the first controller.
	resumed bool
	// noHold: the switch cannot put this caller on hold (a driver
	// answered ErrNotSupported).
	noHold bool
	// callerLang is the language the IVR left the caller in ("" = none),
	// for the hold music; holdNotes the hold music notes in the trace.
	callerLang string
	holdNotes  map[string]bool
}

// control is an agent's request on the connected call.
type control struct {
	agent  string // who asks: only the connected agent may
	op     string // hold, unhold, hangup, transfer
	target *dialplan.Target
	reply  chan error
	// handover receives the consult leg of a consult-handover.
	handover *handover
}

// handover is a help consultation's leg given to the supervisor who
// accepted it on the consulted phone, and how to change the leg's role on
// the call's record.
type handover struct {
	leg     *controller.Leg
	setRole func(role string)
}

// legEvent is an offered agent leg answering or ending.
type legEvent struct {
	offer    uint64
	answered bool
	cause    controller.Cause
	// rang: the phone was reported ringing; pickedUp: the leg had been
	// answered before it ended (reported as ended: too late to connect).
	rang, pickedUp bool
}

func (w *waiter) bg() context.Context { return context.WithoutCancel(context.Background()) }

func (w *waiter) run(ctx context.Context) inbound.QueueResult {
	defer close(w.stop)
	if err := w.c.Answer(ctx); err != nil {
		return w.abandoned()
	}
	w.hold(ctx)
	for {
		select {
		case <-w.c.Done():
			return w.abandoned()
		case <-ctx.Done():
			w.cancelAll("controller stopping")
			return inbound.QueueResult{Disposition: "failed"}
		case cmd := <-w.ctrl:
			cmd.reply <- errors.New("the call is not connected to the agent yet")
		case <-w.legs.notify:
			if callerGone(w.c) {
				// The caller left too (the switch may end a ringing leg
				// before ipcc hears of the caller): an abandon, which
				// withdraws the offers without blaming the agents.
				return w.abandoned()
			}
			for _, ev := range w.legs.drain() {
				w.legEvent(ev)
			}
		case <-w.effects.notify:
			for _, ef := range w.effects.drain() {
				if res, done := w.apply(ctx, ef); done {
					return res
				}
			}
		}
	}
}

func (w *waiter) hold(ctx context.Context) {
	if w.noHold {
		return
	}
	err := w.holdCaller(ctx, false)
	if err != nil && !errors.Is(err, controller.ErrHungUp) {
		w.c.Note("queue", "music on hold: "+err.Error())
	}
	// A switch that cannot hold this caller is not asked again after
	// every announcement: they wait without music.
	w.noHold = errors.Is(err, controller.ErrNotSupported)
}

// unhold takes the caller off hold before they hear a prompt or talk to
// an agent. When the switch refuses, the caller is still held — they hear
// nothing and nobody hears them — so the error comes back and the trace
// says why.
func (w *waiter) unhold(ctx context.Context) error {
	if !w.c.Leg().Held() {
		return nil
	}
	if err := w.c.Unhold(ctx); err != nil {
		if !errors.Is(err, controller.ErrHungUp) {
			w.c.Note("queue", "the switch did not take the caller off hold: "+err.Error())
		}
		return err
	}
	return nil
}

// callerGone reports whether the caller's leg has ended (hung up or
// transferred away).
func callerGone(c *controller.Call) bool {
	select {
	case <-c.Done():
		return true
	default:
		return false
	}
}

// abandoned reports a caller who hung up while waiting or ringing.
func (w *waiter) abandoned() inbound.QueueResult {
	ringing := len(w.offers) > 0
	w.cancelAll("caller left")
	_ = w.eng.CallEnded(w.bg(), w.id)
	waited := w.d.opt.Clock.Now().Sub(w.joined)
	if ringing {
		return inbound.QueueResult{Disposition: "abandoned_ringing", Waited: waited}
	}
	return inbound.QueueResult{Disposition: "abandoned_queue", Waited: waited}
}

// anyAnswered reports whether an offered leg has answered already.
func (w *waiter) anyAnswered() bool {
	for _, l := range w.offers {
		if l.Answered() {
			return true
		}
	}
	return false
}

func (w *waiter) cancelAll(why string) {
	for id, leg := range w.offers {
		_ = leg.Hangup(w.bg(), controller.CauseOriginatorCancel)
		delete(w.offers, id)
		delete(w.offeredAt, id)
	}
	_ = why
}

func (w *waiter) legEvent(ev legEvent) {
	if _, ok := w.offers[ev.offer]; !ok {
		return // cancelled already
	}
	if ev.answered {
		if err := w.eng.Answered(w.bg(), ev.offer); err != nil {
			w.log.Warn("report answer", "offer", ev.offer, "err", err)
		}
		return
	}
	delete(w.offers, ev.offer)
	if callerGone(w.c) || ev.cause == controller.CauseOriginatorCancel {
		// Cancelled on the caller's side, not refused by the agent: the
		// agent stays ready.
		if err := w.eng.OfferWithdrawn(w.bg(), ev.offer, "caller-left"); err != nil && !errors.Is(err, acd.ErrStaleOffer) {
			w.log.Warn("report withdrawn offer", "offer", ev.offer, "err", err)
		}
		return
	}
	w.offerEnded(ev.offer, ev.cause, ev.rang && !ev.pickedUp)
}

// offerEnded reports an offer that ended without an answer: against the
// agent only when their phone is at fault (see agentsFault), otherwise
// withdrawn so the agent stays available and the call is offered again.
func (w *waiter) offerEnded(offer uint64, cause controller.Cause, rang bool) {
	var err error
	if agentsFault(cause, rang) {
		err = w.eng.OfferFailed(w.bg(), offer, string(cause))
	} else {
		why := "leg-failed"
		if cause != "" {
			why += ":" + string(cause)
		}
		err = w.eng.OfferWithdrawn(w.bg(), offer, why)
	}
	if err != nil && !errors.Is(err, acd.ErrStaleOffer) {
		w.log.Warn("report failed offer", "offer", offer, "cause", cause, "err", err)
	}
}

// stopAnnouncement ends the announcement playing to the caller, if any (an
// agent is rung or answered).
func (w *waiter) stopAnnouncement() {
	w.playMu.Lock()
	w.interrupted = true
	if w.playCancel != nil {
		w.playCancel()
	}
	w.playMu.Unlock()
}

// watch reports when an offered leg rings, answers or ends. Ringing goes
// straight to the engine (it only times the ring); answers and ends go
// through the waiter's loop.
func (w *waiter) watch(offer uint64, leg *controller.Leg) {
	rings := leg.RingingC()
	for {
		select {
		case <-rings:
			rings = nil
			if err := w.eng.Ringing(w.bg(), offer); err != nil && !errors.Is(err, acd.ErrStaleOffer) {
				w.log.Warn("report ringing", "offer", offer, "err", err)
			}
			continue
		case <-leg.Done():
			w.legEnded(offer, leg)
		case <-leg.AnsweredC():
			select {
			case <-leg.Done():
				// Answered and gone before this was seen: a leg that is
				// gone cannot be connected.
				w.legEnded(offer, leg)
				return
			default:
			}
			w.legs.push(legEvent{offer: offer, answered: true})
			w.stopAnnouncement()
		case <-w.stop:
		}
		return
	}
}

func (w *waiter) legEnded(offer uint64, leg *controller.Leg) {
	cause, _, _ := leg.HangupCause()
	w.legs.push(legEvent{offer: offer, cause: cause, rang: leg.Rang(), pickedUp: leg.Answered()})
}

// apply carries out one engine effect; done means the queue is finished
// with the call.
func (w *waiter) apply(ctx context.Context, ef acd.Effect) (inbound.QueueResult, bool) {
	switch e := ef.(type) {
	case acd.Announce:
		if w.legs.size() > 0 || w.anyAnswered() {
			return inbound.QueueResult{}, false // an agent is about to take the call
		}
		m, perr := w.promptMedia(ctx, e.Prompt)
		if perr != nil {
			w.c.Note("queue", "announcement "+string(e.Prompt.Kind)+" not played: "+perr.Error())
			return inbound.QueueResult{}, false
		}
		if err := w.unhold(ctx); err != nil {
			// Still held: the caller would not hear it.
			w.c.Note("queue", "announcement "+string(e.Prompt.Kind)+" skipped: the caller is on hold")
			return inbound.QueueResult{}, false
		}
		w.c.Note("queue", "announce "+string(e.Prompt.Kind)+" ("+mediaLang(m)+"): "+describe(m))
		pctx, cancel := context.WithCancel(ctx)
		w.playMu.Lock()
		if w.interrupted {
			w.playMu.Unlock()
			cancel()
			return inbound.QueueResult{}, false // an agent is being rung
		}
		w.playCancel = cancel
		w.playMu.Unlock()
		var err error
		key := ""
		if e.Prompt.CallbackKey != "" || e.Prompt.VoicemailKey != "" {
			// The caller may press a key during the announcement or just
			// after it; an agent answering stops both.
			key, err = w.c.PlayAndCollect(pctx, controller.Collect{Prompt: m, Max: 1,
				Terminator: controller.NoDigit, Reset: controller.NoDigit, FirstDigitTimeout: callerKeyWindow})
		} else {
			_, err = w.c.Play(pctx, controller.PlayOptions{Media: m})
		}
		w.playMu.Lock()
		w.playCancel = nil
		w.playMu.Unlock()
		cancel()
		if errors.Is(err, controller.ErrHungUp) {
			return w.abandoned(), true
		}
		if key != "" && w.callerKey(ctx, e.Prompt, key) {
			w.keyPrompt = &e.Prompt             // its call-back confirmation, if the queue has its own
			return inbound.QueueResult{}, false // the engine's answer follows
		}
		w.hold(ctx)
	case acd.Offer:
		w.playMu.Lock()
		w.interrupted = false
		w.playMu.Unlock()
		w.offer(ctx, e)
	case acd.CancelOffer:
		if leg, ok := w.offers[e.OfferID]; ok {
			delete(w.offers, e.OfferID)
			delete(w.offeredAt, e.OfferID)
			w.c.Note("queue", fmt.Sprintf("offer to agent %s withdrawn (%s)", e.AgentID, e.Reason))
			_ = leg.Hangup(w.bg(), controller.CauseOriginatorCancel)
		}
	case acd.Connect:
		return w.connect(ctx, e)
	case acd.Overflow:
		w.c.Note("queue", "overflow: "+overflowText(&e))
		w.playOverflowPrompt(ctx, e.Prompt)
		if e.Moved {
			w.queue = e.Target.Value
			return inbound.QueueResult{}, false
		}
		w.cancelAll("overflow")
		return w.overflowResult(ctx, &e), true
	case acd.CallbackRequested:
		w.cancelAll("callback")
		lang := w.language(e.Lang, false)
		media := []controller.Media{{Kind: controller.MediaTTS, Lang: lang, Value: callbackConfirmation[lang]}}
		if kp := w.keyPrompt; kp != nil {
			p := *kp
			p.Lang = lang
			if parts := p.CallbackParts(); parts != nil {
				if m, err := w.partsMedia(ctx, "callback", lang, parts); err != nil {
					w.c.Note("queue", "the queue's call-back confirmation not played, the generated one plays: "+err.Error())
				} else {
					media = m
				}
			}
		}
		if w.unhold(ctx) == nil {
			w.c.Note("queue", "call-back confirmation ("+lang+"): "+describe(media))
			if _, err := w.c.Play(ctx, controller.PlayOptions{Media: media}); err != nil && !errors.Is(err, controller.ErrHungUp) {
				w.c.Note("queue", "call-back confirmation not played: "+err.Error())
			}
		}
		_ = w.c.Hangup(ctx, controller.CauseNormalClearing)
		return inbound.QueueResult{Disposition: "callback_requested"}, true
	}
	return inbound.QueueResult{}, false
}

// callerKeyWindow is how long a caller has to press a queue key after the
// announcement offering it.
const callerKeyWindow = 3 * time.Second

// callerKey passes a waiting caller's key press to the engine: the
// call-back or voicemail key of the announcement. It reports whether the
// engine took the request (a CallbackRequested or Overflow follows).
func (w *waiter) callerKey(ctx context.Context, p acd.Prompt, key string) bool {
	var kind acd.RequestKind
	switch key {
	case p.CallbackKey:
		kind = acd.RequestCallback
	case p.VoicemailKey:
		kind = acd.RequestVoicemail
	default:
		w.c.Note("queue", "caller pressed "+key+": not a key of this queue")
		return false
	}
	if err := w.eng.CallerRequest(ctx, w.id, kind, ""); err != nil {
		w.c.Note("queue", "caller pressed "+key+": "+err.Error())
		return false
	}
	w.c.Note("queue", "caller pressed "+key+" for a "+map[acd.RequestKind]string{acd.RequestCallback: "call-back", acd.RequestVoicemail: "voicemail message"}[kind])
	return true
}

func (w *waiter) offer(ctx context.Context, e acd.Offer) {
	ep, err := w.d.endpointFor(e.Device)
	if err != nil {
		// The agent's device cannot be dialled (none, or it needs a trunk
		// that is not configured): they cannot take calls as logged in.
		w.c.Note("queue", fmt.Sprintf("cannot ring agent %s: %v", e.AgentID, err))
		w.rec.Offered(e.AgentID)
		_ = w.eng.OfferFailed(w.bg(), e.OfferID, err.Error())
		return
	}
	// The engine times the ring itself and withdraws the offer; the switch
	// timeout is only a backstop.
	leg, err := w.c.StartOriginate(ctx, ep, controller.OriginateOptions{CallerIDNum: w.c.ANI(), Timeout: e.RingTimeout + 10*time.Second,
		Vars: map[string]string{"ipcc_queue": e.QueueID, "ipcc_agent": e.AgentID, "ipcc_tenant": w.tenant}})
	if err == nil {
		w.offers[e.OfferID] = leg
		w.offeredAt[e.OfferID] = w.d.opt.Clock.Now()
		w.rec.Offered(e.AgentID)
		w.rec.Leg(leg, inbound.RoleAgent, e.Device, e.AgentID)
		w.rec.Save()
		w.c.Note("queue", fmt.Sprintf("ringing agent %s on %s", e.AgentID, e.Device))
		go w.watch(e.OfferID, leg)
		return
	}
	w.c.Note("queue", fmt.Sprintf("cannot ring agent %s: %v", e.AgentID, err))
	var oe *controller.OriginateError
	switch {
	case errors.Is(err, controller.ErrNotConnected):
		// The switch is down (or ipcc is stopping): not the agent's fault.
		_ = w.eng.OfferWithdrawn(w.bg(), e.OfferID, "switch-unavailable")
	case errors.Is(err, controller.ErrHungUp) || errors.Is(err, controller.ErrTransferred) || callerGone(w.c):
		// The caller left as the offer was made: nobody to ring for.
		_ = w.eng.OfferWithdrawn(w.bg(), e.OfferID, "caller-left")
	case errors.As(err, &oe):
		// The switch refused the originate with a cause.
		w.rec.Offered(e.AgentID)
		w.offerEnded(e.OfferID, oe.Cause, false)
	default:
		// A command that failed or timed out on ipcc's or the switch's
		// side: the agent's phone never got the call.
		_ = w.eng.OfferWithdrawn(w.bg(), e.OfferID, "originate-failed")
	}
}

// connect bridges the caller with the agent who answered and waits for the
// conversation to end. done is false when the agent could not be connected
// and the caller waits again (see agentGone).
func (w *waiter) connect(ctx context.Context, e acd.Connect) (res inbound.QueueResult, done bool) {
	leg, ok := w.offers[e.OfferID]
	if !ok {
		_ = w.eng.CallEnded(w.bg(), w.id)
		return inbound.QueueResult{Disposition: "failed"}, true
	}
	delete(w.offers, e.OfferID)
	w.cancelAll("answered elsewhere")
	res = inbound.QueueResult{Agent: e.AgentID, Disposition: "answered", Waited: e.Waited}
	if at, ok := w.offeredAt[e.OfferID]; ok {
		res.Ringing = w.d.opt.Clock.Now().Sub(at)
		if la := w.rec.LegAnsweredAt(leg.ID()); !la.IsZero() && la.After(at) {
			res.Ringing = la.Sub(at) // the agent's answer, not the engine's decision
		}
	}
	if e.AgentPrompt != nil {
		// The agent hears the queue and how long the caller waited.
		// With nothing left to whisper (its library prompts are gone) the
		// call connects at once.
		var err error
		if m, perr := w.promptMedia(ctx, *e.AgentPrompt); perr != nil {
			w.c.Note("queue", "whisper to the agent not played: "+perr.Error())
		} else {
			w.c.Note("queue", "to agent ("+mediaLang(m)+"): "+describe(m))
			_, err = leg.Play(ctx, controller.PlayOptions{Media: m})
		}
		if err != nil && errors.Is(err, controller.ErrHungUp) {
			if w.agentGone(ctx, e, leg, err) {
				return inbound.QueueResult{}, false
			}
			_ = leg.Hangup(w.bg(), controller.CauseNormalClearing)
			_ = w.eng.CallEnded(w.bg(), w.id)
			return inbound.QueueResult{Disposition: "abandoned_ringing"}, true
		} else if err != nil {
			w.c.Note("queue", "whisper to the agent not played: "+err.Error())
		}
	}
	if err := w.unhold(ctx); err != nil {
		// Bridged while held, neither would hear the other: a silent call
		// recorded as answered. The agent is let go, the call fails.
		_ = leg.Hangup(w.bg(), controller.CauseNormalTemporaryFailure)
		_ = w.eng.CallEnded(w.bg(), w.id)
		if errors.Is(err, controller.ErrHungUp) {
			return inbound.QueueResult{Disposition: "abandoned_ringing"}, true
		}
		w.c.Note("queue", "not connected to agent "+e.AgentID+": the caller could not be taken off hold and would hear nothing")
		return inbound.QueueResult{Disposition: "failed"}, true
	}
	if err := w.c.Bridge(ctx, leg); err != nil {
		w.c.Note("queue", "bridge: "+err.Error())
		if w.agentGone(ctx, e, leg, err) {
			return inbound.QueueResult{}, false
		}
		_ = leg.Hangup(w.bg(), controller.CauseNormalClearing)
		_ = w.eng.CallEnded(w.bg(), w.id)
		if errors.Is(err, controller.ErrHungUp) {
			return inbound.QueueResult{Disposition: "abandoned_ringing"}, true
		}
		return inbound.QueueResult{Disposition: "failed"}, true
	}
	res.TalkFrom = w.d.opt.Clock.Now()
	// Written at once: a controller stopping mid-conversation leaves a
	// record that knows who answered, when, and after how long.
	if w.rec != nil {
		w.rec.Update(func(r *store.CallRecord) {
			r.AgentID, r.Disposition = e.AgentID, "answered"
			r.WaitMS += res.Waited.Milliseconds()
			r.RingMS += res.Ringing.Milliseconds()
		})
		w.rec.Talking(res.TalkFrom)
		w.rec.Save()
		res.Recorded = true
	}
	w.c.Note("queue", fmt.Sprintf("connected to agent %s after waiting %s", e.AgentID, e.Waited.Round(time.Second)))
	if e.CallerPrompt != nil {
		// 工号播报: the caller hears the agent's number.
		if m, perr := w.promptMedia(ctx, *e.CallerPrompt); perr != nil {
			w.c.Note("queue", "agent announcement to the caller not played: "+perr.Error())
		} else {
			w.c.Note("queue", "to caller ("+mediaLang(m)+"): "+describe(m))
			if _, err := w.c.Play(ctx, controller.PlayOptions{Media: m}); err != nil && !errors.Is(err, controller.ErrHungUp) {
				w.c.Note("queue", "agent announcement to the caller not played: "+err.Error())
			}
		}
	}
	return w.talk(ctx, e, leg, res), true
}

// agentGone handles an agent who answered but could not be connected: the
// agent's leg ended (they hung up at once, the switch lost the leg) or the
// switch no longer knows it, while the caller is still there. The caller
// is not lost: the engine puts them back in line at their place (entry
// time kept) and they are offered to the next agent; the agent is not
// blamed unless their own phone refused the call (see agentsFault). It
// reports false, doing nothing, when the caller is gone too or the agent's
// leg lives (the failure is another one).
func (w *waiter) agentGone(ctx context.Context, e acd.Connect, leg *controller.Leg, err error) bool {
	if callerGone(w.c) {
		return false
	}
	cause, _, ended := leg.HangupCause()
	if !ended && !errors.Is(err, controller.ErrNoSuchLeg) {
		return false
	}
	if !ended {
		// The switch says it has no such leg: ipcc has not heard of its
		// end yet. Make sure it is gone.
		_ = leg.Hangup(w.bg(), controller.CauseNormalClearing)
	}
	fault := agentsFault(cause, false) // the phone answered: only a refusal counts
	why := "agent-leg-gone"
	if cause != "" {
		why += ":" + string(cause)
	}
	if err := w.eng.ConnectFailed(w.bg(), w.id, fault, why); err != nil {
		w.log.Warn("report failed connect", "agent", e.AgentID, "err", err)
		return false
	}
	w.c.Note("queue", fmt.Sprintf("agent %s answered but was gone before the caller was connected (%s): the caller waits again at their place", e.AgentID, why))
	w.hold(ctx)
	return true
}

func (w *waiter) overflowResult(ctx context.Context, o *acd.Overflow) inbound.QueueResult {
	if o == nil {
		return inbound.QueueResult{Disposition: "failed"}
	}
	t := target(o.Target)
	return inbound.QueueResult{Next: t, Disposition: "overflow_" + string(o.Reason), Waited: o.Waited}
}

// promptMedia renders an announcement in its language (when the engine
// names none: the route's or tenant's for the caller, the tenant's for the
// agent): the generated sentence as TTS, or the queue's parts (library
// prompts, text, the values as numbers or digits; acd.Prompt.Parts). A
// library prompt plays what the tenant's library holds for that language,
// looked up now (a prompt replaced in the library is heard at once), with
// the flows' resolution (Options.Library, prompts.Library). A library part
// that cannot be played is left out and the rest plays, the trace saying
// why; an error when nothing is left to play.
func (w *waiter) promptMedia(ctx context.Context, p acd.Prompt) ([]controller.Media, error) {
	p.Lang = w.language(p.Lang, p.Kind == acd.PromptWhisper)
	return w.partsMedia(ctx, p.Kind, p.Lang, p.Parts())
}

// partsMedia turns the parts of an announcement into media in lang.
func (w *waiter) partsMedia(ctx context.Context, kind acd.PromptKind, lang string, parts []acd.Part) ([]controller.Media, error) {
	var out []controller.Media
	var errs []error
	for _, pt := range parts {
		switch pt.Kind {
		case acd.PartLibrary:
			if w.d.opt.Library == nil {
				errs = append(errs, fmt.Errorf("library prompt %q cannot be played: no prompts library is wired", pt.Value))
				continue
			}
			m, err := w.d.opt.Library.LibraryMedia(ctx, w.tenant, pt.Value, lang)
			if err != nil {
				errs = append(errs, fmt.Errorf("library prompt %q %w", pt.Value, err))
				continue
			}
			out = append(out, m)
		case acd.PartNumber:
			out = append(out, controller.Media{Kind: controller.MediaNumber, Value: pt.Value, Lang: lang})
		case acd.PartDigits:
			out = append(out, controller.Media{Kind: controller.MediaDigits, Value: pt.Value, Lang: lang})
		default:
			out = append(out, controller.Media{Kind: controller.MediaTTS, Value: pt.Value, Lang: lang})
		}
	}
	if len(out) == 0 {
		if len(errs) == 0 {
			return nil, errors.New("it has nothing to play")
		}
		return nil, errors.Join(errs...)
	}
	for _, err := range errs {
		w.c.Note("queue", "announcement "+string(kind)+": part not played, the rest plays: "+err.Error())
	}
	return out, nil
}

// describe is a played announcement for the trace: the text, or the
// library prompt and what it resolved to, of each part.
func describe(ms []controller.Media) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		switch {
		case m.Library == "" && m.Kind == controller.MediaNumber:
			parts[i] = "number " + m.Value
		case m.Library == "" && m.Kind == controller.MediaDigits:
			parts[i] = "digits " + m.Value
		case m.Library == "":
			parts[i] = m.Value
		case m.Kind == controller.MediaTTS:
			parts[i] = fmt.Sprintf("library %q: %s", m.Library, m.Value)
		default:
			parts[i] = fmt.Sprintf("library %q: file %s", m.Library, m.Value)
		}
	}
	return strings.Join(parts, " + ")
}

// mediaLang is the language the first of some media is spoken in.
func mediaLang(ms []controller.Media) string {
	if len(ms) == 0 {
		return ""
	}
	return ms[0].Lang
}

// playOverflowPrompt plays the queue's overflow prompt to a caller about
// to leave for an overflow target.
func (w *waiter) playOverflowPrompt(ctx context.Context, p *acd.Prompt) {
	if p == nil || callerGone(w.c) {
		return
	}
	m, err := w.promptMedia(ctx, *p)
	if err != nil {
		w.c.Note("queue", "overflow prompt not played: "+err.Error())
		return
	}
	if err := w.unhold(ctx); err != nil {
		w.c.Note("queue", "overflow prompt not played: the caller is on hold")
		return
	}
	w.c.Note("queue", "overflow prompt ("+mediaLang(m)+"): "+describe(m))
	if _, err := w.c.Play(ctx, controller.PlayOptions{Media: m}); err != nil && !errors.Is(err, controller.ErrHungUp) {
		w.c.Note("queue", "overflow prompt not played: "+err.Error())
	}
}

// language is lang when it is a prompt language, else the default of the
// caller or, for staff, of the tenant.
func (w *waiter) language(lang string, staff bool) string {
	if slices.Contains(acd.Languages, lang) {
		return lang
	}
	if !staff && slices.Contains(acd.Languages, w.callerDefault) {
		return w.callerDefault
	}
	if w.staffLang == "" {
		w.staffLang = w.d.tenantLanguage(context.Background(), w.tenant)
	}
	if slices.Contains(acd.Languages, w.staffLang) {
		return w.staffLang
	}
	return "zh-CN"
}

// callbackConfirmation is what a caller who asked to be called back hears
// before the call ends.
var callbackConfirmation = map[string]string{
	"zh-CN": "我们已记录您的回电请求，稍后将给您回电。再见。",
	"en":    "We have noted your request and will call you back shortly. Goodbye.",
}
