package api_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

func TestCallsAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		_, tok := e.setup()
		ctx := context.Background()
		start := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
		end := start.Add(90 * time.Second)
		for i, ten := range []string{"a", "b"} {
			rec := &store.CallRecord{TenantID: ten, ID: "call-" + ten, Leg: "leg", ANI: "1380013800" + string(rune('0'+i)), DNIS: "4001", StartedAt: start, EndedAt: &end,
				Disposition: "answered", Trace: `[{"Kind":"route","Detail":"route 4001 matched"}]`}
			if err := s.SaveCall(ctx, rec); err != nil {
				t.Fatal(err)
			}
		}
		var list []store.CallRecord
		r := e.do("GET", "/api/v1/calls?number=38001", nil, bearer(tok["a/supervisor"])...)
		r.json(t, &list)
		if r.Status != 200 || len(list) != 1 || list[0].ID != "call-a" {
			t.Fatalf("list: %d %s", r.Status, r.Body)
		}
		r = e.do("GET", "/api/v1/calls/call-a", nil, bearer(tok["a/admin"])...)
		if r.Status != 200 || !strings.Contains(string(r.Body), "route 4001 matched") {
			t.Fatalf("get: %d %s", r.Status, r.Body)
		}
		if r := e.do("GET", "/api/v1/calls/call-b", nil, bearer(tok["a/admin"])...); r.Status != 404 {
			t.Fatalf("another tenant's call: %d", r.Status)
		}
		if r := e.do("GET", "/api/v1/calls", nil, bearer(tok["a/agent"])...); r.Status != 403 {
			t.Fatalf("agent listing calls: %d", r.Status)
		}
		if r := e.do("GET", "/api/v1/calls?since=monday", nil, bearer(tok["a/admin"])...); r.Status != 400 {
			t.Fatalf("bad since: %d", r.Status)
		}
		if r := e.do("GET", "/api/v1/calls?direction=sideways", nil, bearer(tok["a/admin"])...); r.Status != 400 || !strings.Contains(string(r.Body), "direction") {
			t.Fatalf("bad direction: %d %s", r.Status, r.Body)
		}
	})
}

// A call's detail record comes with its legs, recordings, voicemail
// message and survey rating; listings filter by queue, agent and direction.
func TestCallDetailAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		_, tok := e.setup()
		ctx := context.Background()
		start := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
		ans, end := start.Add(20*time.Second), start.Add(2*time.Minute)
		vm := &store.VoicemailMessage{TenantID: "a", Mailbox: "sales", CallID: "c-in", Caller: "13800138000", Path: "/vm/1.wav", CreatedAt: end}
		if err := s.AddVoicemail(ctx, vm); err != nil {
			t.Fatal(err)
		}
		score := 1
		calls := []*store.CallRecord{
			{TenantID: "a", ID: "c-in", Switch: "sw1", Leg: "l1", Direction: "inbound", ANI: "13800138000", DNIS: "4001", StartedAt: start, AnsweredAt: &ans, EndedAt: &end,
				Disposition: "answered", QueueID: "support", AgentID: "bob", IVRPath: `["main/welcome","main/menu"]`, AgentsOffered: `["ann","bob"]`, Transfers: 1, HoldMS: 3000,
				SurveyScore: &score, VoicemailID: strconv.FormatInt(vm.ID, 10)},
			{TenantID: "a", ID: "c-out", Switch: "sw1", Leg: "l9", Direction: "outbound", ANI: "2002", DNIS: "013900000000", StartedAt: start.Add(time.Minute), EndedAt: &end, Disposition: "busy", AgentID: "cid"},
		}
		for _, c := range calls {
			if err := s.SaveCall(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		for _, l := range []store.CallLeg{
			{TenantID: "a", CallID: "c-in", LegID: "l1", Role: "caller", Endpoint: "13800138000", StartedAt: start, AnsweredAt: &ans, EndedAt: &end},
			{TenantID: "a", CallID: "c-in", LegID: "l2", Role: "agent", AgentID: "ann", Endpoint: "2001", StartedAt: start.Add(5 * time.Second), EndedAt: &ans, HangupCause: "NO_ANSWER"},
			{TenantID: "a", CallID: "c-in", LegID: "l3", Role: "listen", Endpoint: "2900", StartedAt: start.Add(30 * time.Second)},
		} {
			if err := s.SaveCallLeg(ctx, &l); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.SaveRecording(ctx, &store.RecordingRow{TenantID: "a", ID: "rec-1", CallID: "c-in", AgentID: "bob", Path: "/rec/1.wav", StartedAt: ans}); err != nil {
			t.Fatal(err)
		}
		if err := s.AddSurveyResult(ctx, &store.SurveyResult{TenantID: "a", CallID: "c-in", AgentID: "bob", Queue: "support", Score: 1, CreatedAt: end}); err != nil {
			t.Fatal(err)
		}

		var v struct {
			ID            string   `json:"id"`
			IVRPath       []string `json:"ivr_path"`
			AgentsOffered []string `json:"agents_offered"`
			Transfers     int      `json:"transfers"`
			HoldMS        int64    `json:"hold_ms"`
			SurveyScore   *int     `json:"survey_score"`
			Legs          []store.CallLeg
			Recordings    []store.RecordingRow
			Voicemail     *store.VoicemailMessage
			Surveys       []store.SurveyResult
		}
		r := e.do("GET", "/api/v1/calls/c-in", nil, bearer(tok["a/supervisor"])...)
		r.json(t, &v)
		if r.Status != 200 || len(v.IVRPath) != 2 || v.AgentsOffered[0] != "ann" || v.Transfers != 1 || v.HoldMS != 3000 || v.SurveyScore == nil || *v.SurveyScore != 1 {
			t.Fatalf("call: %d %s", r.Status, r.Body)
		}
		if len(v.Legs) != 3 || v.Legs[1].HangupCause != "NO_ANSWER" || v.Legs[2].Role != "listen" || len(v.Recordings) != 1 || v.Recordings[0].ID != "rec-1" ||
			v.Voicemail == nil || v.Voicemail.Path != "/vm/1.wav" || len(v.Surveys) != 1 {
			t.Fatalf("call details: %s", r.Body)
		}

		tests := []struct {
			query string
			want  []string
		}{
			{"queue=support", []string{"c-in"}},
			{"agent=ann", []string{"c-in"}},
			{"agent=cid", []string{"c-out"}},
			{"direction=outbound", []string{"c-out"}},
			{"direction=internal", nil},
		}
		for _, tt := range tests {
			t.Run(tt.query, func(t *testing.T) {
				var list []struct {
					ID      string   `json:"id"`
					IVRPath []string `json:"ivr_path"`
				}
				r := e.do("GET", "/api/v1/calls?"+tt.query, nil, bearer(tok["a/admin"])...)
				r.json(t, &list)
				if r.Status != 200 || len(list) != len(tt.want) || (len(list) > 0 && list[0].ID != tt.want[0]) || (len(list) > 0 && list[0].IVRPath == nil) {
					t.Fatalf("%d %s", r.Status, r.Body)
				}
			})
		}
	})
}
