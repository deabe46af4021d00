package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Mailbox owner types.
const (
	MailboxOwnerTenant = "tenant"
	MailboxOwnerQueue  = "queue"
	MailboxOwnerAgent  = "agent"
)

// Mailbox names a voicemail mailbox (the name flows use in their voicemail
// node) and says who owns it: the tenant (supervisors), a queue (its member
// agents too) or an agent.
type Mailbox struct {
	TenantID  string    `db:"tenant_id" json:"-"`
	ID        string    `db:"id" json:"id"`
	Name      string    `db:"name" json:"name"`
	OwnerType string    `db:"owner_type" json:"owner_type"`
	OwnerID   string    `db:"owner_id" json:"owner_id"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
	UpdatedAt time.Time `db:"updated_at" json:"updated_at"`
}

const mailboxCols = `tenant_id, id, name, owner_type, owner_id, created_at, updated_at`

// CreateMailbox stores a mailbox; ErrConflict when the id is taken.
func (s *Store) CreateMailbox(ctx context.Context, m *Mailbox) error {
	m.CreatedAt = now()
	m.UpdatedAt = m.CreatedAt
	_, err := s.db.ExecContext(ctx, s.Rebind(`INSERT INTO voicemail_mailboxes (`+mailboxCols+`) VALUES (?,?,?,?,?,?,?)`),
		m.TenantID, m.ID, m.Name, m.OwnerType, m.OwnerID, m.CreatedAt, m.UpdatedAt)
	if err != nil {
		return fmt.Errorf("store: create mailbox %q: %w", m.ID, mapErr(err))
	}
	return nil
}

// GetMailbox loads one mailbox of the tenant.
func (s *Store) GetMailbox(ctx context.Context, tenant, id string) (*Mailbox, error) {
	var m Mailbox
	if err := s.db.GetContext(ctx, &m, s.Rebind(`SELECT `+mailboxCols+` FROM voicemail_mailboxes WHERE tenant_id = ? AND id = ?`), tenant, id); err != nil {
		return nil, fmt.Errorf("store: get mailbox %q: %w", id, mapErr(err))
	}
	return &m, nil
}

// ListMailboxes lists the tenant's mailboxes by id.
func (s *Store) ListMailboxes(ctx context.Context, tenant string) ([]Mailbox, error) {
	out := []Mailbox{}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(`SELECT `+mailboxCols+` FROM voicemail_mailboxes WHERE tenant_id = ? ORDER BY id`), tenant); err != nil {
		return nil, fmt.Errorf("store: list mailboxes: %w", err)
	}
	return out, nil
}

// UpdateMailbox changes a mailbox's name and owner.
func (s *Store) UpdateMailbox(ctx context.Context, m *Mailbox) error {
	m.UpdatedAt = now()
	res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE voicemail_mailboxes SET name = ?, owner_type = ?, owner_id = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`),
		m.Name, m.OwnerType, m.OwnerID, m.UpdatedAt, m.TenantID, m.ID)
	if err != nil {
		return fmt.Errorf("store: update mailbox %q: %w", m.ID, err)
	}
	return affectedOne(res, "mailbox", m.ID)
}

// DeleteMailbox removes a mailbox definition; its messages stay (a flow
// may still leave messages under that name).
func (s *Store) DeleteMailbox(ctx context.Context, tenant, id string) error {
	res, err := s.db.ExecContext(ctx, s.Rebind(`DELETE FROM voicemail_mailboxes WHERE tenant_id = ? AND id = ?`), tenant, id)
	if err != nil {
		return fmt.Errorf("store: delete mailbox %q: %w", id, err)
	}
	return affectedOne(res, "mailbox", id)
}

// VoicemailFilter narrows a message listing. Mailboxes nil means every
// mailbox; an empty non-nil slice matches none.
type VoicemailFilter struct {
	Mailboxes []string
	Heard     *bool
	Limit     int
}

const voicemailCols = `id, tenant_id, mailbox, call_id, caller, path, duration_ms, created_at, heard`

// ListVoicemailMessages lists the tenant's messages, newest first.
func (s *Store) ListVoicemailMessages(ctx context.Context, tenant string, f VoicemailFilter) ([]VoicemailMessage, error) {
	out := []VoicemailMessage{}
	if f.Mailboxes != nil && len(f.Mailboxes) == 0 {
		return out, nil
	}
	q := `SELECT ` + voicemailCols + ` FROM voicemail_messages WHERE tenant_id = ?`
	args := []any{tenant}
	if len(f.Mailboxes) > 0 {
		q += ` AND mailbox IN (?` + strings.Repeat(",?", len(f.Mailboxes)-1) + `)`
		for _, m := range f.Mailboxes {
			args = append(args, m)
		}
	}
	if f.Heard != nil {
		q += ` AND heard = ?`
		args = append(args, *f.Heard)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(q+fmt.Sprintf(` ORDER BY created_at DESC, id DESC LIMIT %d`, f.Limit)), args...); err != nil {
		return nil, fmt.Errorf("store: list voicemail messages: %w", err)
	}
	return out, nil
}

// MailboxCount is how many messages, and how many unheard, a mailbox holds.
type MailboxCount struct {
	Mailbox string `db:"mailbox" json:"mailbox"`
	Total   int    `db:"total" json:"total"`
	New     int    `db:"new" json:"new"`
}

// CountVoicemail counts each mailbox's messages in the tenant.
func (s *Store) CountVoicemail(ctx context.Context, tenant string) (map[string]MailboxCount, error) {
	var rows []MailboxCount
	err := s.db.SelectContext(ctx, &rows, s.Rebind(`SELECT mailbox, COUNT(*) AS total, SUM(CASE WHEN heard THEN 0 ELSE 1 END) AS new
		FROM voicemail_messages WHERE tenant_id = ? GROUP BY mailbox`), tenant)
	if err != nil {
		return nil, fmt.Errorf("store: count voicemail: %w", err)
	}
	out := make(map[string]MailboxCount, len(rows))
	for _, r := range rows {
		out[r.Mailbox] = r
	}
	return out, nil
}

// DeletableVoicemail lists messages created before the time (zero = any
// age) of the tenant ("" = every tenant), oldest first.
func (s *Store) DeletableVoicemail(ctx context.Context, tenant string, before time.Time, limit int) ([]VoicemailMessage, error) {
	q := `SELECT ` + voicemailCols + ` FROM voicemail_messages WHERE 1 = 1`
	args := []any{}
	if tenant != "" {
		q += ` AND tenant_id = ?`
		args = append(args, tenant)
	}
	if !before.IsZero() {
		q += ` AND created_at < ?`
		args = append(args, before.UTC())
	}
	if limit <= 0 {
		limit = 100
	}
	out := []VoicemailMessage{}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(q+fmt.Sprintf(` ORDER BY created_at, id LIMIT %d`, limit)), args...); err != nil {
		return nil, fmt.Errorf("store: deletable voicemail: %w", err)
	}
	return out, nil
}

// AgentQueues lists the queues the agent is a member of.
func (s *Store) AgentQueues(ctx context.Context, tenant, agent string) ([]string, error) {
	out := []string{}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(`SELECT queue_id FROM acd_queue_members WHERE tenant_id = ? AND agent_id = ? ORDER BY queue_id`), tenant, agent); err != nil {
		return nil, fmt.Errorf("store: queues of agent %q: %w", agent, err)
	}
	return out, nil
}
