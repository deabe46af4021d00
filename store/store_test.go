package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		url     string
		dialect store.Dialect
		wantErr string
	}{
		{"postgres://u:p@h/db", store.Postgres, ""},
		{"postgresql://h/db", store.Postgres, ""},
		{"sqlite:./data/ipcc.db", store.SQLite, ""},
		{"./data/ipcc.db", store.SQLite, ""},
		{"file:/tmp/x.db", store.SQLite, ""},
		{"", "", "empty database url"},
		{"mysql://u:secret@h/db", "", "unsupported database url scheme"},
		{"sqlite:", "", "has no path"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			d, _, err := store.ParseURL(tt.url)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Fatalf("error leaks the password: %v", err)
				}
				return
			}
			if err != nil || d != tt.dialect {
				t.Fatalf("got %q, %v; want %q", d, err, tt.dialect)
			}
		})
	}
}

func TestMigrations(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			s := storetest.OpenEmpty(t, d)
			ctx := context.Background()
			st, err := s.MigrationStatus(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range st {
				if m.Applied {
					t.Fatalf("migration %d applied on an empty database", m.Version)
				}
			}
			applied, err := s.MigrateUp(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(applied) != len(st) || len(st) == 0 {
				t.Fatalf("applied %v of %d migrations", applied, len(st))
			}
			// A second run applies nothing and the status says all applied.
			again, err := s.MigrateUp(ctx)
			if err != nil || len(again) != 0 {
				t.Fatalf("second migrate up: %v, %v", again, err)
			}
			st, _ = s.MigrationStatus(ctx)
			for _, m := range st {
				if !m.Applied || m.Name == "" {
					t.Fatalf("after up: %+v", m)
				}
			}
		})
	}
}

func TestMigrationsHaveNoLeftoverTokens(t *testing.T) {
	for _, d := range storetest.Dialects {
		ms, err := store.Migrations(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if strings.Contains(m.SQL, "{{") {
				t.Errorf("%s (%s) still has a {{token}} after substitution", m.Name, d)
			}
		}
	}
}

func TestTenantsUsersKeysAudit(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for _, id := range []string{"a", "b"} {
			if err := s.CreateTenant(ctx, &store.Tenant{ID: id, Name: "T " + id, Timezone: "Asia/Shanghai"}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.CreateTenant(ctx, &store.Tenant{ID: "a", Name: "dup"}); !store.IsConflict(err) {
			t.Fatalf("duplicate tenant: %v", err)
		}
		ten, err := s.GetTenant(ctx, "a")
		if err != nil || ten.Timezone != "Asia/Shanghai" || ten.CreatedAt.IsZero() {
			t.Fatalf("get tenant: %+v %v", ten, err)
		}

		u := &store.User{ID: "u1", TenantID: "a", Username: "alice", Role: "agent", PasswordHash: "h"}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateUser(ctx, &store.User{ID: "u2", TenantID: "a", Username: "alice", Role: "agent", PasswordHash: "h"}); !store.IsConflict(err) {
			t.Fatalf("duplicate username: %v", err)
		}
		// The same username in another tenant is fine.
		if err := s.CreateUser(ctx, &store.User{ID: "u3", TenantID: "b", Username: "alice", Role: "admin", PasswordHash: "h"}); err != nil {
			t.Fatal(err)
		}
		// Tenant isolation: tenant b cannot see tenant a's user by id.
		if _, err := s.GetUser(ctx, "b", "u1"); !store.IsNotFound(err) {
			t.Fatalf("cross-tenant get: %v", err)
		}
		if err := s.DeleteUser(ctx, "b", "u1"); !store.IsNotFound(err) {
			t.Fatalf("cross-tenant delete: %v", err)
		}
		u.Role, u.DisplayName = "supervisor", "Alice"
		if err := s.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetUserByName(ctx, "a", "alice")
		if err != nil || got.Role != "supervisor" || got.DisplayName != "Alice" {
			t.Fatalf("after update: %+v %v", got, err)
		}
		if err := s.DeleteTenant(ctx, "a"); !store.IsConflict(err) {
			t.Fatalf("deleting a tenant with users: %v", err)
		}

		k := &store.APIKey{ID: "k1", TenantID: "a", Name: "crm", Prefix: "abcd1234", SecretHash: "x", Role: "admin"}
		if err := s.CreateAPIKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		if err := s.TouchAPIKey(ctx, "k1", time.Now()); err != nil {
			t.Fatal(err)
		}
		gk, err := s.GetAPIKeyByPrefix(ctx, "abcd1234")
		if err != nil || gk.LastUsedAt == nil || gk.RevokedAt != nil {
			t.Fatalf("key: %+v %v", gk, err)
		}
		if err := s.RevokeAPIKey(ctx, "b", "k1"); !store.IsNotFound(err) {
			t.Fatalf("cross-tenant revoke: %v", err)
		}
		if err := s.RevokeAPIKey(ctx, "a", "k1"); err != nil {
			t.Fatal(err)
		}
		ks, _ := s.ListAPIKeys(ctx, "a")
		if len(ks) != 1 || ks[0].RevokedAt == nil {
			t.Fatalf("keys: %+v", ks)
		}

		for i := 0; i < 3; i++ {
			if err := s.AddAudit(ctx, &store.AuditEntry{TenantID: "a", ActorID: "u1", Action: "POST /x", Status: 201}); err != nil {
				t.Fatal(err)
			}
		}
		_ = s.AddAudit(ctx, &store.AuditEntry{TenantID: "b", Action: "POST /y"})
		es, err := s.ListAudit(ctx, "a", store.AuditFilter{Limit: 2})
		if err != nil || len(es) != 2 || es[0].ID <= es[1].ID {
			t.Fatalf("audit page 1: %+v %v", es, err)
		}
		es2, _ := s.ListAudit(ctx, "a", store.AuditFilter{BeforeID: es[1].ID})
		if len(es2) != 1 {
			t.Fatalf("audit page 2: %+v", es2)
		}
		if es, _ := s.ListAudit(ctx, "a", store.AuditFilter{Since: time.Now().Add(time.Hour)}); len(es) != 0 {
			t.Fatalf("future filter: %+v", es)
		}
	})
}

func TestSettingIfAbsentIsRaceFree(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var wg sync.WaitGroup
		got := make([]string, 8)
		errs := make([]error, 8)
		for i := range got {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				got[i], errs[i] = s.SetSettingIfAbsent(ctx, "", "jwt", string(rune('a'+i)))
			}(i)
		}
		wg.Wait()
		for i := range got {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if got[i] != got[0] {
				t.Fatalf("controllers disagree: %v", got)
			}
		}
		if _, err := s.GetSetting(ctx, "", "missing"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing setting: %v", err)
		}
	})
}
