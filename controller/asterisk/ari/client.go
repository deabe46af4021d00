// Package ari is a small typed client for the Asterisk REST Interface: the
// REST resources ipcc uses (with HTTP basic auth) and the /ari/events
// WebSocket. It follows Asterisk's own Swagger description (api-docs) and
// knows nothing about ipcc's neutral model; the asterisk driver translates.
package ari

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Client talks to one Asterisk's ARI over HTTP. It is safe for concurrent use.
type Client struct {
	base     *url.URL // scheme://host:port/ari (no trailing slash)
	user     string
	password string
	hc       *http.Client
}

// NewClient returns a client for the ARI at baseURL ("http://host:8088"; a
// trailing "/ari" is accepted). hc may be nil (http.DefaultClient).
func NewClient(baseURL, user, password string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("ari: base URL %q: %w", baseURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("ari: base URL %q: scheme must be http or https", baseURL)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("ari: base URL %q: missing host", baseURL)
	}
	if !strings.HasSuffix(u.Path, "/ari") {
		u.Path += "/ari"
	}
	u.RawQuery, u.Fragment = "", ""
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{base: u, user: user, password: password, hc: hc}, nil
}

// Error is a non-2xx reply from ARI. Message is the "message" (or "error")
// field of Asterisk's JSON error body, or the raw body when it is not JSON.
type Error struct {
	Method  string
	Path    string
	Status  int
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("ari: %s %s: %d %s", e.Method, e.Path, e.Status, e.Message)
}

// StatusOf returns the HTTP status of an *Error in err's chain, or 0.
func StatusOf(err error) int {
	var ae *Error
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

// TransportError is a failure to reach ARI at all (connection refused,
// timeout, reset): the request may or may not have been applied.
type TransportError struct {
	Method string
	Path   string
	Err    error
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("ari: %s %s: %v", e.Method, e.Path, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// Request is one rendered ARI call: method, escaped path under /ari, query
// and an optional JSON body.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Body   any
}

// Do sends req and decodes a JSON reply into out (when out is non-nil and the
// reply has a body). Non-2xx replies return *Error.
func (c *Client) Do(ctx context.Context, req Request, out any) error {
	u := *c.base
	// req.Path is escaped (ids go through esc), so an id such as a
	// recording name "calls/2026/r1" stays one path segment: res_ari
	// splits the raw path on '/' and URI-decodes each segment afterwards,
	// and Asterisk creates the sub-directories of a recording name.
	plain, err := url.PathUnescape(req.Path)
	if err != nil {
		return fmt.Errorf("ari: %s %s: %w", req.Method, req.Path, err)
	}
	u.Path = c.base.Path + plain
	u.RawPath = c.base.EscapedPath() + req.Path
	if len(req.Query) > 0 {
		u.RawQuery = req.Query.Encode()
	}
	var body io.Reader
	if req.Body != nil {
		b, err := json.Marshal(req.Body)
		if err != nil {
			return fmt.Errorf("ari: %s %s: encode body: %w", req.Method, req.Path, err)
		}
		body = bytes.NewReader(b)
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, u.String(), body)
	if err != nil {
		return fmt.Errorf("ari: %s %s: %w", req.Method, req.Path, err)
	}
	hr.SetBasicAuth(c.user, c.password)
	hr.Header.Set("Accept", "application/json")
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(hr)
	if err != nil {
		return &TransportError{Method: req.Method, Path: req.Path, Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return &TransportError{Method: req.Method, Path: req.Path, Err: err}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &Error{Method: req.Method, Path: req.Path, Status: resp.StatusCode, Message: errorMessage(data, resp.Status)}
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("ari: %s %s: decode reply: %w", req.Method, req.Path, err)
	}
	return nil
}

// errorMessage extracts Asterisk's error text: {"message": ...} for most
// errors, {"error": ...} for some 500s, else the raw body or status line.
func errorMessage(data []byte, status string) string {
	var m struct {
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	if json.Unmarshal(data, &m) == nil {
		if m.Message != "" {
			return m.Message
		}
		if m.Error != "" {
			return m.Error
		}
	}
	if s := strings.TrimSpace(string(data)); s != "" && len(s) < 200 && !strings.HasPrefix(s, "<") {
		return s
	}
	return status
}

// esc escapes an id as one path segment.
func esc(id string) string { return url.PathEscape(id) }
