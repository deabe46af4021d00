package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/store"
)

func openStoreNoCheck(cmd *cobra.Command, url string, conns int) (*store.Store, []int64, error) {
	st, err := store.Open(cmd.Context(), url, store.Options{MaxOpenConns: conns})
	return st, nil, err
}

// readPassword takes the password from the first line of stdin, so it
// never appears in the process list or shell history.
func readPassword(in io.Reader) (string, error) {
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", fmt.Errorf("no password on stdin (pipe it in: echo \"$PW\" | ipcc user ...)")
	}
	return pw, nil
}

func newUserCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Create users and set passwords"}
	var tenant, username, role, display string
	var superadmin bool
	withAuth := func(cmd *cobra.Command, f func(ctx context.Context, st *store.Store, a *auth.Service) error) error {
		cfg, err := g.load()
		if err != nil {
			return err
		}
		st, _, err := openStore(cmd.Context(), cfg, cfg.Database.AutoMigrate, nil)
		if err != nil {
			return err
		}
		defer st.Close()
		a, err := newAuth(cmd.Context(), cfg, st)
		if err != nil {
			return err
		}
		if _, err := a.Bootstrap(cmd.Context(), getenv(g, "IPCC_ADMIN_PASSWORD")); err != nil {
			return err
		}
		return f(cmd.Context(), st, a)
	}
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a user; the password is read from stdin",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := auth.ParseTenantRole(role)
			if err != nil {
				return fmt.Errorf("--role: %w", err)
			}
			pw, err := readPassword(cmd.InOrStdin())
			if err != nil {
				return err
			}
			return withAuth(cmd, func(ctx context.Context, st *store.Store, a *auth.Service) error {
				if _, err := st.GetTenant(ctx, tenant); err != nil {
					return fmt.Errorf("--tenant %q: %w", tenant, err)
				}
				u, err := a.CreateUser(ctx, tenant, username, display, r, pw)
				if err != nil {
					return err
				}
				_ = st.AddAudit(ctx, &store.AuditEntry{TenantID: tenant, ActorKind: "system", ActorName: "ipcc user create", Action: "CLI user create", ObjectType: "user", ObjectID: u.ID, Status: 201})
				fmt.Fprintf(cmd.OutOrStdout(), "created %s %q in tenant %q (id %s)\n", u.Role, u.Username, tenant, u.ID)
				return nil
			})
		},
	}
	create.Flags().StringVar(&tenant, "tenant", auth.DefaultTenant, "tenant id")
	create.Flags().StringVar(&username, "username", "", "username (required)")
	create.Flags().StringVar(&display, "display-name", "", "display name")
	create.Flags().StringVar(&role, "role", "agent", "admin, supervisor, qa or agent")
	_ = create.MarkFlagRequired("username")

	passwd := &cobra.Command{
		Use:   "passwd",
		Short: "Set a user's password; the new password is read from stdin",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pw, err := readPassword(cmd.InOrStdin())
			if err != nil {
				return err
			}
			t := tenant
			if superadmin {
				t = store.PlatformTenant
			}
			return withAuth(cmd, func(ctx context.Context, st *store.Store, a *auth.Service) error {
				u, err := st.GetUserByName(ctx, t, username)
				if err != nil {
					return fmt.Errorf("user %q: %w", username, err)
				}
				if err := a.SetPassword(ctx, u, pw); err != nil {
					return err
				}
				_ = st.AddAudit(ctx, &store.AuditEntry{TenantID: t, ActorKind: "system", ActorName: "ipcc user passwd", Action: "CLI user passwd", ObjectType: "user", ObjectID: u.ID, Status: 200})
				fmt.Fprintf(cmd.OutOrStdout(), "password of %q changed\n", username)
				return nil
			})
		},
	}
	passwd.Flags().StringVar(&tenant, "tenant", auth.DefaultTenant, "tenant id")
	passwd.Flags().StringVar(&username, "username", "", "username (required)")
	passwd.Flags().BoolVar(&superadmin, "superadmin", false, "the user is a platform superadmin")
	_ = passwd.MarkFlagRequired("username")
	cmd.AddCommand(create, passwd)
	return cmd
}
