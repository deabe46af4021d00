package ivrflows

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipcc/ipcc/egress"
)

func TestHTTP(t *testing.T) {
	var mu sync.Mutex
	var gotBody, gotAuth, gotPath string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		gotBody, gotAuth, gotPath = string(b), r.Header.Get("Authorization"), r.URL.Path
		mu.Unlock()
		switch r.URL.Path {
		case "/ok/42":
			_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"balance": 1250.5, "items": []any{map[string]any{"id": "x1"}}}})
		case "/slow/42":
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		case "/bad-json/42":
			_, _ = w.Write([]byte("<html>"))
		case "/missing/42":
			_, _ = w.Write([]byte(`{"data": {}}`))
		default:
			http.Error(w, "no", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	doc := `
id: h
start: call
nodes:
  - id: call
    type: http
    method: POST
    url: "` + srv.URL + `/%s/${acct}"
    headers: {Authorization: "Bearer ${token}"}
    body: '{"acct": "${acct}", "name": "${name}", "n": ${n}}'
    timeout: 200ms
    response: {balance: data.balance, first: data.items.0.id}
    next: ok
    error: failed
  - {id: ok, type: hangup}
  - {id: failed, type: hangup}
`
	vars := map[string]any{"acct": "42", "token": "s3cret", "name": `Li "Lei"`, "n": 7}
	for _, tc := range []struct{ name, path, want, detail string }{
		{"success maps the response", "ok", "call:next ok:hangup", "balance=1250.5 first=x1"},
		{"non-2xx takes the error edge", "down", "call:error failed:hangup", "status 503"},
		{"timeout takes the error edge", "slow", "call:error failed:hangup", egress.Failed},
		{"bad JSON takes the error edge", "bad-json", "call:error failed:hangup", "not JSON"},
		{"missing path takes the error edge", "missing", "call:error failed:hangup", "no data.balance"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := dry(t, mustFlow(t, fmt.Sprintf(doc, tc.path)), "", DryRunOptions{Vars: vars, HTTP: loopbackHTTP(t)})
			expectPath(t, r, tc.want)
			if d := r.Result.Visits[0].Detail; !strings.Contains(d, tc.detail) || strings.Contains(d, "s3cret") {
				t.Fatalf("detail %q", d)
			}
			if tc.path == "ok" && formatValue(r.Result.Vars["balance"]) != "1250.5" {
				t.Fatalf("balance %v", r.Result.Vars["balance"])
			}
		})
	}
	mu.Lock()
	defer mu.Unlock()
	if gotAuth != "Bearer s3cret" || !json.Valid([]byte(gotBody)) || !strings.Contains(gotBody, `"name": "Li \"Lei\""`) || !strings.Contains(gotBody, `"n": 7`) {
		t.Fatalf("request: auth %q body %s path %s", gotAuth, gotBody, gotPath)
	}
	r := dry(t, mustFlow(t, fmt.Sprintf(strings.Replace(doc, srv.URL, "http://127.0.0.1:1", 1), "x")), "", DryRunOptions{Vars: vars, HTTP: loopbackHTTP(t)})
	expectPath(t, r, "call:error failed:hangup")
}

// loopbackHTTP is the http nodes' client of tests that talk to httptest
// servers: the egress policy with loopback allowed explicitly.
func loopbackHTTP(t *testing.T) *http.Client {
	t.Helper()
	p, err := egress.New([]string{"127.0.0.0/8", "::1/128"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p.Client(0)
}

// By default an http node reaches no loopback, private or metadata
// address, and a request that gets no answer says the same whatever the
// reason (denied, refused, timed out): no body, no port state. The reason
// is in the server log.
func TestHTTPEgress(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte(`{"data": {"secret": "internal-only"}}`))
	}))
	defer srv.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer slow.Close()
	doc := `
id: h
start: call
nodes:
  - {id: call, type: http, url: "%s", timeout: 300ms, response: {secret: data.secret}, next: ok, error: failed}
  - {id: ok, type: hangup}
  - {id: failed, type: hangup}
`
	var logged strings.Builder
	log := slog.New(slog.NewTextHandler(&syncWriter{w: &logged}, nil))
	details := map[string]string{}
	for name, tc := range map[string]struct {
		url  string
		http *http.Client
	}{
		"loopback denied by default": {srv.URL + "/x", nil},
		"metadata denied by default": {"http://169.254.169.254/x", nil},
		"closed port":                {"http://127.0.0.1:1/x", loopbackHTTP(t)},
		"timeout":                    {slow.URL + "/x", loopbackHTTP(t)},
	} {
		r := dry(t, mustFlow(t, fmt.Sprintf(doc, tc.url)), "", DryRunOptions{HTTP: tc.http, Logger: log})
		expectPath(t, r, "call:error failed:hangup")
		if _, ok := r.Result.Vars["secret"]; ok {
			t.Errorf("%s: response mapped: %v", name, r.Result.Vars)
		}
		d := r.Result.Visits[0].Detail
		u, _ := url.Parse(tc.url)
		details[name] = strings.Replace(d, u.Host, "HOST", 1)
		if !strings.HasSuffix(d, egress.Failed) || r.Result.Vars["http_error"] != d {
			t.Errorf("%s: detail %q, http_error %q", name, d, r.Result.Vars["http_error"])
		}
	}
	for name, d := range details {
		if d != details["timeout"] {
			t.Errorf("%s says %q, the timeout says %q", name, d, details["timeout"])
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the loopback server was hit %d times", n)
	}
	if l := logged.String(); !strings.Contains(l, "is loopback and not in egress.allow") || !strings.Contains(l, "is cloud metadata") {
		t.Errorf("the log does not say why:\n%s", l)
	}
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
