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
	// for (default 2 s).
	PollInterval time.Duration
	// MaxAttempts per delivery before it is marked failed (default 8).
	MaxAttempts int
	// Backoff is the wait after the n-th failed attempt (default 10 s
	// doubling per attempt, at most 1 h).
	Backoff func(attempt int) time.Duration
	// QueueSize bounds the deliveries held in memory (default 100); the rest
	// wait in the outbox table.
	QueueSize int
	// Workers send in parallel (default 4).
	Workers int
	// Now is the clock (nil = time.Now).
	Now func() time.Time
}

// Dispatcher queues events into the outbox and delivers them.
type Dispatcher struct {
	opt    Options
	client *http.Client
	log    *slog.Logger
	lease  time.Duration
	wake   chan struct{}

	mu       sync.Mutex
	inFlight map[int64]bool
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
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
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
	// A claimed delivery is not re-sent by another controller for this
	// long: enough for a full queue to drain through the workers.
	lease := 5 * time.Minute
	if t := o.Timeout * time.Duration(o.QueueSize/o.Workers+2); t > lease {
		lease = t
	}
	// Only a 2xx from the configured URL counts: the egress client never
	// follows a redirect, which is a failed attempt (following turns the
	// POST into a GET elsewhere and would count that page's answer as
	// delivered).
	client := o.Egress.Client(o.Timeout)
	return &Dispatcher{opt: o, client: client, log: o.Logger.With("component", "webhook"), lease: lease, wake: make(chan struct{}, 1), inFlight: map[int64]bool{}}, nil
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

// Run polls and delivers until ctx ends, then waits for the workers.
func (d *Dispatcher) Run(ctx context.Context) error {
	queue := make(chan store.WebhookDelivery, d.opt.QueueSize)
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
	t := time.NewTicker(d.opt.PollInterval)
	defer t.Stop()
	d.log.Info("webhook delivery running", "poll", d.opt.PollInterval.String(), "workers", d.opt.Workers)
	for {
		d.poll(ctx, queue)
		select {
		case <-ctx.Done():
			close(queue)
			wg.Wait()
			return nil
		case <-t.C:
		case <-d.wake:
		}
	}
}

// poll moves new voicemail into the outbox and due deliveries into the
// bounded queue (only as many as it has room for, so it never blocks).
func (d *Dispatcher) poll(ctx context.Context, queue chan<- store.WebhookDelivery) {
	if n, err := d.opt.Store.QueueVoicemailEvents(ctx, EventVoicemailNew, 100, d.voicemailPayload); err != nil {
		if ctx.Err() == nil {
			d.log.Error("voicemail events not queued", "err", err)
		}
	} else if n > 0 {
		d.log.Debug("voicemail events queued", "deliveries", n)
	}
	free := cap(queue) - len(queue)
	if free <= 0 {
		return
	}
	due, err := d.opt.Store.ClaimDueDeliveries(ctx, d.opt.Now(), d.lease, free)
	if err != nil {
		if ctx.Err() == nil {
			d.log.Error("due deliveries not read", "err", err)
		}
		return
	}
	for _, del := range due {
		d.mu.Lock()
		busy := d.inFlight[del.ID]
		d.inFlight[del.ID] = true
		d.mu.Unlock()
		if !busy {
			queue <- del
		}
	}
}

// Event is the JSON body of every delivery.
type Event struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	Tenant    string    `json:"tenant"`
	CreatedAt time.Time `json:"created_at"`
	Data      any       `json:"data"`
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
	id := "ping-" + strconv.FormatInt(now.UnixNano(), 36)
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
	b, err := json.Marshal(Event{ID: id, Type: EventVoicemailNew, Tenant: m.TenantID, CreatedAt: d.opt.Now().UTC(), Data: data})
	if err != nil {
		return "", "", err
	}
	return id, string(b), nil
}

// deliver makes one attempt and stores its outcome.
func (d *Dispatcher) deliver(ctx context.Context, del store.WebhookDelivery) {
	defer func() {
		d.mu.Lock()
		delete(d.inFlight, del.ID)
		d.mu.Unlock()
	}()
	log := d.log.With("delivery", del.ID, "tenant", del.TenantID, "webhook", del.WebhookID, "event", del.EventID, "attempt", del.Attempts)
	hook, err := d.opt.Store.GetWebhook(ctx, del.TenantID, del.WebhookID)
	if err != nil || !hook.Enabled {
		reason := "webhook disabled"
		if err != nil {
			if !store.IsNotFound(err) {
				log.Error("webhook not loaded; retried after the lease", "err", err)
				return
			}
			reason = "webhook deleted"
		}
		d.finish(ctx, log, del, store.DeliveryFailed, 0, reason, d.opt.Now())
		return
	}
	status, err := d.send(ctx, log, hook, del)
	if ctx.Err() != nil {
		return // shutting down: the lease expires and another run retries
	}
	if err == nil {
		d.finish(ctx, log, del, store.DeliveryDelivered, status, "", d.opt.Now())
		return
	}
	if del.Attempts >= d.opt.MaxAttempts {
		d.finish(ctx, log, del, store.DeliveryFailed, status, err.Error(), d.opt.Now())
		return
	}
	d.finish(ctx, log, del, store.DeliveryPending, status, err.Error(), d.opt.Now().Add(d.opt.Backoff(del.Attempts)))
}

func (d *Dispatcher) finish(ctx context.Context, log *slog.Logger, del store.WebhookDelivery, status string, httpStatus int, errText string, next time.Time) {
	switch status {
	case store.DeliveryDelivered:
		log.Info("webhook delivered", "status", httpStatus)
	case store.DeliveryFailed:
		log.Error("webhook delivery failed for good", "status", httpStatus, "err", errText)
	default:
		log.Warn("webhook delivery failed; will retry", "status", httpStatus, "err", errText, "next", next)
	}
	if err := d.opt.Store.FinishDeliveryAttempt(context.WithoutCancel(ctx), del.ID, status, httpStatus, errText, next); err != nil {
		log.Error("delivery outcome not stored", "err", err)
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
	ts := d.opt.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ipcc-webhook/1")
	req.Header.Set(HeaderEvent, del.EventType)
	req.Header.Set(HeaderEventID, del.EventID)
	req.Header.Set(HeaderDelivery, strconv.FormatInt(del.ID, 10))
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(hook.Secret, ts, body))
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
