package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/egress"
	"github.com/ipcc/ipcc/sms"
	"github.com/ipcc/ipcc/store"
)

// newSMSCmd sends and lists text messages on the database directly, with
// the tenant's providers (through the platform's egress policy).
func newSMSCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "sms", Short: "Text messages: send one, list the message log"}
	var tenant string
	cmd.PersistentFlags().StringVar(&tenant, "tenant", auth.DefaultTenant, "tenant id")
	withService := func(cmd *cobra.Command, f func(ctx context.Context, st *store.Store, svc *sms.Service) error) error {
		cfg, err := g.load()
		if err != nil {
			return err
		}
		st, _, err := openStore(cmd.Context(), cfg, cfg.Database.AutoMigrate, nil)
		if err != nil {
			return err
		}
		defer st.Close()
		if _, err := st.GetTenant(cmd.Context(), tenant); err != nil {
			return fmt.Errorf("--tenant %q: %w", tenant, err)
		}
		pol, err := egress.New(cfg.Egress.Allow, nil)
		if err != nil {
			return err
		}
		svc, err := sms.New(sms.Options{Store: st, Egress: pol})
		if err != nil {
			return err
		}
		return f(cmd.Context(), st, svc)
	}

	var to, text, template, lang, provider string
	var vars []string
	send := &cobra.Command{Use: "send", Short: "Send a message: --to and --text, or --template with --var name=value (repeatable)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			vs := map[string]string{}
			for _, v := range vars {
				k, val, ok := strings.Cut(v, "=")
				if !ok || k == "" {
					return fmt.Errorf("--var %q: want name=value", v)
				}
				vs[k] = val
			}
			return withService(cmd, func(ctx context.Context, st *store.Store, svc *sms.Service) error {
				m, err := svc.Send(ctx, sms.Request{Tenant: tenant, To: to, Text: text, Template: template, Language: lang, Vars: vs, Provider: provider, Source: "cli"})
				if err != nil {
					return err
				}
				_ = st.AddAudit(ctx, &store.AuditEntry{TenantID: tenant, ActorKind: "system", ActorName: "ipcc sms", Action: "CLI sms send", ObjectType: "sms_message", ObjectID: m.ID, Status: 200})
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				if err := enc.Encode(m); err != nil {
					return err
				}
				if m.Status == store.SMSFailed {
					return fmt.Errorf("not sent: %s", m.Error)
				}
				return nil
			})
		}}
	send.Flags().StringVar(&to, "to", "", "the number to send to")
	send.Flags().StringVar(&text, "text", "", "the text")
	send.Flags().StringVar(&template, "template", "", "a template's name")
	send.Flags().StringVar(&lang, "lang", "", "the template's language (zh-CN or en)")
	send.Flags().StringArrayVar(&vars, "var", nil, "a template variable, name=value")
	send.Flags().StringVar(&provider, "provider", "", "a provider's id (default: the tenant's default)")
	_ = send.MarkFlagRequired("to")

	var f store.SMSFilter
	list := &cobra.Command{Use: "list", Short: "List messages, newest first", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.Direction != "" && f.Direction != store.SMSIn && f.Direction != store.SMSOut {
				return fmt.Errorf("--direction %q: in or out", f.Direction)
			}
			return withService(cmd, func(ctx context.Context, st *store.Store, _ *sms.Service) error {
				ms, err := st.ListSMSMessages(ctx, tenant, f)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "CREATED\tDIR\tNUMBER\tSTATUS\tPARTS\tSOURCE\tTEXT")
				for _, m := range ms {
					body := []rune(strings.ReplaceAll(m.Body, "\n", " "))
					if len(body) > 40 {
						body = append(body[:39], '…')
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", m.CreatedAt.Local().Format("2006-01-02 15:04:05"), m.Direction, m.Number, m.Status, m.Parts, m.Source, string(body))
				}
				return tw.Flush()
			})
		}}
	list.Flags().StringVar(&f.Number, "number", "", "only this number")
	list.Flags().StringVar(&f.Direction, "direction", "", "in or out")
	list.Flags().StringVar(&f.Status, "status", "", "queued, sent, delivered, buffered, failed or received")
	list.Flags().IntVar(&f.Limit, "limit", 50, "at most this many (≤ 1000)")
	cmd.AddCommand(send, list)
	return cmd
}
