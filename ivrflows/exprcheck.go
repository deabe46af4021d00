package ivrflows

import (
	"errors"
	"slices"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
)

// The validator refuses what a run would: each part of an expression that
// uses no variable (nor a loop's #) is evaluated at validation time in the
// same budget a run uses, and a budget error is a validation error. Parts
// evaluated only sometimes (a branch of ?:, the right of && || ??, a loop
// body) are evaluated on their own too, so `x > 0 ? repeat("a", 1e6) : ""`
// is refused although x is unknown.

// The checks are bounded whatever the expression: at most
// maxCheckedParts parts of one expression are evaluated, and one
// validation compiles at most maxCheckedSource bytes of expression text
// again; past either the remaining parts are left to the run's budget
// (which still stops them).
const (
	maxCheckedParts  = 32
	maxCheckedSource = 2 << 20
)

// constChecker evaluates the constant parts of a flow's expressions.
type constChecker struct {
	b      *budget
	source int // expression text compiled so far (estimated)
}

func newConstChecker() *constChecker { return &constChecker{b: newBudget()} }

// check returns the first budget error of src's constant parts, or nil.
func (c *constChecker) check(src string) error {
	tree, err := parser.Parse(src)
	if err != nil {
		return nil // compileExpr reports it
	}
	cl := closure{}
	cl.free(tree.Node)
	var roots []ast.Node
	cl.collect(tree.Node, &roots)
	seen := map[string]bool{}
	for i, n := range roots {
		if i >= maxCheckedParts {
			return nil
		}
		// Printing a part costs about its size times its depth (each
		// level copies its children's text); the whole expression is its
		// source.
		text := src
		cost := len(src)
		if n != tree.Node {
			cost = mul(cl[n].nodes, cl[n].depth) * 16
		}
		if c.source += cost; cost < 0 || c.source > maxCheckedSource {
			return nil
		}
		if n != tree.Node {
			text = n.String()
		}
		if seen[text] {
			continue
		}
		seen[text] = true
		p, err := compileExpr(text, false, c.b)
		if err != nil {
			continue
		}
		if _, err := c.b.eval(p, map[string]any{}); err != nil {
			var be *BudgetError
			if errors.As(err, &be) {
				return be
			}
		}
	}
	return nil
}

// closure remembers which nodes use variables or free #-pointers, and
// each node's size and depth.
type closure map[ast.Node]part

type part struct {
	closed       bool
	nodes, depth int
}

// collect adds the evaluable constant parts of n to out: the largest ones,
// and within each the parts evaluated only sometimes, in the same way.
func (cl closure) collect(n ast.Node, out *[]ast.Node) {
	if n == nil || len(*out) >= maxCheckedParts {
		return
	}
	if cl[n].closed && evaluable(n) {
		*out = append(*out, n)
		cl.conditional(n, out)
		return
	}
	for _, c := range children(n) {
		cl.collect(c, out)
	}
}

// conditional finds the parts of n that run only sometimes (a branch of
// ?:, the right of && || ??, a loop body) and collects each as a part of
// its own; it does not descend into them (collect does).
func (cl closure) conditional(n ast.Node, out *[]ast.Node) {
	var sometimes []ast.Node
	switch x := n.(type) {
	case *ast.ConditionalNode:
		sometimes = []ast.Node{x.Exp1, x.Exp2}
	case *ast.BinaryNode:
		switch x.Operator {
		case "&&", "||", "and", "or", "??":
			sometimes = []ast.Node{x.Right}
		}
	case *ast.PredicateNode:
		sometimes = []ast.Node{x.Node}
	}
	for _, c := range children(n) {
		if slices.Contains(sometimes, c) {
			cl.collect(c, out)
		} else {
			cl.conditional(c, out)
		}
	}
}

// free records, bottom up, whether each node is closed (uses no variable
// and no # outside its own loops) and returns whether n uses variables and
// free #-pointers. Unknown node kinds count as using variables.
func (cl closure) free(n ast.Node) (vars, ptrs bool) {
	if n == nil {
		return false, false
	}
	size := part{nodes: 1, depth: 1}
	defer func() {
		size.closed = !vars && !ptrs
		cl[n] = size
	}()
	var kids []ast.Node
	known := true
	switch x := n.(type) {
	case *ast.IdentifierNode, *ast.VariableDeclaratorNode:
		vars = true
	case *ast.PointerNode:
		ptrs = true
	case *ast.CallNode:
		kids = x.Arguments
		if _, ok := x.Callee.(*ast.IdentifierNode); !ok {
			kids = append([]ast.Node{x.Callee}, kids...)
		}
	default:
		kids, known = childrenOf(n)
	}
	for _, c := range kids {
		v, p := cl.free(c)
		vars, ptrs = vars || v, ptrs || p
		size.nodes += cl[c].nodes
		size.depth = max(size.depth, cl[c].depth+1)
	}
	if _, ok := n.(*ast.PredicateNode); ok {
		ptrs = false // # inside a loop body is that loop's
	}
	return vars || !known, ptrs
}

func children(n ast.Node) []ast.Node {
	kids, _ := childrenOf(n)
	return kids
}

// childrenOf lists a node's children; known is false for kinds this file
// does not know.
func childrenOf(n ast.Node) (kids []ast.Node, known bool) {
	switch x := n.(type) {
	case *ast.NilNode, *ast.IdentifierNode, *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode,
		*ast.StringNode, *ast.ConstantNode, *ast.PointerNode:
		return nil, true
	case *ast.UnaryNode:
		return []ast.Node{x.Node}, true
	case *ast.BinaryNode:
		return []ast.Node{x.Left, x.Right}, true
	case *ast.ChainNode:
		return []ast.Node{x.Node}, true
	case *ast.MemberNode:
		return []ast.Node{x.Node, x.Property}, true
	case *ast.SliceNode:
		return nonNil(x.Node, x.From, x.To), true
	case *ast.CallNode:
		return append([]ast.Node{x.Callee}, x.Arguments...), true
	case *ast.BuiltinNode:
		return x.Arguments, true
	case *ast.PredicateNode:
		return []ast.Node{x.Node}, true
	case *ast.ConditionalNode:
		return []ast.Node{x.Cond, x.Exp1, x.Exp2}, true
	case *ast.VariableDeclaratorNode:
		return []ast.Node{x.Value, x.Expr}, true
	case *ast.SequenceNode:
		return x.Nodes, true
	case *ast.ArrayNode:
		return x.Nodes, true
	case *ast.MapNode:
		return x.Pairs, true
	case *ast.PairNode:
		return []ast.Node{x.Key, x.Value}, true
	}
	return nil, false
}

func nonNil(nodes ...ast.Node) []ast.Node {
	out := nodes[:0]
	for _, n := range nodes {
		if n != nil {
			out = append(out, n)
		}
	}
	return out
}

// closedExpr tells whether n uses no variable and no free #.
func closedExpr(n ast.Node) bool {
	vars, ptrs := closure{}.free(n)
	return !vars && !ptrs
}

// evaluable tells whether a node computes something (not a literal).
func evaluable(n ast.Node) bool {
	switch n.(type) {
	case *ast.CallNode, *ast.BuiltinNode, *ast.BinaryNode, *ast.UnaryNode, *ast.ConditionalNode,
		*ast.SliceNode, *ast.MemberNode, *ast.ArrayNode, *ast.MapNode, *ast.SequenceNode, *ast.ChainNode:
		return true
	}
	return false
}
