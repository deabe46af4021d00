package qa

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ipcc/ipcc/store"
)

// Transcribe sends a recording to the provider and stores its words.
func (s *Service) Transcribe(ctx context.Context, tenant string, who *Actor, recordingID string, p Transcriber) (*store.QATranscriptRow, error) {
	if !who.IsLead() {
		return nil, ErrForbidden
	}
	rec, err := s.St.GetRecording(ctx, tenant, recordingID)
	if err != nil {
		return nil, err
	}
	if rec.Status != store.RecordingDone || rec.DeletedAt != nil {
		return nil, verr("recording", "recording %s has no audio (status %s)", rec.ID, rec.Status)
	}
	f, err := s.OpenAudio(rec)
	if err != nil {
		return nil, fmt.Errorf("qa: open recording %s: %w", rec.ID, err)
	}
	defer f.Close()
	words, err := p.Transcribe(ctx, f)
	if err != nil {
		return nil, err
	}
	b, _ := json.Marshal(words)
	var text []string
	for _, w := range words {
		text = append(text, w.Word)
	}
	row := &store.QATranscriptRow{TenantID: tenant, RecordingID: rec.ID, CallID: rec.CallID, Provider: p.Name(), Words: string(b), Text: strings.Join(text, " ")}
	if err := s.St.SaveQATranscript(ctx, row); err != nil {
		return nil, err
	}
	return row, nil
}

// PhraseRule is a keyword or forbidden-phrase rule.
type PhraseRule struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Kind    string   `json:"kind"` // keyword or forbidden
	Channel string   `json:"channel,omitempty"`
	Phrases []string `json:"phrases"`
}

// SavePhraseRule validates and stores a rule (lead).
func (s *Service) SavePhraseRule(ctx context.Context, tenant string, who *Actor, r PhraseRule) (*PhraseRule, error) {
	if !who.IsLead() {
		return nil, ErrForbidden
	}
	r.Name = strings.TrimSpace(r.Name)
	if r.Name == "" {
		return nil, verr("name", "a phrase rule needs a name")
	}
	if r.Kind != "keyword" && r.Kind != "forbidden" {
		return nil, verr("kind", "kind is keyword or forbidden, got %q", r.Kind)
	}
	if r.Channel != "" && r.Channel != ChanCaller && r.Channel != ChanAgent {
		return nil, verr("channel", "channel is caller, agent or empty, got %q", r.Channel)
	}
	var ps []string
	for i, p := range r.Phrases {
		if len(normalise(p)) == 0 {
			return nil, verr(fmt.Sprintf("phrases[%d]", i), "a phrase needs letters or digits")
		}
		ps = append(ps, strings.TrimSpace(p))
	}
	if len(ps) == 0 {
		return nil, verr("phrases", "a phrase rule needs phrases")
	}
	r.Phrases = ps
	if r.ID == "" {
		r.ID = newID("pr-")
	}
	b, _ := json.Marshal(ps)
	if err := s.St.SaveQAPhraseRule(ctx, &store.QAPhraseRule{TenantID: tenant, ID: r.ID, Name: r.Name, Kind: r.Kind, Channel: r.Channel, Phrases: string(b)}); err != nil {
		return nil, err
	}
	return &r, nil
}

// ListPhraseRules lists the tenant's phrase rules.
func (s *Service) ListPhraseRules(ctx context.Context, tenant string) ([]PhraseRule, error) {
	rows, err := s.St.ListQAPhraseRules(ctx, tenant)
	if err != nil {
		return nil, err
	}
	out := []PhraseRule{}
	for _, r := range rows {
		p := PhraseRule{ID: r.ID, Name: r.Name, Kind: r.Kind, Channel: r.Channel}
		_ = json.Unmarshal([]byte(r.Phrases), &p.Phrases)
		out = append(out, p)
	}
	return out, nil
}

// TranscriptHits is a recording's transcript with every phrase rule's hits.
type TranscriptHits struct {
	store.QATranscriptRow
	Words []Word           `json:"words"`
	Hits  map[string][]Hit `json:"hits"` // by phrase rule id
}

// GetTranscript returns a stored transcript and its phrase hits.
func (s *Service) GetTranscript(ctx context.Context, tenant, recordingID string) (*TranscriptHits, error) {
	t, err := s.St.GetQATranscript(ctx, tenant, recordingID)
	if err != nil {
		return nil, err
	}
	v := &TranscriptHits{QATranscriptRow: *t, Hits: map[string][]Hit{}}
	_ = json.Unmarshal([]byte(t.Words), &v.Words)
	rules, err := s.ListPhraseRules(ctx, tenant)
	if err != nil {
		return nil, err
	}
	for _, r := range rules {
		if h := FindPhrases(v.Words, r.Phrases, r.Channel); len(h) > 0 {
			v.Hits[r.ID] = h
		}
	}
	return v, nil
}
