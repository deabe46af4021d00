// Package demo is the world `ipcc serve --demo` runs in: a simulator
// speaking FreeSWITCH's and Asterisk's protocols in the same process, one
// simulated switch of each kind, a steady trickle of simulated callers and
// simulated staff, so a newcomer sees every feature at work in the logs,
// metrics and API without any hardware: IVR menus in two languages,
// queues with position announcements and agent IDs, VIP and blacklisted
// callers, call-back requests worked by agents, voicemail, surveys, help
// requests to the supervisor, outbound calls through a trunk.
package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/config"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/examples"
	"github.com/ipcc/ipcc/store"
)

// Trunk is the outbound trunk (gateway) of the demo's simulated switches:
// `serve --demo` dials outside numbers through it unless media.default_trunk
// names another. The simulator answers any number dialled through it.
const Trunk = "demo-trunk"

// Options tune the demo.
type Options struct {
	Logger *slog.Logger
	// Interval between new simulated calls (default 8s).
	Interval time.Duration
	// DIDs the callers dial, in turn (default 4001, 4002).
	DIDs []string
	// RecordingDir is where the simulated switches write recordings.
	RecordingDir string
	// Seed makes the callers' behaviour repeatable (0 = random).
	Seed uint64
	// Quiet runs the world without its life: no trickle of callers, no
	// simulated staff (agents 1001-1004 are not logged in, take no breaks,
	// ask no help). Browser tests place their own calls through the
	// simulator's control API.
	Quiet bool
}

// Demo is a running demo world.
type Demo struct {
	opts Options
	sim  *sim.Sim
	log  *slog.Logger
	rng  *rand.Rand
	wg   sync.WaitGroup

	mu         sync.Mutex
	placed     int
	agents     []agent
	eng        *acd.Engine
	st         *store.Store
	tenant     string
	supervisor string // the demo supervisor's user id
	desk       Desk   // nil: no help requests or call-backs
	callers    map[string]*callerPlan
}

// Start starts the simulator on loopback ports. Run places the callers.
func Start(o Options) (*Demo, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Interval <= 0 {
		o.Interval = 8 * time.Second
	}
	if len(o.DIDs) == 0 {
		o.DIDs = []string{"4001", "4002"}
	}
	if o.RecordingDir == "" {
		o.RecordingDir = filepath.Join(os.TempDir(), "ipcc-demo-recordings")
	}
	seed := o.Seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	s := sim.New(sim.Options{
		RecordingDir:  o.RecordingDir,
		MediaDuration: 2 * time.Second,
		Logger:        o.Logger.With("component", "sim"),
	})
	if err := s.Start(); err != nil {
		return nil, fmt.Errorf("demo: start simulator: %w", err)
	}
	return &Demo{opts: o, sim: s, log: o.Logger.With("component", "demo"), rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		callers: map[string]*callerPlan{}}, nil
}

// Sim exposes the simulator (its control API can be mounted for users).
func (d *Demo) Sim() *sim.Sim { return d.sim }

// Switches are the two simulated switches ipcc should control.
func (d *Demo) Switches() []config.Switch {
	return []config.Switch{
		{Name: "demo-freeswitch", Kind: "freeswitch", ESLAddr: d.sim.ESLAddr(), ESLPassword: "ClueCon"},
		// The simulated Asterisk writes into its own spool, as a real one does.
		{Name: "demo-asterisk", Kind: "asterisk", ARIURL: "http://" + trimURL(d.sim.ARIURL()), ARIUser: "ari", ARIPassword: "ari", ARIApp: "ipcc",
			RecordingDir: d.opts.RecordingDir},
	}
}

func trimURL(u string) string {
	for _, p := range []string{"http://", "https://"} {
		if len(u) > len(p) && u[:len(p)] == p {
			u = u[len(p):]
		}
	}
	for i := 0; i < len(u); i++ {
		if u[i] == '/' {
			return u[:i]
		}
	}
	return u
}

// Placed is how many calls the demo has placed.
func (d *Demo) Placed() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.placed
}

// Run places a call every Interval until ctx ends, then closes the
// simulator.
func (d *Demo) Run(ctx context.Context) error {
	defer d.sim.Close()
	if d.opts.Quiet {
		<-ctx.Done()
		return nil
	}
	d.wg.Add(2)
	go func() { defer d.wg.Done(); d.staffLoop(ctx) }()
	go func() { defer d.wg.Done(); d.listen(ctx) }()
	defer d.wg.Wait()
	t := time.NewTicker(d.opts.Interval)
	defer t.Stop()
	// One call right away, so the first one is not a wait.
	d.placeOne()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			d.placeOne()
		}
	}
}

// callerScripts are what simulated callers do after the call is answered:
// press menu keys at human pace, sometimes type an account number, and hang
// up after a while (some give up early).
var callerScripts = [][]sim.Press{
	{{After: 4 * time.Second, Digits: "2"}},
	{{After: 4 * time.Second, Digits: "3"}},
	{{After: 4 * time.Second, Digits: "1"}, {After: 8 * time.Second, Digits: "123456#"}},
	{{After: 3 * time.Second, Digits: "9"}, {After: 9 * time.Second, Digits: "0"}},
	nil, // waits for the menu to time out
}

// placeOne places the next caller: mostly callers who press through the
// menu, now and then the sample's VIP (served first) or its blacklisted
// number (rejected with the blacklist prompt). Most rate the survey; some
// ask for a call-back or leave a message when the queue offers it.
func (d *Demo) placeOne() {
	d.mu.Lock()
	n := d.placed
	d.placed++
	front := sim.FrontFreeSWITCH
	if n%2 == 1 {
		front = sim.FrontAsterisk
	}
	did := d.opts.DIDs[n%len(d.opts.DIDs)]
	ani := fmt.Sprintf("138%08d", d.rng.IntN(100000000))
	script := callerScripts[d.rng.IntN(len(callerScripts))]
	stay := time.Duration(20+d.rng.IntN(70)) * time.Second
	plan := &callerPlan{kind: "regular", rate: d.rng.IntN(10) < 7}
	switch r := d.rng.IntN(10); {
	case n%12 == 5:
		plan.kind, ani, script, stay = "blacklisted", examples.BlacklistedCaller, nil, 15*time.Second
	case n%7 == 3:
		plan.kind, ani = "vip", examples.VIPCaller
	case r < 1:
		// Waits long enough to hear the queue's keys.
		plan.callback, stay = true, 90*time.Second
	case r < 2:
		plan.voicemail, stay = true, 60*time.Second
	}
	d.mu.Unlock()
	id, err := d.sim.PlaceCall(sim.CallSpec{Front: front, From: ani, To: did, Press: script, HangupAfter: stay})
	if err != nil {
		if !errors.Is(err, sim.ErrNotFound) {
			d.log.Warn("demo call not placed", "err", err)
		}
		return
	}
	d.mu.Lock()
	d.callers[id] = plan
	d.mu.Unlock()
	d.log.Info("demo caller dialled", "call_leg", id, "front", string(front), "ani", ani, "did", did, "caller", plan.kind,
		"rates_survey", plan.rate, "asks_call_back", plan.callback, "leaves_message", plan.voicemail, "hangs_up_after", stay.String())
}
