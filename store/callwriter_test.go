package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// openWriter opens a fresh, migrated store with the writer options (the
// log goes to logs) and returns it with its URL, for reopening.
func openWriter(t *testing.T, d store.Dialect, o store.CallWriterOptions, logs *syncBuffer) (*store.Store, string) {
	t.Helper()
	u := storetest.URL(t, d)
	if logs != nil {
		o.Logger = slog.New(slog.NewTextHandler(logs, nil))
	}
	s, err := store.Open(context.Background(), u, store.Options{MaxOpenConns: 4, CallWriter: o})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.MigrateUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, u
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// gate holds the writer's first transaction until opened, so that saves
// pile up behind it.
type gate struct {
	once    sync.Once
	entered chan struct{}
	open    chan struct{}
}

func newGate() *gate { return &gate{entered: make(chan struct{}), open: make(chan struct{})} }

func (g *gate) fault(calls []string) error {
	first := false
	g.once.Do(func() { first = true; close(g.entered) })
	if first {
		<-g.open
	}
	return nil
}

var t0 = time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)

func call(id string) store.CallRecord {
	return store.CallRecord{TenantID: "t1", ID: id, Switch: "sw1", Leg: "leg-" + id, Direction: "inbound", ANI: "13800138000", DNIS: "4001", StartedAt: t0}
}

// Saves of the same call wait as one group: the latest row of the call
// and of each leg is written once, with the call's updates after its row,
// many calls per transaction.
func TestCallWriterCoalescesAndBatches(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			s, _ := openWriter(t, d, store.CallWriterOptions{BatchRows: 100}, nil)
			ctx := context.Background()
			g := newGate()
			var txs atomic.Int64
			store.SetCallWriterFault(s, func(calls []string) error { txs.Add(1); return g.fault(calls) })
			if err := s.QueueCall(call("first")); err != nil {
				t.Fatal(err)
			}
			<-g.entered
			const n = 50
			for i := 0; i < n; i++ {
				id := fmt.Sprintf("c%02d", i)
				c := call(id)
				// An agent's leg saved before the call's first row (as
				// click-to-dial does), then each row again, later.
				leg := store.CallLeg{TenantID: "t1", CallID: id, LegID: "agent-" + id, Role: "agent", StartedAt: t0}
				if err := s.QueueCallLeg(leg); err != nil {
					t.Fatal(err)
				}
				if err := s.QueueCall(c); err != nil {
					t.Fatal(err)
				}
				ans, end := t0.Add(time.Second), t0.Add(time.Minute)
				leg.AnsweredAt, leg.EndedAt = &ans, &end
				if err := s.QueueCallLeg(leg); err != nil {
					t.Fatal(err)
				}
				c.EndedAt, c.Disposition, c.AgentID = &end, "answered", "bob"
				if err := s.QueueCall(c); err != nil {
					t.Fatal(err)
				}
			}
			// A wrap-up arriving while the call's rows still wait is written
			// after them.
			wrapDone := make(chan error, 1)
			go func() { wrapDone <- s.SetCallWrapUp(ctx, "t1", "c07", 9*time.Second) }()
			waitUntil(t, "the wrap-up is queued", func() bool { return s.CallWriterStats().Queued == 2*n+1 })
			close(g.open)
			if err := <-wrapDone; err != nil {
				t.Fatalf("wrap-up: %v", err)
			}
			if err := s.FlushCalls(ctx); err != nil {
				t.Fatal(err)
			}
			st := s.CallWriterStats()
			if st.Written != 1+2*n+1 || st.Queued != 0 || st.Refused != 0 {
				t.Errorf("stats %+v: want %d rows written", st, 1+2*n+1)
			}
			if txs.Load() > 4 {
				t.Errorf("%d transactions for %d rows in batches of 100", txs.Load(), st.Written)
			}
			for i := 0; i < n; i++ {
				id := fmt.Sprintf("c%02d", i)
				c, err := s.GetCall(ctx, "t1", id)
				if err != nil || c.EndedAt == nil || c.Disposition != "answered" || c.AgentID != "bob" {
					t.Fatalf("call %s: %+v %v", id, c, err)
				}
				legs, err := s.ListCallLegs(ctx, "t1", id)
				if err != nil || len(legs) != 1 || legs[0].AnsweredAt == nil || legs[0].EndedAt == nil {
					t.Fatalf("legs of %s: %+v %v", id, legs, err)
				}
			}
			if c, _ := s.GetCall(ctx, "t1", "c07"); c.WrapUpMS != 9000 {
				t.Errorf("wrap-up %d ms, want 9000", c.WrapUpMS)
			}
		})
	}
}

// A database that is busy or unreachable for a while delays the records;
// they are retried until written, and the writer says it is failing.
func TestCallWriterRetriesUntilWritten(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			logs := &syncBuffer{}
			s, _ := openWriter(t, d, store.CallWriterOptions{}, logs)
			var fails atomic.Int64
			store.SetCallWriterFault(s, func([]string) error {
				if fails.Add(1) <= 4 {
					return fmt.Errorf("dial tcp 127.0.0.1:5432: %w", syscall.ECONNREFUSED)
				}
				return nil
			})
			if err := s.QueueCall(call("c1")); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := s.GetCall(ctx, "t1", "c1"); err != nil {
				t.Fatalf("record not written after the database came back: %v", err)
			}
			st := s.CallWriterStats()
			if st.Retries != 4 || st.Written != 1 || !st.FailingSince.IsZero() {
				t.Errorf("stats %+v: want 4 retries, 1 row, not failing", st)
			}
			if !strings.Contains(logs.String(), "call records not written; retrying") || !strings.Contains(logs.String(), "call records are written again") {
				t.Errorf("log does not tell the failure and the recovery:\n%s", logs)
			}
		})
	}
}

// A row the database refuses for good is logged with its content; the
// other calls of its batch are written.
func TestCallWriterRefusedRowDoesNotHoldBackOthers(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			logs := &syncBuffer{}
			s, _ := openWriter(t, d, store.CallWriterOptions{}, logs)
			g := newGate()
			store.SetCallWriterFault(s, func(calls []string) error {
				_ = g.fault(calls)
				for _, id := range calls {
					if id == "bad" {
						return &pq.Error{Code: "22021", Message: `invalid byte sequence for encoding "UTF8": 0x00`}
					}
				}
				return nil
			})
			_ = s.QueueCall(call("first"))
			<-g.entered
			for _, id := range []string{"a", "bad", "b"} {
				if err := s.QueueCall(call(id)); err != nil {
					t.Fatal(err)
				}
			}
			close(g.open)
			ctx := context.Background()
			if err := s.FlushCalls(ctx); err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{"a", "b"} {
				if _, err := s.GetCall(ctx, "t1", id); err != nil {
					t.Errorf("call %s of the refused row's batch: %v", id, err)
				}
			}
			if _, err := s.GetCall(ctx, "t1", "bad"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("refused call: %v", err)
			}
			if st := s.CallWriterStats(); st.Refused != 1 {
				t.Errorf("refused %d rows, want 1", st.Refused)
			}
			if l := logs.String(); !strings.Contains(l, "call record refused by the database") || !strings.Contains(l, `\"id\":\"bad\"`) {
				t.Errorf("the refused row is not logged with its content:\n%s", l)
			}
		})
	}
}

// PostgreSQL refuses a NUL byte in text: that call is logged, the others
// are written.
func TestCallWriterNULOnPostgres(t *testing.T) {
	logs := &syncBuffer{}
	s, _ := openWriter(t, store.Postgres, store.CallWriterOptions{}, logs)
	g := newGate()
	store.SetCallWriterFault(s, g.fault)
	_ = s.QueueCall(call("first"))
	<-g.entered
	bad := call("nul")
	bad.ANI = "138\x00"
	for _, c := range []store.CallRecord{call("a"), bad, call("b")} {
		if err := s.QueueCall(c); err != nil {
			t.Fatal(err)
		}
	}
	close(g.open)
	ctx := context.Background()
	if err := s.FlushCalls(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b"} {
		if _, err := s.GetCall(ctx, "t1", id); err != nil {
			t.Errorf("call %s: %v", id, err)
		}
	}
	if st := s.CallWriterStats(); st.Refused != 1 || st.Retries != 0 {
		t.Errorf("stats %+v: want the NUL row refused at once", st)
	}
	if !strings.Contains(logs.String(), "call nul") {
		t.Errorf("refused row not named:\n%s", logs)
	}
}

// Past QueueLimit rows a save of a new row waits for room; a save
// replacing a waiting row does not; a save with a deadline gives up.
func TestCallWriterBackpressure(t *testing.T) {
	s, _ := openWriter(t, store.SQLite, store.CallWriterOptions{QueueLimit: 4}, nil)
	g := newGate()
	store.SetCallWriterFault(s, g.fault)
	_ = s.QueueCall(call("first"))
	<-g.entered
	for i := 1; i <= 4; i++ {
		if err := s.QueueCall(call(fmt.Sprint("c", i))); err != nil {
			t.Fatal(err)
		}
	}
	again := call("c2")
	again.Disposition = "answered"
	if err := s.QueueCall(again); err != nil { // replaces a waiting row: no wait
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	c5 := call("c5")
	if err := s.SaveCall(ctx, &c5); err == nil || !strings.Contains(err.Error(), "waits for room") {
		t.Fatalf("save into a full queue with a deadline: %v", err)
	}
	queued := make(chan error, 1)
	go func() { queued <- s.QueueCall(call("c6")) }()
	select {
	case err := <-queued:
		t.Fatalf("a new row was queued past the limit: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(g.open)
	if err := <-queued; err != nil {
		t.Fatal(err)
	}
	if err := s.FlushCalls(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := s.CallWriterStats()
	if st.BackpressureWaits < 2 || st.MaxQueued != 4 {
		t.Errorf("stats %+v: want the waits counted and at most 4 rows queued", st)
	}
	if c, err := s.GetCall(context.Background(), "t1", "c2"); err != nil || c.Disposition != "answered" {
		t.Errorf("c2: %+v %v", c, err)
	}
	if _, err := s.GetCall(context.Background(), "t1", "c6"); err != nil {
		t.Errorf("c6 (waited for room): %v", err)
	}
}

// Close writes what is queued; a database that stays down is given up on
// at the deadline, and every row not written is logged.
func TestCallWriterCloseDrains(t *testing.T) {
	t.Run("drains", func(t *testing.T) {
		s, u := openWriter(t, store.SQLite, store.CallWriterOptions{}, nil)
		for i := 0; i < 300; i++ {
			if err := s.QueueCall(call(fmt.Sprint("c", i))); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.QueueCall(call("late")); !errors.Is(err, store.ErrClosed) {
			t.Errorf("save after close: %v", err)
		}
		r, err := store.Open(context.Background(), u, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		calls, err := r.ListCalls(context.Background(), "t1", store.CallFilter{Limit: 1000})
		if err != nil || len(calls) != 300 {
			t.Errorf("%d calls after close, want 300 (%v)", len(calls), err)
		}
	})
	t.Run("gives up at the deadline", func(t *testing.T) {
		logs := &syncBuffer{}
		s, _ := openWriter(t, store.SQLite, store.CallWriterOptions{FlushTimeout: 300 * time.Millisecond}, logs)
		store.SetCallWriterFault(s, func([]string) error { return fmt.Errorf("read: %w", syscall.ECONNRESET) })
		for _, id := range []string{"x1", "x2"} {
			if err := s.QueueCall(call(id)); err != nil {
				t.Fatal(err)
			}
		}
		leg := store.CallLeg{TenantID: "t1", CallID: "x1", LegID: "leg-b", Role: "agent", StartedAt: t0}
		_ = s.QueueCallLeg(leg)
		start := time.Now()
		s.Close()
		if took := time.Since(start); took > 10*time.Second {
			t.Errorf("close took %s with a 300ms deadline", took)
		}
		var unwritten []string
		for _, line := range strings.Split(logs.String(), "\n") {
			if strings.Contains(line, "call record not written before closing; its content follows") {
				_, row, _ := strings.Cut(line, ` row="`)
				row, _, _ = strings.Cut(row, `"`)
				unwritten = append(unwritten, row)
			}
		}
		slices.Sort(unwritten)
		if got := strings.Join(unwritten, ", "); got != "call x1, call x2, leg leg-b of call x1" {
			t.Errorf("logged as unwritten: %s\n%s", got, logs)
		}
		if st := s.CallWriterStats(); st.Unwritten != 3 {
			t.Errorf("unwritten %d, want 3", st.Unwritten)
		}
	})
}

// Every pooled SQLite connection has the settings the writer relies on:
// WAL (readers do not block the writer), a busy timeout (a writer waits
// for the lock instead of failing at once), foreign keys, NORMAL sync.
func TestSQLiteConnectionSettings(t *testing.T) {
	s := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	var conns []interface{ Close() error }
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < 3; i++ {
		c, err := s.DB().Connx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		for pragma, want := range map[string]string{"journal_mode": "wal", "busy_timeout": "10000", "foreign_keys": "1", "synchronous": "1"} {
			var got string
			if err := c.GetContext(ctx, &got, "PRAGMA "+pragma); err != nil || got != want {
				t.Errorf("connection %d: PRAGMA %s = %q (%v), want %q", i, pragma, got, err, want)
			}
		}
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
