// Package astreal runs the switch contract suite against a real Asterisk
// (IPCC_TEST_ASTERISK_ARI=http://user:pass@host:8088). Test callers and
// phones are Local channels into the dialplan contexts listed in
// docs/testing-real-switches.md; the callers' halves sit in a Stasis
// application of their own so the test can press digits and hang up.
package astreal

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/asterisk"
	"github.com/ipcc/ipcc/controller/asterisk/ari"
	"github.com/ipcc/ipcc/controller/switchtest"
)

// Names the real server's configuration must provide.
const (
	// CallerContext: exten => _X.,1,Stasis(ipcc,${EXTEN})
	CallerContext = "ipcc-test"
	// PhoneContext: answer-N answers and waits, busy-N is Busy(), ring-N rings.
	PhoneContext = "ipcc-test-phones"
	// PartyApp is the Stasis application holding the test callers' halves.
	PartyApp = "ipcc-test-party"
)

// World is a real Asterisk seen through a cuttable proxy.
type World struct {
	base, user, pass string
	proxy            *switchtest.Proxy
	client           *ari.Client
	callers          map[string]string // arriving leg → caller half
}

// FromEnv returns a World when IPCC_TEST_ASTERISK_ARI is set, and skips the
// test otherwise.
func FromEnv(t *testing.T) *World {
	t.Helper()
	raw := os.Getenv("IPCC_TEST_ASTERISK_ARI")
	if raw == "" {
		t.Skip("IPCC_TEST_ASTERISK_ARI not set: no real Asterisk to test against (see docs/testing-real-switches.md)")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		t.Fatalf("IPCC_TEST_ASTERISK_ARI=%q is not http://user:pass@host:port", raw)
	}
	pass, _ := u.User.Password()
	w := &World{base: u.Scheme + "://" + u.Host, user: u.User.Username(), pass: pass, callers: map[string]string{}}
	w.client, err = ari.NewClient(w.base, w.user, w.pass, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Calls a failed earlier run left behind would be taken for this run's
	// calls (the driver re-adopts whatever sits in its application).
	if n, err := w.hangupLeftovers(); err != nil {
		t.Fatalf("clean up an earlier run: %v", err)
	} else if n > 0 {
		t.Logf("hung up %d channels an earlier run left", n)
	}
	t.Cleanup(func() { _, _ = w.hangupLeftovers() })
	w.proxy = switchtest.NewProxy(t, u.Host)
	// Keep the party application registered while the test runs.
	ctx, cancel := context.WithCancel(context.Background())
	ev, err := w.client.DialEvents(ctx, PartyApp, false)
	if err != nil {
		cancel()
		t.Fatalf("open events socket for %s: %v", PartyApp, err)
	}
	go func() {
		for {
			if _, err := ev.Read(ctx); err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { cancel(); ev.CloseNow() })
	return w
}

// Client is an ARI client of the server itself (not through the proxy),
// for tests that look at what ipcc asked of it.
func (w *World) Client() *ari.Client { return w.client }

// Credentials are the server's base URL, user and password.
func (w *World) Credentials() (base, user, pass string) { return w.base, w.user, w.pass }

// NewSwitch implements switchtest.World: the driver goes through the proxy.
func (w *World) NewSwitch(t *testing.T, name string) controller.Switch {
	t.Helper()
	d, err := asterisk.New(asterisk.Config{Name: name, URL: "http://" + w.proxy.Addr(), User: w.user, Password: w.pass, App: "ipcc",
		ReconnectMin: 100 * time.Millisecond, ReconnectMax: time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func ctx10() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 10*time.Second)
}

// PlaceCall implements switchtest.World: Local/<did>@CallerContext with the
// ;1 half in PartyApp and the ;2 half (our chosen id) entering Stasis(ipcc).
func (w *World) PlaceCall(t *testing.T, ani, did string) string {
	t.Helper()
	a, b := uuid.NewString(), uuid.NewString()
	ctx, cancel := ctx10()
	defer cancel()
	q := url.Values{}
	q.Set("endpoint", fmt.Sprintf("Local/%s@%s", did, CallerContext))
	q.Set("app", PartyApp)
	q.Set("channelId", a)
	q.Set("otherChannelId", b)
	q.Set("callerId", ani)
	if err := w.client.Do(ctx, ari.Request{Method: "POST", Path: "/channels", Query: q}, nil); err != nil {
		t.Fatalf("originate test caller: %v", err)
	}
	w.callers[b] = a
	return b
}

// Phone implements switchtest.World.
func (w *World) Phone(t *testing.T, number, behavior string) controller.Endpoint {
	return controller.Endpoint{Kind: controller.EndpointRaw, Number: fmt.Sprintf("Local/%s-%s@%s", behavior, number, PhoneContext)}
}

func (w *World) party(leg string) string {
	if a, ok := w.callers[leg]; ok {
		return a
	}
	return leg
}

// Press implements switchtest.World: DTMF sent out of the caller half
// arrives on the half ipcc holds.
func (w *World) Press(t *testing.T, leg, digits string) {
	ctx, cancel := ctx10()
	defer cancel()
	if err := w.client.SendDTMF(ctx, w.party(leg), digits, 100, 100); err != nil {
		t.Fatalf("send dtmf: %v", err)
	}
}

// HangupParty implements switchtest.World.
func (w *World) HangupParty(t *testing.T, leg string) {
	ctx, cancel := ctx10()
	defer cancel()
	if err := w.client.Hangup(ctx, w.party(leg), "normal", 0); err != nil && !strings.Contains(err.Error(), "not found") {
		t.Fatalf("hang up: %v", err)
	}
}

// Drop implements switchtest.World.
func (w *World) Drop(t *testing.T) {
	if w.proxy.Cut() == 0 {
		t.Fatal("no connection to cut")
	}
}

// Observer implements switchtest.World: a real server is observed only
// through ipcc.
func (w *World) Observer() switchtest.Observer { return nil }

// RecordingPath implements switchtest.World: under Asterisk's recording spool.
func (w *World) RecordingPath(name string) string { return "/var/spool/asterisk/recording/" + name }

// hangupLeftovers hangs up every test channel (Local channels into the
// test contexts, and whatever sits in PartyApp) and destroys the empty
// bridges ipcc made: what a run that failed half-way leaves on the server.
// It touches nothing else.
func (w *World) hangupLeftovers() (int, error) {
	ctx, cancel := ctx10()
	defer cancel()
	chans, err := w.client.Channels(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, ch := range chans {
		app, _, _ := ch.StasisApp()
		test := strings.Contains(ch.Name, "@"+CallerContext+"-") || strings.Contains(ch.Name, "@"+PhoneContext+"-") ||
			ch.Dialplan.Context == CallerContext || ch.Dialplan.Context == PhoneContext || app == PartyApp
		if !test {
			continue
		}
		if err := w.client.Hangup(ctx, ch.ID, "normal", 0); err != nil && ari.StatusOf(err) != http.StatusNotFound {
			return n, fmt.Errorf("hang up %s: %w", ch.Name, err)
		}
		n++
	}
	bridges, err := w.client.Bridges(ctx)
	if err != nil {
		return n, err
	}
	for _, b := range bridges {
		if strings.HasPrefix(b.ID, "ipcc-") && len(b.Channels) == 0 {
			if err := w.client.DestroyBridge(ctx, b.ID); err != nil && ari.StatusOf(err) != http.StatusNotFound {
				return n, fmt.Errorf("destroy bridge %s: %w", b.ID, err)
			}
		}
	}
	return n, nil
}
