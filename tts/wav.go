package tts

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// The simulator reports what a caller heard by reading the source text back
// out of the WAV file a TTS prompt played: it lives in a RIFF LIST chunk of
// type INFO, sub-chunk ICMT (comment), which every WAV reader skips. The LIST
// chunk is written before the data chunk because some players (Asterisk's
// format_wav) play everything after the data header as audio.

// ErrNoComment: the WAV has no ICMT comment.
var ErrNoComment = errors.New("wav has no ICMT comment")

// maxInfoChunk bounds how much of a LIST chunk the reader loads, so a forged
// size field cannot make it allocate gigabytes.
const maxInfoChunk = 1 << 20

type chunk struct {
	id   string
	body []byte
}

// SetComment returns a copy of the WAV file wav carrying comment in a
// LIST/INFO/ICMT chunk placed just before the data chunk. An existing ICMT
// is replaced; other INFO entries are kept. A data chunk whose size field
// overstates the file (as streaming writers leave it) is clamped.
func SetComment(wav []byte, comment string) ([]byte, error) {
	if strings.IndexByte(comment, 0) >= 0 {
		return nil, errors.New("wav: comment contains a NUL byte")
	}
	chunks, err := parseChunks(wav)
	if err != nil {
		return nil, err
	}
	var info []chunk // INFO sub-chunks to keep, from every LIST/INFO
	hasData := false
	for _, c := range chunks {
		switch {
		case c.id == "data":
			hasData = true
		case isInfoList(c):
			subs, err := parseSubchunks(c.body[4:])
			if err != nil {
				return nil, fmt.Errorf("wav: LIST/INFO: %w", err)
			}
			for _, s := range subs {
				if s.id != "ICMT" {
					info = append(info, s)
				}
			}
		}
	}
	if !hasData {
		return nil, errors.New("wav: no data chunk")
	}
	info = append(info, chunk{id: "ICMT", body: append([]byte(comment), 0)})

	var list bytes.Buffer
	list.WriteString("INFO")
	for _, s := range info {
		writeChunk(&list, s)
	}

	var out bytes.Buffer
	out.Grow(len(wav) + list.Len() + 16)
	out.WriteString("RIFF\x00\x00\x00\x00WAVE")
	listWritten := false
	for _, c := range chunks {
		if isInfoList(c) {
			continue
		}
		if c.id == "data" && !listWritten {
			writeChunk(&out, chunk{id: "LIST", body: list.Bytes()})
			listWritten = true
		}
		writeChunk(&out, c)
	}
	if out.Len()-8 > 0xFFFFFFFF {
		return nil, errors.New("wav: file too large for RIFF")
	}
	b := out.Bytes()
	binary.LittleEndian.PutUint32(b[4:8], uint32(len(b)-8))
	return b, nil
}

// Comment returns the ICMT comment of the WAV file in wav.
func Comment(wav []byte) (string, error) {
	return ReadComment(bytes.NewReader(wav))
}

// ReadCommentFile returns the ICMT comment of the WAV file at path.
func ReadCommentFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("wav: %w", err)
	}
	defer f.Close()
	s, err := ReadComment(bufio.NewReader(f))
	if err != nil {
		return "", fmt.Errorf("wav %s: %w", path, err)
	}
	return s, nil
}

// ReadComment reads a WAV stream up to its first ICMT comment and returns
// it; it never loads the audio. Malformed input gives an error, never a
// panic.
func ReadComment(r io.Reader) (string, error) {
	var hdr [12]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return "", errors.New("wav: short RIFF header")
	}
	if string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return "", errors.New("wav: not a RIFF/WAVE file")
	}
	for {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			return "", ErrNoComment // clean or truncated end: no comment found
		}
		id := string(ch[0:4])
		size := int64(binary.LittleEndian.Uint32(ch[4:8]))
		padded := size + size&1
		if id != "LIST" || size > maxInfoChunk {
			if _, err := io.CopyN(io.Discard, r, padded); err != nil {
				return "", ErrNoComment
			}
			continue
		}
		body := make([]byte, size)
		if _, err := io.ReadFull(r, body); err != nil {
			return "", errors.New("wav: truncated LIST chunk")
		}
		if size&1 == 1 {
			_, _ = io.CopyN(io.Discard, r, 1)
		}
		if len(body) < 4 || string(body[:4]) != "INFO" {
			continue
		}
		subs, err := parseSubchunks(body[4:])
		if err != nil {
			return "", fmt.Errorf("wav: LIST/INFO: %w", err)
		}
		for _, s := range subs {
			if s.id == "ICMT" {
				return string(bytes.TrimRight(s.body, "\x00")), nil
			}
		}
	}
}

func isInfoList(c chunk) bool {
	return c.id == "LIST" && len(c.body) >= 4 && string(c.body[:4]) == "INFO"
}

// parseChunks splits a whole RIFF/WAVE file into its top-level chunks.
func parseChunks(b []byte) ([]chunk, error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, errors.New("wav: not a RIFF/WAVE file")
	}
	var out []chunk
	off := 12
	for len(b)-off >= 8 {
		id := string(b[off : off+4])
		size := int(binary.LittleEndian.Uint32(b[off+4 : off+8]))
		start := off + 8
		if size > len(b)-start {
			if id != "data" {
				return nil, fmt.Errorf("wav: chunk %q at offset %d overruns the file", id, off)
			}
			size = len(b) - start // streaming writer left a placeholder size
		}
		out = append(out, chunk{id: id, body: b[start : start+size]})
		off = start + size + size&1
	}
	return out, nil
}

// parseSubchunks splits the body of a LIST chunk (after its type).
func parseSubchunks(b []byte) ([]chunk, error) {
	var out []chunk
	off := 0
	for len(b)-off >= 8 {
		id := string(b[off : off+4])
		size := int(binary.LittleEndian.Uint32(b[off+4 : off+8]))
		start := off + 8
		if size > len(b)-start {
			return nil, fmt.Errorf("sub-chunk %q overruns its LIST", id)
		}
		out = append(out, chunk{id: id, body: b[start : start+size]})
		off = start + size + size&1
	}
	return out, nil
}

func writeChunk(w *bytes.Buffer, c chunk) {
	var h [8]byte
	copy(h[0:4], c.id)
	binary.LittleEndian.PutUint32(h[4:8], uint32(len(c.body)))
	w.Write(h[:])
	w.Write(c.body)
	if len(c.body)&1 == 1 {
		w.WriteByte(0)
	}
}
