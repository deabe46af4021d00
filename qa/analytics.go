package qa

import (
	"fmt"
	"io"
	"math"
	"sort"
)

// Channel names in analytics. FreeSWITCH records stereo with the caller on
// the left and what the caller hears (the agent, or hold music) on the
// right; a mono file (Asterisk) has both parties mixed.
const (
	ChanCaller = "caller"
	ChanAgent  = "agent"
	ChanMixed  = "mixed"
)

// Analysis tuning; the defaults are what the tests and docs/qa.md describe.
const (
	frameMS = 20 // one energy value per channel every 20 ms
	// PeaksPerSecond is the resolution of the waveform peaks.
	PeaksPerSecond = 10
	// A frame is voiced when its energy is above both the absolute floor and
	// the channel's noise floor (10th percentile of its frames) plus margin.
	absFloorDB     = -45.0
	noiseMarginDB  = 9.0
	hangoverFrames = 10 // 200 ms: speech continues over short dips
	minBurstFrames = 3  // 60 ms: shorter bursts are clicks
	// Music: at least musicMinFrames of energy with no gap longer than
	// musicGapFrames and a mean frame-to-frame energy change below
	// musicMaxDeltaDB (speech rises and falls with every syllable).
	musicMinFrames  = 400 // 8 s
	musicGapFrames  = 5   // 100 ms
	musicMaxDeltaDB = 2.5
)

// Segment is a stretch of a channel: talk or music.
type Segment struct {
	Channel string `json:"channel"`
	Kind    string `json:"kind"` // "talk" or "music"
	StartMS int64  `json:"start_ms"`
	EndMS   int64  `json:"end_ms"`
}

// Analytics are the speech figures of one recording.
type Analytics struct {
	DurationMS int64 `json:"duration_ms"`
	SampleRate int   `json:"sample_rate"`
	Channels   int   `json:"channels"`
	// CallerTalkMS and AgentTalkMS: voiced time per channel, hold music
	// excluded (stereo only; a mono file has MixedTalkMS instead).
	CallerTalkMS int64 `json:"caller_talk_ms"`
	AgentTalkMS  int64 `json:"agent_talk_ms"`
	MixedTalkMS  int64 `json:"mixed_talk_ms"`
	// OvertalkMS: both channels voiced at once (stereo only).
	OvertalkMS int64 `json:"overtalk_ms"`
	// SilenceMS: no channel voiced and no music; LongestSilenceMS the longest
	// such stretch, starting at LongestSilenceAtMS.
	SilenceMS          int64 `json:"silence_ms"`
	LongestSilenceMS   int64 `json:"longest_silence_ms"`
	LongestSilenceAtMS int64 `json:"longest_silence_at_ms"`
	// TalkRatio is the agent's share of the talk: agent / (agent + caller),
	// 0 when nobody spoke or the file is mono.
	TalkRatio float64 `json:"talk_ratio"`
	// HoldMusicMS: music detected on any channel (see docs/qa.md).
	HoldMusicMS int64     `json:"hold_music_ms"`
	Segments    []Segment `json:"segments"`
	// Peaks: per channel, the peak level of every 1/PeaksPerSecond s, 0..255.
	Peaks [][]uint8 `json:"-"`
}

// Metric returns a named figure for rules and auto-scored items; ok=false
// for an unknown name.
func (a *Analytics) Metric(name string) (float64, bool) {
	switch name {
	case "longest_silence_s":
		return float64(a.LongestSilenceMS) / 1000, true
	case "silence_s":
		return float64(a.SilenceMS) / 1000, true
	case "overtalk_s":
		return float64(a.OvertalkMS) / 1000, true
	case "hold_music_s":
		return float64(a.HoldMusicMS) / 1000, true
	case "agent_talk_s":
		return float64(a.AgentTalkMS) / 1000, true
	case "caller_talk_s":
		return float64(a.CallerTalkMS) / 1000, true
	case "talk_ratio":
		return a.TalkRatio, true
	case "silence_ratio":
		if a.DurationMS == 0 {
			return 0, true
		}
		return float64(a.SilenceMS) / float64(a.DurationMS), true
	case "duration_s":
		return float64(a.DurationMS) / 1000, true
	}
	return 0, false
}

// MetricNames lists the names Metric knows.
var MetricNames = []string{"longest_silence_s", "silence_s", "overtalk_s", "hold_music_s", "agent_talk_s", "caller_talk_s", "talk_ratio", "silence_ratio", "duration_s"}

// Analyze reads a 16-bit PCM WAV file (mono or stereo, any rate) and
// computes its analytics in one pass; memory is a few bytes per 20 ms.
func Analyze(r io.Reader) (*Analytics, error) {
	p, err := newPCMReader(r)
	if err != nil {
		return nil, fmt.Errorf("qa: analyse: %w", err)
	}
	f := p.format
	nch := f.Channels
	frameLen := f.SampleRate * frameMS / 1000 // samples per channel per frame
	framesPerPeak := 1000 / frameMS / PeaksPerSecond
	energy := make([][]float32, nch)
	peaks := make([][]uint8, nch)
	sum := make([]float64, nch)
	pk := make([]int32, nch)
	var inFrame, framesSincePeak int
	buf := make([]int16, 32<<10)
	var carry int // samples of an incomplete interleaved group
	var total int64
	for {
		n, rerr := p.read(buf[carry:])
		n += carry
		groups := n / nch
		for g := 0; g < groups; g++ {
			for c := 0; c < nch; c++ {
				v := int32(buf[g*nch+c])
				sum[c] += float64(v * v)
				if v < 0 {
					v = -v
				}
				if v > pk[c] {
					pk[c] = v
				}
			}
			inFrame++
			if inFrame == frameLen {
				framesSincePeak++
				for c := 0; c < nch; c++ {
					energy[c] = append(energy[c], dbfs(sum[c]/float64(frameLen)))
					sum[c] = 0
				}
				inFrame = 0
				if framesSincePeak == framesPerPeak {
					for c := 0; c < nch; c++ {
						peaks[c] = append(peaks[c], uint8(min(255, pk[c]>>7)))
						pk[c] = 0
					}
					framesSincePeak = 0
				}
			}
		}
		total += int64(groups)
		carry = n - groups*nch
		copy(buf, buf[groups*nch:n])
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return nil, fmt.Errorf("qa: analyse: read samples: %w", rerr)
		}
	}
	a := &Analytics{SampleRate: f.SampleRate, Channels: nch, DurationMS: total * 1000 / int64(f.SampleRate), Segments: []Segment{}}
	if framesSincePeak > 0 || inFrame > 0 {
		for c := 0; c < nch; c++ {
			peaks[c] = append(peaks[c], uint8(min(255, pk[c]>>7)))
		}
	}
	a.Peaks = peaks
	names := []string{ChanCaller, ChanAgent}
	if nch == 1 {
		names = []string{ChanMixed}
	}
	voiced := make([][]bool, nch)
	music := make([][]bool, nch)
	for c := 0; c < nch; c++ {
		raw := rawVoiced(energy[c])
		music[c] = detectMusic(energy[c], raw)
		voiced[c] = smoothVoiced(raw, music[c])
		a.Segments = append(a.Segments, runs(music[c], names[c], "music")...)
		a.Segments = append(a.Segments, runs(voiced[c], names[c], "talk")...)
	}
	sort.SliceStable(a.Segments, func(i, j int) bool { return a.Segments[i].StartMS < a.Segments[j].StartMS })
	frames := 0
	if nch > 0 {
		frames = len(energy[0])
	}
	var silenceRun, silenceStart int
	for i := 0; i < frames; i++ {
		anyVoice, anyMusic := false, false
		for c := 0; c < nch; c++ {
			anyVoice = anyVoice || voiced[c][i]
			anyMusic = anyMusic || music[c][i]
		}
		if anyMusic {
			a.HoldMusicMS += frameMS
		}
		if nch == 2 {
			if voiced[0][i] {
				a.CallerTalkMS += frameMS
			}
			if voiced[1][i] {
				a.AgentTalkMS += frameMS
			}
			if voiced[0][i] && voiced[1][i] {
				a.OvertalkMS += frameMS
			}
		} else if voiced[0][i] {
			a.MixedTalkMS += frameMS
		}
		if !anyVoice && !anyMusic {
			a.SilenceMS += frameMS
			if silenceRun == 0 {
				silenceStart = i
			}
			silenceRun++
			if ms := int64(silenceRun * frameMS); ms > a.LongestSilenceMS {
				a.LongestSilenceMS, a.LongestSilenceAtMS = ms, int64(silenceStart*frameMS)
			}
		} else {
			silenceRun = 0
		}
	}
	if t := a.AgentTalkMS + a.CallerTalkMS; t > 0 {
		a.TalkRatio = math.Round(float64(a.AgentTalkMS)/float64(t)*1000) / 1000
	}
	return a, nil
}

// dbfs converts a mean square of 16-bit samples to dB full scale.
func dbfs(meanSquare float64) float32 {
	if meanSquare < 1 {
		return -96
	}
	return float32(10*math.Log10(meanSquare) - 90.309) // 20*log10(32768) = 90.309
}

// threshold is the voicing threshold of a channel: the noise floor (10th
// percentile of frame energies) plus a margin, never below the absolute
// floor.
func threshold(e []float32) float32 {
	if len(e) == 0 {
		return absFloorDB
	}
	// A histogram in 1 dB bins finds the percentile in one pass.
	var hist [97]int
	for _, v := range e {
		b := int(v) + 96
		hist[max(0, min(96, b))]++
	}
	want, seen := len(e)/10, 0
	floor := float32(-96)
	for b, n := range hist {
		seen += n
		if seen > want {
			floor = float32(b - 96)
			break
		}
	}
	return max(absFloorDB, floor+noiseMarginDB)
}

func rawVoiced(e []float32) []bool {
	th := threshold(e)
	out := make([]bool, len(e))
	for i, v := range e {
		out[i] = v > th
	}
	return out
}

// smoothVoiced drops bursts shorter than minBurstFrames, bridges dips with
// a hangover, and removes music frames.
func smoothVoiced(raw, music []bool) []bool {
	out := make([]bool, len(raw))
	for i := 0; i < len(raw); {
		if !raw[i] {
			i++
			continue
		}
		j := i
		for j < len(raw) && raw[j] {
			j++
		}
		if j-i >= minBurstFrames {
			end := min(len(raw), j+hangoverFrames)
			for k := i; k < end; k++ {
				out[k] = true
			}
		}
		i = j
	}
	for i := range out {
		if music[i] {
			out[i] = false
		}
	}
	return out
}

// detectMusic marks stretches that sound like music rather than speech:
// energy above the threshold for at least 8 s with no gap longer than
// 100 ms, and a mean frame-to-frame level change under 2.5 dB. Speech
// pauses between phrases and its level swings with every syllable; a
// looped melody or tone does neither.
func detectMusic(e []float32, raw []bool) []bool {
	out := make([]bool, len(e))
	for i := 0; i < len(raw); {
		if !raw[i] {
			i++
			continue
		}
		j, gap := i, 0
		for j < len(raw) {
			if raw[j] {
				gap = 0
			} else {
				gap++
				if gap > musicGapFrames {
					break
				}
			}
			j++
		}
		end := j - gap // last voiced frame + 1
		if end-i >= musicMinFrames {
			var delta float64
			for k := i + 1; k < end; k++ {
				delta += math.Abs(float64(e[k] - e[k-1]))
			}
			if delta/float64(end-i-1) < musicMaxDeltaDB {
				start, stop := trimMusic(e, i, end)
				for k := start; k < stop; k++ {
					out[k] = true
				}
			}
		}
		i = max(j, i+1)
	}
	return out
}

func runs(on []bool, channel, kind string) []Segment {
	var out []Segment
	for i := 0; i < len(on); {
		if !on[i] {
			i++
			continue
		}
		j := i
		for j < len(on) && on[j] {
			j++
		}
		out = append(out, Segment{Channel: channel, Kind: kind, StartMS: int64(i * frameMS), EndMS: int64(j * frameMS)})
		i = j
	}
	return out
}

// trimMusic narrows a music stretch [i,end) by the speech glued to its
// edges (no pause between "please hold" and the melody): 250 ms windows at
// either end whose level swings like speech are cut off.
func trimMusic(e []float32, i, end int) (int, int) {
	const w = 250 / frameMS
	swing := func(a, b int) float64 {
		var d float64
		for k := a + 1; k < b; k++ {
			d += math.Abs(float64(e[k] - e[k-1]))
		}
		return d / float64(b-a-1)
	}
	for end-i > 2*w && swing(i, i+w) >= musicMaxDeltaDB {
		i += w
	}
	for end-i > 2*w && swing(end-w, end) >= musicMaxDeltaDB {
		end -= w
	}
	return i, end
}
