package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// docs/calls.md sends readers to GET /api/v1/recordings/{id}: it answers a
// recording's metadata (it was a 404), to agents for their own calls only.
func TestGetRecordingByID(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		_, tok := e.setup()
		ctx := context.Background()
		var me struct{ ID string }
		e.do("GET", "/api/v1/me", nil, bearer(tok["a/agent"])...).json(t, &me)
		for i, agent := range []string{me.ID, "someone-else"} {
			r := &store.RecordingRow{TenantID: "a", ID: "rec" + string(rune('1'+i)), CallID: "call", AgentID: agent, ANI: "13800138000",
				Path: "/rec/x.wav", StartedAt: time.Now()}
			if err := s.SaveRecording(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		var got store.RecordingRow
		r := e.do("GET", "/api/v1/recordings/rec2", nil, bearer(tok["a/supervisor"])...)
		r.json(t, &got)
		if r.Status != 200 || got.ID != "rec2" || got.CallID != "call" {
			t.Fatalf("supervisor: %d %s", r.Status, r.Body)
		}
		if r := e.do("GET", "/api/v1/recordings/rec1", nil, bearer(tok["a/agent"])...); r.Status != 200 {
			t.Fatalf("own: %d %s", r.Status, r.Body)
		}
		for _, tc := range []struct{ id, who string }{{"rec2", "a/agent"}, {"rec1", "b/admin"}, {"nope", "a/admin"}} {
			if r := e.do("GET", "/api/v1/recordings/"+tc.id, nil, bearer(tok[tc.who])...); r.Status != 404 {
				t.Errorf("%s as %s: %d", tc.id, tc.who, r.Status)
			}
		}
	})
}
