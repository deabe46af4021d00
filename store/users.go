package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// User is a person who logs in: a platform superadmin (tenant ""), or a
// tenant's admin, supervisor, QA or agent.
type User struct {
	ID           string `db:"id" json:"id"`
	TenantID     string `db:"tenant_id" json:"tenant"`
	Username     string `db:"username" json:"username"`
	DisplayName  string `db:"display_name" json:"display_name"`
	Role         string `db:"role" json:"role"`
	PasswordHash string `db:"password_hash" json:"-"`
	Disabled     bool   `db:"disabled" json:"disabled"`
	// WorkNumber is the agent's work number (工号), set by admins: unique
	// in the tenant when set, spoken to callers by the agent-ID
	// announcement ("" = none, and no announcement).
	WorkNumber string `db:"work_number" json:"work_number"`
	// Group is the agent's group (班组), set by admins: free text naming
	// the team a supervisor watches ("" = none).
	Group string `db:"agent_group" json:"group"`
	// TokenVersion is carried by the user's login tokens; a token of an
	// older version is refused. UpdateUser and RevokeUserTokens raise it.
	TokenVersion int       `db:"token_version" json:"-"`
	CreatedAt    time.Time `db:"created_at" json:"created_at"`
	UpdatedAt    time.Time `db:"updated_at" json:"updated_at"`
}

const userCols = `id, tenant_id, username, display_name, role, password_hash, disabled, work_number, agent_group, token_version, created_at, updated_at`

// CreateUser stores a new user; ErrConflict when the username or the work
// number is taken in the tenant.
func (s *Store) CreateUser(ctx context.Context, u *User) error {
	u.CreatedAt, u.UpdatedAt = now(), now()
	_, err := s.db.ExecContext(ctx, s.Rebind(`INSERT INTO users (`+userCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`),
		u.ID, u.TenantID, u.Username, u.DisplayName, u.Role, u.PasswordHash, u.Disabled, u.WorkNumber, u.Group, u.TokenVersion, u.CreatedAt, u.UpdatedAt)
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

// GetUserByWorkNumber loads the user of the tenant having work number wn
// (ErrNotFound when nobody has it).
func (s *Store) GetUserByWorkNumber(ctx context.Context, tenant, wn string) (*User, error) {
	var u User
	err := s.db.GetContext(ctx, &u, s.Rebind(`SELECT `+userCols+` FROM users WHERE tenant_id = ? AND work_number = ? AND work_number <> ''`), tenant, wn)
	if err != nil {
		return nil, fmt.Errorf("store: get user with work number %q in tenant %q: %w", wn, tenant, mapErr(err))
	}
	return &u, nil
}

// UserName is how a user is shown next to their id in live views,
// reports and exports.
type UserName struct {
	ID          string `db:"id" json:"id"`
	Username    string `db:"username" json:"username"`
	DisplayName string `db:"display_name" json:"display_name"`
	WorkNumber  string `db:"work_number" json:"work_number"`
	Group       string `db:"agent_group" json:"group"`
}

// UserNames maps the ids of the tenant's users to their names, work
// numbers and groups (one query, for labelling agents in lists).
func (s *Store) UserNames(ctx context.Context, tenant string) (map[string]UserName, error) {
	var rows []UserName
	err := s.db.SelectContext(ctx, &rows, s.Rebind(`SELECT id, username, display_name, work_number, agent_group FROM users WHERE tenant_id = ?`), tenant)
	if err != nil {
		return nil, fmt.Errorf("store: user names of tenant %q: %w", tenant, err)
	}
	out := make(map[string]UserName, len(rows))
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
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

// UpdateUser saves display name, role, password hash, disabled, work
// number and group (ErrConflict when another user of the tenant has it). A change
// of password, role or disabled flag raises the user's token version in the
// same statement, so every token issued before stops working whoever made
// the change (API, CLI). u.TokenVersion is reloaded.
func (s *Store) UpdateUser(ctx context.Context, u *User) error {
	u.UpdatedAt = now()
	res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE users SET
		token_version = token_version + CASE WHEN role <> ? OR password_hash <> ? OR disabled <> ? THEN 1 ELSE 0 END,
		display_name = ?, role = ?, password_hash = ?, disabled = ?, work_number = ?, agent_group = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`),
		u.Role, u.PasswordHash, u.Disabled,
		u.DisplayName, u.Role, u.PasswordHash, u.Disabled, u.WorkNumber, u.Group, u.UpdatedAt, u.TenantID, u.ID)
	if err != nil {
		return fmt.Errorf("store: update user %q: %w", u.ID, mapErr(err))
	}
	if err := affectedOne(res, "user", u.ID); err != nil {
		return err
	}
	return s.db.GetContext(ctx, &u.TokenVersion, s.Rebind(`SELECT token_version FROM users WHERE tenant_id = ? AND id = ?`), u.TenantID, u.ID)
}

// RevokeUserTokens raises the user's token version: every token issued to
// them so far stops working ("log out everywhere").
func (s *Store) RevokeUserTokens(ctx context.Context, tenant, id string) error {
	res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE users SET token_version = token_version + 1, updated_at = ? WHERE tenant_id = ? AND id = ?`), now(), tenant, id)
	if err != nil {
		return fmt.Errorf("store: revoke tokens of user %q: %w", id, err)
	}
	return affectedOne(res, "user", id)
}

// UserAuth is what checking a login token needs in one query: the user and
// whether their tenant is disabled.
type UserAuth struct {
	User
	TenantDisabled bool `db:"tenant_disabled"`
}

// GetUserAuth loads a user of the tenant with its tenant's disabled flag
// (false for platform users, who have no tenant row).
func (s *Store) GetUserAuth(ctx context.Context, tenant, id string) (*UserAuth, error) {
	var ua UserAuth
	cols := strings.ReplaceAll("u."+userCols, ", ", ", u.")
	err := s.db.GetContext(ctx, &ua, s.Rebind(`SELECT `+cols+`, COALESCE(t.disabled, FALSE) AS tenant_disabled
		FROM users u LEFT JOIN tenants t ON t.tenant_id = u.tenant_id WHERE u.tenant_id = ? AND u.id = ?`), tenant, id)
	if err != nil {
		return nil, fmt.Errorf("store: get user %q in tenant %q: %w", id, tenant, mapErr(err))
	}
	return &ua, nil
}

// DeleteUser removes a user of the tenant.
func (s *Store) DeleteUser(ctx context.Context, tenant, id string) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: delete user %q: %w", id, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, s.Rebind(`DELETE FROM users WHERE tenant_id = ? AND id = ?`), tenant, id)
	if err != nil {
		return fmt.Errorf("store: delete user %q: %w", id, err)
	}
	if err := affectedOne(res, "user", id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.Rebind(`DELETE FROM user_devices WHERE tenant_id = ? AND user_id = ?`), tenant, id); err != nil {
		return fmt.Errorf("store: delete user %q: devices: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: delete user %q: %w", id, err)
	}
	return nil
}

// UserDevices lists the devices an admin assigned to the user, in the
// order given.
func (s *Store) UserDevices(ctx context.Context, tenant, userID string) ([]string, error) {
	ds := []string{}
	err := s.db.SelectContext(ctx, &ds, s.Rebind(`SELECT device FROM user_devices WHERE tenant_id = ? AND user_id = ? ORDER BY position, device`), tenant, userID)
	if err != nil {
		return nil, fmt.Errorf("store: devices of user %q: %w", userID, err)
	}
	return ds, nil
}

// TenantUserDevices maps each user of the tenant that has devices to them.
func (s *Store) TenantUserDevices(ctx context.Context, tenant string) (map[string][]string, error) {
	var rows []struct {
		UserID string `db:"user_id"`
		Device string `db:"device"`
	}
	err := s.db.SelectContext(ctx, &rows, s.Rebind(`SELECT user_id, device FROM user_devices WHERE tenant_id = ? ORDER BY user_id, position, device`), tenant)
	if err != nil {
		return nil, fmt.Errorf("store: devices of tenant %q: %w", tenant, err)
	}
	out := map[string][]string{}
	for _, r := range rows {
		out[r.UserID] = append(out[r.UserID], r.Device)
	}
	return out, nil
}

// SetUserDevices replaces the devices assigned to a user of the tenant
// (callers validate them); ErrNotFound when there is no such user.
func (s *Store) SetUserDevices(ctx context.Context, tenant, userID string, devices []string) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: set devices of user %q: %w", userID, err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.GetContext(ctx, &n, s.Rebind(`SELECT COUNT(*) FROM users WHERE tenant_id = ? AND id = ?`), tenant, userID); err != nil {
		return fmt.Errorf("store: set devices of user %q: %w", userID, err)
	}
	if n == 0 {
		return fmt.Errorf("store: set devices of user %q: %w", userID, ErrNotFound)
	}
	if _, err := tx.ExecContext(ctx, s.Rebind(`DELETE FROM user_devices WHERE tenant_id = ? AND user_id = ?`), tenant, userID); err != nil {
		return fmt.Errorf("store: set devices of user %q: %w", userID, err)
	}
	for i, d := range devices {
		if _, err := tx.ExecContext(ctx, s.Rebind(`INSERT INTO user_devices (tenant_id, user_id, device, position) VALUES (?,?,?,?)`), tenant, userID, d, i); err != nil {
			return fmt.Errorf("store: set devices of user %q: %s: %w", userID, d, mapErr(err))
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: set devices of user %q: %w", userID, err)
	}
	return nil
}
