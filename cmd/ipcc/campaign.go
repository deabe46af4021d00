package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/campaign"
	"github.com/ipcc/ipcc/store"
)

// newCampaignCmd works outbound campaigns on the database directly (a
// running controller's dialer follows status changes within a second).
func newCampaignCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "campaign", Short: "Outbound campaigns: create, import leads, start/pause/stop, progress, export, do-not-call lists"}
	var tenant string
	cmd.PersistentFlags().StringVar(&tenant, "tenant", auth.DefaultTenant, "tenant id")
	withStore := func(cmd *cobra.Command, f func(ctx context.Context, st *store.Store) error) error {
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
		return f(cmd.Context(), st)
	}
	audit := func(ctx context.Context, st *store.Store, action, object, id string) {
		_ = st.AddAudit(ctx, &store.AuditEntry{TenantID: tenant, ActorKind: "system", ActorName: "ipcc campaign", Action: "CLI campaign " + action, ObjectType: object, ObjectID: id, Status: 200})
	}
	out := func(cmd *cobra.Command, v any) error {
		enc := json.NewEncoder(cmd.OutOrStdout())
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}

	list := &cobra.Command{Use: "list", Short: "List the tenant's campaigns", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withStore(cmd, func(ctx context.Context, st *store.Store) error {
				cs, err := campaign.List(ctx, st, tenant)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tNAME\tTYPE\tSTATUS\tQUEUE")
				for _, c := range cs {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Name, c.Type, c.Status, c.Settings.QueueID)
				}
				return tw.Flush()
			})
		}}

	var file string
	create := &cobra.Command{Use: "create", Short: "Create a draft campaign from a JSON file ({id, name, type, settings}, as POST /api/v1/campaigns takes)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			var c campaign.Campaign
			if err := json.Unmarshal(b, &c); err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			return withStore(cmd, func(ctx context.Context, st *store.Store) error {
				c.TenantID = tenant
				if err := campaign.Create(ctx, st, &c); err != nil {
					return err
				}
				audit(ctx, st, "create", "campaign", c.ID)
				return out(cmd, c)
			})
		}}
	create.Flags().StringVar(&file, "file", "", "campaign JSON file (required)")
	_ = create.MarkFlagRequired("file")

	var opt campaign.ImportOptions
	imp := &cobra.Command{Use: "import CAMPAIGN FILE.csv", Short: "Import leads from a CSV file (UTF-8 or GBK); prints the report with rejected rows", Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[1])
			if err != nil {
				return err
			}
			defer f.Close()
			return withStore(cmd, func(ctx context.Context, st *store.Store) error {
				c, err := campaign.Get(ctx, st, tenant, args[0])
				if err != nil {
					return fmt.Errorf("campaign %q: %w", args[0], err)
				}
				opt.Agent = func(name string) (string, bool) {
					if u, err := st.GetUser(ctx, tenant, name); err == nil {
						return u.ID, true
					}
					if u, err := st.GetUserByName(ctx, tenant, name); err == nil {
						return u.ID, true
					}
					return "", false
				}
				rep, err := campaign.Import(ctx, st, c, f, opt)
				if rep != nil {
					_ = out(cmd, rep)
				}
				if err == nil && rep.Stored {
					audit(ctx, st, "import", "campaign_leads", c.ID)
				}
				return err
			})
		}}
	imp.Flags().StringVar(&opt.Encoding, "encoding", "auto", "auto, utf-8 or gbk")
	imp.Flags().StringVar(&opt.Mapping.Phone, "phone", "", "header of the phone column (default: phone, mobile, 电话, 手机, 号码 ...)")
	imp.Flags().StringVar(&opt.Mapping.Name, "name", "", "header of the name column")
	imp.Flags().StringVar(&opt.Mapping.Agent, "agent", "", "header of the column naming the assigned agent")
	imp.Flags().BoolVar(&opt.Strict, "strict", false, "import nothing when any row is rejected")
	imp.Flags().BoolVar(&opt.DryRun, "dry-run", false, "check and report only")

	act := func(a campaign.Action, short string) *cobra.Command {
		return &cobra.Command{Use: string(a) + " CAMPAIGN", Short: short, Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return withStore(cmd, func(ctx context.Context, st *store.Store) error {
					c, err := campaign.Act(ctx, st, tenant, args[0], a)
					if err != nil {
						return err
					}
					audit(ctx, st, string(a), "campaign", c.ID)
					fmt.Fprintf(cmd.OutOrStdout(), "campaign %s is %s\n", c.ID, c.Status)
					return nil
				})
			}}
	}
	progress := &cobra.Command{Use: "progress CAMPAIGN", Short: "Leads by status and attempts by outcome", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStore(cmd, func(ctx context.Context, st *store.Store) error {
				p, err := campaign.GetProgress(ctx, st, nil, tenant, args[0])
				if err != nil {
					return err
				}
				return out(cmd, p)
			})
		}}
	pacing := &cobra.Command{Use: "pacing CAMPAIGN", Short: "Compliance profile and abandon rate over its period (the pacer's decisions: GET /api/v1/campaigns/{id}/pacing on the dialing controller)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStore(cmd, func(ctx context.Context, st *store.Store) error {
				p, err := campaign.GetPacing(ctx, st, nil, tenant, args[0], 0, time.Now())
				if err != nil {
					return err
				}
				return out(cmd, p)
			})
		}}
	var repSection string
	var repFrom, repTo string
	var repWindow time.Duration
	report := &cobra.Command{Use: "report CAMPAIGN", Short: "Outcomes, attempts per lead, abandon rate per rolling window, agents' outbound productivity (JSON, or --section as CSV)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o := campaign.ReportOptions{Window: repWindow}
			for _, p := range []struct {
				v   string
				dst *time.Time
			}{{repFrom, &o.From}, {repTo, &o.To}} {
				if p.v == "" {
					continue
				}
				t, err := time.Parse(time.RFC3339, p.v)
				if err != nil {
					return fmt.Errorf("%q: want an RFC 3339 time", p.v)
				}
				*p.dst = t
			}
			return withStore(cmd, func(ctx context.Context, st *store.Store) error {
				r, err := campaign.BuildReport(ctx, st, tenant, args[0], o)
				if err != nil {
					return err
				}
				if repSection != "" {
					return r.WriteCSV(cmd.OutOrStdout(), repSection)
				}
				return out(cmd, r)
			})
		}}
	report.Flags().StringVar(&repSection, "section", "", "CSV of one section: outcomes, attempts_per_lead, abandon, agents")
	report.Flags().StringVar(&repFrom, "from", "", "start (RFC 3339; default 24 h ago)")
	report.Flags().StringVar(&repTo, "to", "", "end (RFC 3339; default now)")
	report.Flags().DurationVar(&repWindow, "window", time.Hour, "rolling window of the abandon rate")
	var outFile string
	export := &cobra.Command{Use: "export CAMPAIGN", Short: "Export the leads with their results as CSV", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStore(cmd, func(ctx context.Context, st *store.Store) error {
				c, err := campaign.Get(ctx, st, tenant, args[0])
				if err != nil {
					return err
				}
				var w io.Writer = cmd.OutOrStdout()
				if outFile != "" && outFile != "-" {
					f, err := os.Create(outFile)
					if err != nil {
						return err
					}
					defer f.Close()
					w = f
				}
				return campaign.Export(ctx, st, c, w, nil)
			})
		}}
	export.Flags().StringVar(&outFile, "out", "-", "file to write (- = stdout)")

	var dncCampaign, reason string
	var platform bool
	dnc := &cobra.Command{Use: "dnc-add NUMBER...", Short: "Add numbers to the tenant's do-not-call list (--campaign: a campaign's suppression list; --platform: the platform's)", Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStore(cmd, func(ctx context.Context, st *store.Store) error {
				t, scope := tenant, dncCampaign
				if platform {
					t, scope = store.DNCPlatformTenant, store.DNCTenantScope
				} else if scope != "" {
					if _, err := st.GetCampaign(ctx, tenant, scope); err != nil {
						return fmt.Errorf("--campaign %q: %w", scope, err)
					}
				}
				ok, bad := campaign.NormalizeNumbers(args, "86")
				for _, b := range bad {
					fmt.Fprintf(cmd.ErrOrStderr(), "%s: %s\n", args[b.Row-1], b.Reason)
				}
				n, err := st.AddDNC(ctx, t, scope, ok, reason)
				if err != nil {
					return err
				}
				audit(ctx, st, "dnc-add", "dnc", scope)
				fmt.Fprintf(cmd.OutOrStdout(), "%d numbers added\n", n)
				return nil
			})
		}}
	dnc.Flags().StringVar(&dncCampaign, "campaign", "", "the campaign whose suppression list takes the numbers")
	dnc.Flags().BoolVar(&platform, "platform", false, "the platform's list (every tenant)")
	dnc.Flags().StringVar(&reason, "reason", "", "why the numbers are barred")

	cmd.AddCommand(list, create, imp, act(campaign.Start, "Start or resume a campaign"), act(campaign.Pause, "Pause a running campaign"),
		act(campaign.Stop, "Finish a campaign"), progress, pacing, report, export, dnc)
	return cmd
}
