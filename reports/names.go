package reports

import (
	"context"
	"fmt"

	"github.com/ipcc/ipcc/store"
)

// AgentLabel shows who an agent is next to their id in report rows and CSV
// exports: the user's display name (their username when they have none)
// and work number (工号). Both are empty for an id that is no user of the
// tenant any more.
type AgentLabel struct {
	AgentName       string `json:"agent_name"`
	AgentWorkNumber string `json:"agent_work_number"`
}

func (s *Service) agentLabels(ctx context.Context, tenant string) (func(id string) AgentLabel, error) {
	return AgentLabels(ctx, s.st, tenant)
}

// AgentLabels reads the tenant's users once and returns what labels agent
// ids (for other listings of agents: calls, the live snapshot).
func AgentLabels(ctx context.Context, st *store.Store, tenant string) (func(id string) AgentLabel, error) {
	users, err := st.UserNames(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("reports: agent names of %s: %w", tenant, err)
	}
	return func(id string) AgentLabel {
		u, ok := users[id]
		if id == "" || !ok {
			return AgentLabel{}
		}
		name := u.DisplayName
		if name == "" {
			name = u.Username
		}
		return AgentLabel{AgentName: name, AgentWorkNumber: u.WorkNumber}
	}, nil
}
