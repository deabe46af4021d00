package ari

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestNewClientBaseURL(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{"http://pbx1:8088", "http://pbx1:8088/ari", ""},
		{"http://pbx1:8088/", "http://pbx1:8088/ari", ""},
		{"http://pbx1:8088/ari", "http://pbx1:8088/ari", ""},
		{"https://pbx1/asterisk/ari/", "https://pbx1/asterisk/ari", ""},
		{"pbx1:8088", "", "scheme"},
		{"http://", "", "missing host"},
	} {
		c, err := NewClient(tc.in, "u", "p", nil)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || c.base.String() != tc.want {
			t.Errorf("%s: %v %v, want %s", tc.in, c, err, tc.want)
		}
	}
}

func TestErrorBodies(t *testing.T) {
	var gotPath string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath = r.URL.EscapedPath()
		switch {
		case strings.Contains(r.URL.Path, "/channels/gone"):
			w.WriteHeader(404)
			_, _ = w.Write([]byte(`{"message": "Channel not found"}`))
		case r.URL.Path == "/ari/channels":
			w.WriteHeader(500)
			_, _ = w.Write([]byte(`{"error":"Allocation failed"}`))
		case strings.HasPrefix(r.URL.Path, "/ari/recordings/"):
			w.WriteHeader(204)
		default:
			w.WriteHeader(400)
			_, _ = w.Write([]byte("<html>Bad Request</html>"))
		}
	}))
	defer srv.Close()
	c, err := NewClient(srv.URL, "u", "p", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	err = c.Answer(ctx, "gone")
	var ae *Error
	if !errors.As(err, &ae) || ae.Status != 404 || ae.Message != "Channel not found" || ae.Path != "/channels/gone/answer" {
		t.Errorf("404: %#v", err)
	}
	if _, err := c.Originate(ctx, OriginateParams{Endpoint: "PJSIP/x", App: "ipcc"}); StatusOf(err) != 500 || !strings.Contains(err.Error(), "Allocation failed") {
		t.Errorf("500: %v", err)
	}
	if err := c.Mute(ctx, "x", "in", true); StatusOf(err) != 400 || !strings.HasSuffix(err.Error(), "400 Bad Request") {
		t.Errorf("html body: %v", err)
	}
	// A recording name with a directory stays one path segment.
	if err := c.StopRecording(ctx, "calls/2026/r1"); err != nil {
		t.Fatal(err)
	}
	if gotPath != "/ari/recordings/live/calls%2F2026%2Fr1/stop" {
		t.Errorf("path %s", gotPath)
	}
}

func TestTransportError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c, _ := NewClient(url, "u", "p", nil)
	err := c.Answer(context.Background(), "x")
	var te *TransportError
	if !errors.As(err, &te) {
		t.Fatalf("got %T %v, want *TransportError", err, err)
	}
}

func TestDialEventsUnauthorized(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(401)
		_, _ = w.Write([]byte(`{"message": "Authentication required"}`))
	}))
	defer srv.Close()
	c, _ := NewClient(srv.URL, "u", "wrong", nil)
	_, err := c.DialEvents(context.Background(), "ipcc", false)
	if StatusOf(err) != 401 || !strings.Contains(err.Error(), "Authentication required") {
		t.Fatalf("got %v", err)
	}
}

func TestDecodeEvent(t *testing.T) {
	for _, tc := range []struct{ in, err string }{
		{`{"type":"StasisStart","channel":{"id":"a"},"args":["5551000"]}`, ""},
		{`{"type":"ApplicationReplaced","application":"ipcc"}`, ""},
		{`{"type":"SomethingNew","x":1}`, ""},
		{`{"type":"StasisStart"}`, "without channel id"},
		{`{"type":"ChannelEnteredBridge","channel":{"id":"a"}}`, "without channel or bridge id"},
		{`{"type":"PlaybackFinished","playback":{}}`, "without playback id"},
		{`{"type":"RecordingFinished"}`, "without recording name"},
		{`{"channel":{"id":"a"}}`, "missing type"},
		{`not json`, "bad event"},
		{`{"type":"ChannelDtmfReceived","channel":{"id":"a"},"digit":5}`, "bad event"},
	} {
		ev, err := DecodeEvent([]byte(tc.in))
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.in, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, ErrBadEvent)):
			t.Errorf("%s: err %v, want %q", tc.in, err, tc.err)
		case tc.err == "" && ev.Type == "":
			t.Errorf("%s: no type", tc.in)
		}
	}
	ev, _ := DecodeEvent([]byte(`{"type":"StasisStart","timestamp":"2026-11-21T23:52:59.413+0000","channel":{"id":"a","dialplan":{"app_name":"Stasis","app_data":"ipcc,5551000,lang=zh"}}}`))
	if ts := ev.Time(); ts.IsZero() || ts.UTC().Format("15:04:05.000") != "23:52:59.413" {
		t.Errorf("time %v", ts)
	}
	app, args, ok := ev.Channel.StasisApp()
	if !ok || app != "ipcc" || strings.Join(args, "|") != "5551000|lang=zh" {
		t.Errorf("stasis app %q %q %v", app, args, ok)
	}
}
