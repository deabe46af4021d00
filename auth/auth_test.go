package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

func TestBootstrapLoginTokensKeys(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
		a, err := auth.New(s, auth.Options{Secret: secret, TokenTTL: time.Hour, BcryptCost: 4, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		res, err := a.Bootstrap(ctx, "")
		if err != nil || !res.CreatedTenant || !res.CreatedSuperadmin || len(res.GeneratedPassword) < 16 {
			t.Fatalf("bootstrap: %+v %v", res, err)
		}
		again, err := a.Bootstrap(ctx, "other-password")
		if err != nil || again.CreatedSuperadmin || again.GeneratedPassword != "" {
			t.Fatalf("second bootstrap must change nothing: %+v %v", again, err)
		}
		if _, _, _, err := a.Login(ctx, "", "admin", "other-password"); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("second bootstrap changed the password: %v", err)
		}
		_, tok, exp, err := a.Login(ctx, "", "admin", res.GeneratedPassword)
		if err != nil || exp != now.Add(time.Hour) {
			t.Fatalf("superadmin login: %v %v", exp, err)
		}
		p, err := a.VerifyToken(ctx, tok)
		if err != nil || !p.Superadmin() || p.TenantID != "" {
			t.Fatalf("verify: %+v %v", p, err)
		}

		if _, err := a.CreateUser(ctx, "default", "bob", "Bob", auth.RoleAgent, "short"); err == nil {
			t.Fatal("weak password accepted")
		}
		if _, err := a.CreateUser(ctx, "default", "bad name", "", auth.RoleAgent, "long-enough-pw"); err == nil {
			t.Fatal("bad username accepted")
		}
		u, err := a.CreateUser(ctx, "default", "bob", "Bob", auth.RoleAgent, "long-enough-pw")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := a.Login(ctx, "default", "bob", "wrong-password"); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("wrong password: %v", err)
		}
		if _, _, _, err := a.Login(ctx, "other", "bob", "long-enough-pw"); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("wrong tenant: %v", err)
		}
		_, tok, _, err = a.Login(ctx, "default", "bob", "long-enough-pw")
		if err != nil {
			t.Fatal(err)
		}
		// A tampered token and an expired token are refused.
		if _, err := a.VerifyToken(ctx, tok[:len(tok)-2]+"xx"); !errors.Is(err, auth.ErrBadToken) {
			t.Fatalf("tampered: %v", err)
		}
		now = now.Add(2 * time.Hour)
		if _, err := a.VerifyToken(ctx, tok); !errors.Is(err, auth.ErrBadToken) {
			t.Fatalf("expired: %v", err)
		}
		now = now.Add(-2 * time.Hour)
		// Disabling the user invalidates live tokens.
		u.Disabled = true
		if err := s.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if _, err := a.VerifyToken(ctx, tok); !errors.Is(err, auth.ErrDisabled) {
			t.Fatalf("disabled user's token: %v", err)
		}
		// A token signed with another secret is refused.
		other, _ := auth.New(s, auth.Options{Secret: []byte(strings.Repeat("z", 32)), Now: func() time.Time { return now }})
		u.Disabled = false
		_ = s.UpdateUser(ctx, u)
		otok, _, _ := other.IssueToken(u)
		if _, err := a.VerifyToken(ctx, otok); !errors.Is(err, auth.ErrBadToken) {
			t.Fatalf("foreign token: %v", err)
		}

		k, key, err := a.NewAPIKey(ctx, "default", "crm", auth.RoleAdmin, u.ID)
		if err != nil || !strings.HasPrefix(key, "ipcc_"+k.Prefix+"_") || strings.Contains(k.SecretHash, key) {
			t.Fatalf("new key: %+v %q %v", k, key, err)
		}
		p, err = a.VerifyAPIKey(ctx, key)
		if err != nil || p.Kind != "api_key" || p.TenantID != "default" || p.Role != auth.RoleAdmin {
			t.Fatalf("verify key: %+v %v", p, err)
		}
		flipped := []byte(key)
		flipped[len(flipped)-5] ^= 1 // still valid base64url, another secret
		for _, bad := range []string{"", "ipcc_", key + "x", string(flipped), "Bearer " + key} {
			if _, err := a.VerifyAPIKey(ctx, bad); !errors.Is(err, auth.ErrBadAPIKey) {
				t.Errorf("bad key %q: %v", bad, err)
			}
		}
		if err := s.RevokeAPIKey(ctx, "default", k.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := a.VerifyAPIKey(ctx, key); !errors.Is(err, auth.ErrBadAPIKey) {
			t.Fatalf("revoked key: %v", err)
		}
	})
}

func TestBootstrapWithGivenPassword(t *testing.T) {
	s := storetest.Open(t, store.SQLite)
	a, _ := auth.New(s, auth.Options{Secret: secret, BcryptCost: 4})
	if _, err := a.Bootstrap(context.Background(), "short"); err == nil || !strings.Contains(err.Error(), "IPCC_ADMIN_PASSWORD") {
		t.Fatalf("weak admin password: %v", err)
	}
	res, err := a.Bootstrap(context.Background(), "a-good-password")
	if err != nil || res.GeneratedPassword != "" || !res.CreatedSuperadmin {
		t.Fatalf("%+v %v", res, err)
	}
	if _, _, _, err := a.Login(context.Background(), "", "admin", "a-good-password"); err != nil {
		t.Fatal(err)
	}
}

func TestSecretIsSharedThroughTheDatabase(t *testing.T) {
	s := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	a, err := auth.Secret(ctx, s, "")
	if err != nil || len(a) < 32 {
		t.Fatalf("%q %v", a, err)
	}
	b, _ := auth.Secret(ctx, s, "")
	if string(a) != string(b) {
		t.Fatal("second controller got another secret")
	}
	c, _ := auth.Secret(ctx, s, strings.Repeat("c", 32))
	if string(c) != strings.Repeat("c", 32) {
		t.Fatal("configured secret ignored")
	}
}
