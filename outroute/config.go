package outroute

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/ipcc/ipcc/schedule"
)

// FieldError and Errors are the validation errors the API answers with
// the field named.
type (
	FieldError = schedule.FieldError
	Errors     = schedule.Errors
)

func errsOrNil(errs Errors) error {
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// Trunk is a way out of one switch: a FreeSWITCH gateway or an Asterisk
// trunk endpoint, with its limits.
type Trunk struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	// Gateway is the gateway (FreeSWITCH sofia/gateway/<gateway>) or trunk
	// endpoint (Asterisk PJSIP/<number>@<gateway>) on the switch.
	Gateway string `json:"gateway"`
	// Switch names the configured switch the gateway is on; "" = the
	// switch calls are placed on (the first configured).
	Switch string `json:"switch,omitempty"`
	// Channels is the most simultaneous calls through the trunk (0 = no
	// limit).
	Channels int `json:"channels,omitempty"`
	// CPS is the most call attempts a second (0 = no limit).
	CPS float64 `json:"cps,omitempty"`
	// Disabled trunks are skipped (taken out of service by hand).
	Disabled bool `json:"disabled,omitempty"`
	// Blocked (never stored) says why the platform does not let the
	// tenant use the trunk's gateway (GatewayPolicy): it is skipped.
	Blocked string `json:"-"`
}

// Sources of outbound calls a route may be limited to.
const (
	SourceCampaign    = "campaign"
	SourceClickToDial = "click_to_dial"
	SourceTransfer    = "transfer"
)

var sources = []string{SourceCampaign, SourceClickToDial, SourceTransfer}

// Match is what a route applies to; an empty list matches anything.
type Match struct {
	// Types are number types (mobile, landline, service, international).
	Types []string `json:"types,omitempty"`
	// Prefixes: "+" prefixes match the E.164 form (+86755, +852), others
	// the national form (0755, 138, 95588).
	Prefixes []string `json:"prefixes,omitempty"`
	// Campaigns are campaign ids.
	Campaigns []string `json:"campaigns,omitempty"`
	// Queues are agent groups: ACD queues the calling agent is a member
	// of (a campaign's call matches its queue).
	Queues []string `json:"queues,omitempty"`
	// Agents are agent (user) ids.
	Agents []string `json:"agents,omitempty"`
	// Sources: campaign, click_to_dial, transfer.
	Sources []string `json:"sources,omitempty"`
	// ScheduleID: the route applies while this routing schedule is open
	// (time of day, weekdays, holidays).
	ScheduleID string `json:"schedule_id,omitempty"`
}

// Rewrite turns the callee's number into what the trunk is sent.
type Rewrite struct {
	// Format of the number before the steps below: national (default:
	// 13812345678, 075512345678, 0085212345678), e164 (+8613812345678) or
	// digits (E.164 without '+': 8613812345678).
	Format string `json:"format,omitempty"`
	// Strip is removed from the start when the number starts with it
	// ("+86", "0").
	Strip string `json:"strip,omitempty"`
	// Prepend is put in front afterwards ("9", "0", "17909").
	Prepend string `json:"prepend,omitempty"`
}

// Route sends matching calls through its trunks in order: the next one
// is tried when a trunk is full, disabled or answers with a failover
// cause.
type Route struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	// Priority orders the routes: lower first, then by id.
	Priority int     `json:"priority"`
	Match    Match   `json:"match"`
	Rewrite  Rewrite `json:"rewrite"`
	// Trunks are trunk ids in failover order.
	Trunks []string `json:"trunks"`
	// CallerIDPool presents a number of this pool (unless the campaign
	// names its own caller ID or pool).
	CallerIDPool string `json:"caller_id_pool,omitempty"`
	// FailoverCauses replace DefaultFailoverCauses for this route.
	FailoverCauses []string `json:"failover_causes,omitempty"`
	Disabled       bool     `json:"disabled,omitempty"`
}

// DefaultFailoverCauses are the hang-up causes of an originate that mean
// the trunk, not the callee, failed: the next trunk of the route is tried.
// The names are FreeSWITCH's (Asterisk's Q.850 codes map to them: 34, 42,
// 41, 38, 2, 3, 44, 47, 102); GATEWAY_DOWN and INVALID_GATEWAY are
// FreeSWITCH's own for a gateway that is down or not defined.
var DefaultFailoverCauses = []string{
	"NORMAL_CIRCUIT_CONGESTION", "SWITCH_CONGESTION", "NORMAL_TEMPORARY_FAILURE", "NETWORK_OUT_OF_ORDER",
	"NO_ROUTE_TRANSIT_NET", "NO_ROUTE_DESTINATION", "REQUESTED_CHAN_UNAVAIL", "RESOURCE_UNAVAILABLE",
	"RECOVERY_ON_TIMER_EXPIRE", "GATEWAY_DOWN", "INVALID_GATEWAY",
}

// Failover tells whether cause moves the call to the route's next trunk.
func (r *Route) Failover(cause string) bool {
	list := DefaultFailoverCauses
	if len(r.FailoverCauses) > 0 {
		list = r.FailoverCauses
	}
	return slices.Contains(list, cause)
}

// PoolNumber is one caller number of a pool.
type PoolNumber struct {
	Number string `json:"number"`
	// Area is the area code it is local to ("0755"); default: its own
	// area for a landline, none for a mobile.
	Area string `json:"area,omitempty"`
}

// Pool is a set of caller numbers; a call presents one of the callee's
// area when the pool has one (local presence), else the next number in
// turn (round robin).
type Pool struct {
	ID      string       `json:"id"`
	Name    string       `json:"name,omitempty"`
	Numbers []PoolNumber `json:"numbers"`
	// LocalPresence: false turns area matching off (round robin only).
	LocalPresence *bool `json:"local_presence,omitempty"`
}

// Settings are a tenant's outbound settings: the toll-fraud guard and the
// default caller-ID pool.
type Settings struct {
	// AllowedTypes are the number types the tenant may call (default
	// mobile, landline, service).
	AllowedTypes []string `json:"allowed_types,omitempty"`
	// AllowedCountries are calling codes of other countries the tenant may
	// call when international is allowed ("852", "1"); "*" allows all.
	// Empty: none.
	AllowedCountries []string `json:"allowed_countries,omitempty"`
	// BlockedPrefixes are never called ("+" prefixes against E.164, others
	// against the national form). Default: DefaultBlockedPrefixes; an
	// explicit empty list [] blocks none.
	BlockedPrefixes *[]string `json:"blocked_prefixes,omitempty"`
	// MaxConcurrent is the most outbound calls of the tenant at once
	// (0 = no cap).
	MaxConcurrent int `json:"max_concurrent,omitempty"`
	// MaxCPS is the most outbound call attempts a second (0 = no cap).
	MaxCPS float64 `json:"max_cps,omitempty"`
	// CallerIDPool is the pool for calls no campaign or route gives one.
	CallerIDPool string `json:"caller_id_pool,omitempty"`
}

// DefaultAllowedTypes are the number types a tenant calls unless it says.
var DefaultAllowedTypes = []string{TypeMobile, TypeLandline, TypeService}

// DefaultBlockedPrefixes are premium and satellite ranges toll fraud
// targets (ITU-T E.164 assignments): +870 Inmarsat, +881 Global Mobile
// Satellite System, +882 and +883 international networks, +979
// International Premium Rate Service; and Chinese 声讯 information
// services 160/168 written nationally.
var DefaultBlockedPrefixes = []string{"+870", "+881", "+882", "+883", "+979", "160", "168"}

// Blocked is the prefix list in force.
func (s *Settings) Blocked() []string {
	if s.BlockedPrefixes == nil {
		return DefaultBlockedPrefixes
	}
	return *s.BlockedPrefixes
}

// Allowed is the number types in force.
func (s *Settings) Allowed() []string {
	if len(s.AllowedTypes) == 0 {
		return DefaultAllowedTypes
	}
	return s.AllowedTypes
}

var idRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$`)

// ValidID tells whether s can name a trunk, route or pool.
func ValidID(s string) bool { return idRe.MatchString(s) }

// dialToken is what may go into a dial string: a gateway or switch name.
var tokenRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

func validPrefix(p string) bool {
	d := strings.TrimPrefix(p, "+")
	return d != "" && len(d) <= 15 && digits(d)
}

// Validate checks a trunk.
func (t *Trunk) Validate() error {
	var errs Errors
	if !ValidID(t.ID) {
		errs = append(errs, FieldError{Field: "id", Message: fmt.Sprintf("%q is not an id (1-63 letters, digits, '-', '_', '.')", t.ID)})
	}
	if !tokenRe.MatchString(t.Gateway) {
		errs = append(errs, FieldError{Field: "gateway", Message: fmt.Sprintf("%q is not a gateway name (1-64 letters, digits, '-', '_', '.')", t.Gateway)})
	}
	if t.Switch != "" && !tokenRe.MatchString(t.Switch) {
		errs = append(errs, FieldError{Field: "switch", Message: fmt.Sprintf("%q is not a switch name", t.Switch)})
	}
	if t.Channels < 0 || t.Channels > 100000 {
		errs = append(errs, FieldError{Field: "channels", Message: fmt.Sprintf("channels is 0 (no limit) to 100000, got %d", t.Channels)})
	}
	if t.CPS < 0 || t.CPS > 10000 {
		errs = append(errs, FieldError{Field: "cps", Message: fmt.Sprintf("cps is 0 (no limit) to 10000, got %g", t.CPS)})
	}
	if len(t.Name) > 200 {
		errs = append(errs, FieldError{Field: "name", Message: "at most 200 characters"})
	}
	return errsOrNil(errs)
}

// Validate checks a route; trunks and pools are the tenant's ids, used to
// check references (nil: not checked).
func (r *Route) Validate(trunks, pools map[string]bool) error {
	var errs Errors
	add := func(field, format string, a ...any) {
		errs = append(errs, FieldError{Field: field, Message: fmt.Sprintf(format, a...)})
	}
	if !ValidID(r.ID) {
		add("id", "%q is not an id (1-63 letters, digits, '-', '_', '.')", r.ID)
	}
	if len(r.Name) > 200 {
		add("name", "at most 200 characters")
	}
	if r.Priority < 0 || r.Priority > 1_000_000 {
		add("priority", "priority is 0-1000000, got %d", r.Priority)
	}
	for i, t := range r.Match.Types {
		if !slices.Contains(Types, t) {
			add(fmt.Sprintf("match.types[%d]", i), "%q is not a number type (%s)", t, strings.Join(Types, ", "))
		}
	}
	for i, p := range r.Match.Prefixes {
		if !validPrefix(p) {
			add(fmt.Sprintf("match.prefixes[%d]", i), "%q is not a digit prefix (optional leading +, 1-15 digits)", p)
		}
	}
	for i, s := range r.Match.Sources {
		if !slices.Contains(sources, s) {
			add(fmt.Sprintf("match.sources[%d]", i), "%q is not a source (%s)", s, strings.Join(sources, ", "))
		}
	}
	for field, list := range map[string][]string{"match.campaigns": r.Match.Campaigns, "match.queues": r.Match.Queues, "match.agents": r.Match.Agents} {
		for i, id := range list {
			if id == "" || len(id) > 128 {
				add(fmt.Sprintf("%s[%d]", field, i), "%q is not an id", id)
			}
		}
	}
	if r.Match.ScheduleID != "" && len(r.Match.ScheduleID) > 128 {
		add("match.schedule_id", "not an id")
	}
	switch r.Rewrite.Format {
	case "", "national", "e164", "digits":
	default:
		add("rewrite.format", "%q is not national, e164 or digits", r.Rewrite.Format)
	}
	if r.Rewrite.Strip != "" && !validPrefix(r.Rewrite.Strip) && r.Rewrite.Strip != "+" {
		add("rewrite.strip", "%q is not a digit prefix (optional leading +)", r.Rewrite.Strip)
	}
	if r.Rewrite.Prepend != "" && (len(r.Rewrite.Prepend) > 10 || !digits(r.Rewrite.Prepend)) {
		add("rewrite.prepend", "%q is not 1-10 digits", r.Rewrite.Prepend)
	}
	if len(r.Trunks) == 0 {
		add("trunks", "a route needs at least one trunk")
	}
	if len(r.Trunks) > 10 {
		add("trunks", "at most 10 trunks")
	}
	seen := map[string]bool{}
	for i, t := range r.Trunks {
		switch {
		case seen[t]:
			add(fmt.Sprintf("trunks[%d]", i), "trunk %q is listed twice", t)
		case trunks != nil && !trunks[t]:
			add(fmt.Sprintf("trunks[%d]", i), "no trunk %q", t)
		}
		seen[t] = true
	}
	if r.CallerIDPool != "" && pools != nil && !pools[r.CallerIDPool] {
		add("caller_id_pool", "no caller-ID pool %q", r.CallerIDPool)
	}
	for i, c := range r.FailoverCauses {
		if c == "" || strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789") != "" {
			add(fmt.Sprintf("failover_causes[%d]", i), "%q is not a hang-up cause name such as NORMAL_CIRCUIT_CONGESTION", c)
		}
	}
	return errsOrNil(errs)
}

// Validate checks a pool; home is the tenant's calling code.
func (p *Pool) Validate(home string) error {
	var errs Errors
	if !ValidID(p.ID) {
		errs = append(errs, FieldError{Field: "id", Message: fmt.Sprintf("%q is not an id (1-63 letters, digits, '-', '_', '.')", p.ID)})
	}
	if len(p.Numbers) == 0 {
		errs = append(errs, FieldError{Field: "numbers", Message: "a pool needs at least one number"})
	}
	if len(p.Numbers) > 10000 {
		errs = append(errs, FieldError{Field: "numbers", Message: "at most 10000 numbers"})
	}
	seen := map[string]int{}
	for i, n := range p.Numbers {
		f := fmt.Sprintf("numbers[%d]", i)
		c, err := Classify(n.Number, home)
		if err != nil || c.Type == TypeService && len(c.National) < 5 {
			msg := "not a caller number"
			if err != nil {
				msg = err.Error()
			}
			errs = append(errs, FieldError{Field: f + ".number", Message: msg})
			continue
		}
		if j, dup := seen[c.String()]; dup {
			errs = append(errs, FieldError{Field: f + ".number", Message: fmt.Sprintf("%s is already numbers[%d]", n.Number, j)})
		}
		seen[c.String()] = i
		if n.Area != "" && (len(n.Area) < 2 || len(n.Area) > 5 || !digits(n.Area) || n.Area[0] != '0') {
			errs = append(errs, FieldError{Field: f + ".area", Message: fmt.Sprintf("%q is not an area code such as 0755", n.Area)})
		}
	}
	return errsOrNil(errs)
}

// Validate checks the settings; pools are the tenant's pool ids (nil: not
// checked).
func (s *Settings) Validate(pools map[string]bool) error {
	var errs Errors
	for i, t := range s.AllowedTypes {
		if !slices.Contains(Types, t) {
			errs = append(errs, FieldError{Field: fmt.Sprintf("allowed_types[%d]", i), Message: fmt.Sprintf("%q is not a number type (%s)", t, strings.Join(Types, ", "))})
		}
	}
	for i, c := range s.AllowedCountries {
		if c != "*" && (len(c) > 3 || !digits(c) || c[0] == '0') {
			errs = append(errs, FieldError{Field: fmt.Sprintf("allowed_countries[%d]", i), Message: fmt.Sprintf("%q is not a calling code such as 852, or *", c)})
		}
	}
	if s.BlockedPrefixes != nil {
		for i, p := range *s.BlockedPrefixes {
			if !validPrefix(p) {
				errs = append(errs, FieldError{Field: fmt.Sprintf("blocked_prefixes[%d]", i), Message: fmt.Sprintf("%q is not a digit prefix (optional leading +)", p)})
			}
		}
	}
	if s.MaxConcurrent < 0 || s.MaxConcurrent > 100000 {
		errs = append(errs, FieldError{Field: "max_concurrent", Message: fmt.Sprintf("0 (no cap) to 100000, got %d", s.MaxConcurrent)})
	}
	if s.MaxCPS < 0 || s.MaxCPS > 10000 {
		errs = append(errs, FieldError{Field: "max_cps", Message: fmt.Sprintf("0 (no cap) to 10000, got %g", s.MaxCPS)})
	}
	if s.CallerIDPool != "" && pools != nil && !pools[s.CallerIDPool] {
		errs = append(errs, FieldError{Field: "caller_id_pool", Message: fmt.Sprintf("no caller-ID pool %q", s.CallerIDPool)})
	}
	return errsOrNil(errs)
}
