// Package qa is quality inspection (质检): speech analytics of call
// recordings, scoring templates, sampling tasks, scores, appeals,
// calibration and transcripts. Analytics run in Go on the recorded WAV
// files; nothing is sent to a cloud unless a tenant plugs in an ASR server.
package qa

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// WAVFormat is what a WAV file's "fmt " chunk says.
type WAVFormat struct {
	SampleRate    int
	Channels      int
	BitsPerSample int
}

// ErrNotWAV: the data does not start with a RIFF/WAVE header.
var ErrNotWAV = errors.New("not a RIFF/WAVE file")

// readWAVHeader walks the RIFF chunks up to the "data" chunk and returns
// the format and the data length (0xFFFFFFFF or 0 = "until EOF", as a
// recorder still writing or killed leaves it). Only 16-bit PCM is accepted:
// FreeSWITCH and Asterisk record their .wav files so.
func readWAVHeader(r io.Reader) (WAVFormat, int64, error) {
	var f WAVFormat
	var hdr [12]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return f, 0, fmt.Errorf("wav header: %w", ErrNotWAV)
	}
	if string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return f, 0, ErrNotWAV
	}
	haveFmt := false
	for {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			return f, 0, fmt.Errorf("wav: no data chunk: %w", err)
		}
		id := string(ch[0:4])
		n := int64(binary.LittleEndian.Uint32(ch[4:8]))
		switch id {
		case "fmt ":
			if n < 16 || n > 1024 {
				return f, 0, fmt.Errorf("wav: fmt chunk of %d bytes", n)
			}
			body := make([]byte, n+n%2)
			if _, err := io.ReadFull(r, body); err != nil {
				return f, 0, fmt.Errorf("wav: fmt chunk: %w", err)
			}
			format := binary.LittleEndian.Uint16(body[0:2])
			f.Channels = int(binary.LittleEndian.Uint16(body[2:4]))
			f.SampleRate = int(binary.LittleEndian.Uint32(body[4:8]))
			f.BitsPerSample = int(binary.LittleEndian.Uint16(body[14:16]))
			if format == 0xFFFE && n >= 26 { // WAVE_FORMAT_EXTENSIBLE: the sub-format's first two bytes
				format = binary.LittleEndian.Uint16(body[24:26])
			}
			if format != 1 || f.BitsPerSample != 16 {
				return f, 0, fmt.Errorf("wav: format %d with %d bits per sample; only 16-bit PCM (format 1) is analysed", format, f.BitsPerSample)
			}
			if f.Channels < 1 || f.Channels > 2 {
				return f, 0, fmt.Errorf("wav: %d channels; only mono or stereo is analysed", f.Channels)
			}
			if f.SampleRate < 4000 || f.SampleRate > 96000 {
				return f, 0, fmt.Errorf("wav: sample rate %d Hz out of range 4000..96000", f.SampleRate)
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return f, 0, errors.New("wav: data chunk before fmt chunk")
			}
			if n == 0xFFFFFFFF {
				n = 0
			}
			return f, n, nil
		default:
			if _, err := io.CopyN(io.Discard, r, n+n%2); err != nil {
				return f, 0, fmt.Errorf("wav: skip %q chunk: %w", id, err)
			}
		}
	}
}

// pcmReader yields the interleaved 16-bit samples of a WAV data chunk in
// blocks.
type pcmReader struct {
	r      *bufio.Reader
	left   int64 // bytes left in the data chunk; <0 = until EOF
	buf    []byte
	odd    bool
	format WAVFormat
}

func newPCMReader(r io.Reader) (*pcmReader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	f, n, err := readWAVHeader(br)
	if err != nil {
		return nil, err
	}
	left := n
	if n == 0 {
		left = -1
	}
	return &pcmReader{r: br, left: left, buf: make([]byte, 64<<10), format: f}, nil
}

// read fills dst with samples and returns how many; 0 and io.EOF at the end.
// A trailing odd byte is dropped.
func (p *pcmReader) read(dst []int16) (int, error) {
	want := len(dst) * 2
	if want > len(p.buf) {
		want = len(p.buf)
	}
	if p.left >= 0 && int64(want) > p.left {
		want = int(p.left)
	}
	want &^= 1
	if want == 0 {
		return 0, io.EOF
	}
	n, err := io.ReadFull(p.r, p.buf[:want])
	if p.left >= 0 {
		p.left -= int64(n)
	}
	n &^= 1
	for i := 0; i < n/2; i++ {
		dst[i] = int16(binary.LittleEndian.Uint16(p.buf[2*i:]))
	}
	if n > 0 {
		return n / 2, nil
	}
	if err == io.ErrUnexpectedEOF || err == nil {
		err = io.EOF
	}
	return 0, err
}

// EncodeWAV writes 16-bit PCM samples (interleaved when channels is 2) as a
// WAV file: used by tests and the benchmark to synthesize recordings.
func EncodeWAV(w io.Writer, rate, channels int, samples []int16) error {
	data := len(samples) * 2
	var h [44]byte
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(36+data))
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1)
	binary.LittleEndian.PutUint16(h[22:], uint16(channels))
	binary.LittleEndian.PutUint32(h[24:], uint32(rate))
	binary.LittleEndian.PutUint32(h[28:], uint32(rate*channels*2))
	binary.LittleEndian.PutUint16(h[32:], uint16(channels*2))
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], uint32(data))
	if _, err := w.Write(h[:]); err != nil {
		return err
	}
	buf := make([]byte, 0, 64<<10)
	for _, s := range samples {
		buf = binary.LittleEndian.AppendUint16(buf, uint16(s))
		if len(buf) == cap(buf) {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	_, err := w.Write(buf)
	return err
}
