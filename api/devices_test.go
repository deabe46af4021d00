package api_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// Admins assign devices to users; each is checked against the device
// grammar (no CR LF, '/', '@', ',', '&', spaces, ...) and kept in its
// canonical form.
func TestAdminsAssignDevices(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newACDEnv(t, s)
		adm, id := bearer(e.tok["a/admin"]), e.ids["a/agent"]
		r := e.do("PATCH", "/api/v1/users/"+id, map[string]any{"devices": []string{"1001", "sip:1011", "mobile:13800138000", "raw:sofia/gateway/gw1/13900000000"}}, adm...)
		var u struct{ Devices []string }
		r.json(t, &u)
		if want := []string{"1001", "1011", "tel:13800138000", "raw:sofia/gateway/gw1/13900000000"}; r.Status != 200 || !slices.Equal(u.Devices, want) {
			t.Fatalf("assign: %d %s", r.Status, r.Body)
		}
		e.do("GET", "/api/v1/users/"+id, nil, adm...).json(t, &u)
		if len(u.Devices) != 4 {
			t.Fatalf("get: %+v", u)
		}
		var me struct{ Devices []string }
		e.do("GET", "/api/v1/me", nil, bearer(e.tok["a/agent"])...).json(t, &me)
		if len(me.Devices) != 4 {
			t.Fatalf("the agent's own devices: %+v", me)
		}
		for _, tc := range []struct {
			devices []string
			field   string
		}{
			{[]string{"1001\r\nX-Evil: 1"}, "devices[0]"},
			{[]string{"1001", "1002/sip:x@evil.example"}, "devices[1]"},
			{[]string{"1001@other"}, "devices[0]"},
			{[]string{"1001,1002"}, "devices[0]"},
			{[]string{"1001&PJSIP/1002"}, "devices[0]"},
			{[]string{"10 01"}, "devices[0]"},
			{[]string{""}, "devices[0]"},
			{[]string{"tel:call-me"}, "devices[0]"},
			{[]string{"1001", "sip:1001"}, "devices[1]"},
			{[]string{"1", "2", "3", "4", "5", "6", "7", "8", "9"}, "devices"},
		} {
			r := e.do("PATCH", "/api/v1/users/"+id, map[string]any{"devices": tc.devices}, adm...)
			if code, field := r.errCode(t); r.Status != 400 || code != "invalid" || field != tc.field {
				t.Errorf("%q: %d %s", tc.devices, r.Status, r.Body)
			}
		}
		// Nothing changed; a supervisor cannot assign devices.
		e.do("GET", "/api/v1/users/"+id, nil, adm...).json(t, &u)
		if len(u.Devices) != 4 {
			t.Fatalf("after bad input: %+v", u)
		}
		if r := e.do("PATCH", "/api/v1/users/"+id, map[string]any{"devices": []string{"1"}}, bearer(e.tok["a/supervisor"])...); r.Status != 403 {
			t.Fatalf("supervisor assigning: %d", r.Status)
		}
		// Created with devices; listed with them.
		r = e.do("POST", "/api/v1/users", map[string]any{"username": "dora", "role": "agent", "password": "dora-password", "devices": []string{"1005"}}, adm...)
		if r.Status != 201 || !strings.Contains(string(r.Body), `"devices":["1005"]`) {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		var list []struct {
			Username string
			Devices  []string
		}
		e.do("GET", "/api/v1/users", nil, adm...).json(t, &list)
		for _, x := range list {
			if x.Username == "dora" && !slices.Equal(x.Devices, []string{"1005"}) || x.Devices == nil {
				t.Fatalf("listing: %+v", list)
			}
		}
	})
}

// An agent logs in only on a device assigned to them — never on another
// agent's, never on one with control characters — and not on one another
// logged-in agent is using (a shared desk phone).
func TestAgentLoginOnlyOnOwnDevice(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newACDEnv(t, s)
		adm, agent := bearer(e.tok["a/admin"]), bearer(e.tok["a/agent"])
		ctx := context.Background()
		// A second agent shares desk phone 1001 and has 1002 of its own.
		var bob struct{ ID string }
		e.do("POST", "/api/v1/users", map[string]any{"username": "bob", "role": "agent", "password": "bob-password", "devices": []string{"1002", "1001"}}, adm...).json(t, &bob)
		if r := e.do("PUT", "/api/v1/queues/sales/members/"+bob.ID, map[string]any{"level": 1}, adm...); r.Status != 200 {
			t.Fatalf("member: %d %s", r.Status, r.Body)
		}
		bobTok := bearer(e.login("a", "bob", "bob-password"))

		for _, tc := range []struct {
			name, device string
			status       int
			code         string
		}{
			{"another agent's device", "1002", 403, "forbidden"},
			{"an unassigned extension", "1099", 403, "forbidden"},
			{"a raw dial string", "raw:sofia/gateway/gw1/13900000000", 403, "forbidden"},
			{"CR LF", "1001\r\nX-Evil: 1", 400, "invalid"},
			{"a slash", "1001/sip:x@evil.example", 400, "invalid"},
		} {
			r := e.do("POST", "/api/v1/agent/login", map[string]any{"device": tc.device}, agent...)
			if code, field := r.errCode(t); r.Status != tc.status || code != tc.code || field != "device" {
				t.Errorf("%s: %d %s", tc.name, r.Status, r.Body)
			}
		}
		// Bob has two devices: he must choose.
		if r := e.do("POST", "/api/v1/agent/login", map[string]any{}, bobTok...); r.Status != 400 || !strings.Contains(string(r.Body), "1002, 1001") {
			t.Fatalf("bob without a device: %d %s", r.Status, r.Body)
		}
		// The agent's only device is taken when none is named.
		r := e.do("POST", "/api/v1/agent/login", map[string]any{}, agent...)
		if r.Status != 200 || !strings.Contains(string(r.Body), `"device":"1001"`) {
			t.Fatalf("login on the only device: %d %s", r.Status, r.Body)
		}
		// The shared phone is in use: bob is told by whom.
		r = e.do("POST", "/api/v1/agent/login", map[string]any{"device": "sip:1001"}, bobTok...)
		if code, field := r.errCode(t); r.Status != 409 || code != "device_in_use" || field != "device" || !strings.Contains(string(r.Body), "agent1") {
			t.Fatalf("device in use: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/api/v1/agent/login", map[string]any{"device": "1002"}, bobTok...); r.Status != 200 {
			t.Fatalf("bob on his own phone: %d %s", r.Status, r.Body)
		}
		// An agent without devices is told to ask an admin.
		e.do("PATCH", "/api/v1/users/"+e.ids["b/agent"], map[string]any{"devices": []string{}}, bearer(e.tok["b/admin"])...)
		r = e.do("POST", "/api/v1/agent/login", map[string]any{}, bearer(e.tok["b/agent"])...)
		if code, field := r.errCode(t); r.Status != 400 || code != "invalid" || field != "device" || !strings.Contains(string(r.Body), "admin") {
			t.Fatalf("no device: %d %s", r.Status, r.Body)
		}
		// The refused attempts are audited with the device tried.
		entries, err := s.ListAudit(ctx, "a", store.AuditFilter{Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, a := range entries {
			found = found || (a.Action == "POST /api/v1/agent/login" && a.Status == 403 && strings.Contains(a.Detail, `"device":"1002"`))
		}
		if !found {
			t.Fatal("no audit row for the login on another agent's device")
		}
	})
}

// A supervisor's monitor rings one of their own devices; left out, their
// only one.
func TestMonitorRingsTheSupervisorsDevice(t *testing.T) {
	t.Parallel()
	e := newACDEnv(t, storetest.Open(t, store.SQLite))
	if err := e.store.SaveCall(context.Background(), &store.CallRecord{TenantID: "a", ID: "call-a", ANI: "13800000001", StartedAt: envT0}); err != nil {
		t.Fatal(err)
	}
	sup := bearer(e.tok["a/supervisor"])
	if r := e.do("POST", "/api/v1/supervisor/calls/call-a/monitor", map[string]any{"mode": "listen"}, sup...); r.Status != 200 {
		t.Fatalf("monitor: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/supervisor/calls/call-a/monitor", map[string]any{"mode": "listen", "device": "1001"}, sup...); r.Status != 403 {
		t.Fatalf("monitor on the agent's phone: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/supervisor/calls/call-a/monitor", map[string]any{"mode": "barge", "device": "1001"}, bearer(e.tok["a/admin"])...); r.Status != 200 {
		t.Fatalf("an admin names any device: %d %s", r.Status, r.Body)
	}
	if got := e.sup.take(); !slices.Equal(got, []string{"monitor call-a 1009 listen", "monitor call-a 1001 barge"}) {
		t.Fatalf("supervision was asked %v", got)
	}
}
