package dialplan

import (
	"fmt"
	"slices"
	"strings"
)

// ExtensionPlan says which numbers an agent dials are the tenant's own
// extensions (internal calls) rather than numbers reached through a trunk
// (click-to-dial, call-backs, transfers). A number is an extension when it
// is all digits and lies in one of Ranges, or when its length is one of
// Lengths and, when Prefixes are given, it starts with one of them. A plan
// with Ranges only has no length rule. Service numbers such as 95588,
// 10086 or 110 are not extensions under the default plan.
type ExtensionPlan struct {
	// Ranges of extensions, "1000-1999" or a single "8000" (bounds of
	// equal length).
	Ranges []string `json:"ranges,omitempty"`
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
	if p != nil && len(p.Ranges) > 0 {
		for _, r := range p.Ranges {
			lo, hi := splitRange(r)
			if len(number) == len(lo) && number >= lo && number <= hi {
				return true
			}
		}
		if len(p.Lengths) == 0 && len(p.Prefixes) == 0 {
			return false
		}
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

// splitRange reads "1000-1999" (or "8000" as 8000-8000).
func splitRange(r string) (lo, hi string) {
	lo, hi, ok := strings.Cut(r, "-")
	if !ok {
		hi = lo
	}
	return lo, hi
}

func (p *ExtensionPlan) validate(field string, errs *Errors) {
	if p == nil {
		return
	}
	if len(p.Ranges) > 50 {
		*errs = append(*errs, FieldError{Field: field + ".ranges", Message: "at most 50 ranges"})
	}
	for i, r := range p.Ranges {
		lo, hi := splitRange(r)
		switch {
		case lo == "" || !allDigits(lo) || !allDigits(hi) || len(lo) < 2 || len(lo) > 12:
			*errs = append(*errs, FieldError{Field: fmt.Sprintf("%s.ranges[%d]", field, i), Message: fmt.Sprintf("%q is not a range such as 1000-1999 (2-12 digits)", r)})
		case len(lo) != len(hi):
			*errs = append(*errs, FieldError{Field: fmt.Sprintf("%s.ranges[%d]", field, i), Message: fmt.Sprintf("%q: both ends need the same number of digits", r)})
		case lo > hi:
			*errs = append(*errs, FieldError{Field: fmt.Sprintf("%s.ranges[%d]", field, i), Message: fmt.Sprintf("%q: the range starts after it ends", r)})
		}
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
