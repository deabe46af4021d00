package ari

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// query builds url.Values from name/value pairs, skipping empty values.
func query(kv ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	return q
}

// Channels lists all active channels (GET /channels).
func (c *Client) Channels(ctx context.Context) ([]Channel, error) {
	var out []Channel
	err := c.Do(ctx, Request{Method: http.MethodGet, Path: "/channels"}, &out)
	return out, err
}

// Channel gets one channel (GET /channels/{channelId}).
func (c *Client) Channel(ctx context.Context, id string) (*Channel, error) {
	var out Channel
	if err := c.Do(ctx, Request{Method: http.MethodGet, Path: "/channels/" + esc(id)}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// OriginateParams are the parameters of POST /channels.
type OriginateParams struct {
	Endpoint  string
	App       string
	AppArgs   string
	Extension string
	Context   string
	Priority  int
	CallerID  string
	Timeout   int // seconds; 0 = Asterisk default (30)
	ChannelID string
	Variables map[string]string
}

// Originate creates a channel (POST /channels).
func (c *Client) Originate(ctx context.Context, p OriginateParams) (*Channel, error) {
	q := query("endpoint", p.Endpoint, "app", p.App, "appArgs", p.AppArgs,
		"extension", p.Extension, "context", p.Context, "callerId", p.CallerID,
		"channelId", p.ChannelID)
	if p.Priority > 0 {
		q.Set("priority", strconv.Itoa(p.Priority))
	}
	if p.Timeout > 0 {
		q.Set("timeout", strconv.Itoa(p.Timeout))
	}
	req := Request{Method: http.MethodPost, Path: "/channels", Query: q}
	if len(p.Variables) > 0 {
		req.Body = map[string]any{"variables": p.Variables}
	}
	var out Channel
	if err := c.Do(ctx, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Hangup deletes a channel (DELETE /channels/{channelId}) with an optional
// reason ("busy", ...) or Q.850 reason code (mutually exclusive; reason wins).
func (c *Client) Hangup(ctx context.Context, id, reason string, reasonCode int) error {
	q := query("reason", reason)
	if reason == "" && reasonCode > 0 {
		q.Set("reason_code", strconv.Itoa(reasonCode))
	}
	return c.Do(ctx, Request{Method: http.MethodDelete, Path: "/channels/" + esc(id), Query: q}, nil)
}

// Answer answers a channel (POST /channels/{channelId}/answer).
func (c *Client) Answer(ctx context.Context, id string) error {
	return c.Do(ctx, Request{Method: http.MethodPost, Path: "/channels/" + esc(id) + "/answer"}, nil)
}

// Continue returns a channel to the dialplan (POST /channels/{channelId}/continue).
func (c *Client) Continue(ctx context.Context, id, context_, extension string, priority int) error {
	q := query("context", context_, "extension", extension)
	if priority > 0 {
		q.Set("priority", strconv.Itoa(priority))
	}
	return c.Do(ctx, Request{Method: http.MethodPost, Path: "/channels/" + esc(id) + "/continue", Query: q}, nil)
}

// PlayParams are the parameters of POST /channels/{channelId}/play.
type PlayParams struct {
	Media      []string // media URIs ("sound:hello-world", "digits:123")
	Lang       string
	PlaybackID string
}

// Play starts a playback on a channel (POST /channels/{channelId}/play).
func (c *Client) Play(ctx context.Context, channelID string, p PlayParams) (*Playback, error) {
	q := query("media", strings.Join(p.Media, ","), "lang", p.Lang, "playbackId", p.PlaybackID)
	var out Playback
	if err := c.Do(ctx, Request{Method: http.MethodPost, Path: "/channels/" + esc(channelID) + "/play", Query: q}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RecordParams are the parameters of POST /channels/{channelId}/record.
type RecordParams struct {
	Name               string
	Format             string
	MaxDurationSeconds int
	MaxSilenceSeconds  int
	IfExists           string // fail | overwrite | append
	Beep               bool
	TerminateOn        string // none | any | * | #
}

// Record starts recording a channel (POST /channels/{channelId}/record).
func (c *Client) Record(ctx context.Context, channelID string, p RecordParams) (*LiveRecording, error) {
	q := query("name", p.Name, "format", p.Format, "ifExists", p.IfExists, "terminateOn", p.TerminateOn)
	if p.MaxDurationSeconds > 0 {
		q.Set("maxDurationSeconds", strconv.Itoa(p.MaxDurationSeconds))
	}
	if p.MaxSilenceSeconds > 0 {
		q.Set("maxSilenceSeconds", strconv.Itoa(p.MaxSilenceSeconds))
	}
	q.Set("beep", strconv.FormatBool(p.Beep))
	var out LiveRecording
	if err := c.Do(ctx, Request{Method: http.MethodPost, Path: "/channels/" + esc(channelID) + "/record", Query: q}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// StartMOH plays music on hold to a channel (POST /channels/{channelId}/moh).
func (c *Client) StartMOH(ctx context.Context, id, class string) error {
	return c.Do(ctx, Request{Method: http.MethodPost, Path: "/channels/" + esc(id) + "/moh", Query: query("mohClass", class)}, nil)
}

// StopMOH stops music on hold (DELETE /channels/{channelId}/moh).
func (c *Client) StopMOH(ctx context.Context, id string) error {
	return c.Do(ctx, Request{Method: http.MethodDelete, Path: "/channels/" + esc(id) + "/moh"}, nil)
}

// Mute mutes (on) or unmutes a channel in direction both|in|out
// (POST or DELETE /channels/{channelId}/mute).
func (c *Client) Mute(ctx context.Context, id, direction string, on bool) error {
	method := http.MethodPost
	if !on {
		method = http.MethodDelete
	}
	return c.Do(ctx, Request{Method: method, Path: "/channels/" + esc(id) + "/mute", Query: query("direction", direction)}, nil)
}

// SnoopParams are the parameters of POST /channels/{channelId}/snoop.
type SnoopParams struct {
	Spy     string // none | both | out | in
	Whisper string // none | both | out | in
	App     string
	AppArgs string
	SnoopID string
}

// Snoop creates a snoop channel on a channel (POST /channels/{channelId}/snoop).
func (c *Client) Snoop(ctx context.Context, channelID string, p SnoopParams) (*Channel, error) {
	q := query("spy", p.Spy, "whisper", p.Whisper, "app", p.App, "appArgs", p.AppArgs, "snoopId", p.SnoopID)
	var out Channel
	if err := c.Do(ctx, Request{Method: http.MethodPost, Path: "/channels/" + esc(channelID) + "/snoop", Query: q}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// SendDTMF sends DTMF out of a channel (POST /channels/{channelId}/dtmf).
// between and duration are milliseconds (0 = Asterisk defaults).
func (c *Client) SendDTMF(ctx context.Context, id, dtmf string, between, duration int) error {
	q := query("dtmf", dtmf)
	if between > 0 {
		q.Set("between", strconv.Itoa(between))
	}
	if duration > 0 {
		q.Set("duration", strconv.Itoa(duration))
	}
	return c.Do(ctx, Request{Method: http.MethodPost, Path: "/channels/" + esc(id) + "/dtmf", Query: q}, nil)
}

// SetVar sets a channel variable (POST /channels/{channelId}/variable).
func (c *Client) SetVar(ctx context.Context, id, name, value string) error {
	q := url.Values{"variable": {name}, "value": {value}}
	return c.Do(ctx, Request{Method: http.MethodPost, Path: "/channels/" + esc(id) + "/variable", Query: q}, nil)
}

// GetVar reads a channel variable (GET /channels/{channelId}/variable).
func (c *Client) GetVar(ctx context.Context, id, name string) (string, error) {
	var out Variable
	err := c.Do(ctx, Request{Method: http.MethodGet, Path: "/channels/" + esc(id) + "/variable", Query: query("variable", name)}, &out)
	return out.Value, err
}
