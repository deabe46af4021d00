package ivrflows

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/vm"
	"github.com/expr-lang/expr/vm/runtime"
)

// Budgets of flow expressions. A flow is written by a tenant admin and run
// for every caller (and by supervisors' simulations), so no expression may
// take the controller's memory or CPU: every operation that can make a
// value larger than its inputs checks the size it is about to make before
// making it, and loops count their steps. expr-lang's own memory budget is
// checked only after some builtins have allocated (repeat makes its string
// first), so those builtins are replaced here.
const (
	// maxExprNodes is the size of the largest expression (syntax nodes).
	maxExprNodes = 2000
	// maxExprString is the longest string an expression may make.
	maxExprString = 64 << 10
	// maxExprItems is the most elements a list an expression makes
	// (split, concat, flatten) may have.
	maxExprItems = 10_000
	// maxExprVM is expr-lang's own allocation count per evaluation: range
	// members and list and map literal elements.
	maxExprVM = 20_000
	// maxExprSteps is how many loop iterations (map, filter, all, ...) and
	// function calls one evaluation may make.
	maxExprSteps = 10_000
	// maxExprBytes is how many bytes the values one evaluation makes may
	// add up to.
	maxExprBytes = 1 << 20
	// maxExprTime bounds one evaluation's real (CPU) time, a backstop for
	// the step and size budgets.
	maxExprTime = 100 * time.Millisecond

	// Over a whole run (one call), or over one validation.
	maxRunExprSteps = 1_000_000
	maxRunExprBytes = 64 << 20
	maxRunExprTime  = 2 * time.Second

	// maxVarBytes is the largest value a flow variable may hold (measured
	// as JSON) and maxVarsBytes all of a run's variables together.
	maxVarBytes  = 64 << 10
	maxVarsBytes = 1 << 20
)

// BudgetError says which budget an expression went over.
type BudgetError struct {
	// Run is set when the budget of the whole run (or validation) is spent,
	// rather than that of one evaluation.
	Run    bool
	Reason string
}

func (e *BudgetError) Error() string {
	if e.Run {
		return "expression budget of the call spent: " + e.Reason
	}
	return "expression budget: " + e.Reason
}

// budget is the sandbox of one run's (or one validation's) expressions: the
// functions compiled into its programs charge it.
type budget struct {
	steps, bytes       int // left in this evaluation
	deadline, started  time.Time
	runSteps, runBytes int // left in the run
	runTime            time.Duration
	err                *BudgetError // first budget error of this evaluation
	spent              *BudgetError // the run's budget is gone
}

func newBudget() *budget {
	return &budget{runSteps: maxRunExprSteps, runBytes: maxRunExprBytes, runTime: maxRunExprTime}
}

// eval runs p on env within one evaluation's budget.
func (b *budget) eval(p *vm.Program, env map[string]any) (any, error) {
	if b.spent != nil {
		return nil, b.spent
	}
	b.steps, b.bytes, b.err = maxExprSteps, maxExprBytes, nil
	// Real time, not the call's clock: this bounds CPU, and a fake clock
	// (dry runs) never moves during an evaluation.
	b.started = time.Now()
	b.deadline = b.started.Add(min(maxExprTime, b.runTime))
	machine := vm.VM{MemoryBudget: maxExprVM}
	v, err := machine.Run(p, env)
	b.runTime -= time.Since(b.started)
	if b.runTime <= 0 && b.spent == nil {
		b.spent = &BudgetError{Run: true, Reason: fmt.Sprintf("expressions took more than %s", maxRunExprTime)}
	}
	switch {
	case b.err != nil:
		return nil, b.err
	case err != nil && strings.Contains(err.Error(), "memory budget exceeded"):
		return nil, &BudgetError{Reason: fmt.Sprintf("more than %d list, map or range items", maxExprVM)}
	case err != nil:
		return nil, err
	}
	return v, nil
}

func (b *budget) fail(e *BudgetError) error {
	if b.err == nil {
		b.err = e
	}
	if e.Run && b.spent == nil {
		b.spent = e
	}
	return b.err
}

// tick counts one step.
func (b *budget) tick() error {
	if b.err != nil {
		return b.err
	}
	b.steps--
	b.runSteps--
	switch {
	case b.runSteps < 0:
		return b.fail(&BudgetError{Run: true, Reason: fmt.Sprintf("more than %d steps", maxRunExprSteps)})
	case b.steps < 0:
		return b.fail(&BudgetError{Reason: fmt.Sprintf("more than %d steps (loop iterations and calls)", maxExprSteps)})
	case b.steps%64 == 0 && time.Now().After(b.deadline):
		return b.fail(&BudgetError{Reason: fmt.Sprintf("took more than %s", maxExprTime)})
	}
	return nil
}

// charge counts n bytes about to be made; what says what makes them.
func (b *budget) charge(n int, what string) error {
	if err := b.tick(); err != nil {
		return err
	}
	if n < 0 {
		n = math.MaxInt
	}
	if n > b.bytes || n > b.runBytes {
		if n > b.runBytes && n <= b.bytes {
			return b.fail(&BudgetError{Run: true, Reason: fmt.Sprintf("values made add up to more than %d bytes", maxRunExprBytes)})
		}
		return b.fail(&BudgetError{Reason: fmt.Sprintf("%s: values made add up to more than %d bytes", what, maxExprBytes)})
	}
	b.bytes -= n
	b.runBytes -= n
	return nil
}

// string checks a string of n bytes may be made, then charges it.
func (b *budget) string(n int, what string) error {
	if n < 0 || n > maxExprString {
		return b.fail(&BudgetError{Reason: fmt.Sprintf("%s would make a string of %s bytes, more than %d", what, sizeText(n), maxExprString)})
	}
	return b.charge(n, what)
}

// items checks a list of n items may be made, then charges it.
func (b *budget) items(n int, what string) error {
	if n < 0 || n > maxExprItems {
		return b.fail(&BudgetError{Reason: fmt.Sprintf("%s would make a list of %s items, more than %d", what, sizeText(n), maxExprItems)})
	}
	return b.charge(16*n, what)
}

func sizeText(n int) string {
	if n < 0 {
		return "too many"
	}
	return fmt.Sprint(n)
}

// mul multiplies sizes, saturating instead of overflowing (-1).
func mul(a, b int) int {
	if a < 0 || b < 0 {
		return -1
	}
	if a != 0 && b > math.MaxInt/a {
		return -1
	}
	return a * b
}

// sizeOf estimates the bytes of v written as indented JSON (the largest
// form toJSON or string makes), stopping early once it passes limit; ok is
// false then. The walk costs at most about limit, whatever v shares.
func sizeOf(v any, limit int) (n int, ok bool) {
	var walk func(v any, depth int) bool
	walk = func(v any, depth int) bool {
		n += 2*depth + 2 // indentation, separator, newline
		if n > limit {
			return false
		}
		switch x := v.(type) {
		case nil, bool:
			n += 5
		case string:
			n += len(x) + 2
		case int, int64, float64, int32, float32, uint, uint64:
			n += 24
		case []any:
			for _, e := range x {
				if !walk(e, depth+1) {
					return false
				}
			}
		case []string:
			for _, e := range x {
				if !walk(e, depth+1) {
					return false
				}
			}
		case map[string]any:
			for k, e := range x {
				n += len(k) + 4
				if !walk(e, depth+1) {
					return false
				}
			}
		default:
			rv := reflect.ValueOf(v)
			switch rv.Kind() {
			case reflect.Slice, reflect.Array:
				for i := 0; i < rv.Len(); i++ {
					if !walk(rv.Index(i).Interface(), depth+1) {
						return false
					}
				}
			case reflect.Map:
				it := rv.MapRange()
				for it.Next() {
					n += 8
					if !walk(it.Key().Interface(), depth+1) || !walk(it.Value().Interface(), depth+1) {
						return false
					}
				}
			case reflect.String:
				n += rv.Len() + 2
			default:
				n += 32
			}
		}
		return n <= limit
	}
	ok = walk(v, 0)
	return n, ok
}

// deniedFuncs are expr-lang builtins flows may not use, and why.
var deniedFuncs = map[string]string{
	"now":      "a flow runs on the call's clock: use a schedule node for opening hours",
	"fromJSON": "it turns text into values of any size",
}

// Names of the budget functions the patcher inserts. They are ordinary
// identifiers so a printed expression compiles again to the same program.
const (
	fnAdd   = "__ipcc_add"
	fnTick  = "__ipcc_tick"
	fnYield = "__ipcc_yield"
)

// boolPredicates are the builtins whose predicate must be true or false;
// the other predicates (map, sum, groupBy, sortBy, reduce) yield values.
var boolPredicates = map[string]bool{"all": true, "none": true, "any": true, "one": true, "filter": true,
	"find": true, "findIndex": true, "findLast": true, "findLastIndex": true, "count": true}

// patcher rewrites an expression so it runs inside its budget: string
// concatenation goes through fnAdd, and every predicate iteration ticks
// (fnTick) or charges what it yields (fnYield). It also refuses let and
// the denied builtins.
type patcher struct {
	err error
}

func (p *patcher) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.VariableDeclaratorNode:
		p.deny(`"let" is not available in flow expressions (use a set node)`)
	case *ast.CallNode:
		if id, ok := n.Callee.(*ast.IdentifierNode); ok {
			if why, ok := deniedFuncs[id.Value]; ok {
				p.deny(fmt.Sprintf("%s() is not available in flow expressions: %s", id.Value, why))
			}
		}
	case *ast.BuiltinNode:
		if why, ok := deniedFuncs[n.Name]; ok {
			p.deny(fmt.Sprintf("%s() is not available in flow expressions: %s", n.Name, why))
		}
		for _, a := range n.Arguments {
			pred, ok := a.(*ast.PredicateNode)
			if !ok || budgeted(pred.Node) {
				continue
			}
			if boolPredicates[n.Name] {
				pred.Node = &ast.BinaryNode{Operator: "&&", Left: &ast.CallNode{Callee: &ast.IdentifierNode{Value: fnTick}}, Right: pred.Node}
			} else {
				pred.Node = &ast.CallNode{Callee: &ast.IdentifierNode{Value: fnYield}, Arguments: []ast.Node{pred.Node}}
			}
		}
	case *ast.BinaryNode:
		if n.Operator == "+" && maybeString(n.Left) && maybeString(n.Right) {
			ast.Patch(node, &ast.CallNode{Callee: &ast.IdentifierNode{Value: fnAdd}, Arguments: []ast.Node{n.Left, n.Right}})
		}
	}
}

func (p *patcher) deny(msg string) {
	if p.err == nil {
		p.err = errors.New(msg)
	}
}

// budgeted tells whether a predicate body is already wrapped (a printed
// expression compiled again).
func budgeted(n ast.Node) bool {
	switch x := n.(type) {
	case *ast.CallNode:
		id, ok := x.Callee.(*ast.IdentifierNode)
		return ok && id.Value == fnYield
	case *ast.BinaryNode:
		if c, ok := x.Left.(*ast.CallNode); ok && x.Operator == "&&" {
			id, ok := c.Callee.(*ast.IdentifierNode)
			return ok && id.Value == fnTick
		}
	}
	return false
}

// maybeString tells whether a node may be a string at run time: numbers
// and times never concatenate, so their sums keep static types.
func maybeString(n ast.Node) bool {
	switch n.Type().Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64, reflect.Bool, reflect.Struct:
		return false
	}
	return true
}

// budgetOptions are the expr options that make b the budget of a program.
func (b *budget) options(p *patcher) []expr.Option {
	opts := []expr.Option{
		// The optimizer rewrites the tree (folds ranges, merges
		// predicates), so a part of an expression would not run as it
		// does on its own: without it, the validator's evaluation of a
		// constant part is exactly what a run does.
		expr.Optimize(false),
		expr.Patch(p),
		expr.Function(fnAdd, b.add),
		expr.Function(fnTick, func(...any) (any, error) { return true, b.tick() }, new(func() bool)),
		expr.Function(fnYield, b.yield, new(func(any) any)),
		expr.Function("substr", b.substr,
			new(func(string, int) string),
			new(func(string, int, int) string)),
	}
	for name := range deniedFuncs {
		opts = append(opts, expr.DisableBuiltin(name))
	}
	for name, guard := range b.guards() {
		opts = append(opts, guardBuiltin(name, guard))
	}
	return opts
}

// add is + with a size check before a string is made.
func (b *budget) add(args ...any) (out any, err error) {
	if len(args) != 2 {
		return nil, errors.New("+ takes two operands")
	}
	x, xs := args[0].(string)
	y, ys := args[1].(string)
	if xs && ys {
		if err := b.string(len(x)+len(y), "+"); err != nil {
			return nil, err
		}
		return x + y, nil
	}
	if err := b.tick(); err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("%v", r)
		}
	}()
	return runtime.Add(args[0], args[1]), nil
}

// yield charges what one predicate iteration yields (map, reduce, ...), so
// a list of references to one large value cannot grow without bound.
func (b *budget) yield(args ...any) (any, error) {
	v := args[0]
	n, ok := sizeOf(v, b.bytes)
	if !ok {
		return nil, b.fail(&BudgetError{Reason: fmt.Sprintf("loop values add up to more than %d bytes", maxExprBytes)})
	}
	return v, b.charge(n, "loop")
}

func (b *budget) substr(params ...any) (any, error) {
	if len(params) > 0 {
		if s, ok := params[0].(string); ok {
			if err := b.charge(4*len(s), "substr"); err != nil {
				return nil, err
			}
		}
	}
	return substr(params...)
}

// guardBuiltin replaces builtin name with one that first runs guard on its
// arguments; types and checks stay the builtin's own.
func guardBuiltin(name string, guard func(args []any) error) expr.Option {
	orig := builtin.Builtins[builtin.Index[name]]
	call := func(args ...any) (any, error) {
		if err := guard(args); err != nil {
			return nil, err
		}
		switch {
		case orig.Func != nil:
			return orig.Func(args...)
		case orig.Safe != nil:
			v, _, err := orig.Safe(args...)
			return v, err
		case len(args) == 1:
			return orig.Fast(args[0]), nil
		}
		return nil, fmt.Errorf("%s takes one argument", name)
	}
	return func(c *conf.Config) {
		c.Functions[name] = &builtin.Function{Name: name, Func: call, Types: orig.Types, Validate: orig.Validate, Deref: orig.Deref}
	}
}

func str(args []any, i int) string {
	if i < len(args) {
		s, _ := args[i].(string)
		return s
	}
	return ""
}

// guards are the size checks run before each builtin that can make a value
// larger than its arguments.
func (b *budget) guards() map[string]func([]any) error {
	toString := func(what string) func([]any) error {
		return func(args []any) error {
			if len(args) == 0 {
				return b.tick()
			}
			n, ok := sizeOf(args[0], maxExprString)
			if !ok {
				n = -1
			}
			return b.string(n, what)
		}
	}
	splitter := func(what string) func([]any) error {
		return func(args []any) error {
			s, sep := str(args, 0), str(args, 1)
			n := strings.Count(s, sep) + 1
			if sep == "" {
				n = utf8.RuneCountInString(s)
			}
			if len(args) > 2 {
				if limit, ok := args[2].(int); ok && limit >= 0 && limit < n {
					n = limit
				}
			}
			return b.items(n, what)
		}
	}
	return map[string]func([]any) error{
		"repeat": func(args []any) error {
			n := 0
			if len(args) > 1 {
				n = runtime.ToInt(args[1])
			}
			return b.string(mul(len(str(args, 0)), max(n, 0)), "repeat")
		},
		"join": func(args []any) error {
			glue := str(args, 1)
			total, count := 0, 0
			if len(args) > 0 {
				rv := reflect.ValueOf(args[0])
				if rv.Kind() == reflect.Slice {
					count = rv.Len()
					for i := 0; i < count && total <= maxExprString; i++ {
						if s, ok := rv.Index(i).Interface().(string); ok {
							total += len(s)
						}
					}
				}
			}
			if count > 1 {
				total += mul(len(glue), count-1)
				if total < 0 || mul(len(glue), count-1) < 0 {
					total = -1
				}
			}
			return b.string(total, "join")
		},
		"replace": func(args []any) error {
			s, old, repl := str(args, 0), str(args, 1), str(args, 2)
			n := strings.Count(s, old) // old "" matches before every rune and at the end
			size := len(s) + mul(n, len(repl)) - n*len(old)
			if mul(n, len(repl)) < 0 {
				size = -1
			}
			return b.string(size, "replace")
		},
		// Changing case changes a character's UTF-8 length by half at
		// most, so the result stays within 1.5 times the limit.
		"upper":      func(args []any) error { return b.string(len(str(args, 0)), "upper") },
		"lower":      func(args []any) error { return b.string(len(str(args, 0)), "lower") },
		"string":     toString("string"),
		"toJSON":     toString("toJSON"),
		"toBase64":   func(args []any) error { return b.string(len(str(args, 0))/3*4+4, "toBase64") },
		"fromBase64": func(args []any) error { return b.string(len(str(args, 0)), "fromBase64") },
		"split":      splitter("split"),
		"splitAfter": splitter("splitAfter"),
		"concat": func(args []any) error {
			n := 0
			for _, a := range args {
				if rv := reflect.ValueOf(a); rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
					n += rv.Len()
				}
				if n > maxExprItems {
					break
				}
			}
			return b.items(n, "concat")
		},
		"flatten": func(args []any) error {
			n := 0
			var count func(v any, depth int) bool
			// Every element and nested list counts, so the walk stops
			// early however the lists share.
			count = func(v any, depth int) bool {
				n++
				rv := reflect.ValueOf(v)
				if n > maxExprItems || rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
					return n <= maxExprItems
				}
				for i := 0; i < rv.Len(); i++ {
					if !count(rv.Index(i).Interface(), depth+1) {
						return false
					}
				}
				return true
			}
			if len(args) > 0 && !count(args[0], 0) {
				n = -1
			}
			return b.items(n, "flatten")
		},
	}
}
