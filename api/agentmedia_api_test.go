package api_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/ipcc/ipcc/api"
	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// mediaDouble stands in for the dispatcher: it answers each operation with
// the error the test set and records what it was asked.
type mediaDouble struct {
	mu     sync.Mutex
	err    error // returned by Control and AnswerOffer
	canAns bool
	why    string
	asked  []string // tenant op
}

func (m *mediaDouble) record(tenant, agent, op string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if agent == "" {
		return fmt.Errorf("no agent named for %s", op)
	}
	m.asked = append(m.asked, tenant+" "+op)
	return m.err
}

func (m *mediaDouble) Control(ctx context.Context, tenant, agentID, op string, target *dialplan.Target) error {
	return m.record(tenant, agentID, op)
}

func (m *mediaDouble) ClickToDial(ctx context.Context, tenant, agentID, number, parent string) (string, error) {
	return "", m.record(tenant, agentID, "dial")
}

func (m *mediaDouble) AnswerOffer(ctx context.Context, tenant, agentID string) error {
	return m.record(tenant, agentID, "answer")
}

func (m *mediaDouble) RemoteAnswerSupport(ctx context.Context, tenant, agentID string) (bool, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.canAns, m.why, nil
}

func (m *mediaDouble) set(err error) {
	m.mu.Lock()
	m.err = err
	m.mu.Unlock()
}

func (m *mediaDouble) last() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.asked) == 0 {
		return ""
	}
	return m.asked[len(m.asked)-1]
}

// The dispatcher is the call control the server runs with.
var (
	_ api.AgentCalls = (*dispatch.Dispatcher)(nil)
	_ api.AgentMedia = (*dispatch.Dispatcher)(nil)
	_ api.AgentMedia = (*mediaDouble)(nil)
)

func newMediaEnv(t *testing.T, calls api.AgentCalls) *env {
	t.Helper()
	s := storetest.Open(t, store.SQLite)
	a, err := auth.New(s, auth.Options{Secret: []byte("0123456789abcdef0123456789abcdef"), TokenTTL: time.Hour, BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Bootstrap(context.Background(), "super-secret-pw"); err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Options{Store: s, Auth: a, Logger: quiet, AgentCalls: calls})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &env{t: t, store: s, auth: a, srv: srv, http: hs, suPass: "super-secret-pw"}
}

func TestAgentMuteAndAnswerRoutes(t *testing.T) {
	t.Parallel()
	d := &mediaDouble{}
	e := newMediaEnv(t, d)
	_, tok := e.setup()
	agent := bearer(tok["a/agent"])
	tests := []struct {
		name       string
		path       string
		err        error
		status     int
		code, sent string
	}{
		{"mute", "/api/v1/agent/call/mute", nil, 204, "", "a mute"},
		{"unmute", "/api/v1/agent/call/unmute", nil, 204, "", "a unmute"},
		{"mute without a call", "/api/v1/agent/call/mute", dispatch.ErrNoCall, 409, "no_call", "a mute"},
		{"a switch refusing the mute", "/api/v1/agent/call/mute", fmt.Errorf("mute agent: %w", controller.ErrRejected), 409, "conflict", "a mute"},
		{"mute as the call ends: not about a ringing phone", "/api/v1/agent/call/mute", fmt.Errorf("mute agent: %w", controller.ErrHungUp), 409, "no_call", "a mute"},
		{"unmute of a leg the switch no longer has", "/api/v1/agent/call/unmute", fmt.Errorf("mute agent: %w", controller.ErrNoSuchLeg), 409, "no_call", "a unmute"},
		{"answer from the desktop", "/api/v1/agent/call/answer", nil, 204, "", "a answer"},
		{"answer with nothing ringing", "/api/v1/agent/call/answer", dispatch.ErrNoOffer, 409, "no_offer", "a answer"},
		{"answer when the caller left meanwhile: the call no longer exists", "/api/v1/agent/call/answer", fmt.Errorf("answer: %w", controller.ErrHungUp), 409, "no_call", "a answer"},
		// Every operation on the call maps its errors alike.
		{"hold without a call", "/api/v1/agent/call/hold", dispatch.ErrNoCall, 409, "no_call", "a hold"},
		{"hold of a leg that hung up", "/api/v1/agent/call/hold", fmt.Errorf("hold: %w", controller.ErrHungUp), 409, "no_call", "a hold"},
		{"hang up a leg the switch no longer has", "/api/v1/agent/call/hangup", fmt.Errorf("hangup: %w", controller.ErrNoSuchLeg), 409, "no_call", "a hangup"},
		{"recording refused in the call's state", "/api/v1/agent/call/record/start", fmt.Errorf("already recording"), 409, "conflict", "a record-start"},
		{"three-way the switch cannot do", "/api/v1/agent/call/three-way", fmt.Errorf("three-way: %w", controller.ErrNotSupported), 501, "not_supported", "a three-way"},
		{"answer on Asterisk or a mobile", "/api/v1/agent/call/answer", fmt.Errorf("dispatch: answer: %w", controller.ErrNotSupported), 501, "not_supported", "a answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d.set(tt.err)
			r := e.do("POST", tt.path, nil, agent...)
			if r.Status != tt.status {
				t.Fatalf("status %d %s, want %d", r.Status, r.Body, tt.status)
			}
			if tt.code != "" {
				if code, _ := r.errCode(t); code != tt.code {
					t.Fatalf("code %s, want %s", code, tt.code)
				}
			}
			if got := d.last(); got != tt.sent {
				t.Fatalf("call control was asked %q, want %q", got, tt.sent)
			}
		})
	}
	d.set(nil)
	if r := e.do("POST", "/api/v1/agent/call/mute", nil); r.Status != 401 {
		t.Fatalf("mute without credentials: %d", r.Status)
	}

	for _, c := range []struct {
		can  bool
		why  string
		want string
	}{
		{true, "", `{"mute":true,"answer":true}`},
		{false, "the asterisk driver cannot make a phone answer remotely", `{"mute":true,"answer":false,"answer_unsupported":"the asterisk driver cannot make a phone answer remotely"}`},
	} {
		d.mu.Lock()
		d.canAns, d.why = c.can, c.why
		d.mu.Unlock()
		r := e.do("GET", "/api/v1/agent/call/capabilities", nil, agent...)
		if r.Status != 200 || string(r.Body) != c.want+"\n" {
			t.Fatalf("capabilities: %d %s, want %s", r.Status, r.Body, c.want)
		}
	}

	// A controller without call control says so instead of failing.
	plain := newEnv(t, storetest.Open(t, store.SQLite))
	_, ptok := plain.setup()
	for _, p := range []string{"/api/v1/agent/call/mute", "/api/v1/agent/call/answer"} {
		r := plain.do("POST", p, nil, bearer(ptok["a/agent"])...)
		if r.Status != 503 {
			t.Fatalf("%s without call control: %d %s", p, r.Status, r.Body)
		}
	}
}
