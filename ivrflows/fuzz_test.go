package ivrflows

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/expr-lang/expr/parser"
)

// FuzzParse feeds arbitrary documents to the parser and validator: they
// must never panic, and whatever parses must survive a JSON round trip.
// Valid flows are also dry-run, which must end, and no input may take
// more than a few seconds.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"testdata/*.yaml", "testdata/*.json", "../examples/flows/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte(`{"id":"x","start":"a","nodes":[{"id":"a","type":"goto","next":"a"}]}`))
	f.Add([]byte("id: x\nstart: a\nnodes:\n  - {id: a, type: menu, options: {1: a}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		defer func() {
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("slow input (%s): %q", d, data)
			}
		}()
		fl, err := Parse(data)
		if err != nil {
			return
		}
		errs := Validate(fl)
		j, err := fl.Marshal()
		if err != nil {
			t.Fatalf("marshal parsed flow: %v", err)
		}
		again, err := ParseJSON(j)
		if err != nil {
			t.Fatalf("re-parse own JSON: %v\n%s", err, j)
		}
		if (Validate(again) == nil) != (errs == nil) {
			t.Fatalf("validity changed over a round trip:\n%s", j)
		}
		if errs != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		res, err := DryRun(ctx, fl, DryRunOptions{DTMF: "1,2#,*0", At: time.Unix(0, 0), HTTP: noNetwork})
		if err != nil {
			t.Fatalf("dry run of a valid flow: %v", err)
		}
		if res.Result.Outcome.Kind == "" {
			t.Fatal("run ended without an outcome")
		}
	})
}

type failTransport struct{}

func (failTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("no network in the fuzz test")
}

var noNetwork = &http.Client{Transport: failTransport{}}

// exprSeeds are expressions the expression fuzzer starts from: everyday
// ones and the ones the budgets exist for.
var exprSeeds = []string{
	`int(balance) > 100 && verified == true`, `substr(account, 4)`, `"****" + substr(caller, 7)`,
	`map(items, .id)`, `len(filter(1..50, # % 7 == 0))`, `reduce(1..10, #acc + #, 0)`, `x ?? "none"`,
	`repeat(repeat("a", 999999), 999999)`, `repeat(s, n)`, `reduce(1..40, #acc + #acc, "a")`,
	`toJSON(map(1..10000, big))`, `join(map(1..10000, big), big)`, `replace(big, "", big)`,
	`flatten(map(1..5000, deep))`, `all(1..9000, all(1..9000, true))`, `len(1..1000000)`,
	`reduce(1..60, [#acc, #acc], [big])`, `split(big, "")`, `upper(big + big)`, `string(items) + toJSON(deep)`,
	`sortBy(items, .n)`, `groupBy(1..100, # % 3)`, `concat(arr, arr, arr)`, `x > 0 ? repeat("b", 70000) : ""`,
}

// FuzzExpr runs arbitrary expressions through the interpreter (compile,
// evaluate in a set and a branch node of a dry run) and directly in a
// budget: nothing panics, every run ends, no input allocates more than a
// bounded amount, no value kept is larger than its budget, and an
// expression with no variables that the validator accepts never goes over
// its budget when it runs.
func FuzzExpr(f *testing.F) {
	for _, s := range exprSeeds {
		f.Add(s)
	}
	f.Fuzz(fuzzOne)
}

// fuzzOne is one FuzzExpr input.
func fuzzOne(t *testing.T, src string) {
	if len(src) > 4000 {
		return
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	defer func() {
		runtime.ReadMemStats(&after)
		if d := after.TotalAlloc - before.TotalAlloc; d > 512<<20 {
			t.Fatalf("%q allocated %d MB", src, d>>20)
		}
	}()
	vars := budgetVars()
	b := newBudget()
	p, err := compileExpr(src, false, b)
	if err != nil {
		return
	}
	v, err := b.eval(p, vars)
	if err == nil {
		if _, ok := sizeOf(v, 4*maxExprBytes); !ok {
			t.Fatalf("%q made a value larger than its budget", src)
		}
	}
	doc, _ := json.Marshal(map[string]any{"id": "fz", "start": "s", "nodes": []any{
		map[string]any{"id": "s", "type": "set", "set": []any{map[string]any{"var": "v", "expr": src}}, "next": "b"},
		map[string]any{"id": "b", "type": "branch", "conditions": []any{map[string]any{"if": "v == " + strconv.Quote("x") + " || (" + src + ") == true", "next": "h"}}, "else": "h"},
		map[string]any{"id": "h", "type": "hangup"},
	}})
	fl, err := Parse(doc)
	if err != nil {
		return
	}
	if errs := Validate(fl); errs != nil {
		return
	}
	if tree, perr := parser.Parse(src); perr == nil && closedExpr(tree.Node) {
		b := newBudget()
		p, _ := compileExpr(src, false, b)
		_, err := b.eval(p, map[string]any{})
		var be *BudgetError
		if errors.As(err, &be) && !strings.Contains(be.Reason, "took more than") {
			t.Fatalf("validator accepted %q, which goes over its budget: %v", src, be)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := DryRun(ctx, fl, DryRunOptions{At: time.Unix(0, 0), HTTP: noNetwork, Vars: vars})
	if err != nil {
		t.Fatalf("dry run of a valid flow: %v", err)
	}
	if res.Result.Outcome.Kind == "" {
		t.Fatal("run ended without an outcome")
	}
	if _, ok := sizeOf(res.Result.Vars, 2*maxVarsBytes); !ok {
		t.Fatal("the run's variables are larger than their budget")
	}
}
