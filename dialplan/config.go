// Package dialplan decides where an inbound call goes. Decide is a pure
// function of the call, the tenant's routing configuration and the time: it
// never blocks on I/O, so the wiring looks up everything a decision needs
// (the tenant's TenantRouting, the caller's last agent and whether that agent
// is available) before calling it. Every step appends a line to
// Decision.Trace so a call's routing can be explained afterwards.
//
// The steps, in order: match a route by DID; blacklist (reject); whitelist
// (priority, then continue); caller rules (prefix, area code, named list);
// sticky agent; the route's schedule branch; the route's default target.
// docs/routing.md describes them for administrators.
package dialplan

import (
	"fmt"
	"strings"
	"time"

	"github.com/ipcc/ipcc/schedule"
)

// FieldError is one validation problem and the field it is in.
type FieldError = schedule.FieldError

// Errors is a list of validation problems.
type Errors = schedule.Errors

// TargetKind says what a call is handed to.
type TargetKind string

// Target kinds.
const (
	KindFlow      TargetKind = "flow"      // an IVR flow (Ref: flow id or name)
	KindQueue     TargetKind = "queue"     // an ACD queue (Ref: queue id)
	KindAgent     TargetKind = "agent"     // one agent (Ref: agent id)
	KindExtension TargetKind = "extension" // a PBX extension (Ref: extension number)
	KindVoicemail TargetKind = "voicemail" // a voicemail box (Ref: box id)
	KindExternal  TargetKind = "external"  // an outside number (Ref: number)
	KindHangup    TargetKind = "hangup"    // hang up (Ref: optional prompt to play first)
)

// TargetKinds lists every kind.
var TargetKinds = []TargetKind{KindFlow, KindQueue, KindAgent, KindExtension, KindVoicemail, KindExternal, KindHangup}

// Target is where a call goes.
type Target struct {
	Kind TargetKind `json:"kind" yaml:"kind"`
	Ref  string     `json:"ref,omitempty" yaml:"ref,omitempty"`
}

// IsZero reports an unset target.
func (t Target) IsZero() bool { return t.Kind == "" && t.Ref == "" }

func (t Target) String() string {
	if t.Ref == "" {
		return string(t.Kind)
	}
	return string(t.Kind) + " " + t.Ref
}

// validate appends problems with the target to errs under field.
func (t Target) validate(field string, errs *Errors) {
	known := false
	for _, k := range TargetKinds {
		known = known || k == t.Kind
	}
	switch {
	case !known:
		*errs = append(*errs, FieldError{Field: field + ".kind", Message: fmt.Sprintf("%q is not a target kind (use flow, queue, agent, extension, voicemail, external or hangup)", t.Kind)})
	case t.Kind == KindExternal && !ValidNumber(t.Ref):
		*errs = append(*errs, FieldError{Field: field + ".ref", Message: fmt.Sprintf("%q is not a phone number (digits, optional leading +)", t.Ref)})
	case t.Kind != KindHangup && strings.TrimSpace(t.Ref) == "":
		*errs = append(*errs, FieldError{Field: field + ".ref", Message: fmt.Sprintf("a %s target needs a ref", t.Kind)})
	case t.Kind == KindVoicemail && ValidMailbox(t.Ref) != nil:
		*errs = append(*errs, FieldError{Field: field + ".ref", Message: ValidMailbox(t.Ref).Error()})
	case len(t.Ref) > 200:
		*errs = append(*errs, FieldError{Field: field + ".ref", Message: "ref is longer than 200 characters"})
	}
}

// Validate checks a target on its own.
func (t Target) Validate() error {
	var errs Errors
	t.validate("target", &errs)
	return errsOrNil(errs)
}

func errsOrNil(errs Errors) error {
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// BranchTargets name a target per schedule branch; a nil branch falls back
// to the route's Default.
type BranchTargets struct {
	Open    *Target `json:"open,omitempty" yaml:"open,omitempty"`
	Lunch   *Target `json:"lunch,omitempty" yaml:"lunch,omitempty"`
	Holiday *Target `json:"holiday,omitempty" yaml:"holiday,omitempty"`
	Closed  *Target `json:"closed,omitempty" yaml:"closed,omitempty"`
}

// For returns the target of a branch, nil when unset.
func (b BranchTargets) For(br schedule.Branch) *Target {
	switch br {
	case schedule.Open:
		return b.Open
	case schedule.Lunch:
		return b.Lunch
	case schedule.Holiday:
		return b.Holiday
	case schedule.Closed:
		return b.Closed
	}
	return nil
}

// Sticky is the route's "记忆转接": a caller goes straight to the agent who
// last served them within Days days, if that agent is available.
type Sticky struct {
	Enabled bool `json:"enabled" yaml:"enabled"`
	Days    int  `json:"days,omitempty" yaml:"days,omitempty"`
}

// Route is an inbound route of a tenant, chosen by the dialled number.
type Route struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// DID is the number pattern: an exact number ("4001234567"), a prefix
	// ending in '*' ("4001*"), or "*" for every number. An exact match
	// wins, then the longest prefix.
	DID     string `json:"did"`
	Enabled bool   `json:"enabled"`
	// ScheduleID names the schedule whose branch picks the target; empty
	// means always Default.
	ScheduleID string        `json:"schedule_id,omitempty"`
	Branches   BranchTargets `json:"branches"`
	// Default is used without a schedule, for a branch without a target,
	// and when the schedule is missing.
	Default *Target `json:"default,omitempty"`
	Sticky  Sticky  `json:"sticky"`
	// Language of prompts on this route (e.g. "zh-CN", "en"); the
	// tenant's default when empty.
	Language  string    `json:"language,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate checks a route's fields (not whether its schedule exists).
func (r *Route) Validate() error {
	var errs Errors
	if strings.TrimSpace(r.Name) == "" || len(r.Name) > 100 {
		errs = append(errs, FieldError{Field: "name", Message: "name must be 1-100 characters"})
	}
	if !validDIDPattern(r.DID) {
		errs = append(errs, FieldError{Field: "did", Message: fmt.Sprintf("%q is not a DID pattern: use digits (optional leading +), a prefix ending in * such as 4001*, or * alone", r.DID)})
	}
	for _, b := range schedule.Branches {
		if t := r.Branches.For(b); t != nil {
			t.validate("branches."+string(b), &errs)
		}
	}
	if r.Default != nil {
		r.Default.validate("default", &errs)
	}
	if r.Default == nil {
		if r.ScheduleID == "" {
			errs = append(errs, FieldError{Field: "default", Message: "a route without a schedule needs a default target"})
		} else {
			for _, b := range schedule.Branches {
				if r.Branches.For(b) == nil {
					errs = append(errs, FieldError{Field: "branches." + string(b), Message: "no target for this branch and no default target"})
					break
				}
			}
		}
	}
	if r.Sticky.Enabled && (r.Sticky.Days < 1 || r.Sticky.Days > 365) {
		errs = append(errs, FieldError{Field: "sticky.days", Message: "sticky routing needs days between 1 and 365"})
	}
	if r.Language != "" && !validLanguage(r.Language) {
		errs = append(errs, FieldError{Field: "language", Message: fmt.Sprintf("%q is not a language tag such as zh-CN or en", r.Language)})
	}
	return errsOrNil(errs)
}

func validDIDPattern(p string) bool {
	if p == "*" {
		return true
	}
	p = strings.TrimSuffix(p, "*")
	return ValidNumber(p)
}

func validLanguage(l string) bool {
	if len(l) < 2 || len(l) > 12 {
		return false
	}
	for _, c := range l {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// MatchKind says how a number entry matches a caller.
type MatchKind string

// Number entry kinds.
const (
	Exact  MatchKind = "exact"
	Prefix MatchKind = "prefix"
)

// MinPrefixDigits keeps a prefix entry from catching nearly every caller.
const MinPrefixDigits = 3

// BlacklistEntry rejects callers whose number equals Number (exact) or
// starts with it (prefix), until ExpiresAt if set.
type BlacklistEntry struct {
	ID        string     `json:"id"`
	Number    string     `json:"number"`
	Kind      MatchKind  `json:"kind"`
	Reason    string     `json:"reason,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
}

// WhitelistEntry marks callers as VIPs: Priority is passed to the ACD
// (higher is served first).
type WhitelistEntry struct {
	ID        string     `json:"id"`
	Number    string     `json:"number"`
	Kind      MatchKind  `json:"kind"`
	Name      string     `json:"name,omitempty"`
	Priority  int        `json:"priority"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
}

func validateNumberEntry(number string, kind MatchKind, errs *Errors) {
	switch kind {
	case Exact, Prefix:
	default:
		*errs = append(*errs, FieldError{Field: "kind", Message: fmt.Sprintf("%q is not exact or prefix", kind)})
	}
	if !ValidNumber(number) {
		*errs = append(*errs, FieldError{Field: "number", Message: fmt.Sprintf("%q is not a phone number (1-32 digits, optional leading +)", number)})
	} else if kind == Prefix && len(strings.TrimPrefix(number, "+")) < MinPrefixDigits {
		*errs = append(*errs, FieldError{Field: "number", Message: fmt.Sprintf("a prefix needs at least %d digits", MinPrefixDigits)})
	}
}

// Validate checks a blacklist entry.
func (e *BlacklistEntry) Validate() error {
	var errs Errors
	validateNumberEntry(e.Number, e.Kind, &errs)
	if len(e.Reason) > 200 {
		errs = append(errs, FieldError{Field: "reason", Message: "reason is longer than 200 characters"})
	}
	return errsOrNil(errs)
}

// Validate checks a whitelist entry.
func (e *WhitelistEntry) Validate() error {
	var errs Errors
	validateNumberEntry(e.Number, e.Kind, &errs)
	if len(e.Name) > 100 {
		errs = append(errs, FieldError{Field: "name", Message: "name is longer than 100 characters"})
	}
	if e.Priority < 0 || e.Priority > 100 {
		errs = append(errs, FieldError{Field: "priority", Message: "priority must be 0-100"})
	}
	return errsOrNil(errs)
}

// RuleMatch says what a caller rule looks at.
type RuleMatch string

// Caller rule kinds.
const (
	MatchPrefix RuleMatch = "prefix" // the caller's number starts with Value
	MatchArea   RuleMatch = "area"   // the caller's area code (see AreaCode) equals Value
	MatchList   RuleMatch = "list"   // the caller is in the named list Value
)

// CallerRule sends matching callers to their own target.
type CallerRule struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// RouteID limits the rule to one route; empty applies it to every
	// call of the tenant, including calls that matched no route.
	RouteID string `json:"route_id,omitempty"`
	// Position orders the rules: lower first; the first match wins.
	Position  int       `json:"position"`
	Match     RuleMatch `json:"match"`
	Value     string    `json:"value"`
	Target    Target    `json:"target"`
	Enabled   bool      `json:"enabled"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate checks a caller rule (not whether its route or list exists).
func (r *CallerRule) Validate() error {
	var errs Errors
	if strings.TrimSpace(r.Name) == "" || len(r.Name) > 100 {
		errs = append(errs, FieldError{Field: "name", Message: "name must be 1-100 characters"})
	}
	switch r.Match {
	case MatchPrefix:
		if !ValidNumber(r.Value) {
			errs = append(errs, FieldError{Field: "value", Message: fmt.Sprintf("%q is not a number prefix (digits, optional leading +)", r.Value)})
		}
	case MatchArea:
		if !ValidNumber(r.Value) && r.Value != AreaMobile {
			errs = append(errs, FieldError{Field: "value", Message: fmt.Sprintf("%q is not an area code such as 010 or 0755 (or %q)", r.Value, AreaMobile)})
		}
	case MatchList:
		if !ValidListName(r.Value) {
			errs = append(errs, FieldError{Field: "value", Message: fmt.Sprintf("%q is not a list name (1-64 letters, digits, '-', '_')", r.Value)})
		}
	default:
		errs = append(errs, FieldError{Field: "match", Message: fmt.Sprintf("%q is not prefix, area or list", r.Match)})
	}
	r.Target.validate("target", &errs)
	return errsOrNil(errs)
}

// ValidListName tells whether s can name a caller list.
func ValidListName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Settings are a tenant's routing-wide settings.
type Settings struct {
	// DefaultLanguage of prompts, "zh-CN" when empty.
	DefaultLanguage string `json:"default_language,omitempty"`
	// BlacklistPrompts is the text (or prompt name) played to a
	// blacklisted caller, by language; DefaultBlacklistPrompts fill gaps.
	BlacklistPrompts map[string]string `json:"blacklist_prompts,omitempty"`
	// BusyPrompts is played to a caller refused because the tenant is at
	// its concurrent-call or calls-per-second quota, and SuspendedPrompts
	// to one of a suspended tenant, by language (text or prompt name);
	// DefaultBusyPrompts and DefaultSuspendedPrompts fill gaps
	// (docs/tenants.md).
	BusyPrompts      map[string]string `json:"busy_prompts,omitempty"`
	SuspendedPrompts map[string]string `json:"suspended_prompts,omitempty"`
	// DefaultTarget takes calls that match no route; without it they are
	// rejected.
	DefaultTarget *Target `json:"default_target,omitempty"`
	// CountryCode (e.g. "86") turns +86... and 0086... callers into
	// national numbers before matching; see Normalize.
	CountryCode string `json:"country_code,omitempty"`
	// AreaCodes maps number prefixes to areas for area rules, longest
	// prefix first, e.g. mobile segments {"1380013": "010"}; it is
	// consulted before the built-in landline rule.
	AreaCodes map[string]string `json:"area_codes,omitempty"`
	// Extensions is the tenant's extension plan: which numbers agents dial
	// are extensions (internal calls); the others go out through the
	// trunk. Default: 4-digit numbers.
	Extensions *ExtensionPlan `json:"extensions,omitempty"`
	// OutboundCallerID is the number (a DID of the tenant) external calls
	// placed by agents present to the called party; a queue's own
	// outbound_caller_id wins for call-backs to its callers. Empty: the
	// trunk's own number. Internal calls show the agent's extension.
	OutboundCallerID string `json:"outbound_caller_id,omitempty"`
}

// DefaultBlacklistPrompts are used when the tenant sets none for a language.
var DefaultBlacklistPrompts = map[string]string{
	"zh-CN": "您拨打的号码是空号",
	"en":    "The number you dialed does not exist",
}

// DefaultBusyPrompts are played to callers over the tenant's call quota
// when the tenant sets none for the language.
var DefaultBusyPrompts = map[string]string{
	"zh-CN": "您好，线路正忙，请稍后再拨。",
	"en":    "All our lines are busy. Please call again later.",
}

// DefaultSuspendedPrompts are played to callers of a suspended tenant when
// the tenant sets none for the language.
var DefaultSuspendedPrompts = map[string]string{
	"zh-CN": "您拨打的服务暂停使用，请稍后再拨。",
	"en":    "This service is temporarily unavailable. Please call again later.",
}

// Validate checks the settings.
func (s *Settings) Validate() error {
	var errs Errors
	if s.DefaultLanguage != "" && !validLanguage(s.DefaultLanguage) {
		errs = append(errs, FieldError{Field: "default_language", Message: fmt.Sprintf("%q is not a language tag such as zh-CN or en", s.DefaultLanguage)})
	}
	for _, ps := range []struct {
		field string
		m     map[string]string
	}{{"blacklist_prompts", s.BlacklistPrompts}, {"busy_prompts", s.BusyPrompts}, {"suspended_prompts", s.SuspendedPrompts}} {
		for _, lang := range sortedKeys(ps.m) {
			if !validLanguage(lang) {
				errs = append(errs, FieldError{Field: ps.field + "." + lang, Message: "not a language tag such as zh-CN or en"})
			} else if t := ps.m[lang]; strings.TrimSpace(t) == "" || len(t) > 500 {
				errs = append(errs, FieldError{Field: ps.field + "." + lang, Message: "prompt must be 1-500 characters"})
			}
		}
	}
	if s.DefaultTarget != nil {
		s.DefaultTarget.validate("default_target", &errs)
	}
	if s.CountryCode != "" && (len(s.CountryCode) > 3 || !allDigits(s.CountryCode) || s.CountryCode[0] == '0') {
		errs = append(errs, FieldError{Field: "country_code", Message: fmt.Sprintf("%q is not a country calling code such as 86", s.CountryCode)})
	}
	s.Extensions.validate("extensions", &errs)
	if s.OutboundCallerID != "" && !ValidCallerID(s.OutboundCallerID) {
		errs = append(errs, FieldError{Field: "outbound_caller_id", Message: fmt.Sprintf("%q is not a phone number (3-32 digits, optional leading +)", s.OutboundCallerID)})
	}
	for _, p := range sortedKeys(s.AreaCodes) {
		if !ValidNumber(p) || !allDigits(p) {
			errs = append(errs, FieldError{Field: "area_codes." + p, Message: "key must be a digit prefix"})
		} else if a := s.AreaCodes[p]; a != AreaMobile && (!allDigits(a) || a == "") {
			errs = append(errs, FieldError{Field: "area_codes." + p, Message: fmt.Sprintf("%q is not an area code such as 010", a)})
		}
	}
	return errsOrNil(errs)
}

// TenantRouting is everything Decide needs about one tenant. The store
// builds it (store.LoadRouting); it is read-only while deciding, so one
// value may serve concurrent calls.
type TenantRouting struct {
	Tenant      string
	Settings    Settings
	Routes      []Route
	Schedules   map[string]*schedule.Schedule // by schedule id
	Blacklist   []BlacklistEntry
	Whitelist   []WhitelistEntry
	CallerRules []CallerRule
	Lists       map[string][]string // named caller lists: name -> numbers

	blIndex, wlIndex *numberIndex // built by Prepare
	listSets         map[string]map[string]bool
}
