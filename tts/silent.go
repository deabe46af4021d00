package tts

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"time"
	"unicode/utf8"
)

// Silent is an engine that writes silence as long as the text would take
// to say (about 6 characters a second), for machines without a speech
// engine: calls keep their timing, and the cache still stamps the text into
// the file, so the simulator and traces show what would have been said.
type Silent struct{}

// Kind implements Engine.
func (Silent) Kind() string { return "silent" }

// Synthesize implements Engine: 8 kHz 16-bit mono PCM silence.
func (Silent) Synthesize(_ context.Context, req Request, dst string) error {
	if req.Text == "" {
		return &Error{Provider: "silent", Lang: req.Lang, Text: req.Text, Err: ErrEmptyText}
	}
	d := time.Duration(utf8.RuneCountInString(req.Text)) * time.Second / 6
	if d < 500*time.Millisecond {
		d = 500 * time.Millisecond
	}
	samples := int(d.Seconds() * 8000)
	b := make([]byte, 44+samples*2)
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+samples*2))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1)
	binary.LittleEndian.PutUint16(b[22:], 1)
	binary.LittleEndian.PutUint32(b[24:], 8000)
	binary.LittleEndian.PutUint32(b[28:], 16000)
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(samples*2))
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		return &Error{Provider: "silent", Lang: req.Lang, Text: req.Text, Err: fmt.Errorf("write %s: %w", dst, err)}
	}
	return nil
}
