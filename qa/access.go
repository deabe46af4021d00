package qa

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/ipcc/ipcc/store"
)

// CanHear tells whether the actor may hear a recording for QA: leads and
// admins any; QA users the recordings of calls assigned to them in a task
// or of a calibration they take part in; supervisors their queues'; agents
// their own calls'.
func (s *Service) CanHear(ctx context.Context, tenant string, who *Actor, rec *store.RecordingRow) (bool, error) {
	switch {
	case who.IsLead():
		return true, nil
	case who.Role == RoleAgent:
		return rec.AgentID == who.ID, nil
	case who.Role == RoleSupervisor:
		return who.seesQueue(rec.QueueID), nil
	case who.Role != RoleQA:
		return false, nil
	}
	picks, err := s.St.ListQATaskCalls(ctx, tenant, store.QATaskCallFilter{CallID: rec.CallID, Assignee: who.ID})
	if err != nil {
		return false, err
	}
	if len(picks) > 0 {
		return true, nil
	}
	cals, err := s.St.ListQACalibrations(ctx, tenant)
	if err != nil {
		return false, err
	}
	for _, c := range cals {
		var parts []string
		_ = json.Unmarshal([]byte(c.Participants), &parts)
		if c.CallID == rec.CallID && slices.Contains(parts, who.ID) {
			return true, nil
		}
	}
	return false, nil
}
