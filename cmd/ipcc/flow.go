package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ipcc/ipcc/config"
	"github.com/ipcc/ipcc/egress"
	"github.com/ipcc/ipcc/ivrflows"
	"github.com/ipcc/ipcc/prompts"
	"github.com/ipcc/ipcc/schedule"
	"github.com/ipcc/ipcc/store"
)

func newFlowCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "flow",
		Short: "Check and dry-run IVR flow files",
	}
	cmd.AddCommand(newFlowValidateCmd(), newFlowRunCmd(g), newFlowSchemaCmd(), newFlowFmtCmd())
	return cmd
}

func newFlowSchemaCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the flow language's JSON Schema (as GET /api/v1/flow-schema serves it)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := ivrflows.Schema()
			if err != nil {
				return err
			}
			b, err := json.MarshalIndent(s, "", "  ")
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), string(b))
			return err
		},
	}
}

func newFlowFmtCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "fmt FILE",
		Short: "Print a flow file (YAML or JSON) as YAML in the form the editor exports",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := readFlowFile(args[0])
			if err != nil {
				return err
			}
			y, err := f.YAML()
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(y)
			return err
		},
	}
}

func readFlowFile(path string) (*ivrflows.Flow, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read flow: %w", err)
	}
	f, err := ivrflows.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

func newFlowValidateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check flow files (YAML or JSON) and list every problem",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			bad := 0
			for _, path := range args {
				f, err := readFlowFile(path)
				if err != nil {
					fmt.Fprintln(out, err)
					bad++
					continue
				}
				errs := ivrflows.Validate(f)
				if errs == nil {
					fmt.Fprintf(out, "%s: flow %q is valid (%d nodes)\n", path, f.ID, len(f.Nodes))
					continue
				}
				bad++
				fmt.Fprintf(out, "%s: %d problems:\n", path, len(errs))
				for _, e := range errs {
					fmt.Fprintf(out, "  %s\n", e.Error())
				}
			}
			if bad > 0 {
				return fmt.Errorf("%d of %d flow files are not valid", bad, len(args))
			}
			return nil
		},
	}
}

type flowRunFlags struct {
	caller, did, dtmf, at, tenant, flowsDir     string
	schedules, scheduleFiles, vars, allowEgress []string
	sms, asJSON                                 bool
}

func newFlowRunCmd(g *globals) *cobra.Command {
	var fl flowRunFlags
	cmd := &cobra.Command{
		Use:   "run FILE",
		Short: "Dry-run a flow with no switch: simulated caller, fake clock, digits fed in order",
		Long: `Runs a flow on a simulated call and prints each node visited, each prompt
played and where the call ended. --dtmf gives what the caller types at each
menu, collect, survey or voicemail in order, groups separated by commas
("1,2#"); "h" hangs up there. With no digits left the caller stays silent.
Transfers to another flow load <id>.yaml|.yml|.json from --flows-dir (default:
the directory of FILE). Schedules are answered by a calendar file
(--schedule-file id=FILE, evaluated at --at) or a fixed --schedule id=branch
(open, lunch, holiday, closed); "*" is any other schedule (default *=open).
HTTP nodes make real requests, through the egress policy of the configuration
(egress.allow: no loopback, private or metadata address unless allowed there)
plus the entries of --allow-egress. Prompt items naming the prompts library
({library: NAME}) play the --tenant's prompt from the configured database
(database.url; a TTS prompt's text in the call's language, an uploaded one's
file under media.prompt_dir); without a readable database they are left out.`,
		Example: `  ipcc flow run examples/flows/main.yaml --caller 13800000000 --did 4001 --dtmf "9,2"
  ipcc flow run examples/flows/main.yaml --schedule-file main-hours=examples/flows/schedules/main-hours.yaml --at 2026-10-02T10:00:00+08:00
  ipcc flow run examples/flows/main.yaml --schedule main-hours=closed --dtmf "1,h" --at 2026-10-01T20:30:00+08:00
  ipcc flow run examples/flows/account.yaml --dtmf "12345678,900501" --allow-egress 127.0.0.1:8089`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runFlow(cmd, g, args[0], fl)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.caller, "caller", "13800000000", "caller number")
	f.StringVar(&fl.did, "did", "4001", "dialed number")
	f.StringVar(&fl.dtmf, "dtmf", "", `digits the caller types, one comma-separated group per input ("1,2#", "h" hangs up)`)
	f.StringVar(&fl.at, "at", "", "when the call starts, RFC 3339 (default now)")
	f.StringVar(&fl.tenant, "tenant", "demo", "tenant the flow runs in")
	f.StringVar(&fl.flowsDir, "flows-dir", "", "directory of the flows a transfer of kind flow may enter (default: the directory of FILE)")
	f.StringArrayVar(&fl.schedules, "schedule", nil, "schedule branch as id=branch (repeatable; * = any other schedule)")
	f.StringArrayVar(&fl.scheduleFiles, "schedule-file", nil, "schedule calendar as id=FILE (YAML or JSON), evaluated at --at (repeatable)")
	f.StringArrayVar(&fl.vars, "var", nil, "variable as name=value (repeatable)")
	f.StringArrayVar(&fl.allowEgress, "allow-egress", nil, "also let http nodes reach this CIDR, address or host:port although not public (repeatable; e.g. 127.0.0.1:8089 for a local CRM mock)")
	f.BoolVar(&fl.sms, "sms", false, "pretend an SMS gateway is configured (without it sms nodes take their error edge)")
	f.BoolVar(&fl.asJSON, "json", false, "print the full result as JSON")
	return cmd
}

func runFlow(cmd *cobra.Command, g *globals, path string, fl flowRunFlags) error {
	f, err := readFlowFile(path)
	if err != nil {
		return err
	}
	cfg, err := g.load()
	if err != nil {
		return err
	}
	log := g.logger(cfg)
	pol, err := egress.New(append(append([]string{}, cfg.Egress.Allow...), fl.allowEgress...), log)
	if err != nil {
		return fmt.Errorf("--allow-egress: %w", err)
	}
	opt := ivrflows.DryRunOptions{Tenant: fl.tenant, Caller: fl.caller, DID: fl.did, DTMF: fl.dtmf, Vars: map[string]any{},
		HTTP: pol.Client(0), Logger: log}
	if fl.at != "" {
		if opt.At, err = time.Parse(time.RFC3339, fl.at); err != nil {
			return fmt.Errorf("--at %q: use RFC 3339 such as 2026-10-01T12:30:00+08:00", fl.at)
		}
	}
	sched := ivrflows.StaticSchedules{"*": "open"}
	for _, s := range fl.schedules {
		id, b, ok := strings.Cut(s, "=")
		if !ok || id == "" || !validBranch(b) {
			return fmt.Errorf("--schedule %q: use id=open|lunch|holiday|closed", s)
		}
		sched[id] = b
	}
	files := fileSchedules{fixed: sched, cal: map[string]*schedule.Schedule{}}
	for _, s := range fl.scheduleFiles {
		id, path, ok := strings.Cut(s, "=")
		if !ok || id == "" || path == "" {
			return fmt.Errorf("--schedule-file %q: use id=FILE", s)
		}
		cal, err := readSchedule(path)
		if err != nil {
			return fmt.Errorf("--schedule-file %s: %w", id, err)
		}
		files.cal[id] = cal
	}
	opt.Schedules = files
	for _, v := range fl.vars {
		k, val, ok := strings.Cut(v, "=")
		if !ok || k == "" {
			return fmt.Errorf("--var %q: use name=value", v)
		}
		opt.Vars[k] = val
	}
	dir := fl.flowsDir
	if dir == "" {
		dir = filepath.Dir(path)
	}
	opt.Flows = ivrflows.DirFlows{Dir: dir}
	if fl.sms {
		opt.SMS = &ivrflows.MemoryLog{}
	}
	if len(ivrflows.LibraryRefs(f)) > 0 {
		// Library prompts are read from the configured database (the
		// tenant's prompts library); without it they are left out and
		// the run says why.
		st, err := openLibraryStore(cmd.Context(), cfg)
		if err != nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "warning: the flow plays library prompts but the prompts library cannot be read: %v; they are left out\n", err)
		} else {
			defer st.Close()
			opt.Library = prompts.Library{Store: st, Dir: cfg.Media.PromptDir}
		}
	}
	res, err := ivrflows.DryRun(cmd.Context(), f, opt)
	var verrs ivrflows.ValidationErrors
	if errors.As(err, &verrs) {
		for _, e := range verrs {
			fmt.Fprintf(cmd.OutOrStdout(), "  %s\n", e.Error())
		}
		return fmt.Errorf("%s: flow is not valid (%d problems)", path, len(verrs))
	}
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if fl.asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Fprintf(out, "flow %q from %s: caller %s dialed %s at %s, dtmf %q\n", f.ID, path, fl.caller, fl.did,
		res.Result.Started.Format(time.RFC3339), fl.dtmf)
	for _, l := range res.Lines {
		fmt.Fprintln(out, l.String())
	}
	for _, v := range res.Stored.Voicemails {
		fmt.Fprintf(out, "stored voicemail: mailbox %s, %s, %s\n", v.Mailbox, v.Duration, v.Path)
	}
	for _, s := range res.Stored.Surveys {
		fmt.Fprintf(out, "stored survey: score %d agent %q queue %q\n", s.Score, s.AgentID, s.Queue)
	}
	fmt.Fprintf(out, "ended: %s after %d nodes, %s\n", describeEnd(res.Result.Outcome), len(res.Result.Visits),
		res.Result.Ended.Sub(res.Result.Started))
	return nil
}

// openLibraryStore opens the configured database to read the prompts
// library, without creating or migrating it.
func openLibraryStore(ctx context.Context, cfg *config.Config) (*store.Store, error) {
	dialect, _, err := store.ParseURL(cfg.Database.URL)
	if err != nil {
		return nil, fmt.Errorf("database.url: %w", err)
	}
	if dialect == store.SQLite {
		path := strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(cfg.Database.URL, "sqlite://"), "sqlite:"), "file:")
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("database.url: %w", err)
		}
	}
	st, err := store.Open(ctx, cfg.Database.URL, store.Options{})
	if err != nil {
		return nil, fmt.Errorf("database.url: %w", err)
	}
	return st, nil
}

func validBranch(b string) bool {
	for _, x := range ivrflows.ScheduleBranches {
		if b == x {
			return true
		}
	}
	return false
}

func describeEnd(o ivrflows.Outcome) string {
	s := string(o.Kind)
	if o.Transfer != nil {
		s += fmt.Sprintf(" to %s %q", o.Transfer.Kind, o.Transfer.Target)
	}
	if o.Mailbox != "" {
		s += fmt.Sprintf(" mailbox %q", o.Mailbox)
	}
	if o.Node != "" {
		s += fmt.Sprintf(" at node %q", o.Node)
	}
	if o.Reason != "" {
		s += " (" + o.Reason + ")"
	}
	return s
}

func readSchedule(path string) (*schedule.Schedule, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var cal *schedule.Schedule
	if strings.HasSuffix(path, ".json") {
		cal, err = schedule.ParseJSON(b)
	} else {
		cal, err = schedule.ParseYAML(b)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cal, nil
}

// fileSchedules answers schedule nodes from calendar files, then from the
// fixed --schedule branches.
type fileSchedules struct {
	fixed ivrflows.StaticSchedules
	cal   map[string]*schedule.Schedule
}

// Evaluate implements ivrflows.Schedules.
func (f fileSchedules) Evaluate(ctx context.Context, tenant, id string, t time.Time) (string, error) {
	if c, ok := f.cal[id]; ok {
		return string(c.Evaluate(t).Branch), nil
	}
	return f.fixed.Evaluate(ctx, tenant, id, t)
}
