// Package webhookbench measures webhook delivery (ipcc bench webhooks):
// throughput and enqueue → delivered latency to a local receiver, events
// lost across a kill -9 of the controller process, and the drain of a
// receiver outage, with every call's events checked for order.
package webhookbench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ipcc/ipcc/egress"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/webhook"
)

// Options of a run.
type Options struct {
	// DB is the database URL ("" = a fresh SQLite file in a temporary
	// directory).
	DB string
	// Only lists the phases: throughput, kill, outage (default all).
	Only []string
	// Rate is events/s emitted in the throughput and kill phases; Duration
	// how long the throughput phase emits.
	Rate     float64
	Duration time.Duration
	// EventsPerCall is the length of each call's ordered sequence.
	EventsPerCall int
	// KillAfter is how long the child controller emits before kill -9.
	KillAfter time.Duration
	// Outage is how long the receiver answers 503; OutageRate the events/s
	// emitted meanwhile.
	Outage     time.Duration
	OutageRate float64
	// Exe is this executable (the kill phase starts it as the child
	// controller with ChildArgs).
	Exe       string
	ChildArgs []string
	Workers   int
	Logger    *slog.Logger
}

// Result of a phase.
type Result struct {
	Phase      string  `json:"phase"`
	Emitted    int64   `json:"emitted"`
	Acked      int64   `json:"acked"`
	Delivered  int64   `json:"delivered"`
	Duplicates int64   `json:"duplicates"`
	Lost       int64   `json:"lost"`
	OutOfOrder int64   `json:"out_of_order"`
	PerSecond  float64 `json:"deliveries_per_second"`
	P50MS      float64 `json:"p50_ms"`
	P99MS      float64 `json:"p99_ms"`
	DrainS     float64 `json:"drain_s,omitempty"`
	Note       string  `json:"note,omitempty"`
}

// Met says whether the phase met the targets.
func (r Result) Met(o Options) bool {
	if r.Lost != 0 || r.OutOfOrder != 0 {
		return false
	}
	if r.Phase == "throughput" {
		return r.PerSecond >= 0.95*o.Rate && r.P99MS < 250
	}
	return true
}

func (r Result) String() string {
	s := fmt.Sprintf("%-10s emitted %d, acknowledged %d, delivered %d (duplicates %d), lost %d, out of order %d", r.Phase, r.Emitted, r.Acked, r.Delivered, r.Duplicates, r.Lost, r.OutOfOrder)
	if r.PerSecond > 0 {
		s += fmt.Sprintf("; %.0f deliveries/s, enqueue→delivered p50 %.1f ms p99 %.1f ms", r.PerSecond, r.P50MS, r.P99MS)
	}
	if r.DrainS > 0 {
		after := "the receiver came back"
		if r.Phase == "kill -9" {
			after = "the restart"
		}
		s += fmt.Sprintf("; drained %.1f s after %s", r.DrainS, after)
	}
	if r.Note != "" {
		s += "; " + r.Note
	}
	return s
}

const (
	tenant = "bench"
	hookID = "bench"
	secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
)

// payload is the data of every bench event.
type payload struct {
	Key       string `json:"key"` // call/seq: unique
	Call      string `json:"call"`
	Seq       int    `json:"seq"`
	EmittedNS int64  `json:"emitted_ns"`
}

// receiver verifies and notes every delivery.
type receiver struct {
	mu       sync.Mutex
	got      map[string]time.Time // key -> first receipt
	dups     int64
	lastSeq  map[string]int
	disorder int64
	lat      []float64
	down     atomic.Bool
	last     time.Time
	badSig   int64
}

func newReceiver() *receiver {
	return &receiver{got: map[string]time.Time{}, lastSeq: map[string]int{}}
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if r.down.Load() {
		http.Error(w, "receiver down", http.StatusServiceUnavailable)
		return
	}
	now := time.Now()
	if err := webhook.Verify(secret, req.Header.Get(webhook.HeaderID), req.Header.Get(webhook.HeaderTimestamp), req.Header.Get(webhook.HeaderSignature), body, now, 5*time.Minute); err != nil {
		atomic.AddInt64(&r.badSig, 1)
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var ev struct {
		Data payload `json:"data"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p := ev.Data
	r.mu.Lock()
	if _, seen := r.got[p.Key]; seen {
		r.dups++
	} else {
		r.got[p.Key] = now
		r.lat = append(r.lat, float64(now.UnixNano()-p.EmittedNS)/1e6)
		if last, ok := r.lastSeq[p.Call]; ok && p.Seq < last {
			r.disorder++
		}
		r.lastSeq[p.Call] = max(r.lastSeq[p.Call], p.Seq)
		r.last = now
	}
	r.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) has(keys []string) (missing int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range keys {
		if _, ok := r.got[k]; !ok {
			missing++
		}
	}
	return missing
}

func (r *receiver) reset() {
	r.mu.Lock()
	r.got, r.lastSeq, r.lat, r.dups, r.disorder = map[string]time.Time{}, map[string]int{}, nil, 0, 0
	r.mu.Unlock()
}

func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[int(float64(len(s)-1)*p)]
}

// Run runs the phases and reports each as it ends.
func Run(ctx context.Context, o Options, report func(Result)) ([]Result, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.EventsPerCall <= 0 {
		o.EventsPerCall = 5
	}
	if o.Workers <= 0 {
		o.Workers = 32
	}
	dir, err := os.MkdirTemp("", "ipcc-bench-webhooks-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if o.DB == "" {
		o.DB = "sqlite:" + filepath.Join(dir, "bench.db")
	}
	rcv := newReceiver()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: rcv, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/hook"
	if err := prepare(ctx, o.DB, url); err != nil {
		return nil, err
	}
	phases := o.Only
	if len(phases) == 0 {
		phases = []string{"throughput", "kill", "outage"}
	}
	var out []Result
	for _, ph := range phases {
		rcv.reset()
		var r Result
		switch ph {
		case "throughput":
			r, err = throughput(ctx, o, rcv)
		case "kill":
			r, err = kill(ctx, o, rcv, url)
		case "outage":
			r, err = outage(ctx, o, rcv)
		default:
			return out, fmt.Errorf("bench webhooks: unknown phase %q (throughput, kill, outage)", ph)
		}
		if err != nil {
			return out, fmt.Errorf("bench webhooks: %s: %w", ph, err)
		}
		if n := atomic.LoadInt64(&rcv.badSig); n > 0 {
			r.Note = fmt.Sprintf("%d deliveries failed signature verification", n)
		}
		out = append(out, r)
		if report != nil {
			report(r)
		}
	}
	return out, nil
}

// prepare migrates the database and points the bench tenant's endpoint at
// the receiver.
func prepare(ctx context.Context, db, url string) error {
	st, err := store.Open(ctx, db, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.MigrateUp(ctx); err != nil {
		return err
	}
	_ = st.DeleteWebhook(ctx, tenant, hookID)
	return st.CreateWebhook(ctx, &store.Webhook{TenantID: tenant, ID: hookID, URL: url, Secret: secret, Events: []string{"*"}, Enabled: true})
}

// controller is the delivery side of a controller process: outbox and
// dispatcher on the store.
type controller struct {
	st   *store.Store
	ob   *webhook.Outbox
	stop func()
}

func startController(ctx context.Context, db string, workers int, log *slog.Logger) (*controller, error) {
	st, err := store.Open(ctx, db, store.Options{})
	if err != nil {
		return nil, err
	}
	loop, err := egress.New([]string{"127.0.0.0/8"}, nil)
	if err != nil {
		return nil, err
	}
	d, err := webhook.New(webhook.Options{Store: st, Egress: loop, Logger: log, Timeout: 2 * time.Second, Lease: 5 * time.Second,
		PollInterval: 200 * time.Millisecond, Workers: workers, QueueSize: workers * 16, Backoff: webhook.DefaultBackoff})
	if err != nil {
		return nil, err
	}
	ob, err := webhook.NewOutbox(webhook.OutboxOptions{Store: st, Logger: log, Dispatcher: d})
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = d.Run(cctx) }()
	go func() { defer wg.Done(); _ = ob.Run(cctx) }()
	return &controller{st: st, ob: ob, stop: func() { cancel(); wg.Wait(); st.Close() }}, nil
}

// emit sends calls of EventsPerCall ordered events at rate events/s for d;
// ack is told each event written. It returns the keys emitted.
func emit(ctx context.Context, ob *webhook.Outbox, prefix string, rate float64, d time.Duration, perCall int, ack func(key string)) int64 {
	var emitted atomic.Int64
	callsPerSec := rate / float64(perCall)
	interval := time.Duration(float64(time.Second) / callsPerSec)
	var wg sync.WaitGroup
	start := time.Now()
	for n := 0; ; n++ {
		at := start.Add(time.Duration(n) * interval)
		if at.Sub(start) >= d || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Until(at))
		wg.Add(1)
		go func(call string) {
			defer wg.Done()
			for seq := 0; seq < perCall; seq++ {
				p := payload{Key: call + "/" + strconv.Itoa(seq), Call: call, Seq: seq, EmittedNS: time.Now().UnixNano()}
				emitted.Add(1)
				if err := ob.Emit(ctx, tenant, webhook.EventCallOffered, call, p); err != nil {
					return
				}
				if ack != nil {
					ack(p.Key)
				}
			}
		}(prefix + strconv.Itoa(n))
	}
	wg.Wait()
	return emitted.Load()
}

func waitDelivered(ctx context.Context, rcv *receiver, keys []string, timeout time.Duration) int64 {
	deadline := time.Now().Add(timeout)
	for {
		missing := rcv.has(keys)
		if missing == 0 || time.Now().After(deadline) || ctx.Err() != nil {
			return missing
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func summary(phase string, emitted int64, acked []string, rcv *receiver, lost int64) Result {
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	return Result{Phase: phase, Emitted: emitted, Acked: int64(len(acked)), Delivered: int64(len(rcv.got)), Duplicates: rcv.dups, Lost: lost,
		OutOfOrder: rcv.disorder, P50MS: percentile(rcv.lat, 0.50), P99MS: percentile(rcv.lat, 0.99)}
}

func throughput(ctx context.Context, o Options, rcv *receiver) (Result, error) {
	c, err := startController(ctx, o.DB, o.Workers, o.Logger)
	if err != nil {
		return Result{}, err
	}
	defer c.stop()
	var mu sync.Mutex
	var acked []string
	start := time.Now()
	emitted := emit(ctx, c.ob, "t", o.Rate, o.Duration, o.EventsPerCall, func(k string) { mu.Lock(); acked = append(acked, k); mu.Unlock() })
	lost := waitDelivered(ctx, rcv, acked, 60*time.Second)
	r := summary("throughput", emitted, acked, rcv, lost)
	rcv.mu.Lock()
	if el := rcv.last.Sub(start).Seconds(); el > 0 {
		r.PerSecond = float64(len(rcv.got)) / el
	}
	rcv.mu.Unlock()
	return r, nil
}

// kill runs a child controller that emits and prints "ack KEY" per
// written event, kills it with SIGKILL, then runs one that only delivers:
// every acknowledged event must arrive.
func kill(ctx context.Context, o Options, rcv *receiver, url string) (Result, error) {
	if o.Exe == "" {
		return Result{}, errors.New("the kill phase needs the executable to start as a child")
	}
	args := append(slices.Clone(o.ChildArgs), "--db", o.DB, "--rate", strconv.FormatFloat(o.Rate, 'f', -1, 64), "--events-per-call", strconv.Itoa(o.EventsPerCall),
		"--duration", (o.KillAfter * 10).String(), "--workers", strconv.Itoa(o.Workers))
	cmd := exec.CommandContext(ctx, o.Exe, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return Result{}, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return Result{}, err
	}
	var mu sync.Mutex
	var acked []string
	emitted := int64(0)
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if k, ok := strings.CutPrefix(sc.Text(), "ack "); ok {
				mu.Lock()
				acked = append(acked, k)
				mu.Unlock()
			}
		}
	}()
	time.Sleep(o.KillAfter)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return Result{}, fmt.Errorf("kill -9 the child: %w", err)
	}
	_ = cmd.Wait()
	<-read
	mu.Lock()
	emitted = int64(len(acked))
	keys := slices.Clone(acked)
	mu.Unlock()
	// The next controller: delivers what is left (claims of the killed one
	// come back after their 5 s lease).
	c, err := startController(ctx, o.DB, o.Workers, o.Logger)
	if err != nil {
		return Result{}, err
	}
	defer c.stop()
	start := time.Now()
	lost := waitDelivered(ctx, rcv, keys, 2*time.Minute)
	r := summary("kill -9", emitted, keys, rcv, lost)
	r.Emitted = 0 // the child's emitted-but-unacknowledged count died with it
	r.DrainS = time.Since(start).Seconds()
	r.Note = "acknowledged = Emit returned before the kill; drain = restart until every one arrived"
	return r, nil
}

// Child is the controller process of the kill phase: emits and acks on
// stdout until killed.
func Child(ctx context.Context, o Options, stdout io.Writer) error {
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	c, err := startController(ctx, o.DB, o.Workers, o.Logger)
	if err != nil {
		return err
	}
	defer c.stop()
	var mu sync.Mutex
	w := bufio.NewWriter(stdout)
	emit(ctx, c.ob, fmt.Sprintf("k%d-", os.Getpid()), o.Rate, o.Duration, o.EventsPerCall, func(k string) {
		mu.Lock()
		fmt.Fprintf(w, "ack %s\n", k)
		w.Flush()
		mu.Unlock()
	})
	return nil
}

func outage(ctx context.Context, o Options, rcv *receiver) (Result, error) {
	c, err := startController(ctx, o.DB, o.Workers, o.Logger)
	if err != nil {
		return Result{}, err
	}
	defer c.stop()
	rcv.down.Store(true)
	var mu sync.Mutex
	var acked []string
	emitted := emit(ctx, c.ob, "o", o.OutageRate, o.Outage, o.EventsPerCall, func(k string) { mu.Lock(); acked = append(acked, k); mu.Unlock() })
	rcv.down.Store(false)
	back := time.Now()
	// The receiver answers again: new traffic after the outage makes the
	// dispatcher notice (as it would in production).
	emitted += emit(ctx, c.ob, "after", min(o.OutageRate, 50), 2*time.Second, o.EventsPerCall, func(k string) { mu.Lock(); acked = append(acked, k); mu.Unlock() })
	lost := waitDelivered(ctx, rcv, acked, 10*time.Minute)
	r := summary("outage", emitted, acked, rcv, lost)
	r.DrainS = time.Since(back).Seconds()
	r.P50MS, r.P99MS = 0, 0
	r.Note = fmt.Sprintf("receiver down %s at %.0f events/s", o.Outage, o.OutageRate)
	return r, nil
}
