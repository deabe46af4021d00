package switchbench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// ariServer is the smallest Asterisk ARI server the driver connects to:
// the REST reads of its reconcile (application, channels, bridges, all
// empty) and the /ari/events WebSocket, on which the bench writes event
// frames shaped like the reference transcript (ari-transcript.jsonl) and
// times every write.
type ariServer struct {
	ln  net.Listener
	srv *http.Server

	mu    sync.Mutex
	ws    *websocket.Conn
	ready chan struct{}
}

const ariApp = "ipcc"

func newARIServer() (*ariServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &ariServer{ln: ln, ready: make(chan struct{})}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *ariServer) url() string { return "http://" + s.ln.Addr().String() }

func (s *ariServer) close() {
	s.mu.Lock()
	ws := s.ws
	s.mu.Unlock()
	if ws != nil {
		_ = ws.CloseNow()
	}
	_ = s.srv.Close()
}

func (s *ariServer) serve(w http.ResponseWriter, r *http.Request) {
	if u, p, ok := r.BasicAuth(); !ok || u != "ari" || p != "ari" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"message":"Authentication required"}`))
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/ari")
	reply := func(body string) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}
	switch {
	case path == "/events":
		s.serveWS(w, r)
	case r.Method == http.MethodGet && path == "/applications/"+ariApp:
		reply(`{"name":"` + ariApp + `","channel_ids":[],"bridge_ids":[],"endpoint_ids":[],"device_names":[],"events_allowed":[],"events_disallowed":[]}`)
	case r.Method == http.MethodGet && (path == "/channels" || path == "/bridges"):
		reply(`[]`)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *ariServer) serveWS(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	c.SetReadLimit(1 << 20)
	s.mu.Lock()
	s.ws = c
	select {
	case <-s.ready:
	default:
		close(s.ready)
	}
	s.mu.Unlock()
	for { // answer pings, notice the close
		if _, _, err := c.Read(context.Background()); err != nil {
			return
		}
	}
}

// ariChannel renders a channel object as in the reference transcript.
func ariChannel(id, state string) string {
	return `{"id":"` + id + `","name":"PJSIP/trunk-` + id[len(id)-8:] + `","state":"` + state + `","protocol_id":"",` +
		`"caller":{"name":"Customer","number":"15551230001"},"connected":{"name":"","number":""},"accountcode":"",` +
		`"dialplan":{"context":"from-trunk","exten":"4000","priority":2,"app_name":"Stasis","app_data":"ipcc,4000"},` +
		`"creationtime":"2026-11-21T23:52:59.413+0000","language":"en"}`
}

func ariTimestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000-0700") }

func ariStasisStart(leg string, at time.Time) string {
	return `{"type":"StasisStart","timestamp":"` + ariTimestamp(at) + `","args":["4000"],"channel":` + ariChannel(leg, "Ring") +
		`,"asterisk_id":"02:fc:00:00:00:01","application":"` + ariApp + `"}`
}

func ariDTMF(leg string, digit byte, at time.Time) string {
	return `{"type":"ChannelDtmfReceived","timestamp":"` + ariTimestamp(at) + `","digit":"` + string(digit) + `","duration_ms":120,"channel":` +
		ariChannel(leg, "Up") + `,"asterisk_id":"02:fc:00:00:00:01","application":"` + ariApp + `"}`
}

// send writes frames [0, n) made by frame at rate per second (0 = as fast
// as possible), timing every write into res.
func (s *ariServer) send(ctx context.Context, n int64, rate float64, res *ReplayResult, frame func(i int64) string) error {
	s.mu.Lock()
	ws := s.ws
	s.mu.Unlock()
	if ws == nil {
		return errors.New("ari: no event socket")
	}
	start := time.Now()
	for i := int64(0); i < n; i++ {
		if rate > 0 {
			res.pace(start, i, rate)
		}
		b := []byte(frame(i))
		if res.FirstMicro == 0 {
			res.FirstMicro = time.Now().UnixMicro()
		}
		t0 := time.Now()
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := ws.Write(wctx, websocket.MessageText, b)
		cancel()
		res.wrote(time.Since(t0), 1, int64(len(b)))
		if err != nil {
			return fmt.Errorf("ari: write frame %d: %w", i, err)
		}
	}
	return nil
}
