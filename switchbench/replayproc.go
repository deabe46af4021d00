package switchbench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Spawner builds the command that runs the replayer process. The default
// runs this executable as `<exe> bench esl-replay`; tests re-run the test
// binary with an environment variable (see the package tests).
type Spawner func(ctx context.Context) *exec.Cmd

// DefaultSpawner runs `<os.Executable()> bench esl-replay`.
func DefaultSpawner(ctx context.Context) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	return exec.CommandContext(ctx, exe, "bench", "esl-replay")
}

// replayProc is the bench's handle on the replayer process.
type replayProc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	enc    *json.Encoder
	lines  chan string
	stderr strings.Builder
	Addr   string
}

func startReplay(ctx context.Context, spawn Spawner) (*replayProc, error) {
	if spawn == nil {
		spawn = DefaultSpawner
	}
	p := &replayProc{cmd: spawn(ctx), lines: make(chan string, 4)}
	p.cmd.Stderr = &p.stderr
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("esl-replay: start %s: %w", p.cmd.Path, err)
	}
	p.enc = json.NewEncoder(p.stdin)
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
	}()
	first, err := p.read(10 * time.Second)
	if err != nil {
		p.close()
		return nil, err
	}
	p.Addr = first.Addr
	return p, nil
}

func (p *replayProc) read(timeout time.Duration) (ReplayResult, error) {
	var res ReplayResult
	select {
	case line, ok := <-p.lines:
		if !ok {
			return res, fmt.Errorf("esl-replay exited: %s", strings.TrimSpace(p.stderr.String()))
		}
		if err := json.Unmarshal([]byte(line), &res); err != nil {
			return res, fmt.Errorf("esl-replay: %q: %w", line, err)
		}
		if res.Err != "" {
			return res, errors.New("esl-replay: " + res.Err)
		}
		return res, nil
	case <-time.After(timeout):
		return res, errors.New("esl-replay: no answer in " + timeout.String())
	}
}

// do sends one request and waits for its result (timeout bounds the wait).
func (p *replayProc) do(req ReplayRequest, timeout time.Duration) (ReplayResult, error) {
	if err := p.enc.Encode(req); err != nil {
		return ReplayResult{}, fmt.Errorf("esl-replay: %w", err)
	}
	return p.read(timeout)
}

// start sends a request without waiting; wait collects its result.
func (p *replayProc) start(req ReplayRequest) error { return p.enc.Encode(req) }

func (p *replayProc) close() {
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
