package qa

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"unicode"
)

// Word is one recognised word with its time in the recording.
type Word struct {
	Word    string `json:"word"`
	StartMS int64  `json:"start_ms"`
	EndMS   int64  `json:"end_ms"`
	Channel string `json:"channel,omitempty"` // caller, agent or "" (mixed)
}

// Transcriber turns audio into timed words.
type Transcriber interface {
	// Transcribe sends a WAV file's audio and returns its words.
	Transcribe(ctx context.Context, wav io.Reader) ([]Word, error)
	Name() string
}

// HTTPTranscriber speaks the OpenAI-style transcription API that several
// open ASR servers implement: POST multipart/form-data to URL with "file"
// (the WAV), "model", "response_format=verbose_json" and
// "timestamp_granularities[]=word"; the answer's "words" (word, start,
// end in seconds) — or, without them, its "segments" (text, start, end) —
// become Words.
type HTTPTranscriber struct {
	URL    string
	Model  string
	APIKey string
	// Client must apply the egress policy to tenant-supplied URLs.
	Client *http.Client
}

// Name is the provider's name for the stored transcript.
func (h *HTTPTranscriber) Name() string { return "http:" + h.URL }

// Transcribe implements Transcriber.
func (h *HTTPTranscriber) Transcribe(ctx context.Context, wav io.Reader) ([]Word, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "audio.wav")
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(fw, wav); err != nil {
		return nil, fmt.Errorf("qa: transcribe: read audio: %w", err)
	}
	model := h.Model
	if model == "" {
		model = "whisper-1"
	}
	for _, kv := range [][2]string{{"model", model}, {"response_format", "verbose_json"}, {"timestamp_granularities[]", "word"}} {
		if err := mw.WriteField(kv[0], kv[1]); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, &body)
	if err != nil {
		return nil, fmt.Errorf("qa: transcribe: %w", err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if h.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+h.APIKey)
	}
	resp, err := h.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("qa: transcribe at %s: %w", h.URL, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return nil, fmt.Errorf("qa: transcribe at %s: read answer: %w", h.URL, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("qa: transcribe at %s: HTTP %d: %.200s", h.URL, resp.StatusCode, data)
	}
	var out struct {
		Words []struct {
			Word  string  `json:"word"`
			Start float64 `json:"start"`
			End   float64 `json:"end"`
		} `json:"words"`
		Segments []struct {
			Text  string  `json:"text"`
			Start float64 `json:"start"`
			End   float64 `json:"end"`
		} `json:"segments"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("qa: transcribe at %s: the answer is not verbose_json: %w", h.URL, err)
	}
	words := []Word{}
	for _, w := range out.Words {
		words = append(words, Word{Word: strings.TrimSpace(w.Word), StartMS: int64(w.Start * 1000), EndMS: int64(w.End * 1000)})
	}
	if len(words) == 0 {
		for _, s := range out.Segments {
			words = append(words, Word{Word: strings.TrimSpace(s.Text), StartMS: int64(s.Start * 1000), EndMS: int64(s.End * 1000)})
		}
	}
	return words, nil
}

// Hit is a phrase found in a transcript.
type Hit struct {
	Phrase  string `json:"phrase"`
	StartMS int64  `json:"start_ms"`
	Channel string `json:"channel,omitempty"`
}

// FindPhrases finds each phrase in the words (of channel, "" = any):
// case-insensitive, ignoring punctuation and spaces, so "稍等 一下" and
// "稍等一下" match alike.
func FindPhrases(words []Word, phrases []string, channel string) []Hit {
	var hits []Hit
	var text []rune
	var at []int // word index of each rune
	for i, w := range words {
		if channel != "" && w.Channel != channel {
			continue
		}
		for _, r := range normalise(w.Word) {
			text = append(text, r)
			at = append(at, i)
		}
	}
	s := string(text)
	for _, p := range phrases {
		np := string(normalise(p))
		if np == "" {
			continue
		}
		off := 0
		for {
			k := strings.Index(s[off:], np)
			if k < 0 {
				break
			}
			ri := len([]rune(s[:off+k]))
			w := words[at[ri]]
			hits = append(hits, Hit{Phrase: p, StartMS: w.StartMS, Channel: w.Channel})
			off += k + len(np)
		}
	}
	return hits
}

func normalise(s string) []rune {
	var out []rune
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			out = append(out, r)
		}
	}
	return out
}
