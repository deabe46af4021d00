package store_test

import (
	"context"
	"testing"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// Prompts are per tenant: another tenant neither sees nor deletes them, and
// a name is unique within a tenant only.
func TestPromptsLibrary(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := &store.Prompt{TenantID: "a", Name: "welcome", Kind: store.PromptFile, Language: "zh-CN", DurationMS: 1500, SizeBytes: 24044, SampleRate: 8000, Channels: 1, CreatedBy: "admin"}
		if err := s.CreatePrompt(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := s.CreatePrompt(ctx, &store.Prompt{TenantID: "a", Name: "welcome", Kind: store.PromptTTS}); !store.IsConflict(err) {
			t.Fatalf("duplicate name: %v, want conflict", err)
		}
		if err := s.CreatePrompt(ctx, &store.Prompt{TenantID: "b", Name: "welcome", Kind: store.PromptTTS, Texts: `{"en":"hi"}`}); err != nil {
			t.Fatalf("same name in another tenant: %v", err)
		}
		got, err := s.GetPrompt(ctx, "a", "welcome")
		if err != nil || got.DurationMS != 1500 || got.SampleRate != 8000 || got.Kind != store.PromptFile || got.Texts != "{}" {
			t.Fatalf("get: %+v %v", got, err)
		}
		bs, err := s.ListPrompts(ctx, "b")
		if err != nil || len(bs) != 1 || bs[0].Kind != store.PromptTTS || bs[0].Texts != `{"en":"hi"}` {
			t.Fatalf("list b: %+v %v", bs, err)
		}
		if err := s.DeletePrompt(ctx, "c", "welcome"); !store.IsNotFound(err) {
			t.Fatalf("delete in another tenant: %v", err)
		}
		if err := s.DeletePrompt(ctx, "a", "welcome"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetPrompt(ctx, "a", "welcome"); !store.IsNotFound(err) {
			t.Fatalf("after delete: %v", err)
		}
	})
}
