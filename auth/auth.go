// Package auth owns identities: roles and what they may do, password
// hashing, signed login tokens, API keys, and the first-start bootstrap
// (default tenant and superadmin). The api package asks it; it never reads
// HTTP.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"

	"github.com/ipcc/ipcc/store"
)

// Role is what a user or API key may do.
type Role string

// Roles, from most to least powerful. Superadmin is platform-level (manages
// tenants); the others belong to one tenant.
const (
	RoleSuperadmin Role = "superadmin"
	RoleAdmin      Role = "admin"
	RoleSupervisor Role = "supervisor"
	RoleQA         Role = "qa"
	RoleAgent      Role = "agent"
	// RoleWallboard is for API keys only: it reads the wallboard figures
	// (GET /api/v1/wallboard) and nothing else, so a TV needs nobody's
	// login.
	RoleWallboard Role = "wallboard"
)

// TenantRoles are the roles a tenant user or key can have.
var TenantRoles = []Role{RoleAdmin, RoleSupervisor, RoleQA, RoleAgent}

// ParseTenantRole validates a tenant role name.
func ParseTenantRole(s string) (Role, error) {
	for _, r := range TenantRoles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("role %q is not one of admin, supervisor, qa, agent", s)
}

// Errors callers branch on.
var (
	ErrBadCredentials = errors.New("invalid username, password or tenant")
	ErrBadToken       = errors.New("invalid or expired token")
	ErrBadAPIKey      = errors.New("invalid or revoked API key")
	ErrDisabled       = errors.New("account disabled")
	// ErrSessionExpired: the session reached auth.session_max_age; the user
	// must log in again (refresh cannot extend it).
	ErrSessionExpired = errors.New("session expired: log in again")
)

// Principal is who is calling: a user or an API key, in a tenant.
type Principal struct {
	Kind     string // "user" or "api_key"
	ID       string // user id or key id
	Name     string // username or key name
	TenantID string // "" for a superadmin
	Role     Role
	// SessionStart is when the user logged in (login tokens only): a
	// refreshed token keeps it, and the session ends SessionMaxAge after it.
	SessionStart time.Time
}

// Superadmin reports whether the principal manages the platform.
func (p *Principal) Superadmin() bool { return p.Role == RoleSuperadmin }

// Service issues and checks credentials against the store.
type Service struct {
	store      *store.Store
	secret     []byte
	ttl        time.Duration
	maxAge     time.Duration
	bcryptCost int
	now        func() time.Time
	// dummyHash keeps the time of a login for an unknown user close to a
	// real one, so response times do not reveal which usernames exist.
	dummyHash []byte
}

// Options configure a Service.
type Options struct {
	Secret   []byte        // HMAC key for tokens, >= 32 bytes
	TokenTTL time.Duration // lifetime of a token
	// SessionMaxAge caps a session from its login: refreshing gives no
	// token past it (default 12h, at least TokenTTL).
	SessionMaxAge time.Duration
	BcryptCost    int
	Now           func() time.Time // for tests; default time.Now
}

// New returns a Service.
func New(s *store.Store, o Options) (*Service, error) {
	if len(o.Secret) < 32 {
		return nil, errors.New("auth: token secret must be at least 32 bytes")
	}
	if o.TokenTTL <= 0 {
		o.TokenTTL = time.Hour
	}
	if o.SessionMaxAge <= 0 {
		o.SessionMaxAge = 12 * time.Hour
	}
	if o.SessionMaxAge < o.TokenTTL {
		o.SessionMaxAge = o.TokenTTL
	}
	if o.BcryptCost == 0 {
		o.BcryptCost = bcrypt.DefaultCost
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte("not-a-real-password"), o.BcryptCost)
	if err != nil {
		return nil, fmt.Errorf("auth: bcrypt cost %d: %w", o.BcryptCost, err)
	}
	return &Service{store: s, secret: o.Secret, ttl: o.TokenTTL, maxAge: o.SessionMaxAge, bcryptCost: o.BcryptCost, now: o.Now, dummyHash: dummy}, nil
}

// Secret returns the configured secret, or the one kept in the database,
// generating and storing it on first use so every controller sharing the
// database agrees.
func Secret(ctx context.Context, s *store.Store, configured string) ([]byte, error) {
	if configured != "" {
		return []byte(configured), nil
	}
	var b [48]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("auth: generate token secret: %w", err)
	}
	v, err := s.SetSettingIfAbsent(ctx, store.PlatformTenant, "auth.jwt_secret", base64.RawStdEncoding.EncodeToString(b[:]))
	if err != nil {
		return nil, fmt.Errorf("auth: token secret: %w", err)
	}
	return []byte(v), nil
}

// HashPassword hashes a password for storage, refusing weak ones.
func (a *Service) HashPassword(pw string) (string, error) {
	if err := CheckPasswordStrength(pw); err != nil {
		return "", err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), a.bcryptCost)
	if err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	return string(h), nil
}

// CheckPasswordStrength refuses passwords that are too short or too long.
func CheckPasswordStrength(pw string) error {
	if len(pw) < 8 {
		return errors.New("password must be at least 8 characters")
	}
	if len(pw) > 72 {
		return errors.New("password must be at most 72 bytes")
	}
	return nil
}

// Login checks a username and password in a tenant ("" for superadmins) and
// returns the user and a signed token of a new session with its expiry.
func (a *Service) Login(ctx context.Context, tenant, username, password string) (*store.User, string, time.Time, error) {
	u, s, err := a.LoginSession(ctx, tenant, username, password)
	return u, s.Token, s.ExpiresAt, err
}

// LoginSession is Login returning the whole Session (with its end).
func (a *Service) LoginSession(ctx context.Context, tenant, username, password string) (*store.User, Session, error) {
	var u *store.User
	err := store.ErrNotFound
	// A name no user can have (NUL, invalid UTF-8, punctuation) is not
	// looked up: PostgreSQL would refuse the query, and the answer must be
	// the same as for any unknown user.
	if ValidUsername(username) == nil && validTenantRef(tenant) {
		u, err = a.store.GetUserByName(ctx, tenant, username)
	}
	if err != nil {
		if store.IsNotFound(err) {
			_ = bcrypt.CompareHashAndPassword(a.dummyHash, []byte(password))
			return nil, Session{}, ErrBadCredentials
		}
		return nil, Session{}, fmt.Errorf("auth: login: %w", err)
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return nil, Session{}, ErrBadCredentials
	}
	if u.Disabled {
		return nil, Session{}, ErrDisabled
	}
	if tenant != store.PlatformTenant {
		t, err := a.store.GetTenant(ctx, tenant)
		if err != nil {
			return nil, Session{}, ErrBadCredentials
		}
		if t.Disabled {
			return nil, Session{}, ErrDisabled
		}
	}
	sess, err := a.StartSession(u)
	if err != nil {
		return nil, Session{}, err
	}
	return u, sess, nil
}

type claims struct {
	Tenant string `json:"tid"`
	Role   string `json:"role"`
	Name   string `json:"name"`
	// Version is the user's token version when the token was issued.
	Version int `json:"ver"`
	// SessionStart (Unix seconds) is the login that began the session.
	SessionStart int64 `json:"sat,omitempty"`
	jwt.RegisteredClaims
}

// Session is a signed token and the times that bound it.
type Session struct {
	Token     string
	ExpiresAt time.Time
	// EndsAt is when the session ends whatever the refreshes
	// (login + SessionMaxAge).
	EndsAt time.Time
}

// IssueToken signs a token for the user that starts a new session.
func (a *Service) IssueToken(u *store.User) (string, time.Time, error) {
	s, err := a.issue(u, a.now())
	return s.Token, s.ExpiresAt, err
}

// StartSession signs the token of a new session (after a login).
func (a *Service) StartSession(u *store.User) (Session, error) { return a.issue(u, a.now()) }

// Refresh signs a fresh token for the session p holds: same session start,
// a new expiry no later than the session's end. The user is checked again.
func (a *Service) Refresh(ctx context.Context, p *Principal) (*store.User, Session, error) {
	if p.Kind != "user" || p.SessionStart.IsZero() {
		return nil, Session{}, ErrBadToken
	}
	ua, err := a.userAuth(ctx, p.TenantID, p.ID)
	if err != nil {
		return nil, Session{}, err
	}
	if !a.now().Before(p.SessionStart.Add(a.maxAge)) {
		return nil, Session{}, ErrSessionExpired
	}
	s, err := a.issue(&ua.User, p.SessionStart)
	return &ua.User, s, err
}

// issue signs a token of the session started at start, expiring after the
// token TTL or at the session's end, whichever is first.
func (a *Service) issue(u *store.User, start time.Time) (Session, error) {
	now := a.now()
	start = start.Truncate(time.Second)
	end := start.Add(a.maxAge)
	exp := now.Add(a.ttl)
	if exp.After(end) {
		exp = end
	}
	c := claims{
		Tenant:       u.TenantID,
		Role:         u.Role,
		Name:         u.Username,
		Version:      u.TokenVersion,
		SessionStart: start.Unix(),
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   u.ID,
			Issuer:    "ipcc",
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now.Add(-30 * time.Second)),
			ExpiresAt: jwt.NewNumericDate(exp),
			ID:        uuid.NewString(),
		},
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(a.secret)
	if err != nil {
		return Session{}, fmt.Errorf("auth: sign token: %w", err)
	}
	return Session{Token: tok, ExpiresAt: exp.Truncate(time.Second), EndsAt: end}, nil
}

// VerifyToken checks a token's signature and lifetime, and — on every
// request, with one query — that its user still exists and is enabled, that
// the user's tenant is enabled, that the token's version is the user's
// current one (a password, role or disabled change, a disabled tenant or
// "log out everywhere" raised it) and that its session has not outlived
// SessionMaxAge. A change therefore takes effect on the next request.
func (a *Service) VerifyToken(ctx context.Context, tok string) (*Principal, error) {
	var c claims
	_, err := jwt.ParseWithClaims(tok, &c, func(t *jwt.Token) (any, error) { return a.secret, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer("ipcc"), jwt.WithTimeFunc(a.now), jwt.WithExpirationRequired())
	if err != nil {
		return nil, ErrBadToken
	}
	start := time.Unix(c.SessionStart, 0)
	if c.SessionStart == 0 && c.IssuedAt != nil {
		start = c.IssuedAt.Time // a token from before sessions were capped
	}
	if !a.now().Before(start.Add(a.maxAge)) {
		return nil, ErrBadToken
	}
	ua, err := a.userAuth(ctx, c.Tenant, c.Subject)
	if err != nil {
		return nil, err
	}
	if ua.TokenVersion != c.Version {
		return nil, ErrBadToken
	}
	u := &ua.User
	return &Principal{Kind: "user", ID: u.ID, Name: u.Username, TenantID: u.TenantID, Role: Role(u.Role), SessionStart: start}, nil
}

// userAuth loads the user with its tenant's state and refuses a user or
// tenant that is disabled.
func (a *Service) userAuth(ctx context.Context, tenant, id string) (*store.UserAuth, error) {
	ua, err := a.store.GetUserAuth(ctx, tenant, id)
	if err != nil {
		if store.IsNotFound(err) {
			return nil, ErrBadToken
		}
		return nil, fmt.Errorf("auth: verify token: %w", err)
	}
	if ua.Disabled || ua.TenantDisabled {
		return nil, ErrDisabled
	}
	return ua, nil
}

// LogoutEverywhere ends every session of the user: all tokens issued so far
// stop working.
func (a *Service) LogoutEverywhere(ctx context.Context, tenant, userID string) error {
	return a.store.RevokeUserTokens(ctx, tenant, userID)
}

// API keys look like ipcc_<prefix>_<secret>: the prefix finds the row, the
// secret is compared by hash.
var apiKeyRe = regexp.MustCompile(`^ipcc_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$`)

// NewAPIKey creates and stores a key for the tenant; the returned string is
// the only time the full key exists outside the caller.
func (a *Service) NewAPIKey(ctx context.Context, tenant, name string, role Role, createdBy string) (*store.APIKey, string, error) {
	var p [6]byte
	var sec [32]byte
	if _, err := rand.Read(p[:]); err != nil {
		return nil, "", fmt.Errorf("auth: new api key: %w", err)
	}
	if _, err := rand.Read(sec[:]); err != nil {
		return nil, "", fmt.Errorf("auth: new api key: %w", err)
	}
	prefix := hex.EncodeToString(p[:])
	secret := base64.RawURLEncoding.EncodeToString(sec[:])
	k := &store.APIKey{ID: uuid.NewString(), TenantID: tenant, Name: name, Prefix: prefix, SecretHash: hashSecret(secret), Role: string(role), CreatedBy: createdBy}
	if err := a.store.CreateAPIKey(ctx, k); err != nil {
		return nil, "", err
	}
	return k, "ipcc_" + prefix + "_" + secret, nil
}

func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// VerifyAPIKey checks a presented key.
func (a *Service) VerifyAPIKey(ctx context.Context, key string) (*Principal, error) {
	m := apiKeyRe.FindStringSubmatch(strings.TrimSpace(key))
	if m == nil {
		return nil, ErrBadAPIKey
	}
	k, err := a.store.GetAPIKeyByPrefix(ctx, m[1])
	if err != nil {
		if store.IsNotFound(err) {
			return nil, ErrBadAPIKey
		}
		return nil, fmt.Errorf("auth: verify api key: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(k.SecretHash), []byte(hashSecret(m[2]))) != 1 || k.RevokedAt != nil {
		return nil, ErrBadAPIKey
	}
	if t, err := a.store.GetTenant(ctx, k.TenantID); err != nil || t.Disabled {
		return nil, ErrBadAPIKey
	}
	now := a.now()
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) > time.Minute {
		_ = a.store.TouchAPIKey(ctx, k.ID, now)
	}
	return &Principal{Kind: "api_key", ID: k.ID, Name: k.Name, TenantID: k.TenantID, Role: Role(k.Role)}, nil
}

// validTenantRef reports whether a tenant named at login can be a tenant
// id at all (ids are printable ASCII; see the API's tenant id rule).
func validTenantRef(t string) bool {
	if len(t) > 64 {
		return false
	}
	for i := 0; i < len(t); i++ {
		if t[i] <= ' ' || t[i] > '~' {
			return false
		}
	}
	return true
}
