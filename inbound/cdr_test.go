package inbound_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/store"
)

func path(rec *store.CallRecord) string {
	var p []string
	_ = json.Unmarshal([]byte(rec.IVRPath), &p)
	return strings.Join(p, " ")
}

func (w *world) legRoles(id string) string {
	w.t.Helper()
	legs, err := w.st.ListCallLegs(context.Background(), tenant, id)
	if err != nil {
		w.t.Fatal(err)
	}
	var out []string
	for _, l := range legs {
		s := l.Role + ":" + l.Endpoint
		if l.AnsweredAt != nil {
			s += ":answered"
		}
		if l.EndedAt == nil {
			s += ":open"
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

// Each way an inbound call can end leaves a complete record: the IVR path,
// the legs, the durations and the references to what the caller left.
func TestCDRInbound(t *testing.T) {
	t.Parallel()
	backend := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		io.WriteString(rw, `{"data":{"balance":250}}`)
	}))
	t.Cleanup(backend.Close) // after the parallel subtests
	closed := time.Date(2026, 11, 25, 21, 0, 0, 0, time.FixedZone("CST", 8*3600))
	tests := []struct {
		name  string
		at    time.Time
		ani   string
		setup func(t *testing.T, w *world)
		spec  func(*sim.CallSpec)
		check func(t *testing.T, w *world, leg string, rec *store.CallRecord)
	}{
		{"menu to an extension", openTime, "13800138100", nil, func(s *sim.CallSpec) {
			s.Press = []sim.Press{{After: 300 * time.Millisecond, Digits: "2"}}
			s.Vars = map[string]string{"ipcc_trunk": "e1-span1"}
		}, func(t *testing.T, w *world, leg string, rec *store.CallRecord) {
			if rec.Disposition != "answered" || path(rec) != "main/welcome main/menu main/support" || rec.IVRMS <= 0 || rec.RingMS <= 0 || rec.TalkMS <= 0 || rec.AnsweredAt == nil {
				t.Errorf("record %+v (path %s)", rec, path(rec))
			}
			// FreeSWITCH: a channel variable; Asterisk: a Stasis argument.
			if rec.Trunk != "e1-span1" {
				t.Errorf("trunk %q", rec.Trunk)
			}
			if got := w.legRoles(rec.ID); got != "caller:13800138100:answered extension:2002:answered" {
				t.Errorf("legs %s", got)
			}
		}},
		{"abandoned in the IVR", openTime, "13800138101", nil, func(s *sim.CallSpec) { s.HangupAfter = 600 * time.Millisecond },
			func(t *testing.T, w *world, leg string, rec *store.CallRecord) {
				if rec.Disposition != "abandoned_ivr" || !strings.HasPrefix(path(rec), "main/welcome") || rec.IVRMS <= 0 || rec.TalkMS != 0 || rec.HangupBy != "remote" {
					t.Errorf("record %+v (path %s)", rec, path(rec))
				}
			}},
		{"blacklisted", openTime, "13900001234", nil, nil, func(t *testing.T, w *world, leg string, rec *store.CallRecord) {
			if rec.Disposition != "blacklisted" || path(rec) != "" || rec.HangupBy != "controller" {
				t.Errorf("record %+v", rec)
			}
			if got := w.legRoles(rec.ID); got != "caller:13900001234:answered" {
				t.Errorf("legs %s", got)
			}
		}},
		{"voicemail after hours", closed, "13800138102", nil, func(s *sim.CallSpec) { s.Press = []sim.Press{{After: 1500 * time.Millisecond, Digits: "#"}} },
			func(t *testing.T, w *world, leg string, rec *store.CallRecord) {
				msgs, err := w.st.ListVoicemail(context.Background(), tenant, "after-hours")
				if err != nil || len(msgs) != 1 {
					t.Fatalf("voicemail %+v %v", msgs, err)
				}
				if rec.Disposition != "voicemail" || rec.VoicemailID != strconv.FormatInt(msgs[0].ID, 10) || msgs[0].CallID != rec.ID || path(rec) != "voicemail:after-hours/vm voicemail:after-hours/bye" {
					t.Errorf("record %+v (path %s), message %+v", rec, path(rec), msgs[0])
				}
			}},
		{"self-service with a survey", openTime, "13800138103", nil, func(s *sim.CallSpec) {
			s.Press = []sim.Press{{After: 300 * time.Millisecond, Digits: "3"}, {After: 2000 * time.Millisecond, Digits: "123456#"}, {After: 4000 * time.Millisecond, Digits: "2"}}
		}, func(t *testing.T, w *world, leg string, rec *store.CallRecord) {
			if rec.Disposition != "ivr_completed" || rec.SurveyScore == nil || *rec.SurveyScore != 2 || !strings.Contains(path(rec), "main/survey") {
				t.Errorf("record %+v (path %s)", rec, path(rec))
			}
		}},
		{"busy extension then a message", openTime, "13800138104", func(t *testing.T, w *world) {
			if err := w.w.Sim.DefineEndpoint(sim.EndpointSpec{Number: "2001", Behavior: sim.BehaviorBusy, AnswerAfter: 50 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
		}, func(s *sim.CallSpec) {
			s.Press = []sim.Press{{After: 300 * time.Millisecond, Digits: "1"}}
			s.HangupAfter = 2 * time.Second // while recording
		}, func(t *testing.T, w *world, leg string, rec *store.CallRecord) {
			// The busy dial is on the record; the message left after it wins
			// the disposition.
			if rec.Disposition != "voicemail" || rec.VoicemailID == "" || rec.Target != "voicemail:2001" || path(rec) != "main/welcome main/menu main/sales voicemail:2001/vm" {
				t.Errorf("record %+v (path %s)", rec, path(rec))
			}
			if got := w.legRoles(rec.ID); got != "caller:13800138104:answered extension:2001" {
				t.Errorf("legs %s", got)
			}
			legs, _ := w.st.ListCallLegs(context.Background(), tenant, rec.ID)
			if len(legs) != 2 || legs[1].HangupCause != "USER_BUSY" {
				t.Errorf("the busy leg: %+v", legs)
			}
		}},
	}
	for _, f := range fronts {
		t.Run(string(f), func(t *testing.T) {
			t.Parallel() // a world of its own per call
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					w := newWorld(t, f, tt.at, backend.URL)
					if tt.setup != nil {
						tt.setup(t, w)
					}
					spec := sim.CallSpec{Front: f, From: tt.ani, To: "4001"}
					if tt.spec != nil {
						tt.spec(&spec)
					}
					leg, err := w.w.Sim.PlaceCall(spec)
					if err != nil {
						t.Fatal(err)
					}
					if tt.name == "menu to an extension" {
						waitFor(t, "the caller talks to 2002", func() bool { return w.bridgedTo(leg) == "2002" })
						time.Sleep(100 * time.Millisecond)
						w.w.Sim.HangupCall(leg)
					}
					rec := w.record(leg)
					if rec.Direction != "inbound" || rec.ANI != tt.ani || rec.DNIS != "4001" || rec.Switch != "sw1" || rec.HangupCause == "" {
						t.Errorf("record %+v", rec)
					}
					tt.check(t, w, leg, rec)
				})
			}
		})
	}
}
