package prompts

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"time"
)

// wav builds a WAV file with the given header fields and n data bytes.
func wav(format, channels, rate, bits int, n int) []byte {
	var b bytes.Buffer
	align := channels * bits / 8
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+n))
	b.WriteString("WAVEfmt ")
	binary.Write(&b, binary.LittleEndian, uint32(16))
	binary.Write(&b, binary.LittleEndian, uint16(format))
	binary.Write(&b, binary.LittleEndian, uint16(channels))
	binary.Write(&b, binary.LittleEndian, uint32(rate))
	binary.Write(&b, binary.LittleEndian, uint32(rate*align))
	binary.Write(&b, binary.LittleEndian, uint16(align))
	binary.Write(&b, binary.LittleEndian, uint16(bits))
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(n))
	b.Write(make([]byte, n))
	return b.Bytes()
}

// Good and bad headers, too long, wrong rate.
func TestCheckWAV(t *testing.T) {
	// 11 minutes of audio, the bytes really there.
	long := wav(1, 1, 8000, 16, 11*60*16000)
	cases := []struct {
		name    string
		in      []byte
		wantErr string
		wantDur time.Duration
		rate    int
	}{
		{"8k mono", wav(1, 1, 8000, 16, 24000), "", 1500 * time.Millisecond, 8000},
		{"16k stereo", wav(1, 2, 16000, 16, 64000), "", time.Second, 16000},
		{"not riff", []byte("ID3\x04 mp3 data here"), "not a WAV file", 0, 0},
		{"empty", nil, "not a WAV file", 0, 0},
		{"alaw", wav(6, 1, 8000, 8, 8000), "not PCM", 0, 0},
		{"44.1k", wav(1, 1, 44100, 16, 88200), "sample rate is 44100 Hz", 0, 0},
		{"6 channels", wav(1, 6, 8000, 16, 96000), "6 channels", 0, 0},
		{"24 bit", wav(1, 1, 8000, 24, 24000), "24 bits", 0, 0},
		{"no data", wav(1, 1, 8000, 16, 0)[:36], "no data chunk", 0, 0},
		{"empty data", wav(1, 1, 8000, 16, 0), "no audio", 0, 0},
		{"truncated fmt", wav(1, 1, 8000, 16, 10)[:24], "truncated", 0, 0},
		{"too long", long, "longer than the 10m0s", 0, 0},
		{"too big", make([]byte, MaxSize+1), "more than the 32 MiB", 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in, err := CheckWAV(c.in)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want one with %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if in.Duration != c.wantDur || in.SampleRate != c.rate {
				t.Fatalf("info = %+v, want %s at %d Hz", in, c.wantDur, c.rate)
			}
		})
	}
}

func TestCheckName(t *testing.T) {
	for name, ok := range map[string]bool{"welcome": true, "ivr-1_zh": true, "../x": false, "a/b": false, "": false, "Welcome": false, "-x": false, strings.Repeat("a", 65): false} {
		if err := CheckName(name); (err == nil) != ok {
			t.Errorf("CheckName(%q) = %v, want ok=%v", name, err, ok)
		}
	}
}
