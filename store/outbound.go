package store

import (
	"context"
	"fmt"
)

// Kinds of outbound routing documents (package outroute validates them).
const (
	OutboundTrunk = "trunk"
	OutboundRoute = "route"
	OutboundPool  = "pool"
)

// OutboundDoc is one trunk, route or caller-ID pool of a tenant.
type OutboundDoc struct {
	ID       string `db:"id"`
	Document string `db:"document"`
}

// OutboundSettingsName is the settings row of a tenant's outbound settings
// (toll-fraud guard, default caller-ID pool).
const OutboundSettingsName = "outbound"

// CreateOutbound stores a new document; ErrConflict when the id is taken.
func (s *Store) CreateOutbound(ctx context.Context, tenant, kind, id, doc string) error {
	t := now()
	_, err := s.db.ExecContext(ctx, s.Rebind(`INSERT INTO outbound_objects (tenant_id, kind, id, document, created_at, updated_at) VALUES (?,?,?,?,?,?)`),
		tenant, kind, id, doc, t, t)
	if err != nil {
		return fmt.Errorf("store: create %s %q in tenant %q: %w", kind, id, tenant, mapErr(err))
	}
	return nil
}

// UpdateOutbound replaces an existing document; ErrNotFound when there is
// none.
func (s *Store) UpdateOutbound(ctx context.Context, tenant, kind, id, doc string) error {
	res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE outbound_objects SET document = ?, updated_at = ? WHERE tenant_id = ? AND kind = ? AND id = ?`),
		doc, now(), tenant, kind, id)
	if err != nil {
		return fmt.Errorf("store: update %s %q in tenant %q: %w", kind, id, tenant, mapErr(err))
	}
	return affectedOne(res, kind, id)
}

// GetOutbound reads one document.
func (s *Store) GetOutbound(ctx context.Context, tenant, kind, id string) (string, error) {
	var doc string
	err := s.db.GetContext(ctx, &doc, s.Rebind(`SELECT document FROM outbound_objects WHERE tenant_id = ? AND kind = ? AND id = ?`), tenant, kind, id)
	if err != nil {
		return "", fmt.Errorf("store: get %s %q in tenant %q: %w", kind, id, tenant, mapErr(err))
	}
	return doc, nil
}

// ListOutbound lists the tenant's documents of a kind by id.
func (s *Store) ListOutbound(ctx context.Context, tenant, kind string) ([]OutboundDoc, error) {
	var rows []OutboundDoc
	if err := s.db.SelectContext(ctx, &rows, s.Rebind(`SELECT id, document FROM outbound_objects WHERE tenant_id = ? AND kind = ? ORDER BY id`), tenant, kind); err != nil {
		return nil, fmt.Errorf("store: list %ss of %q: %w", kind, tenant, err)
	}
	return rows, nil
}

// DeleteOutbound removes one document; ErrNotFound when there is none.
func (s *Store) DeleteOutbound(ctx context.Context, tenant, kind, id string) error {
	res, err := s.db.ExecContext(ctx, s.Rebind(`DELETE FROM outbound_objects WHERE tenant_id = ? AND kind = ? AND id = ?`), tenant, kind, id)
	if err != nil {
		return fmt.Errorf("store: delete %s %q in tenant %q: %w", kind, id, tenant, err)
	}
	return affectedOne(res, kind, id)
}
