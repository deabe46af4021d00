package asterisk

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/tts"
)

// espeakLike writes 22,050 Hz speech files, as espeak-ng does.
type espeakLike struct{}

func (espeakLike) Kind() string { return "espeak-like" }

func (espeakLike) Synthesize(_ context.Context, _ tts.Request, dst string) error {
	const rate, n = 22050, 2205
	b := make([]byte, 44+2*n)
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+2*n))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1)
	binary.LittleEndian.PutUint16(b[22:], 1)
	binary.LittleEndian.PutUint32(b[24:], rate)
	binary.LittleEndian.PutUint32(b[28:], 2*rate)
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], 2*n)
	return os.WriteFile(dst, b, 0o644)
}

// playTTS runs a controller with the TTS cache and formats on the Asterisk
// simulator and plays one text prompt to an inbound call.
func playTTS(t *testing.T, formats map[string]tts.Format) error {
	t.Helper()
	s := sim.New(sim.Options{ESLAddr: "-", ARIApp: "ipcc", MediaDuration: 20 * time.Millisecond, RecordingDir: t.TempDir(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	must(t, s.Start())
	t.Cleanup(func() { _ = s.Close() })
	u, _ := url.Parse(s.ARIURL())
	d, err := New(Config{Name: "pbx1", URL: "http://" + u.Host, User: "ari", Password: "ari"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	must(t, err)
	cache, err := tts.NewCache(t.TempDir(), espeakLike{}, tts.CacheOptions{})
	must(t, err)
	result := make(chan error, 1)
	ctl, err := controller.New(controller.Options{TTS: cache, PromptFormats: formats, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Handler: func(ctx context.Context, c *controller.Call) {
			if err := c.Answer(ctx); err != nil {
				result <- err
				return
			}
			_, err := c.Play(ctx, controller.PlayOptions{Media: []controller.Media{{Kind: controller.MediaTTS, Value: "欢迎致电", Lang: "zh-CN"}}})
			result <- err
		}})
	must(t, err)
	must(t, ctl.Add(d))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = ctl.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	for deadline := time.Now().Add(5 * time.Second); !d.Connected(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("not connected")
		}
	}
	_, err = s.PlaceCall(sim.CallSpec{Front: sim.FrontAsterisk, From: "100", To: "4000"})
	must(t, err)
	select {
	case err := <-result:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("the call never played its prompt")
	}
	return nil
}

// Asterisk cannot open espeak-ng's 22,050 Hz WAV (the caller hears nothing
// and every menu with a text prompt takes its fallback); rendered in the
// switch's format (8 kHz) the prompt plays.
func TestTTSPromptPlaysOnlyInTheSwitchFormat(t *testing.T) {
	if err := playTTS(t, nil); !errors.Is(err, controller.ErrPlaybackFailed) {
		t.Fatalf("a 22,050 Hz prompt on Asterisk: %v, want ErrPlaybackFailed", err)
	}
	if err := playTTS(t, map[string]tts.Format{"pbx1": {SampleRate: 8000}}); err != nil {
		t.Fatalf("an 8 kHz prompt: %v", err)
	}
	if err := playTTS(t, map[string]tts.Format{"pbx1": {SampleRate: 16000, Ext: "wav16"}}); err != nil {
		t.Fatalf("a 16 kHz .wav16 prompt: %v", err)
	}
}
