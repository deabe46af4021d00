package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/spf13/cobra"

	"github.com/ipcc/ipcc/api"
	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/campaign"
	"github.com/ipcc/ipcc/cluster"
	"github.com/ipcc/ipcc/config"
	"github.com/ipcc/ipcc/crm"
	"github.com/ipcc/ipcc/demo"
	"github.com/ipcc/ipcc/egress"
	"github.com/ipcc/ipcc/examples"
	"github.com/ipcc/ipcc/outroute"
	"github.com/ipcc/ipcc/recording"
	"github.com/ipcc/ipcc/sms"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/supervise"
	"github.com/ipcc/ipcc/tts"
	"github.com/ipcc/ipcc/web"
	"github.com/ipcc/ipcc/webhook"
)

func newServeCmd(g *globals) *cobra.Command {
	var noMigrate, demoMode bool
	var demoOpts demoFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the controller: API, web UI and switch connections",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load()
			if err != nil {
				return err
			}
			if noMigrate {
				cfg.Database.AutoMigrate = false
			}
			if (demoOpts.quiet || demoOpts.control != "") && !demoMode {
				return errors.New("--demo-quiet and --demo-control need --demo")
			}
			return serve(cmd.Context(), g, cfg, demoMode, demoOpts)
		},
	}
	cmd.Flags().BoolVar(&noMigrate, "no-migrate", false, "do not apply pending migrations on start (refuse to start if any are pending)")
	cmd.Flags().BoolVar(&demoMode, "demo", false, "also run the simulator in this process (one simulated FreeSWITCH, one simulated Asterisk) with a trickle of simulated calls")
	cmd.Flags().BoolVar(&demoOpts.quiet, "demo-quiet", false, "with --demo: no trickle of calls and no simulated staff activity (browser tests place their own calls)")
	cmd.Flags().StringVar(&demoOpts.control, "demo-control", "", "with --demo: serve the simulator's /sim/v1 control API on this address (e.g. 127.0.0.1:8090) to place calls by hand")
	return cmd
}

// openStore opens the database and brings its schema up to date (or checks
// it is, when migrate is false); log receives the call-record writer's
// reports (nil: slog's default).
func openStore(ctx context.Context, cfg *config.Config, migrate bool, log *slog.Logger) (*store.Store, []int64, error) {
	st, err := store.Open(ctx, cfg.Database.URL, store.Options{MaxOpenConns: cfg.Database.MaxOpenConns,
		IdleInTxTimeout: store.IdleInTxTimeout(cfg.Cluster.LeaseTTL),
		CallWriter:      store.CallWriterOptions{QueueLimit: cfg.Database.RecordQueueLimit, FlushTimeout: cfg.Database.RecordFlushTimeout, Logger: log}})
	if err != nil {
		return nil, nil, err
	}
	if migrate {
		applied, err := st.MigrateUp(ctx)
		if err != nil {
			st.Close()
			return nil, nil, err
		}
		return st, applied, nil
	}
	states, err := st.MigrationStatus(ctx)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	for _, s := range states {
		if !s.Applied {
			st.Close()
			return nil, nil, fmt.Errorf("database schema is behind (migration %s pending): run `ipcc migrate up` or enable database.auto_migrate", s.Name)
		}
	}
	return st, nil, nil
}

// loginThrottle is the login limiter of auth.login_* (docs/security.md).
func loginThrottle(cfg *config.Config) *auth.Throttle {
	return auth.NewThrottle(auth.ThrottleOptions{UserFailures: cfg.Auth.LoginUserFailures, AddressFailures: cfg.Auth.LoginAddressFailures,
		UserTotalFailures: cfg.Auth.LoginUserTotalFailures, MaxLockout: cfg.Auth.LoginLockoutMax})
}

func newAuth(ctx context.Context, cfg *config.Config, st *store.Store) (*auth.Service, error) {
	secret, err := auth.Secret(ctx, st, cfg.Auth.JWTSecret)
	if err != nil {
		return nil, err
	}
	return auth.New(st, auth.Options{Secret: secret, TokenTTL: cfg.Auth.TokenTTL, SessionMaxAge: cfg.Auth.SessionMaxAge, BcryptCost: cfg.Auth.BcryptCost})
}

// demoFlags tune `serve --demo`.
type demoFlags struct {
	quiet   bool
	control string
}

func serve(ctx context.Context, g *globals, cfg *config.Config, demoMode bool, df demoFlags) error {
	log := g.logger(cfg)
	dialect, _, _ := store.ParseURL(cfg.Database.URL)
	log.Info("ipcc starting", "version", version, "config", cfg.File, "database", string(dialect), "gc", tuneGC(), "web_console", web.Built())
	if !web.Built() {
		log.Warn("this binary has no web console (web/dist was not built): run `make run` or `make web build`; / explains it")
	}
	st, applied, err := openStore(ctx, cfg, cfg.Database.AutoMigrate, log)
	if err != nil {
		return err
	}
	defer func() {
		st.Close()
		log.Info("database closed")
	}()
	if len(applied) > 0 {
		log.Info("migrations applied", "versions", applied)
	}
	a, err := newAuth(ctx, cfg, st)
	if err != nil {
		return err
	}
	boot, err := a.Bootstrap(ctx, getenv(g, "IPCC_ADMIN_PASSWORD"))
	if err != nil {
		return err
	}
	if boot.CreatedTenant {
		log.Info("created the default tenant", "tenant", auth.DefaultTenant)
	}
	if boot.CreatedSuperadmin {
		if boot.GeneratedPassword != "" {
			// Shown once, on the terminal, never in the structured log.
			fmt.Fprintf(g.stderr, "\n  First start: created superadmin %q with password: %s\n  Change it with `ipcc user passwd --superadmin --username %s`; it is not shown again.\n\n",
				auth.SuperadminName, boot.GeneratedPassword, auth.SuperadminName)
		} else {
			log.Info("created the superadmin from IPCC_ADMIN_PASSWORD", "username", auth.SuperadminName)
		}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), st.CallWriterMetrics())
	ttsCfg := cfg.TTS
	if ttsCfg.Engine == "espeak" {
		if err := (&tts.Espeak{Binary: ttsCfg.EspeakBinary}).Available(); err != nil {
			if demoMode {
				// The demo must run anywhere: prompts become silence of the
				// right length, and traces still show their text.
				log.Warn("espeak-ng not found: the demo plays text prompts as silence", "err", err)
				ttsCfg.Engine = "silent"
			} else {
				log.Warn("text-to-speech prompts will fail until espeak-ng is installed (or set tts.engine)", "err", err)
			}
		}
	}
	renderer, err := buildTTS(ttsCfg)
	if err != nil {
		return err
	}
	// The same directories as `ipcc retention run` (relative ones under
	// the working directory, ./data by default: the demo's too).
	recDir, vmDir, err := mediaDirs(cfg)
	if err != nil {
		return err
	}
	promptDir, err := filepath.Abs(cfg.Media.PromptDir)
	if err != nil {
		return fmt.Errorf("media.prompt_dir: %w", err)
	}
	ttsCache, _ := renderer.(*tts.Cache) // nil for engine none: previews answer 503
	for _, dir := range []string{recDir, vmDir} {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			log.Warn("media directory not created here (the switches must provide it)", "dir", dir, "err", err)
		}
	}
	// The demo's simulator starts first: its switches' directories are
	// wired like the configured ones.
	switches := cfg.Switches
	var d *demo.Demo
	demoRunning := false
	if demoMode {
		if d, err = demo.Start(demo.Options{Logger: log, DIDs: examples.DIDs, RecordingDir: filepath.Join(recDir, "demo-asterisk"), Quiet: df.quiet}); err != nil {
			return err
		}
		defer func() {
			if !demoRunning {
				_ = d.Sim().Close()
			}
		}()
		switches = append(append([]config.Switch(nil), switches...), d.Switches()...)
	}
	media := resolveSwitchMedia(switches, config.Media{RecordingDir: recDir, VoicemailDir: vmDir})
	policies := recording.NewPolicies(st)
	retention, err := newRetentionJob(cfg, st, log, recDir, vmDir)
	if err != nil {
		return err
	}
	// Flow http nodes and webhooks reach only what the platform's egress
	// policy allows (tenants write their URLs).
	outbound, err := egress.New(cfg.Egress.Allow, log.With("component", "egress"))
	if err != nil {
		return err
	}
	flowHTTP := outbound.Client(0)
	hooks, err := webhook.New(webhook.Options{Store: st, Logger: log, Egress: outbound, Timeout: cfg.Webhooks.Timeout, PollInterval: cfg.Webhooks.PollInterval,
		MaxAttempts: cfg.Webhooks.MaxAttempts, MaxAge: cfg.Webhooks.MaxAge, QueueSize: cfg.Webhooks.QueueSize, Workers: cfg.Webhooks.Workers})
	if err != nil {
		return err
	}
	// Every part that has something to tell CRMs emits through the outbox
	// (durable before Emit returns); the dispatcher delivers it.
	outboxes, err := webhook.NewOutbox(webhook.OutboxOptions{Store: st, Logger: log, Dispatcher: hooks})
	if err != nil {
		return err
	}
	callEvents := &webhook.CallEvents{Outbox: outboxes}
	lookup := crm.NewLookup(crm.LookupOptions{Store: st, HTTP: outbound.Client(0), Logger: log})
	// SMS: tenants' gateways and SMSCs are reached through the egress
	// policy too; sms.* events go to the webhook outbox.
	texts, err := sms.New(sms.Options{Store: st, Egress: outbound, Logger: log, Events: smsWebhooks{out: outboxes}})
	if err != nil {
		return err
	}
	trunk := cfg.Media.DefaultTrunk
	if demoMode && trunk == "" {
		trunk = demo.Trunk // the simulated switches' outside line
	}
	// The platform's gateway restriction: the configuration's overlaid by
	// the superadmins' (the API); reloaded now and then below, for changes
	// made through another controller.
	gateways := outroute.NewGatewayRules(outroute.GatewayPolicy(cfg.Media.TrunkGateways))
	if err := gateways.Load(ctx, st); err != nil {
		return err
	}
	path, err := newCallPath(callPathDeps{cfg: cfg, st: st, log: log, reg: reg, tts: renderer, policies: policies, recDir: recDir, vmDir: vmDir, promptDir: promptDir,
		media: media, flowHTTP: flowHTTP, trunk: trunk, sms: texts, events: callEvents, lookup: lookup, gateways: gateways})
	if err != nil {
		return err
	}
	disp, handler := path.disp, path.handler
	defer disp.Close()
	disp.SetObserver(callEvents.Observe)
	disp.SetCallEvents(callEvents)

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	// The demo's simulator stops after the controller, as a real switch
	// outlives a controller restart: stopping it first would end every call
	// under the controller's feet.
	demoCtx, stopDemo := context.WithCancel(context.Background())
	defer stopDemo()
	demoDone := make(chan struct{})
	if demoMode {
		if err := examples.Load(ctx, st, auth.DefaultTenant); err != nil {
			return fmt.Errorf("demo: load the sample call center: %w", err)
		}
		if err := demo.OpenAllHours(ctx, st, auth.DefaultTenant); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		qs := []string{}
		for _, q := range examples.Queues() {
			qs = append(qs, q.ID)
		}
		if err := d.StaffAgents(ctx, st, a, disp, auth.DefaultTenant, qs); err != nil {
			return err
		}
		// A preview campaign for the agent desktop's campaign screens
		// (members of the operator queue: agent 1005 among them).
		if err := demo.AddPreviewCampaign(ctx, st, auth.DefaultTenant, "operator"); err != nil {
			return err
		}
		demoRunning = true
		go func() { defer close(demoDone); _ = d.Run(demoCtx) }()
		log.Info("demo mode: simulator running", "esl", d.Sim().ESLAddr(), "ari", d.Sim().ARIURL(), "quiet", df.quiet,
			"users", "1001-1005 (agents), supervisor", "password", demo.Password)
		if df.control != "" {
			ln, err := net.Listen("tcp", df.control)
			if err != nil {
				return fmt.Errorf("demo: control API on %s: %w", df.control, err)
			}
			ctlSrv := &http.Server{Handler: d.Sim().Handler(), ReadHeaderTimeout: 10 * time.Second}
			go func() { _ = ctlSrv.Serve(ln) }()
			defer ctlSrv.Close()
			log.Info("demo mode: simulator control API", "url", "http://"+ln.Addr().String()+"/sim/v1")
		}
	}
	if err := path.start(ctx, switches, log); err != nil {
		return err
	}
	defer path.stop()
	// Outbound campaigns: progressive ones dial free agents' next leads,
	// preview ones serve agents through the API (docs/outbound.md).
	// Only the controller holding the lease of the switch they leave
	// through dials (the first configured one, as for click-to-dial).
	// Campaign calls count against the tenants' quotas of calls
	// (docs/tenants.md): the dialer dials no more than they leave room for.
	dialer := campaign.New(campaign.Options{Store: st, Calls: disp, Logger: log, Events: callEvents, Quota: path.quota, Active: func() bool {
		return len(switches) > 0 && path.leased.member.Holds(cluster.SwitchPrefix+switches[0].Name)
	}})
	// Scheduled call-backs: due and overdue notices to the agents' desktops,
	// from the active controller only, like the dialer.
	callbacks := campaign.NewCallbackScheduler(campaign.CallbackOptions{Store: st, Events: disp, Logger: log, Active: func() bool {
		return len(switches) > 0 && path.leased.member.Holds(cluster.SwitchPrefix+switches[0].Name)
	}})
	// Work orders: notifications on the event stream, and the time-triggered
	// escalations and SLA breaches from the active controller only. The
	// workorder.* events go to the webhook outbox.
	crmService := &crm.Service{Store: st, Events: disp, Log: log.With("component", "crm"), Hook: crmWebhooks{out: outboxes, log: log}, SMS: texts}
	escalator := &crm.Escalator{Service: crmService, Active: func() bool {
		return len(switches) > 0 && path.leased.member.Holds(cluster.SwitchPrefix+switches[0].Name)
	}}
	wg.Add(8)
	go func() { defer wg.Done(); _ = escalator.Run(runCtx) }()
	go func() { defer wg.Done(); _ = texts.Run(runCtx) }()
	go func() { defer wg.Done(); _ = outboxes.Run(runCtx) }()
	go func() { defer wg.Done(); retention.Schedule(runCtx, cfg.Retention.Interval) }()
	go func() { defer wg.Done(); _ = hooks.Run(runCtx) }()
	go func() { defer wg.Done(); _ = dialer.Run(runCtx) }()
	go func() { defer wg.Done(); _ = callbacks.Run(runCtx) }()
	go func() { defer wg.Done(); reloadGateways(runCtx, gateways, st, log) }()

	// Monitor legs go on the call's record as they happen (restart-proof).
	// Calls re-adopted after a restart are found by their record's id too.
	sup := supervise.New(handler.LiveCalls(path.ctl))
	sup.Legs = st
	// Accepting a help request takes the agent's consultation of the
	// supervisor's phone instead of ringing it again.
	sup.Consults = disp
	srv, err := api.New(api.Options{
		Addr:            cfg.HTTP.Addr,
		ReadTimeout:     cfg.HTTP.ReadTimeout,
		WriteTimeout:    cfg.HTTP.WriteTimeout,
		ShutdownTimeout: cfg.HTTP.ShutdownTimeout,
		BodyLimit:       mustSize(cfg.HTTP.BodyLimit),
		TrustedProxies:  cfg.TrustedProxies(),
		LoginThrottle:   loginThrottle(cfg),
		Store:           st,
		Auth:            a,
		SMS:             texts,
		Logger:          log,
		Registry:        reg,
		ReadyChecks:     path.checks,
		Version:         version,
		ACD:             disp,
		Quota:           path.quota,
		Supervision:     sup,
		Events:          disp,
		AgentCalls:      disp,
		Campaigns:       dialer,
		Webhooks:        outboxes,
		Retention:       retention,
		MediaRoots:      append([]string{recDir, vmDir}, media.roots...),
		PromptDir:       promptDir,
		TTS:             ttsCache,
		FlowHTTP:        flowHTTP,
		DefaultTrunk:    trunk, // the trunk calls really take (the demo's simulated line), so the API's checks agree
		TrunkGateways:   outroute.GatewayPolicy(cfg.Media.TrunkGateways),
		GatewayRules:    gateways,
		Switches:        switchNames(cfg.Switches),
		UI:              web.Handler(),
		CRM:             crmService,
		OnChange: func(tenant, objectType string) {
			switch objectType {
			case "recording_policy":
				policies.Invalidate(tenant)
			case "customer", "customer_settings", "workorder", "workorder_type", "call_summary":
				// Read from the store when used: nothing cached to drop.
			case "recording", "retention_settings", "retention_run", "webhook", "mailbox",
				"campaign", "campaign_leads", "campaign_lead", "campaign_attempt", "dnc":
				// Read from the store when used: nothing cached to drop.
			case "outbound_trunk", "outbound_route", "caller_id_pool", "outbound_settings":
				disp.Outbound().Invalidate(tenant)
			case "queue", "queue_member":
				policies.Invalidate(tenant) // a queue's record flag counts as a rule
				if err := disp.Reload(context.Background(), tenant); err != nil {
					log.Warn("queue configuration not reloaded", "tenant", tenant, "err", err)
				}
			default:
				handler.Invalidate()
			}
		},
	})
	if err != nil {
		return err
	}
	// On a standby, what needs the active controller is forwarded to it
	// (its cluster.advertise_url), or answered 503 with who is active
	// (docs/cluster.md).
	if len(switches) > 0 {
		if err := advertise(ctx, st, path.leased.member.ID(), cfg.Cluster.AdvertiseURL); err != nil {
			return err
		}
		sb := &standbyAPI{member: path.leased.member, lease: cluster.SwitchLease(switches[0].Name), st: st, log: log}
		srv.Echo().Use(sb.Middleware)
	}
	// A lost switch lease has stopped the calls already; the API follows.
	apiCtx, stopAPI := context.WithCancel(ctx)
	defer stopAPI()
	go func() {
		select {
		case <-path.leased.Lost():
			stopAPI()
		case <-apiCtx.Done():
		}
	}()
	err = srv.Run(apiCtx)
	stopAPI()
	// The API has drained; now stop the calls and switch connections.
	cancel()
	path.stop()
	wg.Wait()
	stopDemo()
	if demoMode {
		<-demoDone
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	if lerr := path.leased.Err(); lerr != nil {
		return lerr
	}
	log.Info("ipcc stopped")
	return nil
}

func mustSize(s string) int64 {
	n, _ := config.ParseSize(s) // validated by config.Load
	return n
}

// getenv reads from the injected environment (tests) or the process's.
func getenv(g *globals, name string) string {
	if g.env == nil {
		return os.Getenv(name)
	}
	prefix := name + "="
	for _, kv := range g.env {
		if len(kv) > len(prefix) && kv[:len(prefix)] == prefix {
			return kv[len(prefix):]
		}
	}
	return ""
}

// switchNames are the configured switches' names (outbound trunks name
// one).
func switchNames(sw []config.Switch) []string {
	out := make([]string, 0, len(sw))
	for _, s := range sw {
		out = append(out, s.Name)
	}
	return out
}

// gatewayReload is how often a controller rereads the platform's gateway
// restriction, for changes made through another controller's API.
const gatewayReload = 30 * time.Second

func reloadGateways(ctx context.Context, r *outroute.GatewayRules, st *store.Store, log *slog.Logger) {
	t := time.NewTicker(gatewayReload)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := r.Load(ctx, st); err != nil && ctx.Err() == nil {
				log.Warn("reload the platform's gateway restriction", "err", err)
			}
		}
	}
}
