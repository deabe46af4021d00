package sim

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// ariServer is the Asterisk-flavoured front-end: ARI REST + events WebSocket.
type ariServer struct {
	m    *Model
	opts Options

	mu      sync.Mutex // guards apps, ln, srv; taken inside m.mu
	ln      net.Listener
	srv     *http.Server
	apps    map[string]*ariApp
	closing chan struct{}
	wg      sync.WaitGroup
}

// ariApp is a Stasis application: registered while a socket is (or was)
// open, with the channels and bridges it is subscribed to.
type ariApp struct {
	name     string
	sock     *ariSock
	all      bool
	channels map[string]bool
	bridges  map[string]bool
}

// ariSock is one events WebSocket with its own writer queue.
type ariSock struct {
	conn   *websocket.Conn
	mu     sync.Mutex
	cond   *sync.Cond
	queue  [][]byte
	closed bool
	done   chan struct{}
}

func newARIServer(m *Model, o Options) *ariServer {
	a := &ariServer{m: m, opts: o, apps: map[string]*ariApp{}, closing: make(chan struct{})}
	m.addSink(a)
	return a
}

func (a *ariServer) addr() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.ln == nil {
		return ""
	}
	return a.ln.Addr().String()
}

func (a *ariServer) serve(ln net.Listener) {
	a.mu.Lock()
	a.ln = ln
	a.srv = &http.Server{Handler: a, ReadHeaderTimeout: 10 * time.Second}
	srv := a.srv
	a.mu.Unlock()
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		_ = srv.Serve(ln)
	}()
}

func (a *ariServer) close() {
	a.mu.Lock()
	select {
	case <-a.closing:
		a.mu.Unlock()
		return
	default:
	}
	close(a.closing)
	srv := a.srv
	var socks []*ariSock
	for _, app := range a.apps {
		if app.sock != nil {
			socks = append(socks, app.sock)
		}
	}
	a.mu.Unlock()
	for _, s := range socks {
		s.stop()
	}
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = srv.Shutdown(ctx)
		cancel()
		_ = srv.Close()
	}
	a.wg.Wait()
}

// emit is the model sink (m.mu held): route the event to the apps that
// see it. Events for an app without an open socket are lost, as on Asterisk.
func (a *ariServer) emit(me *mEvent) {
	if me.Ch != nil && me.Ch.Front != FrontAsterisk {
		// render's own first test, made before entering it: its stack
		// frame is large, and at every FreeSWITCH event it grew the stack
		// of the goroutine emitting (timers run on fresh goroutines).
		return
	}
	ev := a.render(me)
	if ev == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if me.Kind == evStasisStart && me.Ch != nil {
		if app := a.apps[me.Ch.App]; app != nil {
			app.channels[me.Ch.ID] = true
		}
	}
	names := make([]string, 0, len(a.apps))
	for n := range a.apps {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		app := a.apps[n]
		if app.sock == nil || !a.sees(app, ev) {
			continue
		}
		body := append(append(jobj{}, ev.body...), jkv{"asterisk_id", asteriskID}, jkv{"application", app.name})
		b, err := json.Marshal(body)
		if err == nil {
			app.sock.push(b)
		}
	}
	// A channel that came from the dialplan is not followed after StasisEnd.
	if me.Kind == evStasisEnd && me.Ch != nil && me.Ch.Inbound {
		for _, app := range a.apps {
			delete(app.channels, me.Ch.ID)
		}
	}
}

func (a *ariServer) sees(app *ariApp, ev *ariEvent) bool {
	if app.all {
		return true
	}
	for _, c := range ev.chans {
		if app.channels[c.ID] || c.App == app.name {
			return true
		}
	}
	if b := ev.bridge; b != nil {
		if app.bridges[b.ID] {
			return true
		}
		for _, id := range b.Channels {
			if app.channels[id] {
				return true
			}
		}
	}
	return false
}

// subscribeChannel makes app follow a channel it originated or snooped.
func (a *ariServer) subscribeChannel(app, id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ap := a.apps[app]; ap != nil {
		ap.channels[id] = true
	}
}

func (a *ariServer) unsubscribeChannel(app, id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ap := a.apps[app]; ap != nil {
		delete(ap.channels, id)
	}
}

func (a *ariServer) appConnected(name string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	ap := a.apps[name]
	return ap != nil && ap.sock != nil
}

func (s *ariSock) push(b []byte) {
	s.mu.Lock()
	if !s.closed {
		s.queue = append(s.queue, b)
	}
	s.mu.Unlock()
	s.cond.Signal()
}

func (s *ariSock) stop() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cond.Signal()
}

// writer drains the queue; after stop it flushes and closes the socket.
func (s *ariSock) writer() {
	defer close(s.done)
	for {
		s.mu.Lock()
		for len(s.queue) == 0 && !s.closed {
			s.cond.Wait()
		}
		q, closed := s.queue, s.closed
		s.queue = nil
		s.mu.Unlock()
		for _, b := range q {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err := s.conn.Write(ctx, websocket.MessageText, b)
			cancel()
			if err != nil {
				s.stop()
				s.conn.CloseNow()
				return
			}
		}
		if closed {
			s.conn.Close(websocket.StatusNormalClosure, "")
			return
		}
	}
}

// ServeHTTP authenticates and routes /ari/... requests.
func (a *ariServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !a.authOK(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="Asterisk REST Interface"`)
		writeJSON(w, http.StatusUnauthorized, jobj{{"message", "Authentication required"}})
		return
	}
	// Split the escaped path, then unescape each segment: a recording name
	// may contain "/" sent as %2F within one segment, as Asterisk allows.
	path, ok := strings.CutPrefix(r.URL.EscapedPath(), "/ari/")
	if !ok {
		writeJSON(w, http.StatusNotFound, jobj{{"message", "Resource not found"}})
		return
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	for i, seg := range parts {
		if u, err := url.PathUnescape(seg); err == nil {
			parts[i] = u
		}
	}
	if parts[0] == "events" && len(parts) == 1 {
		a.events(w, r)
		return
	}
	p, err := ariParams(r)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, jobj{{"message", "Error parsing request body"}})
		return
	}
	var st int
	var body any
	m := a.m
	m.mu.Lock()
	if m.closed {
		st, body = http.StatusServiceUnavailable, jobj{{"message", "Shutting down"}}
	} else {
		st, body = a.route(r.Method, parts, p)
		m.recordHearing()
	}
	m.mu.Unlock()
	if st == http.StatusNoContent {
		w.WriteHeader(st)
		return
	}
	writeJSON(w, st, body)
}

func (a *ariServer) authOK(r *http.Request) bool {
	if u, p, ok := r.BasicAuth(); ok {
		return u == a.opts.ARIUser && p == a.opts.ARIPassword
	}
	return r.URL.Query().Get("api_key") == a.opts.ARIUser+":"+a.opts.ARIPassword
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"message":"Internal Server Error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Server", "Asterisk")
	w.Header().Set("Cache-Control", "no-cache, no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// params are ARI request parameters from the query string and a JSON body.
type params struct {
	v    url.Values
	vars map[string]string
}

func (p params) get(k string) string { return p.v.Get(k) }

func (p params) has(k string) bool { _, ok := p.v[k]; return ok }

// list splits a comma-separated or repeated parameter.
func (p params) list(k string) []string {
	var out []string
	for _, v := range p.v[k] {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// ariParams merges query parameters with the fields of a JSON object body,
// as Asterisk does; "variables" is kept as a map.
func ariParams(r *http.Request) (params, error) {
	p := params{v: r.URL.Query(), vars: map[string]string{}}
	if r.Body == nil {
		return p, nil
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return p, err
	}
	return decodeARIBody(p, raw)
}

func decodeARIBody(p params, raw []byte) (params, error) {
	if len(strings.TrimSpace(string(raw))) == 0 {
		return p, nil
	}
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return p, errors.New("body is a JSON string")
		}
		return p, err
	}
	for k, v := range obj {
		switch t := v.(type) {
		case string:
			p.v.Set(k, t)
		case float64, bool:
			b, _ := json.Marshal(t)
			p.v.Set(k, string(b))
		case []any:
			for _, e := range t {
				if s, ok := e.(string); ok {
					p.v.Add(k, s)
				}
			}
		case map[string]any:
			if k == "variables" {
				for vk, vv := range t {
					if s, ok := vv.(string); ok {
						p.vars[vk] = s
					}
				}
			}
		}
	}
	return p, nil
}

// events upgrades GET /ari/events?app=X[&subscribeAll=true].
func (a *ariServer) events(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	names := []string{}
	for _, s := range strings.Split(q.Get("app"), ",") {
		if s = strings.TrimSpace(s); s != "" {
			names = append(names, s)
		}
	}
	if len(names) == 0 {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\r\n<html><head>\r\n<title>400 Bad Request</title>\r\n</head><body>\r\n<h1>Bad Request</h1>\r\n<p>HTTP request is missing param: [app]</p>\r\n<hr />\r\n<address>Asterisk</address>\r\n</body></html>\r\n")
		return
	}
	// Register before the upgrade completes, so no event sent after the
	// client saw 101 can be missed.
	s := &ariSock{done: make(chan struct{})}
	s.cond = sync.NewCond(&s.mu)
	all := q.Get("subscribeAll") == "true"
	a.m.mu.Lock() // registration is ordered with event emission
	a.mu.Lock()
	select {
	case <-a.closing:
		a.mu.Unlock()
		a.m.mu.Unlock()
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	default:
	}
	for _, n := range names {
		app := a.apps[n]
		if app == nil {
			app = &ariApp{name: n, channels: map[string]bool{}, bridges: map[string]bool{}}
			a.apps[n] = app
		}
		if old := app.sock; old != nil && old != s {
			b, _ := json.Marshal(jobj{{"type", "ApplicationReplaced"}, {"timestamp", astTime(time.Now())}, {"application", n}, {"asterisk_id", asteriskID}})
			old.push(b)
			old.stop()
		}
		app.sock = s
		app.all = all
	}
	a.wg.Add(2) // writer and this handler: Close waits for both
	a.mu.Unlock()
	a.m.mu.Unlock()
	defer a.wg.Done()
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		a.wg.Done()
		a.unregister(names, s)
		return
	}
	s.conn = conn
	go func() {
		defer a.wg.Done()
		s.writer()
	}()
	// Read until the client goes away; events never come from the client.
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-s.done:
		case <-a.closing:
		}
		cancel()
	}()
	for {
		if _, _, err := conn.Read(ctx); err != nil {
			break
		}
	}
	cancel()
	s.stop()
	<-s.done
	a.unregister(names, s)
}

// unregister drops a closed socket; an app without subscriptions goes away.
func (a *ariServer) unregister(names []string, s *ariSock) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, n := range names {
		if app := a.apps[n]; app != nil && app.sock == s {
			app.sock = nil
			if len(app.channels) == 0 && len(app.bridges) == 0 {
				delete(a.apps, n)
			}
		}
	}
}

func msg(text string) jobj { return jobj{{"message", text}} }
