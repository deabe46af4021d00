package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// A password, role or disabled change raises the token version; other
// edits do not. Disabling a tenant raises it for every user there.
func TestTokenVersionAndDevices(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for _, id := range []string{"a", "b"} {
			if err := s.CreateTenant(ctx, &store.Tenant{ID: id, Name: id, Timezone: "UTC"}); err != nil {
				t.Fatal(err)
			}
		}
		u := &store.User{ID: "u1", TenantID: "a", Username: "ann", Role: "agent", PasswordHash: "h1"}
		other := &store.User{ID: "u2", TenantID: "b", Username: "bob", Role: "agent", PasswordHash: "h"}
		for _, x := range []*store.User{u, other} {
			if err := s.CreateUser(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		version := func(tenant, id string) int {
			t.Helper()
			ua, err := s.GetUserAuth(ctx, tenant, id)
			if err != nil {
				t.Fatal(err)
			}
			return ua.TokenVersion
		}
		steps := []struct {
			name   string
			change func()
			want   int
		}{
			{"display name", func() { u.DisplayName = "Ann" }, 0},
			{"password", func() { u.PasswordHash = "h2" }, 1},
			{"role", func() { u.Role = "qa" }, 2},
			{"disabled", func() { u.Disabled = true }, 3},
			{"enabled", func() { u.Disabled = false }, 4},
		}
		for _, st := range steps {
			st.change()
			if err := s.UpdateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			if got := version("a", "u1"); got != st.want || u.TokenVersion != st.want {
				t.Fatalf("after %s: version %d (struct %d), want %d", st.name, got, u.TokenVersion, st.want)
			}
		}
		if err := s.RevokeUserTokens(ctx, "a", "u1"); err != nil || version("a", "u1") != 5 {
			t.Fatalf("revoke: %v %d", err, version("a", "u1"))
		}
		ta, _ := s.GetTenant(ctx, "a")
		ta.Disabled = true
		if err := s.UpdateTenant(ctx, ta); err != nil {
			t.Fatal(err)
		}
		ua, _ := s.GetUserAuth(ctx, "a", "u1")
		if ua.TokenVersion != 6 || !ua.TenantDisabled || version("b", "u2") != 0 {
			t.Fatalf("after disabling tenant a: %+v, b's user %d", ua, version("b", "u2"))
		}
		ta.Name = "renamed" // still disabled: no second raise
		if err := s.UpdateTenant(ctx, ta); err != nil || version("a", "u1") != 6 {
			t.Fatalf("renaming a disabled tenant: %v %d", err, version("a", "u1"))
		}

		// Devices: replaced whole, kept in order, shared between users,
		// gone with the user.
		if err := s.SetUserDevices(ctx, "a", "u1", []string{"1002", "1001", "tel:+8613800138000"}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetUserDevices(ctx, "b", "u2", []string{"1001"}); err != nil {
			t.Fatal(err)
		}
		if ds, _ := s.UserDevices(ctx, "a", "u1"); !slices.Equal(ds, []string{"1002", "1001", "tel:+8613800138000"}) {
			t.Fatalf("devices %v", ds)
		}
		if err := s.SetUserDevices(ctx, "a", "u1", []string{"1003"}); err != nil {
			t.Fatal(err)
		}
		all, _ := s.TenantUserDevices(ctx, "a")
		if len(all) != 1 || !slices.Equal(all["u1"], []string{"1003"}) {
			t.Fatalf("tenant devices %v", all)
		}
		if err := s.SetUserDevices(ctx, "a", "u2", []string{"1"}); !store.IsNotFound(err) {
			t.Fatalf("another tenant's user: %v", err)
		}
		if err := s.DeleteUser(ctx, "a", "u1"); err != nil {
			t.Fatal(err)
		}
		if ds, _ := s.UserDevices(ctx, "a", "u1"); len(ds) != 0 {
			t.Fatalf("devices outlive their user: %v", ds)
		}
		if ds, _ := s.UserDevices(ctx, "b", "u2"); !slices.Equal(ds, []string{"1001"}) {
			t.Fatalf("b's devices %v", ds)
		}
	})
}

// An agent's group (班组) is stored with the user, changed by UpdateUser,
// listed with the user's name (the live agent view) and kept per tenant.
func TestUserGroup(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for _, id := range []string{"a", "b"} {
			if err := s.CreateTenant(ctx, &store.Tenant{ID: id, Name: id, Timezone: "UTC"}); err != nil {
				t.Fatal(err)
			}
		}
		u := &store.User{ID: "u1", TenantID: "a", Username: "ann", Role: "agent", PasswordHash: "h", Group: "一组 Team 1"}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateUser(ctx, &store.User{ID: "u2", TenantID: "b", Username: "bob", Role: "agent", PasswordHash: "h", Group: "Team B"}); err != nil {
			t.Fatal(err)
		}
		if got, err := s.GetUser(ctx, "a", "u1"); err != nil || got.Group != "一组 Team 1" {
			t.Fatalf("created: %+v %v", got, err)
		}
		u.Group = "二组 Team 2"
		if err := s.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		names, err := s.UserNames(ctx, "a")
		if err != nil || names["u1"].Group != "二组 Team 2" || len(names) != 1 {
			t.Fatalf("names: %+v %v", names, err)
		}
		us, err := s.ListUsers(ctx, "b")
		if err != nil || len(us) != 1 || us[0].Group != "Team B" {
			t.Fatalf("list b: %+v %v", us, err)
		}
		u.Group = ""
		if err := s.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetUser(ctx, "a", "u1"); got.Group != "" {
			t.Fatalf("group not cleared: %q", got.Group)
		}
	})
}
