package sim

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// mediaItem is one thing to play with its (simulated) length. endless items
// (music on hold, local_stream) run until stopped.
type mediaItem struct {
	Heard
	dur     time.Duration
	endless bool
	uri     string // ARI media URI it came from
	refused string // why the switch cannot play it ("" = it can)
}

// music is the music on hold c hears now ("" = none).
func (m *Model) music(c *Channel) string {
	if !c.alive() || c.MuteOut {
		return ""
	}
	for _, p := range m.plays {
		looping := p.exec != nil && p.exec.Loops < 0
		if p.State != "playing" || p.idx >= len(p.items) || !(p.items[p.idx].endless || looping) {
			continue
		}
		for _, l := range m.playbackListeners(p) {
			if l == c {
				return p.items[p.idx].Value
			}
		}
	}
	if c.MOH {
		return c.mohClass
	}
	if b := m.bridges[c.Bridge]; b != nil && b.MOH {
		return "default"
	}
	return ""
}

// playing is the media item a playback plays to c now ("" = none); of
// several, the one started last.
func (m *Model) playing(c *Channel) string {
	if !c.alive() || c.MuteOut {
		return ""
	}
	var best *Playback
	for _, p := range m.plays {
		if p.State != "playing" || p.idx >= len(p.items) || p.items[p.idx].refused != "" {
			continue
		}
		for _, l := range m.playbackListeners(p) {
			if l == c && (best == nil || p.itemStart.After(best.itemStart)) {
				best = p
			}
		}
	}
	if best == nil {
		return ""
	}
	return best.items[best.idx].Value
}

// mediaFromFS turns a FreeSWITCH playback argument into items. file_string://
// joins several files with '!'.
func (m *Model) mediaFromFS(arg string) []mediaItem {
	arg = strings.TrimSpace(arg)
	if rest, ok := strings.CutPrefix(arg, "file_string://"); ok {
		var out []mediaItem
		for _, p := range strings.Split(rest, "!") {
			out = append(out, m.mediaFromFS(p)...)
		}
		return out
	}
	switch {
	case strings.HasPrefix(arg, "tone_stream://"):
		return []mediaItem{m.item("tone", arg, "")}
	case strings.HasPrefix(arg, "silence_stream://"):
		ms, _ := strconv.Atoi(strings.TrimPrefix(arg, "silence_stream://"))
		it := m.item("silence", arg, "")
		it.dur = m.capDur(time.Duration(ms) * time.Millisecond)
		return []mediaItem{it}
	case strings.HasPrefix(arg, "local_stream://"):
		it := m.item("moh", arg, "")
		it.endless = true
		return []mediaItem{it}
	case strings.HasPrefix(arg, "say:"):
		return []mediaItem{m.item("number", strings.TrimPrefix(arg, "say:"), "")}
	}
	return []mediaItem{m.fileItem(arg, arg)}
}

// mediaFromARI turns one ARI media URI into an item; ok is false for an
// unknown scheme (Asterisk accepts it and the playback fails later).
func (m *Model) mediaFromARI(uri string) (mediaItem, bool) {
	it, ok := m.mediaFromARIScheme(uri)
	it.uri = uri
	return it, ok
}

func (m *Model) mediaFromARIScheme(uri string) (mediaItem, bool) {
	scheme, val, found := strings.Cut(uri, ":")
	if !found {
		return mediaItem{}, false
	}
	switch scheme {
	case "sound":
		it := m.fileItem(uri, val)
		it.refused = asteriskRefuses(val)
		return it, true
	case "recording":
		path := val
		if r := m.stored[val]; r != nil {
			path = r.Path
		}
		it := m.fileItem(uri, path)
		it.refused = asteriskRefuses(path)
		return it, true
	case "number":
		return m.item("number", val, ""), true
	case "digits":
		return m.item("digits", val, ""), true
	case "characters":
		return m.item("digits", val, ""), true
	case "tone":
		return m.item("tone", val, ""), true
	}
	return mediaItem{}, false
}

func (m *Model) item(kind, value, text string) mediaItem {
	return mediaItem{Heard: Heard{Kind: kind, Value: value, Text: text}, dur: m.capDur(m.opts.MediaDuration)}
}

// fileItem reads a prompt file if it exists: its real length, and the text a
// TTS renderer stored in the RIFF LIST/INFO ICMT chunk.
func (m *Model) fileItem(value, path string) mediaItem {
	it := m.item("file", value, "")
	for _, p := range []string{path, path + ".wav"} {
		info, err := readWAVInfo(p)
		if err != nil {
			continue
		}
		it.Text = info.comment
		if info.duration > 0 {
			it.dur = m.capDur(info.duration)
		}
		break
	}
	return it
}

func (m *Model) capDur(d time.Duration) time.Duration {
	if m.opts.MaxMediaDuration > 0 && d > m.opts.MaxMediaDuration {
		return m.opts.MaxMediaDuration
	}
	return d
}

type wavInfo struct {
	duration time.Duration
	comment  string
}

var errNotWAV = errors.New("not a RIFF/WAVE file")

// readWAVInfo walks the RIFF chunks of a WAV file. Bad files are reported,
// never panicked on.
func readWAVInfo(path string) (wavInfo, error) {
	var info wavInfo
	f, err := os.Open(path)
	if err != nil {
		return info, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 64<<20))
	if err != nil {
		return info, fmt.Errorf("read %s: %w", path, err)
	}
	return parseWAV(data)
}

func parseWAV(data []byte) (wavInfo, error) {
	var info wavInfo
	if len(data) < 12 || string(data[0:4]) != "RIFF" || string(data[8:12]) != "WAVE" {
		return info, errNotWAV
	}
	var byteRate uint32
	var dataLen int
	p := 12
	for p+8 <= len(data) {
		id := string(data[p : p+4])
		n := int(binary.LittleEndian.Uint32(data[p+4 : p+8]))
		body := data[p+8:]
		if n < 0 || n > len(body) {
			n = len(body)
		}
		body = body[:n]
		switch id {
		case "fmt ":
			if len(body) >= 12 {
				byteRate = binary.LittleEndian.Uint32(body[8:12])
			}
		case "data":
			dataLen = n
		case "LIST":
			if len(body) >= 4 && string(body[:4]) == "INFO" {
				q := 4
				for q+8 <= len(body) {
					sid := string(body[q : q+4])
					sn := int(binary.LittleEndian.Uint32(body[q+4 : q+8]))
					if sn < 0 || q+8+sn > len(body) {
						break
					}
					if sid == "ICMT" {
						info.comment = string(bytes.TrimRight(body[q+8:q+8+sn], "\x00"))
					}
					q += 8 + sn + sn%2
				}
			}
		}
		p += 8 + n + n%2
	}
	if byteRate > 0 {
		info.duration = time.Duration(int64(dataLen) * int64(time.Second) / int64(byteRate))
	}
	return info, nil
}

// writeWAV writes d of silence as 16-bit PCM, 8 kHz, mono.
func writeWAV(path string, d time.Duration) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("sim: recording dir: %w", err)
	}
	samples := int(d.Seconds() * 8000)
	var b bytes.Buffer
	dataLen := samples * 2
	b.WriteString("RIFF")
	_ = binary.Write(&b, binary.LittleEndian, uint32(36+dataLen))
	b.WriteString("WAVEfmt ")
	_ = binary.Write(&b, binary.LittleEndian, uint32(16))
	_ = binary.Write(&b, binary.LittleEndian, uint16(1))    // PCM
	_ = binary.Write(&b, binary.LittleEndian, uint16(1))    // mono
	_ = binary.Write(&b, binary.LittleEndian, uint32(8000)) // rate
	_ = binary.Write(&b, binary.LittleEndian, uint32(16000))
	_ = binary.Write(&b, binary.LittleEndian, uint16(2))
	_ = binary.Write(&b, binary.LittleEndian, uint16(16))
	b.WriteString("data")
	_ = binary.Write(&b, binary.LittleEndian, uint32(dataLen))
	b.Write(make([]byte, dataLen))
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("sim: write recording: %w", err)
	}
	return nil
}
