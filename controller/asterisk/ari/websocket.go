package ari

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"

	"github.com/coder/websocket"
)

// EventConn is an open /ari/events WebSocket.
type EventConn struct {
	ws *websocket.Conn
}

// DialEvents opens the event WebSocket for app (GET /ari/events?app=...),
// authenticating with HTTP basic auth on the upgrade request. A refused
// upgrade returns *Error with the HTTP status (401 for bad credentials).
func (c *Client) DialEvents(ctx context.Context, app string, subscribeAll bool) (*EventConn, error) {
	u := *c.base
	switch u.Scheme {
	case "https":
		u.Scheme = "wss"
	default:
		u.Scheme = "ws"
	}
	u.Path = c.base.Path + "/events"
	u.RawPath = ""
	q := url.Values{"app": {app}}
	if subscribeAll {
		q.Set("subscribeAll", "true")
	}
	u.RawQuery = q.Encode()
	h := http.Header{}
	h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(c.user+":"+c.password)))
	ws, resp, err := websocket.Dial(ctx, u.String(), &websocket.DialOptions{HTTPClient: c.hc, HTTPHeader: h})
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			msg := resp.Status
			if resp.Body != nil {
				buf := make([]byte, 512)
				n, _ := resp.Body.Read(buf)
				msg = errorMessage(buf[:n], resp.Status)
			}
			return nil, &Error{Method: http.MethodGet, Path: "/events", Status: resp.StatusCode, Message: msg}
		}
		return nil, &TransportError{Method: http.MethodGet, Path: "/events", Err: err}
	}
	ws.SetReadLimit(8 << 20)
	return &EventConn{ws: ws}, nil
}

// Read returns the next text frame. It must be called from one goroutine.
func (e *EventConn) Read(ctx context.Context) ([]byte, error) {
	for {
		typ, data, err := e.ws.Read(ctx)
		if err != nil {
			return nil, err
		}
		if typ == websocket.MessageText {
			return data, nil
		}
	}
}

// Ping sends a WebSocket ping and waits for the pong (a Read must be running).
func (e *EventConn) Ping(ctx context.Context) error { return e.ws.Ping(ctx) }

// Close closes the socket with a normal closure (waiting briefly for the
// peer's close frame; a Read must be running to receive it).
func (e *EventConn) Close() error {
	if err := e.ws.Close(websocket.StatusNormalClosure, ""); err != nil {
		return fmt.Errorf("ari: close events socket: %w", err)
	}
	return nil
}

// CloseNow drops the socket without the closing handshake.
func (e *EventConn) CloseNow() error { return e.ws.CloseNow() }
