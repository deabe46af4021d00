package store

import (
	"context"
	"fmt"
	"time"
)

// User is a person who logs in: a platform superadmin (tenant ""), or a
// tenant's admin, supervisor, QA or agent.
type User struct {
	ID           string    `db:"id" json:"id"`
	TenantID     string    `db:"tenant_id" json:"tenant"`
	Username     string    `db:"username" json:"username"`
	DisplayName  string    `db:"display_name" json:"display_name"`
	Role         string    `db:"role" json:"role"`
	PasswordHash string    `db:"password_hash" json:"-"`
	Disabled     bool      `db:"disabled" json:"disabled"`
	CreatedAt    time.Time `db:"created_at" json:"created_at"`
	UpdatedAt    time.Time `db:"updated_at" json:"updated_at"`
}

const userCols = `id, tenant_id, username, display_name, role, password_hash, disabled, created_at, updated_at`

// CreateUser stores a new user; ErrConflict when the username is taken in
// the tenant.
func (s *Store) CreateUser(ctx context.Context, u *User) error {
	u.CreatedAt, u.UpdatedAt = now(), now()
	_, err := s.db.ExecContext(ctx, s.Rebind(`INSERT INTO users (`+userCols+`) VALUES (?,?,?,?,?,?,?,?,?)`),
		u.ID, u.TenantID, u.Username, u.DisplayName, u.Role, u.PasswordHash, u.Disabled, u.CreatedAt, u.UpdatedAt)
	if err != nil {
		return fmt.Errorf("store: create user %q in tenant %q: %w", u.Username, u.TenantID, mapErr(err))
	}
	return nil
}

// GetUser loads a user of the tenant by id.
func (s *Store) GetUser(ctx context.Context, tenant, id string) (*User, error) {
	var u User
	err := s.db.GetContext(ctx, &u, s.Rebind(`SELECT `+userCols+` FROM users WHERE tenant_id = ? AND id = ?`), tenant, id)
	if err != nil {
		return nil, fmt.Errorf("store: get user %q in tenant %q: %w", id, tenant, mapErr(err))
	}
	return &u, nil
}

// GetUserByName loads a user of the tenant by username.
func (s *Store) GetUserByName(ctx context.Context, tenant, username string) (*User, error) {
	var u User
	err := s.db.GetContext(ctx, &u, s.Rebind(`SELECT `+userCols+` FROM users WHERE tenant_id = ? AND username = ?`), tenant, username)
	if err != nil {
		return nil, fmt.Errorf("store: get user %q in tenant %q: %w", username, tenant, mapErr(err))
	}
	return &u, nil
}

// ListUsers lists the tenant's users ordered by username.
func (s *Store) ListUsers(ctx context.Context, tenant string) ([]User, error) {
	us := []User{}
	err := s.db.SelectContext(ctx, &us, s.Rebind(`SELECT `+userCols+` FROM users WHERE tenant_id = ? ORDER BY username`), tenant)
	if err != nil {
		return nil, fmt.Errorf("store: list users of tenant %q: %w", tenant, err)
	}
	return us, nil
}

// CountUsersWithRole counts the tenant's users having role.
func (s *Store) CountUsersWithRole(ctx context.Context, tenant, role string) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, s.Rebind(`SELECT COUNT(*) FROM users WHERE tenant_id = ? AND role = ?`), tenant, role)
	if err != nil {
		return 0, fmt.Errorf("store: count users of tenant %q: %w", tenant, err)
	}
	return n, nil
}

// UpdateUser saves display name, role, password hash and disabled.
func (s *Store) UpdateUser(ctx context.Context, u *User) error {
	u.UpdatedAt = now()
	res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE users SET display_name = ?, role = ?, password_hash = ?, disabled = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`),
		u.DisplayName, u.Role, u.PasswordHash, u.Disabled, u.UpdatedAt, u.TenantID, u.ID)
	if err != nil {
		return fmt.Errorf("store: update user %q: %w", u.ID, mapErr(err))
	}
	return affectedOne(res, "user", u.ID)
}

// DeleteUser removes a user of the tenant.
func (s *Store) DeleteUser(ctx context.Context, tenant, id string) error {
	res, err := s.db.ExecContext(ctx, s.Rebind(`DELETE FROM users WHERE tenant_id = ? AND id = ?`), tenant, id)
	if err != nil {
		return fmt.Errorf("store: delete user %q: %w", id, err)
	}
	return affectedOne(res, "user", id)
}
