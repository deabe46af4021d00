package crm

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// Priorities of work orders, lowest first.
var Priorities = []string{"low", "normal", "high", "urgent"}

// Escalation actions.
const (
	ActionNotify   = "notify"   // tell the supervisors (and the assignee)
	ActionReassign = "reassign" // hand the order to Agent or Queue
	ActionEscalate = "escalate" // raise the priority one step and notify
)

var actions = []string{ActionNotify, ActionReassign, ActionEscalate}

// Status is one state of a work-order type.
type Status struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	// Resolved statuses stop the SLA clock (resolved, closed, ...).
	Resolved bool `json:"resolved,omitempty"`
}

// TimeRule fires once when an order is still unresolved AfterMinutes after
// it was created (time-triggered escalation).
type TimeRule struct {
	AfterMinutes int    `json:"after_minutes"`
	Action       string `json:"action"`
	Agent        string `json:"agent,omitempty"` // reassign
	Queue        string `json:"queue,omitempty"` // reassign
}

// ConditionRule fires once when its When expression becomes true on a
// created or changed order (condition-triggered escalation). The
// expression sees priority, type, status, assignee_agent, assignee_queue,
// customer_id, call_id and fields (the custom field values), e.g.
// `priority == "urgent" && type == "complaint"`.
type ConditionRule struct {
	When   string `json:"when"`
	Action string `json:"action"`
	Agent  string `json:"agent,omitempty"`
	Queue  string `json:"queue,omitempty"`
}

// TypeConfig is a work-order type.
type TypeConfig struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Fields   []Field  `json:"fields"`
	Statuses []Status `json:"statuses"`
	// Initial is the status of a new order (default: the first).
	Initial string `json:"initial,omitempty"`
	// Transitions lists, per status, the statuses it may go to.
	Transitions map[string][]string `json:"transitions"`
	// ResolveHours is the SLA: an order unresolved this long after it was
	// created is breached (0 = no SLA).
	ResolveHours float64         `json:"resolve_hours,omitempty"`
	Escalations  []TimeRule      `json:"escalations,omitempty"`
	Conditions   []ConditionRule `json:"conditions,omitempty"`
	// SMS texts the customer and/or the assignee when an order of this
	// type changes (nil = no SMS).
	SMS *SMSNotify `json:"sms,omitempty"`
}

// SMSNotify is a type's work-order SMS: the tenant's Template (an SMS
// template, purpose workorder_update; default "workorder_update") is sent
// on the changes listed in On (default created and status) to the
// order's customer (their first number) and/or its assigned agent (their
// number in the SMS settings' agent_numbers).
type SMSNotify struct {
	Template string   `json:"template,omitempty"`
	On       []string `json:"on,omitempty"`
	Customer bool     `json:"customer,omitempty"`
	Assignee bool     `json:"assignee,omitempty"`
}

// DefaultSMSTemplate is the template of a type's SMS when it names none.
const DefaultSMSTemplate = "workorder_update"

// SMSReasons are the changes an SMSNotify may name in On.
var SMSReasons = []string{"created", "status", "assigned", "updated", "commented", "attached", "notified", "escalated", "reassigned", "sla_breached"}

var smsTemplateRe = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// Validate checks the SMS settings of a type and fills the defaults.
func (n *SMSNotify) Validate() error {
	if n.Template == "" {
		n.Template = DefaultSMSTemplate
	}
	if !smsTemplateRe.MatchString(n.Template) {
		return fmt.Errorf("sms.template %q: must be 1-64 of A-Z, a-z, 0-9, _, . and -", n.Template)
	}
	if !n.Customer && !n.Assignee {
		return fmt.Errorf("sms: send to the customer, the assignee or both (set customer and/or assignee)")
	}
	if len(n.On) == 0 {
		n.On = []string{"created", "status"}
	}
	for i, r := range n.On {
		if !slices.Contains(SMSReasons, r) {
			return fmt.Errorf("sms.on[%d] %q: must be one of %s", i, r, strings.Join(SMSReasons, ", "))
		}
	}
	return nil
}

var typeIDRe = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,39}$`)

// Validate checks a type and fills Initial.
func (t *TypeConfig) Validate() error {
	if !typeIDRe.MatchString(t.ID) {
		return fmt.Errorf("id %q: must be 1-40 of a-z, 0-9, _ and -, starting with a letter", t.ID)
	}
	if strings.TrimSpace(t.Name) == "" {
		return fmt.Errorf("name: required")
	}
	if err := ValidateFields("fields", t.Fields); err != nil {
		return err
	}
	if len(t.Statuses) < 2 {
		return fmt.Errorf("statuses: at least two (an open and a resolved one)")
	}
	ids := map[string]bool{}
	resolved := false
	for i, s := range t.Statuses {
		if !typeIDRe.MatchString(s.ID) {
			return fmt.Errorf("statuses[%d].id %q: must be 1-40 of a-z, 0-9, _ and -", i, s.ID)
		}
		if ids[s.ID] {
			return fmt.Errorf("statuses[%d].id %q: listed twice", i, s.ID)
		}
		if strings.TrimSpace(s.Label) == "" {
			return fmt.Errorf("statuses[%d] (%s).label: required", i, s.ID)
		}
		ids[s.ID] = true
		resolved = resolved || s.Resolved
	}
	if !resolved {
		return fmt.Errorf("statuses: none is marked resolved")
	}
	if t.Initial == "" {
		t.Initial = t.Statuses[0].ID
	}
	if !ids[t.Initial] {
		return fmt.Errorf("initial %q: not one of the statuses", t.Initial)
	}
	if t.Transitions == nil {
		t.Transitions = map[string][]string{}
	}
	for from, tos := range t.Transitions {
		if !ids[from] {
			return fmt.Errorf("transitions.%s: not one of the statuses", from)
		}
		for j, to := range tos {
			if !ids[to] {
				return fmt.Errorf("transitions.%s[%d] %q: not one of the statuses", from, j, to)
			}
			if to == from {
				return fmt.Errorf("transitions.%s[%d]: a status cannot go to itself", from, j)
			}
		}
	}
	if t.ResolveHours < 0 || t.ResolveHours > 24*365 {
		return fmt.Errorf("resolve_hours %v: must be 0-8760", t.ResolveHours)
	}
	for i, r := range t.Escalations {
		at := fmt.Sprintf("escalations[%d]", i)
		if r.AfterMinutes <= 0 || r.AfterMinutes > 365*24*60 {
			return fmt.Errorf("%s.after_minutes %d: must be 1-525600", at, r.AfterMinutes)
		}
		if err := checkAction(at, r.Action, r.Agent, r.Queue); err != nil {
			return err
		}
	}
	for i, r := range t.Conditions {
		at := fmt.Sprintf("conditions[%d]", i)
		if _, err := compileWhen(r.When); err != nil {
			return fmt.Errorf("%s.when %q: %w", at, r.When, err)
		}
		if err := checkAction(at, r.Action, r.Agent, r.Queue); err != nil {
			return err
		}
	}
	if t.SMS != nil {
		if err := t.SMS.Validate(); err != nil {
			return err
		}
	}
	return nil
}

func checkAction(at, action, agent, queue string) error {
	if !slices.Contains(actions, action) {
		return fmt.Errorf("%s.action %q: must be one of %s", at, action, strings.Join(actions, ", "))
	}
	if action == ActionReassign && agent == "" && queue == "" {
		return fmt.Errorf("%s: reassign needs an agent or a queue", at)
	}
	return nil
}

// Status returns the named status.
func (t *TypeConfig) Status(id string) (Status, bool) {
	for _, s := range t.Statuses {
		if s.ID == id {
			return s, true
		}
	}
	return Status{}, false
}

// CanMove tells whether an order of this type may go from one status to
// another; the error names the allowed ones.
func (t *TypeConfig) CanMove(from, to string) error {
	if _, ok := t.Status(to); !ok {
		return fmt.Errorf("status %q: not a status of type %s", to, t.ID)
	}
	allowed := t.Transitions[from]
	if !slices.Contains(allowed, to) {
		if len(allowed) == 0 {
			return fmt.Errorf("status %q: type %s allows no change from %q", to, t.ID, from)
		}
		return fmt.Errorf("status %q: type %s allows %q → %s only", to, t.ID, from, strings.Join(allowed, ", "))
	}
	return nil
}

// DueAt is when an order created at created breaches the SLA (nil: none).
func (t *TypeConfig) DueAt(created time.Time) *time.Time {
	if t.ResolveHours <= 0 {
		return nil
	}
	d := created.Add(time.Duration(t.ResolveHours * float64(time.Hour)))
	return &d
}

// Env is what a condition expression sees of an order.
type Env struct {
	Priority      string         `expr:"priority"`
	Type          string         `expr:"type"`
	Status        string         `expr:"status"`
	AssigneeAgent string         `expr:"assignee_agent"`
	AssigneeQueue string         `expr:"assignee_queue"`
	CustomerID    int64          `expr:"customer_id"`
	CallID        string         `expr:"call_id"`
	Fields        map[string]any `expr:"fields"`
}

func compileWhen(src string) (*vm.Program, error) {
	if strings.TrimSpace(src) == "" {
		return nil, fmt.Errorf("empty expression")
	}
	return expr.Compile(src, expr.Env(Env{}), expr.AsBool())
}

// Matches evaluates a condition rule against an order.
func (r ConditionRule) Matches(env Env) (bool, error) {
	p, err := compileWhen(r.When)
	if err != nil {
		return false, err
	}
	if env.Fields == nil {
		env.Fields = map[string]any{}
	}
	out, err := expr.Run(p, env)
	if err != nil {
		return false, fmt.Errorf("condition %q: %w", r.When, err)
	}
	b, _ := out.(bool)
	return b, nil
}

// RaisePriority is the next priority up (urgent stays urgent).
func RaisePriority(p string) string {
	i := slices.Index(Priorities, p)
	if i < 0 || i == len(Priorities)-1 {
		return Priorities[len(Priorities)-1]
	}
	return Priorities[i+1]
}
