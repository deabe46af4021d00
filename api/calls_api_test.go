package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

func TestCallsAPI(t *testing.T) {
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
	})
}
