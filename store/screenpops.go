package store

import (
	"context"
	"fmt"
	"time"
)

// ScreenPop is a tenant's (QueueID "") or a queue's CRM screen pop: the URL
// template agents open when a call is offered, and the tenant's optional
// pre-routing caller lookup.
type ScreenPop struct {
	TenantID    string `db:"tenant_id" json:"-"`
	QueueID     string `db:"queue_id" json:"queue_id"`
	URLTemplate string `db:"url_template" json:"url_template"`
	// Mode: link (a button opening a new tab) or iframe (shown in the
	// call panel).
	Mode string `db:"mode" json:"mode"`
	// LookupURL (tenant row only) is the template of the pre-routing
	// lookup's GET; empty = no lookup.
	LookupURL       string    `db:"lookup_url" json:"lookup_url"`
	LookupTimeoutMS int64     `db:"lookup_timeout_ms" json:"lookup_timeout_ms"`
	LookupCacheMS   int64     `db:"lookup_cache_ms" json:"lookup_cache_ms"`
	UpdatedAt       time.Time `db:"updated_at" json:"updated_at"`
	UpdatedBy       string    `db:"updated_by" json:"updated_by"`
}

const screenPopCols = `tenant_id, queue_id, url_template, mode, lookup_url, lookup_timeout_ms, lookup_cache_ms, updated_at, updated_by`

// ListScreenPops lists the tenant's screen pops (tenant row first).
func (s *Store) ListScreenPops(ctx context.Context, tenant string) ([]ScreenPop, error) {
	out := []ScreenPop{}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(`SELECT `+screenPopCols+` FROM screen_pops WHERE tenant_id = ? ORDER BY queue_id`), tenant); err != nil {
		return nil, fmt.Errorf("store: list screen pops: %w", err)
	}
	return out, nil
}

// GetScreenPop loads the tenant's ("") or a queue's screen pop.
func (s *Store) GetScreenPop(ctx context.Context, tenant, queue string) (*ScreenPop, error) {
	var p ScreenPop
	if err := s.db.GetContext(ctx, &p, s.Rebind(`SELECT `+screenPopCols+` FROM screen_pops WHERE tenant_id = ? AND queue_id = ?`), tenant, queue); err != nil {
		return nil, fmt.Errorf("store: get screen pop %q: %w", queue, mapErr(err))
	}
	return &p, nil
}

// PutScreenPop creates or replaces a screen pop.
func (s *Store) PutScreenPop(ctx context.Context, p *ScreenPop) error {
	p.UpdatedAt = now()
	_, err := s.db.ExecContext(ctx, s.Rebind(`INSERT INTO screen_pops (`+screenPopCols+`) VALUES (?,?,?,?,?,?,?,?,?)
		ON CONFLICT (tenant_id, queue_id) DO UPDATE SET url_template = excluded.url_template, mode = excluded.mode, lookup_url = excluded.lookup_url,
		lookup_timeout_ms = excluded.lookup_timeout_ms, lookup_cache_ms = excluded.lookup_cache_ms, updated_at = excluded.updated_at, updated_by = excluded.updated_by`),
		p.TenantID, p.QueueID, p.URLTemplate, p.Mode, p.LookupURL, p.LookupTimeoutMS, p.LookupCacheMS, p.UpdatedAt, p.UpdatedBy)
	if err != nil {
		return fmt.Errorf("store: save screen pop %q: %w", p.QueueID, err)
	}
	return nil
}

// DeleteScreenPop removes a screen pop.
func (s *Store) DeleteScreenPop(ctx context.Context, tenant, queue string) error {
	res, err := s.db.ExecContext(ctx, s.Rebind(`DELETE FROM screen_pops WHERE tenant_id = ? AND queue_id = ?`), tenant, queue)
	if err != nil {
		return fmt.Errorf("store: delete screen pop %q: %w", queue, err)
	}
	return affectedOne(res, "screen pop", queue)
}
