// Package campaign owns outbound campaigns: their settings and lifecycle,
// lead lists (CSV import, phone normalisation, assignment, export), the
// do-not-call check, calling windows in the callee's local time, retry
// rules per outcome, and the dialer that works running campaigns
// (progressive: one call per free agent of the campaign's queue; preview:
// the agent sees the lead first, then dials or skips it). Calls go out
// through dispatch's agent dial path; every attempt and every skip is
// stored with its reason.
package campaign

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/ipcc/ipcc/outroute"
	"github.com/ipcc/ipcc/schedule"
	"github.com/ipcc/ipcc/store"
)

// Type is how a campaign dials.
type Type string

// Campaign types. Predictive and IVR broadcast can be configured and are
// stored, but do not start yet (see docs/outbound.md).
const (
	Preview      Type = "preview"
	Progressive  Type = "progressive"
	Predictive   Type = "predictive"
	IVRBroadcast Type = "ivr_broadcast"
)

// Dials reports whether campaigns of this type can run today.
func (t Type) Dials() bool { return t != "" }

// Status is where a campaign is in its lifecycle.
type Status string

// Lifecycle: draft → running ⇄ paused → finished.
const (
	Draft    Status = "draft"
	Running  Status = "running"
	Paused   Status = "paused"
	Finished Status = "finished"
)

// Action changes a campaign's status.
type Action string

// Actions of the lifecycle.
const (
	Start Action = "start" // draft or paused → running
	Pause Action = "pause" // running → paused
	Stop  Action = "stop"  // draft, running or paused → finished
)

// ErrTransition is returned for an action the status does not allow.
var ErrTransition = errors.New("campaign: action not allowed in this status")

// Next is the lifecycle: the status an action leads to from status s.
func Next(s Status, a Action) (Status, error) {
	switch {
	case a == Start && (s == Draft || s == Paused):
		return Running, nil
	case a == Pause && s == Running:
		return Paused, nil
	case a == Stop && s != Finished:
		return Finished, nil
	}
	return s, fmt.Errorf("%w: cannot %s a %s campaign", ErrTransition, a, s)
}

// Outcome is how one attempt on a lead ended.
type Outcome string

// Outcomes of a call attempt.
const (
	Answered      Outcome = "answered"
	Busy          Outcome = "busy"
	NoAnswer      Outcome = "no_answer"
	Rejected      Outcome = "rejected"
	InvalidNumber Outcome = "invalid_number"
	Failed        Outcome = "failed"            // trunk or switch failure
	AgentMissed   Outcome = "agent_unavailable" // the agent's phone did not answer: the lead was not called
	Abandoned     Outcome = "abandoned"         // the callee answered, the agent's phone did not (customer-first calls)
	Machine       Outcome = "machine"           // answering-machine detection: a machine answered (never an abandon)
)

// Outcomes lists those a retry rule may name.
var Outcomes = []Outcome{Busy, NoAnswer, Rejected, InvalidNumber, Failed, AgentMissed, Abandoned, Machine}

// RetryRule says whether and when a lead is called again after an outcome.
type RetryRule struct {
	Retry bool `json:"retry"`
	// DelayMS is the wait before the next attempt, in milliseconds.
	DelayMS int64 `json:"delay_ms"`
}

// Disposition is a wrap-up code an agent gives an answered call.
type Disposition struct {
	Code  string `json:"code"`
	Label string `json:"label,omitempty"`
	// Final closes the lead (done); otherwise it is called again after
	// RetryMS (a "call me later").
	Final   bool  `json:"final"`
	RetryMS int64 `json:"retry_ms,omitempty"`
}

// Question is one item of the campaign's script (问卷); answers are
// stored with the attempt.
type Question struct {
	ID       string   `json:"id"`
	Text     string   `json:"text"`
	Kind     string   `json:"kind"` // text, choice, number, yes_no
	Options  []string `json:"options,omitempty"`
	Required bool     `json:"required,omitempty"`
}

// Settings are a campaign's configuration, stored as its JSON document.
type Settings struct {
	// QueueID names the ACD queue whose agents work the campaign.
	QueueID string `json:"queue_id"`
	// CallerID is the number callees see; "" uses CallerIDPool, then the
	// route's or the tenant's caller-ID pool, the tenant's outbound caller
	// ID (routing settings), then the trunk's own.
	CallerID string `json:"caller_id,omitempty"`
	// CallerIDPool presents a number of this caller-ID pool, local to the
	// callee's area where the pool has one (local presence).
	CallerIDPool string `json:"caller_id_pool,omitempty"`
	// Trunk sends the campaign's calls through a given trunk when the
	// tenant has no outbound routes ("" = the controller's
	// media.default_trunk); with routes, routes decide.
	Trunk string `json:"trunk,omitempty"`
	// AgentFirst makes a progressive campaign ring the agent's phone first
	// and then the callee (as preview dials do); by default the callee is
	// dialled first and the agent rung when they answer.
	AgentFirst bool `json:"agent_first,omitempty"`
	// MaskNumbers hides the callee's number from agents (138****1234);
	// they dial by lead.
	MaskNumbers bool `json:"mask_numbers"`
	// MaxInFlight caps the campaign's simultaneous calls (0 = one per free
	// agent, no other cap).
	MaxInFlight int `json:"max_in_flight,omitempty"`
	// RingTimeoutMS is how long a callee's phone rings before the attempt
	// counts as no answer (default 30 s).
	RingTimeoutMS int64 `json:"ring_timeout_ms,omitempty"`
	// AgentRingTimeoutMS is how long the agent's phone rings for a callee
	// who answered before the callee is abandoned (customer-first
	// progressive calls; default 10 s).
	AgentRingTimeoutMS int64 `json:"agent_ring_timeout_ms,omitempty"`
	// WrapUpMS is the time an agent has after an answered campaign call
	// before the dialer gives them the next one, unless they enter the
	// disposition sooner (default 15 s).
	WrapUpMS int64 `json:"wrap_up_ms,omitempty"`
	// MaxAttempts per lead in all (default 3) and per day in the callee's
	// time zone (default 2).
	MaxAttempts       int `json:"max_attempts,omitempty"`
	MaxAttemptsPerDay int `json:"max_attempts_per_day,omitempty"`
	// Retry rules by outcome; outcomes left out take DefaultRetry's.
	Retry map[Outcome]RetryRule `json:"retry,omitempty"`
	// Window is the calling window: weekly hours, holidays and special
	// working days (schedule package), read on the callee's wall clock:
	// the zone their number tells, else Timezone, else the tenant's (the
	// schedule's own timezone is not used). Nil with no ScheduleID: every
	// day 09:00-21:00.
	Window *schedule.Schedule `json:"window,omitempty"`
	// ScheduleID uses one of the tenant's schedules as the window instead.
	ScheduleID string `json:"schedule_id,omitempty"`
	// Timezone is the zone of callees whose number tells none ("" = the
	// tenant's).
	Timezone string `json:"timezone,omitempty"`
	// DefaultCountry is the calling code assumed for numbers without one
	// (default "86").
	DefaultCountry string `json:"default_country,omitempty"`
	// Dispositions are the wrap-up codes agents choose from.
	Dispositions []Disposition `json:"dispositions,omitempty"`
	// Script is the questionnaire agents fill in.
	Script []Question `json:"script,omitempty"`
	// Ratio is kept for compatibility; the predictive pacer sets its own
	// ratio.
	Ratio float64 `json:"ratio,omitempty"`
	// Compliance is the predictive compliance profile: us, uk, cn
	// (default) or custom (Profiles).
	Compliance string `json:"compliance,omitempty"`
	// AbandonCapPct lowers the profile's abandon cap (custom: sets it), in
	// percent of live answers.
	AbandonCapPct float64 `json:"abandon_cap_pct,omitempty"`
	// ConnectMS lowers the profile's connect time (custom: sets it): an
	// answered callee with no agent within it is abandoned.
	ConnectMS int64 `json:"connect_ms,omitempty"`
	// AbandonMessage is what an abandoned callee hears (default: the
	// profile language's DefaultAbandonMessage, by TTS).
	AbandonMessage *Message `json:"abandon_message,omitempty"`
	// MaxLinesPerAgent bounds a predictive campaign's calls in flight per
	// agent (default 6).
	MaxLinesPerAgent float64 `json:"max_lines_per_agent,omitempty"`
	// TrunkCPS limits the call attempts per second through the campaign's
	// trunk (0 = no limit); campaigns on the same trunk share the limit.
	TrunkCPS float64 `json:"trunk_cps,omitempty"`
	// Broadcast is an IVR broadcast campaign's message and keys.
	Broadcast *BroadcastSettings `json:"broadcast,omitempty"`
	// MinLinesPerAgent is the least number of calls in flight per free
	// agent of a predictive campaign (default 1, progressive).
	MinLinesPerAgent float64 `json:"min_lines_per_agent,omitempty"`
	// AMD asks the switch to detect answering machines (customer-first
	// progressive and predictive campaigns); nil = no detection.
	AMD *AMDSettings `json:"amd,omitempty"`
	// CallbackGraceMS is how long after its time a scheduled call-back of
	// the campaign's leads stays with its agent before it goes to the
	// queue (default 15 minutes; 1 minute to 24 hours).
	CallbackGraceMS int64 `json:"callback_grace_ms,omitempty"`
}

// DefaultRetry is the retry rule of outcomes a campaign leaves out.
var DefaultRetry = map[Outcome]RetryRule{
	Busy:          {Retry: true, DelayMS: (10 * time.Minute).Milliseconds()},
	NoAnswer:      {Retry: true, DelayMS: (time.Hour).Milliseconds()},
	Rejected:      {Retry: true, DelayMS: (4 * time.Hour).Milliseconds()},
	InvalidNumber: {Retry: false},
	Failed:        {Retry: true, DelayMS: (5 * time.Minute).Milliseconds()},
	AgentMissed:   {Retry: true, DelayMS: 0},
	Abandoned:     {Retry: true, DelayMS: (time.Hour).Milliseconds()},
	Machine:       {Retry: true, DelayMS: (4 * time.Hour).Milliseconds()},
}

// DefaultWindow is the calling window of a campaign that sets none.
func DefaultWindow() *schedule.Schedule {
	w := &schedule.Schedule{Name: "default calling window", Timezone: "Asia/Shanghai", Weekly: map[string][]string{}}
	for _, d := range schedule.Weekdays {
		w.Weekly[d] = []string{"09:00-21:00"}
	}
	return w
}

// Campaign is a campaign with its settings read.
type Campaign struct {
	TenantID   string     `json:"-"`
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Type       Type       `json:"type"`
	Status     Status     `json:"status"`
	Settings   Settings   `json:"settings"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// FromRow reads a stored campaign.
func FromRow(r *store.CampaignRow) (*Campaign, error) {
	c := &Campaign{TenantID: r.TenantID, ID: r.ID, Name: r.Name, Type: Type(r.Type), Status: Status(r.Status),
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt}
	if err := json.Unmarshal([]byte(r.Document), &c.Settings); err != nil {
		return nil, fmt.Errorf("campaign %q: settings: %w", r.ID, err)
	}
	return c, nil
}

// Row is the campaign as stored.
func (c *Campaign) Row() (*store.CampaignRow, error) {
	b, err := json.Marshal(c.Settings)
	if err != nil {
		return nil, fmt.Errorf("campaign %q: settings: %w", c.ID, err)
	}
	return &store.CampaignRow{TenantID: c.TenantID, ID: c.ID, Name: c.Name, Type: string(c.Type), Status: string(c.Status), Document: string(b),
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, StartedAt: c.StartedAt, FinishedAt: c.FinishedAt}, nil
}

// CallbackGrace is how long a scheduled call-back of the campaign's leads
// stays with its agent after it is due (default 15 minutes).
func (s *Settings) CallbackGrace() time.Duration {
	if s.CallbackGraceMS > 0 {
		return time.Duration(s.CallbackGraceMS) * time.Millisecond
	}
	return 15 * time.Minute
}

// RetryFor is the campaign's rule for an outcome.
func (s *Settings) RetryFor(o Outcome) RetryRule {
	if r, ok := s.Retry[o]; ok {
		return r
	}
	return DefaultRetry[o]
}

// Limits returns the attempt limits with defaults applied.
func (s *Settings) Limits() (total, perDay int) {
	total, perDay = s.MaxAttempts, s.MaxAttemptsPerDay
	if total <= 0 {
		total = 3
	}
	if perDay <= 0 {
		perDay = 2
	}
	return total, perDay
}

// RingTimeout is the callee's ring time with its default.
func (s *Settings) RingTimeout() time.Duration {
	if s.RingTimeoutMS <= 0 {
		return 30 * time.Second
	}
	return time.Duration(s.RingTimeoutMS) * time.Millisecond
}

// WrapUp is the after-call time with its default.
func (s *Settings) WrapUp() time.Duration {
	if s.WrapUpMS <= 0 {
		return 15 * time.Second
	}
	return time.Duration(s.WrapUpMS) * time.Millisecond
}

// Country is the default calling code with its default.
func (s *Settings) Country() string {
	if s.DefaultCountry == "" {
		return "86"
	}
	return s.DefaultCountry
}

// FindDisposition returns the campaign's disposition with that code.
func (s *Settings) FindDisposition(code string) (Disposition, bool) {
	for _, d := range s.Dispositions {
		if d.Code == code {
			return d, true
		}
	}
	return Disposition{}, false
}

// FieldError names the setting that is wrong.
type FieldError struct {
	Field, Message string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }

var idRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// Validate checks a campaign before it is stored; the error names the
// field.
func (c *Campaign) Validate() error {
	s := &c.Settings
	switch {
	case !idRe.MatchString(c.ID):
		return FieldError{"id", "lower-case letters, digits, '-' and '_', at most 64"}
	case strings.TrimSpace(c.Name) == "" || len(c.Name) > 200:
		return FieldError{"name", "a name of 1 to 200 characters is required"}
	}
	switch c.Type {
	case Preview, Progressive, Predictive, IVRBroadcast:
	default:
		return FieldError{"type", fmt.Sprintf("%q: want preview, progressive, predictive or ivr_broadcast", c.Type)}
	}
	if s.QueueID == "" && c.Type != IVRBroadcast {
		return FieldError{"settings.queue_id", "the queue whose agents work the campaign is required"}
	}
	if s.CallerID != "" && !digitsRe.MatchString(strings.TrimPrefix(s.CallerID, "+")) {
		return FieldError{"settings.caller_id", fmt.Sprintf("%q is not a phone number", s.CallerID)}
	}
	if s.CallerIDPool != "" && !outroute.ValidID(s.CallerIDPool) {
		return FieldError{"settings.caller_id_pool", fmt.Sprintf("%q is not a caller-ID pool id", s.CallerIDPool)}
	}
	if s.CallerIDPool != "" && s.CallerID != "" {
		return FieldError{"settings.caller_id_pool", "set caller_id (one fixed number) or caller_id_pool, not both"}
	}
	if s.MaxAttempts < 0 || s.MaxAttempts > 100 {
		return FieldError{"settings.max_attempts", "0 (default 3) to 100"}
	}
	if s.MaxAttemptsPerDay < 0 || s.MaxAttemptsPerDay > 100 {
		return FieldError{"settings.max_attempts_per_day", "0 (default 2) to 100"}
	}
	if s.RingTimeoutMS < 0 || s.RingTimeoutMS > 120000 {
		return FieldError{"settings.ring_timeout_ms", "0 (default 30000) to 120000"}
	}
	if s.AgentRingTimeoutMS < 0 || s.AgentRingTimeoutMS > 60000 {
		return FieldError{"settings.agent_ring_timeout_ms", "0 (default 10000) to 60000"}
	}
	if s.WrapUpMS < 0 || s.WrapUpMS > 3600000 {
		return FieldError{"settings.wrap_up_ms", "0 (default 15000) to 3600000"}
	}
	if err := s.validateCompliance(); err != nil {
		return err
	}
	if s.TrunkCPS < 0 || s.TrunkCPS > 10000 {
		return FieldError{"settings.trunk_cps", "0 (no limit) to 10000"}
	}
	if c.Type == IVRBroadcast && s.Broadcast == nil {
		return FieldError{"settings.broadcast", "an IVR broadcast needs its message"}
	}
	if s.Broadcast != nil {
		if err := s.Broadcast.validate(s.QueueID); err != nil {
			return err
		}
	}
	if s.MaxInFlight < 0 {
		return FieldError{"settings.max_in_flight", "must not be negative"}
	}
	if s.AMD != nil {
		if err := s.AMD.validate(c.Type, s.AgentFirst); err != nil {
			return err
		}
	}
	if s.CallbackGraceMS != 0 && (s.CallbackGraceMS < time.Minute.Milliseconds() || s.CallbackGraceMS > (24*time.Hour).Milliseconds()) {
		return FieldError{"settings.callback_grace_ms", "0 (default 900000, 15 minutes) or 60000 (1 minute) to 86400000 (24 hours)"}
	}
	for o, r := range s.Retry {
		if _, ok := DefaultRetry[o]; !ok {
			return FieldError{"settings.retry." + string(o), "unknown outcome (busy, no_answer, rejected, invalid_number, failed, agent_unavailable, abandoned, machine)"}
		}
		if r.DelayMS < 0 {
			return FieldError{"settings.retry." + string(o) + ".delay_ms", "must not be negative"}
		}
	}
	if s.Window != nil {
		if s.Window.Name == "" {
			s.Window.Name = "calling window"
		}
		if s.Window.Timezone == "" {
			s.Window.Timezone = "Asia/Shanghai"
		}
		if err := s.Window.Validate(); err != nil {
			return FieldError{"settings.window", err.Error()}
		}
	}
	if s.Timezone != "" {
		if _, err := time.LoadLocation(s.Timezone); err != nil {
			return FieldError{"settings.timezone", fmt.Sprintf("%q is not an IANA time zone", s.Timezone)}
		}
	}
	if s.DefaultCountry != "" && (!digitsRe.MatchString(s.DefaultCountry) || len(s.DefaultCountry) > 3 || s.DefaultCountry[0] == '0') {
		return FieldError{"settings.default_country", "a calling code such as 86"}
	}
	seen := map[string]bool{}
	for i, d := range s.Dispositions {
		if d.Code == "" || seen[d.Code] {
			return FieldError{fmt.Sprintf("settings.dispositions[%d].code", i), "a unique code is required"}
		}
		seen[d.Code] = true
	}
	seen = map[string]bool{}
	for i, q := range s.Script {
		f := fmt.Sprintf("settings.script[%d]", i)
		if q.ID == "" || seen[q.ID] {
			return FieldError{f + ".id", "a unique id is required"}
		}
		seen[q.ID] = true
		switch q.Kind {
		case "text", "number", "yes_no":
		case "choice":
			if len(q.Options) == 0 {
				return FieldError{f + ".options", "a choice needs options"}
			}
		default:
			return FieldError{f + ".kind", fmt.Sprintf("%q: want text, choice, number or yes_no", q.Kind)}
		}
	}
	return nil
}

var digitsRe = regexp.MustCompile(`^[0-9]{1,20}$`)

// CheckAnswers validates script answers against the questions: unknown
// questions, missing required ones, choices not offered.
func (s *Settings) CheckAnswers(ans map[string]any) error {
	byID := map[string]Question{}
	for _, q := range s.Script {
		byID[q.ID] = q
	}
	for id, v := range ans {
		q, ok := byID[id]
		if !ok {
			return FieldError{"answers." + id, "no such question in the campaign's script"}
		}
		switch q.Kind {
		case "choice":
			str, _ := v.(string)
			found := false
			for _, o := range q.Options {
				found = found || o == str
			}
			if !found {
				return FieldError{"answers." + id, fmt.Sprintf("%v is not one of %s", v, strings.Join(q.Options, ", "))}
			}
		case "number":
			if _, ok := v.(float64); !ok {
				return FieldError{"answers." + id, "a number is expected"}
			}
		case "yes_no":
			if _, ok := v.(bool); !ok {
				return FieldError{"answers." + id, "true or false is expected"}
			}
		default:
			if str, ok := v.(string); !ok || len(str) > 2000 {
				return FieldError{"answers." + id, "text of at most 2000 characters is expected"}
			}
		}
	}
	for _, q := range s.Script {
		if _, ok := ans[q.ID]; q.Required && !ok {
			return FieldError{"answers." + q.ID, "required"}
		}
	}
	return nil
}
