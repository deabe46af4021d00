package qa

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Item kinds of a scoring template.
const (
	KindPoints     = "points"     // 0..max points given
	KindDeductions = "deductions" // starts at max, points taken off
	KindYesNo      = "yes_no"     // yes = max, no = 0
	KindScale      = "scale"      // 1..scale, mapped linearly onto 0..max
)

// Template is a scoring template's body: weighted sections of items.
type Template struct {
	Name     string    `json:"name"`
	Sections []Section `json:"sections"`
	// CommentBelow: a submitted score under this total (0..100) must carry
	// a comment (0 = never required).
	CommentBelow float64 `json:"comment_below"`
	// PassScore: totals below it count as failed in reports (0 = 60).
	PassScore float64 `json:"pass_score"`
}

// Section groups items; its weight is its share of the total.
type Section struct {
	ID     string  `json:"id"`
	Title  string  `json:"title"`
	Weight float64 `json:"weight"`
	Items  []Item  `json:"items"`
}

// Item is one thing scored.
type Item struct {
	ID    string  `json:"id"`
	Title string  `json:"title"`
	Kind  string  `json:"kind"`
	Max   float64 `json:"max"`
	// Scale is the top of a scale item (e.g. 5 for 1..5).
	Scale int `json:"scale,omitempty"`
	// Fatal: the item earning nothing zeroes the whole score.
	Fatal bool `json:"fatal,omitempty"`
	// Auto scores the item from speech analytics: the condition true means
	// the item fails (earns 0), else it earns its max.
	Auto *AutoRule `json:"auto,omitempty"`
}

// AutoRule is a condition on a recording's analytics, e.g.
// {"metric":"longest_silence_s","op":">","value":30}.
type AutoRule struct {
	Metric string  `json:"metric"`
	Op     string  `json:"op"`
	Value  float64 `json:"value"`
}

// Holds tells whether the rule's condition is true of a.
func (r *AutoRule) Holds(a *Analytics) bool {
	v, _ := a.Metric(r.Metric)
	return compare(v, r.Op, r.Value)
}

func compare(v float64, op string, x float64) bool {
	switch op {
	case ">":
		return v > x
	case ">=":
		return v >= x
	case "<":
		return v < x
	case "<=":
		return v <= x
	case "=", "==":
		return v == x
	}
	return false
}

var validOps = map[string]bool{">": true, ">=": true, "<": true, "<=": true, "=": true, "==": true}

// ValidationError names what is wrong where in a template or an answer.
type ValidationError struct {
	Field string
	Msg   string
}

func (e *ValidationError) Error() string { return "qa: " + e.Field + ": " + e.Msg }

func verr(field, format string, a ...any) error {
	return &ValidationError{Field: field, Msg: fmt.Sprintf(format, a...)}
}

// IsValidation reports whether err is a ValidationError.
func IsValidation(err error) bool {
	var v *ValidationError
	return errors.As(err, &v)
}

// Validate checks a template and fills defaults.
func (t *Template) Validate() error {
	t.Name = strings.TrimSpace(t.Name)
	if t.Name == "" {
		return verr("name", "a template needs a name")
	}
	if len(t.Sections) == 0 {
		return verr("sections", "a template needs at least one section")
	}
	if t.CommentBelow < 0 || t.CommentBelow > 100 {
		return verr("comment_below", "%v is outside 0..100", t.CommentBelow)
	}
	if t.PassScore < 0 || t.PassScore > 100 {
		return verr("pass_score", "%v is outside 0..100", t.PassScore)
	}
	if t.PassScore == 0 {
		t.PassScore = 60
	}
	ids := map[string]string{}
	for si := range t.Sections {
		s := &t.Sections[si]
		where := fmt.Sprintf("sections[%d]", si)
		if s.ID == "" {
			s.ID = fmt.Sprintf("s%d", si+1)
		}
		if strings.TrimSpace(s.Title) == "" {
			return verr(where+".title", "a section needs a title")
		}
		if s.Weight <= 0 || math.IsNaN(s.Weight) {
			return verr(where+".weight", "the weight must be above 0, got %v", s.Weight)
		}
		if len(s.Items) == 0 {
			return verr(where+".items", "section %q has no items", s.Title)
		}
		for ii := range s.Items {
			it := &s.Items[ii]
			w := fmt.Sprintf("%s.items[%d]", where, ii)
			if it.ID == "" {
				it.ID = fmt.Sprintf("%s.%d", s.ID, ii+1)
			}
			if prev, dup := ids[it.ID]; dup {
				return verr(w+".id", "item id %q is already used at %s", it.ID, prev)
			}
			ids[it.ID] = w
			if strings.TrimSpace(it.Title) == "" {
				return verr(w+".title", "an item needs a title")
			}
			switch it.Kind {
			case KindPoints, KindDeductions, KindYesNo:
			case KindScale:
				if it.Scale < 2 || it.Scale > 10 {
					return verr(w+".scale", "a scale item needs a scale of 2..10, got %d", it.Scale)
				}
			default:
				return verr(w+".kind", "unknown kind %q (points, deductions, yes_no, scale)", it.Kind)
			}
			if it.Max <= 0 || it.Max > 1000 || math.IsNaN(it.Max) {
				return verr(w+".max", "max must be in (0, 1000], got %v", it.Max)
			}
			if it.Auto != nil {
				if _, ok := (&Analytics{}).Metric(it.Auto.Metric); !ok {
					return verr(w+".auto.metric", "unknown metric %q (one of %s)", it.Auto.Metric, strings.Join(MetricNames, ", "))
				}
				if !validOps[it.Auto.Op] {
					return verr(w+".auto.op", "unknown operator %q (>, >=, <, <=, =)", it.Auto.Op)
				}
			}
		}
	}
	return nil
}

// Item finds an item by id.
func (t *Template) Item(id string) (*Item, bool) {
	for si := range t.Sections {
		for ii := range t.Sections[si].Items {
			if t.Sections[si].Items[ii].ID == id {
				return &t.Sections[si].Items[ii], true
			}
		}
	}
	return nil, false
}

// Answers maps item ids to the scorer's value: a number for points,
// deductions and scale, "yes"/"no" for yes_no.
type Answers map[string]string

// Result is a computed score.
type Result struct {
	Total float64            `json:"total"` // 0..100, two decimals
	Fatal bool               `json:"fatal"` // a fatal item failed: total 0
	Items map[string]float64 `json:"items"` // points earned per item
	// Sections: 0..100 per section.
	Sections map[string]float64 `json:"sections"`
	// Missing lists items without an answer (a draft may have some).
	Missing []string `json:"missing,omitempty"`
	// Auto lists the items scored from analytics, with the value used.
	Auto map[string]string `json:"auto,omitempty"`
}

// Earned is what an item's answer is worth (0..max).
func (it *Item) Earned(v string) (float64, error) {
	v = strings.TrimSpace(v)
	if it.Kind == KindYesNo {
		switch strings.ToLower(v) {
		case "yes":
			return it.Max, nil
		case "no":
			return 0, nil
		}
		return 0, verr("answers."+it.ID, "answer yes or no, got %q", v)
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, verr("answers."+it.ID, "a number is needed, got %q", v)
	}
	switch it.Kind {
	case KindPoints:
		if x < 0 || x > it.Max {
			return 0, verr("answers."+it.ID, "%v is outside 0..%v", x, it.Max)
		}
		return x, nil
	case KindDeductions:
		if x < 0 || x > it.Max {
			return 0, verr("answers."+it.ID, "a deduction of %v is outside 0..%v", x, it.Max)
		}
		return it.Max - x, nil
	case KindScale:
		if x != math.Trunc(x) || x < 1 || x > float64(it.Scale) {
			return 0, verr("answers."+it.ID, "%v is not on the scale 1..%d", x, it.Scale)
		}
		return it.Max * (x - 1) / float64(it.Scale-1), nil
	}
	return 0, verr("answers."+it.ID, "unknown kind %q", it.Kind)
}

// Compute scores answers against the template; a auto-scored item takes
// its value from analytics (nil: such items need an answer like others).
// Unknown item ids and bad values are errors; unanswered items are listed
// in Missing and count as 0.
func (t *Template) Compute(ans Answers, a *Analytics) (*Result, error) {
	for id := range ans {
		if _, ok := t.Item(id); !ok {
			return nil, verr("answers."+id, "no such item in template %q", t.Name)
		}
	}
	r := &Result{Items: map[string]float64{}, Sections: map[string]float64{}, Auto: map[string]string{}}
	var weighted, weights float64
	for _, s := range t.Sections {
		var earned, possible float64
		for i := range s.Items {
			it := &s.Items[i]
			possible += it.Max
			v, ok := ans[it.ID]
			if it.Auto != nil && a != nil {
				v, ok = "yes", true
				if it.Auto.Holds(a) {
					v = "no"
				}
				m, _ := a.Metric(it.Auto.Metric)
				r.Auto[it.ID] = fmt.Sprintf("%s=%g → %s", it.Auto.Metric, math.Round(m*100)/100, v)
				if it.Kind != KindYesNo {
					if v == "yes" {
						v = autoValue(it, true)
					} else {
						v = autoValue(it, false)
					}
				}
			}
			if !ok || strings.TrimSpace(v) == "" {
				r.Missing = append(r.Missing, it.ID)
				r.Items[it.ID] = 0
				if it.Fatal {
					r.Fatal = true
				}
				continue
			}
			e, err := it.Earned(v)
			if err != nil {
				return nil, err
			}
			r.Items[it.ID] = e
			earned += e
			if it.Fatal && e == 0 {
				r.Fatal = true
			}
		}
		sec := earned / possible * 100
		r.Sections[s.ID] = round2(sec)
		weighted += sec * s.Weight
		weights += s.Weight
	}
	r.Total = round2(weighted / weights)
	if r.Fatal {
		r.Total = 0
	}
	if len(r.Auto) == 0 {
		r.Auto = nil
	}
	return r, nil
}

// autoValue is the answer an auto-scored item gets: full marks when it
// passes, nothing when it fails.
func autoValue(it *Item, pass bool) string {
	switch it.Kind {
	case KindDeductions:
		if pass {
			return "0"
		}
		return strconv.FormatFloat(it.Max, 'f', -1, 64)
	case KindScale:
		if pass {
			return strconv.Itoa(it.Scale)
		}
		return "1"
	}
	if pass {
		return strconv.FormatFloat(it.Max, 'f', -1, 64)
	}
	return "0"
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }
