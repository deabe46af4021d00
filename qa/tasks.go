package qa

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ipcc/ipcc/store"
)

// TaskView is a task with its progress.
type TaskView struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	TemplateID string     `json:"template_id"`
	Seed       int64      `json:"seed"`
	Deadline   *time.Time `json:"deadline,omitempty"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	Spec       TaskSpec   `json:"spec"`
	Picked     int        `json:"picked"`
	Scored     int        `json:"scored"`
	// Overdue: the deadline passed with calls unscored.
	Overdue bool `json:"overdue"`
	// Unassigned: picked calls no assignee's skills cover (assignment by
	// skill); they are listed among the task's calls with an empty assignee.
	Unassigned int `json:"unassigned"`
	// PerAssignee: picked and scored per QA user.
	PerAssignee map[string][2]int `json:"per_assignee"`
}

// TaskCallView is a picked call.
type TaskCallView struct {
	store.QATaskCall
	Reasons []string `json:"reasons"`
	// Scored: a submitted score exists (ScoreID may also be a draft).
	Status string `json:"status"` // pending, draft, submitted
}

// CreateTask samples calls by the spec and assigns them. A seed of 0 is
// replaced by a random one, stored with the task.
func (s *Service) CreateTask(ctx context.Context, tenant string, who *Actor, spec TaskSpec) (*TaskView, error) {
	if !who.IsLead() {
		return nil, ErrForbidden
	}
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	if _, err := s.St.GetQATemplate(ctx, tenant, spec.TemplateID, 0); err != nil {
		if store.IsNotFound(err) {
			return nil, verr("template_id", "no template %q", spec.TemplateID)
		}
		return nil, err
	}
	for i, a := range spec.Assignees {
		u, err := s.St.GetUser(ctx, tenant, a)
		if err != nil {
			if store.IsNotFound(err) {
				return nil, verr(fmt.Sprintf("assignees[%d]", i), "no user %q", a)
			}
			return nil, err
		}
		if u.Role != RoleQA && u.Role != RoleAdmin && u.Role != RoleSupervisor {
			return nil, verr(fmt.Sprintf("assignees[%d]", i), "user %q is a %s, not a QA user", u.Username, u.Role)
		}
	}
	spec.AssigneeSkills = nil
	if spec.Assign == AssignSkill {
		all, err := s.St.QAUserSkills(ctx, tenant)
		if err != nil {
			return nil, err
		}
		spec.AssigneeSkills = map[string][]string{}
		for i, a := range spec.Assignees {
			if len(all[a]) == 0 {
				return nil, verr(fmt.Sprintf("assignees[%d]", i), "user %q has no QA skills; give them skills or assign evenly", a)
			}
			spec.AssigneeSkills[a] = all[a]
		}
	}
	phrases, err := s.phraseMap(ctx, tenant)
	if err != nil {
		return nil, err
	}
	for i, r := range spec.Rules {
		if r.Kind == RuleKeyword {
			if _, ok := phrases[r.PhraseRule]; !ok {
				return nil, verr(fmt.Sprintf("rules[%d].phrase_rule", i), "no phrase rule %q", r.PhraseRule)
			}
		}
	}
	if spec.Seed == 0 {
		var b [8]byte
		for spec.Seed == 0 {
			_, _ = randRead(b[:])
			spec.Seed = int64(uint64(b[0])<<40|uint64(b[1])<<32|uint64(b[2])<<24|uint64(b[3])<<16|uint64(b[4])<<8|uint64(b[5])) & (1<<48 - 1)
		}
	}
	cands, err := s.St.QACandidates(ctx, tenant, store.QACandidateFilter{Since: spec.Since, Until: spec.Until, Queues: spec.Queues,
		Agents: spec.Agents, Direction: spec.Direction, Disposition: spec.Disposition})
	if err != nil {
		return nil, err
	}
	picks := Sample(&spec, cands, phrases)
	body, _ := json.Marshal(spec)
	row := &store.QATaskRow{TenantID: tenant, ID: newID("task-"), Name: spec.Name, TemplateID: spec.TemplateID, Spec: string(body),
		Seed: spec.Seed, Deadline: spec.Deadline, CreatedBy: who.ID}
	calls := make([]store.QATaskCall, 0, len(picks))
	for _, p := range picks {
		rs, _ := json.Marshal(p.Reasons)
		calls = append(calls, store.QATaskCall{CallID: p.Call.ID, RecordingID: p.Call.RecordingID, AgentID: p.Call.AgentID, QueueID: p.Call.QueueID,
			StartedAt: p.Call.StartedAt, Reasons: string(rs), Assignee: p.Assignee, PickedBy: who.ID})
	}
	if err := s.St.CreateQATask(ctx, row, calls); err != nil {
		return nil, err
	}
	return s.GetTask(ctx, tenant, who, row.ID)
}

var randRead = func(b []byte) (int, error) {
	return cryptoRead(b)
}

func (s *Service) phraseMap(ctx context.Context, tenant string) (map[string][]string, error) {
	rules, err := s.St.ListQAPhraseRules(ctx, tenant)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, r := range rules {
		var p []string
		_ = json.Unmarshal([]byte(r.Phrases), &p)
		out[r.ID] = p
	}
	return out, nil
}

// GetTask loads a task with its progress.
func (s *Service) GetTask(ctx context.Context, tenant string, who *Actor, id string) (*TaskView, error) {
	if who.Role == RoleAgent {
		return nil, ErrForbidden
	}
	r, err := s.St.GetQATask(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	return s.taskView(ctx, tenant, r)
}

func (s *Service) taskView(ctx context.Context, tenant string, r *store.QATaskRow) (*TaskView, error) {
	v := &TaskView{ID: r.ID, Name: r.Name, TemplateID: r.TemplateID, Seed: r.Seed, Deadline: r.Deadline, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, PerAssignee: map[string][2]int{}}
	if err := json.Unmarshal([]byte(r.Spec), &v.Spec); err != nil {
		return nil, fmt.Errorf("qa: task %s spec: %w", r.ID, err)
	}
	calls, err := s.TaskCalls(ctx, tenant, store.QATaskCallFilter{TaskID: r.ID})
	if err != nil {
		return nil, err
	}
	for _, c := range calls {
		pa := v.PerAssignee[c.Assignee]
		pa[0]++
		v.Picked++
		if c.Status == "submitted" {
			v.Scored++
			pa[1]++
		}
		if c.Assignee == "" {
			v.Unassigned++
			continue
		}
		v.PerAssignee[c.Assignee] = pa
	}
	v.Overdue = r.Deadline != nil && s.now().After(*r.Deadline) && v.Scored < v.Picked
	return v, nil
}

// ListTasks lists tasks with progress; a QA user sees the tasks with calls
// assigned to them.
func (s *Service) ListTasks(ctx context.Context, tenant string, who *Actor) ([]TaskView, error) {
	if who.Role == RoleAgent {
		return nil, ErrForbidden
	}
	rows, err := s.St.ListQATasks(ctx, tenant)
	if err != nil {
		return nil, err
	}
	out := []TaskView{}
	for i := range rows {
		v, err := s.taskView(ctx, tenant, &rows[i])
		if err != nil {
			return nil, err
		}
		if who.Role == RoleQA && !who.IsLead() {
			if _, mine := v.PerAssignee[who.ID]; !mine {
				continue
			}
		}
		out = append(out, *v)
	}
	return out, nil
}

// TaskCalls lists picked calls with their scoring status.
func (s *Service) TaskCalls(ctx context.Context, tenant string, f store.QATaskCallFilter) ([]TaskCallView, error) {
	rows, err := s.St.ListQATaskCalls(ctx, tenant, f)
	if err != nil {
		return nil, err
	}
	out := make([]TaskCallView, 0, len(rows))
	for _, r := range rows {
		v := TaskCallView{QATaskCall: r, Status: "pending"}
		_ = json.Unmarshal([]byte(r.Reasons), &v.Reasons)
		if r.ScoreID != "" {
			sc, err := s.St.GetQAScore(ctx, tenant, r.ScoreID)
			if err == nil {
				v.Status = sc.Status
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// MyCalls lists the calls assigned to a QA user (lead or admin: "" = all).
func (s *Service) MyCalls(ctx context.Context, tenant string, who *Actor, task string) ([]TaskCallView, error) {
	if who.Role == RoleAgent {
		return nil, ErrForbidden
	}
	f := store.QATaskCallFilter{TaskID: task}
	if who.Role == RoleQA && !who.IsLead() {
		f.Assignee = who.ID
	}
	calls, err := s.TaskCalls(ctx, tenant, f)
	if err != nil {
		return nil, err
	}
	if who.Role == RoleSupervisor && who.Queues != nil {
		kept := calls[:0]
		for _, c := range calls {
			if who.seesQueue(c.QueueID) {
				kept = append(kept, c)
			}
		}
		calls = kept
	}
	return calls, nil
}

// PickCall sends a call to QA by hand (a supervisor, lead or admin), with a
// reason; it lands in the "manual" task, assigned to assignee.
func (s *Service) PickCall(ctx context.Context, tenant string, who *Actor, callID, reason, assignee string) (*TaskCallView, error) {
	if who.Role != RoleSupervisor && !who.IsLead() {
		return nil, ErrForbidden
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, verr("reason", "a manual pick needs a reason")
	}
	call, err := s.St.GetCall(ctx, tenant, callID)
	if err != nil {
		if store.IsNotFound(err) {
			return nil, verr("call_id", "no call %q", callID)
		}
		return nil, err
	}
	if who.Role == RoleSupervisor && !who.seesQueue(call.QueueID) {
		return nil, ErrForbidden
	}
	if assignee == "" {
		return nil, verr("assignee", "name the QA user who scores the call")
	}
	u, err := s.St.GetUser(ctx, tenant, assignee)
	if err != nil {
		if store.IsNotFound(err) {
			return nil, verr("assignee", "no user %q", assignee)
		}
		return nil, err
	}
	if u.Role == RoleAgent {
		return nil, verr("assignee", "user %q is an agent", u.Username)
	}
	recs, err := s.St.ListRecordings(ctx, tenant, store.RecordingFilter{CallID: callID, Status: store.RecordingDone})
	if err != nil {
		return nil, err
	}
	rec := ""
	if len(recs) > 0 {
		rec = recs[len(recs)-1].ID
	}
	rs, _ := json.Marshal([]string{"manual: " + reason})
	tc := &store.QATaskCall{TenantID: tenant, TaskID: store.QAManualTask, CallID: callID, RecordingID: rec, AgentID: call.AgentID, QueueID: call.QueueID,
		StartedAt: call.StartedAt, Reasons: string(rs), Assignee: assignee, PickedBy: who.ID}
	if err := s.St.AddQATaskCall(ctx, tc); err != nil {
		if store.IsConflict(err) {
			return nil, fmt.Errorf("%w: call %s is already picked by hand", ErrConflict, callID)
		}
		return nil, err
	}
	return &TaskCallView{QATaskCall: *tc, Reasons: []string{"manual: " + reason}, Status: "pending"}, nil
}

// SetSkills replaces a QA user's skills (QA leads and admins): queue ids, or
// "*" for every queue. Assignment by skill gives a call to a QA user whose
// skills cover its queue.
func (s *Service) SetSkills(ctx context.Context, tenant string, who *Actor, user string, skills []string) ([]string, error) {
	if !who.IsLead() {
		return nil, ErrForbidden
	}
	u, err := s.St.GetUser(ctx, tenant, user)
	if err != nil {
		if store.IsNotFound(err) {
			return nil, verr("user", "no user %q", user)
		}
		return nil, err
	}
	if u.Role != RoleQA && u.Role != RoleAdmin && u.Role != RoleSupervisor {
		return nil, verr("user", "user %q is a %s, not a QA user", u.Username, u.Role)
	}
	seen := map[string]bool{}
	out := []string{}
	for i, sk := range skills {
		sk = strings.TrimSpace(sk)
		w := fmt.Sprintf("skills[%d]", i)
		if sk == "" {
			return nil, verr(w, "a skill is a queue id or \"*\"")
		}
		if sk != SkillAny {
			if _, err := s.St.GetACDQueue(ctx, tenant, sk); err != nil {
				if store.IsNotFound(err) {
					return nil, verr(w, "no queue %q", sk)
				}
				return nil, err
			}
		}
		if !seen[sk] {
			seen[sk] = true
			out = append(out, sk)
		}
	}
	if err := s.St.SetQAUserSkills(ctx, tenant, u.ID, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Skills maps QA users to their skills (not for agents).
func (s *Service) Skills(ctx context.Context, tenant string, who *Actor) (map[string][]string, error) {
	if who.Role == RoleAgent {
		return nil, ErrForbidden
	}
	return s.St.QAUserSkills(ctx, tenant)
}
