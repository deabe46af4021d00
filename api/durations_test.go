package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/ivrflows"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// One convention for durations in the API: whole milliseconds in fields
// named *_ms. Every request and response type of every route (and the
// WebSocket events) is checked: a time.Duration field would leak
// nanoseconds, a duration-like number without _ms would leave the unit to
// guess, and acd.Duration (milliseconds in JSON) must sit in a *_ms field.
// Flow documents keep Go duration strings, like their YAML files, and are
// documented as strings.
func TestAPIDurationsAreMilliseconds(t *testing.T) {
	t.Parallel()
	e := newACDEnv(t, storetest.Open(t, store.SQLite))
	durType, acdDur, flowDur := reflect.TypeOf(time.Duration(0)), reflect.TypeOf(acd.Duration(0)), reflect.TypeOf(ivrflows.Duration(0))
	durationName := regexp.MustCompile(`(^|_)(wait|waited|timeout|duration|interval|elapsed|seconds|secs|ms|s|talk|talk_time|hold|ring|wrapup|wrap_up)(_today)?$`)
	seen := map[reflect.Type]bool{}
	var problems []string
	var walk func(where string, t reflect.Type)
	walk = func(where string, t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || t == reflect.TypeOf(time.Time{}) || seen[t] {
			return
		}
		seen[t] = true
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || tag == "-" {
				continue
			}
			if f.Anonymous && tag == "" {
				walk(where, f.Type)
				continue
			}
			if tag == "" {
				tag = f.Name
			}
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			at := fmt.Sprintf("%s: %s.%s (%q)", where, t.Name(), f.Name, tag)
			switch {
			case ft == durType:
				problems = append(problems, at+" is a time.Duration: nanoseconds in JSON")
			case ft == acdDur && !strings.HasSuffix(tag, "_ms"):
				problems = append(problems, at+" holds milliseconds but its name does not end in _ms")
			case ft == flowDur:
				// a flow document: "20s", documented as a string
			case strings.HasSuffix(tag, "_ms") && ft.Kind() != reflect.Int64 && ft != acdDur:
				problems = append(problems, at+" ends in _ms but is "+ft.String()+", not int64 milliseconds")
			case ft.Kind() >= reflect.Int && ft.Kind() <= reflect.Float64 && durationName.MatchString(tag) && !strings.HasSuffix(tag, "_ms"):
				problems = append(problems, at+" looks like a duration without the _ms suffix")
			}
			walk(where, f.Type)
		}
	}
	for _, r := range e.srv.Routes() {
		if r.Request != nil {
			walk(r.Method+" "+r.Path+" request", reflect.TypeOf(r.Request))
		}
		if r.Response != nil {
			walk(r.Method+" "+r.Path+" response", reflect.TypeOf(r.Response))
		}
	}
	walk("WebSocket event", reflect.TypeOf(dispatch.Event{}))
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
}

// The OpenAPI document tells the truth: live answers of the main resources
// (snapshot, queues, agent state, calls, reports, call-backs, a flow
// simulation) are checked against the schemas the served document gives
// for them — every field they carry is documented, with its JSON type.
func TestOpenAPIMatchesResponses(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newACDEnv(t, s)
		ctx := context.Background()
		adm, sup, agent := bearer(e.tok["a/admin"]), bearer(e.tok["a/supervisor"]), bearer(e.tok["a/agent"])
		var doc map[string]any
		e.do("GET", "/api/v1/openapi.json", nil).json(t, &doc)

		q := map[string]any{"id": "billing", "name": "Billing", "strategy": "ring-all", "ring_timeout_ms": 15000, "wrap_up_ms": 30000,
			"service_level_ms": 20000, "announcements": map[string]any{"lang": "en", "position": true, "position_interval_ms": 30000, "agent_whisper": true},
			"limits": map[string]any{"max_length": 5, "max_wait_ms": 300000}}
		r := e.do("POST", "/api/v1/queues", q, adm...)
		if r.Status != 201 || !strings.Contains(string(r.Body), `"ring_timeout_ms":15000`) || !strings.Contains(string(r.Body), `"max_wait_ms":300000`) {
			t.Fatalf("queue: %d %s", r.Status, r.Body)
		}
		check(t, doc, "post", "/api/v1/queues", "201", r.Body)
		// The old form is refused, naming the new field.
		old := map[string]any{"id": "old", "name": "Old", "strategy": "ring-all", "ring_timeout": "15s"}
		if r := e.do("POST", "/api/v1/queues", old, adm...); r.Status != 400 || !strings.Contains(string(r.Body), "ring_timeout_ms") {
			t.Fatalf("legacy field: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/api/v1/agent/login", map[string]any{}, agent...); r.Status != 200 {
			t.Fatalf("login: %d %s", r.Status, r.Body)
		} else {
			check(t, doc, "post", "/api/v1/agent/login", "200", r.Body)
		}
		eng := e.engine("a")
		if _, err := eng.NotReady(ctx, e.ids["a/agent"], "break"); err != nil {
			t.Fatal(err)
		}
		if _, err := eng.Enqueue(ctx, acd.CallRequest{CallID: "w1", QueueID: "sales", Caller: "13800000001", Data: map[string]string{"ani": "13800000001"}}); err != nil {
			t.Fatal(err)
		}
		r = e.do("GET", "/api/v1/supervisor/snapshot", nil, sup...)
		for _, f := range []string{`"longest_wait_ms":`, `"waited_ms":`, `"avg_handle_time_ms":180000`, `"service_level_threshold_ms":20000`, `"talk_time_today_ms":0`, `"estimated_wait_ms":-1`} {
			if !strings.Contains(string(r.Body), f) {
				t.Errorf("snapshot without %s: %s", f, r.Body)
			}
		}
		check(t, doc, "get", "/api/v1/supervisor/snapshot", "200", r.Body)
		check(t, doc, "get", "/api/v1/queues", "200", e.do("GET", "/api/v1/queues", nil, sup...).Body)
		check(t, doc, "get", "/api/v1/agent/state", "200", e.do("GET", "/api/v1/agent/state", nil, agent...).Body)

		at := envT0.Add(-time.Hour)
		if err := s.SaveCall(ctx, &store.CallRecord{TenantID: "a", ID: "k1", Direction: "inbound", ANI: "13800000001", DNIS: "4001", StartedAt: at,
			EndedAt: &envT0, Disposition: "answered", QueueID: "sales", AgentID: e.ids["a/agent"], WaitMS: 12000, RingMS: 3000, TalkMS: 60000,
			AgentsOffered: `["` + e.ids["a/agent"] + `"]`, IVRPath: `["main/menu"]`, Trace: `[{"Kind":"route"}]`}); err != nil {
			t.Fatal(err)
		}
		check(t, doc, "get", "/api/v1/calls", "200", e.do("GET", "/api/v1/calls", nil, sup...).Body)
		check(t, doc, "get", "/api/v1/calls/{id}", "200", e.do("GET", "/api/v1/calls/k1", nil, sup...).Body)
		rq := "?from=" + at.Add(-24*time.Hour).Format("2006-01-02") + "&to=" + at.Add(48*time.Hour).Format("2006-01-02")
		for _, p := range []string{"queues", "agents/calls", "agents/service", "calls", "waits", "agents/operations"} {
			r := e.do("GET", "/api/v1/reports/"+p+rq, nil, sup...)
			if r.Status != 200 {
				t.Fatalf("report %s: %d %s", p, r.Status, r.Body)
			}
			check(t, doc, "get", "/api/v1/reports/"+p, "200", r.Body)
		}
		if err := s.SaveACDCallback(ctx, &store.ACDCallback{TenantID: "a", ID: "cb1", CallID: "k1", QueueID: "sales", Caller: "13800000001",
			Number: "13800000001", Status: "pending", RequestedAt: envT0}); err != nil {
			t.Fatal(err)
		}
		check(t, doc, "get", "/api/v1/callbacks", "200", e.do("GET", "/api/v1/callbacks", nil, sup...).Body)

		flow := `{"id":"f1","start":"m","nodes":[{"id":"m","type":"menu","prompt":[{"tts":"Press 1"}],"options":{"1":"bye"},"timeout":"5s","fallback":"bye"},{"id":"bye","type":"hangup"}]}`
		if r := e.do("POST", "/api/v1/flows", json.RawMessage(flow), adm...); r.Status != 201 {
			t.Fatalf("flow: %d %s", r.Status, r.Body)
		}
		r = e.do("POST", "/api/v1/flows/f1/simulate", map[string]any{"dtmf": "1"}, sup...)
		if r.Status != 200 || !strings.Contains(string(r.Body), `"at_ms":`) {
			t.Fatalf("simulate: %d %s", r.Status, r.Body)
		}
		check(t, doc, "post", "/api/v1/flows/{id}/simulate", "200", r.Body)
		check(t, doc, "get", "/api/v1/flows/{id}", "200", e.do("GET", "/api/v1/flows/f1", nil, sup...).Body)
	})
}

// check validates body against the response schema of method path.
func check(t *testing.T, doc map[string]any, method, path, status string, body []byte) {
	t.Helper()
	op, _ := dig(doc, "paths", path, method).(map[string]any)
	schema, _ := dig(op, "responses", status, "content", "application/json", "schema").(map[string]any)
	if schema == nil {
		t.Fatalf("%s %s: no %s schema in the OpenAPI document", method, path, status)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%s %s: %v: %s", method, path, err, body)
	}
	for _, p := range validate(doc, schema, v, "") {
		t.Errorf("%s %s: %s", method, path, p)
	}
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// validate is the part of JSON Schema the generated document uses: $ref,
// type, properties (every field present must be documented),
// additionalProperties, items, format date-time.
func validate(doc, schema map[string]any, v any, at string) []string {
	if ref, ok := schema["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		s, _ := dig(doc, "components", "schemas", name).(map[string]any)
		if s == nil {
			return []string{at + ": unresolved " + ref}
		}
		return validate(doc, s, v, at)
	}
	if v == nil {
		return nil // omitted pointers and empty slices encode as null
	}
	typ, _ := schema["type"].(string)
	bad := func(what string) []string {
		return []string{fmt.Sprintf("%s: the document says %s, the answer has %s", at, typ, what)}
	}
	switch typ {
	case "":
		return nil // any
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return bad(fmt.Sprintf("%T", v))
		}
		props, _ := schema["properties"].(map[string]any)
		addl, _ := schema["additionalProperties"].(map[string]any)
		var out []string
		for k, x := range m {
			var ps map[string]any
			if props != nil {
				ps, _ = props[k].(map[string]any)
			}
			if ps == nil {
				ps = addl
			}
			if ps == nil {
				out = append(out, fmt.Sprintf("%s.%s: not in the document", at, k))
				continue
			}
			out = append(out, validate(doc, ps, x, at+"."+k)...)
		}
		return out
	case "array":
		a, ok := v.([]any)
		if !ok {
			return bad(fmt.Sprintf("%T", v))
		}
		items, _ := schema["items"].(map[string]any)
		var out []string
		for i, x := range a {
			out = append(out, validate(doc, items, x, fmt.Sprintf("%s[%d]", at, i))...)
		}
		return out
	case "string":
		s, ok := v.(string)
		if !ok {
			return bad(fmt.Sprintf("%T %v", v, v))
		}
		if schema["format"] == "date-time" {
			if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
				return bad("the non-date " + s)
			}
		}
	case "integer":
		f, ok := v.(float64)
		if !ok || f != math.Trunc(f) {
			return bad(fmt.Sprintf("%T %v", v, v))
		}
	case "number":
		if _, ok := v.(float64); !ok {
			return bad(fmt.Sprintf("%T %v", v, v))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return bad(fmt.Sprintf("%T %v", v, v))
		}
	}
	return nil
}
