package acd

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
)

// Durations are whole milliseconds in JSON, in fields named *_ms.
func TestDurationJSON(t *testing.T) {
	var q struct{ D Duration }
	for in, want := range map[string]time.Duration{`{"D":90000}`: 90 * time.Second, `{"D":20}`: 20 * time.Millisecond, `{"D":0}`: 0, `{"D":1.5e4}`: 15 * time.Second} {
		if err := json.Unmarshal([]byte(in), &q); err != nil || q.D.D() != want {
			t.Errorf("%s: %v %v", in, q.D.D(), err)
		}
	}
	for _, in := range []string{`{"D":"soon"}`, `{"D":"20s"}`, `{"D":true}`, `{"D":0.5}`, `{"D":1e300}`} {
		if err := json.Unmarshal([]byte(in), &q); err == nil {
			t.Errorf("%s accepted", in)
		}
	}
	b, _ := json.Marshal(QueueConfig{ID: "q", Name: "q", Strategy: RingAll, RingTimeout: Duration(15 * time.Second),
		Announcements: Announcements{PositionInterval: Duration(30 * time.Second)}, Limits: QueueLimits{MaxWait: Duration(3 * time.Minute)}})
	if !strings.Contains(string(b), `"ring_timeout_ms":15000`) || !strings.Contains(string(b), `"position_interval_ms":30000`) || !strings.Contains(string(b), `"max_wait_ms":180000`) {
		t.Fatalf("encoded %s", b)
	}
	var back QueueConfig
	if err := json.Unmarshal(b, &back); err != nil || back.RingTimeout.D() != 15*time.Second {
		t.Fatalf("round trip %s: %+v %v", b, back, err)
	}
}

// Queues stored before durations became milliseconds ("15s", or seconds)
// are read with their values; nothing is lost.
func TestLegacyQueueDocument(t *testing.T) {
	doc := `{"id":"sales","name":"Sales","strategy":"ring-all","ring_timeout":"15s","wrap_up":30,"service_level":"20s",
	 "announcements":{"lang":"en","position":true,"position_interval":"45s"},"limits":{"max_length":3,"max_wait":"5m"},"survey_flow":"survey"}`
	q, err := QueueFromRow(&store.ACDQueue{ID: "sales", Name: "Sales", Strategy: "ring-all", Config: doc})
	if err != nil {
		t.Fatal(err)
	}
	if q.RingTimeout.D() != 15*time.Second || q.WrapUp.D() != 30*time.Second || q.ServiceLevel.D() != 20*time.Second ||
		q.Announcements.PositionInterval.D() != 45*time.Second || q.Limits.MaxWait.D() != 5*time.Minute ||
		q.Limits.MaxLength != 3 || q.Announcements.Lang != "en" || !q.Announcements.Position || q.SurveyFlow != "survey" {
		t.Fatalf("legacy queue read as %+v", q)
	}
	if _, err := QueueFromRow(&store.ACDQueue{ID: "bad", Config: `{"ring_timeout":"soon"}`}); err == nil || !strings.Contains(err.Error(), "ring_timeout") {
		t.Fatalf("a bad legacy value: %v", err)
	}
}

// FuzzQueueConfig: any JSON either fails to decode, fails validation with a
// field error, or is a configuration the engine accepts and uses.
func FuzzQueueConfig(f *testing.F) {
	f.Add(`{"id":"sales","name":"Sales","strategy":"ring-all","ring_timeout_ms":15000,"limits":{"max_length":3,"when_no_agents":"leave"},"overflow":{"queue_full":{"kind":"number","value":"+86100"}}}`)
	f.Add(`{"id":"q","name":"Q","strategy":"weighted-random","announcements":{"position":true,"position_interval_ms":5000}}`)
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
