package ivrflows

import (
	"errors"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/expr-lang/expr"
)

// budgetVars are the variables the budget tests evaluate with.
func budgetVars() map[string]any {
	return map[string]any{
		"s": "a", "n": 999999, "x": 3, "big": strings.Repeat("b", 60000),
		"arr":   []any{1.0, 2.0, 3.0},
		"items": []any{map[string]any{"id": "x1", "n": 2.0}, map[string]any{"id": "x2", "n": 5.0}},
		"deep":  []any{strings.Repeat("c", 30000), strings.Repeat("d", 30000)},
	}
}

// allocated runs f and returns the bytes it allocated (all goroutines,
// which in this test are idle).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// Each of these would make a huge value (the first, from the security
// review, 10^12 bytes; expr-lang's repeat makes its string before its own
// budget check): they fail with a BudgetError, and nothing large is
// allocated on the way.
func TestExpressionBudgetStopsBeforeAllocating(t *testing.T) {
	for _, src := range []string{
		`repeat(repeat("a", 999999), 999999)`,
		`repeat(s, n)`,
		`repeat("ab", 40000)`,
		`s + repeat(big, 2)`,
		`big + big`,
		`reduce(1..40, #acc + #acc, "a")`,
		`join(map(1..10000, big), "")`,
		`join(["a", "b"], big + big)`,
		`replace(big, "", big)`,
		`replace(big, "b", "xx")`,
		`toJSON(map(1..10000, big))`,
		`len(string(map(1..5000, deep)))`,
		`len(flatten(map(1..5000, deep)))`,
		`len(concat(map(1..9000, 1), map(1..9000, 1)))`,
		`len(map(1..10000, big + "x"))`,
		`len(map(1..10000, deep))`,
		`all(1..9000, all(1..9000, true))`,
		`len(1..1000000)`,
		`len(split(big, ""))`,
		`len(toBase64(big + big))`,
		`reduce(1..60, [#acc, #acc], [big])`,
	} {
		t.Run(src, func(t *testing.T) {
			b := newBudget()
			p, err := compileExpr(src, false, b)
			if err != nil {
				t.Fatal(err)
			}
			var got any
			mem := allocated(func() { got, err = b.eval(p, budgetVars()) })
			var be *BudgetError
			if !errors.As(err, &be) {
				t.Fatalf("got %T (err %v), want a budget error", got, err)
			}
			if mem > 8<<20 {
				t.Fatalf("%d bytes allocated before the budget stopped it", mem)
			}
			if be.Run {
				t.Fatalf("one evaluation spent the whole run's budget: %v", be)
			}
		})
	}
}

// The budgeted builtins, + and loops give what expr-lang gives.
func TestBudgetedExpressionsKeepTheirMeaning(t *testing.T) {
	for _, src := range []string{
		`1 + 2`, `x + 1.5`, `"a" + "b"`, `s + string(x)`, `substr("hello", 1, 3)`,
		`map(1..3, # * 2)`, `filter(arr, # > 1)`, `sum(1..4)`, `sum(arr, # * 2)`, `reduce(1..4, #acc + #, 0)`,
		`count(items, .n > 1)`, `any(items, .id == "x2")`, `find(items, .n > 3).id`, `findIndex(arr, # == 2.0)`,
		`groupBy(items, .n > 3)`, `sortBy(items, .n, "desc")[0].id`, `join(["a", "b"], "-")`, `join(split("a,b,c", ","))`,
		`upper("ab") + lower("CD")`, `replace("aaa", "a", "bc")`, `replace("ab", "", "-")`, `repeat("ab", 3)`,
		`toJSON([1, "a"])`, `len(flatten([[1], [2, [3]]]))`, `concat([1], [2, 3])`, `splitAfter("a,b", ",")`,
		`toBase64("hi")`, `fromBase64("aGk=")`, `x in 1..10`, `trim("  a ")`, `int("42") + 1`, `x > 2 ? "big" : "small"`,
		`items[1].id + "/" + string(items[0].n)`, `arr[1:]`, `-x + 1`, `"a" < "b"`, `len(big)`, `first(arr) + last(arr)`,
	} {
		t.Run(src, func(t *testing.T) {
			plain, err := expr.Compile(src, expr.AllowUndefinedVariables(), expr.Function("substr", substr))
			if err != nil {
				t.Fatal(err)
			}
			want, err := expr.Run(plain, budgetVars())
			if err != nil {
				t.Fatal(err)
			}
			b := newBudget()
			p, err := compileExpr(src, false, b)
			if err != nil {
				t.Fatal(err)
			}
			got, err := b.eval(p, budgetVars())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(normal(got), normal(want)) {
				t.Fatalf("got %#v, want %#v", got, want)
			}
		})
	}
}

// normal makes []string and []any of the same strings compare equal
// (a budgeted builtin may give the one where expr-lang gives the other).
func normal(v any) any {
	if s, ok := v.([]string); ok {
		out := make([]any, len(s))
		for i, e := range s {
			out[i] = e
		}
		return out
	}
	return v
}

func TestDeniedExpressions(t *testing.T) {
	for src, want := range map[string]string{
		`let y = 1; y`:   `"let" is not available`,
		`now()`:          `now() is not available`,
		`fromJSON(s)`:    `fromJSON() is not available`,
		`len(now())`:     `now() is not available`,
		`s | fromJSON()`: `fromJSON() is not available`,
	} {
		if _, err := compileExpr(src, false, newBudget()); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err %v, want %q", src, err, want)
		}
	}
}

// A flow whose expressions keep spending (a loop of inputs that time out,
// instant in a simulation) is ended once the call's budget is spent.
func TestRunExpressionBudgetEndsTheFlow(t *testing.T) {
	f := mustFlow(t, `
id: burn
start: ask
nodes:
  - id: ask
    type: menu
    prompt: [{tts: Press 1}]
    options: {"1": bye}
    retries: 1
    fallback: burn
  - id: burn
    type: set
    set:
      - {var: ok, expr: 'all(1..n, # > 0)'}
    next: ask
  - {id: bye, type: hangup}
limits: {max_visits: 100000}
`)
	r := dry(t, f, "", DryRunOptions{Vars: map[string]any{"n": 9000}})
	o := r.Result.Outcome
	if o.Kind != OutcomeLimit || !strings.Contains(o.Reason, "expression budget of the call spent") || o.Node != "burn" {
		t.Fatalf("outcome %+v after %d visits", o, len(r.Result.Visits))
	}
	if v := len(r.Result.Visits); v > 300 {
		t.Fatalf("%d visits: the budget should stop it after about %d evaluations", v, maxRunExprSteps/9000)
	}
}

// An expression over its budget leaves its variable empty and the flow
// goes on; the trace says which budget.
func TestExpressionOverBudgetLeavesTheVariableEmpty(t *testing.T) {
	f := mustFlow(t, `
id: b
start: s
nodes:
  - id: s
    type: set
    set:
      - {var: v, expr: 'repeat(s, n)'}
      - {var: w, expr: 'len(s)'}
    next: bye
  - {id: bye, type: hangup}
`)
	r := dry(t, f, "", DryRunOptions{Vars: map[string]any{"s": "abc", "n": 1000000}})
	expectPath(t, r, "s:next bye:hangup")
	if r.Result.Vars["v"] != "" || formatValue(r.Result.Vars["w"]) != "3" {
		t.Fatalf("vars %v", r.Result.Vars)
	}
	if tr := linesOf(r, "flow"); !strings.Contains(tr, "repeat would make a string of 3000000 bytes, more than 65536") {
		t.Fatalf("trace:\n%s", tr)
	}
}

// Checking the constant parts of an expression stays cheap however deeply
// it nests (a part prints in time proportional to its size times its depth).
func TestValidatingNestedExpressionsIsBounded(t *testing.T) {
	for _, src := range []string{
		strings.Repeat("1 > 0 && (", 900) + "true" + strings.Repeat(")", 900),
		strings.Repeat("x > 0 ? 1 : (", 600) + "2" + strings.Repeat(")", 600),
		strings.Repeat(`"a" + (`, 900) + `"b"` + strings.Repeat(")", 900),
	} {
		var err error
		if mem := allocated(func() { err = newConstChecker().check(src) }); mem > 64<<20 {
			t.Errorf("checking %.30q... allocated %d MB", src, mem>>20)
		}
		if err != nil {
			t.Errorf("%.30q...: %v", src, err)
		}
	}
}
