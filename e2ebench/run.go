package e2ebench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/config"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/store"
)

// Controller is a running controller wired as `ipcc serve` wires it.
type Controller interface {
	// Engine is a tenant's ACD engine (the bench logs its agents in).
	Engine(ctx context.Context, tenant string) (*acd.Engine, error)
	// Subscribe streams what agent desktops are told (state changes,
	// no-answers), as dispatch.Dispatcher.Subscribe does.
	Subscribe(buf int) (<-chan dispatch.Event, func())
	// Connected reports whether every switch is connected.
	Connected() bool
	// LiveCalls is how many calls the controller is carrying.
	LiveCalls() int
	// Stop stops gracefully: calls and switch connections end, the
	// dispatcher closes. The store stays open (the bench owns it).
	Stop()
	// Lost is closed when the controller lost its switch lease (another
	// controller took over); LostErr says why.
	Lost() <-chan struct{}
	LostErr() error
}

// StartFunc starts a controller on st with the switches.
type StartFunc func(ctx context.Context, st *store.Store, switches []config.Switch, log *slog.Logger) (Controller, error)

// Databases the bench runs on, and the rate each must sustain.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Targets are the rates (calls/s) per database: each must run with
// no failed call, no open record and no agent wrongly not ready.
var Targets = map[string]float64{SQLite: 50, Postgres: 100}

// Options size a bench run. Zero values take the defaults noted.
type Options struct {
	// Databases to run on, in order (default sqlite then postgres).
	Databases []string
	// PostgresURL is the server; each run gets a fresh schema, dropped
	// afterwards (default postgres://postgres@127.0.0.1:5432/test?sslmode=disable).
	PostgresURL string
	// Dir holds the SQLite files (default a temporary directory, removed).
	Dir string
	// Switch is the simulated switch: freeswitch (default) or asterisk.
	Switch string
	// Rate is new calls per second (default: the database's target).
	Rate float64
	// Duration is how long callers keep arriving (default 30s).
	Duration time.Duration
	// Agents logged in (default: enough for Rate, see agentsFor).
	Agents int
	// AnswerAfter is how long an agent's phone rings before they answer
	// (default 500ms); Talk how long they talk before hanging up (default
	// 3s); WrapUp the queue's after-call work (default 1s); RingTimeout the
	// queue's ring timeout (default 15s).
	AnswerAfter, Talk, WrapUp, RingTimeout time.Duration
	// PressAfter is when a caller presses 1 after the IVR answered
	// (default 1s); GiveUp when a caller hangs up, connected or not
	// (default 60s, or a minute more than the call when Talk is 30s or
	// more: a call still waiting then is a failed call).
	PressAfter, GiveUp time.Duration
	// FindLimit raises the rate run after run (RampFrom, +RampStep, up to
	// RampMax; defaults 10, 10, 200) until a run fails, per database.
	FindLimit                   bool
	RampFrom, RampStep, RampMax float64
	// Keep keeps the databases for inspection.
	Keep bool
	// Start starts the controller (cmd/ipcc passes serve's wiring).
	Start StartFunc
	// Spawn starts the simulator process (default DefaultSpawner).
	Spawn Spawner
	// Logger receives the controller's logs (default: discarded).
	Logger *slog.Logger
	// AtPeak, when set, is called each time the calls in progress reach a
	// new high during a run (sampled every PeakInterval); cmd/ipcc uses it
	// to write a heap profile at the peak.
	AtPeak func(calls int)
}

func (o *Options) defaults() {
	if len(o.Databases) == 0 {
		o.Databases = []string{SQLite, Postgres}
	}
	if o.PostgresURL == "" {
		o.PostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	if o.Switch == "" {
		o.Switch = "freeswitch"
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Duration, 30*time.Second)
	def(&o.AnswerAfter, 500*time.Millisecond)
	def(&o.Talk, 3*time.Second)
	def(&o.WrapUp, time.Second)
	def(&o.RingTimeout, 15*time.Second)
	def(&o.PressAfter, time.Second)
	// The simulated caller hangs up GiveUp after dialling whether connected
	// or not: for long talks (capacity runs) it outlasts the talk by a
	// minute.
	if o.Talk >= 30*time.Second {
		def(&o.GiveUp, o.PressAfter+o.AnswerAfter+o.Talk+time.Minute)
	}
	def(&o.GiveUp, 60*time.Second)
	if o.RampFrom <= 0 {
		o.RampFrom = 10
	}
	if o.RampStep <= 0 {
		o.RampStep = 10
	}
	if o.RampMax <= 0 {
		o.RampMax = 200
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// agentsFor is enough agents for rate calls/s: each agent is busy for the
// ring, the talk and the wrap-up of a call, plus a second of set-up, with a
// third more so that the queue measures ipcc rather than a staff shortage.
func (o *Options) agentsFor(rate float64) int {
	if o.Agents > 0 {
		return o.Agents
	}
	busy := (o.AnswerAfter + o.Talk + o.WrapUp + time.Second).Seconds()
	return int(math.Ceil(rate*busy*4/3)) + 5
}

// Run runs the bench: one run per database at Options.Rate (or each
// database's target), or a ramp per database with FindLimit. progress, when
// set, is told about each run as it ends.
func Run(ctx context.Context, o Options, progress func(RunResult)) (*Report, error) {
	o.defaults()
	if o.Start == nil {
		return nil, errors.New("e2ebench: no controller to start (Options.Start)")
	}
	if o.GiveUp <= o.PressAfter+o.AnswerAfter+o.Talk {
		return nil, fmt.Errorf("e2ebench: give-up %s would hang up callers before their agent's talk ends (press-after %s + answer-after %s + talk %s): raise it",
			o.GiveUp, o.PressAfter, o.AnswerAfter, o.Talk)
	}
	rep := &Report{Machine: machine(), Switch: o.Switch, LoadBefore: loadAverage()}
	for _, db := range o.Databases {
		if _, ok := Targets[db]; !ok {
			return nil, fmt.Errorf("e2ebench: unknown database %q (sqlite or postgres)", db)
		}
	}
	for _, db := range o.Databases {
		if !o.FindLimit {
			rate := o.Rate
			if rate <= 0 {
				rate = Targets[db]
			}
			r := runOnce(ctx, &o, db, rate)
			rep.Runs = append(rep.Runs, r)
			if progress != nil {
				progress(r)
			}
			continue
		}
		lim := Limit{Database: db, Target: Targets[db]}
		for rate := o.RampFrom; rate <= o.RampMax && ctx.Err() == nil; rate += o.RampStep {
			r := runOnce(ctx, &o, db, rate)
			rep.Runs = append(rep.Runs, r)
			if progress != nil {
				progress(r)
			}
			if !r.Clean() {
				lim.FirstFailure = rate
				break
			}
			lim.Sustained = rate
		}
		rep.Limits = append(rep.Limits, lim)
	}
	rep.LoadAfter = loadAverage()
	return rep, ctx.Err()
}

// runOnce is one run on a fresh database; a set-up error ends up in the
// result's Err (and the run counts as failed).
func runOnce(ctx context.Context, o *Options, db string, rate float64) RunResult {
	r := RunResult{Database: db, Rate: rate, Duration: o.Duration, Agents: o.agentsFor(rate), Target: Targets[db], Switch: o.Switch}
	if err := run(ctx, o, &r); err != nil {
		r.Err = err.Error()
	}
	return r
}

func run(ctx context.Context, o *Options, r *RunResult) error {
	st, cleanup, err := openDatabase(ctx, o, r.Database)
	if err != nil {
		return err
	}
	defer cleanup()
	if err := setUp(ctx, st, r.Agents, o.RingTimeout, o.WrapUp); err != nil {
		return fmt.Errorf("set up: %w", err)
	}
	sp, sw, err := simSwitch(ctx, o.Spawn, o.Switch, r.Agents, o.AnswerAfter, o.Talk)
	if err != nil {
		return err
	}
	defer sp.close()
	ctl, err := o.Start(ctx, st, []config.Switch{sw}, o.Logger)
	if err != nil {
		return fmt.Errorf("start the controller: %w", err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			ctl.Stop()
		}
	}
	defer stop()
	if err := waitFor(ctx, 15*time.Second, ctl.Connected); err != nil {
		return errors.New("the controller did not connect to the simulator")
	}
	eng, err := ctl.Engine(ctx, benchTenant)
	if err != nil {
		return err
	}
	// Subscribed before the agents log in: every state change counts.
	watch := watchAgents(ctl)
	if err := logIn(ctx, eng, r.Agents, 0); err != nil {
		return err
	}
	sampler := startPeakSampler(ctl.LiveCalls, PeakInterval, o.AtPeak)
	defer sampler.stop()
	placed, err := sp.do(SimRequest{Op: "place", DID: benchDID, Rate: r.Rate, DurationMS: o.Duration.Milliseconds(),
		Press: benchKey, PressAfterMS: o.PressAfter.Milliseconds(), GiveUpMS: o.GiveUp.Milliseconds()}, o.Duration+time.Minute)
	if err != nil {
		return err
	}
	r.Placed, r.PlaceLate = len(placed.Legs), time.Duration(placed.MaxLateMS)*time.Millisecond
	if placed.PlaceError != "" {
		r.Notes = append(r.Notes, "simulator: "+placed.PlaceError)
	}
	// Drain: every caller is connected and hung up on, or gives up.
	drainBy := o.AnswerAfter + o.Talk + o.GiveUp + 30*time.Second
	drained := waitFor(ctx, drainBy, func() bool { return ctl.LiveCalls() == 0 })
	if drained != nil {
		r.Notes = append(r.Notes, fmt.Sprintf("calls still up %s after the last caller dialled", drainBy))
	}
	r.Peak = sampler.stop()
	stopAt := time.Now()
	stop()
	if err := st.FlushCalls(ctx); err != nil {
		return err
	}
	r.StopTime = time.Since(stopAt)
	watch.stop()
	ws := st.CallWriterStats()
	r.Writer = WriterFigures{Rows: ws.Written, Batches: ws.Batches, MaxQueued: ws.MaxQueued, MaxWrite: ws.MaxWrite,
		Retries: ws.Retries, Refused: ws.Refused, BackpressureWaits: ws.BackpressureWaits}
	return measure(ctx, st, placed.Legs, watch, r)
}

// waitFor polls cond every 200ms until it holds or timeout passes.
func waitFor(ctx context.Context, timeout time.Duration, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return errors.New("timed out")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return nil
}

// agentWatch counts, from the controller's event stream, the agents set
// not ready (none of the bench's agents ever asks to be) and the no-answer
// causes the ACD was told.
type agentWatch struct {
	cancel func()
	done   chan struct{}

	mu        sync.Mutex
	notReady  map[string]string // agent → first reason
	noAnswers map[string]int    // cause → count
	lost      int
}

func watchAgents(ctl Controller) *agentWatch {
	events, cancel := ctl.Subscribe(1 << 16)
	w := &agentWatch{cancel: cancel, done: make(chan struct{}), notReady: map[string]string{}, noAnswers: map[string]int{}}
	go func() {
		defer close(w.done)
		for ev := range events {
			w.mu.Lock()
			switch {
			case ev.Type == "state" && ev.State == acd.NotReady.String():
				if _, ok := w.notReady[ev.Agent]; !ok {
					w.notReady[ev.Agent] = ev.Reason
				}
			case ev.Type == "no_answer":
				// A cause may be a whole error text: keep its last part.
				why := ev.Reason
				if i := strings.LastIndex(why, ": "); i >= 0 {
					why = why[i+2:]
				}
				w.noAnswers[why]++
			case ev.Type == dispatch.EventLost:
				w.lost++
			}
			w.mu.Unlock()
		}
	}()
	return w
}

func (w *agentWatch) stop() {
	w.cancel()
	<-w.done
}

// simSwitch starts the simulator process with one front of kind front and
// agents phones that answer after answerAfter and hang up after talk, and
// returns it with the switch configuration that reaches it.
func simSwitch(ctx context.Context, spawn Spawner, front string, agents int, answerAfter, talk time.Duration) (*simProc, config.Switch, error) {
	sp, err := startSim(ctx, spawn)
	if err != nil {
		return nil, config.Switch{}, err
	}
	started, err := sp.do(SimRequest{Op: "start", Front: front}, 10*time.Second)
	if err == nil {
		_, err = sp.do(SimRequest{Op: "phones", First: 0, Count: agents, AnswerAfterMS: answerAfter.Milliseconds(), TalkMS: talk.Milliseconds()}, 30*time.Second)
	}
	if err != nil {
		sp.close()
		return nil, config.Switch{}, err
	}
	sw := config.Switch{Name: "bench-sim", Kind: front}
	if front == "asterisk" {
		sw.ARIURL, sw.ARIUser, sw.ARIPassword, sw.ARIApp = started.Addr, "ari", "ari", "ipcc"
	} else {
		sw.ESLAddr, sw.ESLPassword = started.Addr, "ClueCon"
	}
	return sp, sw, nil
}
