package ivrflows

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the .golden files")

// TestValidateGolden parses and validates every testdata flow and compares
// the messages with testdata/NAME.golden.
func TestValidateGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.*")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, path := range files {
		if strings.HasSuffix(path, ".golden") {
			continue
		}
		n++
		t.Run(filepath.Base(path), func(t *testing.T) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got := describeValidation(b)
			golden := strings.TrimSuffix(path, filepath.Ext(path)) + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("messages differ from %s (go test -update to accept):\n--- got\n%s--- want\n%s", golden, got, want)
			}
		})
	}
	if n < 5 {
		t.Fatalf("only %d testdata flows", n)
	}
}

func describeValidation(b []byte) string {
	f, err := Parse(b)
	if err != nil {
		return "parse: " + err.Error() + "\n"
	}
	errs := Validate(f)
	if errs == nil {
		return "valid\n"
	}
	var sb strings.Builder
	for _, e := range errs {
		sb.WriteString(e.Error())
		sb.WriteByte('\n')
	}
	return sb.String()
}

func TestValidateIsStableAndComplete(t *testing.T) {
	b, err := os.ReadFile("testdata/many-errors.yaml")
	if err != nil {
		t.Fatal(err)
	}
	first := describeValidation(b)
	for i := 0; i < 20; i++ {
		if got := describeValidation(b); got != first {
			t.Fatalf("run %d gave different output:\n%s\nvs\n%s", i, got, first)
		}
	}
	for _, want := range []string{
		`node "main" field "options.9": edge to missing node "billing"`,
		`flow field "shortcuts.*23": shortcut to missing node "agent_login"`,
		`node "mystery" field "type": unknown node type "teleport"`,
		`waits for no caller input or time`,
		`node "ask" field "pattern": bad regular expression`,
		`node "loop_a" field "set[1].expr": bad expression`,
		`node "lookup" field "url": bad URL`,
		`node "rate" field "prompt": prompt is required`,
		`unreachable from start node "main"`,
	} {
		if !strings.Contains(first, want) {
			t.Errorf("missing %q in:\n%s", want, first)
		}
	}
}

func TestExampleFlowsAreValid(t *testing.T) {
	files, err := filepath.Glob("../examples/flows/*.yaml")
	if err != nil || len(files) < 5 {
		t.Fatalf("example flows: %v %v", files, err)
	}
	for _, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := describeValidation(b); got != "valid\n" {
			t.Errorf("%s:\n%s", path, got)
		}
	}
}

func TestYAMLAndJSONReadTheSame(t *testing.T) {
	b, err := os.ReadFile("../examples/flows/main.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	j, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	g, err := ParseJSON(j)
	if err != nil {
		t.Fatalf("re-parse own JSON: %v\n%s", err, j)
	}
	j2, _ := g.Marshal()
	if string(j) != string(j2) {
		t.Fatalf("JSON round trip changed the flow:\n%s\nvs\n%s", j, j2)
	}
	if errs := Validate(g); errs != nil {
		t.Fatal(errs)
	}
}

func TestParseRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"empty":          "  ",
		"format":         `{"format": 2, "id": "x", "start": "a", "nodes": []}`,
		"trailing":       `{"id": "x"} {}`,
		"null node":      `{"id": "x", "start": "a", "nodes": [null]}`,
		"yaml syntax":    "id: [x\n",
		"bad duration":   `{"id": "x", "limits": {"max_duration": "soon"}}`,
		"localized type": `{"id": "x", "nodes": [{"id": "a", "type": "play", "prompt": [{"tts": 5}]}]}`,
	} {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("%s: parsed %q", name, doc)
		}
	}
}

func readFile(p string) ([]byte, error) { return os.ReadFile(p) }
