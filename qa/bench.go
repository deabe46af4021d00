package qa

import (
	"bytes"
	"fmt"
	"runtime"
	"time"
)

// SynthHour renders one hour of stereo 8 kHz call audio as a WAV file:
// alternating turns of speech, a stretch of hold music and pauses.
func SynthHour() ([]byte, error) {
	var caller, agent []Part
	for len(caller) < 3600/60*4 { // 60 one-minute blocks, 4 parts each
		agent = append(agent, Part{Kind: "speech", MS: 20000}, Part{Kind: "silence", MS: 15000}, Part{Kind: "music", MS: 15000}, Part{Kind: "speech", MS: 10000})
		caller = append(caller, Part{Kind: "silence", MS: 20000}, Part{Kind: "speech", MS: 15000}, Part{Kind: "silence", MS: 15000}, Part{Kind: "speech", MS: 10000})
	}
	var b bytes.Buffer
	b.Grow(3600 * 8000 * 4)
	samples, err := Synth(8000, 42, caller, agent)
	if err != nil {
		return nil, err
	}
	if err := EncodeWAV(&b, 8000, 2, samples); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// BenchResult is what `ipcc bench qa` prints.
type BenchResult struct {
	AudioSeconds float64 `json:"audio_seconds"`
	Seconds      float64 `json:"seconds"`
	TargetSecs   float64 `json:"target_seconds"`
	Met          bool    `json:"met"`
	GOMAXPROCS   int     `json:"gomaxprocs"`
	Analytics    *Analytics
}

// Bench analyses one synthesized hour of stereo 8 kHz audio on one core
// (GOMAXPROCS 1 for the run) and reports the time, best of runs.
func Bench(runs int) (*BenchResult, error) {
	data, err := SynthHour()
	if err != nil {
		return nil, err
	}
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	res := &BenchResult{TargetSecs: 2, GOMAXPROCS: 1}
	best := time.Duration(1 << 62)
	for i := 0; i < max(1, runs); i++ {
		runtime.GC()
		start := time.Now()
		a, err := Analyze(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("qa bench: %w", err)
		}
		best = min(best, time.Since(start))
		res.Analytics = a
	}
	res.AudioSeconds = float64(res.Analytics.DurationMS) / 1000
	res.Seconds = best.Seconds()
	res.Met = res.Seconds < res.TargetSecs
	return res, nil
}
