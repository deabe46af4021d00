package main

import (
	"context"
	"log/slog"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ipcc/ipcc/config"
	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/inbound"
	"github.com/ipcc/ipcc/recording"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/tts"
)

// callPath is what carries calls: the dispatcher (ACD engines), the
// inbound handler and the controller with its switches. `serve` and
// `bench e2e` wire it with this one function, so the bench measures the
// path production runs.
type callPath struct {
	disp    *dispatch.Dispatcher
	handler *inbound.Handler
	ctl     *controller.Controller
	checks  map[string]func(context.Context) error

	cancel         context.CancelFunc
	wg             sync.WaitGroup
	recordsWatched <-chan struct{}
}

// callPathDeps are what the call path needs from the process.
type callPathDeps struct {
	cfg      *config.Config
	st       *store.Store
	log      *slog.Logger
	reg      prometheus.Registerer
	tts      tts.Renderer
	policies dispatch.RecordPolicy
	recDir   string
	vmDir    string
}

// newCallPath builds the dispatcher, the inbound handler and the
// controller; start connects the switches.
func newCallPath(d callPathDeps) (*callPath, error) {
	if d.policies == nil {
		d.policies = recording.NewPolicies(d.st)
	}
	p := &callPath{}
	p.disp = dispatch.New(dispatch.Options{Store: d.st, Logger: d.log, DefaultTrunk: d.cfg.Media.DefaultTrunk, RecordingDir: d.recDir, RecordPolicy: d.policies})
	var err error
	p.handler, err = inbound.New(inbound.Options{Store: d.st, Logger: d.log, Queues: p.disp, Agents: p.disp, VoicemailDir: d.vmDir, DefaultTrunk: d.cfg.Media.DefaultTrunk})
	if err != nil {
		p.disp.Close()
		return nil, err
	}
	p.disp.SetFlowRunner(p.handler)
	p.ctl, err = controller.New(controller.Options{Logger: d.log, Registerer: d.reg, TTS: d.tts, Handler: p.handler.Handle})
	if err != nil {
		p.disp.Close()
		return nil, err
	}
	return p, nil
}

// start adds the switches and runs the controller until stop.
func (p *callPath) start(ctx context.Context, switches []config.Switch, log *slog.Logger) error {
	runCtx, cancel := context.WithCancel(ctx)
	p.cancel = cancel
	// Records of calls that ended while ipcc was down are completed when
	// their switch connects: subscribed before the controller runs.
	p.recordsWatched = p.handler.WatchSwitches(runCtx, p.ctl)
	checks, err := addSwitches(p.ctl, switches, log)
	if err != nil {
		cancel()
		<-p.recordsWatched
		return err
	}
	p.checks = checks
	if len(switches) > 0 {
		// Agents' own calls leave through the first configured switch.
		p.disp.SetDialer(p.ctl, switches[0].Name)
	}
	p.wg.Add(1)
	go func() { defer p.wg.Done(); _ = p.ctl.Run(runCtx) }()
	return nil
}

// stop ends the calls and switch connections; the dispatcher is closed
// by its owner afterwards (disp.Close), and the call records still queued
// are written when the store closes.
func (p *callPath) stop() {
	if p.cancel != nil {
		p.cancel()
		p.wg.Wait()
		<-p.recordsWatched
		p.cancel = nil
	}
}
