package outroute

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ipcc/ipcc/schedule"
)

// Request is one outbound call to route.
type Request struct {
	Number   Number
	Source   string   // campaign, click_to_dial, transfer
	Campaign string   // campaign id
	Agent    string   // the agent placing or taking the call
	Queues   []string // the agent groups (ACD queues) of the call: the agent's, or the campaign's queue
}

// Selected is the route a call takes.
type Selected struct {
	Route  *Route
	Trunks []Trunk // in failover order, disabled ones left out
	Dial   string  // the number as the trunks are sent it
	// Skipped tells trunks left out and why (disabled, missing).
	Skipped []string
}

// Refusal is an outbound call refused by a rule: the toll-fraud guard, a
// cap, or no route. The API answers it with 403 (destination rules) or
// 429 (caps) and the rule's name.
type Refusal struct {
	// Rule: number, number_type, country, blocked_prefix, no_route,
	// no_trunk, max_concurrent, max_cps, trunks_busy, tenant_quota.
	Rule   string
	Detail string
	// Err is the tenant quota's own refusal (tenant_quota; Unwrap).
	Err error
}

func (r *Refusal) Error() string { return "outbound call refused (" + r.Rule + "): " + r.Detail }

// Unwrap is the quota's refusal of a tenant_quota refusal.
func (r *Refusal) Unwrap() error { return r.Err }

// Capacity tells whether the refusal is a cap that passes (concurrent
// calls, call rate, busy trunks) rather than a destination that may not
// be called.
func (r *Refusal) Capacity() bool {
	switch r.Rule {
	case RuleMaxConcurrent, RuleMaxCPS, RuleTrunksBusy, RuleTenantQuota:
		return true
	}
	return false
}

// Refusal rules.
const (
	RuleNumber        = "number"
	RuleNumberType    = "number_type"
	RuleCountry       = "country"
	RuleBlockedPrefix = "blocked_prefix"
	RuleNoRoute       = "no_route"
	RuleNoTrunk       = "no_trunk"
	RuleMaxConcurrent = "max_concurrent"
	RuleMaxCPS        = "max_cps"
	RuleTrunksBusy    = "trunks_busy"
	// RuleTenantQuota: the tenant's quota of concurrent calls or calls per
	// second (set by the superadmin, docs/tenants.md) is full, or the
	// tenant is suspended.
	RuleTenantQuota = "tenant_quota"
)

// CheckDestination is the toll-fraud guard's destination rules: the
// number's type must be allowed, an international number's country
// allowed, and no blocked prefix may match.
func CheckDestination(s *Settings, n Number) *Refusal {
	for _, p := range s.Blocked() {
		if matchPrefix(p, n) {
			return &Refusal{Rule: RuleBlockedPrefix, Detail: fmt.Sprintf("%s matches the blocked prefix %s (premium or fraud-prone numbers)", n, p)}
		}
	}
	if !slices.Contains(s.Allowed(), n.Type) {
		return &Refusal{Rule: RuleNumberType, Detail: fmt.Sprintf("%s is of type %s and the tenant may call only %s numbers", n, n.Type, strings.Join(s.Allowed(), ", "))}
	}
	if n.Type == TypeInternational && !slices.Contains(s.AllowedCountries, "*") && !slices.Contains(s.AllowedCountries, n.Country) {
		allowed := "none"
		if len(s.AllowedCountries) > 0 {
			allowed = "+" + strings.Join(s.AllowedCountries, ", +")
		}
		return &Refusal{Rule: RuleCountry, Detail: fmt.Sprintf("%s is in country +%s and the tenant may call abroad only to %s", n, n.Country, allowed)}
	}
	return nil
}

func matchPrefix(p string, n Number) bool {
	if strings.HasPrefix(p, "+") {
		return n.E164 != "" && strings.HasPrefix(n.E164, p)
	}
	return strings.HasPrefix(n.National, p)
}

func routeLess(a, b *Route) bool {
	if a.Priority != b.Priority {
		return a.Priority < b.Priority
	}
	return a.ID < b.ID
}

// Sorted orders routes by priority, then id (routes already in that order,
// as Load gives them, are returned as they are).
func Sorted(routes []Route) []Route {
	if sort.SliceIsSorted(routes, func(i, j int) bool { return routeLess(&routes[i], &routes[j]) }) {
		return routes
	}
	out := slices.Clone(routes)
	sort.SliceStable(out, func(i, j int) bool { return routeLess(&out[i], &out[j]) })
	return out
}

// Matches tells whether the route applies to req at now (schedules by
// id; a route naming a schedule that does not exist never matches).
func (r *Route) Matches(req Request, now time.Time, schedules map[string]*schedule.Schedule) bool {
	m := &r.Match
	if r.Disabled {
		return false
	}
	if len(m.Types) > 0 && !slices.Contains(m.Types, req.Number.Type) {
		return false
	}
	if len(m.Prefixes) > 0 && !slices.ContainsFunc(m.Prefixes, func(p string) bool { return matchPrefix(p, req.Number) }) {
		return false
	}
	if len(m.Sources) > 0 && !slices.Contains(m.Sources, req.Source) {
		return false
	}
	if len(m.Campaigns) > 0 && !slices.Contains(m.Campaigns, req.Campaign) {
		return false
	}
	if len(m.Agents) > 0 && !slices.Contains(m.Agents, req.Agent) {
		return false
	}
	if len(m.Queues) > 0 && !slices.ContainsFunc(req.Queues, func(q string) bool { return slices.Contains(m.Queues, q) }) {
		return false
	}
	if m.ScheduleID != "" {
		sc := schedules[m.ScheduleID]
		if sc == nil || sc.Evaluate(now).Branch != schedule.Open {
			return false
		}
	}
	return true
}

// Select picks the first route (by priority) matching req and lists its
// usable trunks; the number is rewritten by the route.
func Select(routes []Route, trunks map[string]Trunk, req Request, now time.Time, schedules map[string]*schedule.Schedule) (*Selected, *Refusal) {
	sorted := Sorted(routes)
	for i := range sorted {
		r := &sorted[i]
		if !r.Matches(req, now, schedules) {
			continue
		}
		sel := &Selected{Route: r, Dial: r.Rewrite.Apply(req.Number)}
		for _, id := range r.Trunks {
			t, ok := trunks[id]
			switch {
			case !ok:
				sel.Skipped = append(sel.Skipped, id+": no such trunk")
			case t.Disabled:
				sel.Skipped = append(sel.Skipped, id+": disabled")
			case t.Blocked != "":
				sel.Skipped = append(sel.Skipped, id+": "+t.Blocked)
			default:
				sel.Trunks = append(sel.Trunks, t)
			}
		}
		if len(sel.Trunks) == 0 {
			return sel, &Refusal{Rule: RuleNoTrunk, Detail: fmt.Sprintf("route %s has no usable trunk (%s)", r.ID, strings.Join(sel.Skipped, "; "))}
		}
		return sel, nil
	}
	return nil, &Refusal{Rule: RuleNoRoute, Detail: fmt.Sprintf("no outbound route matches %s (%s, %s)", req.Number, req.Number.Type, describe(req))}
}

func describe(req Request) string {
	parts := []string{"source " + req.Source}
	if req.Campaign != "" {
		parts = append(parts, "campaign "+req.Campaign)
	}
	if req.Agent != "" {
		parts = append(parts, "agent "+req.Agent)
	}
	return strings.Join(parts, ", ")
}

// Apply rewrites n: its Format, then Strip, then Prepend.
func (w Rewrite) Apply(n Number) string {
	var s string
	switch w.Format {
	case "e164":
		s = n.E164
	case "digits":
		s = strings.TrimPrefix(n.E164, "+")
	}
	if s == "" { // national, or a local number with no E.164 form
		s = n.National
	}
	if w.Strip != "" {
		s = strings.TrimPrefix(s, w.Strip)
	}
	return w.Prepend + s
}
