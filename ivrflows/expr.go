package ivrflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

var varNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// exprOptions are the options every flow expression is compiled with:
// variables are dynamic, "now" is not available (a flow runs on the call's
// injected clock), substr is added, and b is the budget the program runs
// in (see budget.go).
func exprOptions(b *budget, p *patcher, extra ...expr.Option) []expr.Option {
	opts := []expr.Option{
		expr.AllowUndefinedVariables(),
		expr.MaxNodes(maxExprNodes),
	}
	opts = append(opts, b.options(p)...)
	return append(opts, extra...)
}

// substr(s, start[, length]) counts in characters, clamps to the string,
// and never fails on out-of-range positions.
func substr(params ...any) (any, error) {
	if len(params) < 2 || len(params) > 3 {
		return nil, errors.New("substr(s, start[, length]) takes 2 or 3 arguments")
	}
	s, ok := params[0].(string)
	if !ok {
		s = fmt.Sprint(params[0])
	}
	r := []rune(s)
	start, err := toInt(params[1])
	if err != nil {
		return nil, fmt.Errorf("substr start: %w", err)
	}
	if start < 0 {
		start = max(0, len(r)+start)
	}
	start = min(start, len(r))
	end := len(r)
	if len(params) == 3 {
		n, err := toInt(params[2])
		if err != nil {
			return nil, fmt.Errorf("substr length: %w", err)
		}
		end = min(len(r), start+max(0, n))
	}
	return string(r[start:end]), nil
}

func toInt(v any) (int, error) {
	switch x := v.(type) {
	case int:
		return x, nil
	case int64:
		return int(x), nil
	case float64:
		return int(x), nil
	}
	return 0, fmt.Errorf("want a number, got %T", v)
}

// compileExpr compiles an expression to run in budget b; asBool requires a
// boolean result.
func compileExpr(src string, asBool bool, b *budget) (*vm.Program, error) {
	if strings.TrimSpace(src) == "" {
		return nil, errors.New("empty expression")
	}
	var extra []expr.Option
	if asBool {
		extra = append(extra, expr.AsBool())
	}
	pt := &patcher{}
	p, err := expr.Compile(src, exprOptions(b, pt, extra...)...)
	if pt.err != nil {
		return nil, fmt.Errorf("bad expression %q: %v", src, pt.err)
	}
	if err != nil {
		return nil, fmt.Errorf("bad expression %q: %s", src, firstLine(err.Error()))
	}
	return p, nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// templateRefs lists the variable names a ${var} template refers to, or an
// error for an unclosed or empty reference.
func templateRefs(s string) ([]string, error) {
	var out []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return out, nil
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return out, errors.New("unclosed ${ in template")
		}
		name := s[i+2 : i+j]
		if !varNameRe.MatchString(name) {
			return out, fmt.Errorf("bad variable reference ${%s}", name)
		}
		out = append(out, name)
		s = s[i+j+1:]
	}
}

// maxRendered is the longest text a ${var} template may render to: a
// template repeating a large variable must not make a huge string.
const maxRendered = 64 << 10

// render fills ${var} references from vars; esc (may be nil) escapes each
// value. Unknown variables render as "". A result longer than maxRendered
// is an error, found before it is made.
func render(s string, vars map[string]any, esc func(string) string) (string, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var b strings.Builder
	write := func(piece string) error {
		if b.Len()+len(piece) > maxRendered {
			return fmt.Errorf("template renders to more than %d bytes", maxRendered)
		}
		b.WriteString(piece)
		return nil
	}
	for {
		i := strings.Index(s, "${")
		j := -1
		if i >= 0 {
			j = strings.IndexByte(s[i:], '}')
		}
		if j < 0 {
			if err := write(s); err != nil {
				return "", err
			}
			return b.String(), nil
		}
		if err := write(s[:i]); err != nil {
			return "", err
		}
		v := formatValue(vars[s[i+2:i+j]])
		if esc != nil {
			v = esc(v)
		}
		if err := write(v); err != nil {
			return "", err
		}
		s = s[i+j+1:]
	}
}

// jsonEscape escapes v for use inside a JSON string literal.
func jsonEscape(v string) string {
	b, _ := json.Marshal(v)
	return string(b[1 : len(b)-1])
}

// formatValue renders a variable as text: integers without a decimal
// point, nil as "".
func formatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		if x == float64(int64(x)) && x < 1e15 && x > -1e15 {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return formatValue(float64(x))
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return x.String()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// lookupPath follows a simple path such as "data.balance" or
// "items.0.name" through decoded JSON.
func lookupPath(v any, path string) (any, bool) {
	for _, part := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			e, ok := x[part]
			if !ok {
				return nil, false
			}
			v = e
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

var pathRe = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`)

// truncate shortens s for trace lines.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
