package inbound

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/prompts"
	"github.com/ipcc/ipcc/store"
)

// promptLibrary plays flows' library items: an uploaded prompt is a file
// under dir (as the switch sees it), a TTS prompt its text in the call's
// language (zh-CN when the prompt has none in it).
type promptLibrary struct {
	st  *store.Store
	dir string
}

func (l promptLibrary) LibraryMedia(ctx context.Context, tenant, name, lang string) (controller.Media, error) {
	m := controller.Media{Lang: lang}
	if l.st == nil {
		return m, errors.New("has no store")
	}
	p, err := l.st.GetPrompt(ctx, tenant, name)
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
	if l.dir == "" {
		return m, errors.New("cannot be played: media.prompt_dir is not set")
	}
	path, err := prompts.Dir{Root: l.dir}.Path(tenant, name)
	if err != nil {
		return m, err
	}
	m.Kind, m.Value = controller.MediaFile, filepath.ToSlash(path)
	return m, nil
}
