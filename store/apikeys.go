package store

import (
	"context"
	"fmt"
	"time"
)

// APIKey is a credential for machines (CRM, scripts). Only a hash of the
// secret is stored; the key itself is shown once when created.
type APIKey struct {
	ID         string     `db:"id" json:"id"`
	TenantID   string     `db:"tenant_id" json:"tenant"`
	Name       string     `db:"name" json:"name"`
	Prefix     string     `db:"prefix" json:"prefix"`
	SecretHash string     `db:"secret_hash" json:"-"`
	Role       string     `db:"role" json:"role"`
	CreatedBy  string     `db:"created_by" json:"created_by"`
	CreatedAt  time.Time  `db:"created_at" json:"created_at"`
	LastUsedAt *time.Time `db:"last_used_at" json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `db:"revoked_at" json:"revoked_at,omitempty"`
}

const apiKeyCols = `id, tenant_id, name, prefix, secret_hash, role, created_by, created_at, last_used_at, revoked_at`

// CreateAPIKey stores a new key.
func (s *Store) CreateAPIKey(ctx context.Context, k *APIKey) error {
	k.CreatedAt = now()
	_, err := s.db.ExecContext(ctx, s.Rebind(`INSERT INTO api_keys (`+apiKeyCols+`) VALUES (?,?,?,?,?,?,?,?,?,?)`),
		k.ID, k.TenantID, k.Name, k.Prefix, k.SecretHash, k.Role, k.CreatedBy, k.CreatedAt, k.LastUsedAt, k.RevokedAt)
	if err != nil {
		return fmt.Errorf("store: create api key %q: %w", k.Name, mapErr(err))
	}
	return nil
}

// GetAPIKeyByPrefix finds a key by its public prefix, in any tenant (the
// prefix is what an incoming request presents).
func (s *Store) GetAPIKeyByPrefix(ctx context.Context, prefix string) (*APIKey, error) {
	var k APIKey
	err := s.db.GetContext(ctx, &k, s.Rebind(`SELECT `+apiKeyCols+` FROM api_keys WHERE prefix = ?`), prefix)
	if err != nil {
		return nil, fmt.Errorf("store: api key %q: %w", prefix, mapErr(err))
	}
	return &k, nil
}

// ListAPIKeys lists the tenant's keys, newest first.
func (s *Store) ListAPIKeys(ctx context.Context, tenant string) ([]APIKey, error) {
	ks := []APIKey{}
	err := s.db.SelectContext(ctx, &ks, s.Rebind(`SELECT `+apiKeyCols+` FROM api_keys WHERE tenant_id = ? ORDER BY created_at DESC, id`), tenant)
	if err != nil {
		return nil, fmt.Errorf("store: list api keys of tenant %q: %w", tenant, err)
	}
	return ks, nil
}

// RevokeAPIKey marks a key of the tenant revoked (kept for the audit trail).
func (s *Store) RevokeAPIKey(ctx context.Context, tenant, id string) error {
	res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE api_keys SET revoked_at = ? WHERE tenant_id = ? AND id = ? AND revoked_at IS NULL`), now(), tenant, id)
	if err != nil {
		return fmt.Errorf("store: revoke api key %q: %w", id, err)
	}
	return affectedOne(res, "api key", id)
}

// TouchAPIKey records that a key was used.
func (s *Store) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE api_keys SET last_used_at = ? WHERE id = ?`), at.UTC(), id)
	if err != nil {
		return fmt.Errorf("store: touch api key %q: %w", id, err)
	}
	return nil
}
