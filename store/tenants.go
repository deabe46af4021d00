package store

import (
	"context"
	"fmt"
	"time"
)

// PlatformTenant is the tenant id of platform-level rows (superadmins,
// platform settings). It is never a real tenant.
const PlatformTenant = ""

// Tenant is one customer of a shared ipcc installation.
type Tenant struct {
	ID        string    `db:"tenant_id" json:"id"`
	Name      string    `db:"name" json:"name"`
	Timezone  string    `db:"timezone" json:"timezone"`
	Disabled  bool      `db:"disabled" json:"disabled"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
	UpdatedAt time.Time `db:"updated_at" json:"updated_at"`
}

// CreateTenant stores a new tenant; ErrConflict when the id is taken.
func (s *Store) CreateTenant(ctx context.Context, t *Tenant) error {
	t.CreatedAt, t.UpdatedAt = now(), now()
	_, err := s.db.ExecContext(ctx, s.Rebind(`INSERT INTO tenants (tenant_id, name, timezone, disabled, created_at, updated_at) VALUES (?,?,?,?,?,?)`),
		t.ID, t.Name, t.Timezone, t.Disabled, t.CreatedAt, t.UpdatedAt)
	if err != nil {
		return fmt.Errorf("store: create tenant %q: %w", t.ID, mapErr(err))
	}
	return nil
}

// GetTenant loads one tenant.
func (s *Store) GetTenant(ctx context.Context, id string) (*Tenant, error) {
	var t Tenant
	err := s.db.GetContext(ctx, &t, s.Rebind(`SELECT tenant_id, name, timezone, disabled, created_at, updated_at FROM tenants WHERE tenant_id = ?`), id)
	if err != nil {
		return nil, fmt.Errorf("store: get tenant %q: %w", id, mapErr(err))
	}
	return &t, nil
}

// ListTenants lists every tenant ordered by id.
func (s *Store) ListTenants(ctx context.Context) ([]Tenant, error) {
	ts := []Tenant{}
	err := s.db.SelectContext(ctx, &ts, `SELECT tenant_id, name, timezone, disabled, created_at, updated_at FROM tenants ORDER BY tenant_id`)
	if err != nil {
		return nil, fmt.Errorf("store: list tenants: %w", err)
	}
	return ts, nil
}

// UpdateTenant saves name, timezone and disabled of an existing tenant.
// Disabling it also raises the token version of every user of the tenant,
// so their tokens stay dead when it is enabled again.
func (s *Store) UpdateTenant(ctx context.Context, t *Tenant) error {
	t.UpdatedAt = now()
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: update tenant %q: %w", t.ID, err)
	}
	defer tx.Rollback()
	if t.Disabled {
		if _, err := tx.ExecContext(ctx, s.Rebind(`UPDATE users SET token_version = token_version + 1 WHERE tenant_id = ? AND tenant_id IN (SELECT tenant_id FROM tenants WHERE tenant_id = ? AND disabled = ?)`),
			t.ID, t.ID, false); err != nil {
			return fmt.Errorf("store: update tenant %q: revoke tokens: %w", t.ID, err)
		}
	}
	res, err := tx.ExecContext(ctx, s.Rebind(`UPDATE tenants SET name = ?, timezone = ?, disabled = ?, updated_at = ? WHERE tenant_id = ?`),
		t.Name, t.Timezone, t.Disabled, t.UpdatedAt, t.ID)
	if err != nil {
		return fmt.Errorf("store: update tenant %q: %w", t.ID, mapErr(err))
	}
	if err := affectedOne(res, "tenant", t.ID); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: update tenant %q: %w", t.ID, err)
	}
	return nil
}

// DeleteTenant removes a tenant that no longer has users or API keys; a
// tenant still in use gives ErrConflict so nothing stored is lost.
func (s *Store) DeleteTenant(ctx context.Context, id string) error {
	if id == PlatformTenant {
		return fmt.Errorf("store: delete tenant: %w", ErrNotFound)
	}
	var n int
	if err := s.db.GetContext(ctx, &n, s.Rebind(`SELECT (SELECT COUNT(*) FROM users WHERE tenant_id = ?) + (SELECT COUNT(*) FROM api_keys WHERE tenant_id = ? AND revoked_at IS NULL)`), id, id); err != nil {
		return fmt.Errorf("store: delete tenant %q: %w", id, err)
	}
	if n > 0 {
		return fmt.Errorf("store: delete tenant %q: %w: it still has %d users or API keys", id, ErrConflict, n)
	}
	res, err := s.db.ExecContext(ctx, s.Rebind(`DELETE FROM tenants WHERE tenant_id = ?`), id)
	if err != nil {
		return fmt.Errorf("store: delete tenant %q: %w", id, err)
	}
	if err := affectedOne(res, "tenant", id); err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, s.Rebind(`DELETE FROM tenant_quotas WHERE tenant_id = ?`), id); err != nil {
		return fmt.Errorf("store: delete tenant %q: quota: %w", id, err)
	}
	return nil
}

type rowsAffected interface{ RowsAffected() (int64, error) }

func affectedOne(res rowsAffected, what, id string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: %s %q: %w", what, id, err)
	}
	if n == 0 {
		return fmt.Errorf("store: %s %q: %w", what, id, ErrNotFound)
	}
	return nil
}
