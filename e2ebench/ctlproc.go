package e2ebench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/ipcc/ipcc/config"
	"github.com/ipcc/ipcc/store"
)

// The failover bench runs each controller in a process of its own (this
// executable again, `ipcc bench failover-ctl`), so that one can be killed
// with SIGKILL as a crash would end it. The controller process reports its
// state as JSON lines on stdout every StatusEvery; SIGTERM stops it
// gracefully (calls, switch connection, call records flushed, leases
// released).

// CtlOptions configure one controller process of the failover bench.
type CtlOptions struct {
	// DatabaseURL is the bench's PostgreSQL schema (already migrated and
	// set up).
	DatabaseURL string `json:"database_url"`
	// Switch is the simulated switch the controller drives.
	Switch config.Switch `json:"switch"`
	// ID is the controller id (cluster.controller_id); LeaseTTL the
	// cluster.lease_ttl.
	ID       string        `json:"id"`
	LeaseTTL time.Duration `json:"lease_ttl_ns"`
	// Login logs the bench's Login agents in once the controller holds the
	// switch (the first controller does; the standby restores them); the
	// last Mobile of them on their mobile number.
	Login  int `json:"login"`
	Mobile int `json:"mobile,omitempty"`
	// DefaultTrunk is media.default_trunk: the gateway/trunk mobile
	// agents are dialled through.
	DefaultTrunk string `json:"default_trunk,omitempty"`
}

// ParseCtlOptions reads the options a controller process was given.
func ParseCtlOptions(s string) (CtlOptions, error) {
	var o CtlOptions
	if err := json.Unmarshal([]byte(s), &o); err != nil {
		return o, fmt.Errorf("failover-ctl options: %w", err)
	}
	if o.DatabaseURL == "" || o.ID == "" || o.Switch.Name == "" {
		return o, fmt.Errorf("failover-ctl options: database_url, id and switch are required")
	}
	return o, nil
}

// CtlStatus is one status line of a controller process.
type CtlStatus struct {
	// At is the process's wall clock (Unix ms): the bench's processes run
	// on one host.
	At int64 `json:"at"`
	// Connected: this controller holds the switch's lease and is
	// connected to it.
	Connected bool `json:"connected"`
	// Live calls carried.
	Live int `json:"live"`
	// LoggedIn: the agents were logged in (Login).
	LoggedIn bool   `json:"logged_in,omitempty"`
	Err      string `json:"err,omitempty"`
}

// StatusEvery is how often a controller process reports.
const StatusEvery = 50 * time.Millisecond

// CtlMain is a controller process: it opens the store, starts the
// controller with start (serve's wiring, with the cluster leases of o.ID
// and o.LeaseTTL), reports on out until ctx ends, then stops gracefully.
func CtlMain(ctx context.Context, o CtlOptions, start StartFunc, out io.Writer, log *slog.Logger) error {
	st, err := store.Open(ctx, o.DatabaseURL, store.Options{IdleInTxTimeout: store.IdleInTxTimeout(o.LeaseTTL), CallWriter: store.CallWriterOptions{Logger: log}})
	if err != nil {
		return err
	}
	defer st.Close()
	ctl, err := start(ctx, st, []config.Switch{o.Switch}, log)
	if err != nil {
		return fmt.Errorf("start the controller: %w", err)
	}
	enc := json.NewEncoder(out)
	loggedIn := o.Login == 0
	tick := time.NewTicker(StatusEvery)
	defer tick.Stop()
	for {
		s := CtlStatus{At: time.Now().UnixMilli(), Connected: ctl.Connected(), Live: ctl.LiveCalls()}
		if s.Connected && !loggedIn {
			eng, err := ctl.Engine(ctx, benchTenant)
			if err == nil {
				err = logIn(ctx, eng, o.Login, o.Mobile)
			}
			if err != nil {
				s.Err = err.Error()
			}
			loggedIn = true
		}
		s.LoggedIn = loggedIn && o.Login > 0
		if err := enc.Encode(s); err != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-ctl.Lost():
			// As serve does: another controller drives the switch now.
			ctl.Stop()
			return ctl.LostErr()
		case <-tick.C:
			continue
		}
		break
	}
	ctl.Stop()
	return st.FlushCalls(context.Background())
}

// CtlSpawner builds the command of a controller process given its
// options (JSON); the default runs `<exe> bench failover-ctl --options`.
type CtlSpawner func(ctx context.Context, options string) *exec.Cmd

// DefaultCtlSpawner runs this executable as `bench failover-ctl`.
func DefaultCtlSpawner(ctx context.Context, options string) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	return exec.Command(exe, "bench", "failover-ctl", "--options", options)
}

// ctlProc is the bench's handle on a controller process.
type ctlProc struct {
	id  string
	cmd *exec.Cmd

	mu        sync.Mutex
	last      CtlStatus
	connected time.Time // first status connected
	loggedIn  bool
	errs      []string
	exited    chan struct{}
}

func startCtl(ctx context.Context, spawn CtlSpawner, o CtlOptions, logTo io.Writer) (*ctlProc, error) {
	if spawn == nil {
		spawn = DefaultCtlSpawner
	}
	b, err := json.Marshal(o)
	if err != nil {
		return nil, err
	}
	p := &ctlProc{id: o.ID, cmd: spawn(ctx, string(b)), exited: make(chan struct{})}
	if logTo == nil {
		logTo = io.Discard
	}
	p.cmd.Stderr = logTo
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("controller %s: start %s: %w", o.ID, p.cmd.Path, err)
	}
	go func() {
		defer close(p.exited)
		dec := json.NewDecoder(stdout)
		for {
			var s CtlStatus
			if err := dec.Decode(&s); err != nil {
				break
			}
			p.mu.Lock()
			p.last = s
			if s.Connected && p.connected.IsZero() {
				p.connected = time.UnixMilli(s.At)
			}
			if s.LoggedIn {
				p.loggedIn = true
			}
			if s.Err != "" {
				p.errs = append(p.errs, s.Err)
			}
			p.mu.Unlock()
		}
		_ = p.cmd.Wait()
	}()
	return p, nil
}

func (p *ctlProc) status() (CtlStatus, time.Time, bool, []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last, p.connected, p.loggedIn, append([]string(nil), p.errs...)
}

// kill ends the process with SIGKILL, as a crash would.
func (p *ctlProc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// stop asks the process to stop gracefully (SIGTERM), killing it after
// timeout.
func (p *ctlProc) stop(timeout time.Duration) error {
	select {
	case <-p.exited:
		return nil
	default:
	}
	_ = p.cmd.Process.Signal(sigterm)
	select {
	case <-p.exited:
		if p.cmd.ProcessState != nil && !p.cmd.ProcessState.Success() {
			return fmt.Errorf("controller %s exited: %s", p.id, p.cmd.ProcessState)
		}
		return nil
	case <-time.After(timeout):
		p.kill()
		return fmt.Errorf("controller %s did not stop within %s: killed", p.id, timeout)
	}
}

// errorsText joins a process's reported errors.
func errorsText(errs []string) string { return strings.Join(errs, "; ") }
