package ivrflows

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

func TestSchemaHasEveryNodeTypeAndField(t *testing.T) {
	s, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.NodeTypes, NodeTypes) {
		t.Fatalf("x-node-types %v, want %v", s.NodeTypes, NodeTypes)
	}
	if len(s.Properties["nodes"].Items.OneOf) != len(NodeTypes) {
		t.Fatalf("nodes.items.oneOf has %d entries for %d node types", len(s.Properties["nodes"].Items.OneOf), len(NodeTypes))
	}
	used := map[string]bool{}
	for _, typ := range NodeTypes {
		d := s.Defs["node."+typ]
		if d == nil {
			t.Fatalf("node type %q is not in the schema", typ)
		}
		if d.Properties["type"].Const != typ || d.Description == "" {
			t.Errorf("node type %q: const %q, description %q", typ, d.Properties["type"].Const, d.Description)
		}
		for _, f := range allowed[typ] {
			p := d.Properties[f]
			if p == nil {
				t.Errorf("node type %q: field %q is missing", typ, f)
				continue
			}
			if p.Kind == "" || p.Description == "" {
				t.Errorf("node type %q field %q: kind %q, description %q", typ, f, p.Kind, p.Description)
			}
			if !slices.Contains(d.Order, f) {
				t.Errorf("node type %q: field %q is not in x-order", typ, f)
			}
			used[f] = true
		}
		for f := range d.Properties {
			if f != "id" && f != "type" && f != "note" && !slices.Contains(allowed[typ], f) {
				t.Errorf("node type %q: schema has field %q the validator refuses", typ, f)
			}
		}
		for _, o := range d.Outputs {
			if k := d.Properties[o.Field].Kind; k != "edge" && k != "edges" && k != "conditions" {
				t.Errorf("node type %q: output %q is a field of kind %q", typ, o.Field, k)
			}
		}
	}
	for f := range nodeFieldTypes() {
		if f != "id" && f != "type" && f != "note" && !used[f] {
			t.Errorf("Node field %q belongs to no node type in the schema", f)
		}
	}
	// The schema is JSON (no NaN, no cycles) and names its node types.
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"node.menu"`)) {
		t.Fatal("no node.menu in the JSON")
	}
}

// TestSchemaRequiredMatchesValidator checks that a node of each type with
// nothing set is refused on exactly the fields the schema calls required.
func TestSchemaRequiredMatchesValidator(t *testing.T) {
	s, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range NodeTypes {
		f := &Flow{ID: "f", Start: "n", Nodes: []*Node{{ID: "n", Type: typ}}}
		got := map[string]bool{}
		for _, e := range Validate(f) {
			if e.Node != "n" {
				continue
			}
			root, _, _ := strings.Cut(e.Field, ".")
			root, _, _ = strings.Cut(root, "[")
			got[root] = true
		}
		var gotList []string
		for k := range got {
			gotList = append(gotList, k)
		}
		sort.Strings(gotList)
		want := slices.Clone(s.Defs["node."+typ].Required[2:])
		sort.Strings(want)
		if !slices.Equal(gotList, want) {
			t.Errorf("node type %q: validator refuses an empty node on %v, schema requires %v", typ, gotList, want)
		}
	}
}

func TestYAMLExportRoundTrips(t *testing.T) {
	files, _ := filepath.Glob("../examples/flows/*.yaml")
	if len(files) == 0 {
		t.Fatal("no example flows")
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		f.Layout = map[string]Position{f.Start: {X: 10, Y: -2.5}}
		y1, err := f.YAML()
		if err != nil {
			t.Fatal(err)
		}
		g, err := Parse(y1)
		if err != nil {
			t.Fatalf("%s: export does not parse: %v\n%s", file, err, y1)
		}
		j1, _ := f.Marshal()
		j2, _ := g.Marshal()
		if !bytes.Equal(j1, j2) {
			t.Fatalf("%s: export changes the flow:\n%s\n---\n%s", file, j1, j2)
		}
		y2, _ := g.YAML()
		if !bytes.Equal(y1, y2) {
			t.Fatalf("%s: export is not byte-stable:\n%s\n---\n%s", file, y1, y2)
		}
	}
}

func TestYAMLExportLeavesOutEmptyLimits(t *testing.T) {
	f := &Flow{ID: "x", Start: "h", Nodes: []*Node{{ID: "h", Type: TypeHangup}}}
	y, err := f.YAML()
	if err != nil {
		t.Fatal(err)
	}
	if string(y) != "id: x\nstart: h\nnodes:\n  - id: h\n    type: hangup\n" {
		t.Fatalf("got:\n%s", y)
	}
	f.Limits.MaxVisits = 9
	if y, _ = f.YAML(); !bytes.Contains(y, []byte("limits:\n  max_visits: 9\n")) {
		t.Fatalf("got:\n%s", y)
	}
}
