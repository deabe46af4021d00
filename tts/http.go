package tts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// HTTP synthesises through a speech provider reached over HTTP: it POSTs
// {"text","lang","voice"} as JSON to URL and expects the WAV bytes back
// (Content-Type audio/wav or a body that starts with RIFF....WAVE). Cloud
// providers with other shapes sit behind a small gateway that speaks this.
type HTTP struct {
	// URL receives the POST.
	URL string
	// Name distinguishes providers in cache keys and errors; "" uses the
	// URL's host.
	Name string
	// Client sends the request; nil uses a client with a 30s timeout.
	Client *http.Client
	// Header is added to every request (e.g. Authorization).
	Header http.Header
	// Voices maps language tags to provider voices for requests without one.
	Voices map[string]string
	// MaxBytes bounds the response body; 0 means 32 MiB.
	MaxBytes int64
}

var defaultHTTPClient = &http.Client{Timeout: 30 * time.Second}

// Kind is "http:" followed by Name or the URL's host.
func (h *HTTP) Kind() string {
	if h.Name != "" {
		return "http:" + h.Name
	}
	if u, err := url.Parse(h.URL); err == nil && u.Host != "" {
		return "http:" + u.Host
	}
	return "http"
}

type httpRequest struct {
	Text  string `json:"text"`
	Lang  string `json:"lang"`
	Voice string `json:"voice,omitempty"`
}

// Synthesize posts the request and writes the returned WAV to dst.
func (h *HTTP) Synthesize(ctx context.Context, req Request, dst string) error {
	if strings.TrimSpace(req.Text) == "" {
		return wrapErr(h.Kind(), req, ErrEmptyText)
	}
	if h.URL == "" {
		return wrapErr(h.Kind(), req, errors.New("no provider URL configured"))
	}
	voice := req.Voice
	if voice == "" && h.Voices != nil {
		voice = h.Voices[req.Lang]
		if voice == "" {
			voice = h.Voices[strings.ToLower(req.Lang)]
		}
	}
	body, err := json.Marshal(httpRequest{Text: req.Text, Lang: req.Lang, Voice: voice})
	if err != nil {
		return wrapErr(h.Kind(), req, err)
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return wrapErr(h.Kind(), req, err)
	}
	for k, vs := range h.Header {
		for _, v := range vs {
			hr.Header.Add(k, v)
		}
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Accept", "audio/wav")
	client := h.Client
	if client == nil {
		client = defaultHTTPClient
	}
	resp, err := client.Do(hr)
	if err != nil {
		return wrapErr(h.Kind(), req, err)
	}
	defer resp.Body.Close()
	limit := h.MaxBytes
	if limit <= 0 {
		limit = 32 << 20
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return wrapErr(h.Kind(), req, fmt.Errorf("reading response: %w", err))
	}
	ct := resp.Header.Get("Content-Type")
	if resp.StatusCode/100 != 2 {
		snippet := ""
		if !strings.HasPrefix(ct, "audio/") {
			snippet = ": " + abbreviate(strings.TrimSpace(string(data)), 200)
		}
		return wrapErr(h.Kind(), req, fmt.Errorf("provider answered %s%s", resp.Status, snippet))
	}
	if int64(len(data)) > limit {
		return wrapErr(h.Kind(), req, fmt.Errorf("response larger than %d bytes", limit))
	}
	if len(data) < 12 || string(data[0:4]) != "RIFF" || string(data[8:12]) != "WAVE" {
		return wrapErr(h.Kind(), req, fmt.Errorf("response is not a WAV file (Content-Type %q, %d bytes)", ct, len(data)))
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		return wrapErr(h.Kind(), req, err)
	}
	return nil
}
