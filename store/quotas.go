package store

import (
	"context"
	"fmt"
	"time"
)

// TenantQuota is what one tenant may use (docs/tenants.md). Every limit
// counts from 1; 0 means unlimited.
type TenantQuota struct {
	TenantID string `db:"tenant_id" json:"-"`
	// MaxAgents signed in at once.
	MaxAgents int `db:"max_agents" json:"max_agents"`
	// MaxCalls in progress at once (PSTN and web calls together).
	MaxCalls int `db:"max_calls" json:"max_calls"`
	// MaxWebCalls in progress at once from browser phones (a part of
	// MaxCalls).
	MaxWebCalls int `db:"max_web_calls" json:"max_web_calls"`
	// MaxCPS is new inbound calls per second.
	MaxCPS int `db:"max_cps" json:"max_cps"`
	// MaxFlows is how many IVR flows the tenant may have.
	MaxFlows int `db:"max_flows" json:"max_flows"`
	// MaxRecordingBytes is the storage the tenant's recordings may take.
	MaxRecordingBytes int64     `db:"max_recording_bytes" json:"max_recording_bytes"`
	UpdatedAt         time.Time `db:"updated_at" json:"updated_at"`
}

const quotaCols = `tenant_id, max_agents, max_calls, max_web_calls, max_cps, max_flows, max_recording_bytes, updated_at`

// GetTenantQuota loads the tenant's quota; a tenant that has none set
// gets an all-unlimited one (and ErrNotFound only when the tenant does
// not exist).
func (s *Store) GetTenantQuota(ctx context.Context, tenant string) (*TenantQuota, error) {
	var q TenantQuota
	err := s.db.GetContext(ctx, &q, s.Rebind(`SELECT `+quotaCols+` FROM tenant_quotas WHERE tenant_id = ?`), tenant)
	if err == nil {
		return &q, nil
	}
	if err = mapErr(err); !IsNotFound(err) {
		return nil, fmt.Errorf("store: get quota of tenant %q: %w", tenant, err)
	}
	if _, err := s.GetTenant(ctx, tenant); err != nil {
		return nil, err
	}
	return &TenantQuota{TenantID: tenant}, nil
}

// ListTenantQuotas returns every stored quota by tenant id.
func (s *Store) ListTenantQuotas(ctx context.Context) (map[string]TenantQuota, error) {
	var qs []TenantQuota
	if err := s.db.SelectContext(ctx, &qs, `SELECT `+quotaCols+` FROM tenant_quotas`); err != nil {
		return nil, fmt.Errorf("store: list tenant quotas: %w", err)
	}
	out := make(map[string]TenantQuota, len(qs))
	for _, q := range qs {
		out[q.TenantID] = q
	}
	return out, nil
}

// SetTenantQuota stores the tenant's quota (ErrNotFound for an unknown
// tenant); negative limits are refused.
func (s *Store) SetTenantQuota(ctx context.Context, q *TenantQuota) error {
	for name, v := range map[string]int64{"max_agents": int64(q.MaxAgents), "max_calls": int64(q.MaxCalls), "max_web_calls": int64(q.MaxWebCalls),
		"max_cps": int64(q.MaxCPS), "max_flows": int64(q.MaxFlows), "max_recording_bytes": q.MaxRecordingBytes} {
		if v < 0 {
			return fmt.Errorf("store: quota of tenant %q: %s is %d: a limit is 0 (unlimited) or more", q.TenantID, name, v)
		}
	}
	if _, err := s.GetTenant(ctx, q.TenantID); err != nil {
		return err
	}
	q.UpdatedAt = now()
	_, err := s.db.ExecContext(ctx, s.Rebind(`INSERT INTO tenant_quotas (`+quotaCols+`) VALUES (?,?,?,?,?,?,?,?)
ON CONFLICT (tenant_id) DO UPDATE SET max_agents = excluded.max_agents, max_calls = excluded.max_calls, max_web_calls = excluded.max_web_calls,
 max_cps = excluded.max_cps, max_flows = excluded.max_flows, max_recording_bytes = excluded.max_recording_bytes, updated_at = excluded.updated_at`),
		q.TenantID, q.MaxAgents, q.MaxCalls, q.MaxWebCalls, q.MaxCPS, q.MaxFlows, q.MaxRecordingBytes, q.UpdatedAt)
	if err != nil {
		return fmt.Errorf("store: set quota of tenant %q: %w", q.TenantID, mapErr(err))
	}
	return nil
}

// CountFlows is how many IVR flows the tenant has (drafts included).
func (s *Store) CountFlows(ctx context.Context, tenant string) (int, error) {
	var n int
	if err := s.db.GetContext(ctx, &n, s.Rebind(`SELECT COUNT(*) FROM flows WHERE tenant_id = ?`), tenant); err != nil {
		return 0, fmt.Errorf("store: count flows of tenant %q: %w", tenant, err)
	}
	return n, nil
}

// RecordingBytes is the storage the tenant's recordings take (the sizes
// stored with their rows).
func (s *Store) RecordingBytes(ctx context.Context, tenant string) (int64, error) {
	var n int64
	if err := s.db.GetContext(ctx, &n, s.Rebind(`SELECT COALESCE(SUM(size_bytes), 0) FROM recordings WHERE tenant_id = ?`), tenant); err != nil {
		return 0, fmt.Errorf("store: recording bytes of tenant %q: %w", tenant, err)
	}
	return n, nil
}
