package sim

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// asteriskRefuses says why Asterisk would not play the sound file name (a
// path without extension, as in a sound: URI), or "" when it would or the
// simulator has no such file (it does not model Asterisk's sound library).
// Asterisk's format_wav opens a ".wav" only as 16-bit mono PCM at 8 kHz and
// a ".wav16" only at 16 kHz (format_wav.c check_header); anything else is
// refused with the messages quoted here.
func asteriskRefuses(name string) string {
	candidates := []struct {
		path string
		rate int
	}{{name + ".wav", 8000}, {name + ".wav16", 16000}}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".wav":
		candidates = append(candidates, struct {
			path string
			rate int
		}{name, 8000})
	case ".wav16":
		candidates = append(candidates, struct {
			path string
			rate int
		}{name, 16000})
	}
	for _, c := range candidates {
		f, err := os.Open(c.path)
		if err != nil {
			continue
		}
		why := wavRefused(f, c.rate)
		f.Close()
		return why
	}
	return ""
}

// wavRefused checks a WAV header as format_wav does.
func wavRefused(r io.Reader, rate int) string {
	head := make([]byte, 4096)
	n, _ := io.ReadFull(r, head)
	head = head[:n]
	if len(head) < 12 || string(head[:4]) != "RIFF" || string(head[8:12]) != "WAVE" {
		return "Does not begin with RIFF / WAVE"
	}
	for p := 12; p+8 <= len(head); {
		size := int(binary.LittleEndian.Uint32(head[p+4 : p+8]))
		if string(head[p:p+4]) != "fmt " {
			p += 8 + size + size%2
			continue
		}
		body := head[p+8:]
		if len(body) < 16 {
			return "Short fmt chunk"
		}
		format := binary.LittleEndian.Uint16(body[0:2])
		channels := binary.LittleEndian.Uint16(body[2:4])
		freq := int(binary.LittleEndian.Uint32(body[4:8]))
		bits := binary.LittleEndian.Uint16(body[14:16])
		switch {
		case format != 1 && format != 0xFFFE:
			return fmt.Sprintf("Not a supported wav file format (%d). Only PCM encoded, 16 bit, mono, 8kHz/16kHz files are supported with a lowercase '.wav' extension.", format)
		case channels != 1:
			return fmt.Sprintf("Not in mono %d", channels)
		case freq != rate:
			return fmt.Sprintf("Unexpected frequency mismatch %d (expecting %d)", freq, rate)
		case bits != 16:
			return fmt.Sprintf("Can only handle 16bits per sample: %d", bits)
		}
		return ""
	}
	return "No fmt chunk"
}
