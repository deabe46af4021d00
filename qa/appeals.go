package qa

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/ipcc/ipcc/store"
)

// Appeal lets an agent contest one item of a submitted score of their own
// within the appeal window, with a reason. One open appeal per item.
func (s *Service) Appeal(ctx context.Context, tenant string, who *Actor, scoreID, itemID, reason string) (*store.QAAppealRow, error) {
	if who.Role != RoleAgent {
		return nil, ErrForbidden
	}
	r, err := s.St.GetQAScore(ctx, tenant, scoreID)
	if err != nil {
		return nil, err
	}
	if r.AgentID != who.ID || r.Status != "submitted" {
		return nil, fmt.Errorf("qa score %s: %w", scoreID, store.ErrNotFound)
	}
	if until := r.SubmittedAt.AddDate(0, 0, s.appealDays()); s.now().After(until) {
		return nil, verr("score_id", "the appeal window of %d days closed on %s", s.appealDays(), until.Format("2006-01-02 15:04 MST"))
	}
	tpl, err := s.GetTemplate(ctx, tenant, r.TemplateID, r.TemplateVersion)
	if err != nil {
		return nil, err
	}
	if _, ok := tpl.Item(itemID); !ok {
		return nil, verr("item_id", "no item %q in template %q", itemID, tpl.Name)
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, verr("reason", "an appeal needs a reason")
	}
	open, err := s.St.ListQAAppeals(ctx, tenant, store.QAAppealFilter{ScoreID: scoreID, Status: "open"})
	if err != nil {
		return nil, err
	}
	for _, a := range open {
		if a.ItemID == itemID {
			return nil, fmt.Errorf("%w: item %s already has an open appeal (%s)", ErrConflict, itemID, a.ID)
		}
	}
	a := &store.QAAppealRow{TenantID: tenant, ID: newID("ap-"), ScoreID: scoreID, ItemID: itemID, AgentID: who.ID, Reason: reason, CreatedAt: s.now()}
	if err := s.St.CreateQAAppeal(ctx, a); err != nil {
		return nil, err
	}
	if err := s.St.SaveQAScore(ctx, r, store.QAScoreChange{ID: newID("h-"), ActorID: who.ID, Action: "appealed", ItemID: itemID, At: s.now(),
		OldX100: r.TotalX100, NewX100: r.TotalX100, Note: reason}); err != nil {
		return nil, err
	}
	return a, nil
}

// Decision is a ruling on an appeal.
type Decision struct {
	// Outcome: "upheld" keeps the item as scored; "changed" sets NewValue.
	Outcome  string `json:"outcome"`
	NewValue string `json:"new_value,omitempty"`
	Note     string `json:"note"`
}

// DecideAppeal rules on an appeal (a QA lead or admin, or a supervisor of
// the score's queue). A change recomputes the score; both are kept in the
// score's history.
func (s *Service) DecideAppeal(ctx context.Context, tenant string, who *Actor, appealID string, d Decision) (*store.QAAppealRow, error) {
	a, err := s.St.GetQAAppeal(ctx, tenant, appealID)
	if err != nil {
		return nil, err
	}
	r, err := s.St.GetQAScore(ctx, tenant, a.ScoreID)
	if err != nil {
		return nil, err
	}
	if !who.IsLead() && !(who.Role == RoleSupervisor && who.seesQueue(r.QueueID)) {
		return nil, ErrForbidden
	}
	if a.Status != "open" {
		return nil, fmt.Errorf("%w: appeal %s was already %s", ErrConflict, a.ID, a.Status)
	}
	d.Note = strings.TrimSpace(d.Note)
	if d.Note == "" {
		return nil, verr("note", "explain the ruling")
	}
	var ans Answers
	_ = json.Unmarshal([]byte(r.Answers), &ans)
	if ans == nil {
		ans = Answers{}
	}
	old := ans[a.ItemID]
	change := store.QAScoreChange{ID: newID("h-"), At: s.now(), ActorID: who.ID, ItemID: a.ItemID, OldValue: old, NewValue: old, OldX100: r.TotalX100, NewX100: r.TotalX100, Note: d.Note}
	switch d.Outcome {
	case "upheld":
		change.Action = "appeal upheld"
	case "changed":
		tpl, err := s.GetTemplate(ctx, tenant, r.TemplateID, r.TemplateVersion)
		if err != nil {
			return nil, err
		}
		it, _ := tpl.Item(a.ItemID)
		if it != nil && it.Auto != nil {
			return nil, verr("new_value", "item %s is scored from the speech analytics and cannot be changed by hand", a.ItemID)
		}
		ans[a.ItemID] = d.NewValue
		res, err := tpl.Compute(ans, s.analyticsOfCall(ctx, tenant, r.RecordingID))
		if err != nil {
			return nil, err
		}
		b, _ := json.Marshal(ans)
		r.Answers, r.TotalX100, r.Fatal = string(b), int64(math.Round(res.Total*100)), res.Fatal
		change.Action, change.NewValue, change.NewX100 = "appeal changed", d.NewValue, r.TotalX100
	default:
		return nil, verr("outcome", "outcome is upheld or changed, got %q", d.Outcome)
	}
	a.Status, a.DecidedBy, a.NewValue, a.Note = d.Outcome, who.ID, change.NewValue, d.Note
	if err := s.St.DecideQAAppeal(ctx, a); err != nil {
		return nil, err
	}
	if err := s.St.SaveQAScore(ctx, r, change); err != nil {
		return nil, err
	}
	return a, nil
}

// ListAppeals lists the appeals the actor may see: agents their own,
// supervisors their queues', leads and admins all (status "" = any).
func (s *Service) ListAppeals(ctx context.Context, tenant string, who *Actor, status string) ([]store.QAAppealRow, error) {
	f := store.QAAppealFilter{Status: status}
	if who.Role == RoleAgent {
		f.AgentID = who.ID
	} else if !who.IsLead() && who.Role != RoleSupervisor {
		return nil, ErrForbidden
	}
	rows, err := s.St.ListQAAppeals(ctx, tenant, f)
	if err != nil {
		return nil, err
	}
	if who.Role == RoleSupervisor && !who.IsLead() && who.Queues != nil {
		kept := rows[:0]
		for _, a := range rows {
			if sc, err := s.St.GetQAScore(ctx, tenant, a.ScoreID); err == nil && who.seesQueue(sc.QueueID) {
				kept = append(kept, a)
			}
		}
		rows = kept
	}
	return rows, nil
}

// CalibrationInput starts a calibration session.
type CalibrationInput struct {
	Name         string   `json:"name"`
	CallID       string   `json:"call_id"`
	TemplateID   string   `json:"template_id"`
	Participants []string `json:"participants"`
}

// CalibrationView is a session with its scores' spread.
type CalibrationView struct {
	store.QACalibrationRow
	Participants []string `json:"participants"`
	// Totals per scorer (submitted scores only).
	Totals map[string]float64 `json:"totals"`
	// Spread: max - min of the totals; StdDev their standard deviation.
	Spread float64 `json:"spread"`
	StdDev float64 `json:"std_dev"`
	// ItemSpread: max - min points per item across the scorers.
	ItemSpread map[string]float64 `json:"item_spread"`
	Pending    []string           `json:"pending"`
	// RecordingID: the call's finished recording, "" when it has none.
	RecordingID string `json:"recording_id"`
}

// CreateCalibration starts a session (lead or admin).
func (s *Service) CreateCalibration(ctx context.Context, tenant string, who *Actor, in CalibrationInput) (*CalibrationView, error) {
	if !who.IsLead() {
		return nil, ErrForbidden
	}
	if strings.TrimSpace(in.Name) == "" {
		return nil, verr("name", "a calibration session needs a name")
	}
	if len(in.Participants) < 2 {
		return nil, verr("participants", "a calibration needs at least two QA users")
	}
	for i, p := range in.Participants {
		if _, err := s.St.GetUser(ctx, tenant, p); err != nil {
			if store.IsNotFound(err) {
				return nil, verr(fmt.Sprintf("participants[%d]", i), "no user %q", p)
			}
			return nil, err
		}
	}
	if _, err := s.St.GetCall(ctx, tenant, in.CallID); err != nil {
		if store.IsNotFound(err) {
			return nil, verr("call_id", "no call %q", in.CallID)
		}
		return nil, err
	}
	t, err := s.St.GetQATemplate(ctx, tenant, in.TemplateID, 0)
	if err != nil {
		if store.IsNotFound(err) {
			return nil, verr("template_id", "no template %q", in.TemplateID)
		}
		return nil, err
	}
	parts, _ := json.Marshal(in.Participants)
	row := &store.QACalibrationRow{TenantID: tenant, ID: newID("cal-"), Name: strings.TrimSpace(in.Name), CallID: in.CallID, TemplateID: t.ID,
		TemplateVersion: t.Version, Participants: string(parts), CreatedBy: who.ID}
	if err := s.St.CreateQACalibration(ctx, row); err != nil {
		return nil, err
	}
	return s.GetCalibration(ctx, tenant, who, row.ID)
}

// GetCalibration reports a session and the spread of its submitted scores.
func (s *Service) GetCalibration(ctx context.Context, tenant string, who *Actor, id string) (*CalibrationView, error) {
	if who.Role == RoleAgent {
		return nil, ErrForbidden
	}
	row, err := s.St.GetQACalibration(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	v := &CalibrationView{QACalibrationRow: *row, Totals: map[string]float64{}, ItemSpread: map[string]float64{}, Pending: []string{}}
	_ = json.Unmarshal([]byte(row.Participants), &v.Participants)
	scores, err := s.St.ListQAScores(ctx, tenant, store.QAScoreFilter{CalibrationID: id, Status: "submitted"})
	if err != nil {
		return nil, err
	}
	tpl, err := s.GetTemplate(ctx, tenant, row.TemplateID, row.TemplateVersion)
	if err != nil {
		return nil, err
	}
	items := map[string][]float64{}
	var totals []float64
	for _, sc := range scores {
		t := float64(sc.TotalX100) / 100
		v.Totals[sc.ScorerID] = t
		totals = append(totals, t)
		var ans Answers
		_ = json.Unmarshal([]byte(sc.Answers), &ans)
		if res, err := tpl.Compute(ans, nil); err == nil {
			for k, x := range res.Items {
				items[k] = append(items[k], x)
			}
		}
	}
	for _, p := range v.Participants {
		if _, ok := v.Totals[p]; !ok {
			v.Pending = append(v.Pending, p)
		}
	}
	recs, err := s.St.ListRecordings(ctx, tenant, store.RecordingFilter{CallID: row.CallID, Status: store.RecordingDone})
	if err != nil {
		return nil, err
	}
	if len(recs) > 0 {
		v.RecordingID = recs[0].ID
	}
	v.Spread, v.StdDev = spread(totals)
	for k, xs := range items {
		v.ItemSpread[k], _ = spread(xs)
	}
	return v, nil
}

func spread(xs []float64) (float64, float64) {
	if len(xs) < 2 {
		return 0, 0
	}
	sorted := append([]float64(nil), xs...)
	sort.Float64s(sorted)
	var mean, sq float64
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		sq += (x - mean) * (x - mean)
	}
	return round2(sorted[len(sorted)-1] - sorted[0]), round2(math.Sqrt(sq / float64(len(xs))))
}
