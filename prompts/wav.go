// Package prompts is the tenants' prompts library: it checks uploaded audio
// (a RIFF/WAVE header parsed here: PCM, 8 or 16 kHz, mono or stereo, a
// bounded length) and keeps each tenant's files in its own directory.
package prompts

import (
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"time"
)

// Limits of an uploaded prompt.
const (
	MaxSize     = 32 << 20 // bytes
	MaxDuration = 10 * time.Minute
)

// Info is what the header of an accepted WAV file says.
type Info struct {
	SampleRate int
	Channels   int
	Bits       int
	Duration   time.Duration
}

// CheckWAV parses a WAV file's RIFF header and tells why the switches could
// not play it as a prompt: only PCM (format 1) at 8000 or 16000 Hz, 1 or 2
// channels, 16 bits (8 also accepted), at most MaxDuration and MaxSize.
func CheckWAV(b []byte) (Info, error) {
	var in Info
	if len(b) > MaxSize {
		return in, fmt.Errorf("the file is %d bytes, more than the %d MiB allowed", len(b), MaxSize>>20)
	}
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return in, errors.New("not a WAV file (no RIFF/WAVE header): upload PCM WAV, 8 or 16 kHz, mono or stereo")
	}
	var fmtSeen bool
	var format, align int
	var dataLen int64 = -1
	for off := 12; off+8 <= len(b); {
		id := string(b[off : off+4])
		size := int64(binary.LittleEndian.Uint32(b[off+4 : off+8]))
		body := off + 8
		switch id {
		case "fmt ":
			if size < 16 || int64(body)+16 > int64(len(b)) {
				return in, errors.New("the WAV fmt chunk is truncated")
			}
			f := b[body:]
			format = int(binary.LittleEndian.Uint16(f[0:2]))
			in.Channels = int(binary.LittleEndian.Uint16(f[2:4]))
			in.SampleRate = int(binary.LittleEndian.Uint32(f[4:8]))
			align = int(binary.LittleEndian.Uint16(f[12:14]))
			in.Bits = int(binary.LittleEndian.Uint16(f[14:16]))
			fmtSeen = true
		case "data":
			dataLen = size
			if rest := int64(len(b) - body); dataLen > rest {
				dataLen = rest // streaming writers leave the size overstated
			}
		}
		if dataLen >= 0 && fmtSeen {
			break
		}
		next := int64(body) + size + size%2
		if next > int64(len(b)) {
			break
		}
		off = int(next)
	}
	switch {
	case !fmtSeen:
		return in, errors.New("the WAV file has no fmt chunk")
	case format != 1:
		return in, fmt.Errorf("the WAV audio format is %d, not PCM (1): compressed WAV (A-law, µ-law, ADPCM, MP3) is not played; convert to 16-bit PCM", format)
	case in.SampleRate != 8000 && in.SampleRate != 16000:
		return in, fmt.Errorf("the sample rate is %d Hz: prompts must be 8000 or 16000 Hz", in.SampleRate)
	case in.Channels != 1 && in.Channels != 2:
		return in, fmt.Errorf("the file has %d channels: prompts must be mono or stereo", in.Channels)
	case in.Bits != 16 && in.Bits != 8:
		return in, fmt.Errorf("the samples are %d bits: prompts must be 16-bit (or 8-bit) PCM", in.Bits)
	case align != in.Channels*in.Bits/8:
		return in, fmt.Errorf("the WAV header is inconsistent: block align %d for %d channels of %d bits", align, in.Channels, in.Bits)
	case dataLen < 0:
		return in, errors.New("the WAV file has no data chunk")
	case dataLen == 0:
		return in, errors.New("the WAV file has no audio (empty data chunk)")
	}
	bytesPerSec := int64(in.SampleRate * align)
	in.Duration = time.Duration(dataLen * int64(time.Second) / bytesPerSec)
	if in.Duration > MaxDuration {
		return in, fmt.Errorf("the audio lasts %s, longer than the %s allowed", in.Duration.Round(time.Second), MaxDuration)
	}
	return in, nil
}

var nameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// CheckName tells why name cannot name a library prompt: 1-64 of a-z, 0-9,
// '_' and '-', starting with a letter or digit (so never a path).
func CheckName(name string) error {
	if !nameRe.MatchString(name) {
		return fmt.Errorf("prompt name %q must be 1-64 of a-z, 0-9, '_' and '-', starting with a letter or digit", name)
	}
	return nil
}
