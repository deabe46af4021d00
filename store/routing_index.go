package store

import (
	"context"
	"fmt"
)

// RouteDID is one enabled route's DID pattern and its tenant; Suspended
// is set when the tenant is disabled (its callers are refused with its
// suspended prompt, docs/tenants.md).
type RouteDID struct {
	TenantID  string `db:"tenant_id"`
	DID       string `db:"did"`
	Suspended bool   `db:"suspended"`
}

// ListRouteDIDs lists the DID patterns of every enabled route of every
// tenant, suspended ones marked: the index that tells which tenant an
// incoming call belongs to.
func (s *Store) ListRouteDIDs(ctx context.Context) ([]RouteDID, error) {
	var out []RouteDID
	err := s.db.SelectContext(ctx, &out, s.Rebind(`SELECT r.tenant_id, r.did, t.disabled AS suspended FROM routing_routes r JOIN tenants t ON t.tenant_id = r.tenant_id WHERE r.enabled = ? ORDER BY r.tenant_id, r.did`), true)
	if err != nil {
		return nil, fmt.Errorf("store: list route DIDs: %w", err)
	}
	return out, nil
}
