package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/api"
	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// rtEnv is this file's own small harness (the pattern of api_test.go):
// a server over a real store, with tenants a and b and an admin,
// supervisor and agent token in each.
type rtEnv struct {
	t   *testing.T
	url string
	tok map[string]string
}

type rtResp struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r rtResp) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

func (r rtResp) apiErr(t *testing.T) (code, message, field string) {
	t.Helper()
	var b struct {
		Error struct{ Code, Message, Field string } `json:"error"`
	}
	r.decode(t, &b)
	return b.Error.Code, b.Error.Message, b.Error.Field
}

func newRoutingEnv(t *testing.T, s *store.Store, opts ...func(*api.Options)) *rtEnv {
	t.Helper()
	a, err := auth.New(s, auth.Options{Secret: []byte("0123456789abcdef0123456789abcdef"), TokenTTL: time.Hour, BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Bootstrap(context.Background(), "super-secret-pw"); err != nil {
		t.Fatal(err)
	}
	o := api.Options{Store: s, Auth: a, Version: "test", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, f := range opts {
		f(&o)
	}
	srv, err := api.New(o)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	e := &rtEnv{t: t, url: hs.URL, tok: map[string]string{}}
	su := e.login("", "admin", "super-secret-pw")
	for _, ten := range []string{"a", "b"} {
		e.must(201, e.req("POST", "/api/v1/tenants", "", map[string]string{"id": ten, "name": "Tenant " + ten, "timezone": "Asia/Shanghai"}, "Authorization", "Bearer "+su))
		for _, role := range []string{"admin", "supervisor", "agent"} {
			e.must(201, e.req("POST", "/api/v1/users", "", map[string]string{"username": role + "1", "role": role, "password": "password-" + role},
				"Authorization", "Bearer "+su, api.TenantHeader, ten))
			e.tok[ten+"/"+role] = e.login(ten, role+"1", "password-"+role)
		}
	}
	return e
}

func (e *rtEnv) login(tenant, user, pw string) string {
	e.t.Helper()
	r := e.must(200, e.req("POST", "/api/v1/auth/login", "", map[string]string{"username": user, "password": pw, "tenant": tenant}))
	var tr struct{ Token string }
	r.decode(e.t, &tr)
	return tr.Token
}

// req sends body (a string is sent as is, anything else as JSON) as who
// ("a/admin", ...; "" for no credentials); headers alternate name, value.
func (e *rtEnv) req(method, path, who string, body any, headers ...string) rtResp {
	e.t.Helper()
	var rd io.Reader
	ctype := "application/json"
	switch b := body.(type) {
	case nil:
	case string:
		rd, ctype = strings.NewReader(b), "text/csv"
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	hr, _ := http.NewRequest(method, e.url+path, rd)
	hr.Header.Set("Content-Type", ctype)
	if who != "" {
		hr.Header.Set("Authorization", "Bearer "+e.tok[who])
	}
	for i := 0; i+1 < len(headers); i += 2 {
		hr.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(hr)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return rtResp{Status: res.StatusCode, Header: res.Header, Body: b}
}

func (e *rtEnv) must(status int, r rtResp) rtResp {
	e.t.Helper()
	if r.Status != status {
		e.t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	return r
}

// invalid asserts a 400 naming field and containing msg.
func (e *rtEnv) invalid(r rtResp, field, msg string) {
	e.t.Helper()
	if r.Status != 400 {
		e.t.Fatalf("status %d, want 400: %s", r.Status, r.Body)
	}
	code, message, f := r.apiErr(e.t)
	if code != "invalid" || f != field || !strings.Contains(message, msg) {
		e.t.Fatalf("error %s field %q %q; want field %q containing %q", code, f, message, field, msg)
	}
}

func (e *rtEnv) id(r rtResp) string {
	e.t.Helper()
	var v struct{ ID string }
	r.decode(e.t, &v)
	if v.ID == "" {
		e.t.Fatalf("no id in %s", r.Body)
	}
	return v.ID
}

var businessHours = map[string]any{
	"name": "business-hours", "timezone": "Asia/Shanghai",
	"weekly":               map[string][]string{"monday": {"09:00-12:00", "13:30-18:00"}, "tuesday": {"09:00-18:00"}},
	"lunch":                []string{"12:00-13:30"},
	"holidays":             []map[string]string{{"name": "National Day", "from": "2026-10-01", "to": "2026-10-07"}},
	"special_working_days": []map[string]string{{"name": "make-up day", "from": "2026-10-10", "hours_of": "monday"}},
}

func TestRoutingAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newRoutingEnv(t, s)

		// schedules
		bad := map[string]any{"name": "x", "timezone": "Asia/Shanghai", "weekly": map[string][]string{"monday": {"09:00-12:00", "13:00-25:00"}}}
		e.invalid(e.req("POST", "/api/v1/schedules", "a/admin", bad), "weekly.monday[1]", `weekly.monday[1]: "25:00" is not HH:MM`)
		e.invalid(e.req("POST", "/api/v1/schedules", "a/admin", map[string]any{"name": "x", "timezone": "Nowhere/City", "weekly": map[string]any{}}), "timezone", "unknown timezone")
		e.invalid(e.req("POST", "/api/v1/schedules", "a/admin", map[string]any{"name": "x", "timezone": "UTC", "wekly": map[string]any{}}), "wekly", "unknown field")
		if r := e.req("POST", "/api/v1/schedules", "a/supervisor", businessHours); r.Status != 403 {
			t.Fatalf("supervisor creates a schedule: %d", r.Status)
		}
		schedID := e.id(e.must(201, e.req("POST", "/api/v1/schedules", "a/admin", businessHours)))
		if r := e.req("POST", "/api/v1/schedules", "a/admin", businessHours); r.Status != 409 {
			t.Fatalf("duplicate schedule name: %d %s", r.Status, r.Body)
		}
		var res struct {
			Branch, Reason string
			NextOpen       time.Time `json:"next_open"`
		}
		e.must(200, e.req("GET", "/api/v1/schedules/"+schedID+"/evaluate?at=2026-10-10T09:30:00%2B08:00", "a/supervisor", nil)).decode(t, &res)
		if res.Branch != "open" || !strings.Contains(res.Reason, "make-up day") {
			t.Fatalf("evaluate: %+v", res)
		}
		e.must(200, e.req("GET", "/api/v1/schedules/"+schedID+"/evaluate?at=2026-10-02T09:30:00%2B08:00", "a/supervisor", nil)).decode(t, &res)
		if res.Branch != "holiday" || !res.NextOpen.Equal(time.Date(2026, 10, 10, 1, 0, 0, 0, time.UTC)) { // the make-up saturday
			t.Fatalf("evaluate on a holiday: %+v", res)
		}
		e.invalid(e.req("GET", "/api/v1/schedules/"+schedID+"/evaluate?at=tomorrow", "a/supervisor", nil), "at", "RFC 3339")
		if r := e.req("GET", "/api/v1/schedules", "a/agent", nil); r.Status != 403 {
			t.Fatalf("agent reads schedules: %d", r.Status)
		}

		// routes
		route := map[string]any{"name": "hotline", "did": "4001234567", "schedule_id": schedID,
			"branches": map[string]any{"open": map[string]string{"kind": "flow", "ref": "main"}, "holiday": map[string]string{"kind": "voicemail", "ref": "hol"}},
			"default":  map[string]string{"kind": "queue", "ref": "general"}, "sticky": map[string]any{"enabled": true, "days": 7}}
		routeID := e.id(e.must(201, e.req("POST", "/api/v1/routes", "a/admin", route)))
		e.must(409, e.req("POST", "/api/v1/routes", "a/admin", route))
		e.invalid(e.req("POST", "/api/v1/routes", "a/admin", map[string]any{"name": "x", "did": "40x", "default": map[string]string{"kind": "queue", "ref": "q"}}), "did", "not a DID pattern")
		e.invalid(e.req("POST", "/api/v1/routes", "a/admin", map[string]any{"name": "x", "did": "5*", "schedule_id": "nope", "default": map[string]string{"kind": "queue", "ref": "q"}}), "schedule_id", `no schedule "nope"`)
		e.invalid(e.req("POST", "/api/v1/routes", "a/admin", map[string]any{"name": "x", "did": "5*", "default": map[string]string{"kind": "pager", "ref": "q"}}), "default.kind", `"pager" is not a target kind`)
		e.invalid(e.req("POST", "/api/v1/routes", "b/admin", map[string]any{"name": "x", "did": "5*", "schedule_id": schedID, "default": map[string]string{"kind": "queue", "ref": "q"}}), "schedule_id", "no schedule")
		e.must(201, e.req("POST", "/api/v1/routes", "a/admin", map[string]any{"name": "all", "did": "*", "default": map[string]string{"kind": "queue", "ref": "catch-all"}}))
		var rt struct {
			Enabled bool
			Sticky  struct{ Days int }
		}
		e.must(200, e.req("GET", "/api/v1/routes/"+routeID, "a/supervisor", nil)).decode(t, &rt)
		if !rt.Enabled || rt.Sticky.Days != 7 {
			t.Fatalf("route defaults: %+v", rt)
		}
		e.must(404, e.req("GET", "/api/v1/routes/"+routeID, "b/admin", nil))
		var listB []any
		e.must(200, e.req("GET", "/api/v1/routes", "b/supervisor", nil)).decode(t, &listB)
		if len(listB) != 0 {
			t.Fatalf("tenant b lists a's routes: %v", listB)
		}
		if code, msg, _ := e.must(409, e.req("DELETE", "/api/v1/schedules/"+schedID, "a/admin", nil)).apiErr(t); code != "conflict" || !strings.HasPrefix(msg, `the schedule is in use: routes ["hotline"] still use it`) {
			t.Fatal(code, msg)
		}

		// blacklist, whitelist, rules, lists, settings
		e.invalid(e.req("POST", "/api/v1/blacklist", "a/admin", map[string]any{"number": "13a", "kind": "exact"}), "number", "not a phone number")
		e.invalid(e.req("POST", "/api/v1/blacklist", "a/admin", map[string]any{"number": "138", "kind": "fuzzy"}), "kind", "not exact or prefix")
		blID := e.id(e.must(201, e.req("POST", "/api/v1/blacklist", "a/admin", map[string]any{"number": "138 000", "kind": "prefix", "reason": "spam"})))
		e.must(409, e.req("POST", "/api/v1/blacklist", "a/admin", map[string]any{"number": "138000", "kind": "prefix"}))
		e.must(201, e.req("POST", "/api/v1/whitelist", "a/admin", map[string]any{"number": "13911112222", "name": "Mr Wang", "priority": 9}))
		e.invalid(e.req("POST", "/api/v1/whitelist", "a/admin", map[string]any{"number": "13911112223", "priority": 1000}), "priority", "0-100")
		e.must(200, e.req("PUT", "/api/v1/caller-lists/partners", "a/admin", map[string]any{"numbers": []string{"135 0000 0001"}}))
		e.invalid(e.req("PUT", "/api/v1/caller-lists/partners", "a/admin", map[string]any{"numbers": []string{"1", "x"}}), "numbers[1]", `"x" is not a phone number`)
		e.must(201, e.req("POST", "/api/v1/caller-rules", "a/admin", map[string]any{"name": "partners", "match": "list", "value": "partners", "position": 1, "target": map[string]string{"kind": "extension", "ref": "8001"}}))
		e.must(201, e.req("POST", "/api/v1/caller-rules", "a/admin", map[string]any{"name": "beijing", "match": "area", "value": "010", "position": 2, "route_id": routeID, "target": map[string]string{"kind": "queue", "ref": "bj"}}))
		e.invalid(e.req("POST", "/api/v1/caller-rules", "a/admin", map[string]any{"name": "x", "match": "area", "value": "010", "route_id": "nope", "target": map[string]string{"kind": "queue", "ref": "bj"}}), "route_id", "no route")
		e.invalid(e.req("POST", "/api/v1/caller-rules", "a/admin", map[string]any{"name": "x", "match": "zip", "value": "010", "target": map[string]string{"kind": "queue", "ref": "bj"}}), "match", "not prefix, area or list")
		e.invalid(e.req("PUT", "/api/v1/routing/settings", "a/admin", map[string]any{"country_code": "x86"}), "country_code", "not a country calling code")
		e.must(200, e.req("PUT", "/api/v1/routing/settings", "a/admin", map[string]any{"country_code": "86", "blacklist_prompts": map[string]string{"zh-CN": "此号码无法接通"}}))

		// decide (dry run)
		decide := func(who string, body map[string]any) (d struct {
			Action   string
			Target   struct{ Kind, Ref string }
			Priority int
			Prompt   string
			Hangup   bool
			Trace    []string
		}) {
			t.Helper()
			e.must(200, e.req("POST", "/api/v1/routes/decide", who, body)).decode(t, &d)
			return d
		}
		d := decide("a/supervisor", map[string]any{"did": "4001234567", "ani": "13512345678", "at": "2026-10-02T10:00:00+08:00"})
		if d.Action != "route" || d.Target.Kind != "voicemail" || !strings.Contains(strings.Join(d.Trace, "\n"), "schedule business-hours: holiday (National Day)") {
			t.Fatalf("holiday: %+v", d)
		}
		d = decide("a/admin", map[string]any{"did": "4001234567", "ani": "+86 138 0000 1234"})
		if d.Action != "reject" || !d.Hangup || d.Prompt != "此号码无法接通" || !strings.Contains(strings.Join(d.Trace, "\n"), "blacklist: 13800001234 matched prefix 138000 (spam)") {
			t.Fatalf("blacklist: %+v", d)
		}
		d = decide("a/admin", map[string]any{"did": "4001234567", "ani": "13911112222", "at": "2026-10-12T10:00:00+08:00"})
		if d.Priority != 9 || d.Target.Ref != "main" {
			t.Fatalf("vip: %+v", d)
		}
		d = decide("a/admin", map[string]any{"did": "4001234567", "ani": "+8610 8888 6666", "at": "2026-10-12T10:00:00+08:00"})
		if d.Target.Ref != "bj" {
			t.Fatalf("area rule: %+v", d)
		}
		d = decide("a/admin", map[string]any{"did": "4001234567", "ani": "13500000001"})
		if d.Target.Kind != "extension" {
			t.Fatalf("list rule: %+v", d)
		}
		d = decide("a/admin", map[string]any{"did": "4001234567", "ani": "13512345678", "at": "2026-10-12T10:00:00+08:00",
			"last_agent": map[string]any{"agent_id": "1001", "served_at": "2026-10-11T10:00:00+08:00", "available": true}})
		if d.Target.Kind != "agent" || d.Target.Ref != "1001" {
			t.Fatalf("sticky: %+v", d)
		}
		d = decide("a/admin", map[string]any{"did": "777", "ani": "13512345678"})
		if d.Target.Ref != "catch-all" {
			t.Fatalf("catch-all route: %+v", d)
		}
		d = decide("b/admin", map[string]any{"did": "4001234567", "ani": "13800001234"})
		if d.Action != "reject" || d.Prompt != "" || !strings.Contains(strings.Join(d.Trace, "\n"), "no route and no tenant default target") {
			t.Fatalf("tenant b has no routes and no blacklist: %+v", d)
		}
		e.invalid(e.req("POST", "/api/v1/routes/decide", "a/admin", map[string]any{"did": "1", "at": "10am"}), "at", "RFC 3339")
		e.invalid(e.req("POST", "/api/v1/routes/decide", "a/admin", map[string]any{"ani": "1"}), "did", "required")
		e.must(403, e.req("POST", "/api/v1/routes/decide", "a/agent", map[string]any{"did": "1"}))

		// updates and deletes
		e.must(200, e.req("PUT", "/api/v1/blacklist/"+blID, "a/admin", map[string]any{"number": "138000", "kind": "prefix", "reason": "spam", "expires_at": "2020-01-01T00:00:00Z"}))
		d = decide("a/admin", map[string]any{"did": "4001234567", "ani": "13800001234", "at": "2026-10-12T10:00:00+08:00"})
		if d.Action != "route" {
			t.Fatalf("expired blacklist entry still rejects: %+v", d)
		}
		route["enabled"] = false
		e.must(200, e.req("PUT", "/api/v1/routes/"+routeID, "a/admin", route))
		d = decide("a/admin", map[string]any{"did": "4001234567", "ani": "13512345678"})
		if d.Target.Ref != "catch-all" {
			t.Fatalf("disabled route still matches: %+v", d)
		}
		e.must(204, e.req("DELETE", "/api/v1/routes/"+routeID, "a/admin", nil))
		e.must(204, e.req("DELETE", "/api/v1/schedules/"+schedID, "a/admin", nil))
		e.must(404, e.req("DELETE", "/api/v1/blacklist/"+blID, "b/admin", nil))
		e.must(204, e.req("DELETE", "/api/v1/blacklist/"+blID, "a/admin", nil))

		// the audit log names what changed
		var audit []struct {
			Action   string `json:"action"`
			ObjectID string `json:"object_id"`
			Status   int    `json:"status"`
		}
		e.must(200, e.req("GET", "/api/v1/audit?object_type=route", "a/admin", nil)).decode(t, &audit)
		found := false
		for _, a := range audit {
			found = found || (a.Action == "POST /api/v1/routes" && a.ObjectID == routeID && a.Status == 201)
		}
		if !found {
			t.Fatalf("no audit row for creating route %s: %+v", routeID, audit)
		}
	})
}

func TestBlacklistCSV(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newRoutingEnv(t, s)
		e.must(201, e.req("POST", "/api/v1/blacklist", "a/admin", map[string]any{"number": "13800000000", "reason": "kept"}))
		list := func() string {
			t.Helper()
			return string(e.must(200, e.req("GET", "/api/v1/blacklist/export", "a/supervisor", nil)).Body)
		}
		before := list()
		for _, c := range []struct {
			name, csv, field, msg string
		}{
			{"bad kind", "number,kind,reason,expires_at\n13900000000,exact,a,\n13900000001,fuzzy,b,\n", "kind", `line 3, column 2 (kind): "fuzzy" is not exact or prefix`},
			{"bad number", "139000000x0,exact,,\n", "number", "line 1, column 1 (number)"},
			{"bad expiry", "13900000000,exact,x,2026-13-01\n", "expires_at", `line 1, column 4 (expires_at): "2026-13-01" is not an RFC 3339 time`},
			{"too many columns", "13900000000,exact,x,,extra\n", "extra column", "line 1, column 5"},
			{"short prefix", "13900000000,,ok,\n12,prefix,,\n", "number", "line 2, column 1 (number): a prefix needs at least 3 digits"},
			{"duplicate rows", "13900000000,,,\n139 0000 0000,exact,,\n", "number", "line 2, column 1 (number): exact 13900000000 repeats line 1"},
			{"bad quoting", "13900000000,\"x,\n", "csv", "line 1"},
			{"empty", "number,kind,reason,expires_at\n", "csv", "no rows"},
			{"existing entry in a bad file", "13800000000,exact,overwritten,\n1,weird,,\n", "kind", "line 2, column 2"},
		} {
			t.Run(c.name, func(t *testing.T) {
				e.invalid(e.req("POST", "/api/v1/blacklist/import", "a/admin", c.csv), c.field, c.msg)
				if after := list(); after != before {
					t.Fatalf("a rejected import changed the blacklist:\n%s\n->\n%s", before, after)
				}
			})
		}
		good := "\xef\xbb\xbfnumber,kind,reason,expires_at\n" +
			"13800000000,exact,updated reason,2027-01-01T00:00:00+08:00\n" +
			"400,prefix,\"toll-free, spam\",\n" +
			"+44 20 7946 0000,,overseas,\n"
		var ir struct{ Added, Updated int }
		e.must(200, e.req("POST", "/api/v1/blacklist/import", "a/admin", good)).decode(t, &ir)
		if ir.Added != 2 || ir.Updated != 1 {
			t.Fatalf("import: %+v", ir)
		}
		e.must(403, e.req("POST", "/api/v1/blacklist/import", "a/supervisor", good))
		r := e.must(200, e.req("GET", "/api/v1/blacklist/export", "a/supervisor", nil))
		want := "number,kind,reason,expires_at\n" +
			"+442079460000,exact,overseas,\n" +
			"13800000000,exact,updated reason,2026-12-31T16:00:00Z\n" +
			"400,prefix,\"toll-free, spam\",\n"
		if string(r.Body) != want || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("export:\n%s\nwant:\n%s", r.Body, want)
		}
		// An export imports back unchanged.
		e.must(200, e.req("POST", "/api/v1/blacklist/import", "a/admin", string(r.Body))).decode(t, &ir)
		if ir.Added != 0 || ir.Updated != 3 || list() != want {
			t.Fatalf("round trip: %+v\n%s", ir, list())
		}
		if b := string(e.must(200, e.req("GET", "/api/v1/blacklist/export", "b/admin", nil)).Body); b != "number,kind,reason,expires_at\n" {
			t.Fatalf("tenant b export: %q", b)
		}
	})
}

// The blacklist export is formula-safe as the report CSVs are: a reason
// starting with = + - @ gets a leading apostrophe (a spreadsheet would run
// it), plain numbers stay as they are, and importing the export gives back
// the reasons as entered. A file with a NUL or invalid UTF-8 names the line.
func TestBlacklistCSVIsFormulaSafe(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newRoutingEnv(t, s)
		e.must(201, e.req("POST", "/api/v1/blacklist", "a/admin", map[string]any{"number": "+8613800000000", "reason": `=HYPERLINK("http://x.example","click")`}))
		e.must(201, e.req("POST", "/api/v1/blacklist", "a/admin", map[string]any{"number": "13900000000", "reason": "@SUM(1+1)"}))
		e.must(201, e.req("POST", "/api/v1/blacklist", "a/admin", map[string]any{"number": "13700000000", "reason": "-1500"}))
		r := e.must(200, e.req("GET", "/api/v1/blacklist/export", "a/admin", nil))
		want := "number,kind,reason,expires_at\n" +
			"+8613800000000,exact,\"'=HYPERLINK(\"\"http://x.example\"\",\"\"click\"\")\",\n" +
			"13700000000,exact,-1500,\n" +
			"13900000000,exact,'@SUM(1+1),\n"
		if string(r.Body) != want {
			t.Fatalf("export:\n%s\nwant:\n%s", r.Body, want)
		}
		var ir struct{ Added, Updated int }
		e.must(200, e.req("POST", "/api/v1/blacklist/import", "a/admin", string(r.Body))).decode(t, &ir)
		if ir.Updated != 3 {
			t.Fatalf("round trip: %+v", ir)
		}
		if again := string(e.must(200, e.req("GET", "/api/v1/blacklist/export", "a/admin", nil)).Body); again != want {
			t.Fatalf("after the round trip:\n%s", again)
		}
		e.invalid(e.req("POST", "/api/v1/blacklist/import", "a/admin", "13900000001,exact,ok,\n13900000002,exact,a\x00b,\n"), "reason", "line 2, column 3 (reason): holds a NUL character")
		e.invalid(e.req("POST", "/api/v1/blacklist/import", "a/admin", "13900000002,exact,caf\xe9,\n"), "reason", "line 1, column 3 (reason): holds invalid UTF-8")
	})
}

// The VIP whitelist imports and exports CSV like the blacklist: a bad row
// names its line and column and imports nothing; an export imports back.
func TestWhitelistCSV(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newRoutingEnv(t, s)
		e.must(201, e.req("POST", "/api/v1/whitelist", "a/admin", map[string]any{"number": "13800000000", "name": "kept", "priority": 5}))
		list := func() string {
			t.Helper()
			return string(e.must(200, e.req("GET", "/api/v1/whitelist/export", "a/supervisor", nil)).Body)
		}
		before := list()
		for _, c := range []struct {
			name, csv, field, msg string
		}{
			{"bad priority", "number,kind,name,priority,expires_at\n13900000000,exact,a,10,\n13900000001,exact,b,high,\n", "priority", `line 3, column 4 (priority): priority "high" is not a whole number 0-100`},
			{"priority out of range", "13900000000,exact,a,101,\n", "priority", "line 1, column 4 (priority): priority must be 0-100"},
			{"bad kind", "13900000000,fuzzy,a,1,\n", "kind", "line 1, column 2 (kind)"},
			{"bad expiry", "13900000000,exact,a,1,tomorrow\n", "expires_at", `line 1, column 5 (expires_at): "tomorrow" is not an RFC 3339 time`},
			{"too many columns", "13900000000,exact,a,1,,x\n", "extra column", "line 1, column 6"},
			{"duplicate rows", "13900000000,,,,\n139 0000 0000,exact,,,\n", "number", "line 2, column 1 (number): exact 13900000000 repeats line 1"},
			{"existing entry in a bad file", "13800000000,exact,overwritten,9,\n12,prefix,,,\n", "number", "line 2, column 1 (number)"},
			{"empty", "number,kind,name,priority,expires_at\n", "csv", "no rows"},
		} {
			t.Run(c.name, func(t *testing.T) {
				e.invalid(e.req("POST", "/api/v1/whitelist/import", "a/admin", c.csv), c.field, c.msg)
				if after := list(); after != before {
					t.Fatalf("a rejected import changed the whitelist:\n%s\n->\n%s", before, after)
				}
			})
		}
		good := "\xef\xbb\xbfnumber,kind,name,priority,expires_at\n" +
			"13800000000,exact,Gold customer,50,2027-01-01T00:00:00+08:00\n" +
			"1390000,prefix,\"Partner, Inc.\",20,\n"
		var ir struct{ Added, Updated int }
		e.must(200, e.req("POST", "/api/v1/whitelist/import", "a/admin", good)).decode(t, &ir)
		if ir.Added != 1 || ir.Updated != 1 {
			t.Fatalf("import: %+v", ir)
		}
		e.must(403, e.req("POST", "/api/v1/whitelist/import", "a/supervisor", good))
		r := e.must(200, e.req("GET", "/api/v1/whitelist/export", "a/supervisor", nil))
		want := "number,kind,name,priority,expires_at\n" +
			"13800000000,exact,Gold customer,50,2026-12-31T16:00:00Z\n" +
			"1390000,prefix,\"Partner, Inc.\",20,\n"
		if string(r.Body) != want {
			t.Fatalf("export:\n%s\nwant:\n%s", r.Body, want)
		}
		e.must(200, e.req("POST", "/api/v1/whitelist/import", "a/admin", string(r.Body))).decode(t, &ir)
		if ir.Added != 0 || ir.Updated != 2 || list() != want {
			t.Fatalf("round trip: %+v\n%s", ir, list())
		}
		if b := string(e.must(200, e.req("GET", "/api/v1/whitelist/export", "b/admin", nil)).Body); b != "number,kind,name,priority,expires_at\n" {
			t.Fatalf("tenant b export: %q", b)
		}
	})
}
