package api_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/api"
	"github.com/ipcc/ipcc/qa"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

func TestQAAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		su, tok := e.setup()
		ctx := context.Background()
		ids := map[string]string{}
		for _, u := range []string{"lead", "qa2"} {
			var created struct{ ID string }
			r := e.do("POST", "/api/v1/users", map[string]string{"username": u, "role": "qa", "password": "password-" + u}, append(bearer(su), api.TenantHeader, "a")...)
			if r.Status != 201 {
				t.Fatalf("create %s: %d %s", u, r.Status, r.Body)
			}
			r.json(t, &created)
			ids[u] = created.ID
			tok["a/"+u] = e.login("a", u, "password-"+u)
		}
		var me struct{ ID string }
		e.do("GET", "/api/v1/me", nil, bearer(tok["a/agent"])...).json(t, &me)
		if r := e.do("PUT", "/api/v1/qa/leads/"+ids["lead"], map[string]bool{"lead": true}, bearer(tok["a/supervisor"])...); r.Status != 403 {
			t.Fatalf("supervisor granted lead: %d", r.Status)
		}
		if r := e.do("PUT", "/api/v1/qa/leads/"+ids["lead"], map[string]bool{"lead": true}, bearer(tok["a/admin"])...); r.Status != 204 {
			t.Fatalf("grant lead: %d %s", r.Status, r.Body)
		}
		var who struct{ Lead bool }
		e.do("GET", "/api/v1/qa/me", nil, bearer(tok["a/lead"])...).json(t, &who)
		if !who.Lead {
			t.Fatal("lead not a lead")
		}

		// Skills for assignment by skill.
		if r := e.do("PUT", "/api/v1/qa/skills/"+ids["qa2"], map[string]any{"skills": []string{"*"}}, bearer(tok["a/qa2"])...); r.Status != 403 {
			t.Fatalf("non-lead set skills: %d", r.Status)
		}
		if r := e.do("PUT", "/api/v1/qa/skills/"+ids["qa2"], map[string]any{"skills": []string{"nope"}}, bearer(tok["a/lead"])...); r.Status != 400 {
			t.Fatalf("unknown queue skill: %d %s", r.Status, r.Body)
		} else if _, field := r.errCode(t); field != "skills[0]" {
			t.Fatalf("skill field %q", field)
		}
		if r := e.do("PUT", "/api/v1/qa/skills/"+ids["qa2"], map[string]any{"skills": []string{"*"}}, bearer(tok["a/lead"])...); r.Status != 200 {
			t.Fatalf("set skills: %d %s", r.Status, r.Body)
		}
		var skills map[string][]string
		e.do("GET", "/api/v1/qa/skills", nil, bearer(tok["a/supervisor"])...).json(t, &skills)
		if len(skills[ids["qa2"]]) != 1 || skills[ids["qa2"]][0] != "*" {
			t.Fatalf("skills %v", skills)
		}
		if r := e.do("GET", "/api/v1/qa/skills", nil, bearer(tok["a/agent"])...); r.Status != 403 {
			t.Fatalf("agent read skills: %d", r.Status)
		}
		// What QA staff read is refused to agents.
		for _, path := range []string{"directory", "templates", "calibrations", "phrase-rules", "settings", "leads"} {
			if r := e.do("GET", "/api/v1/qa/"+path, nil, bearer(tok["a/agent"])...); r.Status != 403 {
				t.Fatalf("agent read %s: %d", path, r.Status)
			}
			if r := e.do("GET", "/api/v1/qa/"+path, nil, bearer(tok["a/qa2"])...); r.Status != 200 {
				t.Fatalf("QA read %s: %d %s", path, r.Status, r.Body)
			}
		}

		tpl := map[string]any{"name": "Basic", "comment_below": 50, "sections": []any{map[string]any{"id": "s", "title": "S", "weight": 1, "items": []any{
			map[string]any{"id": "greet", "title": "Greeting", "kind": "yes_no", "max": 10},
			map[string]any{"id": "silence", "title": "No long silence", "kind": "yes_no", "max": 10, "auto": map[string]any{"metric": "longest_silence_s", "op": ">", "value": 30}},
		}}}}
		if r := e.do("POST", "/api/v1/qa/templates", tpl, bearer(tok["a/qa2"])...); r.Status != 403 {
			t.Fatalf("non-lead template: %d", r.Status)
		}
		bad := map[string]any{"name": "x", "sections": []any{map[string]any{"title": "S", "weight": 1, "items": []any{map[string]any{"title": "t", "kind": "stars", "max": 1}}}}}
		if r := e.do("POST", "/api/v1/qa/templates", bad, bearer(tok["a/lead"])...); r.Status != 400 {
			t.Fatalf("bad template: %d", r.Status)
		} else if _, field := r.errCode(t); field != "sections[0].items[0].kind" {
			t.Fatalf("field %q", field)
		}
		var tv qa.TemplateView
		e.do("POST", "/api/v1/qa/templates", tpl, bearer(tok["a/lead"])...).json(t, &tv)

		// One call of yesterday with a recording.
		now := time.Now().UTC()
		start := now.Add(-24 * time.Hour)
		ans, end := start.Add(5*time.Second), start.Add(65*time.Second)
		if err := s.SaveCall(ctx, &store.CallRecord{TenantID: "a", ID: "c1", Direction: "inbound", StartedAt: start, AnsweredAt: &ans, EndedAt: &end, QueueID: "sales", AgentID: me.ID}); err != nil {
			t.Fatal(err)
		}
		var wav bytes.Buffer
		samples, err := qa.Synth(8000, 1, []qa.Part{{Kind: "speech", MS: 5000}, {Kind: "silence", MS: 40000}}, []qa.Part{{Kind: "silence", MS: 5000}, {Kind: "speech", MS: 5000}})
		if err != nil {
			t.Fatal(err)
		}
		if err := qa.EncodeWAV(&wav, 8000, 2, samples); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "c1.wav")
		if err := os.WriteFile(path, wav.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveRecording(ctx, &store.RecordingRow{TenantID: "a", ID: "r1", CallID: "c1", AgentID: me.ID, QueueID: "sales", Path: path, StartedAt: ans, EndedAt: &end, Status: store.RecordingDone}); err != nil {
			t.Fatal(err)
		}
		spec := map[string]any{"name": "daily", "template_id": tv.ID, "since": start.Add(-time.Hour).Format(time.RFC3339), "until": now.Format(time.RFC3339),
			"queues": []string{"sales"}, "ratio": 1, "assignees": []string{ids["qa2"]}}
		var task qa.TaskView
		if r := e.do("POST", "/api/v1/qa/tasks", spec, bearer(tok["a/lead"])...); r.Status != 201 {
			t.Fatalf("task: %d %s", r.Status, r.Body)
		} else {
			r.json(t, &task)
		}
		if task.Picked != 1 || task.Seed == 0 {
			t.Fatalf("task %+v", task)
		}
		// The assigned QA user hears it; the lead's other QA user... the lead
		// is a lead; the agent only their own.
		var work []qa.TaskCallView
		e.do("GET", "/api/v1/qa/work", nil, bearer(tok["a/qa2"])...).json(t, &work)
		if len(work) != 1 || work[0].RecordingID != "r1" {
			t.Fatalf("work %+v", work)
		}
		var peaks struct {
			PerSecond int       `json:"per_second"`
			Peaks     [][]uint8 `json:"peaks"`
		}
		e.do("GET", "/api/v1/qa/recordings/r1/peaks", nil, bearer(tok["a/qa2"])...).json(t, &peaks)
		if len(peaks.Peaks) != 2 || len(peaks.Peaks[0]) != 450 {
			t.Fatalf("peaks: %d channels", len(peaks.Peaks))
		}
		if r := e.do("GET", "/api/v1/qa/recordings/r1/audio", nil, bearer(tok["a/qa2"])...); r.Status != 200 || !bytes.HasPrefix(r.Body, []byte("RIFF")) {
			t.Fatalf("audio: %d", r.Status)
		}
		// The recordings API itself lets a QA user hear only the calls of
		// their work: r1 (their task's), not r9 (nobody's).
		if err := s.SaveRecording(ctx, &store.RecordingRow{TenantID: "a", ID: "r9", CallID: "c9", AgentID: me.ID, QueueID: "sales", Path: path, StartedAt: ans, EndedAt: &end, Status: store.RecordingDone}); err != nil {
			t.Fatal(err)
		}
		if r := e.do("GET", "/api/v1/recordings/r1/audio", nil, bearer(tok["a/qa2"])...); r.Status != 200 {
			t.Fatalf("QA user, a recording of their task: %d %s", r.Status, r.Body)
		}
		if r := e.do("GET", "/api/v1/recordings/r9/audio", nil, bearer(tok["a/qa2"])...); r.Status != 404 {
			t.Fatalf("QA user, a recording of no task of theirs: %d", r.Status)
		}
		if r := e.do("GET", "/api/v1/recordings/r9/audio", nil, bearer(tok["a/admin"])...); r.Status != 200 {
			t.Fatalf("admin: %d", r.Status)
		}
		if r := e.do("GET", "/api/v1/qa/recordings/r1/analytics", nil, bearer(tok["b/admin"])...); r.Status != 404 {
			t.Fatalf("other tenant: %d", r.Status)
		}
		var sv qa.ScoreView
		r := e.do("POST", "/api/v1/qa/scores", map[string]any{"call_id": "c1", "task_id": task.ID, "answers": map[string]string{"greet": "yes"}, "comment": "ok", "submit": true}, bearer(tok["a/qa2"])...)
		if r.Status != 201 {
			t.Fatalf("score: %d %s", r.Status, r.Body)
		}
		r.json(t, &sv)
		if sv.Total != 50 || sv.Result.Items["silence"] != 0 {
			t.Fatalf("score total %v items %v", sv.Total, sv.Result.Items)
		}
		if r := e.do("POST", "/api/v1/qa/scores/"+sv.ID+"/appeals", map[string]string{"item_id": "greet", "reason": "x"}, bearer(tok["a/qa2"])...); r.Status != 403 {
			t.Fatalf("QA user appealed: %d", r.Status)
		}
		var ap store.QAAppealRow
		if r := e.do("POST", "/api/v1/qa/scores/"+sv.ID+"/appeals", map[string]string{"item_id": "silence", "reason": "客户在查资料"}, bearer(tok["a/agent"])...); r.Status != 201 {
			t.Fatalf("appeal: %d %s", r.Status, r.Body)
		} else {
			r.json(t, &ap)
		}
		if r := e.do("POST", "/api/v1/qa/appeals/"+ap.ID+"/decision", map[string]string{"outcome": "changed", "new_value": "yes", "note": "n"}, bearer(tok["a/lead"])...); r.Status != 400 || !strings.Contains(string(r.Body), "speech analytics") {
			t.Fatalf("changing an auto item: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/api/v1/qa/appeals/"+ap.ID+"/decision", map[string]string{"outcome": "upheld", "note": "静音确实超过 30 秒"}, bearer(tok["a/lead"])...); r.Status != 200 {
			t.Fatalf("decision: %d %s", r.Status, r.Body)
		}
		var mine []qa.ScoreView
		e.do("GET", "/api/v1/qa/scores", nil, bearer(tok["a/agent"])...).json(t, &mine)
		if len(mine) != 1 {
			t.Fatalf("agent's scores: %d", len(mine))
		}
		var rep qa.Report
		e.do("GET", "/api/v1/qa/reports?since="+start.Add(-48*time.Hour).Format(time.RFC3339), nil, bearer(tok["a/supervisor"])...).json(t, &rep)
		if rep.Overall.Count != 1 || rep.Appeals.Upheld != 1 {
			t.Fatalf("report %+v", rep)
		}
		csv := e.do("GET", "/api/v1/qa/reports?format=csv&section=items", nil, bearer(tok["a/lead"])...)
		if csv.Status != 200 || !strings.HasPrefix(string(csv.Body), "template_id,item_id") || !strings.Contains(string(csv.Body), "silence") {
			t.Fatalf("csv %d %s", csv.Status, csv.Body)
		}
		if r := e.do("GET", "/api/v1/qa/reports", nil, bearer(tok["a/agent"])...); r.Status != 403 {
			t.Fatalf("agent report: %d", r.Status)
		}
		if es, _ := s.ListAudit(ctx, "a", store.AuditFilter{ObjectType: "qa_appeal"}); len(es) < 2 {
			t.Fatalf("appeals audited: %d", len(es))
		}
	})
}
