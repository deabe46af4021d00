package tts

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEspeakVoice(t *testing.T) {
	e := &Espeak{Voices: map[string]string{"fr": "fr-fr"}}
	tests := map[string]string{
		"zh-CN": "cmn",
		"zh-cn": "cmn",
		"zh":    "cmn",
		"en":    "en",
		"en-US": "en-us",
		"en-AU": "en",
		"":      "en",
		"fr-CA": "fr-fr",
		"de-DE": "de",
	}
	for lang, want := range tests {
		if got := e.Voice(lang); got != want {
			t.Errorf("Voice(%q) = %q, want %q", lang, got, want)
		}
	}
}

func TestEspeakRenders(t *testing.T) {
	e := &Espeak{}
	if err := e.Available(); err != nil {
		t.Skipf("espeak-ng not installed, skipping real synthesis (apt-get install -y espeak-ng): %v", err)
	}
	c, err := NewCache(t.TempDir(), e, CacheOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, req := range []Request{
		{Text: "您好，欢迎致电客服中心", Lang: "zh-CN"},
		{Text: "-v is not an option here", Lang: "en"},
	} {
		p, err := c.Render(context.Background(), req)
		if err != nil {
			t.Fatalf("%q: %v", req.Text, err)
		}
		if s, err := ReadCommentFile(p); err != nil || s != req.Text {
			t.Fatalf("ICMT %q, %v", s, err)
		}
		b, _ := os.ReadFile(p)
		if len(b) < 1000 {
			t.Fatalf("%q: only %d bytes of audio", req.Text, len(b))
		}
	}

	// For Asterisk the cache converts espeak-ng's 22050 Hz to 8 kHz.
	c8, _ := NewCache(t.TempDir(), e, CacheOptions{SampleRate: 8000})
	p, err := c8.Render(context.Background(), Request{Text: "请按井号键结束", Lang: "zh-CN"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if rate, frames, _ := zeroCrossings(t, b); rate != 8000 || frames < 4000 {
		t.Fatalf("8k render: %d Hz, %d frames", rate, frames)
	}
	if s, _ := ReadCommentFile(p); s != "请按井号键结束" {
		t.Fatalf("8k render ICMT %q", s)
	}

	err = e.Synthesize(context.Background(), Request{Text: "x", Lang: "en", Voice: "nosuchvoice"}, filepath.Join(t.TempDir(), "x.wav"))
	var te *Error
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "nosuchvoice") || !strings.Contains(err.Error(), "espeak-ng") {
		t.Fatalf("bad voice error: %v", err)
	}
}

func TestEspeakMissingBinary(t *testing.T) {
	e := &Espeak{Binary: "/nonexistent/espeak-ng"}
	if err := e.Available(); err == nil || !strings.Contains(err.Error(), "apt-get install") {
		t.Fatalf("Available: %v", err)
	}
	err := e.Synthesize(context.Background(), Request{Text: "hi", Lang: "en"}, filepath.Join(t.TempDir(), "x.wav"))
	if err == nil || !strings.Contains(err.Error(), `"hi"`) {
		t.Fatalf("Synthesize: %v", err)
	}
}
