package dialplan

import (
	"fmt"
	"slices"
	"strings"
)

// ExtensionPlan says which numbers an agent dials are the tenant's own
// extensions (internal calls) rather than numbers reached through a trunk
// (click-to-dial, call-backs). A number is an extension when it is all
// digits, its length is one of Lengths and, when Prefixes are given, it
// starts with one of them. Service numbers such as 95588, 10086 or 110
// are not extensions under the default plan.
type ExtensionPlan struct {
	// Lengths of extension numbers (default [4]: 1001, 8001).
	Lengths []int `json:"lengths,omitempty"`
	// Prefixes extensions start with (e.g. ["1", "2", "8"]); empty: any.
	Prefixes []string `json:"prefixes,omitempty"`
}

// DefaultExtensionLengths is the plan of a tenant that sets none.
var DefaultExtensionLengths = []int{4}

// IsExtension tells whether number is an extension of the plan.
func (p *ExtensionPlan) IsExtension(number string) bool {
	if number == "" || !allDigits(number) {
		return false
	}
	lengths := DefaultExtensionLengths
	if p != nil && len(p.Lengths) > 0 {
		lengths = p.Lengths
	}
	if !slices.Contains(lengths, len(number)) {
		return false
	}
	if p == nil || len(p.Prefixes) == 0 {
		return true
	}
	for _, pre := range p.Prefixes {
		if strings.HasPrefix(number, pre) {
			return true
		}
	}
	return false
}

func (p *ExtensionPlan) validate(field string, errs *Errors) {
	if p == nil {
		return
	}
	if len(p.Lengths) > 8 {
		*errs = append(*errs, FieldError{Field: field + ".lengths", Message: "at most 8 lengths"})
	}
	for i, n := range p.Lengths {
		if n < 2 || n > 12 {
			*errs = append(*errs, FieldError{Field: fmt.Sprintf("%s.lengths[%d]", field, i), Message: fmt.Sprintf("an extension length is 2-12 digits, got %d", n)})
		}
	}
	if len(p.Prefixes) > 20 {
		*errs = append(*errs, FieldError{Field: field + ".prefixes", Message: "at most 20 prefixes"})
	}
	for i, pre := range p.Prefixes {
		if pre == "" || len(pre) > 6 || !allDigits(pre) {
			*errs = append(*errs, FieldError{Field: fmt.Sprintf("%s.prefixes[%d]", field, i), Message: fmt.Sprintf("%q is not a digit prefix (1-6 digits)", pre)})
		}
	}
}

// ValidCallerID tells whether s can be presented as a caller number: 3-32
// digits with an optional leading '+'.
func ValidCallerID(s string) bool {
	return ValidNumber(s) && len(strings.TrimPrefix(s, "+")) >= 3
}
