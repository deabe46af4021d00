// Package ivrflows is ipcc's IVR flow language: a versioned document of typed
// nodes joined by named outcome edges, its validator (every error names the
// node and the field), and an interpreter that runs one flow on one call
// through the small Call interface, with an injected clock.
//
// A flow never talks to a switch driver: it plays, collects and records
// through Call (satisfied by *controller.Call), and it ends with an Outcome
// (hang up, transfer to a queue/agent/extension/number, voicemail) that the
// wiring acts on.
package ivrflows

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// FormatVersion is the version of the flow document format this package
// reads. Documents name it in "format"; 0 is taken as 1.
const FormatVersion = 1

// Node types.
const (
	TypePlay      = "play"
	TypeMenu      = "menu"
	TypeCollect   = "collect"
	TypeSet       = "set"
	TypeBranch    = "branch"
	TypeSchedule  = "schedule"
	TypeHTTP      = "http"
	TypeTransfer  = "transfer"
	TypeVoicemail = "voicemail"
	TypeSurvey    = "survey"
	TypeLanguage  = "language"
	TypeSMS       = "sms"
	TypeGoto      = "goto"
	TypeHangup    = "hangup"
)

// NodeTypes lists every node type, sorted.
var NodeTypes = []string{TypeBranch, TypeCollect, TypeGoto, TypeHangup, TypeHTTP, TypeLanguage,
	TypeMenu, TypePlay, TypeSchedule, TypeSet, TypeSMS, TypeSurvey, TypeTransfer, TypeVoicemail}

// Languages a prompt may be written in.
var Languages = []string{"en", "zh-CN"}

// Schedule branches, the only outcomes of a schedule node.
var ScheduleBranches = []string{"open", "lunch", "holiday", "closed"}

// Transfer kinds.
const (
	TransferQueue     = "queue"
	TransferAgent     = "agent"
	TransferExtension = "extension"
	TransferExternal  = "external"
	TransferFlow      = "flow"
)

// Flow is one flow document.
type Flow struct {
	// Format is the document format version (FormatVersion).
	Format int    `json:"format,omitempty"`
	ID     string `json:"id"`
	Name   string `json:"name,omitempty"`
	// Start is the id of the first node.
	Start string `json:"start"`
	// Language is the prompt language a call starts in ("zh-CN" or "en";
	// default "zh-CN").
	Language string `json:"language,omitempty"`
	// Limits bound a run so no flow can hold a call forever.
	Limits Limits `json:"limits,omitempty"`
	// Shortcuts maps codes such as "*23" to node ids; typing one at any
	// menu or collect jumps there.
	Shortcuts map[string]string `json:"shortcuts,omitempty"`
	// Variables are set when the flow starts (before the call's own).
	Variables map[string]string `json:"variables,omitempty"`
	Nodes     []*Node           `json:"nodes"`
	// Layout is where the visual editor draws each node (node id →
	// position). It has no effect on calls.
	Layout map[string]Position `json:"layout,omitempty"`
}

// Position is a node's place on the editor's canvas.
type Position struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Limits bound one run. Zero values take the defaults.
type Limits struct {
	// MaxDuration of the whole flow (default 30m).
	MaxDuration Duration `json:"max_duration,omitempty"`
	// MaxVisits is how many nodes one run may visit (default 500).
	MaxVisits int `json:"max_visits,omitempty"`
}

// Node is one step of a flow. Only the fields of its Type are used; the
// validator reports fields that do not belong to the type.
type Node struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	// Note is free text for the people editing the flow.
	Note string `json:"note,omitempty"`

	// Next is the edge taken when the node completes (play, set, http,
	// language, sms, goto, collect, survey, voicemail, transfer prompt).
	Next string `json:"next,omitempty"`

	// play, menu, collect, survey, transfer, voicemail (greeting).
	Prompt        Prompt `json:"prompt,omitempty"`
	Interruptible bool   `json:"interruptible,omitempty"`

	// menu: digit(s) → node.
	Options       map[string]string `json:"options,omitempty"`
	TimeoutPrompt Prompt            `json:"timeout_prompt,omitempty"`
	InvalidPrompt Prompt            `json:"invalid_prompt,omitempty"`
	// Retries is how many attempts a menu, collect or survey makes before
	// its fallback (default 3).
	Retries int `json:"retries,omitempty"`
	// Timeout: menu/collect/survey first-digit timeout (default 5s); http
	// request timeout (default 5s).
	Timeout  Duration `json:"timeout,omitempty"`
	Fallback string   `json:"fallback,omitempty"`

	// collect.
	Min               int      `json:"min,omitempty"`
	Max               int      `json:"max,omitempty"`
	InterDigitTimeout Duration `json:"inter_digit_timeout,omitempty"`
	Pattern           string   `json:"pattern,omitempty"`
	Variable          string   `json:"variable,omitempty"`

	// set: assignments in order.
	Set []Assignment `json:"set,omitempty"`

	// branch: first true condition wins, else Else.
	Conditions []Condition `json:"conditions,omitempty"`
	Else       string      `json:"else,omitempty"`

	// schedule: schedule id and one edge per branch.
	Schedule string            `json:"schedule,omitempty"`
	Branches map[string]string `json:"branches,omitempty"`

	// http.
	Method   string            `json:"method,omitempty"`
	URL      string            `json:"url,omitempty"`
	Headers  map[string]string `json:"headers,omitempty"`
	Body     string            `json:"body,omitempty"`
	Response map[string]string `json:"response,omitempty"`
	// Error is the failure edge of http and sms.
	Error string `json:"error,omitempty"`

	// transfer.
	Kind   string `json:"kind,omitempty"`
	Target string `json:"target,omitempty"`

	// voicemail.
	Mailbox   string   `json:"mailbox,omitempty"`
	Beep      *bool    `json:"beep,omitempty"`
	MaxLength Duration `json:"max_length,omitempty"`

	// survey: key → label, thank-you prompt, variables naming the agent
	// and queue (default "agent_id" and "queue").
	Choices  map[string]string `json:"choices,omitempty"`
	ThankYou Prompt            `json:"thank_you,omitempty"`
	AgentVar string            `json:"agent_var,omitempty"`
	QueueVar string            `json:"queue_var,omitempty"`

	// language.
	Language string `json:"language,omitempty"`

	// sms.
	To   string `json:"to,omitempty"`
	Text string `json:"text,omitempty"`

	// hangup.
	Cause string `json:"cause,omitempty"`
}

// Assignment sets Var to the value of the expression Expr.
type Assignment struct {
	Var  string `json:"var"`
	Expr string `json:"expr"`
}

// Condition sends the call to Next when the boolean expression If holds.
type Condition struct {
	If   string `json:"if"`
	Next string `json:"next"`
}

// Prompt is a list of media items played in order.
type Prompt []PromptItem

// PromptItem is one thing to play. Exactly one field is set. Text fields
// may use ${var} templates.
type PromptItem struct {
	// File is a prompt file, possibly one per language.
	File *Localized `json:"file,omitempty"`
	// TTS is text to speak, possibly one per language.
	TTS *Localized `json:"tts,omitempty"`
	// Number says a number ("1250" → "one thousand two hundred fifty").
	Number string `json:"number,omitempty"`
	// Digits says digits one by one.
	Digits string `json:"digits,omitempty"`
	// Tone plays a tone ("beep").
	Tone string `json:"tone,omitempty"`
	// Silence in milliseconds.
	Silence int `json:"silence,omitempty"`
	// Library names a prompt of the tenant's prompts library (uploaded
	// audio or a TTS prompt); the API refuses to publish a flow naming a
	// prompt the library does not have.
	Library string `json:"library,omitempty"`
}

// Localized is a text (or file name) that is either the same in every
// language ("welcome.wav") or given per language ({"zh-CN": ..., "en": ...}).
type Localized struct {
	All     string
	PerLang map[string]string
}

// UnmarshalJSON accepts a string or an object of language → string.
func (l *Localized) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &l.All)
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		return errors.New("must be a string or an object of language to string")
	}
	l.PerLang = m
	return nil
}

// MarshalJSON writes the form it was read from.
func (l Localized) MarshalJSON() ([]byte, error) {
	if l.PerLang != nil {
		return json.Marshal(l.PerLang)
	}
	return json.Marshal(l.All)
}

// Pick returns the text for lang, falling back to def, then to the first
// language in sorted order.
func (l *Localized) Pick(lang, def string) string {
	if l == nil {
		return ""
	}
	if l.PerLang == nil {
		return l.All
	}
	if v, ok := l.PerLang[lang]; ok {
		return v
	}
	if v, ok := l.PerLang[def]; ok {
		return v
	}
	keys := make([]string, 0, len(l.PerLang))
	for k := range l.PerLang {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return ""
	}
	return l.PerLang[keys[0]]
}

// Duration is a time.Duration written as "5s", "1m30s" (or a number of
// seconds).
type Duration time.Duration

// D is the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// UnmarshalJSON accepts "5s" or 5 (seconds).
func (d *Duration) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("bad duration %q (use e.g. \"5s\" or \"1m30s\")", s)
		}
		*d = Duration(v)
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || f > 1e9 || f < -1e9 {
		return fmt.Errorf("bad duration %s (use e.g. \"5s\" or a number of seconds)", b)
	}
	*d = Duration(f * float64(time.Second))
	return nil
}

// MarshalJSON writes "5s".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// IsZero lets omitempty-aware encoders skip unset durations.
func (d Duration) IsZero() bool { return d == 0 }

// MaxDocumentSize is the largest flow document Parse accepts.
const MaxDocumentSize = 1 << 20

// Parse reads a flow document: JSON, or YAML when the text does not start
// with '{'. Unknown fields and wrong types are errors. Parse checks only the
// shape; Validate checks the meaning.
func Parse(data []byte) (*Flow, error) {
	if len(data) > MaxDocumentSize {
		return nil, fmt.Errorf("ivrflows: document is %d bytes, more than %d", len(data), MaxDocumentSize)
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errors.New("ivrflows: empty document")
	}
	if trimmed[0] != '{' {
		j, err := yamlToJSON(trimmed)
		if err != nil {
			return nil, err
		}
		trimmed = j
	}
	return parseJSON(trimmed)
}

// ParseJSON reads a JSON flow document strictly.
func ParseJSON(data []byte) (*Flow, error) {
	if len(data) > MaxDocumentSize {
		return nil, fmt.Errorf("ivrflows: document is %d bytes, more than %d", len(data), MaxDocumentSize)
	}
	return parseJSON(data)
}

func parseJSON(data []byte) (*Flow, error) {
	// Nodes are decoded one by one so an error can name the node.
	var doc struct {
		Flow
		Nodes []json.RawMessage `json:"nodes"`
	}
	if err := strictDecode(data, &doc); err != nil {
		return nil, fmt.Errorf("ivrflows: parse: %w", err)
	}
	f := doc.Flow
	f.Nodes = make([]*Node, 0, len(doc.Nodes))
	for i, raw := range doc.Nodes {
		if string(bytes.TrimSpace(raw)) == "null" {
			return nil, fmt.Errorf("ivrflows: parse: nodes[%d] is null", i)
		}
		var n Node
		if err := strictDecode(raw, &n); err != nil {
			var id struct {
				ID any `json:"id"`
			}
			_ = json.Unmarshal(raw, &id)
			if s, ok := id.ID.(string); ok && s != "" {
				return nil, fmt.Errorf("ivrflows: parse: node %q (nodes[%d]): %w", s, i, err)
			}
			return nil, fmt.Errorf("ivrflows: parse: nodes[%d]: %w", i, err)
		}
		f.Nodes = append(f.Nodes, &n)
	}
	if f.Format == 0 {
		f.Format = FormatVersion
	}
	if f.Format != FormatVersion {
		return nil, fmt.Errorf("ivrflows: parse: format %d is not supported (this ipcc reads format %d)", f.Format, FormatVersion)
	}
	return &f, nil
}

func strictDecode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return describeJSONError(err)
	}
	if dec.More() {
		return errors.New("data after the JSON document")
	}
	return nil
}

func describeJSONError(err error) error {
	var typ *json.UnmarshalTypeError
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &typ):
		return fmt.Errorf("field %q must be %s, got %s", typ.Field, typ.Type, typ.Value)
	case errors.As(err, &syn):
		return fmt.Errorf("malformed JSON at byte %d: %v", syn.Offset, syn)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return fmt.Errorf("unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return err
}

// yamlToJSON converts YAML to JSON, turning map keys into strings (so menu
// keys such as 1: sales work) and refusing what JSON cannot say.
func yamlToJSON(data []byte) ([]byte, error) {
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("ivrflows: parse YAML: %w", err)
	}
	j, err := jsonable(v, 0)
	if err != nil {
		return nil, fmt.Errorf("ivrflows: parse YAML: %w", err)
	}
	out, err := json.Marshal(j)
	if err != nil {
		return nil, fmt.Errorf("ivrflows: parse YAML: %w", err)
	}
	return out, nil
}

func jsonable(v any, depth int) (any, error) {
	if depth > 64 {
		return nil, errors.New("document nested too deeply")
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			j, err := jsonable(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = j
		}
		return out, nil
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			j, err := jsonable(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[fmt.Sprint(k)] = j
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			j, err := jsonable(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = j
		}
		return out, nil
	case time.Time:
		return x.Format(time.RFC3339), nil
	case float64:
		if x != x || x > 1e300 || x < -1e300 {
			return nil, errors.New("numbers must be finite")
		}
		return x, nil
	}
	return v, nil
}

// Node returns the node with that id, or nil.
func (f *Flow) Node(id string) *Node {
	for _, n := range f.Nodes {
		if n.ID == id {
			return n
		}
	}
	return nil
}

// Marshal renders the flow as indented JSON.
func (f *Flow) Marshal() ([]byte, error) {
	return json.MarshalIndent(f, "", "  ")
}

// YAML renders the flow as a YAML document with the fields in the order
// of the Go definitions (the order Marshal writes). Parse reads it back to
// the same flow, so export → import → export is byte-stable.
func (f *Flow) YAML() ([]byte, error) {
	j, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(j, &doc); err != nil {
		return nil, fmt.Errorf("ivrflows: render YAML: %w", err)
	}
	dropEmptyLimits(&doc)
	blockStyle(&doc)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("ivrflows: render YAML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("ivrflows: render YAML: %w", err)
	}
	return buf.Bytes(), nil
}

// dropEmptyLimits leaves out "limits: {}" (Limits is a struct, which
// encoding/json's omitempty keeps).
func dropEmptyLimits(doc *yaml.Node) {
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "limits" && m.Content[i+1].Kind == yaml.MappingNode && len(m.Content[i+1].Content) == 0 {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}

// blockStyle turns the flow style JSON parses into YAML's block style;
// strings keep quotes only where YAML would read them as something else.
func blockStyle(n *yaml.Node) {
	switch n.Kind {
	case yaml.MappingNode, yaml.SequenceNode:
		n.Style = 0
	case yaml.ScalarNode:
		if n.Tag == "!!str" && !strings.ContainsAny(n.Value, "\n\t") {
			n.Style = 0
		} else if n.Tag == "!!str" {
			n.Style = yaml.DoubleQuotedStyle
		}
	}
	for _, c := range n.Content {
		blockStyle(c)
	}
}

// startLanguage is the language a call starts in.
func (f *Flow) startLanguage() string {
	if f.Language != "" {
		return f.Language
	}
	return "zh-CN"
}

func (f *Flow) maxDuration() time.Duration {
	if f.Limits.MaxDuration > 0 {
		return f.Limits.MaxDuration.D()
	}
	return 30 * time.Minute
}

func (f *Flow) maxVisits() int {
	if f.Limits.MaxVisits > 0 {
		return f.Limits.MaxVisits
	}
	return 500
}

// longestShortcut is the length of the longest shortcut code.
func (f *Flow) longestShortcut() int {
	n := 0
	for k := range f.Shortcuts {
		n = max(n, len(k))
	}
	return n
}

// prompts are the node's prompts by field name.
func (n *Node) prompts() map[string]Prompt {
	return map[string]Prompt{"prompt": n.Prompt, "timeout_prompt": n.TimeoutPrompt, "invalid_prompt": n.InvalidPrompt, "thank_you": n.ThankYou}
}
