package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ipcc/ipcc/egress"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// Tests of the outbox as the single writer (group commit of events,
// outcomes and claims): in package webhook to see its batches.

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

const writerSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func writerHook(t *testing.T, s *store.Store, url string) {
	t.Helper()
	if err := s.CreateWebhook(context.Background(), &store.Webhook{TenantID: "a", ID: "h", URL: url, Secret: writerSecret, Events: []string{"*"}, Enabled: true}); err != nil {
		t.Fatal(err)
	}
}

// queued waits until the outbox buffer holds n items (pushed, not written).
func queued(t *testing.T, o *Outbox, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		o.mu.Lock()
		got := len(o.buf)
		o.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox holds %d items, want %d", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// Many calls emitting at once through one writer that also stores the
// dispatcher's outcomes and claims: every event arrives once, each call's
// in the order emitted, and every delivery ends delivered in the table.
func TestWriterKeepsEachCallsOrder(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		var mu sync.Mutex
		got := map[string][]int{}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var ev struct {
				CallID string `json:"call_id"`
				Data   struct {
					Seq int `json:"seq"`
				} `json:"data"`
			}
			_ = json.NewDecoder(r.Body).Decode(&ev)
			mu.Lock()
			got[ev.CallID] = append(got[ev.CallID], ev.Data.Seq)
			mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		}))
		defer srv.Close()
		writerHook(t, s, srv.URL)
		pol, err := egress.New([]string{"127.0.0.0/8"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		d, err := New(Options{Store: s, Logger: quietLog, Egress: pol, PollInterval: 50 * time.Millisecond, Workers: 8, QueueSize: 64})
		if err != nil {
			t.Fatal(err)
		}
		ob, err := NewOutbox(OutboxOptions{Store: s, Logger: quietLog, Dispatcher: d})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		var run sync.WaitGroup
		run.Add(2)
		go func() { defer run.Done(); _ = d.Run(ctx) }()
		go func() { defer run.Done(); _ = ob.Run(ctx) }()
		const calls, perCall = 40, 5
		var emit sync.WaitGroup
		for c := 0; c < calls; c++ {
			emit.Add(1)
			go func(call string) {
				defer emit.Done()
				for seq := 0; seq < perCall; seq++ {
					if err := ob.Emit(ctx, "a", EventCallOffered, call, map[string]int{"seq": seq}); err != nil {
						t.Errorf("emit %s/%d: %v", call, seq, err)
						return
					}
				}
			}("c" + strconv.Itoa(c))
		}
		emit.Wait()
		// Wait for the receiver to have every event and for the table to
		// say so: the last outcome is stored a moment after the receiver
		// answered, and one still on its way when the writer stops stays
		// pending (it is sent again after a restart), which is not what
		// this test is about.
		deadline := time.Now().Add(30 * time.Second)
		for {
			mu.Lock()
			n := 0
			for _, seqs := range got {
				n += len(seqs)
			}
			mu.Unlock()
			if n >= calls*perCall {
				st, err := s.WebhookDeliveryStats(context.Background(), "a", "h", time.Time{})
				if err != nil {
					t.Fatal(err)
				}
				if st.Delivered >= calls*perCall {
					break
				}
			}
			if time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		run.Wait()
		mu.Lock()
		defer mu.Unlock()
		for c := 0; c < calls; c++ {
			call := "c" + strconv.Itoa(c)
			seqs := got[call]
			if len(seqs) != perCall {
				t.Errorf("%s: got %v, want %d events once each", call, seqs, perCall)
				continue
			}
			for i, seq := range seqs {
				if seq != i {
					t.Errorf("%s: arrived in the order %v", call, seqs)
					break
				}
			}
		}
		st, err := s.WebhookDeliveryStats(context.Background(), "a", "h", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if st.Delivered != calls*perCall || st.Pending != 0 || st.Dead != 0 {
			t.Errorf("table after the run: %+v, want %d delivered", st, calls*perCall)
		}
	})
}

// A batch the database refuses: every caller waiting on it (Emit and Sync
// alike) gets the error and none is told its event is written; the
// dispatcher's outcomes in it get it too; the next batch is written again.
func TestWriterFailedBatchAnswersEveryWaiter(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		writerHook(t, s, "http://127.0.0.1:9/")
		ob, err := NewOutbox(OutboxOptions{Store: s, Logger: quietLog, RetryFor: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		// The table is away: every write of the batch fails.
		if _, err := s.DB().ExecContext(ctx, `ALTER TABLE webhook_deliveries RENAME TO webhook_deliveries_away`); err != nil {
			t.Fatal(err)
		}
		const emitters = 12
		errs := make(chan error, emitters+2)
		for i := 0; i < emitters; i++ {
			go func(i int) {
				errs <- ob.Emit(ctx, "a", EventCallOffered, "c"+strconv.Itoa(i%3), map[string]int{"i": i})
			}(i)
		}
		queued(t, ob, emitters)
		go func() { errs <- ob.Sync(ctx) }()
		go func() {
			errs <- ob.finish(ctx, []store.DeliveryOutcome{{ID: 1, Status: store.DeliveryDelivered, At: time.Now()}})
		}()
		queued(t, ob, emitters+2)
		// All of them are in one batch: run the writer now.
		rctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); _ = ob.Run(rctx) }()
		for i := 0; i < emitters+2; i++ {
			select {
			case err := <-errs:
				if err == nil {
					t.Errorf("a waiter of the refused batch was told it is written")
				} else if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("a waiter got %v, not the database's error", err)
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("%d waiters not answered", emitters+2-i)
			}
		}
		if _, err := s.DB().ExecContext(ctx, `ALTER TABLE webhook_deliveries_away RENAME TO webhook_deliveries`); err != nil {
			t.Fatal(err)
		}
		if err := ob.Emit(ctx, "a", EventCallOffered, "c9", map[string]int{"i": 99}); err != nil {
			t.Fatalf("after the table is back: %v", err)
		}
		stop()
		<-done
		dels, err := s.FindWebhookDeliveries(ctx, "a", "h", store.DeliveryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(dels) != 1 || dels[0].CallID != "c9" {
			t.Errorf("deliveries %d (%+v), want only the one emitted after the failure", len(dels), dels)
		}
	})
}

// Stopping: what was emitted before the stop is written before Run
// returns (EmitAsync included), later Emits are refused, and the
// dispatcher's outcomes then go to the store directly.
func TestWriterDrainsOnShutdown(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		writerHook(t, s, "http://127.0.0.1:9/")
		ob, err := NewOutbox(OutboxOptions{Store: s, Logger: quietLog})
		if err != nil {
			t.Fatal(err)
		}
		const n = 30
		errs := make(chan error, n)
		for i := 0; i < n; i++ {
			if i%2 == 0 {
				ob.EmitAsync("a", EventCallOffered, "c"+strconv.Itoa(i%5), map[string]int{"i": i})
				errs <- nil
				continue
			}
			go func(i int) {
				errs <- ob.Emit(ctx, "a", EventCallOffered, "c"+strconv.Itoa(i%5), map[string]int{"i": i})
			}(i)
		}
		queued(t, ob, n)
		rctx, stop := context.WithCancel(ctx)
		stop() // Run starts stopped: it only drains
		if err := ob.Run(rctx); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			if err := <-errs; err != nil {
				t.Errorf("emit before the stop: %v", err)
			}
		}
		dels, err := s.FindWebhookDeliveries(ctx, "a", "h", store.DeliveryFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(dels) != n {
			t.Errorf("%d deliveries written by the drain, want %d", len(dels), n)
		}
		if err := ob.Emit(ctx, "a", EventCallOffered, "c1", nil); !errors.Is(err, ErrOutboxClosed) {
			t.Errorf("emit after the stop: %v, want ErrOutboxClosed", err)
		}
		if err := ob.finish(ctx, []store.DeliveryOutcome{{ID: dels[0].ID, Status: store.DeliveryDelivered, At: time.Now()}}); !errors.Is(err, ErrOutboxClosed) {
			t.Errorf("outcome after the stop: %v, want ErrOutboxClosed (the finisher then stores it itself)", err)
		}
	})
}
