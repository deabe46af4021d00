// Package crm owns customer records, work orders (工单) and service
// summaries (服务小结): custom field definitions and their validation,
// work-order types with statuses, transitions, SLA and escalation rules,
// the escalation runner, and per-queue wrap-up forms (docs/customers.md).
package crm

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Field types of custom fields.
const (
	TypeText   = "text"
	TypeNumber = "number"
	TypeDate   = "date" // YYYY-MM-DD
	TypeSelect = "select"
	TypeBool   = "bool"
)

var fieldTypes = []string{TypeText, TypeNumber, TypeDate, TypeSelect, TypeBool}

// Field defines one custom field.
type Field struct {
	Name     string   `json:"name"`
	Label    string   `json:"label"`
	Type     string   `json:"type"`
	Options  []string `json:"options,omitempty"` // select only
	Required bool     `json:"required,omitempty"`
	// MaxLength bounds a text value (default 500).
	MaxLength int `json:"max_length,omitempty"`
}

// DefaultMaxText is a text field's length limit when MaxLength is 0.
const DefaultMaxText = 500

var nameRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// ValidateFields checks field definitions; errors name the field (where is
// prefixed, e.g. "fields").
func ValidateFields(where string, fs []Field) error {
	seen := map[string]bool{}
	for i, f := range fs {
		at := fmt.Sprintf("%s[%d]", where, i)
		if !nameRe.MatchString(f.Name) {
			return fmt.Errorf("%s.name %q: must be 1-40 of a-z, 0-9 and _, starting with a letter", at, f.Name)
		}
		at = fmt.Sprintf("%s (%s)", at, f.Name)
		if seen[f.Name] {
			return fmt.Errorf("%s: field name used twice", at)
		}
		seen[f.Name] = true
		if strings.TrimSpace(f.Label) == "" {
			return fmt.Errorf("%s.label: required", at)
		}
		if !slices.Contains(fieldTypes, f.Type) {
			return fmt.Errorf("%s.type %q: must be one of %s", at, f.Type, strings.Join(fieldTypes, ", "))
		}
		if f.Type == TypeSelect {
			if len(f.Options) == 0 {
				return fmt.Errorf("%s.options: a select field needs at least one option", at)
			}
			for j, o := range f.Options {
				if strings.TrimSpace(o) == "" {
					return fmt.Errorf("%s.options[%d]: empty option", at, j)
				}
				if slices.Index(f.Options, o) != j {
					return fmt.Errorf("%s.options[%d] %q: listed twice", at, j, o)
				}
			}
		} else if len(f.Options) > 0 {
			return fmt.Errorf("%s.options: only select fields have options", at)
		}
		if f.MaxLength < 0 || f.MaxLength > 10000 {
			return fmt.Errorf("%s.max_length %d: must be 0-10000", at, f.MaxLength)
		}
	}
	return nil
}

// ValidateValues checks values against definitions and returns them
// normalised (numbers as float64, booleans as bool, the rest as strings).
// Unknown names are refused; required fields must be present and not empty.
func ValidateValues(where string, defs []Field, values map[string]any) (map[string]any, error) {
	out := map[string]any{}
	byName := map[string]Field{}
	for _, f := range defs {
		byName[f.Name] = f
	}
	names := make([]string, 0, len(values))
	for k := range values {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		f, ok := byName[k]
		if !ok {
			return nil, fmt.Errorf("%s.%s: no such field", where, k)
		}
		v, err := normalise(f, values[k])
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", where, k, err)
		}
		if v != nil {
			out[k] = v
		}
	}
	for _, f := range defs {
		if _, ok := out[f.Name]; f.Required && !ok {
			return nil, fmt.Errorf("%s.%s (%s): required", where, f.Name, f.Label)
		}
	}
	return out, nil
}

// normalise returns nil for an empty value.
func normalise(f Field, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if s, ok := v.(string); ok && strings.TrimSpace(s) == "" {
		return nil, nil
	}
	switch f.Type {
	case TypeText:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("must be text, not %T", v)
		}
		limit := f.MaxLength
		if limit == 0 {
			limit = DefaultMaxText
		}
		if n := len([]rune(s)); n > limit {
			return nil, fmt.Errorf("%d characters, at most %d", n, limit)
		}
		return s, nil
	case TypeNumber:
		switch n := v.(type) {
		case float64:
			if math.IsNaN(n) || math.IsInf(n, 0) {
				return nil, fmt.Errorf("not a finite number")
			}
			return n, nil
		case int:
			return float64(n), nil
		case string:
			x, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("%q is not a number", n)
			}
			return x, nil
		}
		return nil, fmt.Errorf("must be a number, not %T", v)
	case TypeDate:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("must be a date YYYY-MM-DD, not %T", v)
		}
		s = strings.TrimSpace(s)
		if _, err := time.Parse("2006-01-02", s); err != nil {
			return nil, fmt.Errorf("%q is not a date YYYY-MM-DD", s)
		}
		return s, nil
	case TypeSelect:
		s, ok := v.(string)
		if !ok || !slices.Contains(f.Options, s) {
			return nil, fmt.Errorf("%v is not one of %s", v, strings.Join(f.Options, ", "))
		}
		return s, nil
	case TypeBool:
		switch b := v.(type) {
		case bool:
			return b, nil
		case string:
			switch strings.ToLower(strings.TrimSpace(b)) {
			case "true", "yes", "1", "是":
				return true, nil
			case "false", "no", "0", "否":
				return false, nil
			}
			return nil, fmt.Errorf("%q is not true or false", b)
		}
		return nil, fmt.Errorf("must be true or false, not %T", v)
	}
	return nil, fmt.Errorf("unknown field type %q", f.Type)
}
