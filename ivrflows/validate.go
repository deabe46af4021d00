package ivrflows

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/ipcc/ipcc/dialplan"
)

// ValidationError is one problem in a flow, named by node id and field
// ("" for flow-level problems).
type ValidationError struct {
	Node    string `json:"node,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// Error renders `node "main" field "options.9": message`.
func (e ValidationError) Error() string {
	switch {
	case e.Node != "" && e.Field != "":
		return fmt.Sprintf("node %q field %q: %s", e.Node, e.Field, e.Message)
	case e.Node != "":
		return fmt.Sprintf("node %q: %s", e.Node, e.Message)
	case e.Field != "":
		return fmt.Sprintf("flow field %q: %s", e.Field, e.Message)
	}
	return "flow: " + e.Message
}

// ValidationErrors is every problem of a flow, sorted by node, field and
// message (flow-level problems first).
type ValidationErrors []ValidationError

// Error lists every problem, one per line.
func (es ValidationErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return fmt.Sprintf("ivrflows: %d validation errors:\n%s", len(es), strings.Join(lines, "\n"))
}

var (
	nodeIDRe    = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$`)
	dtmfKeyRe   = regexp.MustCompile(`^[0-9*#]{1,16}$`)
	shortcutRe  = regexp.MustCompile(`^[0-9*#]{2,16}$`)
	causeRe     = regexp.MustCompile(`^[A-Z_]{1,40}$`)
	httpMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}
)

// allowed lists the fields each node type may set besides id, type, note.
var allowed = map[string][]string{
	TypePlay:      {"prompt", "interruptible", "next"},
	TypeMenu:      {"prompt", "options", "timeout_prompt", "invalid_prompt", "retries", "timeout", "inter_digit_timeout", "fallback"},
	TypeCollect:   {"prompt", "min", "max", "timeout", "inter_digit_timeout", "pattern", "variable", "retries", "timeout_prompt", "invalid_prompt", "next", "fallback"},
	TypeSet:       {"set", "next"},
	TypeBranch:    {"conditions", "else"},
	TypeSchedule:  {"schedule", "branches"},
	TypeHTTP:      {"method", "url", "headers", "body", "response", "timeout", "next", "error"},
	TypeTransfer:  {"kind", "target", "prompt"},
	TypeVoicemail: {"prompt", "mailbox", "beep", "max_length", "next"},
	TypeSurvey:    {"prompt", "choices", "retries", "timeout", "invalid_prompt", "timeout_prompt", "thank_you", "agent_var", "queue_var", "next", "fallback"},
	TypeLanguage:  {"language", "next"},
	TypeSMS:       {"to", "text", "next", "error"},
	TypeGoto:      {"next"},
	TypeHangup:    {"cause", "prompt"},
}

// waits tells whether visiting a node of this type takes caller input or
// time, so a cycle through it cannot spin.
func waits(n *Node) bool {
	switch n.Type {
	case TypeMenu, TypeCollect, TypeSurvey, TypeVoicemail:
		return true
	case TypePlay:
		return len(n.Prompt) > 0
	}
	return false
}

type edge struct {
	field, to string
}

// edges lists the outgoing edges of a node, in field order.
func edges(n *Node) []edge {
	var out []edge
	add := func(field, to string) {
		if to != "" {
			out = append(out, edge{field, to})
		}
	}
	add("next", n.Next)
	for _, k := range sortedKeys(n.Options) {
		add("options."+k, n.Options[k])
	}
	for i, c := range n.Conditions {
		add(fmt.Sprintf("conditions[%d].next", i), c.Next)
	}
	add("else", n.Else)
	for _, k := range sortedKeys(n.Branches) {
		add("branches."+k, n.Branches[k])
	}
	add("fallback", n.Fallback)
	add("error", n.Error)
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

type validator struct {
	f     *Flow
	errs  ValidationErrors
	ids   map[string]*Node
	langs []string // languages the flow can speak in
	// langFrom names, per language, the node that switches to it.
	langFrom map[string]string
	consts   *constChecker
}

// expr checks that src compiles and that its constant parts stay within
// the budget a run gives them (a run would refuse them).
func (v *validator) expr(n *Node, field, src string, asBool bool) {
	if _, err := compileExpr(src, asBool, v.consts.b); err != nil {
		v.add(n.ID, field, "%v", err)
		return
	}
	if err := v.consts.check(src); err != nil {
		v.add(n.ID, field, "%v", err)
	}
}

func (v *validator) add(node, field, format string, args ...any) {
	v.errs = append(v.errs, ValidationError{Node: node, Field: field, Message: fmt.Sprintf(format, args...)})
}

// Validate checks a parsed flow and returns every problem at once, sorted;
// nil when the flow is valid.
var libraryNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// LibraryRef is a prompt item naming a library prompt, with where it is.
type LibraryRef struct {
	Node, Field, Name string
}

// LibraryRefs lists the flow's prompt items naming library prompts, so the
// API can check the names against the tenant's library.
func LibraryRefs(f *Flow) []LibraryRef {
	var out []LibraryRef
	for _, n := range f.Nodes {
		for field, p := range n.prompts() {
			for i, it := range p {
				if it.Library != "" {
					out = append(out, LibraryRef{Node: n.ID, Field: fmt.Sprintf("%s[%d].library", field, i), Name: it.Library})
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Node != out[j].Node {
			return out[i].Node < out[j].Node
		}
		return out[i].Field < out[j].Field
	})
	return out
}

func Validate(f *Flow) ValidationErrors {
	if f == nil {
		return ValidationErrors{{Message: "no flow"}}
	}
	v := &validator{f: f, ids: map[string]*Node{}, langFrom: map[string]string{}, consts: newConstChecker()}
	v.flowFields()
	for i, n := range f.Nodes {
		switch {
		case n.ID == "":
			v.add("", fmt.Sprintf("nodes[%d].id", i), "node id is required")
			continue
		case !nodeIDRe.MatchString(n.ID):
			v.add(n.ID, "id", "node id must be 1-64 letters, digits, '_', '.' or '-'")
		}
		if _, dup := v.ids[n.ID]; dup {
			v.add(n.ID, "id", "duplicate node id")
			continue
		}
		v.ids[n.ID] = n
	}
	v.collectLanguages()
	for _, n := range f.Nodes {
		if n.ID != "" && v.ids[n.ID] == n {
			v.node(n)
		}
	}
	v.graph()
	if len(v.errs) == 0 {
		return nil
	}
	sort.SliceStable(v.errs, func(i, j int) bool {
		a, b := v.errs[i], v.errs[j]
		if a.Node != b.Node {
			return a.Node < b.Node
		}
		if a.Field != b.Field {
			return a.Field < b.Field
		}
		return a.Message < b.Message
	})
	return v.errs
}

func (v *validator) flowFields() {
	f := v.f
	if f.ID == "" {
		v.add("", "id", "flow id is required")
	} else if !nodeIDRe.MatchString(f.ID) {
		v.add("", "id", "flow id must be 1-64 letters, digits, '_', '.' or '-'")
	}
	if f.Language != "" && !slices.Contains(Languages, f.Language) {
		v.add("", "language", "unknown language %q (use one of %s)", f.Language, strings.Join(Languages, ", "))
	}
	if f.Limits.MaxDuration < 0 || f.Limits.MaxDuration.D().Hours() > 4 {
		v.add("", "limits.max_duration", "must be between 0 (default 30m) and 4h")
	}
	if f.Limits.MaxVisits < 0 || f.Limits.MaxVisits > 100000 {
		v.add("", "limits.max_visits", "must be between 0 (default 500) and 100000")
	}
	if len(f.Nodes) == 0 {
		v.add("", "nodes", "a flow needs at least one node")
	}
	if f.Start == "" {
		v.add("", "start", "start node is required")
	}
	for k := range f.Variables {
		if !varNameRe.MatchString(k) {
			v.add("", "variables."+k, "bad variable name (letters, digits and '_', not starting with a digit)")
		}
	}
	for k := range f.Shortcuts {
		if !shortcutRe.MatchString(k) {
			v.add("", "shortcuts."+k, "a shortcut code is 2-16 of 0-9, * and #")
		}
	}
}

func (v *validator) collectLanguages() {
	v.langs = []string{v.f.startLanguage()}
	for _, n := range v.f.Nodes {
		if n.Type == TypeLanguage && slices.Contains(Languages, n.Language) && !slices.Contains(v.langs, n.Language) {
			v.langs = append(v.langs, n.Language)
			v.langFrom[n.Language] = n.ID
		}
	}
}

// setFields lists the JSON names of the non-zero fields of n.
func setFields(n *Node) []string {
	var out []string
	rv := reflect.ValueOf(n).Elem()
	rt := rv.Type()
	for i := 0; i < rt.NumField(); i++ {
		if rv.Field(i).IsZero() {
			continue
		}
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		out = append(out, name)
	}
	return out
}

func (v *validator) node(n *Node) {
	ok, known := allowed[n.Type]
	if !known {
		if n.Type == "" {
			v.add(n.ID, "type", "node type is required")
		} else {
			v.add(n.ID, "type", "unknown node type %q (use one of %s)", n.Type, strings.Join(NodeTypes, ", "))
		}
		return
	}
	for _, name := range setFields(n) {
		if name != "id" && name != "type" && name != "note" && !slices.Contains(ok, name) {
			v.add(n.ID, name, "field %q does not apply to a %s node", name, n.Type)
		}
	}
	v.edgesExist(n)
	switch n.Type {
	case TypePlay:
		v.prompt(n, "prompt", n.Prompt, true)
		v.requireEdge(n, "next", n.Next)
	case TypeMenu:
		v.menu(n)
	case TypeCollect:
		v.collect(n)
	case TypeSet:
		if len(n.Set) == 0 {
			v.add(n.ID, "set", "at least one assignment is required")
		}
		for i, a := range n.Set {
			f := fmt.Sprintf("set[%d]", i)
			if !varNameRe.MatchString(a.Var) {
				v.add(n.ID, f+".var", "bad variable name %q", a.Var)
			}
			v.expr(n, f+".expr", a.Expr, false)
		}
		v.requireEdge(n, "next", n.Next)
	case TypeBranch:
		if len(n.Conditions) == 0 {
			v.add(n.ID, "conditions", "at least one condition is required")
		}
		for i, c := range n.Conditions {
			f := fmt.Sprintf("conditions[%d]", i)
			v.expr(n, f+".if", c.If, true)
			v.requireEdge(n, f+".next", c.Next)
		}
		v.requireEdge(n, "else", n.Else)
	case TypeSchedule:
		if strings.TrimSpace(n.Schedule) == "" {
			v.add(n.ID, "schedule", "schedule id is required")
		}
		for _, b := range ScheduleBranches {
			if n.Branches[b] == "" {
				v.add(n.ID, "branches."+b, "edge is required (a schedule node has exactly the branches %s)", strings.Join(ScheduleBranches, ", "))
			}
		}
		for k := range n.Branches {
			if !slices.Contains(ScheduleBranches, k) {
				v.add(n.ID, "branches."+k, "unknown schedule branch (use %s)", strings.Join(ScheduleBranches, ", "))
			}
		}
	case TypeHTTP:
		v.http(n)
	case TypeTransfer:
		v.transfer(n)
	case TypeVoicemail:
		v.prompt(n, "prompt", n.Prompt, false)
		if strings.TrimSpace(n.Mailbox) == "" {
			v.add(n.ID, "mailbox", "mailbox is required")
		}
		v.template(n, "mailbox", n.Mailbox)
		if refs, err := templateRefs(n.Mailbox); err == nil && len(refs) == 0 && strings.TrimSpace(n.Mailbox) != "" {
			if err := dialplan.ValidMailbox(n.Mailbox); err != nil {
				v.add(n.ID, "mailbox", "%v", err)
			}
		}
		if n.MaxLength < 0 || n.MaxLength.D().Minutes() > 30 {
			v.add(n.ID, "max_length", "must be between 0 (default 2m) and 30m")
		}
	case TypeSurvey:
		v.survey(n)
	case TypeLanguage:
		if !slices.Contains(Languages, n.Language) {
			v.add(n.ID, "language", "unknown language %q (use one of %s)", n.Language, strings.Join(Languages, ", "))
		}
		v.requireEdge(n, "next", n.Next)
	case TypeSMS:
		if strings.TrimSpace(n.Text) == "" {
			v.add(n.ID, "text", "message text is required")
		}
		v.template(n, "text", n.Text)
		v.template(n, "to", n.To)
		v.requireEdge(n, "next", n.Next)
		v.requireEdge(n, "error", n.Error)
	case TypeGoto:
		v.requireEdge(n, "next", n.Next)
	case TypeHangup:
		v.prompt(n, "prompt", n.Prompt, false)
		if n.Cause != "" && !causeRe.MatchString(n.Cause) {
			v.add(n.ID, "cause", "a hang-up cause is upper-case like NORMAL_CLEARING")
		}
	}
}

func (v *validator) edgesExist(n *Node) {
	for _, e := range edges(n) {
		if v.ids[e.to] == nil {
			v.add(n.ID, e.field, "edge to missing node %q", e.to)
		}
	}
}

func (v *validator) requireEdge(n *Node, field, to string) {
	if to == "" {
		v.add(n.ID, field, "edge is required")
	}
}

func (v *validator) timeouts(n *Node) {
	if n.Timeout < 0 || n.Timeout.D().Minutes() > 5 {
		v.add(n.ID, "timeout", "must be between 0 (default) and 5m")
	}
	if n.InterDigitTimeout < 0 || n.InterDigitTimeout.D().Minutes() > 5 {
		v.add(n.ID, "inter_digit_timeout", "must be between 0 (default) and 5m")
	}
	if n.Retries < 0 || n.Retries > 20 {
		v.add(n.ID, "retries", "must be between 0 (default 3) and 20")
	}
}

func (v *validator) menu(n *Node) {
	v.prompt(n, "prompt", n.Prompt, true)
	v.prompt(n, "timeout_prompt", n.TimeoutPrompt, false)
	v.prompt(n, "invalid_prompt", n.InvalidPrompt, false)
	if len(n.Options) == 0 {
		v.add(n.ID, "options", "at least one option is required")
	}
	for k := range n.Options {
		if !dtmfKeyRe.MatchString(k) {
			v.add(n.ID, "options."+k, "an option key is 1-16 of 0-9, * and #")
		}
		if to, ok := v.f.Shortcuts[k]; ok {
			v.add(n.ID, "options."+k, "option key is also a flow shortcut (to %q)", to)
		}
	}
	v.timeouts(n)
	v.requireEdge(n, "fallback", n.Fallback)
}

func (v *validator) collect(n *Node) {
	v.prompt(n, "prompt", n.Prompt, true)
	v.prompt(n, "timeout_prompt", n.TimeoutPrompt, false)
	v.prompt(n, "invalid_prompt", n.InvalidPrompt, false)
	if n.Min < 0 || n.Min > 64 {
		v.add(n.ID, "min", "must be between 0 (meaning 1) and 64")
	}
	if n.Max < 0 || n.Max > 64 {
		v.add(n.ID, "max", "must be between 0 (meaning 64) and 64")
	}
	if n.Max > 0 && n.Min > n.Max {
		v.add(n.ID, "min", "min %d is more than max %d", n.Min, n.Max)
	}
	if n.Pattern != "" {
		if _, err := regexp.Compile(n.Pattern); err != nil {
			v.add(n.ID, "pattern", "bad regular expression: %v", err)
		}
	}
	if !varNameRe.MatchString(n.Variable) {
		v.add(n.ID, "variable", "a variable name to store the digits in is required (letters, digits, '_')")
	}
	v.timeouts(n)
	v.requireEdge(n, "next", n.Next)
	v.requireEdge(n, "fallback", n.Fallback)
}

func (v *validator) survey(n *Node) {
	v.prompt(n, "prompt", n.Prompt, true)
	v.prompt(n, "invalid_prompt", n.InvalidPrompt, false)
	v.prompt(n, "timeout_prompt", n.TimeoutPrompt, false)
	v.prompt(n, "thank_you", n.ThankYou, false)
	if len(n.Choices) == 0 {
		v.add(n.ID, "choices", "at least one choice is required")
	}
	for k := range n.Choices {
		if len(k) != 1 || k[0] < '0' || k[0] > '9' {
			v.add(n.ID, "choices."+k, "a survey key is one digit 0-9 (it is stored as the score)")
		}
	}
	for f, name := range map[string]string{"agent_var": n.AgentVar, "queue_var": n.QueueVar} {
		if name != "" && !varNameRe.MatchString(name) {
			v.add(n.ID, f, "bad variable name %q", name)
		}
	}
	v.timeouts(n)
	v.requireEdge(n, "next", n.Next)
}

func (v *validator) transfer(n *Node) {
	kinds := []string{TransferQueue, TransferAgent, TransferExtension, TransferExternal, TransferFlow}
	if !slices.Contains(kinds, n.Kind) {
		v.add(n.ID, "kind", "transfer kind must be one of %s", strings.Join(kinds, ", "))
	}
	if strings.TrimSpace(n.Target) == "" {
		v.add(n.ID, "target", "transfer target is required")
	}
	v.template(n, "target", n.Target)
	if n.Kind == TransferFlow && n.Target == v.f.ID {
		v.add(n.ID, "target", "a flow cannot transfer to itself (use goto)")
	}
	v.prompt(n, "prompt", n.Prompt, false)
}

func (v *validator) http(n *Node) {
	if n.Method != "" && !slices.Contains(httpMethods, n.Method) {
		v.add(n.ID, "method", "method must be one of %s", strings.Join(httpMethods, ", "))
	}
	if n.URL == "" {
		v.add(n.ID, "url", "url is required")
	} else if _, err := templateRefs(n.URL); err != nil {
		v.add(n.ID, "url", "%v", err)
	} else {
		u, err := url.Parse(renderPlaceholder(n.URL))
		switch {
		case err != nil:
			v.add(n.ID, "url", "bad URL: %v", err)
		case u.Scheme != "http" && u.Scheme != "https":
			v.add(n.ID, "url", "bad URL %q: scheme must be http or https", n.URL)
		case u.Host == "":
			v.add(n.ID, "url", "bad URL %q: no host", n.URL)
		}
	}
	for k, h := range n.Headers {
		if k == "" || strings.ContainsAny(k, " :\r\n") {
			v.add(n.ID, "headers."+k, "bad header name")
		}
		if strings.ContainsAny(h, "\r\n") {
			v.add(n.ID, "headers."+k, "header value must be one line")
		}
		v.template(n, "headers."+k, h)
	}
	if n.Body != "" {
		if _, err := templateRefs(n.Body); err != nil {
			v.add(n.ID, "body", "%v", err)
		} else if !json.Valid([]byte(renderPlaceholder(n.Body))) {
			v.add(n.ID, "body", "body template is not JSON (with every ${var} replaced by 0)")
		}
	}
	for k, p := range n.Response {
		if !varNameRe.MatchString(k) {
			v.add(n.ID, "response."+k, "bad variable name")
		}
		if !pathRe.MatchString(p) {
			v.add(n.ID, "response."+k, "bad response path %q (use e.g. data.balance or items.0.id)", p)
		}
	}
	if n.Timeout < 0 || n.Timeout.D().Seconds() > 60 {
		v.add(n.ID, "timeout", "must be between 0 (default 5s) and 60s")
	}
	v.requireEdge(n, "next", n.Next)
	v.requireEdge(n, "error", n.Error)
}

// renderPlaceholder replaces every ${var} with 0 for static checks.
func renderPlaceholder(s string) string {
	refs, _ := templateRefs(s)
	vars := make(map[string]any, len(refs))
	for _, r := range refs {
		vars[r] = "0"
	}
	out, _ := render(s, vars, nil)
	return out
}

func (v *validator) template(n *Node, field, s string) {
	if _, err := templateRefs(s); err != nil {
		v.add(n.ID, field, "%v", err)
	}
}

func (v *validator) prompt(n *Node, field string, p Prompt, required bool) {
	if len(p) == 0 {
		if required {
			v.add(n.ID, field, "prompt is required")
		}
		return
	}
	for i, it := range p {
		f := fmt.Sprintf("%s[%d]", field, i)
		set := 0
		for _, b := range []bool{it.File != nil, it.TTS != nil, it.Number != "", it.Digits != "", it.Tone != "", it.Silence != 0, it.Library != ""} {
			if b {
				set++
			}
		}
		if set != 1 {
			v.add(n.ID, f, "a prompt item sets exactly one of file, tts, number, digits, tone, silence, library")
			continue
		}
		switch {
		case it.File != nil:
			v.localized(n, f+".file", "prompt file", it.File, checkPromptFile)
		case it.TTS != nil:
			v.localized(n, f+".tts", "text", it.TTS, checkTTS)
		case it.Number != "":
			v.media(n, f+".number", "number", it.Number, checkNumber)
		case it.Digits != "":
			v.media(n, f+".digits", "digits", it.Digits, checkDigits)
		case it.Tone != "":
			if err := checkTone(it.Tone); err != nil {
				v.add(n.ID, f+".tone", "%v", mediaError("tone", it.Tone, err))
			}
		case it.Library != "":
			if !libraryNameRe.MatchString(it.Library) {
				v.add(n.ID, f+".library", "library prompt %q: a name is 1-64 of a-z, 0-9, '_' and '-', starting with a letter or digit", it.Library)
			}
		case it.Silence < 0 || it.Silence > 60000:
			v.add(n.ID, f+".silence", "silence is 1-60000 milliseconds")
		}
	}
}

// media checks a templated media value of a kind ("prompt file", "text",
// ...): the template, and the text with every ${var} replaced by 0 (the
// run checks the rendered value again).
func (v *validator) media(n *Node, field, kind, s string, check func(string) error) {
	if _, err := templateRefs(s); err != nil {
		v.add(n.ID, field, "%v", err)
		return
	}
	if err := check(renderPlaceholder(s)); err != nil {
		v.add(n.ID, field, "%v", mediaError(kind, s, err))
	}
}

func (v *validator) localized(n *Node, field, kind string, l *Localized, check func(string) error) {
	if l.PerLang == nil {
		if strings.TrimSpace(l.All) == "" {
			v.add(n.ID, field, "empty prompt")
		} else {
			v.media(n, field, kind, l.All, check)
		}
		return
	}
	for lang, s := range l.PerLang {
		if !slices.Contains(Languages, lang) {
			v.add(n.ID, field+"."+lang, "unknown language (use one of %s)", strings.Join(Languages, ", "))
			continue
		}
		if strings.TrimSpace(s) == "" {
			v.add(n.ID, field+"."+lang, "empty prompt")
		} else {
			v.media(n, field+"."+lang, kind, s, check)
		}
	}
	for _, lang := range v.langs {
		if _, ok := l.PerLang[lang]; ok {
			continue
		}
		if from := v.langFrom[lang]; from != "" {
			v.add(n.ID, field, "missing %s prompt (node %q switches the call to %s)", lang, from, lang)
		} else {
			v.add(n.ID, field, "missing %s prompt (the flow starts in %s)", lang, lang)
		}
	}
}

// graph checks the start node, shortcuts, reachability and loops that wait
// for no input.
func (v *validator) graph() {
	f := v.f
	if f.Start != "" && v.ids[f.Start] == nil {
		v.add("", "start", "start is missing node %q", f.Start)
	}
	roots := []string{f.Start}
	for _, code := range sortedKeys(f.Shortcuts) {
		to := f.Shortcuts[code]
		if v.ids[to] == nil {
			v.add("", "shortcuts."+code, "shortcut to missing node %q", to)
			continue
		}
		roots = append(roots, to)
	}
	seen := map[string]bool{}
	var walk func(id string)
	walk = func(id string) {
		n := v.ids[id]
		if n == nil || seen[id] {
			return
		}
		seen[id] = true
		for _, e := range edges(n) {
			walk(e.to)
		}
	}
	for _, r := range roots {
		walk(r)
	}
	if v.ids[f.Start] != nil {
		for _, n := range f.Nodes {
			if n.ID != "" && v.ids[n.ID] == n && !seen[n.ID] {
				v.add(n.ID, "", "unreachable from start node %q (and from every shortcut)", f.Start)
			}
		}
	}
	v.spinLoops()
}

// spinLoops finds cycles made only of nodes that wait for no input or time
// (Tarjan's strongly connected components over those nodes).
func (v *validator) spinLoops() {
	index := map[string]int{}
	low := map[string]int{}
	onStack := map[string]bool{}
	var stack []string
	next := 0
	var strong func(id string)
	var loops [][]string
	strong = func(id string) {
		index[id], low[id] = next, next
		next++
		stack = append(stack, id)
		onStack[id] = true
		for _, e := range edges(v.ids[id]) {
			to := v.ids[e.to]
			if to == nil || waits(to) {
				continue
			}
			if _, ok := index[e.to]; !ok {
				strong(e.to)
				low[id] = min(low[id], low[e.to])
			} else if onStack[e.to] {
				low[id] = min(low[id], index[e.to])
			}
		}
		if low[id] != index[id] {
			return
		}
		var comp []string
		for {
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			onStack[top] = false
			comp = append(comp, top)
			if top == id {
				break
			}
		}
		selfLoop := false
		for _, e := range edges(v.ids[id]) {
			if e.to == id {
				selfLoop = true
			}
		}
		if len(comp) > 1 || selfLoop {
			sort.Strings(comp)
			loops = append(loops, comp)
		}
	}
	for _, n := range v.f.Nodes {
		if n.ID == "" || v.ids[n.ID] != n || waits(n) {
			continue
		}
		if _, ok := index[n.ID]; !ok {
			strong(n.ID)
		}
	}
	for _, comp := range loops {
		first := v.ids[comp[0]]
		field := ""
		for _, e := range edges(first) {
			if slices.Contains(comp, e.to) {
				field = e.field
				break
			}
		}
		v.add(comp[0], field, "loop through %s waits for no caller input or time (add a menu, collect or prompt)", quoteAll(comp))
	}
}

func quoteAll(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = strconv.Quote(id)
	}
	return strings.Join(q, ", ")
}
