package acd

import (
	"encoding/json"
	"testing"
	"time"
)

func TestDurationJSON(t *testing.T) {
	var q struct{ D Duration }
	for in, want := range map[string]time.Duration{`{"D":"1m30s"}`: 90 * time.Second, `{"D":20}`: 20 * time.Second, `{"D":0.5}`: 500 * time.Millisecond} {
		if err := json.Unmarshal([]byte(in), &q); err != nil || q.D.D() != want {
			t.Errorf("%s: %v %v", in, q.D.D(), err)
		}
	}
	for _, in := range []string{`{"D":"soon"}`, `{"D":true}`} {
		if err := json.Unmarshal([]byte(in), &q); err == nil {
			t.Errorf("%s accepted", in)
		}
	}
	b, _ := json.Marshal(QueueConfig{ID: "q", Name: "q", Strategy: RingAll, RingTimeout: Duration(15 * time.Second)})
	var back QueueConfig
	if err := json.Unmarshal(b, &back); err != nil || back.RingTimeout.D() != 15*time.Second {
		t.Fatalf("round trip %s: %+v %v", b, back, err)
	}
}

// FuzzQueueConfig: any JSON either fails to decode, fails validation with a
// field error, or is a configuration the engine accepts and uses.
func FuzzQueueConfig(f *testing.F) {
	f.Add(`{"id":"sales","name":"Sales","strategy":"ring-all","ring_timeout":"15s","limits":{"max_length":3,"when_no_agents":"leave"},"overflow":{"queue_full":{"kind":"number","value":"+86100"}}}`)
	f.Add(`{"id":"q","name":"Q","strategy":"weighted-random","announcements":{"position":true,"position_interval":5}}`)
	f.Add(`{"id":"x","name":"y","strategy":"lottery"}`)
	f.Fuzz(func(t *testing.T, in string) {
		var q QueueConfig
		if err := json.Unmarshal([]byte(in), &q); err != nil {
			return
		}
		if err := q.Validate(); err != nil {
			if _, ok := err.(*FieldError); !ok {
				t.Fatalf("validation error without a field: %v", err)
			}
			return
		}
		h := newHarness(t, Options{})
		if err := h.e.SetQueue(h.ctx, q); err != nil {
			t.Fatalf("valid config refused: %v", err)
		}
		if err := h.e.SetMembers(h.ctx, q.ID, []Member{{AgentID: "a", Level: 1}}); err != nil {
			t.Fatal(err)
		}
		_ = h.e.Login(h.ctx, LoginRequest{AgentID: "a"})
		_, _ = h.e.Enqueue(h.ctx, CallRequest{CallID: "c", QueueID: q.ID})
		h.clk.Advance(time.Hour)
		if err := h.e.do(func(c *core) error { return checkInvariants(c) }); err != nil {
			t.Fatal(err)
		}
	})
}
