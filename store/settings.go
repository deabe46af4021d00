package store

import (
	"context"
	"fmt"
)

// GetSetting reads a named value of the tenant (PlatformTenant for
// platform-wide values); ErrNotFound when unset.
func (s *Store) GetSetting(ctx context.Context, tenant, name string) (string, error) {
	var v string
	err := s.db.GetContext(ctx, &v, s.Rebind(`SELECT value FROM settings WHERE tenant_id = ? AND name = ?`), tenant, name)
	if err != nil {
		return "", fmt.Errorf("store: setting %q: %w", name, mapErr(err))
	}
	return v, nil
}

// SetSettingIfAbsent stores value unless the setting exists, and returns the
// value that is stored afterwards. Several controllers starting at once
// agree on one value this way.
func (s *Store) SetSettingIfAbsent(ctx context.Context, tenant, name, value string) (string, error) {
	_, err := s.db.ExecContext(ctx, s.Rebind(`INSERT INTO settings (tenant_id, name, value, updated_at) VALUES (?,?,?,?) ON CONFLICT (tenant_id, name) DO NOTHING`), tenant, name, value, now())
	if err != nil {
		return "", fmt.Errorf("store: set setting %q: %w", name, err)
	}
	return s.GetSetting(ctx, tenant, name)
}

// PutSetting stores value under name for the tenant, replacing any.
func (s *Store) PutSetting(ctx context.Context, tenant, name, value string) error {
	_, err := s.db.ExecContext(ctx, s.Rebind(`INSERT INTO settings (tenant_id, name, value, updated_at) VALUES (?,?,?,?)
ON CONFLICT (tenant_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`), tenant, name, value, now())
	if err != nil {
		return fmt.Errorf("store: put setting %q: %w", name, err)
	}
	return nil
}
