package ivrflows

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"strconv"
	"time"

	"github.com/expr-lang/expr/vm"

	"github.com/ipcc/ipcc/clock"
	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/egress"
)

// Call is what a flow needs of a call. *controller.Call satisfies it; the
// dry run uses SimCall.
type Call interface {
	ID() string
	ANI() string
	DNIS() string
	Answer(ctx context.Context) error
	Play(ctx context.Context, o controller.PlayOptions) (digit string, err error)
	PlayAndCollect(ctx context.Context, o controller.Collect) (string, error)
	Record(ctx context.Context, o controller.RecordOptions) (string, error)
	StopRecord(ctx context.Context, id string) error
	Hangup(ctx context.Context, cause controller.Cause) error
	SetVar(ctx context.Context, name, value string) error
	Done() <-chan struct{}
	Note(kind, detail string)
}

// Schedules tells which branch of a business-hours schedule applies at t:
// "open", "lunch", "holiday" or "closed".
type Schedules interface {
	Evaluate(ctx context.Context, tenant, scheduleID string, t time.Time) (branch string, err error)
}

// VoicemailMessage is one recorded message.
type VoicemailMessage struct {
	Tenant  string `json:"tenant"`
	Mailbox string `json:"mailbox"`
	CallID  string `json:"call_id"`
	Caller  string `json:"caller"`
	Path    string `json:"path"`
	// Duration is the message's length; DurationMS the same in
	// milliseconds, as the API shows it (a dry run's stored messages).
	Duration   time.Duration `json:"-"`
	DurationMS int64         `json:"duration_ms"`
	Created    time.Time     `json:"created"`
}

// Voicemail stores recorded messages.
type Voicemail interface {
	SaveVoicemail(ctx context.Context, m VoicemailMessage) error
}

// SurveyResult is one satisfaction rating; Score is the key pressed.
type SurveyResult struct {
	Tenant  string    `json:"tenant"`
	CallID  string    `json:"call_id"`
	AgentID string    `json:"agent_id"`
	Queue   string    `json:"queue"`
	Score   int       `json:"score"`
	Created time.Time `json:"created"`
}

// Surveys stores satisfaction ratings.
type Surveys interface {
	SaveSurvey(ctx context.Context, r SurveyResult) error
}

// SMS sends a text message.
type SMS interface {
	SendSMS(ctx context.Context, tenant, to, text string) error
}

// FlowSource loads the published version of a flow, for transfers to
// another flow.
type FlowSource interface {
	Published(ctx context.Context, tenant, flowID string) (*Flow, int, error)
}

// Library resolves a prompt of the tenant's prompts library into what to
// play in a language: an uploaded file (as the switch sees its path) or a
// TTS text.
type Library interface {
	LibraryMedia(ctx context.Context, tenant, name, lang string) (controller.Media, error)
}

// Options wire an Interpreter. Everything but Clock is optional: a node
// whose service is missing takes its error path (or ends the flow with an
// Outcome the wiring acts on) and says so in the trace.
type Options struct {
	Tenant    string
	Clock     clock.Clock
	Schedules Schedules
	Voicemail Voicemail
	Surveys   Surveys
	SMS       SMS
	// Flows lets a transfer node of kind "flow" run the other flow here;
	// without it the transfer ends the run with an Outcome.
	Flows FlowSource
	// HTTP is the client of http nodes. It must go through the platform's
	// egress policy (egress.Policy.Client); the default is the default
	// policy's client (public addresses only, no redirects).
	HTTP *http.Client
	// Logger receives what users are not told (why an http request got no
	// answer); default slog.Default().
	Logger *slog.Logger
	// RecordingDir is where the switch writes voicemail recordings
	// (default /var/lib/ipcc/voicemail).
	RecordingDir string
	// Library plays prompt items naming the prompts library; without it
	// such items are left out (the trace says why).
	Library Library
	// Vars are variables set before the flow's own (e.g. agent_id and
	// queue for a post-call survey).
	Vars map[string]any
}

// Interpreter runs flows on calls. It is safe for concurrent use: each Run
// keeps its state to itself.
type Interpreter struct {
	opt Options
	log *slog.Logger
}

// New returns an interpreter.
func New(opt Options) *Interpreter {
	if opt.Clock == nil {
		opt.Clock = clock.Real()
	}
	if opt.HTTP == nil {
		opt.HTTP = defaultHTTP
	}
	if opt.RecordingDir == "" {
		opt.RecordingDir = "/var/lib/ipcc/voicemail"
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	return &Interpreter{opt: opt, log: opt.Logger.With("component", "flow")}
}

// defaultHTTP is the http nodes' client when the wiring gives none: the
// default egress policy (no loopback, private or metadata addresses).
var defaultHTTP = egress.Default().Client(0)

// OutcomeKind says how a run ended.
type OutcomeKind string

// Outcome kinds.
const (
	// OutcomeHangup: a hangup node hung up the call.
	OutcomeHangup OutcomeKind = "hangup"
	// OutcomeCallerHangup: the caller hung up (or the call left ipcc).
	OutcomeCallerHangup OutcomeKind = "caller_hangup"
	// OutcomeTransfer: the wiring must transfer the call (Outcome.Transfer).
	OutcomeTransfer OutcomeKind = "transfer"
	// OutcomeVoicemail: the wiring must take a message for Outcome.Mailbox
	// (no Voicemail store was configured), or, with Recorded set, a message
	// was taken and the flow had nothing after it.
	OutcomeVoicemail OutcomeKind = "voicemail"
	// OutcomeLimit: the time or visit limit, or the budget of the call's
	// expressions, ended the flow; the call was hung up.
	OutcomeLimit OutcomeKind = "limit"
	// OutcomeError: the flow could not go on (missing node, switch error,
	// cancelled); the call was hung up if still up.
	OutcomeError OutcomeKind = "error"
)

// Transfer says where a transfer node sends the call.
type Transfer struct {
	Kind   string `json:"kind"` // queue, agent, extension, external, flow
	Target string `json:"target"`
}

// Note is a message as a code with its parameters, for a console to say
// in its own language (docs/flows.md, "Notes"); the English text beside it
// (an outcome's Reason, a visit's Detail) is what `ipcc flow run` prints.
type Note struct {
	Code   string            `json:"code"`
	Params map[string]string `json:"params,omitempty"`
}

// note makes a Note of a code and key, value pairs.
func note(code string, kv ...string) *Note {
	n := &Note{Code: code}
	if len(kv) > 0 {
		n.Params = make(map[string]string, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			n.Params[kv[i]] = kv[i+1]
		}
	}
	return n
}

// Outcome is how a run ended and what the wiring should do next.
type Outcome struct {
	Kind     OutcomeKind `json:"kind"`
	Node     string      `json:"node,omitempty"` // node that ended the run
	Transfer *Transfer   `json:"transfer,omitempty"`
	Mailbox  string      `json:"mailbox,omitempty"`
	Recorded bool        `json:"recorded,omitempty"`
	Cause    string      `json:"cause,omitempty"`
	Reason   string      `json:"reason,omitempty"`
	// ReasonNote is Reason as a code and parameters.
	ReasonNote *Note `json:"reason_note,omitempty"`
	// HungUp: the interpreter hung the call up itself.
	HungUp bool `json:"hung_up,omitempty"`
}

// Visit is one node visit of a run.
type Visit struct {
	At      time.Time `json:"at"`
	Flow    string    `json:"flow"`
	Node    string    `json:"node"`
	Type    string    `json:"type"`
	Outcome string    `json:"outcome"`      // edge taken, e.g. "next", "options.2", "error"
	To      string    `json:"to,omitempty"` // next node
	Detail  string    `json:"detail,omitempty"`
	// DetailNote is Detail as a code and parameters (none for a detail
	// that is the flow's own text: assignments, a condition, a cause).
	DetailNote *Note `json:"detail_note,omitempty"`
}

// Result is the record of one run.
type Result struct {
	FlowID   string         `json:"flow_id"`
	Version  int            `json:"version"`
	Started  time.Time      `json:"started"`
	Ended    time.Time      `json:"ended"`
	Outcome  Outcome        `json:"outcome"`
	Visits   []Visit        `json:"visits"`
	Vars     map[string]any `json:"vars"`
	Language string         `json:"language"`
}

// maxVisitDetail bounds the detail of one visit (a set node's assignments,
// an http node's variables): a run keeps every visit.
const maxVisitDetail = 1000

var (
	errTimeLimit   = errors.New("flow time limit reached")
	errCallerGone  = errors.New("caller hung up")
	maxFlowHops    = 8 // transfers between flows with no input in between
	defaultRetries = 3
)

// run is the state of one Run.
type run struct {
	in      *Interpreter
	call    Call
	flow    *Flow
	version int
	ctx     context.Context
	lang    string
	vars    map[string]any
	pending string // digit that interrupted a play, for the next input node
	node    string // node being run, for trace lines
	progs   map[string]*vm.Program
	budget  *budget        // of the run's expressions
	sizes   map[string]int // of each variable, see setVar
	total   int            // of all variables
	res     *Result
	hops    int
}

// step is what executing one node decided.
type step struct {
	edge   string // outcome name for the trace
	to     string // next node ("" with end set)
	detail string
	note   *Note // detail as a code and parameters
	end    *Outcome
}

// Run executes flow f (published as version) on call until it ends, and
// returns the record of the run. It answers the call first. It never
// panics on a flow and always returns: limits, the caller hanging up and
// ctx bound it.
func (in *Interpreter) Run(ctx context.Context, call Call, f *Flow, version int) *Result {
	clk := in.opt.Clock
	res := &Result{FlowID: f.ID, Version: version, Started: clk.Now(), Visits: []Visit{}}
	rctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	limit := clk.AfterFunc(f.maxDuration(), func() { cancel(errTimeLimit) })
	defer limit.Stop()
	go func() {
		select {
		case <-call.Done():
			cancel(errCallerGone)
		case <-rctx.Done():
		}
	}()
	r := &run{in: in, call: call, flow: f, version: version, ctx: rctx, lang: f.startLanguage(), progs: map[string]*vm.Program{}, res: res,
		budget: newBudget(), sizes: map[string]int{}}
	r.vars = map[string]any{}
	initial := map[string]any{}
	maps.Copy(initial, in.opt.Vars)
	for k, v := range f.Variables {
		initial[k] = v
	}
	initial["caller"], initial["did"], initial["call_id"] = call.ANI(), call.DNIS(), call.ID()
	initial["language"], initial["flow_id"] = r.lang, f.ID
	for _, k := range sortedKeys(initial) {
		if err := r.setVar(k, initial[k]); err != nil {
			call.Note("flow", "variable not set: "+err.Error())
		}
	}
	call.Note("flow", fmt.Sprintf("start flow %q version %d language %s", f.ID, version, r.lang))

	out := r.loop()
	// A flow cut short because ctx ended (the controller is stopping: a
	// lease lost, a handover) leaves the call up for the controller that
	// re-adopts it; any other error or limit ends the call.
	if (out.Kind == OutcomeLimit || out.Kind == OutcomeError) && ctx.Err() == nil {
		select {
		case <-call.Done():
		default:
			hctx, hcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			if err := call.Hangup(hctx, controller.CauseNormalClearing); err == nil {
				out.HungUp = true
			}
			hcancel()
		}
	}
	res.Outcome = out
	res.Ended = clk.Now()
	res.Vars = r.vars
	res.Language = r.lang
	call.Note("flow", fmt.Sprintf("end flow %q: %s", r.flow.ID, describeOutcome(out)))
	return res
}

func describeOutcome(o Outcome) string {
	s := string(o.Kind)
	if o.Node != "" {
		s += " at node " + strconv.Quote(o.Node)
	}
	if o.Transfer != nil {
		s += fmt.Sprintf(" to %s %q", o.Transfer.Kind, o.Transfer.Target)
	}
	if o.Mailbox != "" {
		s += " mailbox " + strconv.Quote(o.Mailbox)
	}
	if o.Reason != "" {
		s += " (" + o.Reason + ")"
	}
	return s
}

func (r *run) loop() Outcome {
	if err := r.call.Answer(r.ctx); err != nil {
		return r.failed("", err)
	}
	cur := r.flow.Start
	visits := 0
	for {
		if err := r.ctx.Err(); err != nil {
			return r.failed(cur, err)
		}
		visits++
		if visits > r.flow.maxVisits() {
			return Outcome{Kind: OutcomeLimit, Node: cur, Reason: fmt.Sprintf("more than %d node visits", r.flow.maxVisits()),
				ReasonNote: note("too_many_visits", "max", strconv.Itoa(r.flow.maxVisits()))}
		}
		n := r.flow.Node(cur)
		if n == nil {
			return Outcome{Kind: OutcomeError, Node: cur, Reason: fmt.Sprintf("flow %q has no node %q", r.flow.ID, cur),
				ReasonNote: note("no_node", "flow", r.flow.ID, "node", cur)}
		}
		at := r.in.opt.Clock.Now()
		r.node = n.ID
		st := r.exec(n)
		st.detail = truncate(st.detail, maxVisitDetail)
		if st.end == nil && st.to == "" {
			st.end = &Outcome{Kind: OutcomeError, Node: n.ID, Reason: fmt.Sprintf("node %q (%s) has no %s edge", n.ID, n.Type, st.edge),
				ReasonNote: note("no_edge", "node", n.ID, "type", n.Type, "edge", st.edge)}
		}
		v := Visit{At: at, Flow: r.flow.ID, Node: n.ID, Type: n.Type, Outcome: st.edge, To: st.to, Detail: st.detail, DetailNote: st.note}
		r.res.Visits = append(r.res.Visits, v)
		line := fmt.Sprintf("node %q (%s) -> %s", n.ID, n.Type, st.edge)
		if st.to != "" {
			line += fmt.Sprintf(" -> %q", st.to)
		}
		if st.detail != "" {
			line += ": " + st.detail
		}
		r.call.Note("flow", line)
		if st.end != nil {
			if st.end.Node == "" {
				st.end.Node = n.ID
			}
			return *st.end
		}
		if waits(n) {
			// Flow-to-flow transfers are bounded between inputs only, so a
			// caller may go back and forth between flows as often as they like.
			r.hops = 0
		}
		cur = st.to
	}
}

// failed turns an error from the call (or the run context) into an Outcome.
func (r *run) failed(node string, err error) Outcome {
	cause := context.Cause(r.ctx)
	switch {
	case errors.Is(cause, errTimeLimit):
		return Outcome{Kind: OutcomeLimit, Node: node, Reason: fmt.Sprintf("flow time limit %s reached", r.flow.maxDuration()),
			ReasonNote: note("time_limit", "limit", r.flow.maxDuration().String())}
	case errors.Is(cause, errCallerGone), errors.Is(err, controller.ErrHungUp), errors.Is(err, controller.ErrTransferred):
		return Outcome{Kind: OutcomeCallerHangup, Node: node}
	}
	return Outcome{Kind: OutcomeError, Node: node, Reason: truncate(err.Error(), 300), ReasonNote: note("failed", "error", truncate(err.Error(), 300))}
}

// fatal reports whether err from a call method must end the run (caller
// gone, time limit, cancelled) rather than be handled by the node.
func (r *run) fatal(err error) bool {
	if err == nil {
		return false
	}
	// A service's own timeout (an SMS gateway, a schedule lookup) is the
	// node's failure, not the run's: only the run context and the call
	// going away end the run.
	return r.ctx.Err() != nil || errors.Is(err, controller.ErrHungUp) || errors.Is(err, controller.ErrTransferred)
}

func (r *run) end(node string, err error) step {
	o := r.failed(node, err)
	return step{edge: "end", end: &o, detail: string(o.Kind)}
}

func (r *run) exec(n *Node) step {
	switch n.Type {
	case TypePlay:
		return r.play(n)
	case TypeMenu:
		return r.menu(n)
	case TypeCollect:
		return r.collect(n)
	case TypeSet:
		return r.set(n)
	case TypeBranch:
		return r.branch(n)
	case TypeSchedule:
		return r.schedule(n)
	case TypeHTTP:
		return r.http(n)
	case TypeTransfer:
		return r.transfer(n)
	case TypeVoicemail:
		return r.voicemail(n)
	case TypeSurvey:
		return r.survey(n)
	case TypeLanguage:
		r.lang = n.Language
		r.vars["language"] = n.Language
		if err := r.call.SetVar(r.ctx, "ipcc_language", n.Language); err != nil && r.fatal(err) {
			return r.end(n.ID, err)
		}
		return step{edge: "next", to: n.Next, detail: "language " + n.Language}
	case TypeSMS:
		return r.sms(n)
	case TypeGoto:
		return step{edge: "next", to: n.Next}
	case TypeHangup:
		if len(n.Prompt) > 0 {
			if _, err := r.playPrompt(n.Prompt, false); r.fatal(err) {
				return r.end(n.ID, err)
			}
		}
		cause := controller.Cause(n.Cause)
		if cause == "" {
			cause = controller.CauseNormalClearing
		}
		err := r.call.Hangup(r.ctx, cause)
		o := Outcome{Kind: OutcomeHangup, Cause: string(cause), HungUp: err == nil}
		if err != nil {
			o.Reason = truncate(err.Error(), 200)
			o.ReasonNote = note("hangup_failed", "error", o.Reason)
		}
		return step{edge: "hangup", end: &o, detail: string(cause)}
	}
	o := Outcome{Kind: OutcomeError, Reason: fmt.Sprintf("unknown node type %q", n.Type), ReasonNote: note("unknown_type", "type", n.Type)}
	return step{edge: "error", end: &o}
}

// setVar stores a variable, keeping each value and all of them together
// within their sizes (maxVarBytes, maxVarsBytes): values are kept for the
// whole call and shown in traces and simulations.
func (r *run) setVar(name string, v any) error {
	n, ok := sizeOf(v, maxVarBytes)
	if !ok {
		return fmt.Errorf("value of %s is larger than %d bytes", name, maxVarBytes)
	}
	if r.total-r.sizes[name]+n > maxVarsBytes {
		return fmt.Errorf("value of %s: the call's variables would hold more than %d bytes", name, maxVarsBytes)
	}
	r.total += n - r.sizes[name]
	r.sizes[name] = n
	r.vars[name] = v
	return nil
}

// program compiles (once per run) an expression.
func (r *run) program(src string, asBool bool) (*vm.Program, error) {
	key := strconv.FormatBool(asBool) + src
	if p, ok := r.progs[key]; ok {
		return p, nil
	}
	p, err := compileExpr(src, asBool, r.budget)
	if err != nil {
		return nil, err
	}
	r.progs[key] = p
	return p, nil
}
