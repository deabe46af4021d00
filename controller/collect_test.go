package controller

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/tts"
)

type collectResult struct {
	digits string
	err    error
}

// collectStep is one thing the caller (or time) does during a collect.
type collectStep struct {
	op  string // "digit", "finish", "advance", "hangup", "stopped"
	arg string
	d   time.Duration
}

func digit(d string) collectStep          { return collectStep{op: "digit", arg: d} }
func advance(d time.Duration) collectStep { return collectStep{op: "advance", d: d} }

// armed asserts the only armed timer has d left (0: no timer armed).
func armed(d time.Duration) collectStep { return collectStep{op: "armed", d: d} }

var (
	finishPrompt = collectStep{op: "finish"}
	callerHangup = collectStep{op: "hangup"}
	promptStops  = collectStep{op: "stopped"}
)

func TestPlayAndCollect(t *testing.T) {
	prompt := []Media{{Kind: MediaFile, Value: "menu.wav"}}
	tests := []struct {
		name    string
		opts    Collect
		steps   []collectStep
		want    string
		wantErr error
	}{
		{"max digits ends the entry", Collect{Max: 4},
			[]collectStep{digit("1"), digit("2"), digit("3"), digit("4")}, "1234", nil},
		{"complete accepts a final entry at once", Collect{Max: 2, Reset: NoDigit, Complete: func(d string) bool { return d != "*" }},
			[]collectStep{digit("3")}, "3", nil},
		{"complete waits while a longer key may follow", Collect{Max: 2, Reset: NoDigit, Complete: func(d string) bool { return d != "*" }},
			[]collectStep{digit("*"), digit("7")}, "*7", nil},
		{"terminator ends the entry and is not returned", Collect{Max: 10},
			[]collectStep{digit("1"), digit("2"), digit("#")}, "12", nil},
		{"terminator before min is too short", Collect{Min: 3, Max: 6},
			[]collectStep{digit("1"), digit("#")}, "1", ErrCollectTooShort},
		{"star resets what was typed", Collect{Max: 10},
			[]collectStep{digit("1"), digit("2"), digit("*"), digit("3"), digit("4"), digit("#")}, "34", nil},
		{"nobody typed: first digit timeout", Collect{Max: 4},
			[]collectStep{advance(5 * time.Second)}, "", ErrCollectTimeout},
		{"first digit timeout is configurable", Collect{Max: 4, FirstDigitTimeout: 2 * time.Second},
			[]collectStep{advance(2 * time.Second)}, "", ErrCollectTimeout},
		{"inter digit timeout below min returns what was typed", Collect{Min: 3, Max: 6},
			[]collectStep{digit("1"), digit("2"), advance(3 * time.Second)}, "12", ErrCollectTimeout},
		{"inter digit timeout with min reached accepts", Collect{Min: 2, Max: 6},
			[]collectStep{digit("1"), digit("2"), advance(3 * time.Second)}, "12", nil},
		{"reset restarts the first digit timeout", Collect{Max: 4, FirstDigitTimeout: 5 * time.Second, InterDigitTimeout: time.Second},
			[]collectStep{digit("1"), armed(time.Second), digit("*"), armed(5 * time.Second), advance(time.Second), armed(4 * time.Second), advance(4 * time.Second)}, "", ErrCollectTimeout},
		{"first digit timer waits for the prompt to end", Collect{Prompt: prompt, Max: 4},
			[]collectStep{armed(0), advance(time.Minute), finishPrompt, armed(5 * time.Second), advance(5 * time.Second)}, "", ErrCollectTimeout},
		{"digits during the prompt count and stop it", Collect{Prompt: prompt, Max: 10},
			[]collectStep{digit("1"), promptStops, digit("2"), digit("#")}, "12", nil},
		{"digit after prompt uses inter digit timeout", Collect{Prompt: prompt, Max: 4},
			[]collectStep{finishPrompt, digit("7"), advance(3 * time.Second)}, "7", nil},
		{"hangup mid collect", Collect{Max: 4},
			[]collectStep{digit("1"), callerHangup}, "1", ErrHungUp},
		{"hangup during prompt", Collect{Prompt: prompt, Max: 4},
			[]collectStep{callerHangup}, "", ErrHungUp},
		{"custom terminator, reset disabled", Collect{Max: 10, Terminator: '*', Reset: NoDigit},
			[]collectStep{digit("1"), digit("#"), digit("*")}, "1#", nil},
		{"multi-digit event is split", Collect{Max: 3},
			[]collectStep{digit("12"), digit("3")}, "123", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			results := make(chan collectResult, 1)
			h := newHarness(t, func(ctx context.Context, c *Call) {
				d, err := c.PlayAndCollect(ctx, tc.opts)
				results <- collectResult{d, err}
			})
			call := h.arrive("leg-a")
			waitFor(t, "collect to start", func() bool { return countTrace(call, "collect") >= 1 })

			var got *collectResult
			ready := func() bool {
				if got != nil {
					return true
				}
				select {
				case r := <-results:
					got = &r
					return true
				default:
					return false
				}
			}
			// settled waits until the handler traced one more collect step
			// (its timer is armed by then) or returned.
			settled := func(before int) {
				waitFor(t, "collect to process the step", func() bool {
					return countTrace(call, "collect") > before || ready()
				})
			}
			for _, s := range tc.steps {
				n := countTrace(call, "collect")
				switch s.op {
				case "digit":
					h.sw.emit(Event{Type: EventDTMF, Leg: "leg-a", Digit: s.arg})
					settled(n)
				case "finish":
					h.sw.finishPlay("leg-a", "")
					settled(n)
				case "advance":
					h.clk.Advance(s.d)
				case "hangup":
					h.sw.emit(Event{Type: EventHungUp, Leg: "leg-a", Cause: CauseNormalClearing, HangupBy: HangupRemote})
				case "armed":
					want := []time.Duration{s.d}
					if s.d == 0 {
						want = nil
					}
					if got := h.clk.Deadlines(); !slices.Equal(got, want) {
						t.Fatalf("armed timers %v, want %v", got, want)
					}
				case "stopped":
					h.sw.waitCmd(t, "stop_playback leg-a")
				}
			}
			waitFor(t, "collect result", ready)
			if got.digits != tc.want {
				t.Errorf("digits %q, want %q", got.digits, tc.want)
			}
			if tc.wantErr == nil && got.err != nil || tc.wantErr != nil && !errors.Is(got.err, tc.wantErr) {
				t.Errorf("err %v, want %v", got.err, tc.wantErr)
			}
			if got.err != nil && !strings.Contains(got.err.Error(), call.ID()) {
				t.Errorf("error %q does not name the call", got.err)
			}
		})
	}
}

func TestPlayAndCollectRejectsBadOptions(t *testing.T) {
	for _, o := range []Collect{
		{Min: 5, Max: 2},
		{Min: -1},
		{Terminator: '5', Reset: '5'},
		{FirstDigitTimeout: -time.Second},
	} {
		errc := make(chan error, 1)
		h := newHarness(t, func(ctx context.Context, c *Call) {
			_, err := c.PlayAndCollect(ctx, o)
			errc <- err
		})
		h.arrive("leg-a")
		if err := <-errc; !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%+v: err %v", o, err)
		}
		h.stop()
	}
}

func TestPlay(t *testing.T) {
	file := []Media{{Kind: MediaFile, Value: "hello.wav"}}
	tests := []struct {
		name      string
		opts      PlayOptions
		script    func(h *harness)
		want      string
		wantErr   error
		wantStops bool
	}{
		{"returns when playback finishes", PlayOptions{Media: file}, func(h *harness) {
			h.sw.waitCmd(h.t, "play")
			h.sw.emit(Event{Type: EventDTMF, Leg: "leg-a", Digit: "5"}) // ignored: not interruptible
			h.sw.finishPlay("leg-a", "")
		}, "", nil, false},
		{"interruptible returns the digit and stops", PlayOptions{Media: file, Interruptible: true}, func(h *harness) {
			h.sw.waitCmd(h.t, "play")
			h.sw.emit(Event{Type: EventDTMF, Leg: "leg-a", Digit: "9"})
		}, "9", nil, true},
		{"failed playback is an error", PlayOptions{Media: file}, func(h *harness) {
			h.sw.waitCmd(h.t, "play")
			h.sw.finishPlay("leg-a", "file not found")
		}, "", ErrPlaybackFailed, false},
		{"caller hangs up mid playback", PlayOptions{Media: file}, func(h *harness) {
			h.sw.waitCmd(h.t, "play")
			h.sw.emit(Event{Type: EventHungUp, Leg: "leg-a", Cause: CauseNormalClearing, HangupBy: HangupRemote})
		}, "", ErrHungUp, false},
		{"no media is invalid", PlayOptions{}, func(h *harness) {}, "", ErrInvalidArgument, false},
		{"tts without renderer", PlayOptions{Media: []Media{{Kind: MediaTTS, Value: "hi", Lang: "en"}}}, func(h *harness) {}, "", ErrNoTTS, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			type res struct {
				d   string
				err error
			}
			out := make(chan res, 1)
			h := newHarness(t, func(ctx context.Context, c *Call) {
				d, err := c.Play(ctx, tc.opts)
				out <- res{d, err}
			})
			h.arrive("leg-a")
			tc.script(h)
			var r res
			select {
			case r = <-out:
			case <-time.After(5 * time.Second):
				t.Fatal("Play did not return")
			}
			if r.d != tc.want || (tc.wantErr == nil) != (r.err == nil) || (tc.wantErr != nil && !errors.Is(r.err, tc.wantErr)) {
				t.Fatalf("Play = %q, %v; want %q, %v", r.d, r.err, tc.want, tc.wantErr)
			}
			if tc.wantStops {
				h.sw.waitCmd(t, "stop_playback leg-a")
			}
		})
	}
}

// fakeRenderer stands in for the tts cache.
type fakeRenderer struct{}

func (fakeRenderer) Render(ctx context.Context, req tts.Request) (string, error) {
	if req.Text == "fail" {
		return "", errors.New("tts: fake: render \"fail\" (lang \"en\"): boom")
	}
	return "/var/tts/" + req.Lang + "-" + req.Text + ".wav", nil
}

func TestPlayRendersTTSBeforeTheDriver(t *testing.T) {
	errc := make(chan error, 1)
	h := newHarness(t, func(ctx context.Context, c *Call) {
		_, err := c.Play(ctx, PlayOptions{Media: []Media{
			{Kind: MediaFile, Value: "welcome.wav"},
			{Kind: MediaTTS, Value: "hello", Lang: "en"},
			{Kind: MediaDigits, Value: "1001", Lang: "en"},
		}})
		errc <- err
		_, err = c.Play(ctx, PlayOptions{Media: []Media{{Kind: MediaTTS, Value: "fail", Lang: "en"}}})
		errc <- err
	}, func(o *Options) { o.TTS = fakeRenderer{} })
	call := h.arrive("leg-a")
	line := h.sw.waitCmd(t, "play")
	if !strings.HasSuffix(line, "file:welcome.wav,file:/var/tts/en-hello.wav,digits:1001") {
		t.Fatalf("driver saw %q", line)
	}
	h.sw.finishPlay("leg-a", "")
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err == nil || !strings.Contains(err.Error(), `"fail"`) {
		t.Fatalf("render failure: %v", err)
	}
	if !traceHas(call, "tts \"hello\" (en) -> /var/tts/en-hello.wav") {
		t.Errorf("trace lacks the tts render: %+v", call.Trace())
	}
}

func TestWaitingMethodsAreSingleConsumer(t *testing.T) {
	errc := make(chan error, 1)
	h := newHarness(t, func(ctx context.Context, c *Call) {
		go func() {
			// Wait until the handler is inside Play, then try a second wait.
			waitFor(t, "play", func() bool { return traceHas(c, "command play") })
			_, err := c.PlayAndCollect(ctx, Collect{})
			errc <- err
		}()
		_, _ = c.Play(ctx, PlayOptions{Media: []Media{{Kind: MediaFile, Value: "x.wav"}}})
	})
	h.arrive("leg-a")
	if err := <-errc; !errors.Is(err, ErrConcurrentWait) {
		t.Fatalf("second waiter: %v", err)
	}
	h.sw.finishPlay("leg-a", "")
}

func TestSleepUsesClockAndEndsOnHangup(t *testing.T) {
	errc := make(chan error, 2)
	h := newHarness(t, func(ctx context.Context, c *Call) {
		errc <- c.Sleep(ctx, 30*time.Second)
		errc <- c.Sleep(ctx, time.Hour)
	})
	h.arrive("leg-a")
	waitFor(t, "first sleep", func() bool { return h.clk.Waiters() == 1 })
	h.clk.Advance(30 * time.Second)
	if err := <-errc; err != nil {
		t.Fatalf("sleep: %v", err)
	}
	waitFor(t, "second sleep", func() bool { return h.clk.Waiters() == 1 })
	h.sw.emit(Event{Type: EventHungUp, Leg: "leg-a", HangupBy: HangupRemote})
	if err := <-errc; !errors.Is(err, ErrHungUp) {
		t.Fatalf("sleep across hangup: %v", err)
	}
}
