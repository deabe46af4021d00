package tts

import (
	"context"
	"encoding/binary"
	"os"
	"strings"
	"testing"
)

// engine22k writes 100 ms of 22,050 Hz audio, as espeak-ng does.
type engine22k struct{}

func (engine22k) Kind() string { return "22k" }

func (engine22k) Synthesize(_ context.Context, _ Request, dst string) error {
	body := make([]byte, 16)
	binary.LittleEndian.PutUint16(body[0:], 1)
	binary.LittleEndian.PutUint16(body[2:], 1)
	binary.LittleEndian.PutUint32(body[4:], 22050)
	binary.LittleEndian.PutUint32(body[8:], 44100)
	binary.LittleEndian.PutUint16(body[12:], 2)
	binary.LittleEndian.PutUint16(body[14:], 16)
	return os.WriteFile(dst, buildWAV(chunk{id: "fmt ", body: body}, chunk{id: "data", body: make([]byte, 4410)}), 0o644)
}

func wavRate(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := parseChunks(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.id == "fmt " {
			return int(binary.LittleEndian.Uint32(c.body[4:8]))
		}
	}
	t.Fatal("no fmt chunk")
	return 0
}

// Each switch gets the prompt in the format it plays: one text rendered
// for an 8 kHz switch, a 16 kHz Asterisk (.wav16) and a switch that takes
// the cache's default are three files, each at its rate.
func TestCacheRendersPerFormat(t *testing.T) {
	c, err := NewCache(t.TempDir(), engine22k{}, CacheOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	req := Request{Text: "请按1", Lang: "zh-CN"}
	paths := map[string]bool{}
	for _, tc := range []struct {
		f    Format
		rate int
		ext  string
	}{
		{Format{SampleRate: 8000}, 8000, ".wav"},
		{Format{SampleRate: 16000, Ext: "wav16"}, 16000, ".wav16"},
		{Format{SampleRate: 16000}, 16000, ".wav"},
		{Format{}, 22050, ".wav"},
	} {
		r := req
		r.Format = tc.f
		p, err := c.Render(ctx, r)
		if err != nil {
			t.Fatalf("%s: %v", tc.f, err)
		}
		if !strings.HasSuffix(p, c.Key(r)+tc.ext) {
			t.Fatalf("%s: path %s, want key %s%s", tc.f, p, c.Key(r), tc.ext)
		}
		if got := wavRate(t, p); got != tc.rate {
			t.Fatalf("%s: %d Hz, want %d", tc.f, got, tc.rate)
		}
		if paths[p] {
			t.Fatalf("%s shares %s with another format", tc.f, p)
		}
		paths[p] = true
	}
	for _, bad := range []Format{{SampleRate: 8000, Ext: "wav16"}, {SampleRate: 8000, Ext: "mp3"}, {SampleRate: 4000}} {
		r := req
		r.Format = bad
		if _, err := c.Render(ctx, r); err == nil || !strings.Contains(err.Error(), bad.String()) {
			t.Fatalf("format %s: %v", bad, err)
		}
	}
}
