package qa

import (
	"fmt"
	"math"
)

// Part is one stretch of synthesized audio on a channel, for tests and the
// benchmark: "silence", "tone" (a sine at Hz), "speech" (noise shaped like
// syllables and phrases, with pauses) or "music" (a melody of steady notes).
type Part struct {
	Kind  string
	MS    int
	Level float64 // dBFS of the loud parts; 0 = -20 dBFS
	Hz    float64 // tone frequency; 0 = 440
}

// Synth renders parts per channel at rate Hz (interleaved when 2 channels),
// over a -60 dBFS line-noise floor, deterministically from seed. A part of
// another kind is an error naming it.
func Synth(rate int, seed uint64, channels ...[]Part) ([]int16, error) {
	for c, parts := range channels {
		for i, p := range parts {
			switch p.Kind {
			case "silence", "tone", "music", "speech":
			default:
				return nil, fmt.Errorf("qa: synth: channel %d part %d: unknown kind %q (silence, tone, music, speech)", c, i, p.Kind)
			}
		}
	}
	nch := len(channels)
	var longest int
	rendered := make([][]float64, nch)
	for c, parts := range channels {
		rng := seed*2654435761 + uint64(c)*97 + 1
		var out []float64
		for _, p := range parts {
			out = append(out, renderPart(rate, p, &rng)...)
		}
		rendered[c] = out
		longest = max(longest, len(out))
	}
	samples := make([]int16, longest*nch)
	floor := 32768 * math.Pow(10, -60.0/20)
	for c := 0; c < nch; c++ {
		rng := seed*31 + uint64(c) + 7
		for i := 0; i < longest; i++ {
			v := noise(&rng) * floor
			if i < len(rendered[c]) {
				v += rendered[c][i]
			}
			samples[i*nch+c] = int16(max(-32768, min(32767, v)))
		}
	}
	return samples, nil
}

// noise is a uniform value in [-1,1) from a xorshift state.
func noise(s *uint64) float64 {
	*s ^= *s << 13
	*s ^= *s >> 7
	*s ^= *s << 17
	return float64(int64(*s>>11)-(1<<52)) / (1 << 52)
}

func renderPart(rate int, p Part, rng *uint64) []float64 {
	n := rate * p.MS / 1000
	out := make([]float64, n)
	level := p.Level
	if level == 0 {
		level = -20
	}
	// A full-scale sine has an RMS of 1/sqrt(2); noise uniform in [-1,1) of 1/sqrt(3).
	amp := 32768 * math.Pow(10, level/20)
	switch p.Kind {
	case "silence":
	case "tone":
		hz := p.Hz
		if hz == 0 {
			hz = 440
		}
		for i := range out {
			out[i] = amp * math.Sqrt2 * math.Sin(2*math.Pi*hz*float64(i)/float64(rate))
		}
	case "music":
		notes := []float64{262, 330, 392, 523, 440, 349}
		noteLen := rate * 400 / 1000
		for i := range out {
			f := notes[(i/noteLen)%len(notes)]
			t := float64(i) / float64(rate)
			out[i] = amp * (math.Sin(2*math.Pi*f*t) + 0.5*math.Sin(2*math.Pi*f*1.5*t))
		}
	case "speech":
		// Phrases of syllables (120..260 ms loud, 40..90 ms dips 20 dB
		// down), 1.2..2.8 s long, separated by 350..750 ms pauses.
		i := 0
		for i < n {
			phraseEnd := min(n, i+rate*(1200+int(uniform(rng)*1600))/1000)
			for i < phraseEnd {
				syl := rate * (120 + int(uniform(rng)*140)) / 1000
				g := amp * math.Sqrt(3) * (0.6 + 0.4*uniform(rng))
				for k := 0; k < syl && i < phraseEnd; k++ {
					env := math.Sin(math.Pi * float64(k) / float64(syl))
					out[i] = g * env * noise(rng)
					i++
				}
				dip := rate * (40 + int(uniform(rng)*50)) / 1000
				for k := 0; k < dip && i < phraseEnd; k++ {
					out[i] = amp * 0.1 * noise(rng)
					i++
				}
			}
			i += rate * (350 + int(uniform(rng)*400)) / 1000
		}
	}
	return out
}

func uniform(s *uint64) float64 { return (noise(s) + 1) / 2 }
