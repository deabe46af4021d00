package store

import (
	"context"
	"fmt"
	"time"
)

// RecordingPolicy is one recording rule: for the tenant as a whole (Scope
// "tenant", Target ""), a queue or an agent (Target the queue or user id).
// Inbound and Outbound are "always", "on_demand", "never" or "" (inherit
// from the less specific rule).
type RecordingPolicy struct {
	TenantID  string    `db:"tenant_id" json:"-"`
	ID        string    `db:"id" json:"id"`
	Scope     string    `db:"scope" json:"scope"`
	Target    string    `db:"target" json:"target"`
	Inbound   string    `db:"inbound" json:"inbound"`
	Outbound  string    `db:"outbound" json:"outbound"`
	Note      string    `db:"note" json:"note"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
	UpdatedAt time.Time `db:"updated_at" json:"updated_at"`
	UpdatedBy string    `db:"updated_by" json:"updated_by"`
}

const recordingPolicyCols = `tenant_id, id, scope, target, inbound, outbound, note, created_at, updated_at, updated_by`

// CreateRecordingPolicy stores a new rule; ErrConflict when the tenant
// already has a rule for the same scope and target.
func (s *Store) CreateRecordingPolicy(ctx context.Context, p *RecordingPolicy) error {
	p.CreatedAt = now()
	p.UpdatedAt = p.CreatedAt
	_, err := s.db.ExecContext(ctx, s.Rebind(`INSERT INTO recording_policies (`+recordingPolicyCols+`) VALUES (?,?,?,?,?,?,?,?,?,?)`),
		p.TenantID, p.ID, p.Scope, p.Target, p.Inbound, p.Outbound, p.Note, p.CreatedAt, p.UpdatedAt, p.UpdatedBy)
	if err != nil {
		return fmt.Errorf("store: create recording policy for %s %q: %w", p.Scope, p.Target, mapErr(err))
	}
	return nil
}

// GetRecordingPolicy loads one rule of the tenant.
func (s *Store) GetRecordingPolicy(ctx context.Context, tenant, id string) (*RecordingPolicy, error) {
	var p RecordingPolicy
	if err := s.db.GetContext(ctx, &p, s.Rebind(`SELECT `+recordingPolicyCols+` FROM recording_policies WHERE tenant_id = ? AND id = ?`), tenant, id); err != nil {
		return nil, fmt.Errorf("store: get recording policy %s: %w", id, mapErr(err))
	}
	return &p, nil
}

// ListRecordingPolicies lists the tenant's rules by scope and target.
func (s *Store) ListRecordingPolicies(ctx context.Context, tenant string) ([]RecordingPolicy, error) {
	out := []RecordingPolicy{}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(`SELECT `+recordingPolicyCols+` FROM recording_policies WHERE tenant_id = ? ORDER BY scope, target`), tenant); err != nil {
		return nil, fmt.Errorf("store: list recording policies: %w", err)
	}
	return out, nil
}

// UpdateRecordingPolicy changes a rule's modes and note (scope and target
// are its identity and stay).
func (s *Store) UpdateRecordingPolicy(ctx context.Context, p *RecordingPolicy) error {
	p.UpdatedAt = now()
	res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE recording_policies SET inbound = ?, outbound = ?, note = ?, updated_at = ?, updated_by = ? WHERE tenant_id = ? AND id = ?`),
		p.Inbound, p.Outbound, p.Note, p.UpdatedAt, p.UpdatedBy, p.TenantID, p.ID)
	if err != nil {
		return fmt.Errorf("store: update recording policy %s: %w", p.ID, err)
	}
	return affectedOne(res, "recording policy", p.ID)
}

// DeleteRecordingPolicy removes a rule.
func (s *Store) DeleteRecordingPolicy(ctx context.Context, tenant, id string) error {
	res, err := s.db.ExecContext(ctx, s.Rebind(`DELETE FROM recording_policies WHERE tenant_id = ? AND id = ?`), tenant, id)
	if err != nil {
		return fmt.Errorf("store: delete recording policy %s: %w", id, err)
	}
	return affectedOne(res, "recording policy", id)
}
