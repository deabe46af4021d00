package dialplan

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ipcc/ipcc/schedule"
)

// Inbound is an arriving call as the wiring saw it, with the look-ups a
// decision needs already done.
type Inbound struct {
	Tenant string
	DID    string // the number dialled
	ANI    string // the caller's number
	// Switch names the media server the call is on (informational).
	Switch string
	// Vars are the switch's channel variables (informational; no built-in
	// rule reads them yet).
	Vars map[string]string
	// LastAgent is the agent who last served this caller, nil if none.
	LastAgent *LastAgent
}

// LastAgent is a caller's sticky history and the agent's availability now.
type LastAgent struct {
	AgentID   string
	ServedAt  time.Time
	Available bool
}

// Action is what happens to the call.
type Action string

// Actions.
const (
	// ActionRoute hands the call to Decision.Target.
	ActionRoute Action = "route"
	// ActionReject plays Decision.Prompt (if any) and hangs up.
	ActionReject Action = "reject"
)

// Decision is where a call goes and why.
type Decision struct {
	// Blacklisted is set when the caller was rejected by the blacklist
	// (rather than for want of a route or target).
	Blacklisted bool

	Action Action `json:"action"`
	Target Target `json:"target"`
	// RouteID of the matched route, empty when none matched.
	RouteID string `json:"route_id,omitempty"`
	// Priority for the ACD: 0 normally, the whitelist entry's priority for
	// a VIP.
	Priority int `json:"priority"`
	// Prompt to play before hanging up a rejected call, in Language.
	Prompt   string `json:"prompt,omitempty"`
	Language string `json:"language,omitempty"`
	// Hangup after the prompt (rejections).
	Hangup bool `json:"hangup,omitempty"`
	// Branch of the route's schedule when it decided.
	Branch schedule.Branch `json:"branch,omitempty"`
	// Sticky is true when the call goes to the caller's last agent; the
	// IVR is skipped.
	Sticky bool `json:"sticky,omitempty"`
	// Caller is the normalized caller number, Area its area code.
	Caller string `json:"caller"`
	Area   string `json:"area,omitempty"`
	// Trace explains each step.
	Trace []string `json:"trace"`
}

func (d *Decision) tracef(format string, args ...any) {
	d.Trace = append(d.Trace, fmt.Sprintf(format, args...))
}

// Decide routes one inbound call. It is pure: same inputs, same decision.
func Decide(in Inbound, cfg *TenantRouting, now time.Time) Decision {
	if cfg == nil {
		cfg = &TenantRouting{}
	}
	set := cfg.Settings
	caller := Normalize(in.ANI, set.CountryCode)
	d := Decision{Action: ActionRoute, Caller: caller, Language: set.DefaultLanguage}
	if d.Language == "" {
		d.Language = "zh-CN"
	}
	raw := Clean(in.ANI)
	callerForms := []string{caller}
	if raw != caller {
		callerForms = append(callerForms, raw)
	}

	// 1. route by DID
	route, how := matchRoute(cfg.Routes, Clean(in.DID))
	if route != nil {
		d.RouteID = route.ID
		d.tracef("route %s matched %s (%s)", route.DID, in.DID, how)
		if route.Language != "" {
			d.Language = route.Language
		}
	} else {
		d.tracef("no route matches DID %q", in.DID)
	}

	// 2. blacklist
	if e, num := matchBlacklist(cfg.Blacklist, cfg.blIndex, callerForms, now); e != nil {
		d.Action, d.Hangup, d.Blacklisted = ActionReject, true, true
		d.Prompt = blacklistPrompt(set, d.Language)
		reason := ""
		if e.Reason != "" {
			reason = " (" + e.Reason + ")"
		}
		d.tracef("blacklist: %s matched %s %s%s: reject with prompt in %s", num, e.Kind, e.Number, reason, d.Language)
		return d
	}
	d.tracef("blacklist: no match for %s", caller)

	// 3. whitelist / VIP
	if e, num := matchWhitelist(cfg.Whitelist, cfg.wlIndex, callerForms, now); e != nil {
		d.Priority = e.Priority
		name := ""
		if e.Name != "" {
			name = " (" + e.Name + ")"
		}
		d.tracef("whitelist: %s matched %s %s%s: priority %d", num, e.Kind, e.Number, name, e.Priority)
	} else {
		d.tracef("whitelist: no match")
	}

	// 4. caller rules
	area, areaHow := AreaCode(caller, set.AreaCodes)
	d.Area = area
	routeID := ""
	if route != nil {
		routeID = route.ID
	}
	if r, why := matchCallerRule(cfg, routeID, callerForms, area, areaHow); r != nil {
		d.Target = r.Target
		d.tracef("caller rule %q: %s: %s", r.Name, why, r.Target)
		return d
	}
	if area != "" {
		d.tracef("caller rules: none matched (area %s)", area)
	} else {
		d.tracef("caller rules: none matched")
	}

	if route == nil {
		if t := set.DefaultTarget; t != nil {
			d.Target = *t
			d.tracef("tenant default target: %s", *t)
			return d
		}
		d.Action, d.Hangup = ActionReject, true
		d.tracef("no route and no tenant default target: reject")
		return d
	}

	// 5. sticky agent
	if route.Sticky.Enabled {
		if t, ok := sticky(&d, route.Sticky, in.LastAgent, now); ok {
			d.Target, d.Sticky = t, true
			return d
		}
	} else {
		d.tracef("sticky: off on this route")
	}

	// 6. schedule
	var target *Target
	if route.ScheduleID != "" {
		if s := cfg.Schedules[route.ScheduleID]; s != nil {
			res := s.Evaluate(now)
			d.Branch = res.Branch
			d.tracef("schedule %s: %s", s.Name, res.Reason)
			if target = route.Branches.For(res.Branch); target == nil {
				d.tracef("no target for branch %s: route default", res.Branch)
			}
		} else {
			d.tracef("schedule %s not found: route default", route.ScheduleID)
		}
	} else {
		d.tracef("no schedule on this route: route default")
	}

	// 7. target
	if target == nil {
		target = route.Default
	}
	if target == nil {
		d.Action, d.Hangup = ActionReject, true
		d.tracef("route %s has no target for this call: reject", route.DID)
		return d
	}
	d.Target = *target
	d.tracef("target: %s", *target)
	return d
}

// matchRoute picks the enabled route for did: exact beats prefix, a longer
// prefix beats a shorter one, "*" matches anything last.
func matchRoute(routes []Route, did string) (*Route, string) {
	var best *Route
	bestLen := -1
	alt := strings.TrimPrefix(did, "+")
	for i := range routes {
		r := &routes[i]
		if !r.Enabled {
			continue
		}
		if r.DID == did || strings.TrimPrefix(r.DID, "+") == alt {
			return r, "exact"
		}
		p, ok := strings.CutSuffix(r.DID, "*")
		if !ok {
			continue
		}
		if (strings.HasPrefix(did, p) || strings.HasPrefix(alt, strings.TrimPrefix(p, "+"))) && len(p) > bestLen {
			best, bestLen = r, len(p)
		}
	}
	if best == nil {
		return nil, ""
	}
	if bestLen == 0 {
		return best, "catch-all"
	}
	return best, "prefix"
}

// numberHit tells whether an entry matches one of the caller's forms;
// score orders hits (exact first, then longer prefixes).
func numberHit(number string, kind MatchKind, expires *time.Time, forms []string, now time.Time) (string, int) {
	if expires != nil && !now.Before(*expires) {
		return "", -1
	}
	for _, f := range forms {
		switch kind {
		case Exact:
			if f == number {
				return f, 1000
			}
		case Prefix:
			if strings.HasPrefix(f, number) {
				return f, len(number)
			}
		}
	}
	return "", -1
}

func matchBlacklist(es []BlacklistEntry, x *numberIndex, forms []string, now time.Time) (*BlacklistEntry, string) {
	var best *BlacklistEntry
	bestNum, bestScore := "", -1
	for _, i := range x.candidates(len(es), forms) {
		if num, score := numberHit(es[i].Number, es[i].Kind, es[i].ExpiresAt, forms, now); score > bestScore {
			best, bestNum, bestScore = &es[i], num, score
		}
	}
	return best, bestNum
}

func matchWhitelist(es []WhitelistEntry, x *numberIndex, forms []string, now time.Time) (*WhitelistEntry, string) {
	var best *WhitelistEntry
	bestNum, bestScore := "", -1
	for _, i := range x.candidates(len(es), forms) {
		num, score := numberHit(es[i].Number, es[i].Kind, es[i].ExpiresAt, forms, now)
		if score > bestScore || (score >= 0 && score == bestScore && es[i].Priority > best.Priority) {
			best, bestNum, bestScore = &es[i], num, score
		}
	}
	return best, bestNum
}

// blacklistPrompt picks the tenant's prompt for lang, else the built-in
// one, else one of the same base language ("zh" for "zh-TW"), else English.
func blacklistPrompt(s Settings, lang string) string {
	return pickPrompt(s.BlacklistPrompts, DefaultBlacklistPrompts, lang)
}

// RefusalPrompt is what a caller refused before routing hears in lang: the
// tenant's busy prompt (over its call quota) or, suspended, its suspended
// prompt; chosen as blacklistPrompt chooses.
func RefusalPrompt(s Settings, suspended bool, lang string) string {
	if suspended {
		return pickPrompt(s.SuspendedPrompts, DefaultSuspendedPrompts, lang)
	}
	return pickPrompt(s.BusyPrompts, DefaultBusyPrompts, lang)
}

// pickPrompt picks tenant's prompt for lang, else the default one, else one
// of the same base language ("zh" for "zh-TW"), else English.
func pickPrompt(tenant, defaults map[string]string, lang string) string {
	base, _, _ := strings.Cut(lang, "-")
	for _, m := range []map[string]string{tenant, defaults} {
		if p := m[lang]; p != "" {
			return p
		}
	}
	for _, m := range []map[string]string{tenant, defaults} {
		for _, l := range sortedKeys(m) {
			if l == base || strings.HasPrefix(l, base+"-") {
				return m[l]
			}
		}
	}
	if p := tenant["en"]; p != "" {
		return p
	}
	return defaults["en"]
}

// matchCallerRule runs the enabled rules of the route and the tenant-wide
// rules in position order (the route's first on a tie).
func matchCallerRule(cfg *TenantRouting, routeID string, forms []string, area, areaHow string) (*CallerRule, string) {
	var rules []*CallerRule
	for i := range cfg.CallerRules {
		r := &cfg.CallerRules[i]
		if r.Enabled && (r.RouteID == "" || r.RouteID == routeID) {
			rules = append(rules, r)
		}
	}
	sort.SliceStable(rules, func(i, j int) bool {
		if rules[i].Position != rules[j].Position {
			return rules[i].Position < rules[j].Position
		}
		return rules[i].RouteID != "" && rules[j].RouteID == ""
	})
	for _, r := range rules {
		switch r.Match {
		case MatchPrefix:
			for _, f := range forms {
				if strings.HasPrefix(f, r.Value) {
					return r, fmt.Sprintf("%s has prefix %s", f, r.Value)
				}
			}
		case MatchArea:
			if area != "" && area == r.Value {
				return r, fmt.Sprintf("%s is in area %s (%s)", forms[0], area, areaHow)
			}
		case MatchList:
			if f, ok := cfg.inList(r.Value, forms); ok {
				return r, fmt.Sprintf("%s is in list %s", f, r.Value)
			}
		}
	}
	return nil, ""
}

// sticky tells whether the call goes to the caller's last agent.
func sticky(d *Decision, s Sticky, last *LastAgent, now time.Time) (Target, bool) {
	if last == nil || last.AgentID == "" {
		d.tracef("sticky: no previous agent for this caller")
		return Target{}, false
	}
	age := now.Sub(last.ServedAt)
	if age < 0 {
		age = 0
	}
	ago := fmtAge(age)
	if age > time.Duration(s.Days)*24*time.Hour {
		d.tracef("sticky: agent %s served this caller %s ago, more than %d days", last.AgentID, ago, s.Days)
		return Target{}, false
	}
	if !last.Available {
		d.tracef("sticky: agent %s served this caller %s ago but is not available", last.AgentID, ago)
		return Target{}, false
	}
	d.tracef("sticky: agent %s served this caller %s ago and is available: agent %s, IVR skipped", last.AgentID, ago, last.AgentID)
	return Target{Kind: KindAgent, Ref: last.AgentID}, true
}

func fmtAge(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
	case d >= time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	default:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	}
}
