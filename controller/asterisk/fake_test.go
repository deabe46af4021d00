package asterisk

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/ipcc/ipcc/controller"
)

const (
	fakeUser = "ipcc"
	fakePass = "s3cret"
)

// recorded is one REST request the fake ARI received.
type recorded struct {
	Method string
	Path   string // under /ari
	Query  string // encoded, sorted
	Body   string
}

func (r recorded) String() string {
	s := r.Method + " " + r.Path
	if r.Query != "" {
		s += "?" + r.Query
	}
	if r.Body != "" {
		s += " " + r.Body
	}
	return s
}

// reply is what the fake answers to one request.
type reply struct {
	status int
	body   any
	// events are sent on the WebSocket before the reply is written (real
	// Asterisk often sends StasisStart before the POST /channels reply).
	events []string
}

// fakeARI is a tiny ARI server: basic auth, REST with scripted or default
// replies, and the /ari/events WebSocket.
type fakeARI struct {
	t   testing.TB
	srv *httptest.Server
	app string

	mu       sync.Mutex
	reqs     []recorded
	ws       *websocket.Conn
	wsCount  int
	channels []map[string]any    // GET /channels
	bridges  map[string][]string // bridge id -> members (emulated)
	handler  func(r recorded) *reply
	wsReady  chan struct{}
}

func newFakeARI(t testing.TB) *fakeARI {
	f := &fakeARI{t: t, app: "ipcc", wsReady: make(chan struct{}, 16)}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.close)
	return f
}

func (f *fakeARI) close() {
	f.mu.Lock()
	ws := f.ws
	f.mu.Unlock()
	if ws != nil {
		_ = ws.CloseNow()
	}
	f.srv.CloseClientConnections()
	f.srv.Close()
}

func (f *fakeARI) serve(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	if !ok || user != fakeUser || pass != fakePass {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Authentication required"})
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/ari")
	if path == "/events" {
		f.serveWS(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	rec := recorded{Method: r.Method, Path: strings.TrimPrefix(r.URL.EscapedPath(), "/ari"), Query: r.URL.Query().Encode(), Body: strings.TrimSpace(string(body))}
	f.mu.Lock()
	f.reqs = append(f.reqs, rec)
	h := f.handler
	f.mu.Unlock()
	var rep *reply
	if h != nil {
		rep = h(rec)
	}
	if rep == nil {
		rep = f.defaultReply(rec, r)
	}
	for _, ev := range rep.events {
		f.send(ev)
	}
	writeJSON(w, rep.status, rep.body)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	if status == http.StatusNoContent || body == nil {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func (f *fakeARI) serveWS(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("app") != f.app {
		http.Error(w, "HTTP request is missing param: [app]", http.StatusBadRequest)
		return
	}
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	f.mu.Lock()
	old := f.ws
	f.ws = c
	f.wsCount++
	f.mu.Unlock()
	if old != nil {
		_ = old.CloseNow()
	}
	f.wsReady <- struct{}{}
	// Read until the client goes away (answers pings, notices closes).
	for {
		if _, _, err := c.Read(context.Background()); err != nil {
			return
		}
	}
}

// send writes one event frame on the current WebSocket.
func (f *fakeARI) send(frame string) {
	var ws *websocket.Conn
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(2 * time.Millisecond) {
		f.mu.Lock()
		ws = f.ws
		f.mu.Unlock()
		if ws != nil || time.Now().After(deadline) {
			break
		}
	}
	if ws == nil {
		f.t.Logf("fake ARI: no socket for %s", frame)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ws.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
		f.t.Logf("fake ARI: write: %v", err)
	}
}

// dropWS closes the socket without a closing handshake (an abrupt loss).
func (f *fakeARI) dropWS() {
	f.mu.Lock()
	ws := f.ws
	f.ws = nil
	f.mu.Unlock()
	if ws != nil {
		_ = ws.CloseNow()
	}
}

func (f *fakeARI) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

// settle waits until no request arrived for 60ms and returns them all.
func (f *fakeARI) settle() []recorded {
	n := -1
	for {
		time.Sleep(60 * time.Millisecond)
		reqs := f.requests()
		if len(reqs) == n {
			return reqs
		}
		n = len(reqs)
	}
}

func (f *fakeARI) resetRequests() {
	f.mu.Lock()
	f.reqs = nil
	f.mu.Unlock()
}

func (f *fakeARI) setChannels(chs ...map[string]any) {
	f.mu.Lock()
	f.channels = chs
	f.mu.Unlock()
}

func (f *fakeARI) setHandler(h func(r recorded) *reply) {
	f.mu.Lock()
	f.handler = h
	f.mu.Unlock()
}

// defaultReply answers like Asterisk does for a successful request.
func (f *fakeARI) defaultReply(rec recorded, r *http.Request) *reply {
	q := r.URL.Query()
	parts := strings.Split(strings.Trim(rec.Path, "/"), "/")
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case rec.Method == "GET" && rec.Path == "/applications/"+f.app:
		var ids []string
		for _, c := range f.channels {
			ids = append(ids, c["id"].(string))
		}
		return &reply{status: 200, body: map[string]any{"name": f.app, "channel_ids": ids, "bridge_ids": []string{}, "endpoint_ids": []string{}, "device_names": []string{}}}
	case rec.Method == "GET" && rec.Path == "/channels":
		return &reply{status: 200, body: nonNil(f.channels)}
	case rec.Method == "GET" && rec.Path == "/bridges":
		out := []map[string]any{}
		for id, m := range f.bridges {
			out = append(out, bridgeJSON(id, m))
		}
		return &reply{status: 200, body: out}
	case rec.Method == "GET" && parts[0] == "playbacks", rec.Method == "GET" && parts[0] == "recordings":
		return &reply{status: 404, body: map[string]string{"message": "Playback not found"}}
	case rec.Method == "POST" && rec.Path == "/channels":
		return &reply{status: 200, body: channelJSON(q.Get("channelId"), "Down", "", "")}
	case rec.Method == "POST" && rec.Path == "/bridges":
		id := q.Get("bridgeId")
		if _, ok := f.bridges[id]; ok {
			return &reply{status: 409, body: map[string]string{"message": "Bridge with id '" + id + "' already exists"}}
		}
		if f.bridges == nil {
			f.bridges = map[string][]string{}
		}
		f.bridges[id] = []string{}
		return &reply{status: 200, body: bridgeJSON(id, nil)}
	case rec.Method == "DELETE" && len(parts) == 2 && parts[0] == "bridges":
		if _, ok := f.bridges[parts[1]]; !ok {
			return &reply{status: 404, body: map[string]string{"message": "Bridge not found"}}
		}
		delete(f.bridges, parts[1])
	case len(parts) == 3 && parts[0] == "bridges" && (parts[2] == "addChannel" || parts[2] == "removeChannel"):
		members, ok := f.bridges[parts[1]]
		if !ok {
			return &reply{status: 404, body: map[string]string{"message": "Bridge not found"}}
		}
		rep := &reply{status: 204}
		for _, ch := range strings.Split(q.Get("channel"), ",") {
			typ := "ChannelEnteredBridge"
			if parts[2] == "addChannel" {
				for id, m := range f.bridges { // Asterisk moves a bridged channel
					if id != parts[1] && contains(m, ch) {
						f.bridges[id] = without(m, ch)
						rep.events = append(rep.events, event("ChannelLeftBridge", map[string]any{"bridge": bridgeJSON(id, f.bridges[id]), "channel": channelJSON(ch, "Up", "", "ipcc")}))
					}
				}
				if !contains(members, ch) {
					members = append(members, ch)
				}
			} else {
				if !contains(members, ch) {
					return &reply{status: 422, body: map[string]string{"message": "Channel not in this bridge"}}
				}
				members = without(members, ch)
				typ = "ChannelLeftBridge"
			}
			f.bridges[parts[1]] = members
			rep.events = append(rep.events, event(typ, map[string]any{"bridge": bridgeJSON(parts[1], members), "channel": channelJSON(ch, "Up", "", "ipcc")}))
		}
		return rep
	case len(parts) == 3 && parts[2] == "play":
		return &reply{status: 201, body: map[string]any{"id": q.Get("playbackId"), "media_uri": q.Get("media"), "target_uri": "channel:" + parts[1], "language": "en", "state": "queued"}}
	case len(parts) == 3 && parts[2] == "record":
		// 201 "queued", then the channel's thread starts it.
		rec := map[string]any{"name": q.Get("name"), "format": q.Get("format"), "state": "queued", "target_uri": "channel:" + parts[1]}
		started := map[string]any{"name": q.Get("name"), "format": q.Get("format"), "state": "recording", "target_uri": "channel:" + parts[1]}
		return &reply{status: 201, body: rec, events: []string{event("RecordingStarted", map[string]any{"recording": started})}}
	case len(parts) == 3 && parts[2] == "snoop":
		id := q.Get("snoopId")
		ch := channelJSON(id, "Up", "", "")
		return &reply{status: 200, body: ch, events: []string{event("StasisStart", map[string]any{"channel": ch, "args": strings.Split(q.Get("appArgs"), ",")})}}
	}
	return &reply{status: 204}
}

func bridgeJSON(id string, members []string) map[string]any {
	return map[string]any{"id": id, "technology": "simple_bridge", "bridge_type": "mixing", "bridge_class": "stasis",
		"creator": "Stasis", "name": "", "channels": append([]string{}, members...), "creationtime": "2026-11-22T00:01:47.220+0000"}
}

func without(list []string, s string) []string {
	var out []string
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

func nonNil(v []map[string]any) []map[string]any {
	if v == nil {
		return []map[string]any{}
	}
	return v
}

// channelJSON is a Channel as ARI renders it; stasisData ("ipcc,5551000")
// puts it in Stasis.
func channelJSON(id, state, callerNum, stasisData string) map[string]any {
	dp := map[string]any{"context": "from-trunk", "exten": "5551000", "priority": 1, "app_name": "", "app_data": ""}
	if stasisData != "" {
		dp["app_name"], dp["app_data"] = "Stasis", stasisData
	}
	return map[string]any{
		"id": id, "name": "PJSIP/" + id, "state": state, "protocol_id": "",
		"caller":    map[string]string{"name": "", "number": callerNum},
		"connected": map[string]string{"name": "", "number": ""}, "accountcode": "",
		"dialplan": dp, "creationtime": "2026-11-22T00:01:47.216+0000", "language": "en",
	}
}

// event renders an ARI event frame for app "ipcc".
func event(typ string, fields map[string]any) string {
	m := map[string]any{"type": typ, "timestamp": "2026-11-22T00:01:48.000+0000", "asterisk_id": "02:fc:00:00:00:01", "application": "ipcc"}
	for k, v := range fields {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// harness is a driver running against a fake ARI.
type harness struct {
	t      testing.TB
	fake   *fakeARI
	d      *Driver
	cancel context.CancelFunc
	done   chan error
	events chan controller.Event

	stopOnce sync.Once
}

func startHarness(t testing.TB, f *fakeARI, mod func(*Config)) *harness {
	t.Helper()
	cfg := Config{
		Name: "pbx1", URL: f.srv.URL, User: fakeUser, Password: fakePass,
		ReconnectMin: 20 * time.Millisecond, ReconnectMax: 100 * time.Millisecond,
		RequestTimeout: 5 * time.Second,
	}
	if mod != nil {
		mod(&cfg)
	}
	return startHarnessCfg(t, f, cfg)
}

// startHarnessCfg runs a driver with cfg; f may be nil for other servers.
func startHarnessCfg(t testing.TB, f *fakeARI, cfg Config) *harness {
	t.Helper()
	d, err := New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, fake: f, d: d, cancel: cancel, done: make(chan error, 1), events: make(chan controller.Event, 10000)}
	go func() { h.done <- d.Run(ctx) }()
	go func() {
		for ev := range d.Events() {
			h.events <- ev
		}
		close(h.events)
	}()
	t.Cleanup(h.stop)
	return h
}

func (h *harness) stop() {
	h.stopOnce.Do(func() {
		h.cancel()
		select {
		case <-h.done:
		case <-time.After(10 * time.Second):
			h.t.Error("Run did not return after cancel")
		}
	})
}

// next waits for the next event of type typ (others are returned in skipped).
func (h *harness) next(typ controller.EventType) controller.Event {
	h.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev, ok := <-h.events:
			if !ok {
				h.t.Fatalf("events closed while waiting for %s", typ)
			}
			if ev.Type == typ {
				return ev
			}
		case <-timeout:
			h.t.Fatalf("no %s event within 5s", typ)
		}
	}
}

// collect gathers events until one matching stop arrives (inclusive).
func (h *harness) collect(stop func(controller.Event) bool) []controller.Event {
	h.t.Helper()
	var out []controller.Event
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev, ok := <-h.events:
			if !ok {
				h.t.Fatalf("events closed; got %v", out)
			}
			out = append(out, ev)
			if stop(ev) {
				return out
			}
		case <-timeout:
			h.t.Fatalf("timed out; got %s", describeAll(out))
		}
	}
}

func describeAll(evs []controller.Event) string {
	var b strings.Builder
	for _, e := range evs {
		fmt.Fprintf(&b, "\n  %s", describe(e))
	}
	return b.String()
}

// inbound sends a StasisStart for an inbound call and waits for CallArrived.
func (h *harness) inbound(id, ani, did string) {
	h.t.Helper()
	h.fake.send(event("StasisStart", map[string]any{"channel": channelJSON(id, "Ring", ani, "ipcc,"+did), "args": []string{did}}))
	ev := h.next(controller.EventCallArrived)
	if ev.Leg != id {
		h.t.Fatalf("CallArrived for %s, want %s", ev.Leg, id)
	}
}
