package store

import (
	"context"
	"fmt"
	"time"
)

// Prompt kinds.
const (
	PromptFile = "file" // uploaded audio
	PromptTTS  = "tts"  // text per language, synthesised when played
)

// Prompt is one entry of a tenant's prompts library. A file prompt's audio
// lives under the tenant's directory of the prompt store, named by Name;
// a TTS prompt has Texts (language → text, JSON object).
type Prompt struct {
	TenantID   string    `db:"tenant_id" json:"-"`
	Name       string    `db:"name" json:"name"`
	Kind       string    `db:"kind" json:"kind"`
	Language   string    `db:"language" json:"language"`
	Texts      string    `db:"texts" json:"-"`
	DurationMS int64     `db:"duration_ms" json:"duration_ms"`
	SizeBytes  int64     `db:"size_bytes" json:"size_bytes"`
	SampleRate int       `db:"sample_rate" json:"sample_rate"`
	Channels   int       `db:"channels" json:"channels"`
	CreatedAt  time.Time `db:"created_at" json:"created_at"`
	CreatedBy  string    `db:"created_by" json:"created_by"`
}

const promptCols = `tenant_id, name, kind, language, texts, duration_ms, size_bytes, sample_rate, channels, created_at, created_by`

// CreatePrompt stores a new library prompt; ErrConflict when the name is
// taken in the tenant.
func (s *Store) CreatePrompt(ctx context.Context, p *Prompt) error {
	p.CreatedAt = now()
	if p.Texts == "" {
		p.Texts = "{}"
	}
	_, err := s.db.ExecContext(ctx, s.Rebind(`INSERT INTO prompts (`+promptCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?)`),
		p.TenantID, p.Name, p.Kind, p.Language, p.Texts, p.DurationMS, p.SizeBytes, p.SampleRate, p.Channels, p.CreatedAt, p.CreatedBy)
	if err != nil {
		return fmt.Errorf("store: create prompt %q: %w", p.Name, mapErr(err))
	}
	return nil
}

// GetPrompt loads one prompt of the tenant.
func (s *Store) GetPrompt(ctx context.Context, tenant, name string) (*Prompt, error) {
	var p Prompt
	err := s.db.GetContext(ctx, &p, s.Rebind(`SELECT `+promptCols+` FROM prompts WHERE tenant_id = ? AND name = ?`), tenant, name)
	if err != nil {
		return nil, fmt.Errorf("store: get prompt %q: %w", name, mapErr(err))
	}
	return &p, nil
}

// ListPrompts lists the tenant's prompts ordered by name.
func (s *Store) ListPrompts(ctx context.Context, tenant string) ([]Prompt, error) {
	ps := []Prompt{}
	err := s.db.SelectContext(ctx, &ps, s.Rebind(`SELECT `+promptCols+` FROM prompts WHERE tenant_id = ? ORDER BY name`), tenant)
	if err != nil {
		return nil, fmt.Errorf("store: list prompts: %w", err)
	}
	return ps, nil
}

// DeletePrompt removes one prompt; ErrNotFound when there is none.
func (s *Store) DeletePrompt(ctx context.Context, tenant, name string) error {
	res, err := s.db.ExecContext(ctx, s.Rebind(`DELETE FROM prompts WHERE tenant_id = ? AND name = ?`), tenant, name)
	if err != nil {
		return fmt.Errorf("store: delete prompt %q: %w", name, mapErr(err))
	}
	return affectedOne(res, "prompt", name)
}
