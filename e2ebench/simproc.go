package e2ebench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/ipcc/ipcc/controller/sim"
)

// The simulator runs in a process of its own (this executable started
// again as `ipcc bench e2e-sim`), as `bench switch` does: the measuring
// process then holds the controller and its database only, as production
// does, and the simulator's model of every channel does not compete with it
// for the garbage collector and the scheduler. The two talk in JSON lines
// over the child's stdin and stdout.

// SimRequest is one instruction to the simulator process.
type SimRequest struct {
	// Op: "start" starts the simulator with the Front ("freeswitch" or
	// "asterisk"); "phones" defines Count agent phones numbered from First
	// (or, with Numbers, those numbers: the mobiles reached through a
	// trunk) that answer after AnswerAfterMS and hang up TalkMS after
	// answering; "place" places callers to DID at Rate per second for
	// DurationMS, each pressing Press PressAfterMS after the IVR answered
	// and giving up GiveUpMS after dialling (answers when all are placed);
	// "legs" lists every leg the simulator rang on one of Numbers, and
	// the legs IDs (Phones); "stop" closes it.
	Op            string   `json:"op"`
	Front         string   `json:"front,omitempty"`
	First         int      `json:"first,omitempty"`
	Count         int      `json:"count,omitempty"`
	Numbers       []string `json:"numbers,omitempty"`
	IDs           []string `json:"ids,omitempty"`
	AnswerAfterMS int64    `json:"answer_after_ms,omitempty"`
	TalkMS        int64    `json:"talk_ms,omitempty"`
	DID           string   `json:"did,omitempty"`
	Rate          float64  `json:"rate,omitempty"`
	DurationMS    int64    `json:"duration_ms,omitempty"`
	Press         string   `json:"press,omitempty"`
	PressAfterMS  int64    `json:"press_after_ms,omitempty"`
	GiveUpMS      int64    `json:"give_up_ms,omitempty"`
}

// SimResult is the simulator process's answer.
type SimResult struct {
	Addr string `json:"addr,omitempty"` // "start": ESL address or ARI URL
	// "place": the callers' leg ids in order, how late the last call was
	// placed against its schedule (ms), and calls the simulator refused.
	Legs       []string `json:"legs,omitempty"`
	MaxLateMS  int64    `json:"max_late_ms,omitempty"`
	PlaceError string   `json:"place_error,omitempty"`
	// "legs": the legs rung on the numbers asked about, oldest first.
	Phones []PhoneLeg `json:"phones,omitempty"`
	Err    string     `json:"err,omitempty"`
}

// PhoneLeg is a leg the simulator rang on a phone, as the switch saw it:
// the truth the bench holds the controller's records against.
type PhoneLeg struct {
	ID       string `json:"id"`
	Endpoint string `json:"endpoint"`
	// Trunk is the gateway/trunk the leg was dialled through ("" for a
	// registered phone).
	Trunk string `json:"trunk,omitempty"`
	// Peers: the legs it is bridged with now (live legs only).
	Peers    []string  `json:"peers,omitempty"`
	State    string    `json:"state"`
	Cause    string    `json:"cause,omitempty"`
	HangupBy string    `json:"hangup_by,omitempty"`
	Created  time.Time `json:"created"`
	Answered time.Time `json:"answered,omitzero"`
	Ended    time.Time `json:"ended,omitzero"`
}

// SimMain is the simulator process: it reads SimRequests from in and
// answers each with one SimResult on out until in closes.
func SimMain(ctx context.Context, in io.Reader, out io.Writer) error {
	enc := json.NewEncoder(out)
	var s *sim.Sim
	front := sim.FrontFreeSWITCH
	defer func() {
		if s != nil {
			s.Close()
		}
	}()
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		var req SimRequest
		var res SimResult
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			res.Err = "bad request: " + err.Error()
		} else if err := doSim(ctx, &s, &front, req, &res); err != nil {
			res.Err = err.Error()
		}
		if err := enc.Encode(res); err != nil {
			return err
		}
	}
	return sc.Err()
}

func doSim(ctx context.Context, s **sim.Sim, front *sim.Front, req SimRequest, res *SimResult) error {
	if req.Op != "start" && *s == nil {
		return errors.New("no simulator: send start first")
	}
	switch req.Op {
	case "start":
		if *s != nil {
			return errors.New("a simulator is already running")
		}
		// Who hears whom is not recorded as it changes: nothing here reads
		// it, and recomputing it after every command was most of the
		// simulator's work at 100 calls/s.
		o := sim.Options{ESLAddr: "-", ARIAddr: "-", MediaDuration: 300 * time.Millisecond,
			RecordingDir: os.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), NoHearingHistory: true}
		switch req.Front {
		case "freeswitch", "":
			o.ESLAddr, *front = "", sim.FrontFreeSWITCH
		case "asterisk":
			o.ARIAddr, *front = "", sim.FrontAsterisk
		default:
			return fmt.Errorf("unknown front %q (freeswitch or asterisk)", req.Front)
		}
		*s = sim.New(o)
		if err := (*s).Start(); err != nil {
			*s = nil
			return err
		}
		if *front == sim.FrontAsterisk {
			res.Addr = (*s).ARIURL()
		} else {
			res.Addr = (*s).ESLAddr()
		}
	case "phones":
		numbers := req.Numbers
		if len(numbers) == 0 {
			for i := 0; i < req.Count; i++ {
				numbers = append(numbers, phoneNumber(req.First+i))
			}
		}
		for _, n := range numbers {
			if err := (*s).DefineEndpoint(sim.EndpointSpec{Number: n, Behavior: sim.BehaviorAnswer,
				AnswerAfter: ms(req.AnswerAfterMS), HangupAfter: ms(req.TalkMS)}); err != nil {
				return err
			}
		}
	case "legs":
		res.Phones = phoneLegs(*s, req.Numbers, req.IDs)
	case "place":
		legs, late, err := place(ctx, *s, *front, req)
		res.Legs, res.MaxLateMS = legs, late.Milliseconds()
		if err != nil {
			res.PlaceError = err.Error()
		}
	case "stop":
		(*s).Close()
		*s = nil
	default:
		return fmt.Errorf("unknown op %q", req.Op)
	}
	return nil
}

func ms(n int64) time.Duration { return time.Duration(n) * time.Millisecond }

// phoneLegs lists the legs rung on numbers, and the legs ids, oldest
// first.
func phoneLegs(s *sim.Sim, numbers, ids []string) []PhoneLeg {
	want, wantID := map[string]bool{}, map[string]bool{}
	for _, n := range numbers {
		want[n] = true
	}
	for _, id := range ids {
		wantID[id] = true
	}
	var out []PhoneLeg
	for _, c := range s.Calls() {
		if !wantID[c.ID] && (c.Inbound || !want[c.Endpoint]) {
			continue
		}
		out = append(out, PhoneLeg{ID: c.ID, Endpoint: c.Endpoint, Trunk: c.Trunk, Peers: c.BridgedWith, State: c.State,
			Cause: c.Cause, HangupBy: c.HangupBy, Created: c.Created, Answered: c.Answered, Ended: c.Ended})
	}
	return out
}

// phoneNumber is the extension of agent phone i.
func phoneNumber(i int) string { return fmt.Sprintf("7%05d", i) }

// place dials the callers on schedule; the simulator runs each caller's
// script (press, give up) by itself.
func place(ctx context.Context, s *sim.Sim, front sim.Front, req SimRequest) ([]string, time.Duration, error) {
	n := int(req.Rate * float64(req.DurationMS) / 1000)
	legs := make([]string, 0, n)
	var late time.Duration
	start := time.Now()
	for i := 0; i < n; i++ {
		at := start.Add(time.Duration(float64(i) / req.Rate * float64(time.Second)))
		select {
		case <-ctx.Done():
			return legs, late, ctx.Err()
		case <-time.After(time.Until(at)):
		}
		id, err := s.PlaceCall(sim.CallSpec{Front: front, From: fmt.Sprintf("1390%07d", i), To: req.DID,
			Press: []sim.Press{{After: ms(req.PressAfterMS), Digits: req.Press}}, HangupAfter: ms(req.GiveUpMS)})
		if err != nil {
			return legs, late, fmt.Errorf("caller %d: %w", i, err)
		}
		legs = append(legs, id)
		late = max(late, time.Since(at))
	}
	return legs, late, nil
}

// Spawner builds the command that runs the simulator process; the default
// runs this executable as `<exe> bench e2e-sim`. Tests re-run the test
// binary instead.
type Spawner func(ctx context.Context) *exec.Cmd

// DefaultSpawner runs `<os.Executable()> bench e2e-sim`.
func DefaultSpawner(ctx context.Context) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	return exec.CommandContext(ctx, exe, "bench", "e2e-sim")
}

// simProc is the bench's handle on the simulator process.
type simProc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	enc    *json.Encoder
	lines  chan string
	mu     sync.Mutex
	stderr strings.Builder
}

func startSim(ctx context.Context, spawn Spawner) (*simProc, error) {
	if spawn == nil {
		spawn = DefaultSpawner
	}
	p := &simProc{cmd: spawn(ctx), lines: make(chan string, 1)}
	p.cmd.Stderr = &lockedWriter{mu: &p.mu, b: &p.stderr}
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("e2e-sim: start %s: %w", p.cmd.Path, err)
	}
	p.enc = json.NewEncoder(p.stdin)
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 64<<20) // "place" lists every caller
		for sc.Scan() {
			p.lines <- sc.Text()
		}
	}()
	return p, nil
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *strings.Builder
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// do sends one request and waits up to timeout for its answer.
func (p *simProc) do(req SimRequest, timeout time.Duration) (SimResult, error) {
	var res SimResult
	if err := p.enc.Encode(req); err != nil {
		return res, fmt.Errorf("e2e-sim %s: %w", req.Op, err)
	}
	select {
	case line, ok := <-p.lines:
		if !ok {
			p.mu.Lock()
			defer p.mu.Unlock()
			return res, fmt.Errorf("e2e-sim exited: %s", strings.TrimSpace(p.stderr.String()))
		}
		if err := json.Unmarshal([]byte(line), &res); err != nil {
			return res, fmt.Errorf("e2e-sim %s: %q: %w", req.Op, line, err)
		}
		if res.Err != "" {
			return res, fmt.Errorf("e2e-sim %s: %s", req.Op, res.Err)
		}
		return res, nil
	case <-time.After(timeout):
		return res, fmt.Errorf("e2e-sim %s: no answer in %s", req.Op, timeout)
	}
}

// close stops the simulator process (killed if it does not exit).
func (p *simProc) close() {
	_ = p.stdin.Close()
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}
