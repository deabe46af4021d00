package switchbench

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ipcc/ipcc/controller"
)

// timedSwitch wraps a driver and times the round trip of every command the
// controller sends through it: from the call into the driver until the
// switch's reply was read and the method returned.
type timedSwitch struct {
	controller.Switch
	plateau atomic.Bool // set while the bench holds the full number of calls

	mu   sync.Mutex
	all  latencies
	flat latencies // while plateau
	byOp map[string]*latencies
	errs map[string]int
	gone int
}

func newTimedSwitch(sw controller.Switch) *timedSwitch {
	return &timedSwitch{Switch: sw, byOp: map[string]*latencies{}, errs: map[string]int{}}
}

func (t *timedSwitch) done(op string, start time.Time, err error) error {
	d := time.Since(start)
	t.mu.Lock()
	t.all.add(d)
	if t.plateau.Load() {
		t.flat.add(d)
	}
	l := t.byOp[op]
	if l == nil {
		l = &latencies{}
		t.byOp[op] = l
	}
	l.add(d)
	switch {
	case errors.Is(err, controller.ErrNoSuchLeg):
		t.gone++
	case err != nil:
		t.errs[op+": "+firstLine(err.Error())]++
	}
	t.mu.Unlock()
	return err
}

func firstLine(s string) string {
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}

func (t *timedSwitch) Answer(ctx context.Context, leg string) error {
	s := time.Now()
	return t.done("answer", s, t.Switch.Answer(ctx, leg))
}

func (t *timedSwitch) Hangup(ctx context.Context, leg string, cause controller.Cause) error {
	s := time.Now()
	return t.done("hangup", s, t.Switch.Hangup(ctx, leg, cause))
}

func (t *timedSwitch) Play(ctx context.Context, leg string, p controller.Playback) error {
	s := time.Now()
	return t.done("play", s, t.Switch.Play(ctx, leg, p))
}

func (t *timedSwitch) StopPlayback(ctx context.Context, leg, id string) error {
	s := time.Now()
	return t.done("stop_playback", s, t.Switch.StopPlayback(ctx, leg, id))
}

func (t *timedSwitch) SetVar(ctx context.Context, leg, name, value string) error {
	s := time.Now()
	return t.done("set_var", s, t.Switch.SetVar(ctx, leg, name, value))
}

func (t *timedSwitch) Hold(ctx context.Context, leg, moh string) error {
	s := time.Now()
	return t.done("hold", s, t.Switch.Hold(ctx, leg, moh))
}

func (t *timedSwitch) Unhold(ctx context.Context, leg string) error {
	s := time.Now()
	return t.done("unhold", s, t.Switch.Unhold(ctx, leg))
}

func (t *timedSwitch) SendDTMF(ctx context.Context, leg, digits string) error {
	s := time.Now()
	return t.done("send_dtmf", s, t.Switch.SendDTMF(ctx, leg, digits))
}

func (t *timedSwitch) Legs(ctx context.Context) ([]controller.LegInfo, error) {
	s := time.Now()
	legs, err := t.Switch.Legs(ctx)
	return legs, t.done("legs", s, err)
}
