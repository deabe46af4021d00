package ivrflows

import (
	"context"
	"strings"
	"testing"

	"github.com/ipcc/ipcc/clock"
	"github.com/ipcc/ipcc/controller"
)

// playedCall records every media value that reaches Play.
type playedCall struct {
	*SimCall
	media []controller.Media
}

func (c *playedCall) Play(ctx context.Context, o controller.PlayOptions) (string, error) {
	c.media = append(c.media, o.Media...)
	return c.SimCall.Play(ctx, o)
}

func (c *playedCall) PlayAndCollect(ctx context.Context, o controller.Collect) (string, error) {
	c.media = append(c.media, o.Prompt...)
	return c.SimCall.PlayAndCollect(ctx, o)
}

// Values from variables are checked again when a prompt is rendered: a
// file name that leaves the sound directory, a URL, a control character or
// an empty value never reaches the switch; the rest of the prompt plays
// and the trace says what was left out.
func TestRenderedMediaIsCheckedBeforeTheSwitch(t *testing.T) {
	f := mustFlow(t, `
id: m
start: p
language: en
nodes:
  - id: p
    type: play
    prompt:
      - {file: "ivr/${f}.wav"}
      - {file: "${g}"}
      - {tts: "Dear ${name}"}
      - {digits: "${d}"}
      - {number: "${n}"}
      - {file: "ivr/ok.wav"}
    next: ask
  - id: ask
    type: menu
    prompt: [{file: "${g}"}, {tts: "Press 1"}]
    options: {"1": bye}
    fallback: bye
  - {id: bye, type: hangup}
`)
	for _, tc := range []struct {
		name string
		vars map[string]any
		left []string // trace notes
	}{
		{"dot dot", map[string]any{"f": "../../../etc/shadow", "g": "/etc/passwd", "name": "Li", "d": "123", "n": "5"},
			[]string{`prompt file "ivr/../../../etc/shadow.wav" has a '..' part`, `prompt file "/etc/passwd" is an absolute path`}},
		{"control characters", map[string]any{"f": "x\r\nevent-lock: true", "g": "a\x00b", "name": "Li\r\nX: y", "d": "12\n3", "n": "5\r\n"},
			[]string{`prompt file "ivr/x\r\nevent-lock: true.wav" has a control character`, `prompt file "a\x00b" has a control character`,
				`digits "12\n3" is not 1-64 digits 0-9`, `number "5\r\n" is not a number`}},
		{"URL", map[string]any{"f": "ok", "g": "http://169.254.169.254/latest/meta-data", "name": "Li", "d": "1", "n": "1"},
			[]string{`prompt file "http://169.254.169.254/latest/meta-data" is a URL`}},
		{"empty variables", map[string]any{"f": "ok", "g": "ivr/x.wav", "name": "Li"},
			[]string{`digits "" is not 1-64 digits`, `number "" is not a number`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := clock.NewFake(t0)
			call := &playedCall{SimCall: NewSimCall("c", "1", "2", clk, []string{"1"})}
			r := New(Options{Clock: clk, Vars: tc.vars}).Run(context.Background(), call, f, 1)
			if r.Outcome.Kind != OutcomeHangup {
				t.Fatalf("outcome %+v", r.Outcome)
			}
			var files []string
			for _, m := range call.media {
				if hasControl(m.Value) || m.Value == "" {
					t.Errorf("%q reached the switch", m.Value)
				}
				if m.Kind == controller.MediaFile {
					if err := checkPromptFile(m.Value); err != nil {
						t.Errorf("file %q reached the switch: %v", m.Value, err)
					}
					files = append(files, m.Value)
				}
			}
			if !strings.Contains(strings.Join(files, " "), "ivr/ok.wav") {
				t.Errorf("the rest of the prompt did not play: %q", files)
			}
			trace := linesOfCall(call.Lines(), "flow")
			for _, want := range tc.left {
				if !strings.Contains(trace, want) {
					t.Errorf("trace does not say %s:\n%s", want, trace)
				}
			}
		})
	}
}

func linesOfCall(lines []SimLine, kind string) string {
	var out []string
	for _, l := range lines {
		if l.Kind == kind {
			out = append(out, l.Detail)
		}
	}
	return strings.Join(out, "\n")
}

// Text to speak keeps its words but not its line breaks.
func TestTTSControlCharactersBecomeSpaces(t *testing.T) {
	f := mustFlow(t, "id: t\nstart: p\nlanguage: en\nnodes:\n  - {id: p, type: play, prompt: [{tts: \"Dear ${name}, hello\"}], next: bye}\n  - {id: bye, type: hangup}\n")
	clk := clock.NewFake(t0)
	call := &playedCall{SimCall: NewSimCall("c", "1", "2", clk, nil)}
	New(Options{Clock: clk, Vars: map[string]any{"name": "Li\r\nLei\x00"}}).Run(context.Background(), call, f, 1)
	if len(call.media) != 1 || call.media[0].Value != "Dear Li  Lei , hello" {
		t.Fatalf("media %q", call.media)
	}
}

// A transfer target from a variable with a control character never
// reaches the wiring (it would go into a dial string).
func TestTransferTargetWithControlCharacter(t *testing.T) {
	f := mustFlow(t, "id: t\nstart: x\nnodes:\n  - {id: x, type: transfer, kind: extension, target: \"${ext}\"}\n")
	r := dry(t, f, "", DryRunOptions{Vars: map[string]any{"ext": "1001\r\nevent-lock: true"}})
	if o := r.Result.Outcome; o.Kind != OutcomeError || o.Transfer != nil || !strings.Contains(o.Reason, "control character") {
		t.Fatalf("outcome %+v", o)
	}
}

// A template repeating a large variable is refused before it is made.
func TestTemplateRenderIsBounded(t *testing.T) {
	big := strings.Repeat("x", 60000)
	if _, err := render("${a}${a}", map[string]any{"a": big}, nil); err == nil {
		t.Fatal("rendered 120000 bytes")
	}
	if got, err := render("a${b}c", map[string]any{"b": "-"}, nil); err != nil || got != "a-c" {
		t.Fatalf("%q %v", got, err)
	}
}
