package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"github.com/google/uuid"

	"github.com/ipcc/ipcc/store"
)

// DefaultTenant is the tenant created on first start.
const DefaultTenant = "default"

// SuperadminName is the username of the superadmin created on first start.
const SuperadminName = "admin"

// BootstrapResult tells what a first start created.
type BootstrapResult struct {
	CreatedTenant bool
	// GeneratedPassword is set when the superadmin was created with a
	// generated password, which must be shown once to the operator.
	GeneratedPassword string
	CreatedSuperadmin bool
}

// Bootstrap creates the default tenant and the superadmin when they do not
// exist. The superadmin's password is adminPassword, or generated when it is
// empty. There is no built-in default password.
func (a *Service) Bootstrap(ctx context.Context, adminPassword string) (BootstrapResult, error) {
	var res BootstrapResult
	if _, err := a.store.GetTenant(ctx, DefaultTenant); store.IsNotFound(err) {
		err := a.store.CreateTenant(ctx, &store.Tenant{ID: DefaultTenant, Name: "Default", Timezone: "UTC"})
		if err != nil && !store.IsConflict(err) {
			return res, fmt.Errorf("auth: bootstrap: %w", err)
		}
		res.CreatedTenant = err == nil
	} else if err != nil {
		return res, fmt.Errorf("auth: bootstrap: %w", err)
	}
	n, err := a.store.CountUsersWithRole(ctx, store.PlatformTenant, string(RoleSuperadmin))
	if err != nil {
		return res, fmt.Errorf("auth: bootstrap: %w", err)
	}
	if n > 0 {
		return res, nil
	}
	pw := adminPassword
	if pw == "" {
		var b [18]byte
		if _, err := rand.Read(b[:]); err != nil {
			return res, fmt.Errorf("auth: bootstrap: %w", err)
		}
		pw = base64.RawURLEncoding.EncodeToString(b[:])
		res.GeneratedPassword = pw
	}
	hash, err := a.HashPassword(pw)
	if err != nil {
		return res, fmt.Errorf("auth: bootstrap: IPCC_ADMIN_PASSWORD: %w", err)
	}
	err = a.store.CreateUser(ctx, &store.User{ID: uuid.NewString(), TenantID: store.PlatformTenant, Username: SuperadminName, DisplayName: "Superadmin", Role: string(RoleSuperadmin), PasswordHash: hash})
	if store.IsConflict(err) {
		// Another controller sharing the database won the race.
		res.GeneratedPassword = ""
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("auth: bootstrap: %w", err)
	}
	res.CreatedSuperadmin = true
	return res, nil
}

// CreateUser creates a user with a hashed password in the tenant.
func (a *Service) CreateUser(ctx context.Context, tenant, username, displayName string, role Role, password string) (*store.User, error) {
	u := &store.User{TenantID: tenant, Username: username, DisplayName: displayName, Role: string(role)}
	if err := a.AddUser(ctx, u, password); err != nil {
		return nil, err
	}
	return u, nil
}

// AddUser stores u (tenant, username, display name, role and work number
// filled in by the caller) with a new id and the password hashed, in one
// insert: a taken username or work number is ErrConflict and nothing is
// stored.
func (a *Service) AddUser(ctx context.Context, u *store.User, password string) error {
	if err := ValidUsername(u.Username); err != nil {
		return err
	}
	hash, err := a.HashPassword(password)
	if err != nil {
		return err
	}
	u.ID, u.PasswordHash = uuid.NewString(), hash
	return a.store.CreateUser(ctx, u)
}

// SetPassword replaces a user's password.
func (a *Service) SetPassword(ctx context.Context, u *store.User, password string) error {
	hash, err := a.HashPassword(password)
	if err != nil {
		return err
	}
	u.PasswordHash = hash
	return a.store.UpdateUser(ctx, u)
}

// ValidUsername checks a username: 1-64 letters, digits, '.', '_', '-', '@'.
func ValidUsername(s string) error {
	if len(s) == 0 || len(s) > 64 {
		return fmt.Errorf("username must be 1-64 characters")
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' || r == '@'
		if !ok {
			return fmt.Errorf("username %q may only contain letters, digits, '.', '_', '-' and '@'", s)
		}
	}
	return nil
}
