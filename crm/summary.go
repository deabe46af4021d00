package crm

import (
	"fmt"
	"slices"
	"strings"
)

// SummaryForm is a queue's wrap-up form (服务小结): the businesses, types
// and outcomes an agent chooses from, and custom fields.
type SummaryForm struct {
	QueueID    string   `json:"queue_id"`
	Businesses []string `json:"businesses"`
	Types      []string `json:"types"`
	Outcomes   []string `json:"outcomes"`
	Fields     []Field  `json:"fields"`
	// Required: the agent cannot leave wrap-up before submitting it (kept
	// on the queue as summary_required; shown here).
	Required bool `json:"required"`
}

// Summary is what an agent submits for a call.
type Summary struct {
	Business string         `json:"business"`
	Type     string         `json:"type"`
	Outcome  string         `json:"outcome"`
	Fields   map[string]any `json:"fields"`
}

// Validate checks a form.
func (f *SummaryForm) Validate() error {
	for _, l := range []struct {
		name string
		v    []string
	}{{"businesses", f.Businesses}, {"types", f.Types}, {"outcomes", f.Outcomes}} {
		for i, s := range l.v {
			if strings.TrimSpace(s) == "" {
				return fmt.Errorf("%s[%d]: empty choice", l.name, i)
			}
			if slices.Index(l.v, s) != i {
				return fmt.Errorf("%s[%d] %q: listed twice", l.name, i, s)
			}
		}
	}
	if len(f.Outcomes) == 0 {
		return fmt.Errorf("outcomes: at least one outcome")
	}
	return ValidateFields("fields", f.Fields)
}

// Check validates a submission against the form and returns it
// normalised. Business and type are required when the form lists choices;
// the outcome always.
func (f *SummaryForm) Check(s Summary) (Summary, error) {
	pick := func(name, v string, choices []string) error {
		if len(choices) == 0 {
			if v != "" {
				return fmt.Errorf("%s: this form has no %s choices", name, name)
			}
			return nil
		}
		if v == "" {
			return fmt.Errorf("%s: required (one of %s)", name, strings.Join(choices, ", "))
		}
		if !slices.Contains(choices, v) {
			return fmt.Errorf("%s %q: not one of %s", name, v, strings.Join(choices, ", "))
		}
		return nil
	}
	if err := pick("business", s.Business, f.Businesses); err != nil {
		return s, err
	}
	if err := pick("type", s.Type, f.Types); err != nil {
		return s, err
	}
	if err := pick("outcome", s.Outcome, f.Outcomes); err != nil {
		return s, err
	}
	vals, err := ValidateValues("fields", f.Fields, s.Fields)
	if err != nil {
		return s, err
	}
	s.Fields = vals
	return s, nil
}
