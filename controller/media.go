package controller

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ipcc/ipcc/clock"
	"github.com/ipcc/ipcc/tts"
)

// PlayOptions describe one Play.
type PlayOptions struct {
	Media []Media
	// Interruptible: a DTMF digit stops the playback and is returned.
	Interruptible bool
}

// NoDigit disables Collect.Terminator or Collect.Reset.
const NoDigit rune = -1

// Collect describes a PlayAndCollect: play Prompt (interrupted by the first
// digit; digits typed during it count), then gather digits until Max digits,
// the Terminator, or a timeout.
type Collect struct {
	Prompt []Media
	// Min digits for a successful entry; 0 means 1.
	Min int
	// Max digits; collection ends as soon as Max are typed. 0 means 64
	// (entry ends with the terminator or the inter-digit timeout).
	Max int
	// Terminator ends the entry (not included in the result); 0 means '#',
	// NoDigit disables it.
	Terminator rune
	// Reset clears what was typed and restarts the first-digit timeout; 0
	// means '*', NoDigit disables it.
	Reset rune
	// FirstDigitTimeout runs from the end of the prompt (or the start, with
	// no prompt) to the first digit; 0 means 5s.
	FirstDigitTimeout time.Duration
	// InterDigitTimeout runs between digits; 0 means 3s. When it expires
	// with at least Min digits the entry is accepted.
	InterDigitTimeout time.Duration
	// Complete, when set, is asked after each digit whether the entry is
	// already final (e.g. a menu choice no longer key starts with), so it
	// is accepted at once instead of after the inter-digit timeout.
	Complete func(digits string) bool
}

const maxCollectDigits = 64

func (o Collect) normalized() (Collect, error) {
	if o.Min < 0 || o.Max < 0 || o.FirstDigitTimeout < 0 || o.InterDigitTimeout < 0 {
		return o, fmt.Errorf("%w: negative Min, Max or timeout", ErrInvalidArgument)
	}
	if o.Min == 0 {
		o.Min = 1
	}
	if o.Max == 0 {
		o.Max = max(o.Min, maxCollectDigits)
	}
	if o.Min > o.Max {
		return o, fmt.Errorf("%w: Min %d > Max %d", ErrInvalidArgument, o.Min, o.Max)
	}
	if o.Terminator == 0 {
		o.Terminator = '#'
	}
	if o.Reset == 0 {
		o.Reset = '*'
	}
	if o.Terminator == o.Reset && o.Terminator != NoDigit {
		return o, fmt.Errorf("%w: terminator and reset are both %q", ErrInvalidArgument, o.Terminator)
	}
	if o.FirstDigitTimeout == 0 {
		o.FirstDigitTimeout = 5 * time.Second
	}
	if o.InterDigitTimeout == 0 {
		o.InterDigitTimeout = 3 * time.Second
	}
	return o, nil
}

// resolveMedia renders TTS items into files through the controller's
// renderer, so drivers never see MediaTTS.
func (c *Call) resolveMedia(ctx context.Context, media []Media) ([]Media, error) {
	out := make([]Media, len(media))
	copy(out, media)
	for i, m := range out {
		if m.Kind != MediaTTS {
			continue
		}
		if c.ctl.opts.TTS == nil {
			return nil, fmt.Errorf("tts %q (lang %q): %w", m.Value, m.Lang, ErrNoTTS)
		}
		path, err := c.ctl.opts.TTS.Render(ctx, tts.Request{Text: m.Value, Lang: m.Lang, Format: c.ctl.opts.PromptFormats[c.swName]})
		if err != nil {
			c.Note("error", "tts: "+err.Error())
			return nil, err
		}
		c.Note("tts", fmt.Sprintf("%q (%s) -> %s", m.Value, m.Lang, path))
		out[i] = Media{Kind: MediaFile, Value: path, Lang: m.Lang}
	}
	return out, nil
}

var mediaKindNames = map[MediaKind]string{MediaFile: "file", MediaTone: "tone", MediaNumber: "number",
	MediaDigits: "digits", MediaTTS: "tts", MediaSilence: "silence"}

func describeMedia(media []Media) string {
	parts := make([]string, len(media))
	for i, m := range media {
		kind := mediaKindNames[m.Kind]
		if kind == "" {
			kind = "kind" + strconv.Itoa(int(m.Kind))
		}
		parts[i] = kind + ":" + m.Value
	}
	return strings.Join(parts, ",")
}

// startPlayback renders and starts media on l and returns the playback id.
func (l *Leg) startPlayback(ctx context.Context, media []Media) (string, error) {
	c := l.call
	resolved, err := c.resolveMedia(ctx, media)
	if err != nil {
		return "", l.wrap("play", err)
	}
	id := newID()
	err = c.command(ctx, "play", l.id, id+" "+describeMedia(resolved), func(ctx context.Context) error {
		return c.sw.Play(ctx, l.id, Playback{ID: id, Media: resolved})
	})
	return id, err
}

// stopPlayback stops playback id, even when ctx is already cancelled.
func (l *Leg) stopPlayback(ctx context.Context, id string) {
	c := l.call
	if _, _, gone := l.HangupCause(); gone {
		return // the switch ended it with the leg; a command would only fail
	}
	sctx, cancel := c.cleanupCtx(ctx)
	defer cancel()
	_ = c.command(sctx, "stop_playback", l.id, id, func(ctx context.Context) error {
		return c.sw.StopPlayback(ctx, l.id, id)
	})
}

// Play plays media on the leg and blocks until it finished. When
// o.Interruptible, the first DTMF digit stops it and is returned. It returns
// ErrHungUp (wrapped) when the leg or the caller hangs up.
func (l *Leg) Play(ctx context.Context, o PlayOptions) (digit string, err error) {
	c := l.call
	if len(o.Media) == 0 {
		return "", l.wrap("play", fmt.Errorf("%w: no media", ErrInvalidArgument))
	}
	if err := c.beginWait(); err != nil {
		return "", l.wrap("play", err)
	}
	defer c.endWait()
	if err := l.goneErr(); err != nil {
		return "", l.wrap("play", err)
	}
	id, err := l.startPlayback(ctx, o.Media)
	if err != nil {
		return "", err
	}
	for {
		ev, _, err := c.next(ctx, nil)
		if err != nil {
			l.stopPlayback(ctx, id)
			return "", l.wrap("play", err)
		}
		if err := c.endsWait(ev, l); err != nil {
			return "", l.wrap("play", err)
		}
		switch {
		case ev.Type == EventPlaybackFinished && ev.PlaybackID == id:
			if ev.Err != "" {
				return "", l.wrap("play", fmt.Errorf("%w: %s", ErrPlaybackFailed, ev.Err))
			}
			return "", nil
		case ev.Type == EventDTMF && ev.Leg == l.id && o.Interruptible && ev.Digit != "":
			l.stopPlayback(ctx, id)
			return ev.Digit, nil
		}
	}
}

// PlayAndCollect plays o.Prompt and collects DTMF digits per o. It returns
// the digits (without terminator) and nil, or what was typed so far with an
// error wrapping ErrCollectTimeout, ErrCollectTooShort or ErrHungUp.
func (l *Leg) PlayAndCollect(ctx context.Context, o Collect) (string, error) {
	c := l.call
	o, err := o.normalized()
	if err != nil {
		return "", l.wrap("collect", err)
	}
	if err := c.beginWait(); err != nil {
		return "", l.wrap("collect", err)
	}
	defer c.endWait()
	if err := l.goneErr(); err != nil {
		return "", l.wrap("collect", err)
	}

	playing := ""
	if len(o.Prompt) > 0 {
		if playing, err = l.startPlayback(ctx, o.Prompt); err != nil {
			return "", err
		}
	}
	defer func() {
		if playing != "" {
			l.stopPlayback(ctx, playing)
		}
	}()

	// One timer, re-armed for each phase; nil channel while the prompt
	// plays (the first-digit timeout only starts when the caller can type).
	var timer clock.Timer
	var timerC <-chan time.Time
	arm := func(d time.Duration) {
		if timer == nil {
			timer = c.clock().NewTimer(d)
		} else {
			timer.Reset(d)
		}
		timerC = timer.C()
	}
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	// The trace line for each step is written after the timer is armed, so
	// tests (and humans reading a trace) see a settled state.
	if playing == "" {
		arm(o.FirstDigitTimeout)
		c.Note("collect", fmt.Sprintf("start min=%d max=%d, first digit within %s", o.Min, o.Max, o.FirstDigitTimeout))
	} else {
		c.Note("collect", fmt.Sprintf("start min=%d max=%d, prompt %s playing", o.Min, o.Max, playing))
	}

	digits := ""
	for {
		ev, timedOut, err := c.next(ctx, timerC)
		if err != nil {
			return digits, l.wrap("collect", err)
		}
		if timedOut {
			if digits != "" && len(digits) >= o.Min {
				c.Note("collect", fmt.Sprintf("inter-digit timeout, accepted %q", digits))
				return digits, nil
			}
			c.Note("collect", fmt.Sprintf("timeout with %q", digits))
			return digits, l.wrap("collect", ErrCollectTimeout)
		}
		if err := c.endsWait(ev, l); err != nil {
			c.Note("collect", fmt.Sprintf("hung up with %q", digits))
			return digits, l.wrap("collect", err)
		}
		switch {
		case ev.Type == EventPlaybackFinished && playing != "" && ev.PlaybackID == playing:
			playing = ""
			if ev.Err != "" {
				return digits, l.wrap("collect", fmt.Errorf("%w: %s", ErrPlaybackFailed, ev.Err))
			}
			arm(o.FirstDigitTimeout)
			c.Note("collect", fmt.Sprintf("prompt finished, first digit within %s", o.FirstDigitTimeout))
		case ev.Type == EventDTMF && ev.Leg == l.id:
			if playing != "" {
				l.stopPlayback(ctx, playing)
				playing = ""
			}
			for _, d := range ev.Digit {
				switch {
				case d == o.Terminator:
					if len(digits) < o.Min {
						c.Note("collect", fmt.Sprintf("terminator after %q, too short", digits))
						return digits, l.wrap("collect", ErrCollectTooShort)
					}
					c.Note("collect", fmt.Sprintf("terminator, accepted %q", digits))
					return digits, nil
				case d == o.Reset:
					digits = ""
					arm(o.FirstDigitTimeout)
					c.Note("collect", fmt.Sprintf("reset, first digit within %s", o.FirstDigitTimeout))
				default:
					digits += string(d)
					if len(digits) >= o.Max {
						c.Note("collect", fmt.Sprintf("max digits, accepted %q", digits))
						return digits, nil
					}
					if o.Complete != nil && len(digits) >= o.Min && o.Complete(digits) {
						c.Note("collect", fmt.Sprintf("complete, accepted %q", digits))
						return digits, nil
					}
					arm(o.InterDigitTimeout)
					c.Note("collect", fmt.Sprintf("digit %c, have %q, next within %s", d, digits, o.InterDigitTimeout))
				}
			}
		}
	}
}
