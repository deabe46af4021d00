package ivrflows

import (
	"reflect"
	"strings"
	"testing"
)

// Every visit detail and outcome reason a console shows comes with a note:
// a code and its parameters, for the console's own language; the English
// text stays as `ipcc flow run` prints it.
func TestNotesBesideTheEnglishText(t *testing.T) {
	f := mustFlow(t, menuFlow)
	t.Run("a menu's keys and a transfer", func(t *testing.T) {
		r := dry(t, f, "7,1", DryRunOptions{})
		menu, tr := r.Result.Visits[0], r.Result.Visits[1]
		if menu.Detail != "invalid 7,1" || !reflect.DeepEqual(menu.DetailNote, &Note{Code: "keys", Params: map[string]string{"keys": "invalid 7,1"}}) {
			t.Fatalf("menu visit %+v %+v", menu, menu.DetailNote)
		}
		if tr.Detail != "queue q1" || !reflect.DeepEqual(tr.DetailNote, &Note{Code: "transfer", Params: map[string]string{"kind": "queue", "target": "q1"}}) {
			t.Fatalf("transfer visit %+v %+v", tr, tr.DetailNote)
		}
		if o := r.Result.Outcome; o.Reason != "" || o.ReasonNote != nil {
			t.Fatalf("a transfer has no reason: %+v", o)
		}
	})
	t.Run("a limit says which, in code and in English", func(t *testing.T) {
		loop := mustFlow(t, `
id: loop
start: a
limits: {max_visits: 5}
nodes:
  - {id: a, type: play, prompt: [{tts: {zh-CN: 你好, en: hi}}], next: b}
  - {id: b, type: goto, next: a}
`)
		r := dry(t, loop, "", DryRunOptions{})
		o := r.Result.Outcome
		if o.Kind != OutcomeLimit || !strings.Contains(o.Reason, "more than 5 node visits") ||
			!reflect.DeepEqual(o.ReasonNote, &Note{Code: "too_many_visits", Params: map[string]string{"max": "5"}}) {
			t.Fatalf("outcome %+v %+v", o, o.ReasonNote)
		}
		if trace := linesOf(r, "flow"); strings.Contains(trace, "too_many_visits") || !strings.Contains(trace, "more than 5 node visits") {
			t.Fatalf("the CLI's trace is not the English text:\n%s", trace)
		}
	})
	t.Run("a schedule branch", func(t *testing.T) {
		sf := mustFlow(t, `
id: s
start: s
nodes:
  - {id: s, type: schedule, schedule: office, branches: {open: h, lunch: h, holiday: h, closed: h}}
  - {id: h, type: hangup}
`)
		r := dry(t, sf, "", DryRunOptions{})
		if n := r.Result.Visits[0].DetailNote; n == nil || n.Code != "no_schedules" {
			t.Fatalf("no schedules: %+v", r.Result.Visits[0])
		}
		r = dry(t, sf, "", DryRunOptions{Schedules: StaticSchedules{"*": "open"}})
		if n := r.Result.Visits[0].DetailNote; !reflect.DeepEqual(n, &Note{Code: "schedule", Params: map[string]string{"schedule": "office"}}) {
			t.Fatalf("schedule: %+v", n)
		}
	})
}
