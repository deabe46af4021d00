package tts

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"
)

// pcmWAV builds a 16-bit PCM WAV of a sine at freq Hz.
func pcmWAV(rate, channels, frames int, freq float64) []byte {
	f := fmtChunk()
	binary.LittleEndian.PutUint16(f.body[2:], uint16(channels))
	binary.LittleEndian.PutUint32(f.body[4:], uint32(rate))
	binary.LittleEndian.PutUint32(f.body[8:], uint32(rate*2*channels))
	binary.LittleEndian.PutUint16(f.body[12:], uint16(2*channels))
	data := make([]byte, frames*channels*2)
	for i := 0; i < frames; i++ {
		v := int16(10000 * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
		for ch := 0; ch < channels; ch++ {
			binary.LittleEndian.PutUint16(data[(i*channels+ch)*2:], uint16(v))
		}
	}
	return buildWAV(f, chunk{id: "data", body: data})
}

// zeroCrossings counts sign changes of the 16-bit samples in a mono WAV.
func zeroCrossings(t *testing.T, wav []byte) (rate, frames, crossings int) {
	t.Helper()
	cs, err := parseChunks(wav)
	if err != nil {
		t.Fatal(err)
	}
	var data []byte
	for _, c := range cs {
		switch c.id {
		case "fmt ":
			if ch := binary.LittleEndian.Uint16(c.body[2:]); ch != 1 {
				t.Fatalf("%d channels, want mono", ch)
			}
			rate = int(binary.LittleEndian.Uint32(c.body[4:]))
		case "data":
			data = c.body
		}
	}
	prev := int16(0)
	for i := 0; i+1 < len(data); i += 2 {
		v := int16(binary.LittleEndian.Uint16(data[i:]))
		if (prev < 0) != (v < 0) && i > 0 {
			crossings++
		}
		prev = v
	}
	return rate, len(data) / 2, crossings
}

func TestResample(t *testing.T) {
	tests := []struct {
		name                   string
		inRate, channels, rate int
	}{
		{"espeak 22050 to asterisk 8000", 22050, 1, 8000},
		{"stereo 44100 to 8000 mixes down", 44100, 2, 8000},
		{"8000 up to 16000", 8000, 1, 16000},
		{"same rate", 8000, 1, 8000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := pcmWAV(tc.inRate, tc.channels, tc.inRate, 440) // one second of A4
			out, err := Resample(in, tc.rate)
			if err != nil {
				t.Fatal(err)
			}
			rate, frames, zc := zeroCrossings(t, out)
			if rate != tc.rate || frames != tc.rate {
				t.Fatalf("%d Hz, %d frames; want %d, %d", rate, frames, tc.rate, tc.rate)
			}
			// A 440 Hz tone crosses zero ~880 times a second at any rate.
			if zc < 860 || zc > 900 {
				t.Fatalf("%d zero crossings, want ~880: pitch changed", zc)
			}
			if _, err := SetComment(out, "ok"); err != nil {
				t.Fatalf("output is not a valid WAV: %v", err)
			}
		})
	}
}

func TestResampleRejects(t *testing.T) {
	eight := pcmWAV(8000, 1, 100, 440)
	binary.LittleEndian.PutUint16(eight[34:], 8) // bits per sample
	float := pcmWAV(8000, 1, 100, 440)
	binary.LittleEndian.PutUint16(float[20:], 3) // IEEE float
	for name, tc := range map[string]struct {
		in   []byte
		rate int
		want string
	}{
		"8-bit":     {eight, 8000, "16-bit PCM"},
		"float":     {float, 8000, "16-bit PCM"},
		"bad rate":  {pcmWAV(8000, 1, 10, 440), 5, "target rate"},
		"no fmt":    {buildWAV(chunk{id: "data", body: pcm}), 8000, "fmt"},
		"not a wav": {[]byte("hello"), 8000, "RIFF"},
	} {
		if _, err := Resample(tc.in, tc.rate); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", name, err, tc.want)
		}
	}
}
