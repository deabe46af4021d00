package acd

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ipcc/ipcc/dialplan"
)

// Strategy names how a queue chooses among equally levelled available agents.
type Strategy string

// Distribution strategies.
const (
	RingAll        Strategy = "ring-all"        // offer to every eligible agent at once; first answer wins
	RoundRobin     Strategy = "round-robin"     // next agent after the one offered last (memory per level)
	Random         Strategy = "random"          // uniform among eligible agents
	LongestIdle    Strategy = "longest-idle"    // the agent available the longest
	FewestCalls    Strategy = "fewest-calls"    // fewest calls answered today
	LeastTalkTime  Strategy = "least-talk-time" // least talk time today
	Sequential     Strategy = "sequential"      // fixed member order (position), first available
	WeightedRandom Strategy = "weighted-random" // random, proportional to the member weight
)

// Strategies lists every strategy, for validation and documentation.
var Strategies = []Strategy{RingAll, RoundRobin, Random, LongestIdle, FewestCalls, LeastTalkTime, Sequential, WeightedRandom}

// Valid reports whether s is a known strategy.
func (s Strategy) Valid() bool {
	for _, x := range Strategies {
		if s == x {
			return true
		}
	}
	return false
}

// Duration is a time.Duration that the API reads and writes as a whole
// number of milliseconds, in fields whose names end in _ms (the one
// convention of ipcc's API for durations: "ring_timeout_ms": 15000).
type Duration time.Duration

// D is the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// MarshalJSON writes the milliseconds (15000).
func (d Duration) MarshalJSON() ([]byte, error) {
	return strconv.AppendInt(nil, time.Duration(d).Milliseconds(), 10), nil
}

// maxMillis bounds a duration read from JSON (about 115 days).
const maxMillis = 1e10

// UnmarshalJSON reads a whole number of milliseconds. A bad value (a
// string such as "20s", a fraction) is a *json.UnmarshalTypeError, so
// decoders name the field.
func (d *Duration) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > maxMillis || f != math.Trunc(f) {
		return &json.UnmarshalTypeError{Value: string(b) + " (use a whole number of milliseconds, e.g. 20000 for 20 s)", Type: reflect.TypeFor[Duration]()}
	}
	*d = Duration(time.Duration(f) * time.Millisecond)
	return nil
}

// TargetKind names where an overflowing call goes.
type TargetKind string

// Overflow target kinds.
const (
	TargetNone      TargetKind = ""          // no overflow: the rule does not apply
	TargetQueue     TargetKind = "queue"     // another queue of the tenant (moved by the engine itself)
	TargetFlow      TargetKind = "flow"      // an IVR flow
	TargetVoicemail TargetKind = "voicemail" // a voicemail box
	TargetNumber    TargetKind = "number"    // an external number
	TargetHangup    TargetKind = "hangup"    // play the prompt, if any, and hang up
)

// OverflowTarget is where a call overflows to.
type OverflowTarget struct {
	Kind  TargetKind `json:"kind,omitempty"`
	Value string     `json:"value,omitempty"` // queue id, flow id, mailbox, number
}

// Announcements switch each prompt of a queue on or off.
type Announcements struct {
	// Lang is "zh-CN" or "en": the language of the agent whisper (the
	// queue's staff), and of the caller's prompts when the caller came
	// through no IVR flow. Callers hear position, estimated wait and agent
	// ID in the language the IVR left them in. Empty: the route's or
	// tenant's default language (routing settings default_language, zh-CN
	// when unset).
	Lang string `json:"lang,omitempty"`
	// EntryPrompt is played once when the caller joins ("" = none), unless
	// EntryPrompts has a text in the caller's language.
	EntryPrompt string `json:"entry_prompt,omitempty"`
	// EntryPrompts are the entry prompt per language ({"en": "..."}),
	// chosen by the caller's language; EntryPrompt covers the others.
	// Each entry prompt is TTS text, or "library:NAME" for a prompt of the
	// tenant's prompts library (uploaded audio, or a TTS prompt spoken in
	// the caller's language), resolved when it is played.
	EntryPrompts map[string]string `json:"entry_prompts,omitempty"`
	// OverflowPrompt is played to the caller who leaves the queue for an
	// overflow target (any rule, another queue too), before they go ("" =
	// none); OverflowPrompts per language as EntryPrompts. Text or
	// "library:NAME" like the entry prompt.
	OverflowPrompt  string            `json:"overflow_prompt,omitempty"`
	OverflowPrompts map[string]string `json:"overflow_prompts,omitempty"`
	// Position turns on the periodic "you are number N, estimated wait M"
	// announcement every PositionInterval (default 30s).
	Position         bool     `json:"position,omitempty"`
	PositionInterval Duration `json:"position_interval_ms,omitempty"`
	// AgentWhisper: before connecting, the agent hears the queue name and
	// how long the caller waited.
	AgentWhisper bool `json:"agent_whisper,omitempty"`
	// AgentID: after connecting, the caller hears the agent's ID (工号播报).
	AgentID bool `json:"agent_id,omitempty"`
	// CallbackKey, when set (a digit, * or #), is offered after each
	// position announcement ("如需回电请按1"): a caller who presses it leaves
	// the queue with a call-back request (acd_callbacks), which agents work
	// through /api/v1/callbacks. VoicemailKey likewise takes the caller to
	// the queue's voicemail (overflow.voicemail). Both need Position.
	CallbackKey  string `json:"callback_key,omitempty"`
	VoicemailKey string `json:"voicemail_key,omitempty"`
	// PositionPrompt, WhisperPrompt, AgentIDPrompt and CallbackPrompt
	// replace the generated sentence of the position announcement (also
	// the periodic comfort message), the agent whisper, the agent-ID
	// announcement and the call-back confirmation with a sequence of
	// parts, each "library:NAME" (a prompt of the tenant's prompts
	// library), TTS text, or a {placeholder} for the sentence's values
	// (SentencePlaceholders). The *Prompts maps give one per language,
	// chosen like EntryPrompts; empty: the generated sentence.
	PositionPrompt  []string            `json:"position_prompt,omitempty"`
	PositionPrompts map[string][]string `json:"position_prompts,omitempty"`
	WhisperPrompt   []string            `json:"whisper_prompt,omitempty"`
	WhisperPrompts  map[string][]string `json:"whisper_prompts,omitempty"`
	AgentIDPrompt   []string            `json:"agent_id_prompt,omitempty"`
	AgentIDPrompts  map[string][]string `json:"agent_id_prompts,omitempty"`
	CallbackPrompt  []string            `json:"callback_prompt,omitempty"`
	CallbackPrompts map[string][]string `json:"callback_prompts,omitempty"`
}

// QueueLimits bound a queue.
type QueueLimits struct {
	MaxLength int      `json:"max_length,omitempty"`  // waiting callers; 0 = unlimited
	MaxWait   Duration `json:"max_wait_ms,omitempty"` // 0 = unlimited
	// WhenNoAgents applies when no member is logged in, WhenAllOnBreak when
	// every logged-in member is not ready: join (default), refuse entry, or
	// refuse entry and also send waiting callers to the overflow target.
	WhenNoAgents   JoinRule `json:"when_no_agents,omitempty"`
	WhenAllOnBreak JoinRule `json:"when_all_on_break,omitempty"`
}

// JoinRule says whether callers join a queue in a condition.
type JoinRule string

// Join rules.
const (
	RuleJoin   JoinRule = "join"   // join and wait (default)
	RuleRefuse JoinRule = "refuse" // do not join: overflow at entry
	RuleLeave  JoinRule = "leave"  // do not join, and waiting callers leave when it happens
)

func (r JoinRule) valid() bool { return r == "" || r == RuleJoin || r == RuleRefuse || r == RuleLeave }

// OverflowTargets names the target of each limit rule.
type OverflowTargets struct {
	QueueFull  OverflowTarget `json:"queue_full,omitempty"`
	MaxWait    OverflowTarget `json:"max_wait,omitempty"`
	NoAgents   OverflowTarget `json:"no_agents,omitempty"`
	AllOnBreak OverflowTarget `json:"all_on_break,omitempty"`
	// Voicemail is where a caller who presses the voicemail key goes.
	Voicemail OverflowTarget `json:"voicemail,omitempty"`
}

// BreakMode says what happens to a break request above the cap.
type BreakMode string

// Break modes.
const (
	BreakWait   BreakMode = "wait"   // queue the request; granted in order when someone returns
	BreakRefuse BreakMode = "refuse" // refuse it (ErrBreakCap)
)

// QueueConfig is one queue (skill group). The zero values of optional fields
// take the defaults described on each field.
type QueueConfig struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Strategy Strategy `json:"strategy"`
	// RingTimeout is how long an agent's phone rings, from when the switch
	// reports it ringing, before the agent is set not-ready (no-answer) and
	// the call goes to the next agent (default 20s). An offer whose phone
	// never rang within it is withdrawn without blaming the agent.
	RingTimeout Duration `json:"ring_timeout_ms,omitempty"`
	// WrapUp is the after-call work time (0 = straight back to available).
	WrapUp Duration `json:"wrap_up_ms,omitempty"`
	// MaxWrapUpExtension caps the total extension an agent may ask for
	// (default 10 min).
	MaxWrapUpExtension Duration `json:"max_wrap_up_extension_ms,omitempty"`
	// LastAgentFirst offers a call first to the agent who served the caller
	// last, when that agent is an available member (highest precedence).
	LastAgentFirst bool `json:"last_agent_first,omitempty"`
	// ServiceLevel is the answer-time threshold of the service level
	// (default 20s).
	ServiceLevel Duration `json:"service_level_ms,omitempty"`
	// DefaultHandleTime seeds the estimated wait before calls were handled
	// (default 3m).
	DefaultHandleTime Duration `json:"default_handle_time_ms,omitempty"`
	// BreakCap is the most members that may be on a capped break at once
	// (允许休息最大人数, 0 = no cap); BreakMode says what happens above it.
	BreakCap      int           `json:"break_cap,omitempty"`
	BreakMode     BreakMode     `json:"break_mode,omitempty"`
	Announcements Announcements `json:"announcements"`
	// HoldMusic is what callers waiting in the queue hear between the
	// announcements: "library:NAME", a prompt of the tenant's prompts
	// library (uploaded audio, or a TTS prompt spoken in the caller's
	// language), played in a loop; "" is the switch's music on hold
	// (switches[].music_on_hold).
	HoldMusic string `json:"hold_music,omitempty"`
	// AgentHoldMusic is what a caller of the queue hears while the agent
	// holds them (the hold button, a consultation): "library:NAME" like
	// HoldMusic; "" is HoldMusic.
	AgentHoldMusic string          `json:"agent_hold_music,omitempty"`
	Limits         QueueLimits     `json:"limits"`
	Overflow       OverflowTargets `json:"overflow"`
	// SurveyFlow is the IVR flow (a survey) a caller is sent to when the
	// agent hangs up first ("" = none).
	SurveyFlow string `json:"survey_flow,omitempty"`
	// Record records every answered call of the queue (强制录音); without
	// it agents start recordings on demand.
	Record bool `json:"record,omitempty"`
	// OutboundCallerID is the number (the queue's hotline DID) an agent's
	// call-back to one of the queue's callers presents; empty: the
	// tenant's outbound caller ID (routing settings).
	OutboundCallerID string `json:"outbound_caller_id,omitempty"`
	// SummaryRequired keeps an agent in wrap-up until the call's service
	// summary (服务小结) is submitted (Engine.SummarySubmitted): ending
	// wrap-up or asking to be ready is refused with ErrSummaryRequired, and
	// the wrap-up timer waits for it. A supervisor can still force the
	// agent out. The queue gets wrap-up even with no wrap-up time.
	SummaryRequired bool `json:"summary_required,omitempty"`
}

// Defaults used when a QueueConfig field is zero.
const (
	DefaultRingTimeout      = 20 * time.Second
	DefaultServiceLevel     = 20 * time.Second
	DefaultHandleTime       = 3 * time.Minute
	DefaultPositionInterval = 30 * time.Second
	DefaultMaxWrapExtension = 10 * time.Minute
)

func (q *QueueConfig) ringTimeout() time.Duration {
	return orDefault(q.RingTimeout.D(), DefaultRingTimeout)
}
func (q *QueueConfig) serviceLevel() time.Duration {
	return orDefault(q.ServiceLevel.D(), DefaultServiceLevel)
}
func (q *QueueConfig) defaultHandle() time.Duration {
	return orDefault(q.DefaultHandleTime.D(), DefaultHandleTime)
}
func (q *QueueConfig) positionInterval() time.Duration {
	return orDefault(q.Announcements.PositionInterval.D(), DefaultPositionInterval)
}
func (q *QueueConfig) maxWrapExtension() time.Duration {
	return orDefault(q.MaxWrapUpExtension.D(), DefaultMaxWrapExtension)
}

// entryPrompt is the entry prompt for a caller speaking lang.
func (a *Announcements) entryPrompt(lang string) string {
	if p, ok := a.EntryPrompts[lang]; ok {
		return p
	}
	return a.EntryPrompt
}

// overflowPrompt is the overflow prompt for a caller speaking lang.
func (a *Announcements) overflowPrompt(lang string) string {
	if p, ok := a.OverflowPrompts[lang]; ok {
		return p
	}
	return a.OverflowPrompt
}

// sentence is the parts replacing a generated sentence for a caller (or
// agent) speaking lang; nil: the generated sentence.
func sentence(one []string, per map[string][]string, lang string) []string {
	if p, ok := per[lang]; ok && len(p) > 0 {
		return p
	}
	if len(one) > 0 {
		return one
	}
	return nil
}

// SentencePlaceholders are the values each announcement made of parts
// may say, by the field that holds its parts: {position} (a number),
// {wait} (the estimated wait as words, rounded up to minutes; left out
// when unknown), {wait_minutes} (a number; left out when unknown),
// {callback_key} and {voicemail_key} (left out when not set), {queue}
// (the queue's name), {waited} (how long the caller waited), {agent}
// (the work number, digit by digit).
var SentencePlaceholders = map[string][]string{
	"position_prompt": {"{position}", "{wait}", "{wait_minutes}", "{callback_key}", "{voicemail_key}"},
	"whisper_prompt":  {"{queue}", "{waited}"},
	"agent_id_prompt": {"{agent}"},
	"callback_prompt": nil,
}

// maxSentenceParts bounds an announcement made of parts.
const maxSentenceParts = 20

// sentenceFields lists the announcements made of parts: field (without
// "announcements."), the parts for every language and those per language.
func (a *Announcements) sentenceFields() []struct {
	field string
	one   []string
	per   map[string][]string
} {
	return []struct {
		field string
		one   []string
		per   map[string][]string
	}{
		{"position_prompt", a.PositionPrompt, a.PositionPrompts},
		{"whisper_prompt", a.WhisperPrompt, a.WhisperPrompts},
		{"agent_id_prompt", a.AgentIDPrompt, a.AgentIDPrompts},
		{"callback_prompt", a.CallbackPrompt, a.CallbackPrompts},
	}
}

// checkSentences checks the announcements made of parts: languages, the
// number of parts, placeholders known for the sentence, and text or
// library names like the entry prompt.
func (a *Announcements) checkSentences() error {
	for _, f := range a.sentenceFields() {
		check := func(field string, parts []string) error {
			if len(parts) > maxSentenceParts {
				return fieldErr(field, "at most %d parts, got %d", maxSentenceParts, len(parts))
			}
			for i, p := range parts {
				pf := fmt.Sprintf("%s[%d]", field, i)
				if isPlaceholder(p) {
					if !slices.Contains(SentencePlaceholders[f.field], p) {
						if len(SentencePlaceholders[f.field]) == 0 {
							return fieldErr(pf, "%s: this announcement has no values to say", p)
						}
						return fieldErr(pf, "%s is not a value of this announcement: use %s", p, strings.Join(SentencePlaceholders[f.field], ", "))
					}
					continue
				}
				if err := checkTextPrompt(PromptRef{Field: pf, Name: p}); err != nil {
					return err
				}
			}
			return nil
		}
		if err := check("announcements."+f.field, f.one); err != nil {
			return err
		}
		for _, l := range slices.Sorted(maps.Keys(f.per)) {
			if !slices.Contains(Languages, l) {
				return fieldErr("announcements."+f.field+"s."+l, "not a prompt language (zh-CN or en)")
			}
			if err := check("announcements."+f.field+"s."+l, f.per[l]); err != nil {
				return err
			}
		}
	}
	return nil
}

// isPlaceholder says whether a part of an announcement is a {value}.
func isPlaceholder(p string) bool {
	return len(p) > 2 && p[0] == '{' && p[len(p)-1] == '}' && !strings.ContainsAny(p[1:len(p)-1], "{} ")
}

// LibraryPrefix marks a prompt of the tenant's prompts library where an
// announcement otherwise holds text: "library:welcome".
const LibraryPrefix = "library:"

// LibraryName returns the library prompt an announcement names and
// whether it names one.
func LibraryName(s string) (string, bool) {
	if !strings.HasPrefix(s, LibraryPrefix) {
		return "", false
	}
	return strings.TrimPrefix(s, LibraryPrefix), true
}

var libraryNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// PromptRef is an announcement naming a library prompt, with its field.
type PromptRef struct {
	Field string
	Name  string
}

// textPrompts lists the announcements holding text or a library prompt,
// by field, in a stable order.
func (a *Announcements) textPrompts() []PromptRef {
	var out []PromptRef
	add := func(field, one string, per map[string]string) {
		if one != "" {
			out = append(out, PromptRef{Field: "announcements." + field, Name: one})
		}
		for _, l := range slices.Sorted(maps.Keys(per)) {
			out = append(out, PromptRef{Field: "announcements." + field + "s." + l, Name: per[l]})
		}
	}
	add("entry_prompt", a.EntryPrompt, a.EntryPrompts)
	add("overflow_prompt", a.OverflowPrompt, a.OverflowPrompts)
	addParts := func(field string, parts []string) {
		for i, p := range parts {
			if !isPlaceholder(p) {
				out = append(out, PromptRef{Field: fmt.Sprintf("%s[%d]", field, i), Name: p})
			}
		}
	}
	for _, f := range a.sentenceFields() {
		addParts("announcements."+f.field, f.one)
		for _, l := range slices.Sorted(maps.Keys(f.per)) {
			addParts("announcements."+f.field+"s."+l, f.per[l])
		}
	}
	return out
}

// LibraryRefs lists the announcements naming library prompts, so the API
// can check the names against the tenant's library and show where each
// prompt is used.
func (a *Announcements) LibraryRefs() []PromptRef {
	var out []PromptRef
	for _, p := range a.textPrompts() {
		if n, ok := LibraryName(p.Name); ok {
			out = append(out, PromptRef{Field: p.Field, Name: n})
		}
	}
	return out
}

// holdMusic lists the queue's hold music settings that are set, by field.
func (q *QueueConfig) holdMusic() []PromptRef {
	var out []PromptRef
	if q.HoldMusic != "" {
		out = append(out, PromptRef{Field: "hold_music", Name: q.HoldMusic})
	}
	if q.AgentHoldMusic != "" {
		out = append(out, PromptRef{Field: "agent_hold_music", Name: q.AgentHoldMusic})
	}
	return out
}

// checkHoldMusic checks a hold music setting: a library prompt's name.
func checkHoldMusic(p PromptRef) error {
	n, ok := LibraryName(p.Name)
	if !ok {
		return fieldErr(p.Field, "must be library:NAME, a prompt of the prompts library (empty: the switch's music on hold), got %q", p.Name)
	}
	if !libraryNameRe.MatchString(n) {
		return fieldErr(p.Field, "library prompt %q: a name is 1-64 of a-z, 0-9, '_' and '-', starting with a letter or digit", n)
	}
	return nil
}

// LibraryRefs lists every setting of the queue naming a library prompt —
// its announcements and its hold music — so the API can check the names
// against the tenant's library, show where each prompt is used and refuse
// to delete a prompt in use.
func (q *QueueConfig) LibraryRefs() []PromptRef {
	out := q.Announcements.LibraryRefs()
	for _, p := range q.holdMusic() {
		if n, ok := LibraryName(p.Name); ok {
			out = append(out, PromptRef{Field: p.Field, Name: n})
		}
	}
	return out
}

// HoldMusicFor is the library prompt a caller of the queue hears on hold:
// waiting in the queue (agentHold false) or held by the agent (true); ""
// when the queue leaves it to the switch's music on hold.
func (q *QueueConfig) HoldMusicFor(agentHold bool) string {
	m := q.HoldMusic
	if agentHold && q.AgentHoldMusic != "" {
		m = q.AgentHoldMusic
	}
	n, _ := LibraryName(m)
	return n
}

// Languages are the languages queue prompts are spoken in.
var Languages = []string{"zh-CN", "en"}

// checkTextPrompt checks an announcement: 1-500 characters of text, or a
// library prompt's name. Whether the tenant's library has the prompt is
// for the API to check (the engine does not read the library).
func checkTextPrompt(p PromptRef) error {
	if n, ok := LibraryName(p.Name); ok {
		if !libraryNameRe.MatchString(n) {
			return fieldErr(p.Field, "library prompt %q: a name is 1-64 of a-z, 0-9, '_' and '-', starting with a letter or digit", n)
		}
		return nil
	}
	if strings.TrimSpace(p.Name) == "" || len(p.Name) > 500 {
		return fieldErr(p.Field, "must be 1-500 characters of text, or library:NAME for a prompt of the prompts library")
	}
	return nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// FieldError is a validation error naming the offending field (JSON path).
type FieldError struct {
	Field string
	Msg   string
}

// Error names the field and the problem.
func (e *FieldError) Error() string { return "acd: field " + e.Field + ": " + e.Msg }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// IDPattern is what queue ids look like: they are used in flows and routes.
var IDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// Validate checks the configuration; the error is a *FieldError naming the
// first bad field.
func (q *QueueConfig) Validate() error {
	if !IDPattern.MatchString(q.ID) {
		return fieldErr("id", "must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit")
	}
	if strings.TrimSpace(q.Name) == "" {
		return fieldErr("name", "is required")
	}
	if !q.Strategy.Valid() {
		return fieldErr("strategy", "unknown strategy %q (one of %v)", q.Strategy, Strategies)
	}
	durs := []struct {
		name string
		d    Duration
		max  time.Duration
	}{
		{"ring_timeout_ms", q.RingTimeout, 10 * time.Minute},
		{"wrap_up_ms", q.WrapUp, 24 * time.Hour},
		{"max_wrap_up_extension_ms", q.MaxWrapUpExtension, 24 * time.Hour},
		{"service_level_ms", q.ServiceLevel, 24 * time.Hour},
		{"default_handle_time_ms", q.DefaultHandleTime, 24 * time.Hour},
		{"announcements.position_interval_ms", q.Announcements.PositionInterval, 24 * time.Hour},
		{"limits.max_wait_ms", q.Limits.MaxWait, 7 * 24 * time.Hour},
	}
	for _, x := range durs {
		if x.d < 0 || x.d.D() > x.max {
			return fieldErr(x.name, "must be between 0 and %d ms (%s), got %d", x.max.Milliseconds(), x.max, x.d.D().Milliseconds())
		}
	}
	if q.OutboundCallerID != "" && !dialplan.ValidCallerID(q.OutboundCallerID) {
		return fieldErr("outbound_caller_id", "%q is not a phone number (3-32 digits, optional leading +)", q.OutboundCallerID)
	}
	if q.SurveyFlow != "" && !IDPattern.MatchString(q.SurveyFlow) {
		return fieldErr("survey_flow", "must be a flow id: 1-64 letters, digits, '_', '.' or '-'")
	}
	if q.Announcements.Position && q.Announcements.PositionInterval != 0 && q.Announcements.PositionInterval.D() < 5*time.Second {
		return fieldErr("announcements.position_interval_ms", "must be at least 5000 (5 s)")
	}
	if l := q.Announcements.Lang; l != "" && !slices.Contains(Languages, l) {
		return fieldErr("announcements.lang", "must be zh-CN or en, got %q", l)
	}
	for _, k := range []struct{ field, key string }{{"announcements.callback_key", q.Announcements.CallbackKey}, {"announcements.voicemail_key", q.Announcements.VoicemailKey}} {
		if k.key == "" {
			continue
		}
		if len(k.key) != 1 || !strings.Contains("0123456789*#", k.key) {
			return fieldErr(k.field, "must be one key: a digit, * or #, got %q", k.key)
		}
		if !q.Announcements.Position {
			return fieldErr(k.field, "is offered after the position announcement: set announcements.position")
		}
	}
	if k := q.Announcements.CallbackKey; k != "" && k == q.Announcements.VoicemailKey {
		return fieldErr("announcements.voicemail_key", "must differ from callback_key (%s)", k)
	}
	for _, l := range slices.Sorted(maps.Keys(q.Announcements.EntryPrompts)) {
		if !slices.Contains(Languages, l) {
			return fieldErr("announcements.entry_prompts."+l, "not a prompt language (zh-CN or en)")
		}
	}
	for _, l := range slices.Sorted(maps.Keys(q.Announcements.OverflowPrompts)) {
		if !slices.Contains(Languages, l) {
			return fieldErr("announcements.overflow_prompts."+l, "not a prompt language (zh-CN or en)")
		}
	}
	if err := q.Announcements.checkSentences(); err != nil {
		return err
	}
	for _, p := range q.Announcements.textPrompts() {
		if err := checkTextPrompt(p); err != nil {
			return err
		}
	}
	for _, p := range q.holdMusic() {
		if err := checkHoldMusic(p); err != nil {
			return err
		}
	}
	if !q.Limits.WhenNoAgents.valid() {
		return fieldErr("limits.when_no_agents", "must be join, refuse or leave, got %q", q.Limits.WhenNoAgents)
	}
	if !q.Limits.WhenAllOnBreak.valid() {
		return fieldErr("limits.when_all_on_break", "must be join, refuse or leave, got %q", q.Limits.WhenAllOnBreak)
	}
	if q.Limits.MaxLength < 0 {
		return fieldErr("limits.max_length", "must not be negative")
	}
	if q.BreakCap < 0 {
		return fieldErr("break_cap", "must not be negative")
	}
	switch q.BreakMode {
	case "", BreakWait, BreakRefuse:
	default:
		return fieldErr("break_mode", "must be wait or refuse, got %q", q.BreakMode)
	}
	targets := []struct {
		name string
		t    OverflowTarget
	}{
		{"overflow.queue_full", q.Overflow.QueueFull},
		{"overflow.max_wait", q.Overflow.MaxWait},
		{"overflow.no_agents", q.Overflow.NoAgents},
		{"overflow.all_on_break", q.Overflow.AllOnBreak},
		{"overflow.voicemail", q.Overflow.Voicemail},
	}
	for _, x := range targets {
		if err := x.t.validate(x.name, q.ID); err != nil {
			return err
		}
	}
	return nil
}

func (t OverflowTarget) validate(field, self string) error {
	switch t.Kind {
	case TargetNone:
		if t.Value != "" {
			return fieldErr(field+".kind", "is required when value is set")
		}
		return nil
	case TargetHangup:
		return nil
	case TargetQueue:
		if t.Value == self {
			return fieldErr(field+".value", "must not be the queue itself")
		}
		if !IDPattern.MatchString(t.Value) {
			return fieldErr(field+".value", "must be a queue id")
		}
		return nil
	case TargetFlow, TargetVoicemail, TargetNumber:
		if strings.TrimSpace(t.Value) == "" {
			return fieldErr(field+".value", "is required for kind %s", t.Kind)
		}
		if t.Kind == TargetNumber && strings.Trim(t.Value, "+0123456789*#") != "" {
			return fieldErr(field+".value", "must be a dialable number (digits, +, * or #)")
		}
		if t.Kind == TargetVoicemail {
			if err := dialplan.ValidMailbox(t.Value); err != nil {
				return fieldErr(field+".value", "%v", err)
			}
		}
		return nil
	}
	return fieldErr(field+".kind", "unknown kind %q (queue, flow, voicemail, number or hangup)", t.Kind)
}

// Member puts an agent in a queue with a level (higher is offered first)
// and, for weighted-random, a weight; Position orders sequential and
// round-robin queues (ties by agent id).
type Member struct {
	QueueID  string `json:"queue_id"`
	AgentID  string `json:"agent_id"`
	Level    int    `json:"level"`
	Weight   int    `json:"weight,omitempty"`
	Position int    `json:"position,omitempty"`
}

// Validate checks a membership.
func (m *Member) Validate() error {
	if m.AgentID == "" {
		return fieldErr("agent_id", "is required")
	}
	if m.Level < 0 || m.Level > 100 {
		return fieldErr("level", "must be between 0 and 100, got %d", m.Level)
	}
	if m.Weight < 0 || m.Weight > 1000 {
		return fieldErr("weight", "must be between 0 and 1000, got %d", m.Weight)
	}
	if m.Position < 0 {
		return fieldErr("position", "must not be negative")
	}
	return nil
}

// Errors callers branch on.
var (
	ErrUnknownQueue = errors.New("unknown queue")
	ErrUnknownAgent = errors.New("agent not logged in")
	ErrUnknownCall  = errors.New("unknown call")
	ErrStaleOffer   = errors.New("offer no longer valid")
	ErrBadState     = errors.New("not allowed in this state")
	ErrBreakCap     = errors.New("break cap reached")
	ErrDuplicate    = errors.New("call already queued")
	ErrClosed       = errors.New("engine closed")
	ErrNotMember    = errors.New("not a member of the queue")
	// ErrSummaryRequired: the agent must submit the call's service
	// summary before leaving wrap-up.
	ErrSummaryRequired = errors.New("the service summary of the call must be submitted first")
)
