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

// DeleteSetting removes a setting of the tenant; no error when it is unset.
func (s *Store) DeleteSetting(ctx context.Context, tenant, name string) error {
	if _, err := s.db.ExecContext(ctx, s.Rebind(`DELETE FROM settings WHERE tenant_id = ? AND name = ?`), tenant, name); err != nil {
		return fmt.Errorf("store: delete setting %q: %w", name, err)
	}
	return nil
}

// ListSettings returns the tenant's settings whose names start with prefix,
// by name.
func (s *Store) ListSettings(ctx context.Context, tenant, prefix string) (map[string]string, error) {
	var rows []struct {
		Name  string `db:"name"`
		Value string `db:"value"`
	}
	// substr, not LIKE: a prefix holding % or _ matches itself only.
	err := s.db.SelectContext(ctx, &rows, s.Rebind(`SELECT name, value FROM settings WHERE tenant_id = ? AND substr(name, 1, ?) = ?`), tenant, len(prefix), prefix)
	if err != nil {
		return nil, fmt.Errorf("store: list settings %q: %w", prefix, err)
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.Name] = r.Value
	}
	return out, nil
}
