package campaign

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/store"
)

// BroadcastSettings are an IVR broadcast campaign's (自动外拨) message and
// keys.
type BroadcastSettings struct {
	// Message is played when the callee answers.
	Message Message `json:"message"`
	// Repeat plays it again this many times while no key is pressed.
	Repeat int `json:"repeat,omitempty"`
	// WaitMS is how long a key is waited for after the message (default
	// 5000).
	WaitMS int64 `json:"wait_ms,omitempty"`
	// Keys: key → "queue" (transfer to the campaign's queue_id), "optout"
	// (the number goes on the tenant's do-not-call list), "ack" (recorded).
	Keys map[string]string `json:"keys,omitempty"`
	// OptOutMessage is played after an opt-out key (default: a short
	// confirmation in the message's language).
	OptOutMessage *Message `json:"optout_message,omitempty"`
	// Lines is how many calls the campaign places at once (default 10).
	Lines int `json:"lines,omitempty"`
}

// DefaultOptOutMessage confirms an opt-out, by language.
var DefaultOptOutMessage = map[string]string{
	"zh-CN": "好的，我们以后不会再给您打电话。再见。",
	"en":    "You will not be called again. Goodbye.",
}

func (b *BroadcastSettings) validate(queue string) error {
	if b.Message.Prompt == "" && b.Message.Text == "" {
		return FieldError{"settings.broadcast.message", "a prompt or a text is required"}
	}
	if b.Message.Lang != "" && b.Message.Lang != "zh-CN" && b.Message.Lang != "en" {
		return FieldError{"settings.broadcast.message.lang", "zh-CN or en"}
	}
	for k, a := range b.Keys {
		if len(k) != 1 || !containsRune("0123456789*#", rune(k[0])) {
			return FieldError{"settings.broadcast.keys." + k, "a key is one of 0-9, * and #"}
		}
		switch a {
		case "queue":
			if queue == "" {
				return FieldError{"settings.broadcast.keys." + k, "transfer to a queue needs settings.queue_id"}
			}
		case "optout", "ack":
		default:
			return FieldError{"settings.broadcast.keys." + k, fmt.Sprintf("%q: want queue, optout or ack", a)}
		}
	}
	if b.Repeat < 0 || b.Repeat > 5 || b.WaitMS < 0 || b.WaitMS > 60000 || b.Lines < 0 || b.Lines > 1000 {
		return FieldError{"settings.broadcast", "repeat 0-5, wait_ms 0-60000, lines 0-1000"}
	}
	return nil
}

func containsRune(s string, r rune) bool {
	for _, c := range s {
		if c == r {
			return true
		}
	}
	return false
}

// tickBroadcast keeps the campaign's lines busy, within the room the
// tenant's quota of calls leaves.
func (d *Dialer) tickBroadcast(ctx context.Context, c *Campaign, room *tenantRoom) {
	b := c.Settings.Broadcast
	if b == nil {
		return
	}
	lines := b.Lines
	if lines <= 0 {
		lines = 10
	}
	if m := c.Settings.MaxInFlight; m > 0 && m < lines {
		lines = m
	}
	ck := c.TenantID + "/" + c.ID
	for {
		d.mu.Lock()
		busy := d.inFlight[ck]
		if busy < lines {
			d.inFlight[ck]++
		}
		d.mu.Unlock()
		held := busy < lines && !room.left()
		if held {
			d.heldBack(c, room)
		}
		if busy >= lines || held || !d.allowTrunk(c) {
			if busy < lines {
				d.mu.Lock()
				d.inFlight[ck]--
				d.mu.Unlock()
			}
			return
		}
		l, err := d.claimCallable(ctx, c, "", store.LeadDialing)
		if err == nil && l != nil {
			a := &store.CampaignAttempt{TenantID: c.TenantID, CampaignID: c.ID, LeadID: l.ID, Kind: store.AttemptCall, StartedAt: d.opt.Clock.Now()}
			if err = d.opt.Store.AddAttempt(ctx, a); err == nil {
				room.use()
				d.placeBroadcast(ctx, c, l, a)
				continue
			}
			d.putBack(c, l, store.LeadDialing)
		}
		d.mu.Lock()
		d.inFlight[ck]--
		d.mu.Unlock()
		return
	}
}

func (d *Dialer) placeBroadcast(ctx context.Context, c *Campaign, l *store.Lead, a *store.CampaignAttempt) {
	b := c.Settings.Broadcast
	lang := b.Message.Lang
	if lang == "" {
		lang = "zh-CN"
	}
	optout := Message{Text: DefaultOptOutMessage[lang], Lang: lang}
	if b.OptOutMessage != nil {
		optout = *b.OptOutMessage
	}
	var (
		mu  sync.Mutex
		key string
	)
	bc := dispatch.Broadcast{
		LeadCall: dispatch.LeadCall{Number: National(l.Phone, c.Settings.Country()), CallerID: c.Settings.CallerID, Trunk: c.Settings.Trunk, RingTimeout: c.Settings.RingTimeout(),
			Vars: map[string]string{"ipcc_campaign": c.ID, "ipcc_lead": strconv.FormatInt(l.ID, 10), "ipcc_attempt": strconv.FormatInt(a.ID, 10)}},
		Message: b.Message.Media(), Repeat: b.Repeat, Keys: b.Keys, Queue: c.Settings.QueueID, OptOutMessage: optout.Media(),
	}
	if b.WaitMS > 0 {
		bc.Wait = msDuration(b.WaitMS)
	}
	bc.DetectMachine, bc.MachineTimeout, bc.MachineMessage = c.Settings.amdCall()
	bc.Key = func(k, action string) {
		mu.Lock()
		key = k
		mu.Unlock()
		if action == "optout" {
			if _, err := d.opt.Store.AddDNC(context.Background(), c.TenantID, store.DNCTenantScope, []string{l.Phone}, "opt-out by key press (campaign "+c.ID+")"); err != nil {
				d.log.Warn("opt-out not stored", "campaign", c.ID, "lead", l.ID, "err", err)
			}
		}
	}
	bc.Ended = func(outcome, callID string) {
		mu.Lock()
		k := key
		mu.Unlock()
		d.endedBroadcast(c, l.ID, a.ID, Outcome(outcome), callID, k)
	}
	routed := d.placingCall(c.TenantID)
	bc.Routed = routed
	d.calls.Add(1)
	go func() {
		defer d.calls.Done()
		defer routed()
		if err := d.opt.Calls.DialBroadcast(context.WithoutCancel(ctx), c.TenantID, bc); err != nil {
			d.log.Warn("broadcast call not placed", "campaign", c.ID, "err", err)
			bc.Ended(string(Failed), "")
		}
	}()
}

// endedBroadcast records the key pressed (as the disposition: "key:1",
// the action "optout" making the lead dnc) and moves the lead.
func (d *Dialer) endedBroadcast(c *Campaign, leadID, attemptID int64, o Outcome, callID, key string) {
	ctx := context.Background()
	defer d.release(c, "", 0, 0)
	d.outcomeMu.Lock()
	defer d.outcomeMu.Unlock()
	if a, err := d.opt.Store.GetAttempt(ctx, c.TenantID, attemptID); err == nil {
		if a.Kind == store.AttemptSkip {
			return // outbound routing refused the call: recorded as a skip
		}
		now := d.opt.Clock.Now()
		a.CallID, a.Outcome, a.EndedAt = callID, string(o), &now
		if key != "" {
			a.Disposition = "key:" + key
			a.Reason = c.Settings.Broadcast.Keys[key]
		}
		if err := d.opt.Store.UpdateAttempt(ctx, a); err != nil {
			d.log.Warn("campaign attempt not recorded", "attempt", attemptID, "err", err)
		}
	}
	l, err := d.opt.Store.GetLead(ctx, c.TenantID, leadID)
	if err != nil {
		return
	}
	from := l.Status
	next := Apply(&c.Settings, *l, o, d.opt.Clock.Now(), d.zoneOf(c, l.Phone))
	if key != "" {
		next.Disposition = "key:" + key
		if c.Settings.Broadcast.Keys[key] == "optout" {
			next.Status, next.NextAt, next.LastOutcome = store.LeadDNC, nil, "optout"
		}
	}
	if err := d.opt.Store.MoveLead(ctx, &next, from); err != nil {
		d.log.Warn("campaign lead not moved", "lead", leadID, "err", err)
	}
}

func msDuration(ms int64) time.Duration { return time.Duration(ms) * time.Millisecond }
