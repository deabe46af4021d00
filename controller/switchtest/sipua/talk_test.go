package sipua

import (
	"os"
	"path/filepath"
	"testing"
)

// μ-law encoding is the inverse of the decoder within G.711's step size,
// keeps the sign, and encodes 0 as the silence byte 0xff.
func TestULawEncodeRoundTrip(t *testing.T) {
	if b := ulawEncode(0); b != 0xff {
		t.Fatalf("ulawEncode(0) = %#x, want 0xff", b)
	}
	for v := -32768; v <= 32767; v += 7 {
		got := int(ulaw(ulawEncode(int16(v))))
		d := got - v
		if d < 0 {
			d = -d
		}
		// the step doubles per segment: 1/16 of the magnitude, at least 8
		tol := max(8, abs(v)/16+1)
		if abs(v) > 32635 {
			tol = abs(v) - 32124 + 1024 // clipped at the top segment
		}
		if d > tol || (v > 64 && got < 0) || (v < -64 && got > 0) {
			t.Fatalf("ulaw(ulawEncode(%d)) = %d, off by %d (tolerance %d)", v, got, d, tol)
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// ReadWAV reads what ToneFile writes and refuses other formats.
func TestReadWAV(t *testing.T) {
	samples, err := ReadWAV(ToneFile(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) != 5*8000 {
		t.Fatalf("%d samples, want 40000", len(samples))
	}
	peak := 0
	for _, s := range samples {
		peak = max(peak, abs(int(s)))
	}
	if peak < 7900 || peak > 8000 {
		t.Fatalf("peak %d, want the tone's 8000", peak)
	}
	bad := filepath.Join(t.TempDir(), "x.wav")
	if err := os.WriteFile(bad, []byte("RIFF\x00\x00\x00\x00WAVEdata"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadWAV(bad); err == nil {
		t.Fatal("a WAV without fmt chunk was read")
	}
}
