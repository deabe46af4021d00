package ivrflows

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// JSONSchema is the subset of JSON Schema (draft 2020-12) that describes a
// flow document, with "x-" extensions the visual editor builds its palette
// and forms from: x-kind names the editor widget of a field, x-order the
// order of a node type's fields, x-outputs a node type's edges.
type JSONSchema struct {
	Schema               string                 `json:"$schema,omitempty"`
	ID                   string                 `json:"$id,omitempty"`
	Ref                  string                 `json:"$ref,omitempty"`
	Title                string                 `json:"title,omitempty"`
	Description          string                 `json:"description,omitempty"`
	Type                 string                 `json:"type,omitempty"`
	Const                string                 `json:"const,omitempty"`
	Enum                 []string               `json:"enum,omitempty"`
	Pattern              string                 `json:"pattern,omitempty"`
	Minimum              *int                   `json:"minimum,omitempty"`
	Maximum              *int                   `json:"maximum,omitempty"`
	Default              string                 `json:"default,omitempty"`
	Properties           map[string]*JSONSchema `json:"properties,omitempty"`
	Required             []string               `json:"required,omitempty"`
	AdditionalProperties *JSONSchema            `json:"additionalProperties,omitempty"`
	// Closed is additionalProperties: false (written as x-closed because
	// Go cannot type a field as "schema or false").
	Closed bool                   `json:"x-closed,omitempty"`
	Items  *JSONSchema            `json:"items,omitempty"`
	OneOf  []*JSONSchema          `json:"oneOf,omitempty"`
	Defs   map[string]*JSONSchema `json:"$defs,omitempty"`

	// Kind is the editor widget of a field: string, text, integer,
	// boolean, enum, duration, prompt, map, edge, edges, assignments,
	// conditions.
	Kind string `json:"x-kind,omitempty"`
	// Order lists a node type's fields in the order a form shows them.
	Order []string `json:"x-order,omitempty"`
	// Outputs are a node type's edges.
	Outputs []NodeOutput `json:"x-outputs,omitempty"`
	// NodeTypes lists every node type (document root only).
	NodeTypes []string `json:"x-node-types,omitempty"`
	// Terminal node types end the flow (no outgoing edge is required).
	Terminal bool `json:"x-terminal,omitempty"`
}

// NodeOutput is one edge field of a node type.
type NodeOutput struct {
	// Field is the node field holding the edge: "next", "options",
	// "conditions", "branches", "fallback", "else", "error".
	Field string `json:"field"`
	// Shape is "single" (the field is a node id), "keyed" (an object of
	// key → node id: menu options, schedule branches) or "list" (a list
	// of objects each with a "next" node id: branch conditions).
	Shape string `json:"shape"`
	// Keys are the fixed keys of a keyed output (schedule branches);
	// KeyPattern the pattern of free keys (menu options).
	Keys       []string `json:"keys,omitempty"`
	KeyPattern string   `json:"key_pattern,omitempty"`
	Required   bool     `json:"required"`
	// Description says when the edge is taken.
	Description string `json:"description"`
}

// nodeTypeDocs describes each node type.
var nodeTypeDocs = map[string]string{
	TypePlay:      "Play a prompt, then go on.",
	TypeMenu:      "Play a prompt and take the caller's key: one edge per key, fallback after the retries.",
	TypeCollect:   "Collect digits into a variable (# ends, * restarts).",
	TypeSet:       "Set variables from expressions, in order.",
	TypeBranch:    "Go to the first condition that holds, else to else.",
	TypeSchedule:  "Ask a schedule whether it is open, lunch, holiday or closed now.",
	TypeHTTP:      "Call an HTTP API (through the egress policy) and store values of its JSON answer.",
	TypeTransfer:  "Transfer the call to a queue, agent, extension, external number or another flow (ends this flow).",
	TypeVoicemail: "Record a message into a mailbox.",
	TypeSurvey:    "Ask a satisfaction question; the digit pressed is the score.",
	TypeLanguage:  "Switch the call's prompt language.",
	TypeSMS:       "Send a text message (to the caller by default).",
	TypeGoto:      "Jump to another node.",
	TypeHangup:    "Hang up (after an optional prompt).",
}

// fieldDocs describes node fields; "type.field" overrides "field".
var fieldDocs = map[string]string{
	"id":                    "Node id: letters, digits, '_', '.' or '-'.",
	"type":                  "Node type.",
	"note":                  "Free text for the people editing the flow.",
	"next":                  "Node taken when this one completes.",
	"prompt":                "What is played, item by item.",
	"transfer.prompt":       "Played before the transfer (optional).",
	"voicemail.prompt":      "The greeting (optional).",
	"hangup.prompt":         "Played before hanging up (optional).",
	"interruptible":         "A key stops the prompt and counts as the first key of the next menu or collect.",
	"options":               "Key (0-9, * or #, one or more) → node.",
	"timeout_prompt":        "Played before a retry after the caller typed nothing.",
	"invalid_prompt":        "Played before a retry after a wrong entry.",
	"retries":               "Attempts before the fallback (default 3).",
	"timeout":               "Wait for the first digit (default 5s).",
	"http.timeout":          "Request timeout (default 5s, at most 60s).",
	"fallback":              "Node taken after the last failed attempt.",
	"min":                   "Fewest digits (0 means 1).",
	"max":                   "Most digits (0 means 64).",
	"inter_digit_timeout":   "Wait between digits (menu 2s, collect 3s).",
	"pattern":               "Regular expression the whole entry must match.",
	"variable":              "Variable the digits are stored in.",
	"set":                   "Assignments: variable = expression, in order.",
	"conditions":            "Conditions (expressions), the first that holds wins.",
	"else":                  "Node taken when no condition holds.",
	"schedule":              "Schedule id.",
	"branches":              "One node per schedule branch: open, lunch, holiday, closed.",
	"method":                "HTTP method (GET, or POST with a body).",
	"url":                   "URL (http or https; ${var} allowed).",
	"headers":               "Request headers.",
	"body":                  "JSON body template; values inside strings are JSON-escaped.",
	"response":              "Variable → path in the JSON answer, such as data.balance.",
	"error":                 "Node taken when the request or message fails.",
	"sms.error":             "Node taken when the message cannot be sent (also when no SMS gateway is configured).",
	"kind":                  "What the call is transferred to.",
	"target":                "Queue, agent, extension, number or flow id (${var} allowed).",
	"mailbox":               "Mailbox the message goes to.",
	"beep":                  "Beep before recording (default true).",
	"max_length":            "Longest message (default 2m).",
	"choices":               "Digit → label; the digit is the score.",
	"thank_you":             "Played after a valid answer.",
	"agent_var":             "Variable naming the agent (default agent_id).",
	"queue_var":             "Variable naming the queue (default queue).",
	"language":              "Prompt language from now on.",
	"to":                    "Phone number (default the caller).",
	"text":                  "Message text (${var} allowed).",
	"cause":                 "Hang-up cause (default NORMAL_CLEARING).",
	"survey.next":           "Node taken after the answer (or the failed attempts without fallback).",
	"survey.fallback":       "Node taken when no valid key was pressed (optional).",
	"voicemail.next":        "Node taken after the message (optional; without it the call is hung up).",
	"collect.next":          "Node taken with a valid entry.",
	"menu.fallback":         "Node taken after the last timeout or wrong key.",
	"collect.fallback":      "Node taken after the last failed attempt.",
	"branch.else":           "Node taken when no condition holds.",
	"http.next":             "Node taken after a 2xx JSON answer.",
	"http.error":            "Node taken on a non-2xx answer, no answer, not JSON or a missing path.",
	"schedule.branches":     "One node per schedule branch.",
	"transfer.target":       "Queue, agent, extension, number or flow id (${var} allowed).",
	"menu.options":          "Key (0-9, * or #, one or more) → node.",
	"language.language":     "Prompt language from now on.",
	"conditions[].if":       "Boolean expression, such as int(amount) > 100.",
	"set[].var":             "Variable name.",
	"set[].expr":            "Expression, such as substr(account, 4).",
	"conditions[].next":     "Node taken when the condition holds.",
	"menu.timeout":          "Wait for the first digit (default 5s).",
	"survey.timeout":        "Wait for the key (default 5s).",
	"collect.timeout":       "Wait for the first digit (default 5s).",
	"menu.retries":          "Attempts before the fallback (default 3).",
	"survey.retries":        "Attempts before the fallback (default 3).",
	"collect.retries":       "Attempts before the fallback (default 3).",
	"survey.invalid_prompt": "Played before a retry after a wrong key.",
}

// requiredFields are the fields the validator requires of each node type
// (besides id and type). A Go test checks the validator agrees.
var requiredFields = map[string][]string{
	TypePlay:      {"prompt", "next"},
	TypeMenu:      {"prompt", "options", "fallback"},
	TypeCollect:   {"prompt", "variable", "next", "fallback"},
	TypeSet:       {"set", "next"},
	TypeBranch:    {"conditions", "else"},
	TypeSchedule:  {"schedule", "branches"},
	TypeHTTP:      {"url", "next", "error"},
	TypeTransfer:  {"kind", "target"},
	TypeVoicemail: {"mailbox"},
	TypeSurvey:    {"prompt", "choices", "next"},
	TypeLanguage:  {"language", "next"},
	TypeSMS:       {"text", "next", "error"},
	TypeGoto:      {"next"},
	TypeHangup:    {},
}

// edgeFields are the node fields holding edges.
var edgeFields = []string{"next", "options", "conditions", "else", "branches", "fallback", "error"}

// fieldEnums are the closed sets of values of some fields.
func fieldEnums() map[string][]string {
	return map[string][]string{
		"kind":     {TransferQueue, TransferAgent, TransferExtension, TransferExternal, TransferFlow},
		"method":   httpMethods,
		"language": Languages,
	}
}

// fieldDefaults are the defaults the interpreter applies to unset fields.
var fieldDefaults = map[string]string{
	"retries": "3", "timeout": "5s", "menu.inter_digit_timeout": "2s", "collect.inter_digit_timeout": "3s",
	"beep": "true", "max_length": "2m", "agent_var": "agent_id", "queue_var": "queue", "cause": "NORMAL_CLEARING",
	"method": "GET",
}

func lookup[V any](m map[string]V, typ, field string) (V, bool) {
	if v, ok := m[typ+"."+field]; ok {
		return v, true
	}
	v, ok := m[field]
	return v, ok
}

var (
	tPrompt     = reflect.TypeOf(Prompt{})
	tDuration   = reflect.TypeOf(Duration(0))
	tAssign     = reflect.TypeOf([]Assignment{})
	tConditions = reflect.TypeOf([]Condition{})
	tStrMap     = reflect.TypeOf(map[string]string{})
)

// nodeFieldTypes maps each JSON field of Node to its Go type.
func nodeFieldTypes() map[string]reflect.Type {
	out := map[string]reflect.Type{}
	rt := reflect.TypeOf(Node{})
	for i := 0; i < rt.NumField(); i++ {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out[name] = rt.Field(i).Type
		}
	}
	return out
}

func ref(name string) *JSONSchema { return &JSONSchema{Ref: "#/$defs/" + name} }

func intp(n int) *int { return &n }

// fieldSchema is the schema of one field of a node type, from the Go type
// of the Node field.
func fieldSchema(typ, field string, t reflect.Type) (*JSONSchema, error) {
	var s *JSONSchema
	isEdge := slices.Contains(edgeFields, field)
	switch {
	case t == tPrompt:
		s = &JSONSchema{Ref: "#/$defs/prompt", Kind: "prompt"}
	case t == tDuration:
		s = &JSONSchema{Ref: "#/$defs/duration", Kind: "duration"}
	case t == tAssign:
		s = &JSONSchema{Type: "array", Kind: "assignments", Items: ref("assignment")}
	case t == tConditions:
		s = &JSONSchema{Type: "array", Kind: "conditions", Items: ref("condition")}
	case t == tStrMap && isEdge:
		s = &JSONSchema{Type: "object", Kind: "edges", AdditionalProperties: ref("node_id")}
	case t == tStrMap:
		s = &JSONSchema{Type: "object", Kind: "map", AdditionalProperties: &JSONSchema{Type: "string"}}
	case t.Kind() == reflect.String && isEdge:
		s = &JSONSchema{Ref: "#/$defs/node_id", Kind: "edge"}
	case t.Kind() == reflect.String:
		s = &JSONSchema{Type: "string", Kind: "string"}
		if e, ok := fieldEnums()[field]; ok {
			s.Enum, s.Kind = e, "enum"
		}
		if field == "body" || field == "text" || field == "note" {
			s.Kind = "text"
		}
	case t.Kind() == reflect.Int:
		s = &JSONSchema{Type: "integer", Kind: "integer", Minimum: intp(0)}
	case t.Kind() == reflect.Bool, t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Bool:
		s = &JSONSchema{Type: "boolean", Kind: "boolean"}
	default:
		return nil, fmt.Errorf("ivrflows: schema: field %q of %s has Go type %s the schema does not know", field, typ, t)
	}
	if d, ok := lookup(fieldDocs, typ, field); ok {
		s.Description = d
	}
	if d, ok := lookup(fieldDefaults, typ, field); ok {
		s.Default = d
	}
	if field == "branches" {
		s.Properties = map[string]*JSONSchema{}
		for _, b := range ScheduleBranches {
			s.Properties[b] = ref("node_id")
		}
		s.AdditionalProperties = nil
		s.Closed = true
	}
	if field == "options" {
		s.Pattern = dtmfKeyRe.String()
	}
	return s, nil
}

func outputsOf(typ string, fields []string) []NodeOutput {
	var out []NodeOutput
	req := requiredFields[typ]
	for _, f := range edgeFields {
		if !slices.Contains(fields, f) {
			continue
		}
		o := NodeOutput{Field: f, Shape: "single", Required: slices.Contains(req, f)}
		o.Description, _ = lookup(fieldDocs, typ, f)
		switch f {
		case "options":
			o.Shape, o.KeyPattern = "keyed", dtmfKeyRe.String()
		case "branches":
			o.Shape, o.Keys = "keyed", ScheduleBranches
		case "conditions":
			o.Shape = "list"
		}
		out = append(out, o)
	}
	return out
}

// Schema returns the JSON Schema of a flow document. It is built from the
// Go definitions: the Node struct's fields and types, the validator's
// table of which fields each node type takes and requiredFields, so a node
// type added here is in the schema (and the editor's palette) with no
// other change.
func Schema() (*JSONSchema, error) {
	types := nodeFieldTypes()
	root := &JSONSchema{
		Schema:      "https://json-schema.org/draft/2020-12/schema",
		ID:          "https://ipcc.dev/schemas/flow.json",
		Title:       "ipcc IVR flow",
		Description: fmt.Sprintf("An IVR flow document, format %d: typed nodes joined by named edges.", FormatVersion),
		Type:        "object",
		Closed:      true,
		Required:    []string{"id", "start", "nodes"},
		NodeTypes:   NodeTypes,
		Defs:        map[string]*JSONSchema{},
	}
	idPattern := nodeIDRe.String()
	root.Properties = map[string]*JSONSchema{
		"format":    {Type: "integer", Description: "Document format version.", Minimum: intp(FormatVersion), Maximum: intp(FormatVersion)},
		"id":        {Type: "string", Pattern: idPattern, Description: "Flow id."},
		"name":      {Type: "string", Description: "Name shown to people."},
		"start":     {Ref: "#/$defs/node_id", Description: "First node."},
		"language":  {Type: "string", Enum: Languages, Default: "zh-CN", Description: "The call's starting prompt language."},
		"limits":    {Type: "object", Closed: true, Properties: map[string]*JSONSchema{"max_duration": {Ref: "#/$defs/duration", Description: "Whole flow (default 30m, at most 4h)."}, "max_visits": {Type: "integer", Minimum: intp(0), Maximum: intp(100000), Description: "Node visits (default 500)."}}},
		"shortcuts": {Type: "object", Description: "Codes typed at any menu or collect that jump to a node.", AdditionalProperties: ref("node_id")},
		"variables": {Type: "object", Description: "Variables preset when the flow starts.", AdditionalProperties: &JSONSchema{Type: "string"}},
		"layout":    {Type: "object", Description: "Where the editor draws each node (node id → position); no effect on calls.", AdditionalProperties: ref("position")},
		"nodes":     {Type: "array", Items: &JSONSchema{}},
	}
	root.Defs["node_id"] = &JSONSchema{Type: "string", Pattern: idPattern, Description: "A node id."}
	root.Defs["duration"] = &JSONSchema{Type: "string", Pattern: `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`, Description: `A duration such as "5s" or "1m30s" (a number is seconds).`}
	root.Defs["position"] = &JSONSchema{Type: "object", Closed: true, Required: []string{"x", "y"}, Properties: map[string]*JSONSchema{"x": {Type: "number"}, "y": {Type: "number"}}}
	root.Defs["localized"] = &JSONSchema{Description: "The same in every language, or one per language.", OneOf: []*JSONSchema{{Type: "string"}, {Type: "object", Properties: map[string]*JSONSchema{}, AdditionalProperties: &JSONSchema{Type: "string"}}}}
	for _, l := range Languages {
		root.Defs["localized"].OneOf[1].Properties[l] = &JSONSchema{Type: "string"}
	}
	root.Defs["prompt_item"] = &JSONSchema{Type: "object", Closed: true, Description: "One thing to play: exactly one field.", Properties: map[string]*JSONSchema{
		"file": {Ref: "#/$defs/localized", Description: "Sound file relative to the switch's sound directory."}, "tts": {Ref: "#/$defs/localized", Description: "Text to speech."},
		"number": {Type: "string", Description: "Say a number."}, "digits": {Type: "string", Description: "Say digits one by one."},
		"tone": {Type: "string", Description: "A tone name or tone list."}, "silence": {Type: "integer", Minimum: intp(1), Maximum: intp(60000), Description: "Silence in milliseconds."},
		"library": {Type: "string", Description: "A prompt of the tenant's prompts library (uploaded audio or TTS prompt), by name."},
	}, Order: []string{"tts", "file", "number", "digits", "tone", "silence", "library"}}
	root.Defs["prompt"] = &JSONSchema{Type: "array", Items: ref("prompt_item"), Description: "Items played in order."}
	root.Defs["assignment"] = &JSONSchema{Type: "object", Closed: true, Required: []string{"var", "expr"}, Order: []string{"var", "expr"}, Properties: map[string]*JSONSchema{
		"var": {Type: "string", Pattern: varNameRe.String(), Description: fieldDocs["set[].var"]}, "expr": {Type: "string", Description: fieldDocs["set[].expr"]}}}
	root.Defs["condition"] = &JSONSchema{Type: "object", Closed: true, Required: []string{"if", "next"}, Order: []string{"if", "next"}, Properties: map[string]*JSONSchema{
		"if": {Type: "string", Description: fieldDocs["conditions[].if"]}, "next": {Ref: "#/$defs/node_id", Kind: "edge", Description: fieldDocs["conditions[].next"]}}}

	for _, typ := range NodeTypes {
		fields, ok := allowed[typ]
		if !ok {
			return nil, fmt.Errorf("ivrflows: schema: node type %q has no field table", typ)
		}
		req, ok := requiredFields[typ]
		if !ok {
			return nil, fmt.Errorf("ivrflows: schema: node type %q has no required fields table", typ)
		}
		doc, ok := nodeTypeDocs[typ]
		if !ok {
			return nil, fmt.Errorf("ivrflows: schema: node type %q has no description", typ)
		}
		d := &JSONSchema{Type: "object", Title: typ, Description: doc, Closed: true,
			Required: append([]string{"id", "type"}, req...), Properties: map[string]*JSONSchema{},
			Order: append([]string{"id", "note"}, fields...), Outputs: outputsOf(typ, fields)}
		d.Terminal = len(d.Outputs) == 0 || !slices.ContainsFunc(d.Outputs, func(o NodeOutput) bool { return o.Required })
		d.Properties["id"] = &JSONSchema{Ref: "#/$defs/node_id", Kind: "string", Description: fieldDocs["id"]}
		d.Properties["type"] = &JSONSchema{Type: "string", Const: typ, Description: fieldDocs["type"]}
		d.Properties["note"] = &JSONSchema{Type: "string", Kind: "text", Description: fieldDocs["note"]}
		for _, f := range fields {
			t, ok := types[f]
			if !ok {
				return nil, fmt.Errorf("ivrflows: schema: node type %q allows field %q that Node does not have", typ, f)
			}
			s, err := fieldSchema(typ, f, t)
			if err != nil {
				return nil, err
			}
			d.Properties[f] = s
		}
		root.Defs["node."+typ] = d
		root.Properties["nodes"].Items.OneOf = append(root.Properties["nodes"].Items.OneOf, ref("node."+typ))
	}
	return root, nil
}
