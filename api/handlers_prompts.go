package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/ivrflows"
	"github.com/ipcc/ipcc/prompts"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/tts"
)

// promptLangs are the languages a TTS prompt has text in.
var promptLangs = []string{"zh-CN", "en"}

// promptRequest creates a TTS prompt (JSON body). Audio is uploaded with
// the same route as the raw body (audio/wav, query name and language) or
// as multipart/form-data (fields name, language, file).
type promptRequest struct {
	Name  string            `json:"name"`
	Texts map[string]string `json:"texts"`
}

// promptView is one library prompt with where it is used.
type promptView struct {
	store.Prompt
	Texts  map[string]string `json:"texts,omitempty"`
	UsedBy []string          `json:"used_by"`
}

func (s *Server) addPromptRoutes() {
	const tag = "prompts"
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/prompts", Summary: "The tenant's prompts library: name, kind (file or tts), language, duration, size, TTS texts and used_by (the flows whose prompt items reference it, as flow:<id>, and the queues whose announcements or hold music name it, as queue:<id>)", Tag: tag,
		Roles: rolesSupervisor, Response: []promptView{}, Handler: s.listPrompts})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/prompts", Summary: "Add a prompt. JSON {name, texts: {zh-CN, en}} makes a TTS prompt; an audio upload is the raw body (audio/wav; query name, language) or multipart/form-data (name, language, file). " +
		"Audio must be PCM WAV at 8000 or 16000 Hz, mono or stereo, at most 32 MiB and 10 minutes; 400 names the problem. Names: 1-64 of a-z, 0-9, _ and -", Tag: tag,
		Roles: rolesAdmin, Request: promptRequest{}, Response: promptView{}, Status: http.StatusCreated, ObjectType: "prompt", Handler: s.createPrompt})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/prompts/:name/audio", Summary: "Play a prompt (audio/wav): an uploaded file, or a TTS prompt synthesised in lang (zh-CN or en; default zh-CN)", Tag: tag,
		Roles: rolesSupervisor, Handler: s.promptAudio})
	s.Add(&Route{Method: http.MethodDelete, Path: "/api/v1/prompts/:name", Summary: "Delete a prompt; 409 naming the flows and queues that still use it", Tag: tag,
		Roles: rolesAdmin, Status: http.StatusNoContent, ObjectType: "prompt", Handler: s.deletePrompt})
}

func (s *Server) promptDir() prompts.Dir { return prompts.Dir{Root: s.opt.PromptDir} }

func (s *Server) listPrompts(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	ps, err := s.opt.Store.ListPrompts(ctx, tenant)
	if err != nil {
		return err
	}
	uses, err := s.promptUses(c, tenant)
	if err != nil {
		return err
	}
	out := make([]promptView, 0, len(ps))
	for _, p := range ps {
		out = append(out, viewPrompt(p, uses[p.Name]))
	}
	return c.JSON(http.StatusOK, out)
}

func viewPrompt(p store.Prompt, used []string) promptView {
	v := promptView{Prompt: p, UsedBy: used}
	if v.UsedBy == nil {
		v.UsedBy = []string{}
	}
	if p.Kind == store.PromptTTS {
		_ = json.Unmarshal([]byte(p.Texts), &v.Texts)
	}
	return v
}

// promptUses maps each library prompt name to the flows referencing it
// (a prompt item {"library": NAME} in the draft or the published version)
// and the queues whose announcements or hold music name it ("library:NAME"), as
// flow:<id> and queue:<id>.
func (s *Server) promptUses(c echo.Context, tenant string) (map[string][]string, error) {
	ctx := c.Request().Context()
	flows, err := s.opt.Store.ListFlows(ctx, tenant)
	if err != nil {
		return nil, err
	}
	uses := map[string][]string{}
	queues, err := s.opt.Store.ListACDQueues(ctx, tenant)
	if err != nil {
		return nil, err
	}
	for i := range queues {
		q, err := acd.QueueFromRow(&queues[i])
		if err != nil {
			return nil, err
		}
		names := map[string]bool{}
		for _, r := range q.LibraryRefs() {
			names[r.Name] = true
		}
		for n := range names {
			uses[n] = append(uses[n], "queue:"+q.ID)
		}
	}
	for _, f := range flows {
		names := map[string]bool{}
		collectLibrary(f.Draft, names)
		if f.PublishedVersion > 0 {
			if v, err := s.opt.Store.GetFlowVersion(ctx, tenant, f.ID, f.PublishedVersion); err == nil {
				collectLibrary(v.Document, names)
			}
		}
		for n := range names {
			uses[n] = append(uses[n], "flow:"+f.ID)
		}
	}
	for _, u := range uses {
		sort.Strings(u)
	}
	return uses, nil
}

// collectLibrary adds every "library" string of a flow document's objects.
func collectLibrary(doc string, into map[string]bool) {
	var v any
	if json.Unmarshal([]byte(doc), &v) != nil {
		return
	}
	var walk func(any)
	walk = func(x any) {
		switch t := x.(type) {
		case map[string]any:
			for k, e := range t {
				if s, ok := e.(string); ok && k == "library" {
					into[s] = true
				}
				walk(e)
			}
		case []any:
			for _, e := range t {
				walk(e)
			}
		}
	}
	walk(v)
}

func (s *Server) createPrompt(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ct, params, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	p := &store.Prompt{TenantID: tenant, CreatedBy: principalOf(c).Name}
	var audio []byte
	switch {
	case ct == "application/json":
		var req promptRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		p.Name, p.Kind = req.Name, store.PromptTTS
		texts := map[string]string{}
		for _, l := range promptLangs {
			t := strings.TrimSpace(req.Texts[l])
			if t == "" {
				return errInvalid("texts."+l, "texts.%s is required: a TTS prompt has text in zh-CN and en", l)
			}
			if len(t) > 4000 {
				return errInvalid("texts."+l, "texts.%s is longer than 4000 bytes", l)
			}
			texts[l] = t
		}
		for l := range req.Texts {
			if _, ok := texts[l]; !ok {
				return errInvalid("texts."+l, "texts.%s: the languages are zh-CN and en", l)
			}
		}
		b, _ := json.Marshal(texts)
		p.Texts, p.Language = string(b), "zh-CN,en"
	case ct == "multipart/form-data":
		_ = params
		r := http.MaxBytesReader(c.Response(), c.Request().Body, prompts.MaxSize+1<<20)
		c.Request().Body = r
		if err := c.Request().ParseMultipartForm(1 << 20); err != nil {
			return errInvalid("file", "cannot read the upload (at most %d MiB): %v", prompts.MaxSize>>20, err)
		}
		p.Name, p.Language = c.FormValue("name"), c.FormValue("language")
		f, _, err := c.Request().FormFile("file")
		if err != nil {
			return errInvalid("file", "the form has no file field with the audio")
		}
		defer f.Close()
		if audio, err = io.ReadAll(io.LimitReader(f, prompts.MaxSize+1)); err != nil {
			return errInvalid("file", "cannot read the upload: %v", err)
		}
	default:
		p.Name, p.Language = c.QueryParam("name"), c.QueryParam("language")
		if audio, err = io.ReadAll(io.LimitReader(c.Request().Body, prompts.MaxSize+1)); err != nil {
			return errInvalid("file", "cannot read the upload: %v", err)
		}
	}
	if err := prompts.CheckName(p.Name); err != nil {
		return errInvalid("name", "%v", err)
	}
	if p.Kind == "" {
		p.Kind = store.PromptFile
		if p.Language != "" && p.Language != "zh-CN" && p.Language != "en" {
			return errInvalid("language", "language %q: zh-CN, en or empty (every language)", p.Language)
		}
		in, err := prompts.CheckWAV(audio)
		if err != nil {
			return errInvalid("file", "%v", err)
		}
		p.DurationMS, p.SizeBytes, p.SampleRate, p.Channels = in.Duration.Milliseconds(), int64(len(audio)), in.SampleRate, in.Channels
		if _, err := s.opt.Store.GetPrompt(c.Request().Context(), tenant, p.Name); err == nil {
			return &Error{Status: http.StatusConflict, Code: "conflict", Message: fmt.Sprintf("prompt %q already exists: delete it first", p.Name), Field: "name"}
		}
		if err := s.promptDir().Save(tenant, p.Name, audio); err != nil {
			return &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: err.Error()}
		}
	}
	setAudit(c, p.Name, map[string]any{"kind": p.Kind, "size": p.SizeBytes})
	if err := s.opt.Store.CreatePrompt(c.Request().Context(), p); err != nil {
		if store.IsConflict(err) {
			return &Error{Status: http.StatusConflict, Code: "conflict", Message: fmt.Sprintf("prompt %q already exists: delete it first", p.Name), Field: "name"}
		}
		if p.Kind == store.PromptFile {
			_ = s.promptDir().Remove(tenant, p.Name)
		}
		return err
	}
	return c.JSON(http.StatusCreated, viewPrompt(*p, nil))
}

func (s *Server) promptAudio(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p, err := s.opt.Store.GetPrompt(ctx, tenant, c.Param("name"))
	if err != nil {
		if store.IsNotFound(err) {
			return errNotFound("prompt")
		}
		return err
	}
	var path string
	if p.Kind == store.PromptFile {
		if path, err = s.promptDir().Path(tenant, p.Name); err != nil {
			return errNotFound("prompt audio")
		}
	} else {
		lang := c.QueryParam("lang")
		if lang == "" {
			lang = "zh-CN"
		}
		texts := viewPrompt(*p, nil).Texts
		text, ok := texts[lang]
		if !ok {
			return errInvalid("lang", "lang %q: the prompt has text in zh-CN and en", lang)
		}
		if s.opt.TTS == nil {
			return &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "no TTS engine is configured (tts.engine)"}
		}
		req := tts.Request{Text: text, Lang: lang}
		if _, err := s.opt.TTS.Render(ctx, req); err != nil {
			return &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "text to speech failed: " + err.Error()}
		}
		path = s.opt.TTS.LocalPath(req)
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return errNotFound("prompt audio")
		}
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentType, "audio/wav")
	http.ServeContent(c.Response(), c.Request(), p.Name+".wav", st.ModTime(), f)
	return nil
}

func (s *Server) deletePrompt(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	name := c.Param("name")
	uses, err := s.promptUses(c, tenant)
	if err != nil {
		return err
	}
	if u := uses[name]; len(u) > 0 {
		return &Error{Status: http.StatusConflict, Code: "in_use", Message: fmt.Sprintf("prompt %q is used by %s: remove it there first", name, strings.Join(u, ", "))}
	}
	setAudit(c, name, nil)
	if err := s.opt.Store.DeletePrompt(c.Request().Context(), tenant, name); err != nil {
		if store.IsNotFound(err) {
			return errNotFound("prompt")
		}
		return err
	}
	if prompts.CheckName(name) == nil {
		_ = s.promptDir().Remove(tenant, name)
	}
	return c.NoContent(http.StatusNoContent)
}

// checkLibraryRefs names every prompt item of a flow document whose library
// prompt the tenant does not have (none: an empty list).
func (s *Server) checkLibraryRefs(c echo.Context, tenant, doc string) ([]ivrflows.ValidationError, error) {
	out := []ivrflows.ValidationError{}
	fl, err := ivrflows.ParseJSON([]byte(doc))
	if err != nil {
		return out, nil
	}
	refs := ivrflows.LibraryRefs(fl)
	if len(refs) == 0 {
		return out, nil
	}
	ps, err := s.opt.Store.ListPrompts(c.Request().Context(), tenant)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, p := range ps {
		have[p.Name] = true
	}
	for _, r := range refs {
		if !have[r.Name] {
			out = append(out, ivrflows.ValidationError{Node: r.Node, Field: r.Field, Message: fmt.Sprintf("library prompt %q is not in the tenant's prompts library", r.Name)})
		}
	}
	return out, nil
}
