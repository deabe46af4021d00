package sipua

import (
	"encoding/binary"
	"fmt"
	"os"
)

// Say queues 8 kHz linear samples for the caller to send, after what is
// already queued: 160 a packet, μ-law encoded, in place of the silence it
// sends otherwise (and again once the queue is empty). A test makes the
// caller speak, e.g. a recorded greeting for answering-machine detection.
func (c *Caller) Say(samples []int16) {
	c.mu.Lock()
	c.talk = append(c.talk, samples...)
	c.mu.Unlock()
}

// nextPayload fills p with the next 20 ms to send: queued speech, then
// silence.
func (c *Caller) nextPayload(p []byte) {
	c.mu.Lock()
	n := min(len(p), len(c.talk))
	for i := range n {
		p[i] = ulawEncode(c.talk[i])
	}
	c.talk = c.talk[n:]
	c.mu.Unlock()
	for i := n; i < len(p); i++ {
		p[i] = 0xff // μ-law silence
	}
}

// ulawEncode is G.711 μ-law of one linear sample (the inverse of ulaw).
func ulawEncode(s int16) byte {
	const bias, clip = 0x84, 32635
	v, sign := int(s), byte(0)
	if v < 0 {
		v, sign = -v, 0x80
	}
	v = min(v, clip) + bias
	exp := 7
	for mask := 0x4000; v&mask == 0 && exp > 0; mask >>= 1 {
		exp--
	}
	mant := (v >> (exp + 3)) & 0x0f
	return ^(sign | byte(exp<<4) | byte(mant))
}

// ReadWAV reads a WAV file of 8 kHz mono 16-bit PCM (what Say sends).
func ReadWAV(path string) ([]int16, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, fmt.Errorf("%s: not a RIFF WAVE file", path)
	}
	var format bool
	for off := 12; off+8 <= len(b); {
		id, size := string(b[off:off+4]), int(binary.LittleEndian.Uint32(b[off+4:]))
		body := b[off+8 : min(off+8+size, len(b))]
		switch id {
		case "fmt ":
			if len(body) < 16 {
				return nil, fmt.Errorf("%s: short fmt chunk", path)
			}
			tag, ch := binary.LittleEndian.Uint16(body), binary.LittleEndian.Uint16(body[2:])
			rate, bits := binary.LittleEndian.Uint32(body[4:]), binary.LittleEndian.Uint16(body[14:])
			if tag != 1 || ch != 1 || rate != 8000 || bits != 16 {
				return nil, fmt.Errorf("%s: format %d, %d channels, %d Hz, %d bits; want PCM (1), mono, 8000 Hz, 16 bits", path, tag, ch, rate, bits)
			}
			format = true
		case "data":
			if !format {
				return nil, fmt.Errorf("%s: data before fmt", path)
			}
			out := make([]int16, len(body)/2)
			for i := range out {
				out[i] = int16(binary.LittleEndian.Uint16(body[2*i:]))
			}
			return out, nil
		}
		off += 8 + size + size%2
	}
	return nil, fmt.Errorf("%s: no data chunk", path)
}
