package prompts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/store"
)

// Library resolves prompts of a tenant's library into what to play: an
// uploaded prompt is its file under Dir (as the switches see it), a TTS
// prompt its text in the call's language (zh-CN when the prompt has none
// in it). The media carries the prompt's name (Media.Library) so traces
// and dry runs can say where it came from.
type Library struct {
	Store *store.Store
	Dir   string
}

// LibraryMedia resolves the tenant's prompt name for a caller speaking
// lang. Errors read after the prompt's name ("is not in the tenant's
// prompts library").
func (l Library) LibraryMedia(ctx context.Context, tenant, name, lang string) (controller.Media, error) {
	m := controller.Media{Lang: lang, Library: name}
	if l.Store == nil {
		return m, errors.New("cannot be played: no store")
	}
	p, err := l.Store.GetPrompt(ctx, tenant, name)
	if err != nil {
		if store.IsNotFound(err) {
			return m, errors.New("is not in the tenant's prompts library")
		}
		return m, err
	}
	if p.Kind == store.PromptTTS {
		var texts map[string]string
		if err := json.Unmarshal([]byte(p.Texts), &texts); err != nil {
			return m, fmt.Errorf("has unreadable texts: %w", err)
		}
		m.Kind, m.Value = controller.MediaTTS, texts[lang]
		if m.Value == "" {
			m.Value, m.Lang = texts["zh-CN"], "zh-CN"
		}
		if m.Value == "" {
			return m, errors.New("has no text")
		}
		return m, nil
	}
	if l.Dir == "" {
		return m, errors.New("cannot be played: media.prompt_dir is not set")
	}
	path, err := Dir{Root: l.Dir}.Path(tenant, name)
	if err != nil {
		return m, err
	}
	m.Kind, m.Value = controller.MediaFile, filepath.ToSlash(path)
	return m, nil
}

// Missing reports which of names the tenant's library lacks (none: nil).
func Missing(ctx context.Context, st *store.Store, tenant string, names []string) ([]string, error) {
	if len(names) == 0 {
		return nil, nil
	}
	ps, err := st.ListPrompts(ctx, tenant)
	if err != nil {
		return nil, err
	}
	have := make(map[string]bool, len(ps))
	for _, p := range ps {
		have[p.Name] = true
	}
	var out []string
	for _, n := range names {
		if !have[n] {
			out = append(out, n)
		}
	}
	return out, nil
}
