package ari

import (
	"context"
	"net/http"
	"strings"
)

// Bridges lists all bridges (GET /bridges).
func (c *Client) Bridges(ctx context.Context) ([]Bridge, error) {
	var out []Bridge
	err := c.Do(ctx, Request{Method: http.MethodGet, Path: "/bridges"}, &out)
	return out, err
}

// CreateBridge creates a bridge with our id (POST /bridges). typ is a
// comma-separated list such as "mixing" or "mixing,dtmf_events".
func (c *Client) CreateBridge(ctx context.Context, id, typ, name string) (*Bridge, error) {
	var out Bridge
	q := query("bridgeId", id, "type", typ, "name", name)
	if err := c.Do(ctx, Request{Method: http.MethodPost, Path: "/bridges", Query: q}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DestroyBridge shuts a bridge down (DELETE /bridges/{bridgeId}).
func (c *Client) DestroyBridge(ctx context.Context, id string) error {
	return c.Do(ctx, Request{Method: http.MethodDelete, Path: "/bridges/" + esc(id)}, nil)
}

// AddChannelParams are the optional parameters of addChannel.
type AddChannelParams struct {
	Role string
	Mute bool
}

// AddChannel adds channels to a bridge (POST /bridges/{bridgeId}/addChannel).
func (c *Client) AddChannel(ctx context.Context, bridgeID string, channels []string, p AddChannelParams) error {
	q := query("channel", strings.Join(channels, ","), "role", p.Role)
	if p.Mute {
		q.Set("mute", "true")
	}
	return c.Do(ctx, Request{Method: http.MethodPost, Path: "/bridges/" + esc(bridgeID) + "/addChannel", Query: q}, nil)
}

// RemoveChannel removes a channel from a bridge (POST /bridges/{bridgeId}/removeChannel).
func (c *Client) RemoveChannel(ctx context.Context, bridgeID, channel string) error {
	return c.Do(ctx, Request{Method: http.MethodPost, Path: "/bridges/" + esc(bridgeID) + "/removeChannel", Query: query("channel", channel)}, nil)
}

// StopPlayback stops a playback (DELETE /playbacks/{playbackId}).
func (c *Client) StopPlayback(ctx context.Context, id string) error {
	return c.Do(ctx, Request{Method: http.MethodDelete, Path: "/playbacks/" + esc(id)}, nil)
}

// Playback gets a playback (GET /playbacks/{playbackId}).
func (c *Client) Playback(ctx context.Context, id string) (*Playback, error) {
	var out Playback
	if err := c.Do(ctx, Request{Method: http.MethodGet, Path: "/playbacks/" + esc(id)}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// StopRecording stops and stores a live recording (POST /recordings/live/{recordingName}/stop).
func (c *Client) StopRecording(ctx context.Context, name string) error {
	return c.Do(ctx, Request{Method: http.MethodPost, Path: "/recordings/live/" + esc(name) + "/stop"}, nil)
}

// CancelRecording stops a live recording and discards it (DELETE
// /recordings/live/{recordingName}).
func (c *Client) CancelRecording(ctx context.Context, name string) error {
	return c.Do(ctx, Request{Method: http.MethodDelete, Path: "/recordings/live/" + esc(name)}, nil)
}

// PauseRecording pauses (POST) or unpauses (DELETE) /recordings/live/{recordingName}/pause.
func (c *Client) PauseRecording(ctx context.Context, name string, pause bool) error {
	method := http.MethodPost
	if !pause {
		method = http.MethodDelete
	}
	return c.Do(ctx, Request{Method: method, Path: "/recordings/live/" + esc(name) + "/pause"}, nil)
}

// LiveRecording gets a live recording (GET /recordings/live/{recordingName}).
func (c *Client) LiveRecording(ctx context.Context, name string) (*LiveRecording, error) {
	var out LiveRecording
	if err := c.Do(ctx, Request{Method: http.MethodGet, Path: "/recordings/live/" + esc(name)}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Application gets one Stasis application (GET /applications/{applicationName}).
func (c *Client) Application(ctx context.Context, name string) (*Application, error) {
	var out Application
	if err := c.Do(ctx, Request{Method: http.MethodGet, Path: "/applications/" + esc(name)}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Ping checks the server (GET /asterisk/ping).
func (c *Client) Ping(ctx context.Context) (*AsteriskPing, error) {
	var out AsteriskPing
	if err := c.Do(ctx, Request{Method: http.MethodGet, Path: "/asterisk/ping"}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
