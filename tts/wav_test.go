package tts

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// buildWAV assembles a RIFF/WAVE file from chunks (id, body) in order.
func buildWAV(chunks ...chunk) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF\x00\x00\x00\x00WAVE")
	for _, c := range chunks {
		writeChunk(&b, c)
	}
	out := b.Bytes()
	binary.LittleEndian.PutUint32(out[4:8], uint32(len(out)-8))
	return out
}

func fmtChunk() chunk {
	body := make([]byte, 16)
	binary.LittleEndian.PutUint16(body[0:], 1)     // PCM
	binary.LittleEndian.PutUint16(body[2:], 1)     // mono
	binary.LittleEndian.PutUint32(body[4:], 8000)  // rate
	binary.LittleEndian.PutUint32(body[8:], 16000) // byte rate
	binary.LittleEndian.PutUint16(body[12:], 2)    // block align
	binary.LittleEndian.PutUint16(body[14:], 16)   // bits
	return chunk{id: "fmt ", body: body}
}

func infoList(subs ...chunk) chunk {
	var b bytes.Buffer
	b.WriteString("INFO")
	for _, s := range subs {
		writeChunk(&b, s)
	}
	return chunk{id: "LIST", body: b.Bytes()}
}

var pcm = []byte{1, 2, 3, 4, 5, 6, 7, 8}

// chunkIDs lists the top-level chunk ids of a WAV for order assertions.
func chunkIDs(t *testing.T, wav []byte) []string {
	t.Helper()
	cs, err := parseChunks(wav)
	if err != nil {
		t.Fatalf("output does not parse: %v", err)
	}
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.id)
	}
	return ids
}

func TestSetComment(t *testing.T) {
	streaming := buildWAV(fmtChunk(), chunk{id: "data", body: pcm})
	binary.LittleEndian.PutUint32(streaming[len(streaming)-len(pcm)-4:], 0xFFFFFFFF)

	tests := []struct {
		name     string
		in       []byte
		comment  string
		wantIDs  string // top-level chunk ids joined by ","
		keepINAM bool
		wantErr  string
	}{
		{"plain wav gets LIST before data", buildWAV(fmtChunk(), chunk{id: "data", body: pcm}), "您好，欢迎致电", "fmt ,LIST,data", false, ""},
		{"existing comment replaced, other INFO kept",
			buildWAV(fmtChunk(), infoList(chunk{"INAM", []byte("title\x00")}, chunk{"ICMT", []byte("old\x00")}), chunk{id: "data", body: pcm}),
			"new", "fmt ,LIST,data", true, ""},
		{"LIST after data moves before it",
			buildWAV(fmtChunk(), chunk{id: "data", body: pcm}, infoList(chunk{"ICMT", []byte("old\x00")})),
			"moved", "fmt ,LIST,data", false, ""},
		{"odd chunk before data keeps its pad", buildWAV(fmtChunk(), chunk{id: "fact", body: []byte{1, 2, 3}}, chunk{id: "data", body: pcm}),
			"odd", "fmt ,fact,LIST,data", false, ""},
		{"placeholder data size is clamped", streaming, "stream", "fmt ,LIST,data", false, ""},
		{"empty comment", buildWAV(fmtChunk(), chunk{id: "data", body: pcm}), "", "fmt ,LIST,data", false, ""},
		{"not riff", []byte("OggS not a wav at all"), "x", "", false, "not a RIFF/WAVE"},
		{"no data chunk", buildWAV(fmtChunk()), "x", "", false, "no data chunk"},
		{"overrunning chunk", append(buildWAV(fmtChunk()), []byte("junk\xff\x00\x00\x00ab")...), "x", "", false, "overruns"},
		{"NUL in comment", buildWAV(fmtChunk(), chunk{id: "data", body: pcm}), "a\x00b", "", false, "NUL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := SetComment(tc.in, tc.comment)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(chunkIDs(t, out), ","); got != tc.wantIDs {
				t.Errorf("chunks %s, want %s", got, tc.wantIDs)
			}
			if got, err := Comment(out); err != nil || got != tc.comment {
				t.Errorf("Comment = %q, %v; want %q", got, err, tc.comment)
			}
			if n := binary.LittleEndian.Uint32(out[4:8]); int(n) != len(out)-8 {
				t.Errorf("RIFF size %d, file %d", n, len(out))
			}
			if !bytes.HasSuffix(out, pcm) {
				t.Error("audio bytes changed")
			}
			if tc.keepINAM && !bytes.Contains(out, []byte("INAM")) {
				t.Error("INAM entry lost")
			}
		})
	}
}

func TestReadComment(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		want    string
		wantErr error
	}{
		{"no comment", buildWAV(fmtChunk(), chunk{id: "data", body: pcm}), "", ErrNoComment},
		{"comment after data is still found", buildWAV(fmtChunk(), chunk{id: "data", body: pcm}, infoList(chunk{"ICMT", []byte("late\x00")})), "late", nil},
		{"non-INFO LIST skipped", buildWAV(chunk{"LIST", []byte("adtlxxxx")}, infoList(chunk{"ICMT", []byte("b\x00")}), chunk{id: "data", body: pcm}), "b", nil},
		{"comment without NUL", buildWAV(infoList(chunk{"ICMT", []byte("bare")}), chunk{id: "data", body: pcm}), "bare", nil},
		{"truncated", buildWAV(fmtChunk())[:20], "", ErrNoComment},
		{"empty", nil, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Comment(tc.in)
			if tc.name == "empty" {
				if err == nil {
					t.Fatal("no error for empty input")
				}
				return
			}
			if !errors.Is(err, tc.wantErr) || got != tc.want {
				t.Fatalf("Comment = %q, %v; want %q, %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func FuzzReadComment(f *testing.F) {
	plain := buildWAV(fmtChunk(), chunk{id: "data", body: pcm})
	stamped, _ := SetComment(plain, "请按1")
	f.Add(plain)
	f.Add(stamped)
	f.Add(buildWAV(fmtChunk(), infoList(chunk{"INAM", []byte("t\x00")}, chunk{"ICMT", []byte("c")}), chunk{id: "data", body: pcm}))
	f.Add([]byte("RIFF\xff\xff\xff\xffWAVELIST\xff\xff\xff\x7fINFO"))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEdata\xff\xff\xff\xff"))
	f.Add(pcmWAV(22050, 2, 64, 440))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Comment(data)        // must not panic or hang
		_, _ = Resample(data, 8000) // nor may the converter
		out, err := SetComment(data, "hello 你好")
		if err != nil {
			return
		}
		if got, err := Comment(out); err != nil || got != "hello 你好" {
			t.Fatalf("round trip: %q, %v", got, err)
		}
		again, err := SetComment(out, "second")
		if err != nil {
			t.Fatalf("re-stamping own output: %v", err)
		}
		if got, _ := Comment(again); got != "second" {
			t.Fatalf("re-stamp read %q", got)
		}
	})
}
