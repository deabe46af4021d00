package tts

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Engines answer at whatever rate they like (espeak-ng writes 22050 Hz), but
// Asterisk plays a .wav file only if it is 8 kHz 16-bit mono. The cache
// therefore converts to a configured rate. The converter is deliberately
// simple (box-filter then linear interpolation): prompts are speech heard
// over a telephone line, not music.

// Resample returns a WAV file holding the 16-bit PCM audio of wav as mono at
// rate Hz (other chunks are dropped). Stereo or multichannel audio is mixed
// down. Only 16-bit integer PCM input is accepted.
func Resample(wav []byte, rate int) ([]byte, error) {
	if rate < 1000 || rate > 192000 {
		return nil, fmt.Errorf("wav: resample: unsupported target rate %d", rate)
	}
	chunks, err := parseChunks(wav)
	if err != nil {
		return nil, err
	}
	var fmtBody, data []byte
	for _, c := range chunks {
		switch c.id {
		case "fmt ":
			if fmtBody == nil {
				fmtBody = c.body
			}
		case "data":
			if data == nil {
				data = c.body
			}
		}
	}
	if len(fmtBody) < 16 {
		return nil, errors.New("wav: resample: missing or short fmt chunk")
	}
	if data == nil {
		return nil, errors.New("wav: no data chunk")
	}
	format := binary.LittleEndian.Uint16(fmtBody[0:2])
	channels := int(binary.LittleEndian.Uint16(fmtBody[2:4]))
	inRate := int(binary.LittleEndian.Uint32(fmtBody[4:8]))
	bits := binary.LittleEndian.Uint16(fmtBody[14:16])
	if format == 0xFFFE && len(fmtBody) >= 26 { // WAVE_FORMAT_EXTENSIBLE: the sub-format decides
		format = binary.LittleEndian.Uint16(fmtBody[24:26])
	}
	if format != 1 || bits != 16 {
		return nil, fmt.Errorf("wav: resample: only 16-bit PCM is supported (format %d, %d bits)", format, bits)
	}
	if channels < 1 || inRate < 1000 {
		return nil, fmt.Errorf("wav: resample: bad fmt (%d channels, %d Hz)", channels, inRate)
	}

	frames := len(data) / (2 * channels)
	mono := make([]float64, frames)
	for i := range frames {
		sum := 0
		for ch := range channels {
			off := (i*channels + ch) * 2
			sum += int(int16(binary.LittleEndian.Uint16(data[off:])))
		}
		mono[i] = float64(sum) / float64(channels)
	}
	if inRate > rate {
		mono = boxFilter(mono, int(math.Ceil(float64(inRate)/float64(rate))))
	}
	outFrames := int(int64(frames) * int64(rate) / int64(inRate))
	out := make([]byte, 44+outFrames*2)
	copy(out[0:], "RIFF")
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	copy(out[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(out[16:], 16)
	binary.LittleEndian.PutUint16(out[20:], 1)
	binary.LittleEndian.PutUint16(out[22:], 1)
	binary.LittleEndian.PutUint32(out[24:], uint32(rate))
	binary.LittleEndian.PutUint32(out[28:], uint32(rate*2))
	binary.LittleEndian.PutUint16(out[32:], 2)
	binary.LittleEndian.PutUint16(out[34:], 16)
	copy(out[36:], "data")
	binary.LittleEndian.PutUint32(out[40:], uint32(outFrames*2))
	step := float64(inRate) / float64(rate)
	for i := range outFrames {
		pos := float64(i) * step
		j := int(pos)
		frac := pos - float64(j)
		v := mono[j]
		if j+1 < frames {
			v += (mono[j+1] - v) * frac
		}
		v = math.Round(math.Max(-32768, math.Min(32767, v)))
		binary.LittleEndian.PutUint16(out[44+2*i:], uint16(int16(v)))
	}
	return out, nil
}

// boxFilter is a centred moving average of width w: a cheap low-pass that
// keeps downsampling from folding high frequencies into the speech band.
func boxFilter(x []float64, w int) []float64 {
	if w <= 1 || len(x) == 0 {
		return x
	}
	out := make([]float64, len(x))
	half := w / 2
	sum := 0.0
	lo, hi := 0, -1 // window [lo, hi]
	for i := range x {
		for hi < i+half && hi+1 < len(x) {
			hi++
			sum += x[hi]
		}
		for lo < i-half {
			sum -= x[lo]
			lo++
		}
		out[i] = sum / float64(hi-lo+1)
	}
	return out
}
