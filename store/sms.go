package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
)

// SMS message directions and statuses.
const (
	SMSOut = "out"
	SMSIn  = "in"

	SMSQueued    = "queued"    // waiting for its (next) attempt
	SMSSent      = "sent"      // accepted by the provider, no report yet
	SMSDelivered = "delivered" // reported delivered to the handset
	SMSBuffered  = "buffered"  // reported held by the network (temporary)
	SMSFailed    = "failed"    // refused, undeliverable, or out of attempts
	SMSReceived  = "received"  // an inbound message
)

// SMSProvider is one of a tenant's SMS providers: an HTTP gateway or an
// SMPP SMSC. Config is the kind's settings (JSON, package sms reads it);
// HookToken names the provider in the URL its delivery reports and
// inbound messages are posted to.
type SMSProvider struct {
	TenantID  string    `db:"tenant_id" json:"-"`
	ID        string    `db:"id" json:"id"`
	Kind      string    `db:"kind" json:"kind"`
	Name      string    `db:"name" json:"name"`
	SenderID  string    `db:"sender_id" json:"sender_id"`
	IsDefault bool      `db:"is_default" json:"is_default"`
	Enabled   bool      `db:"enabled" json:"enabled"`
	Config    string    `db:"config" json:"-"`
	HookToken string    `db:"hook_token" json:"-"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
	UpdatedAt time.Time `db:"updated_at" json:"updated_at"`
}

const smsProviderCols = `tenant_id, id, kind, name, sender_id, is_default, enabled, config, hook_token, created_at, updated_at`

// CreateSMSProvider stores a new provider (a default one takes the default
// from the others); ErrConflict when the id is taken.
func (s *Store) CreateSMSProvider(ctx context.Context, p *SMSProvider) error {
	p.CreatedAt, p.UpdatedAt = now(), now()
	if p.HookToken == "" {
		p.HookToken = strings.ReplaceAll(uuid.NewString(), "-", "")
	}
	if p.Config == "" {
		p.Config = "{}"
	}
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		if p.IsDefault {
			if _, err := tx.ExecContext(ctx, s.Rebind(`UPDATE sms_providers SET is_default = ? WHERE tenant_id = ?`), false, p.TenantID); err != nil {
				return fmt.Errorf("store: sms provider default: %w", err)
			}
		}
		_, err := tx.ExecContext(ctx, s.Rebind(`INSERT INTO sms_providers (`+smsProviderCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?)`),
			p.TenantID, p.ID, p.Kind, p.Name, p.SenderID, p.IsDefault, p.Enabled, p.Config, p.HookToken, p.CreatedAt, p.UpdatedAt)
		if err != nil {
			return fmt.Errorf("store: create sms provider %q: %w", p.ID, mapErr(err))
		}
		return nil
	})
}

// UpdateSMSProvider replaces a provider's settings (not its hook token).
func (s *Store) UpdateSMSProvider(ctx context.Context, p *SMSProvider) error {
	p.UpdatedAt = now()
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		if p.IsDefault {
			if _, err := tx.ExecContext(ctx, s.Rebind(`UPDATE sms_providers SET is_default = ? WHERE tenant_id = ? AND id <> ?`), false, p.TenantID, p.ID); err != nil {
				return fmt.Errorf("store: sms provider default: %w", err)
			}
		}
		res, err := tx.ExecContext(ctx, s.Rebind(`UPDATE sms_providers SET kind = ?, name = ?, sender_id = ?, is_default = ?, enabled = ?, config = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`),
			p.Kind, p.Name, p.SenderID, p.IsDefault, p.Enabled, p.Config, p.UpdatedAt, p.TenantID, p.ID)
		if err != nil {
			return fmt.Errorf("store: update sms provider %q: %w", p.ID, mapErr(err))
		}
		return affectedOne(res, "sms provider", p.ID)
	})
}

// GetSMSProvider loads one provider of the tenant.
func (s *Store) GetSMSProvider(ctx context.Context, tenant, id string) (*SMSProvider, error) {
	var p SMSProvider
	err := s.db.GetContext(ctx, &p, s.Rebind(`SELECT `+smsProviderCols+` FROM sms_providers WHERE tenant_id = ? AND id = ?`), tenant, id)
	if err != nil {
		return nil, fmt.Errorf("store: sms provider %q: %w", id, mapErr(err))
	}
	return &p, nil
}

// SMSProviderByHookToken finds the provider a report or inbound message
// was posted for.
func (s *Store) SMSProviderByHookToken(ctx context.Context, token string) (*SMSProvider, error) {
	var p SMSProvider
	err := s.db.GetContext(ctx, &p, s.Rebind(`SELECT `+smsProviderCols+` FROM sms_providers WHERE hook_token = ?`), token)
	if err != nil {
		return nil, fmt.Errorf("store: sms provider by hook token: %w", mapErr(err))
	}
	return &p, nil
}

// ListSMSProviders lists the tenant's providers by id; tenant "" lists
// every tenant's (the SMPP sessions of the controller).
func (s *Store) ListSMSProviders(ctx context.Context, tenant string) ([]SMSProvider, error) {
	ps := []SMSProvider{}
	q, args := `SELECT `+smsProviderCols+` FROM sms_providers WHERE tenant_id = ? ORDER BY id`, []any{tenant}
	if tenant == "" {
		q, args = `SELECT `+smsProviderCols+` FROM sms_providers ORDER BY tenant_id, id`, nil
	}
	if err := s.db.SelectContext(ctx, &ps, s.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("store: list sms providers: %w", err)
	}
	return ps, nil
}

// DeleteSMSProvider removes a provider.
func (s *Store) DeleteSMSProvider(ctx context.Context, tenant, id string) error {
	res, err := s.db.ExecContext(ctx, s.Rebind(`DELETE FROM sms_providers WHERE tenant_id = ? AND id = ?`), tenant, id)
	if err != nil {
		return fmt.Errorf("store: delete sms provider %q: %w", id, mapErr(err))
	}
	return affectedOne(res, "sms provider", id)
}

// SMSTemplate is a message text with ${variables}, one per language
// (Texts: JSON object language → text).
type SMSTemplate struct {
	TenantID  string    `db:"tenant_id" json:"-"`
	Name      string    `db:"name" json:"name"`
	Purpose   string    `db:"purpose" json:"purpose"`
	Texts     string    `db:"texts" json:"-"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
	UpdatedAt time.Time `db:"updated_at" json:"updated_at"`
}

const smsTemplateCols = `tenant_id, name, purpose, texts, created_at, updated_at`

// PutSMSTemplate creates or replaces a template.
func (s *Store) PutSMSTemplate(ctx context.Context, t *SMSTemplate) error {
	t.CreatedAt, t.UpdatedAt = now(), now()
	_, err := s.db.ExecContext(ctx, s.Rebind(`INSERT INTO sms_templates (`+smsTemplateCols+`) VALUES (?,?,?,?,?,?)
ON CONFLICT (tenant_id, name) DO UPDATE SET purpose = excluded.purpose, texts = excluded.texts, updated_at = excluded.updated_at`),
		t.TenantID, t.Name, t.Purpose, t.Texts, t.CreatedAt, t.UpdatedAt)
	if err != nil {
		return fmt.Errorf("store: put sms template %q: %w", t.Name, mapErr(err))
	}
	return nil
}

// GetSMSTemplate loads one template.
func (s *Store) GetSMSTemplate(ctx context.Context, tenant, name string) (*SMSTemplate, error) {
	var t SMSTemplate
	err := s.db.GetContext(ctx, &t, s.Rebind(`SELECT `+smsTemplateCols+` FROM sms_templates WHERE tenant_id = ? AND name = ?`), tenant, name)
	if err != nil {
		return nil, fmt.Errorf("store: sms template %q: %w", name, mapErr(err))
	}
	return &t, nil
}

// ListSMSTemplates lists the tenant's templates by name.
func (s *Store) ListSMSTemplates(ctx context.Context, tenant string) ([]SMSTemplate, error) {
	ts := []SMSTemplate{}
	if err := s.db.SelectContext(ctx, &ts, s.Rebind(`SELECT `+smsTemplateCols+` FROM sms_templates WHERE tenant_id = ? ORDER BY name`), tenant); err != nil {
		return nil, fmt.Errorf("store: list sms templates: %w", err)
	}
	return ts, nil
}

// DeleteSMSTemplate removes a template.
func (s *Store) DeleteSMSTemplate(ctx context.Context, tenant, name string) error {
	res, err := s.db.ExecContext(ctx, s.Rebind(`DELETE FROM sms_templates WHERE tenant_id = ? AND name = ?`), tenant, name)
	if err != nil {
		return fmt.Errorf("store: delete sms template %q: %w", name, mapErr(err))
	}
	return affectedOne(res, "sms template", name)
}

// SMSOptOut is a number that asked for no more messages.
type SMSOptOut struct {
	TenantID  string    `db:"tenant_id" json:"-"`
	Number    string    `db:"number" json:"number"`
	Source    string    `db:"source" json:"source"`
	Note      string    `db:"note" json:"note"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
}

// AddSMSOptOut puts a number on the tenant's opt-out list (kept as it was
// when already there); it reports whether the number was added now.
func (s *Store) AddSMSOptOut(ctx context.Context, o *SMSOptOut) (bool, error) {
	o.CreatedAt = now()
	res, err := s.db.ExecContext(ctx, s.Rebind(`INSERT INTO sms_optouts (tenant_id, number, source, note, created_at) VALUES (?,?,?,?,?) ON CONFLICT (tenant_id, number) DO NOTHING`),
		o.TenantID, o.Number, o.Source, o.Note, o.CreatedAt)
	if err != nil {
		return false, fmt.Errorf("store: add sms opt-out %q: %w", o.Number, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// RemoveSMSOptOut takes a number off the list.
func (s *Store) RemoveSMSOptOut(ctx context.Context, tenant, number string) error {
	res, err := s.db.ExecContext(ctx, s.Rebind(`DELETE FROM sms_optouts WHERE tenant_id = ? AND number = ?`), tenant, number)
	if err != nil {
		return fmt.Errorf("store: remove sms opt-out %q: %w", number, err)
	}
	return affectedOne(res, "sms opt-out", number)
}

// SMSOptedOut reports whether number is on the tenant's list.
func (s *Store) SMSOptedOut(ctx context.Context, tenant, number string) (bool, error) {
	var n int
	if err := s.db.GetContext(ctx, &n, s.Rebind(`SELECT COUNT(*) FROM sms_optouts WHERE tenant_id = ? AND number = ?`), tenant, number); err != nil {
		return false, fmt.Errorf("store: sms opt-out %q: %w", number, err)
	}
	return n > 0, nil
}

// ListSMSOptOuts lists the tenant's opt-outs, newest first.
func (s *Store) ListSMSOptOuts(ctx context.Context, tenant string) ([]SMSOptOut, error) {
	os := []SMSOptOut{}
	if err := s.db.SelectContext(ctx, &os, s.Rebind(`SELECT tenant_id, number, source, note, created_at FROM sms_optouts WHERE tenant_id = ? ORDER BY created_at DESC, number`), tenant); err != nil {
		return nil, fmt.Errorf("store: list sms opt-outs: %w", err)
	}
	return os, nil
}

// SMSMessage is one message sent or received.
type SMSMessage struct {
	ID            string     `db:"id" json:"id"`
	TenantID      string     `db:"tenant_id" json:"-"`
	Direction     string     `db:"direction" json:"direction"`
	ProviderID    string     `db:"provider_id" json:"provider_id"`
	Sender        string     `db:"sender" json:"sender"`
	Number        string     `db:"number" json:"number"`
	Body          string     `db:"body" json:"body"`
	Template      string     `db:"template" json:"template,omitempty"`
	Language      string     `db:"language" json:"language,omitempty"`
	Source        string     `db:"source" json:"source"`
	CallID        string     `db:"call_id" json:"call_id,omitempty"`
	AgentID       string     `db:"agent_id" json:"agent_id,omitempty"`
	Status        string     `db:"status" json:"status"`
	Parts         int        `db:"parts" json:"parts"`
	Attempts      int        `db:"attempts" json:"attempts"`
	NextAttemptAt *time.Time `db:"next_attempt_at" json:"next_attempt_at,omitempty"`
	Error         string     `db:"error" json:"error,omitempty"`
	CreatedAt     time.Time  `db:"created_at" json:"created_at"`
	UpdatedAt     time.Time  `db:"updated_at" json:"updated_at"`
	DoneAt        *time.Time `db:"done_at" json:"done_at,omitempty"`
}

const smsMessageCols = `id, tenant_id, direction, provider_id, sender, number, body, template, language, source, call_id, agent_id, status, parts, attempts, next_attempt_at, error, created_at, updated_at, done_at`

// CreateSMSMessage stores a new message (an id is given when empty).
func (s *Store) CreateSMSMessage(ctx context.Context, m *SMSMessage) error {
	if m.ID == "" {
		m.ID = uuid.NewString()
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = now()
	}
	m.UpdatedAt = m.CreatedAt
	_, err := s.db.ExecContext(ctx, s.Rebind(`INSERT INTO sms_messages (`+smsMessageCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`),
		m.ID, m.TenantID, m.Direction, m.ProviderID, m.Sender, m.Number, m.Body, m.Template, m.Language, m.Source, m.CallID, m.AgentID,
		m.Status, m.Parts, m.Attempts, utcPtr(m.NextAttemptAt), m.Error, m.CreatedAt.UTC(), m.UpdatedAt.UTC(), utcPtr(m.DoneAt))
	if err != nil {
		return fmt.Errorf("store: create sms message: %w", mapErr(err))
	}
	return nil
}

// SMSLimit is a rate limit a new outgoing message must stay within: fewer
// than Max outgoing messages of the tenant (to Number only, when set)
// created after Since. What names it in errors.
type SMSLimit struct {
	Max    int
	Number string
	Since  time.Time
	What   string
}

// CreateSMSMessageWithin stores a new outgoing message only if every limit
// still has room, as one atomic step: concurrent sends, from this
// controller or others, cannot together exceed a limit. It returns the
// limit reached (and stores nothing) or nil once stored. The check and the
// insert are one statement; on PostgreSQL a transaction-scoped advisory
// lock per tenant serialises them (two statements under READ COMMITTED
// would each miss the other's uncommitted row), on SQLite the statement
// holds the database's write lock.
func (s *Store) CreateSMSMessageWithin(ctx context.Context, m *SMSMessage, limits []SMSLimit) (*SMSLimit, error) {
	if m.ID == "" {
		m.ID = uuid.NewString()
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = now()
	}
	m.UpdatedAt = m.CreatedAt
	q := `INSERT INTO sms_messages (` + smsMessageCols + `) SELECT ?,?,?,?,?,?,?,?,?,?,?,?,?,` + s.param("INTEGER") + `,` + s.param("INTEGER") + `,` +
		s.param("TIMESTAMPTZ") + `,?,` + s.param("TIMESTAMPTZ") + `,` + s.param("TIMESTAMPTZ") + `,` + s.param("TIMESTAMPTZ")
	args := []any{m.ID, m.TenantID, m.Direction, m.ProviderID, m.Sender, m.Number, m.Body, m.Template, m.Language, m.Source, m.CallID, m.AgentID,
		m.Status, m.Parts, m.Attempts, utcPtr(m.NextAttemptAt), m.Error, m.CreatedAt.UTC(), m.UpdatedAt.UTC(), utcPtr(m.DoneAt)}
	for i, l := range limits {
		if i == 0 {
			q += ` WHERE `
		} else {
			q += ` AND `
		}
		q += `(SELECT COUNT(*) FROM sms_messages WHERE tenant_id = ? AND direction = ? AND created_at > ?`
		args = append(args, m.TenantID, SMSOut, l.Since.UTC())
		if l.Number != "" {
			q += ` AND number = ?`
			args = append(args, l.Number)
		}
		q += `) < ` + s.param("INTEGER")
		args = append(args, l.Max)
	}
	var stored int64
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		if s.dialect == Postgres && len(limits) > 0 {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, "ipcc.sms_rate:"+m.TenantID); err != nil {
				return fmt.Errorf("store: lock the sms limits of %s: %w", m.TenantID, err)
			}
		}
		res, err := tx.ExecContext(ctx, s.Rebind(q), args...)
		if err != nil {
			return fmt.Errorf("store: create sms message: %w", mapErr(err))
		}
		stored, err = res.RowsAffected()
		return err
	})
	if err != nil || stored == 1 {
		return nil, err
	}
	for i, l := range limits {
		n, err := s.CountSMSSince(ctx, m.TenantID, l.Number, l.Since)
		if err != nil {
			return nil, err
		}
		if n >= l.Max {
			return &limits[i], nil
		}
	}
	// Room again since (a window moved): still refused, it was full then.
	return &limits[0], nil
}

// UpdateSMSAttempt records the outcome of an attempt: the status, the
// provider, the attempts made, when to try again (nil: not again) and the
// error text.
func (s *Store) UpdateSMSAttempt(ctx context.Context, m *SMSMessage) error {
	m.UpdatedAt = now()
	_, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE sms_messages SET status = ?, provider_id = ?, sender = ?, parts = ?, attempts = ?, next_attempt_at = ?, error = ?, updated_at = ?, done_at = ? WHERE id = ?`),
		m.Status, m.ProviderID, m.Sender, m.Parts, m.Attempts, utcPtr(m.NextAttemptAt), m.Error, m.UpdatedAt, utcPtr(m.DoneAt), m.ID)
	if err != nil {
		return fmt.Errorf("store: update sms message %s: %w", m.ID, err)
	}
	return nil
}

// GetSMSMessage loads one message of the tenant.
func (s *Store) GetSMSMessage(ctx context.Context, tenant, id string) (*SMSMessage, error) {
	var m SMSMessage
	err := s.db.GetContext(ctx, &m, s.Rebind(`SELECT `+smsMessageCols+` FROM sms_messages WHERE tenant_id = ? AND id = ?`), tenant, id)
	if err != nil {
		return nil, fmt.Errorf("store: sms message %q: %w", id, mapErr(err))
	}
	return &m, nil
}

// SMSFilter narrows ListSMSMessages; zero fields do not filter.
type SMSFilter struct {
	Number    string
	Direction string
	Status    string
	CallID    string
	AgentID   string
	Limit     int // default 100, at most 1000
}

// ListSMSMessages lists the tenant's messages, newest first.
func (s *Store) ListSMSMessages(ctx context.Context, tenant string, f SMSFilter) ([]SMSMessage, error) {
	q := `SELECT ` + smsMessageCols + ` FROM sms_messages WHERE tenant_id = ?`
	args := []any{tenant}
	for _, c := range []struct{ col, v string }{{"number", f.Number}, {"direction", f.Direction}, {"status", f.Status}, {"call_id", f.CallID}, {"agent_id", f.AgentID}} {
		if c.v != "" {
			q += ` AND ` + c.col + ` = ?`
			args = append(args, c.v)
		}
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	f.Limit = min(f.Limit, 1000)
	q += fmt.Sprintf(` ORDER BY created_at DESC, id LIMIT %d`, f.Limit)
	ms := []SMSMessage{}
	if err := s.db.SelectContext(ctx, &ms, s.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("store: list sms messages: %w", err)
	}
	return ms, nil
}

// CountSMSSince counts the tenant's outgoing messages created after since (to number only when number is not empty): the rate limits.
func (s *Store) CountSMSSince(ctx context.Context, tenant, number string, since time.Time) (int, error) {
	q, args := `SELECT COUNT(*) FROM sms_messages WHERE tenant_id = ? AND direction = ? AND created_at > ?`, []any{tenant, SMSOut, since.UTC()}
	if number != "" {
		q += ` AND number = ?`
		args = append(args, number)
	}
	var n int
	if err := s.db.GetContext(ctx, &n, s.Rebind(q), args...); err != nil {
		return 0, fmt.Errorf("store: count sms: %w", err)
	}
	return n, nil
}

// ClaimDueSMS takes up to limit queued messages due at t, pushing each
// lease into the future so that no other controller sends it meanwhile.
func (s *Store) ClaimDueSMS(ctx context.Context, t time.Time, lease time.Duration, limit int) ([]SMSMessage, error) {
	var due []SMSMessage
	err := s.db.SelectContext(ctx, &due, s.Rebind(`SELECT `+smsMessageCols+` FROM sms_messages WHERE status = ? AND next_attempt_at <= ? ORDER BY next_attempt_at, id`+fmt.Sprintf(` LIMIT %d`, limit)),
		SMSQueued, t.UTC())
	if err != nil {
		return nil, fmt.Errorf("store: due sms: %w", err)
	}
	claimed := due[:0]
	for _, m := range due {
		until := t.Add(lease).UTC()
		res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE sms_messages SET next_attempt_at = ? WHERE id = ? AND status = ? AND next_attempt_at = ?`),
			until, m.ID, SMSQueued, m.NextAttemptAt.UTC())
		if err != nil {
			return nil, fmt.Errorf("store: claim sms %s: %w", m.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			m.NextAttemptAt = &until
			claimed = append(claimed, m)
		}
	}
	return claimed, nil
}

// SMSPart is the provider's id of one part of an outgoing message.
type SMSPart struct {
	TenantID      string `db:"tenant_id"`
	ProviderID    string `db:"provider_id"`
	ProviderMsgID string `db:"provider_msg_id"`
	MessageID     string `db:"message_id"`
	Seq           int    `db:"seq"`
	Status        string `db:"status"`
}

// AddSMSParts records the provider's ids of a message's parts.
func (s *Store) AddSMSParts(ctx context.Context, parts []SMSPart) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		for _, p := range parts {
			_, err := tx.ExecContext(ctx, s.Rebind(`INSERT INTO sms_parts (tenant_id, provider_id, provider_msg_id, message_id, seq, status) VALUES (?,?,?,?,?,?)
ON CONFLICT (tenant_id, provider_id, provider_msg_id) DO UPDATE SET message_id = excluded.message_id, seq = excluded.seq, status = excluded.status`),
				p.TenantID, p.ProviderID, p.ProviderMsgID, p.MessageID, p.Seq, p.Status)
			if err != nil {
				return fmt.Errorf("store: sms part %q: %w", p.ProviderMsgID, err)
			}
		}
		return nil
	})
}

// ReportSMSPart applies a delivery report to the part the provider calls
// providerMsgID and returns the message with the status of all its parts
// combined: failed when any part failed, delivered when all were
// delivered, buffered while any is held, sent otherwise. ErrNotFound when
// no part has that id.
func (s *Store) ReportSMSPart(ctx context.Context, tenant, provider, providerMsgID, status, errText string) (*SMSMessage, error) {
	var m SMSMessage
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		var p SMSPart
		if err := tx.GetContext(ctx, &p, s.Rebind(`SELECT tenant_id, provider_id, provider_msg_id, message_id, seq, status FROM sms_parts WHERE tenant_id = ? AND provider_id = ? AND provider_msg_id = ?`),
			tenant, provider, providerMsgID); err != nil {
			return fmt.Errorf("store: sms part %q of provider %q: %w", providerMsgID, provider, mapErr(err))
		}
		if _, err := tx.ExecContext(ctx, s.Rebind(`UPDATE sms_parts SET status = ? WHERE tenant_id = ? AND provider_id = ? AND provider_msg_id = ?`), status, tenant, provider, providerMsgID); err != nil {
			return fmt.Errorf("store: report sms part: %w", err)
		}
		var sts []string
		if err := tx.SelectContext(ctx, &sts, s.Rebind(`SELECT status FROM sms_parts WHERE message_id = ?`), p.MessageID); err != nil {
			return fmt.Errorf("store: sms parts: %w", err)
		}
		if err := tx.GetContext(ctx, &m, s.Rebind(`SELECT `+smsMessageCols+` FROM sms_messages WHERE id = ?`), p.MessageID); err != nil {
			return fmt.Errorf("store: sms message %s: %w", p.MessageID, mapErr(err))
		}
		combined := combineParts(sts, m.Parts)
		at := now()
		m.Status, m.UpdatedAt = combined, at
		if errText != "" {
			m.Error = errText
		}
		if combined == SMSDelivered || combined == SMSFailed {
			m.DoneAt = &at
		}
		_, err := tx.ExecContext(ctx, s.Rebind(`UPDATE sms_messages SET status = ?, error = ?, updated_at = ?, done_at = ? WHERE id = ?`), m.Status, m.Error, at, utcPtr(m.DoneAt), m.ID)
		if err != nil {
			return fmt.Errorf("store: sms message %s status: %w", m.ID, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &m, nil
}

func combineParts(sts []string, parts int) string {
	delivered, buffered := 0, false
	for _, st := range sts {
		switch st {
		case SMSFailed:
			return SMSFailed
		case SMSDelivered:
			delivered++
		case SMSBuffered:
			buffered = true
		}
	}
	switch {
	case delivered >= max(parts, len(sts)):
		return SMSDelivered
	case buffered:
		return SMSBuffered
	}
	return SMSSent
}
