package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ipcc/ipcc/config"
	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/inbound"
	"github.com/ipcc/ipcc/outroute"
	"github.com/ipcc/ipcc/prompts"
	"github.com/ipcc/ipcc/quota"
	"github.com/ipcc/ipcc/recording"
	"github.com/ipcc/ipcc/sms"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/tts"
)

// callPath is what carries calls: the dispatcher (ACD engines), the
// inbound handler and the controller with its switches. `serve` and
// `bench e2e` wire it with this one function, so the bench measures the
// path production runs.
type callPath struct {
	disp *dispatch.Dispatcher
	// quota admits calls against the tenants' quotas and suspension.
	quota   *quota.Service
	handler *inbound.Handler
	ctl     *controller.Controller
	checks  map[string]func(context.Context) error
	// leased are the switches behind their leases (docs/cluster.md).
	leased *leasedSwitches

	cfg            *config.Config
	st             *store.Store
	reg            prometheus.Registerer
	log            *slog.Logger
	media          switchMedia
	cancel         context.CancelFunc
	wg             sync.WaitGroup
	recordsWatched <-chan struct{}
}

// callPathDeps are what the call path needs from the process.
type callPathDeps struct {
	cfg       *config.Config
	st        *store.Store
	log       *slog.Logger
	reg       prometheus.Registerer
	tts       tts.Renderer
	policies  dispatch.RecordPolicy
	recDir    string
	vmDir     string
	promptDir string
	// media is every switch's directories and prompt format.
	media switchMedia
	// flowHTTP is the client of flow http nodes (the egress policy);
	// nil means the default policy.
	flowHTTP *http.Client
	// trunk is the trunk external numbers are dialled through
	// ("": media.default_trunk).
	trunk string
	// sms sends flows' text messages and applies the SMS rules when calls
	// end (nil: no SMS).
	sms *sms.Service
	// events hears inbound calls' lives (webhooks); lookup is the CRM's
	// pre-routing caller lookup. Both may be nil.
	events inbound.CallEvents
	lookup inbound.CallerLookup
	// gateways is the platform's live gateway restriction (nil: the
	// configuration's, fixed).
	gateways *outroute.GatewayRules
}

// newCallPath builds the dispatcher, the inbound handler and the
// controller; start connects the switches.
func newCallPath(d callPathDeps) (*callPath, error) {
	if d.policies == nil {
		d.policies = recording.NewPolicies(d.st)
	}
	if d.trunk == "" {
		d.trunk = d.cfg.Media.DefaultTrunk
	}
	p := &callPath{cfg: d.cfg, st: d.st, reg: d.reg, log: d.log, media: d.media}
	alerts := &quotaAlerts{st: d.st, log: d.log}
	var err error
	if p.quota, err = quota.New(quota.Options{Store: d.st, Logger: d.log, Registerer: d.reg, Alert: alerts.alert}); err != nil {
		return nil, err
	}
	p.disp = dispatch.New(dispatch.Options{Store: d.st, Logger: d.log, DefaultTrunk: d.trunk, RecordingDir: d.recDir, RecordPolicy: p.quota.RecordPolicy(d.policies),
		SwitchRecordingDirs: d.media.recordings, Library: prompts.Library{Store: d.st, Dir: d.promptDir}})
	if d.gateways == nil {
		d.gateways = outroute.NewGatewayRules(outroute.GatewayPolicy(d.cfg.Media.TrunkGateways))
	}
	p.disp.Outbound().SetGatewayRules(d.gateways)
	// Calls to external numbers (click-to-dial, transfers, campaigns)
	// count against the tenants' quotas of calls as inbound calls do.
	p.disp.Outbound().SetAdmission(p.quota)
	alerts.disp = p.disp
	if d.reg != nil {
		if err := d.reg.Register(tenantMetrics(p.disp, p.quota)); err != nil {
			p.disp.Close()
			return nil, err
		}
	}
	io := inbound.Options{Admission: p.quota, Store: d.st, Logger: d.log, Queues: p.disp, Agents: p.disp, VoicemailDir: d.vmDir, PromptDir: d.promptDir, DefaultTrunk: d.trunk,
		Outbound: p.disp.Outbound(), HTTP: d.flowHTTP, SwitchVoicemailDirs: d.media.voicemail, Events: d.events, Lookup: d.lookup}
	if d.sms != nil {
		io.SMS, io.CallEnded = d.sms, d.sms.CallEnded
	}
	p.handler, err = inbound.New(io)
	if err != nil {
		p.disp.Close()
		return nil, err
	}
	p.disp.SetFlowRunner(p.handler)
	// Where agents' phones live when there are several switches
	// (docs/sites.md); checked with the configuration already.
	placed, err := d.cfg.Sites()
	if err != nil {
		p.disp.Close()
		return nil, fmt.Errorf("sites: %w", err)
	}
	p.ctl, err = controller.New(controller.Options{Logger: d.log, Registerer: d.reg, TTS: d.tts, PromptFormats: d.media.formats, Handler: p.handler.Handle,
		Sites: placed})
	if err != nil {
		p.disp.Close()
		return nil, err
	}
	return p, nil
}

// start runs the controller until stop; each switch is connected only
// while this controller holds its lease, so a second controller on the
// database waits on standby (docs/cluster.md). A lost lease stops the
// call path at once and closes leased.Lost().
func (p *callPath) start(ctx context.Context, switches []config.Switch, log *slog.Logger) error {
	runCtx, cancel := context.WithCancel(ctx)
	p.cancel = cancel
	// Records of calls that ended while ipcc was down are completed when
	// their switch connects: subscribed before the controller runs.
	p.recordsWatched = p.handler.WatchSwitches(runCtx, p.ctl)
	leased, err := leaseSwitches(p.cfg, p.st, p.ctl, switches, p.media, log, p.reg, cancel)
	if err != nil {
		cancel()
		<-p.recordsWatched
		p.cancel = nil
		return err
	}
	p.leased, p.checks = leased, leased.Checks
	if len(switches) > 0 {
		// Agents' own calls leave through the first configured switch.
		p.disp.SetDialer(p.ctl, switches[0].Name)
	}
	// Holds the switch reports (a desk phone's hold button) reach the
	// desktops and the supervisors' long-hold alert as held / unheld. Two
	// or more per queue call: at 10,000 calls the default buffer (256)
	// overflowed now and then (PERFORMANCE.md, capacity).
	holds, unsubscribe := p.ctl.SubscribeBuffered(8192, controller.EventHold, controller.EventUnhold)
	p.wg.Add(3)
	go func() { defer p.wg.Done(); defer unsubscribe(); p.disp.FollowHolds(runCtx, holds) }()
	go func() { defer p.wg.Done(); _ = p.ctl.Run(runCtx) }()
	go func() { defer p.wg.Done(); _ = leased.Run(runCtx) }()
	return nil
}

// stop ends the calls and switch connections; the dispatcher is closed
// by its owner afterwards (disp.Close), and the call records still queued
// are written when the store closes.
func (p *callPath) stop() {
	if p.cancel != nil {
		// Each phase is timed in the log: a slow stop names what it
		// waited for (docs/PERFORMANCE.md, capacity).
		began := time.Now()
		phase := began
		timed := func(what string) {
			now := time.Now()
			p.log.Info("stopping: "+what, "took_ms", now.Sub(phase).Milliseconds())
			phase = now
		}
		p.cancel()
		p.wg.Wait()
		timed("calls, switch connections and hold subscription ended")
		// Only now, with the switches closed, may a standby take them.
		// The call records still queued are written first: once a standby
		// holds the lease, this controller's writes are refused (fenced).
		flushBy := p.cfg.Database.RecordFlushTimeout
		if flushBy <= 0 {
			flushBy = 30 * time.Second
		}
		fctx, fcancel := context.WithTimeout(context.Background(), flushBy)
		if err := p.st.FlushCalls(fctx); err != nil {
			p.log.Warn("call records not all written before releasing the switch leases", "err", err)
		}
		fcancel()
		timed("call records written")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := p.leased.Release(ctx); err != nil {
			p.log.Warn("switch leases not released: a standby takes over when they expire", "err", err)
		}
		cancel()
		timed("switch leases released")
		<-p.recordsWatched
		p.cancel = nil
		p.log.Info("call path stopped", "took_ms", time.Since(began).Milliseconds())
	}
}
