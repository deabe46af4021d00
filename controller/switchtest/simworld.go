package switchtest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/asterisk"
	"github.com/ipcc/ipcc/controller/freeswitch"
	"github.com/ipcc/ipcc/controller/sim"
)

// SimWorld runs the suite against the simulator speaking the protocol of
// front (FreeSWITCH ESL or Asterisk ARI) over real sockets.
type SimWorld struct {
	Sim    *sim.Sim
	Front  sim.Front
	recDir string
}

// NewSimWorld starts a simulator for the test (closed at its end) with fast
// media and heartbeats.
func NewSimWorld(t *testing.T, front sim.Front, opts ...func(*sim.Options)) *SimWorld {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "recordings")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	o := sim.Options{
		HeartbeatInterval: 200 * time.Millisecond,
		MediaDuration:     20 * time.Millisecond,
		MaxMediaDuration:  100 * time.Millisecond,
		AutoAnswer:        20 * time.Millisecond,
		RecordingDir:      dir,
		Logger:            quietLogger(),
	}
	for _, f := range opts {
		f(&o)
	}
	s := sim.New(o)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &SimWorld{Sim: s, Front: front, recDir: dir}
}

// NewSwitch returns the driver for the world's front, tuned for tests.
func (w *SimWorld) NewSwitch(t *testing.T, name string) controller.Switch {
	t.Helper()
	switch w.Front {
	case sim.FrontAsterisk:
		d, err := asterisk.New(asterisk.Config{
			Name: name, URL: "http://" + hostOf(w.Sim.ARIURL()), User: "ari", Password: "ari", App: "ipcc",
			ReconnectMin: 50 * time.Millisecond, ReconnectMax: 500 * time.Millisecond,
			RecordingDir: w.recDir,
		}, quietLogger())
		if err != nil {
			t.Fatal(err)
		}
		return d
	default:
		return freeswitch.New(freeswitch.Config{
			Name: name, Addr: w.Sim.ESLAddr(), Password: "ClueCon",
			HeartbeatInterval: 200 * time.Millisecond,
			ReconnectMin:      50 * time.Millisecond, ReconnectMax: 500 * time.Millisecond,
		}, quietLogger())
	}
}

// hostOf strips the scheme and path of the simulator's ARI URL.
func hostOf(u string) string {
	const p = "http://"
	if len(u) > len(p) && u[:len(p)] == p {
		u = u[len(p):]
	}
	for i := 0; i < len(u); i++ {
		if u[i] == '/' {
			return u[:i]
		}
	}
	return u
}

// PlaceCall implements World.
func (w *SimWorld) PlaceCall(t *testing.T, ani, did string) string {
	t.Helper()
	id, err := w.Sim.PlaceCall(sim.CallSpec{Front: w.Front, From: ani, To: did})
	if err != nil {
		t.Fatalf("place call: %v", err)
	}
	return id
}

// Phone implements World.
func (w *SimWorld) Phone(t *testing.T, number, behavior string) controller.Endpoint {
	t.Helper()
	if err := w.Sim.DefineEndpoint(sim.EndpointSpec{Number: number, Behavior: behavior, AnswerAfter: 30 * time.Millisecond}); err != nil {
		t.Fatalf("define phone %s: %v", number, err)
	}
	return controller.Endpoint{Kind: controller.EndpointExtension, Number: number}
}

// ExternalNumber implements ExternalWorld: the simulator answers any
// number on any trunk; this one rings.
func (w *SimWorld) ExternalNumber(t *testing.T, number string) controller.Endpoint {
	t.Helper()
	if err := w.Sim.DefineEndpoint(sim.EndpointSpec{Number: number, Behavior: "ring"}); err != nil {
		t.Fatalf("define external party %s: %v", number, err)
	}
	return controller.Endpoint{Kind: controller.EndpointExternal, Number: number, Trunk: "gw1"}
}

var _ ExternalWorld = (*SimWorld)(nil)

// Press implements World.
func (w *SimWorld) Press(t *testing.T, leg, digits string) {
	t.Helper()
	if err := w.Sim.Press(leg, digits); err != nil {
		t.Fatalf("press %s on %s: %v", digits, leg, err)
	}
}

// HangupParty implements World.
func (w *SimWorld) HangupParty(t *testing.T, leg string) {
	t.Helper()
	if err := w.Sim.HangupCall(leg); err != nil {
		t.Fatalf("hang up %s: %v", leg, err)
	}
}

// Drop implements World.
func (w *SimWorld) Drop(t *testing.T) {
	t.Helper()
	if n := w.Sim.DropConnections(w.Front); n == 0 {
		t.Fatal("no control connection to drop")
	}
}

// RecordingPath implements World.
func (w *SimWorld) RecordingPath(name string) string { return filepath.Join(w.recDir, name) }

// Observer implements World.
func (w *SimWorld) Observer() Observer { return simObserver{w} }

type simObserver struct{ w *SimWorld }

func (o simObserver) Hears(listener, speaker string) bool { return o.w.Sim.Hears(listener, speaker) }

func (o simObserver) Heard(leg string) []string {
	ci, err := o.w.Sim.Call(leg)
	if err != nil {
		return nil
	}
	var out []string
	for _, h := range ci.Heard {
		s := h.Kind + ":" + h.Value
		if h.Text != "" {
			s += ":" + h.Text
		}
		out = append(out, s)
	}
	return out
}

func (o simObserver) State(leg string) string {
	ci, err := o.w.Sim.Call(leg)
	if err != nil {
		return ""
	}
	switch ci.State {
	case "up":
		return "answered"
	case "ringing":
		return "ringing"
	case "down", "gone":
		return "hungup"
	}
	return ci.State
}

func (o simObserver) Cause(leg string) string {
	ci, err := o.w.Sim.Call(leg)
	if err != nil {
		return ""
	}
	return ci.Cause
}

func (o simObserver) Recording(path string) (time.Duration, bool) {
	for _, c := range o.w.Sim.Calls() {
		for _, r := range c.Recordings {
			if r == path {
				st, err := os.Stat(path)
				if err != nil || st.Size() <= 44 {
					return 0, false
				}
				// 8 kHz 16-bit mono PCM after a 44-byte header.
				return time.Duration(st.Size()-44) * time.Second / 16000, true
			}
		}
	}
	return 0, false
}

// As is the same simulator seen through its other front (a second switch
// of the other kind in the same world): its NewSwitch drives that front.
func (w *SimWorld) As(front sim.Front) *SimWorld {
	c := *w
	c.Front = front
	return &c
}
