package switchbench

import (
	"errors"
	"fmt"
	"time"

	"github.com/ipcc/ipcc/controller/sim"
)

// The calls measurement can run the simulator in the replayer process
// instead of the bench's own: then the controller and the drivers are the
// only work in the measuring process, as they are in production, and the
// simulator's model (every channel, playback and who-hears-whom) no longer
// competes with them for the garbage collector and the scheduler.

// simHost is the simulator the replayer process runs for "sim-*" ops.
type simHost struct {
	s     *sim.Sim
	front sim.Front
}

// doSim executes sim-start (start a simulator with one front-end: Front
// "freeswitch" or "asterisk"; the result's Addr is its ESL address or ARI
// URL), sim-place (place Calls calls at Rate per second, each pressing 1
// after PressAfterMS, again a second later, and hanging up after
// HangupAfterMS; answers once all
// are placed) and sim-stop.
func (r *replayer) doSim(req ReplayRequest, res *ReplayResult) error {
	switch req.Op {
	case "sim-start":
		if r.sim != nil {
			return errors.New("a simulator is already running")
		}
		so := sim.Options{ESLAddr: "-", ARIAddr: "-", MediaDuration: 300 * time.Millisecond, Logger: discardLogger()}
		h := &simHost{front: sim.FrontFreeSWITCH}
		switch req.Front {
		case "freeswitch":
			so.ESLAddr = ""
		case "asterisk":
			so.ARIAddr, h.front = "", sim.FrontAsterisk
		default:
			return fmt.Errorf("unknown front %q", req.Front)
		}
		h.s = sim.New(so)
		if err := h.s.Start(); err != nil {
			return err
		}
		r.sim = h
		if h.front == sim.FrontAsterisk {
			res.Addr = h.s.ARIURL()
		} else {
			res.Addr = h.s.ESLAddr()
		}
		return nil
	case "sim-place":
		if r.sim == nil {
			return errors.New("no simulator: send sim-start first")
		}
		placed, lag, err := placeCalls(r.sim.s, r.sim.front, req.Legs, req.Rate,
			time.Duration(req.PressAfterMS)*time.Millisecond, time.Duration(req.HangupAfterMS)*time.Millisecond)
		res.Sent, res.MaxLate = placed, lag.Microseconds()
		return err
	case "sim-stop":
		if r.sim != nil {
			r.sim.s.Close()
			r.sim = nil
		}
		return nil
	}
	return fmt.Errorf("unknown op %q", req.Op)
}

// placeCalls places n calls at rate per second on s and returns how many
// were placed and how late the last one was against the schedule.
func placeCalls(s *sim.Sim, front sim.Front, n int, rate float64, pressAfter, hangupAfter time.Duration) (int64, time.Duration, error) {
	var placed int64
	var lag time.Duration
	// The caller presses again a second later, as a person does when
	// nothing happens: a key pressed before the collection starts is not
	// collected, and on a loaded machine the collection can start after
	// the first press. A key during the hold changes nothing.
	press := []sim.Press{{After: pressAfter, Digits: "1"}}
	if again := pressAfter + time.Second; again < hangupAfter {
		press = append(press, sim.Press{After: again, Digits: "1"})
	}
	start := time.Now()
	for i := 0; i < n; i++ {
		at := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
		time.Sleep(time.Until(at))
		_, err := s.PlaceCall(sim.CallSpec{Front: front, From: fmt.Sprintf("1555%07d", i), To: "4000",
			Press:       press,
			HangupAfter: hangupAfter})
		if err != nil {
			return placed, lag, fmt.Errorf("place call %d: %w", i, err)
		}
		placed++
		lag = max(time.Since(at), 0)
	}
	return placed, lag, nil
}
