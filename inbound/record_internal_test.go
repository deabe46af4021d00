package inbound

import (
	"testing"
	"time"

	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/store"
)

func TestTrunkOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		vars map[string]string
		want string
	}{
		{"ipcc_trunk", map[string]string{"ipcc_trunk": "e1-span1", "trunk": "other"}, "e1-span1"},
		{"gateway", map[string]string{"ipcc_gateway": "unicom"}, "unicom"},
		{"plain Stasis argument", map[string]string{"trunk": "pri-1"}, "pri-1"},
		{"not said", map[string]string{"ipcc_did": "4001"}, ""},
		{"no variables", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := trunkOf(tt.vars); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseTarget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want dialplan.Target
		ok   bool
	}{
		{"queue:support", dialplan.Target{Kind: dialplan.KindQueue, Ref: "support"}, true},
		{"flow:main", dialplan.Target{Kind: dialplan.KindFlow, Ref: "main"}, true},
		{"extension:3001", dialplan.Target{Kind: dialplan.KindExtension, Ref: "3001"}, true},
		{"hangup", dialplan.Target{}, false},
		{"queue:", dialplan.Target{Kind: dialplan.KindQueue}, false},
		{"", dialplan.Target{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseTarget(tt.in)
			if ok != tt.ok || (ok && got != tt.want) {
				t.Fatalf("got %+v %v, want %+v %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// Hold periods add up, an open one counts until now, agents offered are
// listed once in order, and the IVR path keeps every visit.
func TestRecordAccumulates(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	r := NewRecord(nil, nil, func() time.Time { return now }, nil, store.CallRecord{ID: "c1"})
	steps := []struct {
		do       func()
		wantHold int64
	}{
		{func() { r.Hold(true); now = now.Add(2 * time.Second) }, 2000},
		{func() { r.Hold(true); now = now.Add(time.Second); r.Hold(false) }, 3000}, // a second hold while held changes nothing
		{func() { now = now.Add(5 * time.Second); r.Hold(false) }, 3000},
		{func() { r.Hold(true); now = now.Add(500 * time.Millisecond) }, 3500},
	}
	for i, s := range steps {
		s.do()
		if got := r.Snapshot().HoldMS; got != s.wantHold {
			t.Fatalf("step %d: hold %d ms, want %d", i, got, s.wantHold)
		}
	}
	for _, a := range []string{"ann", "bob", "ann", ""} {
		r.Offered(a)
	}
	r.VisitedNodes("main/welcome", "main/menu")
	r.VisitedNodes("main/menu")
	r.Transferred()
	r.Conferenced()
	got := r.Snapshot()
	if got.AgentsOffered != `["ann","bob"]` || got.IVRPath != `["main/welcome","main/menu","main/menu"]` || got.Transfers != 1 || got.Conferences != 1 {
		t.Fatalf("record %+v", got)
	}
	var nilRec *Record // queues without a record must not fail
	nilRec.Offered("ann")
	nilRec.Hold(true)
	nilRec.Save()
	if nilRec.ID() != "" || !nilRec.LegAnsweredAt("x").IsZero() {
		t.Fatal("nil record")
	}
}

func TestQueuedSince(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
	// Queue entry 10 s into the call (after the IVR).
	rec := store.CallRecord{StartedAt: start, IVRMS: 10_000}
	t.Run("first queue: the end of the IVR", func(t *testing.T) {
		if got := queuedSince(rec); !got.Equal(start.Add(10 * time.Second)) {
			t.Fatalf("%s", got)
		}
	})
	t.Run("a later queue (after a wait or a transfer): unknown", func(t *testing.T) {
		r := rec
		r.WaitMS = 60_000
		if got := queuedSince(r); !got.IsZero() {
			t.Fatalf("%s", got)
		}
		r = rec
		r.Transfers = 1
		if got := queuedSince(r); !got.IsZero() {
			t.Fatalf("%s", got)
		}
	})
}
