package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/api"
	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/ivrflows"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// flowEnv is an API server with tenants a and b and a body limit large
// enough for flow documents.
type flowEnv struct {
	t   *testing.T
	url string
	tok map[string]string // "a/admin", "a/supervisor", "a/agent", "b/admin"
}

func newFlowEnv(t *testing.T, s *store.Store) *flowEnv {
	t.Helper()
	a, err := auth.New(s, auth.Options{Secret: []byte("0123456789abcdef0123456789abcdef"), TokenTTL: time.Hour, BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Bootstrap(context.Background(), "super-secret-pw"); err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Options{Store: s, Auth: a, BodyLimit: 1 << 20, Version: "test", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	e := &flowEnv{t: t, url: hs.URL, tok: map[string]string{}}
	su := e.login("", "admin", "super-secret-pw")
	for _, ten := range []string{"a", "b"} {
		e.must(201, "POST", "/api/v1/tenants", "", map[string]string{"id": ten, "name": ten, "timezone": "Asia/Shanghai"}, su)
		for _, role := range []string{"admin", "supervisor", "agent"} {
			e.must(201, "POST", "/api/v1/users", ten, map[string]string{"username": role + "1", "role": role, "password": "password-" + role}, su)
			e.tok[ten+"/"+role] = e.login(ten, role+"1", "password-"+role)
		}
	}
	return e
}

func (e *flowEnv) call(method, path, tenant string, body any, tok string) (int, []byte) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, e.url+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if tenant != "" {
		req.Header.Set(api.TenantHeader, tenant)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// must sends a request and fails unless the status matches; it decodes the
// body into out when out is not nil.
func (e *flowEnv) must(status int, method, path, tenant string, body any, tok string, out ...any) []byte {
	e.t.Helper()
	got, b := e.call(method, path, tenant, body, tok)
	if got != status {
		e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, got, status, b)
	}
	if len(out) > 0 {
		if err := json.Unmarshal(b, out[0]); err != nil {
			e.t.Fatalf("decode %s: %v", b, err)
		}
	}
	return b
}

func (e *flowEnv) login(tenant, user, pw string) string {
	e.t.Helper()
	var tr struct{ Token string }
	e.must(200, "POST", "/api/v1/auth/login", "", map[string]string{"username": user, "password": pw, "tenant": tenant}, "", &tr)
	return tr.Token
}

// exampleJSON reads an example flow (YAML) and returns it as JSON.
func exampleJSON(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../examples/flows/" + name)
	if err != nil {
		t.Fatal(err)
	}
	f, err := ivrflows.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	j, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return j
}

type flowViewT struct {
	ID               string
	Name             string
	PublishedVersion int `json:"published_version"`
	Valid            bool
	Errors           []ivrflows.ValidationError
	Draft            json.RawMessage
}

func TestFlowLifecycle(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newFlowEnv(t, s)
		admin, sup, agent := e.tok["a/admin"], e.tok["a/supervisor"], e.tok["a/agent"]
		account := exampleJSON(t, "account.yaml")

		var v flowViewT
		e.must(201, "POST", "/api/v1/flows", "", account, admin, &v)
		if v.ID != "account" || !v.Valid || len(v.Errors) != 0 || v.PublishedVersion != 0 {
			t.Fatalf("created %s %v %v", v.ID, v.Valid, v.Errors)
		}
		e.must(409, "POST", "/api/v1/flows", "", account, admin)
		e.must(403, "POST", "/api/v1/flows", "", account, sup)
		e.must(403, "GET", "/api/v1/flows", "", nil, agent)
		var list []flowViewT
		e.must(200, "GET", "/api/v1/flows", "", nil, sup, &list)
		if len(list) != 1 || list[0].ID != "account" || list[0].Draft != nil || !list[0].Valid {
			t.Fatalf("list %+v", list)
		}
		e.must(404, "GET", "/api/v1/flows/account", "", nil, e.tok["b/admin"])
		e.must(200, "GET", "/api/v1/flows", "", nil, e.tok["b/supervisor"], &list)
		if len(list) != 0 {
			t.Fatalf("tenant b sees %+v", list)
		}

		// A broken draft is kept, but cannot be published.
		broken := strings.Replace(string(account), `"next": "after_balance"`, `"next": "after_balancex"`, 1)
		broken = strings.Replace(broken, `"pattern": "[0-9]{8}"`, `"pattern": "[0-9"`, 1)
		e.must(200, "PUT", "/api/v1/flows/account", "", broken, admin, &v)
		if v.Valid || len(v.Errors) != 2 {
			t.Fatalf("broken draft: valid %v errors %v", v.Valid, v.Errors)
		}
		var pub struct {
			Error struct {
				Code   string
				Field  string
				Errors []ivrflows.ValidationError
			}
		}
		e.must(400, "POST", "/api/v1/flows/account/publish", "", nil, admin, &pub)
		want := []ivrflows.ValidationError{
			{Node: "ask_account", Field: "pattern", Message: "bad regular expression: error parsing regexp: missing closing ]: `[0-9`"},
			{Node: "play_balance", Field: "next", Message: `edge to missing node "after_balancex"`},
		}
		if pub.Error.Code != "invalid_flow" || len(pub.Error.Errors) != len(want) {
			t.Fatalf("publish refused with %+v", pub)
		}
		for i := range want {
			if pub.Error.Errors[i] != want[i] {
				t.Errorf("error %d: %+v, want %+v", i, pub.Error.Errors[i], want[i])
			}
		}
		var val struct {
			Valid  bool
			Errors []ivrflows.ValidationError
		}
		e.must(200, "POST", "/api/v1/flows/account/validate", "", nil, sup, &val)
		if val.Valid || len(val.Errors) != 2 {
			t.Fatalf("validate %+v", val)
		}
		var versions []struct {
			Version   int
			Published bool
		}
		e.must(200, "GET", "/api/v1/flows/account/versions", "", nil, sup, &versions)
		if len(versions) != 0 {
			t.Fatalf("versions after a refused publish: %+v", versions)
		}

		// Publish twice, roll back to the first.
		e.must(200, "PUT", "/api/v1/flows/account", "", account, admin, &v)
		var p struct{ Version int }
		e.must(200, "POST", "/api/v1/flows/account/publish", "", nil, admin, &p)
		if p.Version != 1 {
			t.Fatalf("first publish %+v", p)
		}
		renamed := strings.Replace(string(account), `"name": "Account balance lookup"`, `"name": "Balance v2"`, 1)
		e.must(200, "PUT", "/api/v1/flows/account", "", renamed, admin, &v)
		if v.Name != "Balance v2" || v.PublishedVersion != 1 {
			t.Fatalf("after edit %s %d", v.Name, v.PublishedVersion)
		}
		e.must(200, "POST", "/api/v1/flows/account/publish", "", nil, admin, &p)
		if p.Version != 2 {
			t.Fatalf("second publish %+v", p)
		}
		e.must(200, "GET", "/api/v1/flows/account/versions", "", nil, sup, &versions)
		if len(versions) != 2 || versions[0].Version != 2 || !versions[0].Published || versions[1].Published {
			t.Fatalf("versions %+v", versions)
		}
		e.must(200, "POST", "/api/v1/flows/account/rollback", "", map[string]int{"version": 1}, admin, &v)
		if v.PublishedVersion != 1 {
			t.Fatalf("after rollback %d", v.PublishedVersion)
		}
		e.must(404, "POST", "/api/v1/flows/account/rollback", "", map[string]int{"version": 9}, admin)
		e.must(403, "POST", "/api/v1/flows/account/rollback", "", map[string]int{"version": 2}, sup)
		var ver struct {
			Version   int
			Published bool
			Document  json.RawMessage
		}
		e.must(200, "GET", "/api/v1/flows/account/versions/1", "", nil, sup, &ver)
		if !ver.Published || !strings.Contains(string(ver.Document), "Account balance lookup") {
			t.Fatalf("version 1: %+v", ver)
		}
		e.must(400, "GET", "/api/v1/flows/account/versions/x", "", nil, sup)

		// Bad documents name the problem.
		_, b := e.call("PUT", "/api/v1/flows/account", "", `{"id": "account", "start": "a", "nodes": [{"id": "a", "type": "play", "promt": []}]}`, admin)
		if !strings.Contains(string(b), `unknown field \"promt\"`) || !strings.Contains(string(b), `node \"a\"`) {
			t.Fatalf("unknown field: %s", b)
		}
		e.must(400, "PUT", "/api/v1/flows/account", "", `{"id": "other", "start": "a", "nodes": []}`, admin)
		e.must(400, "POST", "/api/v1/flows", "", `{"id": "bad id!", "start": "a", "nodes": []}`, admin)

		e.must(204, "DELETE", "/api/v1/flows/account", "", nil, admin)
		e.must(404, "GET", "/api/v1/flows/account", "", nil, admin)
		e.must(404, "GET", "/api/v1/flows/account/versions", "", nil, admin)
	})
}

func TestFlowSimulate(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newFlowEnv(t, s)
		admin, sup := e.tok["a/admin"], e.tok["a/supervisor"]
		e.must(201, "POST", "/api/v1/flows", "", exampleJSON(t, "main.yaml"), admin)
		e.must(201, "POST", "/api/v1/flows", "", exampleJSON(t, "account.yaml"), admin)
		e.must(200, "POST", "/api/v1/flows/account/publish", "", nil, admin)

		type simResult struct {
			Result ivrflows.Result
			Lines  []ivrflows.SimLine
		}
		var r simResult
		e.must(200, "POST", "/api/v1/flows/main/simulate", "", map[string]any{"caller": "13800000000", "did": "4001", "dtmf": "9,2", "at": "2026-10-01T10:00:00+08:00"}, sup, &r)
		o := r.Result.Outcome
		if o.Kind != ivrflows.OutcomeTransfer || o.Transfer.Kind != "queue" || o.Transfer.Target != "sales" || r.Result.Language != "en" {
			t.Fatalf("outcome %+v lines %+v", o, r.Lines)
		}
		if !r.Result.Started.Equal(time.Date(2026, 10, 1, 2, 0, 0, 0, time.UTC)) {
			t.Fatalf("started %v", r.Result.Started)
		}
		played := false
		for _, l := range r.Lines {
			played = played || (l.Kind == "play" && strings.Contains(l.Detail, "ivr/en/transfer_sales.wav"))
		}
		if !played {
			t.Fatalf("English transfer prompt not played: %+v", r.Lines)
		}

		// Option 1 enters the published account flow; the caller hangs up there.
		e.must(200, "POST", "/api/v1/flows/main/simulate", "", map[string]any{"dtmf": "1,h"}, sup, &r)
		if r.Result.Outcome.Kind != ivrflows.OutcomeCallerHangup || r.Result.Outcome.Node != "ask_account" {
			t.Fatalf("outcome %+v", r.Result.Outcome)
		}
		// The holiday flow is not stored: the transfer fails cleanly.
		e.must(200, "POST", "/api/v1/flows/main/simulate", "", map[string]any{"schedules": map[string]string{"main-hours": "holiday"}}, sup, &r)
		if r.Result.Outcome.Kind != ivrflows.OutcomeError || !strings.Contains(r.Result.Outcome.Reason, "holiday") {
			t.Fatalf("outcome %+v", r.Result.Outcome)
		}
		e.must(400, "POST", "/api/v1/flows/main/simulate", "", map[string]any{"dtmf": "1,x"}, sup)
		e.must(400, "POST", "/api/v1/flows/main/simulate", "", map[string]any{"at": "tomorrow"}, sup)
		e.must(400, "POST", "/api/v1/flows/main/simulate", "", map[string]any{"schedules": map[string]string{"x": "siesta"}}, sup)
		e.must(404, "POST", "/api/v1/flows/main/simulate", "", map[string]any{"version": 3}, sup)
		e.must(404, "POST", "/api/v1/flows/main/simulate", "", map[string]any{}, e.tok["b/admin"])
		e.must(403, "POST", "/api/v1/flows/main/simulate", "", map[string]any{}, e.tok["a/agent"])
	})
}
