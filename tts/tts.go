// Package tts turns text into WAV files a media server can play. Engines
// (espeak-ng on this host, an HTTP speech provider) synthesise; the Cache in
// front of them names files by content, renders each text once, stamps the
// source text into the WAV (RIFF INFO ICMT) and survives restarts. The
// controller only sees the Renderer interface, so drivers never see TTS.
package tts

import (
	"context"
	"errors"
	"fmt"
)

// Request is one text to speak.
type Request struct {
	Text string
	// Lang is a BCP-47-ish language tag ("zh-CN", "en", "en-US").
	Lang string
	// Voice is an engine-specific voice name; "" picks the engine's default
	// for Lang.
	Voice string
	// Format is the audio format the switch that plays the prompt needs;
	// the zero value is the cache's default.
	Format Format
}

// Format is how a rendered prompt is stored: 16-bit mono PCM at SampleRate
// Hz (0 = the cache's default rate) in a file with extension Ext ("" =
// "wav"). Switches differ: Asterisk plays a ".wav" only at 8 kHz and a
// ".wav16" only at 16 kHz; FreeSWITCH resamples any ".wav".
type Format struct {
	SampleRate int
	Ext        string
}

// String is "8000/wav" style, for logs and errors.
func (f Format) String() string {
	ext := f.Ext
	if ext == "" {
		ext = "wav"
	}
	return fmt.Sprintf("%d/%s", f.SampleRate, ext)
}

// Renderer turns a request into a WAV file the switch can read and returns
// its path (as the switch sees it).
type Renderer interface {
	Render(ctx context.Context, req Request) (path string, err error)
}

// Engine synthesises speech into a WAV file at dst (a local path that the
// caller created the directory of). Engines are wrapped by a Cache, which
// supplies content-addressed names.
type Engine interface {
	// Kind names the engine for cache keys and errors ("espeak-ng", "http").
	Kind() string
	Synthesize(ctx context.Context, req Request, dst string) error
}

// ErrEmptyText is returned for a request with no text to speak.
var ErrEmptyText = errors.New("empty text")

// Error says which text, language and provider failed.
type Error struct {
	Provider string
	Lang     string
	Text     string
	Err      error
}

func (e *Error) Error() string {
	return fmt.Sprintf("tts: %s: render %q (lang %q): %v", e.Provider, abbreviate(e.Text, 60), e.Lang, e.Err)
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

func wrapErr(provider string, req Request, err error) error {
	if err == nil {
		return nil
	}
	var te *Error
	if errors.As(err, &te) {
		return err
	}
	return &Error{Provider: provider, Lang: req.Lang, Text: req.Text, Err: err}
}

// abbreviate keeps error messages readable when a prompt is a paragraph.
func abbreviate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
