// Package schedule holds a tenant's calendars: weekly opening hours with an
// explicit lunch break, holidays, and special working days (days that are
// worked despite being a weekend or a holiday, such as China's make-up
// Saturdays). Evaluate tells, for an instant, which branch a call takes:
// "open", "lunch", "holiday" or "closed", in the schedule's own IANA time
// zone, so daylight-saving changes are handled by the wall clock of that zone.
//
// A Schedule is plain data with JSON and YAML encodings; Validate reports
// every problem with the field it is in, e.g.
// `weekly.monday[1]: "25:00" is not HH:MM`.
package schedule

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // zone data built in, so schedules work on hosts without /usr/share/zoneinfo

	"gopkg.in/yaml.v3"
)

// Branch is the outcome of evaluating a schedule.
type Branch string

// The four branches. A route names a target for each.
const (
	Open    Branch = "open"
	Lunch   Branch = "lunch"
	Holiday Branch = "holiday"
	Closed  Branch = "closed"
)

// Branches lists every branch in a stable order.
var Branches = []Branch{Open, Lunch, Holiday, Closed}

// Valid reports whether b is one of the four branches.
func (b Branch) Valid() bool {
	return b == Open || b == Lunch || b == Holiday || b == Closed
}

// Schedule is one calendar of a tenant.
type Schedule struct {
	// ID is assigned by the store; empty in a new document.
	ID   string `json:"id,omitempty" yaml:"id,omitempty"`
	Name string `json:"name" yaml:"name"`
	// Timezone is an IANA name such as Asia/Shanghai or America/New_York.
	Timezone string `json:"timezone" yaml:"timezone"`
	// Weekly maps a lower-case weekday ("monday" ... "sunday") to its open
	// spans, "HH:MM-HH:MM", end exclusive; "24:00" ends a span at midnight.
	// A weekday that is absent or has no spans is closed all day.
	Weekly map[string][]string `json:"weekly" yaml:"weekly"`
	// Lunch spans apply on every day that has open hours; they win over
	// open spans, so "09:00-18:00" with lunch "12:00-13:30" works, as does
	// "09:00-12:00","13:30-18:00" with the same lunch naming the gap.
	Lunch []string `json:"lunch,omitempty" yaml:"lunch,omitempty"`
	// WeeklyLunch overrides Lunch for the weekdays it names (an empty list
	// means no lunch that day).
	WeeklyLunch map[string][]string `json:"weekly_lunch,omitempty" yaml:"weekly_lunch,omitempty"`
	// Holidays are closed all day, unless a special working day says
	// otherwise.
	Holidays []DateRange `json:"holidays,omitempty" yaml:"holidays,omitempty"`
	// SpecialWorkingDays are worked whatever the weekday or holidays say.
	SpecialWorkingDays []SpecialDay `json:"special_working_days,omitempty" yaml:"special_working_days,omitempty"`
}

// DateRange is a named day or run of days, "YYYY-MM-DD", both ends
// inclusive, in the schedule's time zone. To may be empty for one day.
type DateRange struct {
	Name string `json:"name" yaml:"name"`
	From string `json:"from" yaml:"from"`
	To   string `json:"to,omitempty" yaml:"to,omitempty"`
}

// SpecialDay is a working day despite the weekly hours or a holiday. Its
// hours are those of the weekday named by HoursOf (e.g. "monday", lunch
// included) or its own Open spans (with Lunch if given, else the schedule's
// Lunch). NoLunch drops the lunch break either way.
type SpecialDay struct {
	DateRange `yaml:",inline"`
	HoursOf   string   `json:"hours_of,omitempty" yaml:"hours_of,omitempty"`
	Open      []string `json:"open,omitempty" yaml:"open,omitempty"`
	Lunch     []string `json:"lunch,omitempty" yaml:"lunch,omitempty"`
	NoLunch   bool     `json:"no_lunch,omitempty" yaml:"no_lunch,omitempty"`
}

// Weekdays are the keys of Weekly and WeeklyLunch, Sunday first as in
// time.Weekday.
var Weekdays = [7]string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

func weekdayIndex(name string) (time.Weekday, bool) {
	for i, w := range Weekdays {
		if w == name {
			return time.Weekday(i), true
		}
	}
	return 0, false
}

// FieldError is one validation problem and where it is.
type FieldError struct {
	Field   string // e.g. "weekly.monday[1]"
	Message string
}

func (e FieldError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// Errors is every problem Validate found, in document order.
type Errors []FieldError

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// span is [start, end) in minutes after local midnight.
type span struct{ start, end int }

func (s span) String() string { return fmtMinutes(s.start) + "-" + fmtMinutes(s.end) }

func fmtMinutes(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

func parseHHMM(s string) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	h, m := 0, 0
	for _, c := range s[:2] {
		if c < '0' || c > '9' {
			return 0, false
		}
		h = h*10 + int(c-'0')
	}
	for _, c := range s[3:] {
		if c < '0' || c > '9' {
			return 0, false
		}
		m = m*10 + int(c-'0')
	}
	if m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, false
	}
	return h*60 + m, true
}

func parseSpan(s string) (span, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return span{}, fmt.Errorf("%q is not HH:MM-HH:MM", s)
	}
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	start, ok := parseHHMM(a)
	if !ok || start == 24*60 {
		return span{}, fmt.Errorf("%q is not HH:MM", a)
	}
	end, ok := parseHHMM(b)
	if !ok {
		return span{}, fmt.Errorf("%q is not HH:MM", b)
	}
	if end <= start {
		return span{}, fmt.Errorf("%q ends before it starts (split a span that crosses midnight into two days)", s)
	}
	return span{start, end}, nil
}

// parseSpans parses a list, reporting each bad entry and overlaps.
func parseSpans(field string, in []string, errs *Errors) []span {
	out := make([]span, 0, len(in))
	for i, s := range in {
		sp, err := parseSpan(s)
		if err != nil {
			*errs = append(*errs, FieldError{fmt.Sprintf("%s[%d]", field, i), err.Error()})
			continue
		}
		for _, o := range out {
			if sp.start < o.end && o.start < sp.end {
				*errs = append(*errs, FieldError{fmt.Sprintf("%s[%d]", field, i), fmt.Sprintf("%s overlaps %s", sp, o)})
				break
			}
		}
		out = append(out, sp)
	}
	return out
}

const dateLayout = "2006-01-02"

// civil is a calendar date as an integer yyyymmdd, comparable with <.
type civil int

func parseDate(s string) (civil, bool) {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return 0, false
	}
	return civilOf(t), true
}

func civilOf(t time.Time) civil {
	y, m, d := t.Date()
	return civil(y*10000 + int(m)*100 + d)
}

type dayRange struct {
	name     string
	from, to civil
}

func parseRange(field string, r DateRange, errs *Errors) (dayRange, bool) {
	from, ok := parseDate(r.From)
	if !ok {
		*errs = append(*errs, FieldError{field + ".from", fmt.Sprintf("%q is not a date YYYY-MM-DD", r.From)})
		return dayRange{}, false
	}
	to := from
	if r.To != "" {
		if to, ok = parseDate(r.To); !ok {
			*errs = append(*errs, FieldError{field + ".to", fmt.Sprintf("%q is not a date YYYY-MM-DD", r.To)})
			return dayRange{}, false
		}
		if to < from {
			*errs = append(*errs, FieldError{field + ".to", fmt.Sprintf("%s is before from %s", r.To, r.From)})
			return dayRange{}, false
		}
	}
	if strings.TrimSpace(r.Name) == "" {
		*errs = append(*errs, FieldError{field + ".name", "a name is required (it is the reason callers are told about)"})
	}
	return dayRange{name: r.Name, from: from, to: to}, true
}

// hours are the open and lunch spans of one day.
type hours struct {
	open, lunch []span
}

// compiled is a validated schedule ready to evaluate.
type compiled struct {
	loc      *time.Location
	week     [7]hours
	holidays []dayRange
	special  []specialDay
}

type specialDay struct {
	dayRange
	hours  hours
	source string // "hours of monday" or "own hours"
}

var locations sync.Map // IANA name -> *time.Location

// loadLocation caches zones so evaluation never reads the disk twice.
func loadLocation(name string) (*time.Location, error) {
	if l, ok := locations.Load(name); ok {
		return l.(*time.Location), nil
	}
	if name == "" || name == "Local" {
		return nil, errors.New("must be an IANA name such as Asia/Shanghai")
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown timezone %q (use an IANA name such as Asia/Shanghai)", name)
	}
	locations.Store(name, l)
	return l, nil
}

// Validate checks the whole document and returns Errors (nil when valid).
func (s *Schedule) Validate() error {
	_, err := s.compile()
	return err
}

func (s *Schedule) compile() (*compiled, error) {
	var errs Errors
	c := &compiled{}
	if strings.TrimSpace(s.Name) == "" {
		errs = append(errs, FieldError{"name", "name is required"})
	}
	loc, err := loadLocation(s.Timezone)
	if err != nil {
		errs = append(errs, FieldError{"timezone", err.Error()})
	}
	c.loc = loc
	for _, key := range sortedKeys(s.Weekly) {
		wd, ok := weekdayIndex(key)
		if !ok {
			errs = append(errs, FieldError{"weekly." + key, "unknown weekday (use monday ... sunday, lower case)"})
			continue
		}
		c.week[wd].open = parseSpans("weekly."+key, s.Weekly[key], &errs)
	}
	lunch := parseSpans("lunch", s.Lunch, &errs)
	for i := range c.week {
		c.week[i].lunch = lunch
	}
	for _, key := range sortedKeys(s.WeeklyLunch) {
		wd, ok := weekdayIndex(key)
		if !ok {
			errs = append(errs, FieldError{"weekly_lunch." + key, "unknown weekday (use monday ... sunday, lower case)"})
			continue
		}
		c.week[wd].lunch = parseSpans("weekly_lunch."+key, s.WeeklyLunch[key], &errs)
	}
	for i, h := range s.Holidays {
		if r, ok := parseRange(fmt.Sprintf("holidays[%d]", i), h, &errs); ok {
			c.holidays = append(c.holidays, r)
		}
	}
	for i, sd := range s.SpecialWorkingDays {
		field := fmt.Sprintf("special_working_days[%d]", i)
		r, ok := parseRange(field, sd.DateRange, &errs)
		if !ok {
			continue
		}
		d := specialDay{dayRange: r}
		switch {
		case sd.HoursOf != "" && len(sd.Open) > 0:
			errs = append(errs, FieldError{field + ".hours_of", "give either hours_of or open, not both"})
			continue
		case sd.HoursOf != "":
			wd, ok := weekdayIndex(sd.HoursOf)
			if !ok {
				errs = append(errs, FieldError{field + ".hours_of", fmt.Sprintf("%q is not a weekday (use monday ... sunday)", sd.HoursOf)})
				continue
			}
			d.hours = c.week[wd]
			d.source = "hours of " + sd.HoursOf
			if len(d.hours.open) == 0 {
				errs = append(errs, FieldError{field + ".hours_of", sd.HoursOf + " has no open hours"})
			}
		case len(sd.Open) > 0:
			d.hours.open = parseSpans(field+".open", sd.Open, &errs)
			d.hours.lunch = lunch
			if len(sd.Lunch) > 0 {
				d.hours.lunch = parseSpans(field+".lunch", sd.Lunch, &errs)
			}
			d.source = "own hours"
		default:
			errs = append(errs, FieldError{field, "give the hours: hours_of (a weekday) or open spans"})
			continue
		}
		switch {
		case len(sd.Lunch) > 0 && sd.HoursOf != "":
			errs = append(errs, FieldError{field + ".lunch", "a day with hours_of takes that weekday's lunch; give open spans to set its own lunch"})
		case len(sd.Lunch) > 0 && sd.NoLunch:
			errs = append(errs, FieldError{field + ".no_lunch", "give either lunch or no_lunch, not both"})
		case sd.NoLunch:
			d.hours.lunch = nil
		}
		c.special = append(c.special, d)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// weekdays in week order, anything else after, alphabetically
	rank := func(k string) string {
		if wd, ok := weekdayIndex(k); ok {
			return fmt.Sprintf("0%d", (int(wd)+6)%7)
		}
		return "1" + k
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && rank(keys[j]) < rank(keys[j-1]); j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// ParseJSON decodes a schedule strictly (unknown fields are errors) and
// validates it.
func ParseJSON(b []byte) (*Schedule, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var s Schedule
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("schedule: decode JSON: %w", err)
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("schedule %q: %w", s.Name, err)
	}
	return &s, nil
}

// ParseYAML decodes a schedule strictly (unknown fields are errors) and
// validates it.
func ParseYAML(b []byte) (*Schedule, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var s Schedule
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("schedule: decode YAML: %w", err)
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("schedule %q: %w", s.Name, err)
	}
	return &s, nil
}
