package ivrflows

import (
	"context"
	"fmt"

	"github.com/ipcc/ipcc/store"
)

// StoreBackend keeps voicemail messages and survey ratings in the store and
// loads published flows from it, so the wiring can pass one value as
// Options.Voicemail, Options.Surveys and Options.Flows.
type StoreBackend struct{ S *store.Store }

// SaveVoicemail stores m in voicemail_messages.
func (b StoreBackend) SaveVoicemail(ctx context.Context, m VoicemailMessage) error {
	return b.S.AddVoicemail(ctx, &store.VoicemailMessage{TenantID: m.Tenant, Mailbox: m.Mailbox, CallID: m.CallID,
		Caller: m.Caller, Path: m.Path, DurationMS: m.Duration.Milliseconds(), CreatedAt: m.Created})
}

// SaveSurvey stores r in survey_results.
func (b StoreBackend) SaveSurvey(ctx context.Context, r SurveyResult) error {
	return b.S.AddSurveyResult(ctx, &store.SurveyResult{TenantID: r.Tenant, CallID: r.CallID, AgentID: r.AgentID,
		Queue: r.Queue, Score: r.Score, CreatedAt: r.Created})
}

// Published loads and parses the live version of a flow. A stored version
// was validated when it was published; it is parsed again because the
// document format may have been read by an older ipcc.
func (b StoreBackend) Published(ctx context.Context, tenant, id string) (*Flow, int, error) {
	v, err := b.S.PublishedFlow(ctx, tenant, id)
	if err != nil {
		return nil, 0, err
	}
	f, err := ParseJSON([]byte(v.Document))
	if err != nil {
		return nil, 0, fmt.Errorf("flow %q version %d: %w", id, v.Version, err)
	}
	return f, v.Version, nil
}
