package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Webhook is a tenant's endpoint for signed event notifications.
type Webhook struct {
	TenantID string `db:"tenant_id" json:"-"`
	ID       string `db:"id" json:"id"`
	URL      string `db:"url" json:"url"`
	Secret   string `db:"secret" json:"-"`
	// PreviousSecret was replaced by the last rotation; deliveries are
	// signed with it too until PreviousUntil, so receivers can switch over.
	PreviousSecret string     `db:"previous_secret" json:"-"`
	PreviousUntil  *time.Time `db:"previous_secret_until" json:"previous_secret_until,omitempty"`
	EventsJSON     string     `db:"events" json:"-"`
	Events         []string   `db:"-" json:"events"`
	Enabled        bool       `db:"enabled" json:"enabled"`
	Description    string     `db:"description" json:"description"`
	CreatedAt      time.Time  `db:"created_at" json:"created_at"`
	UpdatedAt      time.Time  `db:"updated_at" json:"updated_at"`
}

const webhookCols = `tenant_id, id, url, secret, previous_secret, previous_secret_until, events, enabled, description, created_at, updated_at`

func (w *Webhook) encode() error {
	if w.Events == nil {
		w.Events = []string{}
	}
	b, err := json.Marshal(w.Events)
	if err != nil {
		return fmt.Errorf("store: webhook %s events: %w", w.ID, err)
	}
	w.EventsJSON = string(b)
	return nil
}

func (w *Webhook) decode() error {
	w.Events = []string{}
	if w.EventsJSON == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(w.EventsJSON), &w.Events); err != nil {
		return fmt.Errorf("store: webhook %s events: %w", w.ID, err)
	}
	return nil
}

// CreateWebhook stores an endpoint.
func (s *Store) CreateWebhook(ctx context.Context, w *Webhook) error {
	if err := w.encode(); err != nil {
		return err
	}
	w.CreatedAt = now()
	w.UpdatedAt = w.CreatedAt
	_, err := s.db.ExecContext(ctx, s.Rebind(`INSERT INTO webhooks (`+webhookCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?)`),
		w.TenantID, w.ID, w.URL, w.Secret, w.PreviousSecret, w.PreviousUntil, w.EventsJSON, w.Enabled, w.Description, w.CreatedAt, w.UpdatedAt)
	if err != nil {
		return fmt.Errorf("store: create webhook %s: %w", w.ID, mapErr(err))
	}
	return nil
}

// GetWebhook loads one endpoint of the tenant.
func (s *Store) GetWebhook(ctx context.Context, tenant, id string) (*Webhook, error) {
	var w Webhook
	if err := s.db.GetContext(ctx, &w, s.Rebind(`SELECT `+webhookCols+` FROM webhooks WHERE tenant_id = ? AND id = ?`), tenant, id); err != nil {
		return nil, fmt.Errorf("store: get webhook %s: %w", id, mapErr(err))
	}
	return &w, w.decode()
}

// ListWebhooks lists the tenant's endpoints.
func (s *Store) ListWebhooks(ctx context.Context, tenant string) ([]Webhook, error) {
	return s.listWebhooks(ctx, s.db, tenant)
}

func (s *Store) listWebhooks(ctx context.Context, q sqlx.QueryerContext, tenant string) ([]Webhook, error) {
	out := []Webhook{}
	if err := sqlx.SelectContext(ctx, q, &out, s.Rebind(`SELECT `+webhookCols+` FROM webhooks WHERE tenant_id = ? ORDER BY created_at, id`), tenant); err != nil {
		return nil, fmt.Errorf("store: list webhooks: %w", err)
	}
	for i := range out {
		if err := out[i].decode(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// UpdateWebhook changes an endpoint (every field but its id).
func (s *Store) UpdateWebhook(ctx context.Context, w *Webhook) error {
	if err := w.encode(); err != nil {
		return err
	}
	w.UpdatedAt = now()
	res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE webhooks SET url = ?, secret = ?, previous_secret = ?, previous_secret_until = ?, events = ?, enabled = ?, description = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`),
		w.URL, w.Secret, w.PreviousSecret, w.PreviousUntil, w.EventsJSON, w.Enabled, w.Description, w.UpdatedAt, w.TenantID, w.ID)
	if err != nil {
		return fmt.Errorf("store: update webhook %s: %w", w.ID, err)
	}
	return affectedOne(res, "webhook", w.ID)
}

// DeleteWebhook removes an endpoint; its pending deliveries fail when due.
func (s *Store) DeleteWebhook(ctx context.Context, tenant, id string) error {
	res, err := s.db.ExecContext(ctx, s.Rebind(`DELETE FROM webhooks WHERE tenant_id = ? AND id = ?`), tenant, id)
	if err != nil {
		return fmt.Errorf("store: delete webhook %s: %w", id, err)
	}
	return affectedOne(res, "webhook", id)
}

// Delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed" // before dead letters existed: given up, listed with them
	// DeliveryDead: retries exhausted (or the endpoint was removed or
	// disabled); listed as dead letters, replayable.
	DeliveryDead = "dead"
)

// WebhookDelivery is one event on its way to one endpoint.
type WebhookDelivery struct {
	ID            int64      `db:"id" json:"id"`
	TenantID      string     `db:"tenant_id" json:"-"`
	WebhookID     string     `db:"webhook_id" json:"webhook_id"`
	EventID       string     `db:"event_id" json:"event_id"`
	EventType     string     `db:"event_type" json:"event_type"`
	CallID        string     `db:"call_id" json:"call_id,omitempty"`
	Payload       string     `db:"payload" json:"-"`
	Status        string     `db:"status" json:"status"`
	Attempts      int        `db:"attempts" json:"attempts"`
	NextAttemptAt time.Time  `db:"next_attempt_at" json:"next_attempt_at"`
	LastStatus    int        `db:"last_status" json:"last_status"`
	LastError     string     `db:"last_error" json:"last_error,omitempty"`
	CreatedAt     time.Time  `db:"created_at" json:"created_at"`
	DeliveredAt   *time.Time `db:"delivered_at" json:"delivered_at,omitempty"`
	// LatencyMS is enqueue → delivered; AttemptMS the last attempt's round
	// trip; Replays how often it was replayed from the dead letters.
	LatencyMS int64 `db:"latency_ms" json:"latency_ms"`
	AttemptMS int64 `db:"attempt_ms" json:"attempt_ms"`
	Replays   int   `db:"replays" json:"replays"`
}

const deliveryCols = `id, tenant_id, webhook_id, event_id, event_type, call_id, payload, status, attempts, next_attempt_at, last_status, last_error, created_at, delivered_at, latency_ms, attempt_ms, replays`

// QueueVoicemailEvents puts the "voicemail.new" event of up to limit
// messages not yet announced into the outbox of every enabled endpoint of
// their tenant that subscribes to eventType, and marks the messages
// announced in the same transaction: each message is queued exactly once,
// whatever restarts or other controllers do. payload renders the body.
func (s *Store) QueueVoicemailEvents(ctx context.Context, eventType string, limit int, payload func(ctx context.Context, m VoicemailMessage) (eventID, body string, err error)) (int, error) {
	var ms []VoicemailMessage
	if err := s.db.SelectContext(ctx, &ms, s.Rebind(`SELECT `+voicemailCols+` FROM voicemail_messages WHERE notified = ? ORDER BY id`+fmt.Sprintf(` LIMIT %d`, limit)), false); err != nil {
		return 0, fmt.Errorf("store: new voicemail: %w", err)
	}
	queued := 0
	for _, m := range ms {
		eventID, body, err := payload(ctx, m)
		if err != nil {
			return queued, fmt.Errorf("store: voicemail %d event: %w", m.ID, err)
		}
		err = s.InTx(ctx, func(tx *sqlx.Tx) error {
			res, err := tx.ExecContext(ctx, s.Rebind(`UPDATE voicemail_messages SET notified = ? WHERE id = ? AND notified = ?`), true, m.ID, false)
			if err != nil {
				return fmt.Errorf("store: mark voicemail %d announced: %w", m.ID, err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return nil // another controller took it
			}
			hooks, err := s.listWebhooks(ctx, tx, m.TenantID)
			if err != nil {
				return err
			}
			at := now()
			for _, h := range hooks {
				if !h.Enabled || !EventMatches(h.Events, eventType) {
					continue
				}
				_, err := tx.ExecContext(ctx, s.Rebind(`INSERT INTO webhook_deliveries (tenant_id, webhook_id, event_id, event_type, call_id, payload, status, attempts, next_attempt_at, created_at)
					VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (webhook_id, tenant_id, event_id) DO NOTHING`),
					m.TenantID, h.ID, eventID, eventType, m.CallID, body, DeliveryPending, 0, at, at)
				if err != nil {
					return fmt.Errorf("store: queue %s for webhook %s: %w", eventID, h.ID, err)
				}
				queued++
			}
			return nil
		})
		if err != nil {
			return queued, err
		}
	}
	return queued, nil
}

// ListWebhookDeliveries lists an endpoint's deliveries, newest first.
func (s *Store) ListWebhookDeliveries(ctx context.Context, tenant, webhookID string, limit int) ([]WebhookDelivery, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	out := []WebhookDelivery{}
	err := s.db.SelectContext(ctx, &out, s.Rebind(`SELECT `+deliveryCols+` FROM webhook_deliveries WHERE tenant_id = ? AND webhook_id = ? ORDER BY id DESC`+fmt.Sprintf(` LIMIT %d`, limit)), tenant, webhookID)
	if err != nil {
		return nil, fmt.Errorf("store: list deliveries of webhook %s: %w", webhookID, err)
	}
	return out, nil
}

// QueueDelivery puts one event for one endpoint into the outbox (a test
// ping, for instance); it is sent by the delivery worker like any other.
func (s *Store) QueueDelivery(ctx context.Context, d *WebhookDelivery) error {
	at := now()
	d.Status, d.Attempts, d.NextAttemptAt, d.CreatedAt = DeliveryPending, 0, at, at
	id, err := s.insertReturningID(ctx, `INSERT INTO webhook_deliveries (tenant_id, webhook_id, event_id, event_type, call_id, payload, status, attempts, next_attempt_at, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)`,
		d.TenantID, d.WebhookID, d.EventID, d.EventType, d.CallID, d.Payload, d.Status, d.Attempts, d.NextAttemptAt, d.CreatedAt)
	if err != nil {
		return fmt.Errorf("store: queue %s for webhook %s: %w", d.EventID, d.WebhookID, err)
	}
	d.ID = id
	return nil
}
