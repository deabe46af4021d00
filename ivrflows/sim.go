package ivrflows

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ipcc/ipcc/clock"
	"github.com/ipcc/ipcc/controller"
)

// SimLine is one thing that happened on a simulated call.
type SimLine struct {
	// At is the time since the call started; AtMS the same in
	// milliseconds, as the API shows it.
	At     time.Duration `json:"-"`
	AtMS   int64         `json:"at_ms"`
	Kind   string        `json:"kind"`
	Detail string        `json:"detail"`
	// Prompt is the library prompt a play line played, if it was one.
	Prompt *SimPrompt `json:"prompt,omitempty"`
}

// SimPrompt is a library prompt as a dry run played it: a TTS prompt's
// text in the language chosen, or an uploaded prompt's file.
type SimPrompt struct {
	// Library is the prompt's name in the tenant's prompts library.
	Library string `json:"library"`
	// Kind is tts or file.
	Kind string `json:"kind"`
	Lang string `json:"lang,omitempty"`
	// Text is a TTS prompt's text; File an uploaded prompt's file name.
	Text string `json:"text,omitempty"`
	File string `json:"file,omitempty"`
	// AudioURL plays the prompt through the API (set by the API's
	// simulate, with the language for a TTS prompt).
	AudioURL string `json:"audio_url,omitempty"`
}

// String renders the line as the dry run prints it.
func (l SimLine) String() string {
	return fmt.Sprintf("%6.1fs  %-8s %s", l.At.Seconds(), l.Kind, l.Detail)
}

// SimCall is a call with no switch behind it, for dry runs and tests. The
// caller's digits are given as groups: each group is what the caller types
// at the next menu, collect, survey or voicemail, in order; the group "h"
// hangs up there instead. With no groups left the caller stays silent, so
// inputs time out. Prompts take PromptTime each on the fake clock.
type SimCall struct {
	id, ani, dnis string
	clk           *clock.Fake
	start         time.Time
	// PromptTime is how long each played item lasts (default 2s).
	PromptTime time.Duration

	mu     sync.Mutex
	groups []string
	lines  []SimLine
	done   chan struct{}
	gone   bool
	vars   map[string]string
}

// ParseDTMF splits "1,2#,h" into digit groups, checking each digit.
func ParseDTMF(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var out []string
	for i, g := range strings.Split(s, ",") {
		g = strings.TrimSpace(g)
		if g == "h" {
			out = append(out, g)
			continue
		}
		for _, d := range g {
			if !strings.ContainsRune("0123456789*#ABCD", d) {
				return nil, fmt.Errorf("dtmf group %d %q: %q is not a DTMF digit (use 0-9, *, #, A-D, or h to hang up)", i+1, g, d)
			}
		}
		out = append(out, g)
	}
	return out, nil
}

// NewSimCall returns a simulated call from caller to did on clk.
func NewSimCall(id, caller, did string, clk *clock.Fake, groups []string) *SimCall {
	return &SimCall{id: id, ani: caller, dnis: did, clk: clk, start: clk.Now(), PromptTime: 2 * time.Second,
		groups: append([]string(nil), groups...), done: make(chan struct{}), vars: map[string]string{}}
}

// ID is the call id.
func (s *SimCall) ID() string { return s.id }

// ANI is the caller number.
func (s *SimCall) ANI() string { return s.ani }

// DNIS is the dialed number.
func (s *SimCall) DNIS() string { return s.dnis }

// Done closes when the call hung up.
func (s *SimCall) Done() <-chan struct{} { return s.done }

// Lines returns what happened so far.
func (s *SimCall) Lines() []SimLine {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SimLine(nil), s.lines...)
}

// Vars returns the channel variables set by the flow.
func (s *SimCall) Vars() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.vars))
	for k, v := range s.vars {
		out[k] = v
	}
	return out
}

// MaxSimLines bounds what a simulated call keeps: a flow looping through
// inputs that time out runs its whole visit limit at once in a simulation.
const MaxSimLines = 20000

func (s *SimCall) line(kind, format string, args ...any) { s.lineP(nil, kind, format, args...) }

// lineP records a line with the library prompt it played (nil: none).
func (s *SimCall) lineP(p *SimPrompt, kind, format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch n := len(s.lines); {
	case n > MaxSimLines:
		return
	case n == MaxSimLines:
		kind, format, args, p = "trace", "more than %d lines: the rest is not kept", []any{MaxSimLines}, nil
	}
	at := s.clk.Now().Sub(s.start)
	s.lines = append(s.lines, SimLine{At: at, AtMS: at.Milliseconds(), Kind: kind, Detail: fmt.Sprintf(format, args...), Prompt: p})
}

// Note records a trace line.
func (s *SimCall) Note(kind, detail string) { s.line(kind, "%s", detail) }

func (s *SimCall) alive() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gone {
		return fmt.Errorf("sim call %s: %w", s.id, controller.ErrHungUp)
	}
	return nil
}

func (s *SimCall) hangup(by string) {
	s.mu.Lock()
	if !s.gone {
		s.gone = true
		close(s.done)
	}
	s.mu.Unlock()
	s.line("hangup", "%s", by)
}

// Answer answers the call.
func (s *SimCall) Answer(ctx context.Context) error {
	if err := s.alive(); err != nil {
		return err
	}
	s.line("answer", "")
	return ctx.Err()
}

// DescribeMedia renders media for people: file names, TTS text, numbers;
// a library prompt says its name first.
func DescribeMedia(m controller.Media) string {
	if m.Library != "" {
		lm := m
		lm.Library = ""
		return fmt.Sprintf("library %q: %s", m.Library, DescribeMedia(lm))
	}
	switch m.Kind {
	case controller.MediaFile:
		return "file " + m.Value
	case controller.MediaTTS:
		return fmt.Sprintf("tts(%s) %q", m.Lang, m.Value)
	case controller.MediaNumber:
		return fmt.Sprintf("number(%s) %s", m.Lang, m.Value)
	case controller.MediaDigits:
		return fmt.Sprintf("digits(%s) %s", m.Lang, m.Value)
	case controller.MediaTone:
		return "tone " + m.Value
	case controller.MediaSilence:
		return "silence " + m.Value + "ms"
	}
	return "media " + m.Value
}

func (s *SimCall) playAll(media []controller.Media) {
	for _, m := range media {
		var p *SimPrompt
		if m.Library != "" {
			p = &SimPrompt{Library: m.Library, Lang: m.Lang}
			if m.Kind == controller.MediaTTS {
				p.Kind, p.Text = "tts", m.Value
			} else {
				p.Kind, p.File = "file", path.Base(m.Value)
			}
		}
		s.lineP(p, "play", "%s", DescribeMedia(m))
		d := s.PromptTime
		if m.Kind == controller.MediaSilence {
			ms, _ := strconv.Atoi(m.Value)
			d = time.Duration(ms) * time.Millisecond
		}
		s.clk.Advance(d)
	}
}

// Play plays media; the simulated caller never interrupts a prompt.
func (s *SimCall) Play(ctx context.Context, o controller.PlayOptions) (string, error) {
	if err := s.alive(); err != nil {
		return "", err
	}
	if len(o.Media) == 0 {
		return "", fmt.Errorf("sim play: %w: no media", controller.ErrInvalidArgument)
	}
	s.playAll(o.Media)
	return "", ctx.Err()
}

func (s *SimCall) nextGroup() (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.groups) == 0 {
		return "", false
	}
	g := s.groups[0]
	s.groups = s.groups[1:]
	return g, true
}

// PlayAndCollect plays the prompt and gathers the next digit group with the
// rules of controller.Collect; leftover digits of the group are dropped.
func (s *SimCall) PlayAndCollect(ctx context.Context, o controller.Collect) (string, error) {
	if err := s.alive(); err != nil {
		return "", err
	}
	min, max, term, reset := o.Min, o.Max, o.Terminator, o.Reset
	if min == 0 {
		min = 1
	}
	if max == 0 {
		max = 64
	}
	if term == 0 {
		term = '#'
	}
	if reset == 0 {
		reset = '*'
	}
	first, inter := o.FirstDigitTimeout, o.InterDigitTimeout
	if first == 0 {
		first = 5 * time.Second
	}
	if inter == 0 {
		inter = 3 * time.Second
	}
	s.playAll(o.Prompt)
	if err := ctx.Err(); err != nil {
		return "", err
	}
	g, ok := s.nextGroup()
	if g == "h" {
		s.hangup("caller hung up")
		return "", fmt.Errorf("sim collect: %w", controller.ErrHungUp)
	}
	if !ok || g == "" {
		s.clk.Advance(first)
		s.line("collect", "no input, timeout after %s", first)
		return "", fmt.Errorf("sim collect: %w", controller.ErrCollectTimeout)
	}
	s.line("dtmf", "%s", g)
	digits := ""
	for _, d := range g {
		switch {
		case d == term:
			if len(digits) < min {
				s.line("collect", "terminator after %q, too short", digits)
				return digits, fmt.Errorf("sim collect: %w", controller.ErrCollectTooShort)
			}
			s.line("collect", "got %q", digits)
			return digits, nil
		case d == reset:
			digits = ""
		default:
			digits += string(d)
			if len(digits) >= max {
				s.line("collect", "got %q", digits)
				return digits, nil
			}
			if o.Complete != nil && len(digits) >= min && o.Complete(digits) {
				s.line("collect", "got %q", digits)
				return digits, nil
			}
		}
	}
	if digits != "" && len(digits) >= min {
		s.clk.Advance(inter)
		s.line("collect", "got %q after the inter-digit timeout", digits)
		return digits, nil
	}
	s.clk.Advance(inter)
	s.line("collect", "timeout with %q", digits)
	return digits, fmt.Errorf("sim collect: %w", controller.ErrCollectTimeout)
}

// Record starts a simulated recording.
func (s *SimCall) Record(ctx context.Context, o controller.RecordOptions) (string, error) {
	if err := s.alive(); err != nil {
		return "", err
	}
	if o.Path == "" {
		return "", fmt.Errorf("sim record: %w: empty path", controller.ErrInvalidArgument)
	}
	beep := ""
	if o.Beep {
		beep = " after a beep"
	}
	s.line("record", "start %s (max %s)%s", o.Path, o.MaxDuration, beep)
	return "rec-" + s.id, ctx.Err()
}

// StopRecord stops the recording.
func (s *SimCall) StopRecord(ctx context.Context, id string) error {
	if err := s.alive(); err != nil {
		return err
	}
	s.line("record", "stop %s", id)
	return nil
}

// Hangup hangs up the call.
func (s *SimCall) Hangup(ctx context.Context, cause controller.Cause) error {
	if err := s.alive(); err != nil {
		return err
	}
	s.hangup("by flow, " + string(cause))
	return nil
}

// SetVar sets a channel variable.
func (s *SimCall) SetVar(ctx context.Context, name, value string) error {
	if err := s.alive(); err != nil {
		return err
	}
	s.mu.Lock()
	s.vars[name] = value
	s.mu.Unlock()
	return nil
}

// DryRunOptions describe a dry run.
type DryRunOptions struct {
	Tenant string
	Caller string
	DID    string
	// DTMF is what the caller types, e.g. "1,2#" (see SimCall).
	DTMF string
	// At is when the call starts (default now).
	At time.Time
	// Version is reported in the result.
	Version int
	// Schedules, SMS, Flows, HTTP and Logger are passed to the
	// interpreter; nil Schedules take every schedule node's closed branch,
	// nil HTTP is the default egress policy's client.
	Schedules Schedules
	SMS       SMS
	Flows     FlowSource
	// Library resolves prompt items naming the tenant's prompts library
	// (nil: they are left out and the trace says so).
	Library Library
	HTTP    *http.Client
	Logger  *slog.Logger
	// Vars are set before the flow's own.
	Vars map[string]any
}

// DryRunResult is what a dry run did.
type DryRunResult struct {
	Result *Result    `json:"result"`
	Lines  []SimLine  `json:"lines"`
	Stored *MemoryLog `json:"stored"`
}

// DryRun runs f on a simulated call with a fake clock: no switch, digits
// fed in order. Voicemail messages and survey ratings go to an in-memory
// log returned with the result.
func DryRun(ctx context.Context, f *Flow, o DryRunOptions) (*DryRunResult, error) {
	groups, err := ParseDTMF(o.DTMF)
	if err != nil {
		return nil, fmt.Errorf("ivrflows: dry run: %w", err)
	}
	if errs := Validate(f); errs != nil {
		return nil, errs
	}
	at := o.At
	if at.IsZero() {
		at = time.Now()
	}
	clk := clock.NewFake(at)
	call := NewSimCall("sim-call", o.Caller, o.DID, clk, groups)
	mem := &MemoryLog{}
	in := New(Options{Tenant: o.Tenant, Clock: clk, Schedules: o.Schedules, Voicemail: mem, Surveys: mem,
		SMS: o.SMS, Flows: o.Flows, Library: o.Library, HTTP: o.HTTP, Logger: o.Logger, Vars: o.Vars})
	res := in.Run(ctx, call, f, o.Version)
	return &DryRunResult{Result: res, Lines: call.Lines(), Stored: mem}, nil
}

// MemoryLog keeps voicemail messages, survey ratings and text messages in
// memory (dry runs and tests).
type MemoryLog struct {
	mu         sync.Mutex
	Voicemails []VoicemailMessage `json:"voicemails,omitempty"`
	Surveys    []SurveyResult     `json:"surveys,omitempty"`
	Texts      []string           `json:"texts,omitempty"`
	// Fail makes every save fail with this error.
	Fail error `json:"-"`
}

// SaveVoicemail keeps m.
func (m *MemoryLog) SaveVoicemail(_ context.Context, v VoicemailMessage) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Fail != nil {
		return m.Fail
	}
	m.Voicemails = append(m.Voicemails, v)
	return nil
}

// SaveSurvey keeps r.
func (m *MemoryLog) SaveSurvey(_ context.Context, r SurveyResult) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Fail != nil {
		return m.Fail
	}
	m.Surveys = append(m.Surveys, r)
	return nil
}

// SendSMS keeps the text as "to: text".
func (m *MemoryLog) SendSMS(_ context.Context, _, to, text string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Fail != nil {
		return m.Fail
	}
	m.Texts = append(m.Texts, to+": "+text)
	return nil
}

// StaticSchedules answers every schedule id from a fixed map (dry runs and
// tests); the key "*" answers ids not in the map, else they are an error.
type StaticSchedules map[string]string

// Evaluate returns the branch set for id.
func (s StaticSchedules) Evaluate(_ context.Context, _ string, id string, _ time.Time) (string, error) {
	b, ok := s[id]
	if !ok {
		b, ok = s["*"]
	}
	if !ok {
		return "", errors.New("schedule " + strconv.Quote(id) + " is not defined in this simulation")
	}
	return b, nil
}

// DirFlows loads flows from files named <id>.yaml, <id>.yml or <id>.json
// in Dir (dry runs of a directory of flows); every flow is "version 0".
type DirFlows struct{ Dir string }

// Published reads and validates the flow file for id.
func (d DirFlows) Published(_ context.Context, _ string, id string) (*Flow, int, error) {
	if safeName(id) != id {
		return nil, 0, fmt.Errorf("ivrflows: bad flow id %q", id)
	}
	for _, ext := range []string{".yaml", ".yml", ".json"} {
		b, err := os.ReadFile(filepath.Join(d.Dir, id+ext))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, 0, fmt.Errorf("ivrflows: read flow %q: %w", id, err)
		}
		f, err := Parse(b)
		if err != nil {
			return nil, 0, fmt.Errorf("flow %q: %w", id, err)
		}
		if errs := Validate(f); errs != nil {
			return nil, 0, fmt.Errorf("flow %q: %w", id, errs)
		}
		return f, 0, nil
	}
	return nil, 0, fmt.Errorf("ivrflows: no file for flow %q in %s", id, d.Dir)
}
