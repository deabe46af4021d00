package qa_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/qa"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

type world struct {
	t   *testing.T
	st  *store.Store
	svc *qa.Service
	ctx context.Context
	now time.Time
}

const tenant = "acme"

func newWorld(t *testing.T, st *store.Store) *world {
	ctx := context.Background()
	w := &world{t: t, st: st, ctx: ctx, now: time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)}
	w.svc = &qa.Service{St: st, Now: func() time.Time { return w.now },
		OpenAudio: func(r *store.RecordingRow) (io.ReadCloser, error) { return os.Open(r.Path) }}
	if err := st.CreateTenant(ctx, &store.Tenant{ID: tenant, Name: "Acme", Timezone: "UTC"}); err != nil {
		t.Fatal(err)
	}
	for _, u := range [][2]string{{"lead", "qa"}, {"qa1", "qa"}, {"qa2", "qa"}, {"ag1", "agent"}, {"ag2", "agent"}, {"sup", "supervisor"}, {"sup2", "supervisor"}} {
		if err := st.CreateUser(ctx, &store.User{ID: u[0], TenantID: tenant, Username: u[0], Role: u[1]}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.SetQALead(ctx, tenant, "lead", "admin", true); err != nil {
		t.Fatal(err)
	}
	if err := st.SetQASupervisorQueues(ctx, tenant, "sup2", []string{"support"}); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) actor(id, role string) *qa.Actor {
	a, err := w.svc.ActorFor(w.ctx, tenant, id, role)
	if err != nil {
		w.t.Fatal(err)
	}
	return a
}

// call stores an answered call of yesterday with a stereo recording whose
// agent channel has a long silence when silent is set.
func (w *world) call(i int, queue, agent string, csat int, silent bool) string {
	id := fmt.Sprintf("call-%02d", i)
	start := w.now.Add(-24*time.Hour + time.Duration(i)*time.Minute)
	ans := start.Add(10 * time.Second)
	end := ans.Add(90 * time.Second)
	c := &store.CallRecord{TenantID: tenant, ID: id, Direction: "inbound", StartedAt: start, AnsweredAt: &ans, EndedAt: &end, QueueID: queue,
		AgentID: agent, Disposition: "answered", WaitMS: 10000, TalkMS: 90000}
	if csat > 0 {
		c.SurveyScore = &csat
	}
	if err := w.st.SaveCall(w.ctx, c); err != nil {
		w.t.Fatal(err)
	}
	gap := qa.Part{Kind: "speech", MS: 40000}
	if silent {
		gap = qa.Part{Kind: "silence", MS: 40000}
	}
	samples, err := qa.Synth(8000, uint64(i), []qa.Part{{Kind: "silence", MS: 5000}, {Kind: "speech", MS: 10000}, {Kind: "silence", MS: 45000}},
		[]qa.Part{{Kind: "speech", MS: 5000}, {Kind: "silence", MS: 10000}, gap, {Kind: "speech", MS: 5000}})
	if err != nil {
		w.t.Fatal(err)
	}
	path := filepath.Join(w.t.TempDir(), id+".wav")
	var b bytes.Buffer
	if err := qa.EncodeWAV(&b, 8000, 2, samples); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		w.t.Fatal(err)
	}
	if err := w.st.SaveRecording(w.ctx, &store.RecordingRow{TenantID: tenant, ID: "rec-" + id, CallID: id, AgentID: agent, QueueID: queue, Path: path,
		StartedAt: ans, EndedAt: &end, DurationMS: 60000, Status: store.RecordingDone}); err != nil {
		w.t.Fatal(err)
	}
	return id
}

func template() qa.Template {
	return qa.Template{Name: "客服通话质检", CommentBelow: 80, Sections: []qa.Section{
		{ID: "open", Title: "开场", Weight: 30, Items: []qa.Item{{ID: "greet", Title: "报工号问候", Kind: qa.KindYesNo, Max: 10}}},
		{ID: "svc", Title: "服务", Weight: 70, Items: []qa.Item{
			{ID: "polite", Title: "礼貌", Kind: qa.KindScale, Max: 10, Scale: 5},
			{ID: "accuracy", Title: "解答准确", Kind: qa.KindDeductions, Max: 10},
			{ID: "silence", Title: "无超过 30 秒的静音", Kind: qa.KindYesNo, Max: 10, Auto: &qa.AutoRule{Metric: "longest_silence_s", Op: ">", Value: 30}},
			{ID: "verify", Title: "核实身份", Kind: qa.KindYesNo, Max: 10, Fatal: true},
		}},
	}}
}

// TestDoneWhenStory is the "Done when": a lead builds a template
// and a task sampling 10 % of yesterday's calls of a queue plus every call
// with CSAT ≤ 2, QA users score two calls on their recordings, an agent
// appeals an item, the lead rules, and the report shows it all.
func TestDoneWhenStory(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		lead, qa1, ag1, ag2 := w.actor("lead", "qa"), w.actor("qa1", "qa"), w.actor("ag1", "agent"), w.actor("ag2", "agent")
		sup, sup2 := w.actor("sup", "supervisor"), w.actor("sup2", "supervisor")
		for i := 0; i < 30; i++ {
			agent := []string{"ag1", "ag2"}[i%2]
			csat := 0
			if i == 7 {
				csat = 1
			}
			if i == 8 {
				csat = 5
			}
			w.call(i, "sales", agent, csat, i%3 == 0)
		}
		w.call(40, "support", "ag2", 2, false)

		// Step 1: template; a QA user without the lead permission cannot.
		if _, err := w.svc.SaveTemplate(w.ctx, tenant, qa1, "", template()); err != qa.ErrForbidden {
			t.Fatalf("non-lead template: %v", err)
		}
		tpl, err := w.svc.SaveTemplate(w.ctx, tenant, lead, "", template())
		if err != nil || tpl.Version != 1 {
			t.Fatalf("template: %v %+v", err, tpl)
		}

		// Step 2: task: 10 % of yesterday's sales calls + CSAT ≤ 2.
		y := w.now.Add(-24 * time.Hour).Truncate(24 * time.Hour)
		spec := qa.TaskSpec{Name: "昨日销售抽检", TemplateID: tpl.ID, Since: y, Until: y.Add(24 * time.Hour), Queues: []string{"sales"},
			Ratio: 0.1, Rules: []qa.SampleRule{{Kind: qa.RuleCSATAtMost, Value: 2}}, Assignees: []string{"qa1", "qa2"}}
		task, err := w.svc.CreateTask(w.ctx, tenant, lead, spec)
		if err != nil {
			t.Fatal(err)
		}
		calls, err := w.svc.MyCalls(w.ctx, tenant, lead, task.ID)
		if err != nil {
			t.Fatal(err)
		}
		hasCSAT, random := false, 0
		for _, c := range calls {
			if c.CallID == "call-07" {
				hasCSAT = strings.Contains(strings.Join(c.Reasons, ","), "csat_at_most 2")
			}
			if c.QueueID != "sales" {
				t.Errorf("picked %s of queue %s", c.CallID, c.QueueID)
			}
			for _, r := range c.Reasons {
				if strings.HasPrefix(r, "random") {
					random++
				}
			}
		}
		if !hasCSAT || random != 3 || task.Picked < 3 || task.Picked > 4 {
			t.Fatalf("picked %d (random %d, csat call %v): %+v", task.Picked, random, hasCSAT, calls)
		}
		if n1, n2 := task.PerAssignee["qa1"][0], task.PerAssignee["qa2"][0]; n1+n2 != task.Picked || n1-n2 > 1 || n2-n1 > 1 {
			t.Errorf("uneven assignment %v", task.PerAssignee)
		}
		// The stored seed reproduces the draw.
		spec.Seed = task.Seed
		again, err := w.svc.CreateTask(w.ctx, tenant, lead, spec)
		if err != nil {
			t.Fatal(err)
		}
		calls2, _ := w.svc.MyCalls(w.ctx, tenant, lead, again.ID)
		if len(calls2) != len(calls) {
			t.Fatalf("reproduced %d picks, want %d", len(calls2), len(calls))
		}
		for i := range calls {
			if calls[i].CallID != calls2[i].CallID || calls[i].Assignee != calls2[i].Assignee {
				t.Errorf("pick %d differs: %s/%s vs %s/%s", i, calls[i].CallID, calls[i].Assignee, calls2[i].CallID, calls2[i].Assignee)
			}
		}

		// Step 3: qa1 scores two calls (qa1's only when it has two; else the
		// lead takes the rest): a draft first, then the submission.
		mine, err := w.svc.MyCalls(w.ctx, tenant, qa1, task.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range mine {
			if c.Assignee != "qa1" {
				t.Fatalf("qa1 sees %s's call", c.Assignee)
			}
		}
		all := append([]qa.TaskCallView(nil), mine...)
		for _, c := range calls {
			if c.Assignee != "qa1" {
				all = append(all, c)
			}
		}
		var scored []*qa.ScoreView
		for _, c := range all[:2] {
			who := qa1
			if c.Assignee != "qa1" {
				who = lead
			}
			d, err := w.svc.SaveScore(w.ctx, tenant, who, qa.ScoreInput{CallID: c.CallID, TaskID: task.ID, Answers: qa.Answers{"greet": "yes"},
				Pins: []qa.Pin{{AtMS: 15000, Text: "客户在此处等待"}}})
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != "draft" || len(d.Result.Missing) != 3 {
				t.Fatalf("draft %+v", d)
			}
			_, err = w.svc.SaveScore(w.ctx, tenant, who, qa.ScoreInput{ID: d.ID, Answers: qa.Answers{"greet": "yes", "polite": "2", "accuracy": "5", "verify": "yes"}, Submit: true})
			if err == nil || !strings.Contains(err.Error(), "comment") {
				t.Fatalf("low score without comment: %v", err)
			}
			sv, err := w.svc.SaveScore(w.ctx, tenant, who, qa.ScoreInput{ID: d.ID, Answers: qa.Answers{"greet": "yes", "polite": "2", "accuracy": "5", "verify": "yes"},
				Comment: "语速偏快", Submit: true})
			if err != nil {
				t.Fatal(err)
			}
			silent := c.CallID == "call-00" || strings.TrimPrefix(c.CallID, "call-") != "" && atoi(strings.TrimPrefix(c.CallID, "call-"))%3 == 0
			wantSilence := 10.0
			if silent {
				wantSilence = 0
			}
			if sv.Result.Items["silence"] != wantSilence {
				t.Errorf("%s auto silence item %v, want %v (%v)", c.CallID, sv.Result.Items["silence"], wantSilence, sv.Result.Auto)
			}
			if _, err := w.svc.SaveScore(w.ctx, tenant, who, qa.ScoreInput{ID: d.ID, Answers: qa.Answers{}, Submit: true}); err == nil {
				t.Error("a submitted score was edited")
			}
			scored = append(scored, sv)
		}

		// Agents see only their own scores.
		sc := scored[0]
		owner, other := ag1, ag2
		if sc.AgentID == "ag2" {
			owner, other = ag2, ag1
		}
		if _, err := w.svc.GetScore(w.ctx, tenant, other, sc.ID); !store.IsNotFound(err) {
			t.Errorf("another agent read the score: %v", err)
		}
		if _, err := w.svc.GetScore(w.ctx, tenant, sup2, sc.ID); !store.IsNotFound(err) {
			t.Errorf("a supervisor of another queue read the score: %v", err)
		}
		if _, err := w.svc.GetScore(w.ctx, tenant, sup, sc.ID); err != nil {
			t.Errorf("a supervisor of every queue: %v", err)
		}
		list, err := w.svc.ListScores(w.ctx, tenant, owner, store.QAScoreFilter{})
		if err != nil || len(list) == 0 {
			t.Fatalf("agent's scores: %v %d", err, len(list))
		}

		// Step 4: the agent appeals "polite"; the lead changes it to 5.
		if _, err := w.svc.Appeal(w.ctx, tenant, other, sc.ID, "polite", "not mine"); !store.IsNotFound(err) {
			t.Errorf("appeal on another's score: %v", err)
		}
		ap, err := w.svc.Appeal(w.ctx, tenant, owner, sc.ID, "polite", "我一直很礼貌,请复听 00:20")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.DecideAppeal(w.ctx, tenant, qa1, ap.ID, qa.Decision{Outcome: "changed", NewValue: "5", Note: "x"}); err != qa.ErrForbidden {
			t.Errorf("non-lead ruled: %v", err)
		}
		if _, err := w.svc.DecideAppeal(w.ctx, tenant, lead, ap.ID, qa.Decision{Outcome: "changed", NewValue: "5", Note: "复听后同意"}); err != nil {
			t.Fatal(err)
		}
		after, err := w.svc.GetScore(w.ctx, tenant, owner, sc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if after.Total <= sc.Total || after.Answers["polite"] != "5" {
			t.Errorf("after appeal total %v (was %v), polite %q", after.Total, sc.Total, after.Answers["polite"])
		}
		var actions []string
		for _, h := range after.History {
			actions = append(actions, h.Action)
		}
		if got := strings.Join(actions, ","); got != "created,submitted,appealed,appeal changed" {
			t.Errorf("history %s", got)
		}
		if _, err := w.svc.DecideAppeal(w.ctx, tenant, lead, ap.ID, qa.Decision{Outcome: "upheld", Note: "again"}); err == nil {
			t.Error("an appeal was ruled twice")
		}
		w.now = w.now.Add(8 * 24 * time.Hour)
		if _, err := w.svc.Appeal(w.ctx, tenant, owner, sc.ID, "greet", "late"); err == nil || !strings.Contains(err.Error(), "appeal window") {
			t.Errorf("late appeal: %v", err)
		}
		w.now = w.now.Add(-8 * 24 * time.Hour)

		// Step 5: the report shows it all.
		rep, err := w.svc.Report(w.ctx, tenant, lead, qa.ReportFilter{Since: y, Until: w.now.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Overall.Count != 2 || rep.Appeals.Changed != 1 || len(rep.Agents) == 0 || len(rep.Trend) != 1 || len(rep.Items) != 5 {
			t.Errorf("report %+v", rep)
		}
		var thr int
		for _, x := range rep.Throughput {
			thr += x.Submitted
		}
		if thr != 2 {
			t.Errorf("throughput %+v", rep.Throughput)
		}
		if rows, ok := rep.CSV("items"); !ok || len(rows) != 6 {
			t.Errorf("items csv %v", rows)
		}
	})
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

func TestManualPickAndCalibration(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		lead, qa1, qa2, sup2 := w.actor("lead", "qa"), w.actor("qa1", "qa"), w.actor("qa2", "qa"), w.actor("sup2", "supervisor")
		id := w.call(1, "sales", "ag1", 0, false)
		w.call(2, "support", "ag2", 0, false)
		tpl, err := w.svc.SaveTemplate(w.ctx, tenant, lead, "", template())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.PickCall(w.ctx, tenant, sup2, id, "complaint", "qa1"); err != qa.ErrForbidden {
			t.Errorf("supervisor of another queue picked: %v", err)
		}
		if _, err := w.svc.PickCall(w.ctx, tenant, sup2, "call-02", "", "qa1"); err == nil || !strings.Contains(err.Error(), "reason") {
			t.Errorf("pick without reason: %v", err)
		}
		p, err := w.svc.PickCall(w.ctx, tenant, sup2, "call-02", "客户投诉", "qa1")
		if err != nil || p.RecordingID != "rec-call-02" {
			t.Fatalf("pick %v %+v", err, p)
		}
		sv, err := w.svc.SaveScore(w.ctx, tenant, qa1, qa.ScoreInput{CallID: "call-02", TaskID: "manual", TemplateID: tpl.ID,
			Answers: qa.Answers{"greet": "yes", "polite": "5", "accuracy": "0", "verify": "no"}, Comment: "未核实身份", Submit: true})
		if err != nil {
			t.Fatal(err)
		}
		if !sv.Fatal || sv.Total != 0 {
			t.Errorf("fatal item: total %v fatal %v", sv.Total, sv.Fatal)
		}
		// A new template version leaves the score on its version.
		t2 := template()
		t2.Sections[0].Items[0].Max = 20
		if v2, err := w.svc.SaveTemplate(w.ctx, tenant, lead, tpl.ID, t2); err != nil || v2.Version != 2 {
			t.Fatalf("v2: %v", err)
		}
		if got, _ := w.svc.GetScore(w.ctx, tenant, qa1, sv.ID); got.TemplateVersion != 1 {
			t.Errorf("score moved to version %d", got.TemplateVersion)
		}

		cal, err := w.svc.CreateCalibration(w.ctx, tenant, lead, qa.CalibrationInput{Name: "校准 1", CallID: id, TemplateID: tpl.ID, Participants: []string{"qa1", "qa2"}})
		if err != nil {
			t.Fatal(err)
		}
		for who, polite := range map[*qa.Actor]string{qa1: "5", qa2: "2"} {
			if _, err := w.svc.SaveScore(w.ctx, tenant, who, qa.ScoreInput{CallID: id, CalibrationID: cal.ID,
				Answers: qa.Answers{"greet": "yes", "polite": polite, "accuracy": "0", "verify": "yes"}, Comment: "c", Submit: true}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := w.svc.GetCalibration(w.ctx, tenant, lead, cal.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Pending) != 0 || got.ItemSpread["polite"] != 7.5 || got.Spread <= 0 || got.RecordingID != "rec-"+id {
			t.Errorf("calibration %+v", got)
		}
	})
}

// TestAssignBySkill: a lead gives QA users skills and a task assigns each
// picked call to a QA user covering its queue; an uncovered call is kept
// unassigned and reported.
func TestAssignBySkill(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		lead, qa1, sup := w.actor("lead", "qa"), w.actor("qa1", "qa"), w.actor("sup", "supervisor")
		for _, q := range []string{"sales", "support"} {
			if err := st.CreateACDQueue(w.ctx, &store.ACDQueue{TenantID: tenant, ID: q, Name: q, Strategy: "longest_idle", Config: "{}"}); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			who    *qa.Actor
			user   string
			skills []string
			want   string
		}{
			{qa1, "qa1", []string{"sales"}, "not allowed"},
			{lead, "ag1", []string{"sales"}, `user: user "ag1" is a agent, not a QA user`},
			{lead, "nobody", []string{"sales"}, `user: no user "nobody"`},
			{lead, "qa1", []string{"sales", "billing"}, `skills[1]: no queue "billing"`},
			{lead, "qa1", []string{" "}, `skills[0]: a skill is a queue id or "*"`},
		} {
			if _, err := w.svc.SetSkills(w.ctx, tenant, tc.who, tc.user, tc.skills); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("SetSkills(%s, %v): %v, want %q", tc.user, tc.skills, err, tc.want)
			}
		}
		if got, err := w.svc.SetSkills(w.ctx, tenant, lead, "qa1", []string{"sales", "sales"}); err != nil || len(got) != 1 {
			t.Fatalf("qa1 skills %v %v", got, err)
		}
		if _, err := w.svc.SetSkills(w.ctx, tenant, lead, "qa2", []string{"support", "sales"}); err != nil {
			t.Fatal(err)
		}
		if m, err := w.svc.Skills(w.ctx, tenant, sup); err != nil || strings.Join(m["qa2"], ",") != "sales,support" || len(m["qa1"]) != 1 {
			t.Errorf("skills %v %v", m, err)
		}
		for i := 0; i < 6; i++ {
			w.call(i, "sales", "ag1", 0, false)
		}
		w.call(6, "support", "ag2", 0, false)
		w.call(7, "vip", "ag2", 0, false)
		tpl, err := w.svc.SaveTemplate(w.ctx, tenant, lead, "", template())
		if err != nil {
			t.Fatal(err)
		}
		spec := qa.TaskSpec{Name: "按技能", TemplateID: tpl.ID, Since: w.now.Add(-48 * time.Hour), Until: w.now, Ratio: 1,
			Assignees: []string{"qa1", "qa2", "lead"}, Assign: qa.AssignSkill, Seed: 11}
		if _, err := w.svc.CreateTask(w.ctx, tenant, lead, spec); err == nil || !strings.Contains(err.Error(), `assignees[2]: user "lead" has no QA skills`) {
			t.Errorf("assignee without skills: %v", err)
		}
		spec.Assignees = []string{"qa1", "qa2"}
		task, err := w.svc.CreateTask(w.ctx, tenant, lead, spec)
		if err != nil {
			t.Fatal(err)
		}
		// Seven covered calls spread evenly (3 and 4), the vip call unassigned.
		n1, n2 := task.PerAssignee["qa1"][0], task.PerAssignee["qa2"][0]
		if task.Picked != 8 || task.Unassigned != 1 || n1+n2 != 7 || n1-n2 > 1 || n2-n1 > 1 {
			t.Errorf("task picked %d unassigned %d per assignee %v", task.Picked, task.Unassigned, task.PerAssignee)
		}
		if len(task.Spec.AssigneeSkills["qa2"]) != 2 {
			t.Errorf("skills not kept with the task: %v", task.Spec.AssigneeSkills)
		}
		calls, err := w.svc.TaskCalls(w.ctx, tenant, store.QATaskCallFilter{TaskID: task.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range calls {
			switch {
			case c.QueueID == "vip":
				if c.Assignee != "" || !strings.Contains(strings.Join(c.Reasons, ";"), "no QA user covers queue vip") {
					t.Errorf("vip call %+v", c)
				}
			case c.QueueID == "support" && c.Assignee != "qa2", c.QueueID == "sales" && c.Assignee == "":
				t.Errorf("%s call went to %q", c.QueueID, c.Assignee)
			}
		}
	})
}
