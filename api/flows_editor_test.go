package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ipcc/ipcc/ivrflows"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// TestFlowEditorEndpoints covers what the visual editor uses besides the
// flow CRUD: the schema, validating an unsaved document, layout kept with
// the draft, YAML export and import.
func TestFlowEditorEndpoints(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newFlowEnv(t, s)
		admin, sup, agent := e.tok["a/admin"], e.tok["a/supervisor"], e.tok["a/agent"]

		var sch ivrflows.JSONSchema
		e.must(200, "GET", "/api/v1/flow-schema", "", nil, sup, &sch)
		for _, typ := range ivrflows.NodeTypes {
			if sch.Defs["node."+typ] == nil {
				t.Fatalf("schema lacks node type %q", typ)
			}
		}
		e.must(403, "GET", "/api/v1/flow-schema", "", nil, agent)

		// An unsaved document with a dangling edge: errors name node and field.
		doc := `{"id":"m","start":"a","nodes":[{"id":"a","type":"play","prompt":[{"tts":"hi"}],"next":"nowhere"}]}`
		var v struct {
			Valid  bool
			Errors []ivrflows.ValidationError
		}
		e.must(200, "POST", "/api/v1/flows/validate", "", doc, sup, &v)
		if v.Valid || len(v.Errors) != 1 || v.Errors[0].Node != "a" || v.Errors[0].Field != "next" {
			t.Fatalf("validation: %+v", v)
		}
		e.must(200, "POST", "/api/v1/flows/validate", "", `{"id":"m","nodes":[{"id":"a","type":"play","promt":1}]}`, sup, &v)
		if v.Valid || !strings.Contains(v.Errors[0].Message, `unknown field "promt"`) {
			t.Fatalf("parse error: %+v", v)
		}
		if got := e.must(404, "GET", "/api/v1/flows/m", "", nil, sup); len(got) == 0 {
			t.Fatal("validate saved the flow")
		}

		// Layout is stored with the draft; positions of missing nodes are dropped.
		good := `{"id":"m","start":"a","nodes":[{"id":"a","type":"play","prompt":[{"tts":"hi"}],"next":"b"},{"id":"b","type":"hangup"}],` +
			`"layout":{"a":{"x":10,"y":20.5},"b":{"x":10,"y":140},"gone":{"x":1,"y":1}}}`
		var fv flowViewT
		e.must(201, "POST", "/api/v1/flows", "", good, admin, &fv)
		var draft ivrflows.Flow
		if err := json.Unmarshal(fv.Draft, &draft); err != nil {
			t.Fatal(err)
		}
		if len(draft.Layout) != 2 || draft.Layout["a"] != (ivrflows.Position{X: 10, Y: 20.5}) {
			t.Fatalf("layout %+v", draft.Layout)
		}

		// Export the draft as YAML, import it back (byte-stable), publish, export the version.
		var ex struct {
			ID      string
			Version int
			YAML    string
		}
		e.must(200, "GET", "/api/v1/flows/m/export", "", nil, sup, &ex)
		if !strings.Contains(ex.YAML, "layout:\n  a:\n    x: 10\n    y: 20.5\n") || ex.Version != 0 {
			t.Fatalf("export:\n%s", ex.YAML)
		}
		e.must(200, "POST", "/api/v1/flows/import", "", map[string]string{"document": ex.YAML}, admin, &fv)
		first := ex.YAML
		e.must(200, "GET", "/api/v1/flows/m/export", "", nil, sup, &ex)
		if ex.YAML != first {
			t.Fatalf("import/export is not byte-stable:\n%s\n---\n%s", first, ex.YAML)
		}
		e.must(200, "POST", "/api/v1/flows/m/publish", "", nil, admin)
		e.must(200, "POST", "/api/v1/flows/import", "", map[string]string{"document": strings.Replace(first, "tts: hi", "tts: hello", 1)}, admin, &fv)
		if fv.PublishedVersion != 1 || !strings.Contains(string(fv.Draft), "hello") {
			t.Fatalf("import over an existing flow: %+v", fv)
		}
		e.must(200, "GET", "/api/v1/flows/m/export?version=1", "", nil, sup, &ex)
		if ex.Version != 1 || !strings.Contains(ex.YAML, "tts: hi\n") {
			t.Fatalf("version export:\n%s", ex.YAML)
		}
		e.must(400, "GET", "/api/v1/flows/m/export?version=x", "", nil, sup)
		e.must(404, "GET", "/api/v1/flows/m/export?version=9", "", nil, sup)

		// A new flow by import; bad documents are refused naming the document.
		e.must(200, "POST", "/api/v1/flows/import", "", map[string]string{"document": strings.Replace(first, "id: m\n", "id: m2\n", 1)}, admin, &fv)
		if fv.ID != "m2" {
			t.Fatalf("import created %+v", fv)
		}
		b := e.must(400, "POST", "/api/v1/flows/import", "", map[string]string{"document": "id: x\nnodes:\n  - id: a\n    type: play\n    promt: 1\n"}, admin)
		if !strings.Contains(string(b), `"field":"document"`) || !strings.Contains(string(b), "promt") {
			t.Fatalf("bad import: %s", b)
		}
		e.must(403, "POST", "/api/v1/flows/import", "", map[string]string{"document": first}, sup)
		// Tenant b sees none of it.
		e.must(404, "GET", "/api/v1/flows/m/export", "", nil, e.tok["b/admin"])
	})
}
