package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/ipcc/ipcc/egress"
	"github.com/ipcc/ipcc/store"
)

// Options wire a Dispatcher.
type Options struct {
	Store *store.Store
	// Egress is the platform's policy of where requests may go (nil: the
	// default policy, public addresses only). Deliveries never follow
	// redirects and ignore proxy settings from the environment.
	Egress *egress.Policy
	// Timeout of one attempt (default 10 s).
	Timeout time.Duration
	Logger  *slog.Logger
	// PollInterval is how often new voicemail and due retries are looked
	// for (default 2 s); events emitted through the Outbox wake it at once.
	PollInterval time.Duration
	// SweepInterval is how often deliveries parked behind one another
	// controller finished at the same moment are looked for (default 5 s,
	// at least PollInterval): the sweep reads every parked delivery, so it
	// is not run at each poll.
	SweepInterval time.Duration
	// MaxAttempts per delivery before it becomes a dead letter (0 = no
	// limit but MaxAge).
	MaxAttempts int
	// MaxAge is how long a delivery is retried after it was queued
	// (default 24 h); then it becomes a dead letter.
	MaxAge time.Duration
	// Backoff is the wait after the n-th failed attempt (default 10 s
	// doubling per attempt, at most 1 h).
	Backoff func(attempt int) time.Duration
	// QueueSize bounds the deliveries held in memory (default 100); the rest
	// wait in the outbox table.
	QueueSize int
	// Workers send in parallel (default 4).
	Workers int
	// Lease is how long a claimed delivery is not sent again by another
	// controller (default 3 × Timeout + 30 s): after a crash, what was in
	// flight is sent again once its lease ends (receivers deduplicate on
	// webhook-id).
	Lease time.Duration
	// Now is the clock (nil = time.Now).
	Now func() time.Time
}

// Dispatcher delivers the outbox's deliveries.
type Dispatcher struct {
	opt    Options
	client *http.Client
	log    *slog.Logger
	lease  time.Duration
	wake   chan struct{}
	done   chan outcome
	// queue feeds the workers; writer, when set, is the outbox that
	// writes for this dispatcher (its claims and outcomes share the
	// outbox's group commit).
	queue  chan store.WebhookDelivery
	writer *Outbox

	mu       sync.Mutex
	stopping bool
	inFlight map[int64]bool
	// failing are endpoints (tenant/id) whose last attempt failed: their
	// first success makes their backlog due at once.
	failing map[string]bool
	hooks   map[string]cachedHook
}

type cachedHook struct {
	h   *store.Webhook
	err error
	at  time.Time
}

// outcome is one attempt's result on its way to the store.
type outcome struct {
	store.DeliveryOutcome
	tenant, webhook string
	retried         bool
}

// New builds a dispatcher; Run starts it.
func New(o Options) (*Dispatcher, error) {
	if o.Store == nil {
		return nil, errors.New("webhook: a store is required")
	}
	if o.Egress == nil {
		o.Egress = egress.Default()
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 2 * time.Second
	}
	if o.SweepInterval <= 0 {
		o.SweepInterval = 5 * time.Second
	}
	o.SweepInterval = max(o.SweepInterval, o.PollInterval)
	if o.MaxAge <= 0 {
		o.MaxAge = 24 * time.Hour
	}
	if o.Backoff == nil {
		o.Backoff = DefaultBackoff
	}
	if o.QueueSize <= 0 {
		o.QueueSize = 100
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Lease <= 0 {
		o.Lease = 3*o.Timeout + 30*time.Second
	}
	// Only a 2xx from the configured URL counts: the egress client never
	// follows a redirect, which is a failed attempt (following turns the
	// POST into a GET elsewhere and would count that page's answer as
	// delivered).
	client := o.Egress.Client(o.Timeout)
	return &Dispatcher{opt: o, client: client, log: o.Logger.With("component", "webhook"), lease: o.Lease, wake: make(chan struct{}, 1),
		done: make(chan outcome, o.QueueSize), queue: make(chan store.WebhookDelivery, o.QueueSize), inFlight: map[int64]bool{}, failing: map[string]bool{}, hooks: map[string]cachedHook{}}, nil
}

// DefaultBackoff waits 10 s after the first failure, doubling up to 1 h.
func DefaultBackoff(attempt int) time.Duration {
	d := 10 * time.Second
	for i := 1; i < attempt && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// Wake makes the dispatcher look for work now rather than at its next poll.
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// attach makes ob this dispatcher's writer (NewOutbox with Dispatcher).
func (d *Dispatcher) attach(ob *Outbox) {
	d.mu.Lock()
	d.writer = ob
	d.mu.Unlock()
}

func (d *Dispatcher) outbox() *Outbox {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.writer
}

// room is how many deliveries the dispatcher can take now.
func (d *Dispatcher) room() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopping {
		return 0
	}
	return max(d.opt.QueueSize-len(d.inFlight), 0)
}

// accept hands claimed deliveries to the workers. It never blocks: at
// most room() were claimed and the queue holds QueueSize. Once the
// dispatcher stops, claimed deliveries are left to their lease.
func (d *Dispatcher) accept(due []store.WebhookDelivery) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, del := range due {
		if d.stopping || d.inFlight[del.ID] {
			continue
		}
		select {
		case d.queue <- del:
			d.inFlight[del.ID] = true
		default:
			// Not reached (room() bounds the claim); the lease brings it back.
		}
	}
}

// Run polls and delivers until ctx ends, then waits for the workers and
// stores their outcomes. A dispatcher runs once.
func (d *Dispatcher) Run(ctx context.Context) error {
	queue := d.queue
	var wg sync.WaitGroup
	for i := 0; i < d.opt.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for del := range queue {
				d.deliver(ctx, del)
			}
		}()
	}
	finished := make(chan struct{})
	go func() { defer close(finished); d.finisher() }()
	t := time.NewTicker(d.opt.PollInterval)
	defer t.Stop()
	lastSweep := time.Now()
	analysed := false
	d.log.Info("webhook delivery running", "poll", d.opt.PollInterval.String(), "workers", d.opt.Workers)
	for {
		full := d.poll(ctx, queue)
		if full && ctx.Err() == nil {
			continue // more is due: claim it as soon as there is room
		}
		select {
		case <-ctx.Done():
			d.mu.Lock()
			d.stopping = true
			close(queue)
			d.mu.Unlock()
			wg.Wait()
			close(d.done)
			<-finished
			return nil
		case now := <-t.C:
			if !analysed {
				// A young outbox table (no statistics yet) gets them as
				// soon as it holds 1,000 deliveries (AnalyzeYoungOutbox).
				ok, done, err := d.opt.Store.AnalyzeYoungOutbox(ctx, 1000)
				switch {
				case err != nil:
					if ctx.Err() == nil {
						d.log.Error("outbox statistics not gathered", "err", err)
					}
				case ok:
					d.log.Info("outbox table analysed: it had no statistics yet")
				}
				analysed = done
			}
			if now.Sub(lastSweep) < d.opt.SweepInterval {
				break
			}
			lastSweep = now
			if n, err := d.opt.Store.UnparkOrphans(ctx, d.opt.Now()); err != nil {
				if ctx.Err() == nil {
					d.log.Error("orphaned deliveries not checked", "err", err)
				}
			} else if n > 0 {
				d.log.Warn("deliveries parked behind a finished one made due", "deliveries", n)
			}
		case <-d.wake:
		}
	}
}

// poll moves new voicemail into the outbox and due deliveries into the
// bounded queue (only as many as it has room for, so it never blocks). It
// reports whether it filled every free slot (more may be due).
func (d *Dispatcher) poll(ctx context.Context, queue chan<- store.WebhookDelivery) bool {
	if n, err := d.opt.Store.QueueVoicemailEvents(ctx, EventVoicemailNew, 100, d.voicemailPayload); err != nil {
		if ctx.Err() == nil {
			d.log.Error("voicemail events not queued", "err", err)
		}
	} else if n > 0 {
		d.log.Debug("voicemail events queued", "deliveries", n)
	}
	free := d.room()
	if free <= 0 {
		// Wait for a worker to finish (its outcome wakes the poll).
		return false
	}
	if ob := d.outbox(); ob != nil && ob.wantClaim() == nil {
		// The outbox's next batch claims (and again while it fills the
		// free slots).
		return false
	}
	due, err := d.opt.Store.ClaimDueDeliveries(ctx, d.opt.Now(), d.lease, free)
	if err != nil {
		if ctx.Err() == nil {
			d.log.Error("due deliveries not read", "err", err)
		}
		return false
	}
	d.accept(due)
	return len(due) == free
}

// VoicemailData is the data of a voicemail.new event.
type VoicemailData struct {
	MessageID   int64     `json:"message_id"`
	Mailbox     string    `json:"mailbox"`
	MailboxName string    `json:"mailbox_name,omitempty"`
	OwnerType   string    `json:"owner_type,omitempty"`
	OwnerID     string    `json:"owner_id,omitempty"`
	CallID      string    `json:"call_id"`
	Caller      string    `json:"caller"`
	DurationMS  int64     `json:"duration_ms"`
	LeftAt      time.Time `json:"left_at"`
	// AudioPath is the API path that plays the message (append it to the
	// controller's base URL; it needs credentials).
	AudioPath string `json:"audio_path"`
}

// PingData is the data of a ping event.
type PingData struct {
	WebhookID string `json:"webhook_id"`
	Message   string `json:"message"`
}

// Ping renders a ping event for an endpoint: its id and JSON body.
func Ping(tenant, webhookID string, now time.Time) (string, string, error) {
	id := "ping_" + strconv.FormatInt(now.UnixNano(), 36)
	b, err := json.Marshal(Event{ID: id, Type: EventPing, Tenant: tenant, CreatedAt: now.UTC(),
		Data: PingData{WebhookID: webhookID, Message: "test delivery from ipcc: check the signature and answer 2xx"}})
	if err != nil {
		return "", "", fmt.Errorf("webhook: ping: %w", err)
	}
	return id, string(b), nil
}

// VoicemailEventID is the event id of a message's voicemail.new event.
func VoicemailEventID(messageID int64) string { return "voicemail-" + strconv.FormatInt(messageID, 10) }

func (d *Dispatcher) voicemailPayload(ctx context.Context, m store.VoicemailMessage) (string, string, error) {
	data := VoicemailData{MessageID: m.ID, Mailbox: m.Mailbox, CallID: m.CallID, Caller: m.Caller, DurationMS: m.DurationMS, LeftAt: m.CreatedAt.UTC(),
		AudioPath: "/api/v1/voicemail/" + strconv.FormatInt(m.ID, 10) + "/audio"}
	if mb, err := d.opt.Store.GetMailbox(ctx, m.TenantID, m.Mailbox); err == nil {
		data.MailboxName, data.OwnerType, data.OwnerID = mb.Name, mb.OwnerType, mb.OwnerID
	} else if !store.IsNotFound(err) {
		return "", "", err
	}
	id := VoicemailEventID(m.ID)
	b, err := json.Marshal(Event{ID: id, Type: EventVoicemailNew, Tenant: m.TenantID, CreatedAt: d.opt.Now().UTC(), CallID: m.CallID, Data: data})
	if err != nil {
		return "", "", err
	}
	return id, string(b), nil
}

// deliver makes one attempt and hands its outcome to the finisher.
func (d *Dispatcher) deliver(ctx context.Context, del store.WebhookDelivery) {
	log := d.log.With("delivery", del.ID, "tenant", del.TenantID, "webhook", del.WebhookID, "event", del.EventID, "type", del.EventType, "attempt", del.Attempts)
	hook, err := d.hook(ctx, del.TenantID, del.WebhookID)
	if err != nil || !hook.Enabled {
		reason := "webhook disabled"
		if err != nil {
			if !store.IsNotFound(err) {
				log.Error("webhook not loaded; retried after the lease", "err", err)
				d.release(del.ID)
				return
			}
			reason = "webhook deleted"
		}
		d.finish(log, del, store.DeliveryDead, 0, reason, d.opt.Now(), 0)
		return
	}
	start := time.Now()
	status, err := d.send(ctx, log, hook, del)
	took := time.Since(start).Milliseconds()
	if ctx.Err() != nil {
		d.release(del.ID)
		return // shutting down: the lease expires and another run retries
	}
	now := d.opt.Now()
	if err == nil {
		d.finish(log, del, store.DeliveryDelivered, status, "", now, took)
		return
	}
	next := now.Add(d.opt.Backoff(del.Attempts))
	if (d.opt.MaxAttempts > 0 && del.Attempts >= d.opt.MaxAttempts) || next.Sub(del.CreatedAt) > d.opt.MaxAge {
		d.finish(log, del, store.DeliveryDead, status, err.Error(), now, took)
		return
	}
	d.finish(log, del, store.DeliveryPending, status, err.Error(), next, took)
}

// hook loads an endpoint, cached for a second (a busy endpoint gets
// thousands of deliveries a second).
func (d *Dispatcher) hook(ctx context.Context, tenant, id string) (*store.Webhook, error) {
	key := tenant + "/" + id
	now := time.Now()
	d.mu.Lock()
	c, ok := d.hooks[key]
	d.mu.Unlock()
	if ok && now.Sub(c.at) < time.Second {
		return c.h, c.err
	}
	h, err := d.opt.Store.GetWebhook(ctx, tenant, id)
	if err != nil && !store.IsNotFound(err) {
		return nil, err
	}
	d.mu.Lock()
	d.hooks[key] = cachedHook{h: h, err: err, at: now}
	d.mu.Unlock()
	return h, err
}

func (d *Dispatcher) release(id int64) {
	d.mu.Lock()
	delete(d.inFlight, id)
	d.mu.Unlock()
}

func (d *Dispatcher) finish(log *slog.Logger, del store.WebhookDelivery, status string, httpStatus int, errText string, next time.Time, took int64) {
	switch status {
	case store.DeliveryDelivered:
		log.Debug("webhook delivered", "status", httpStatus, "ms", took)
	case store.DeliveryDead:
		log.Error("webhook delivery failed for good: dead letter", "status", httpStatus, "err", errText)
	default:
		log.Warn("webhook delivery failed; will retry", "status", httpStatus, "err", errText, "next", next)
	}
	d.done <- outcome{DeliveryOutcome: store.DeliveryOutcome{ID: del.ID, TenantID: del.TenantID, WebhookID: del.WebhookID, CallID: del.CallID, Status: status, HTTPStatus: httpStatus, Err: errText, Next: next, At: d.opt.Now(), Enqueued: del.CreatedAt, AttemptMS: took},
		tenant: del.TenantID, webhook: del.WebhookID, retried: del.Attempts > 1}
}

// finisher stores outcomes in batches (one transaction for what finished
// meanwhile), then frees their slots and wakes the poll: the next event of
// each call is due only once the earlier one's outcome is stored.
func (d *Dispatcher) finisher() {
	for first := range d.done {
		batch := []outcome{first}
	more:
		for len(batch) < 500 {
			select {
			case o, ok := <-d.done:
				if !ok {
					break more
				}
				batch = append(batch, o)
			default:
				break more
			}
		}
		outs := make([]store.DeliveryOutcome, len(batch))
		for i, o := range batch {
			outs[i] = o.DeliveryOutcome
		}
		// Slots are freed before the outcomes are stored: until then the
		// rows still carry their lease, so no poll takes them again, and
		// a poll between the two would otherwise claim a row it still
		// thinks in flight.
		d.mu.Lock()
		for _, o := range batch {
			delete(d.inFlight, o.ID)
		}
		d.mu.Unlock()
		ob := d.outbox()
		for attempt := 1; ; attempt++ {
			err := ErrOutboxClosed
			if ob != nil {
				// In the outbox's next batch, with its events and claim
				// (which takes each finished call's next event at once).
				err = ob.finish(context.Background(), outs)
			}
			if errors.Is(err, ErrOutboxClosed) {
				err = d.opt.Store.FinishDeliveryAttempts(context.Background(), outs)
			}
			if err == nil {
				break
			}
			if attempt >= 5 {
				// The lease runs out and the deliveries are sent again.
				d.log.Error("delivery outcomes not stored", "deliveries", len(outs), "err", err)
				break
			}
			time.Sleep(time.Duration(attempt) * 100 * time.Millisecond)
		}
		hurry := map[[2]string]bool{}
		d.mu.Lock()
		for _, o := range batch {
			key := o.tenant + "/" + o.webhook
			switch o.Status {
			case store.DeliveryDelivered:
				if d.failing[key] || o.retried {
					hurry[[2]string{o.tenant, o.webhook}] = true
				}
				delete(d.failing, key)
			case store.DeliveryPending:
				d.failing[key] = true
			}
		}
		d.mu.Unlock()
		for k := range hurry {
			if n, err := d.opt.Store.HurryWebhook(context.Background(), k[0], k[1], d.opt.Now()); err != nil {
				d.log.Error("backlog of a recovered endpoint not made due", "tenant", k[0], "webhook", k[1], "err", err)
			} else if n > 0 {
				d.log.Info("endpoint answers again: its backlog is due now", "tenant", k[0], "webhook", k[1], "deliveries", n)
				d.Wake()
			}
		}
		if ob == nil {
			d.Wake()
		}
	}
}

// send posts the payload, signed; a non-2xx answer is an error. A request
// that got no answer fails with egress.Failed whatever the reason (denied
// by the egress policy, refused, timed out), since the error is shown to
// the tenant: the reason is logged here.
func (d *Dispatcher) send(ctx context.Context, log *slog.Logger, hook *store.Webhook, del store.WebhookDelivery) (int, error) {
	body := []byte(del.Payload)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("request: %w", err)
	}
	now := d.opt.Now()
	ts := now.Unix()
	secrets := []string{hook.Secret}
	if hook.PreviousSecret != "" && hook.PreviousUntil != nil && now.Before(*hook.PreviousUntil) {
		secrets = append(secrets, hook.PreviousSecret)
	}
	sig, err := Sign(del.EventID, ts, body, secrets...)
	if err != nil {
		return 0, fmt.Errorf("sign: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ipcc-webhook/2")
	req.Header.Set(HeaderID, del.EventID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, sig)
	req.Header.Set(HeaderEvent, del.EventType)
	req.Header.Set(HeaderDelivery, strconv.FormatInt(del.ID, 10))
	res, err := d.client.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			log.Warn("webhook request got no answer", "url", redactURL(req.URL), "denied", egress.Denied(err), "err", err)
		}
		return 0, errors.New(egress.Failed)
	}
	defer res.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return res.StatusCode, fmt.Errorf("HTTP %d: %s", res.StatusCode, bytes.TrimSpace(snippet))
	}
	return res.StatusCode, nil
}

// redactURL drops user info, query and fragment (they may carry secrets)
// from log lines.
func redactURL(u *url.URL) string {
	c := *u
	c.User, c.RawQuery, c.Fragment = nil, "", ""
	return c.String()
}
