package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/sms"
	"github.com/ipcc/ipcc/store"
)

// secretMask stands for a stored secret in provider views; sending it back
// unchanged keeps the secret.
const secretMask = "********"

// smsProviderBody creates or replaces a provider. Config is the kind's
// settings: for http {url, method, content_type, body, headers, signature,
// response, report, inbound, timeout_ms}, for smpp {addr, system_id,
// password, system_type, source_ton, source_npi, dest_ton, dest_npi,
// no_receipts, enquire_link_seconds}; see docs/sms.md.
type smsProviderBody struct {
	ID        string          `json:"id,omitempty"`
	Kind      string          `json:"kind"`
	Name      string          `json:"name"`
	SenderID  string          `json:"sender_id"`
	IsDefault bool            `json:"is_default"`
	Enabled   *bool           `json:"enabled,omitempty"`
	Config    json.RawMessage `json:"config"`
}

// smsProviderView is a provider with its secrets masked and the URLs its
// gateway posts delivery reports and inbound messages to.
type smsProviderView struct {
	store.SMSProvider
	Config     map[string]any `json:"config"`
	ReportURL  string         `json:"report_url"`
	InboundURL string         `json:"inbound_url"`
}

type smsTemplateBody struct {
	Purpose string            `json:"purpose"`
	Texts   map[string]string `json:"texts"`
}

type smsTemplateView struct {
	store.SMSTemplate
	Texts     map[string]string `json:"texts"`
	Variables []string          `json:"variables"`
}

type smsSendBody struct {
	To       string            `json:"to"`
	Text     string            `json:"text,omitempty"`
	Template string            `json:"template,omitempty"`
	Language string            `json:"language,omitempty"`
	Vars     map[string]string `json:"vars,omitempty"`
	Provider string            `json:"provider,omitempty"`
	CallID   string            `json:"call_id,omitempty"`
}

type smsOptOutBody struct {
	Number string `json:"number"`
	Note   string `json:"note"`
}

type smsHookResult struct {
	Accepted int      `json:"accepted"`
	Errors   []string `json:"errors"`
}

func (s *Server) addSMSRoutes() {
	const tag = "sms"
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/sms/providers", Summary: "The tenant's SMS providers (kind http or smpp) with secrets masked and the report/inbound URLs their gateway posts to", Tag: tag,
		Roles: rolesAdmin, Response: []smsProviderView{}, Handler: s.listSMSProviders})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/sms/providers", Summary: "Add an SMS provider: id, kind (http gateway or smpp), sender_id, is_default, config (see docs/sms.md); the config is checked and 400 names the field", Tag: tag,
		Roles: rolesAdmin, Request: smsProviderBody{}, Response: smsProviderView{}, Status: http.StatusCreated, ObjectType: "sms_provider", Handler: s.createSMSProvider})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/sms/providers/:id", Summary: "One SMS provider", Tag: tag,
		Roles: rolesAdmin, Response: smsProviderView{}, Handler: s.getSMSProvider})
	s.Add(&Route{Method: http.MethodPut, Path: "/api/v1/sms/providers/:id", Summary: "Replace an SMS provider's settings; masked secrets (********) keep the stored ones", Tag: tag,
		Roles: rolesAdmin, Request: smsProviderBody{}, Response: smsProviderView{}, ObjectType: "sms_provider", Handler: s.putSMSProvider})
	s.Add(&Route{Method: http.MethodDelete, Path: "/api/v1/sms/providers/:id", Summary: "Delete an SMS provider", Tag: tag,
		Roles: rolesAdmin, Status: http.StatusNoContent, ObjectType: "sms_provider", Handler: s.deleteSMSProvider})

	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/sms/templates", Summary: "The tenant's SMS templates: name, purpose, texts per language (zh-CN, en) and the ${variables} they use", Tag: tag,
		Roles: rolesAnyone, Response: []smsTemplateView{}, Handler: s.listSMSTemplates})
	s.Add(&Route{Method: http.MethodPut, Path: "/api/v1/sms/templates/:name", Summary: "Create or replace a template: purpose (missed_call, after_hours, survey_link, verification_code, workorder_update, voicemail, after_call, custom) and texts {zh-CN, en} with ${variables}", Tag: tag,
		Roles: rolesAdmin, Request: smsTemplateBody{}, Response: smsTemplateView{}, ObjectType: "sms_template", Handler: s.putSMSTemplate})
	s.Add(&Route{Method: http.MethodDelete, Path: "/api/v1/sms/templates/:name", Summary: "Delete a template", Tag: tag,
		Roles: rolesAdmin, Status: http.StatusNoContent, ObjectType: "sms_template", Handler: s.deleteSMSTemplate})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/sms/templates/defaults", Summary: "Add the built-in templates (missed call, after hours, survey link, verification code, work-order update, voicemail) the tenant does not have yet; returns the tenant's templates", Tag: tag,
		Roles: rolesAdmin, Response: []smsTemplateView{}, ObjectType: "sms_template", Handler: s.smsTemplateDefaults})

	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/sms/settings", Summary: "The tenant's SMS rate limits (per_minute, per_day, per_number_per_hour; 0 default, -1 unlimited), template language and rules (missed_call, voicemail, after_call → template)", Tag: tag,
		Roles: rolesSupervisor, Response: sms.Settings{}, Handler: s.getSMSSettings})
	s.Add(&Route{Method: http.MethodPut, Path: "/api/v1/sms/settings", Summary: "Replace the tenant's SMS settings", Tag: tag,
		Roles: rolesAdmin, Request: sms.Settings{}, Response: sms.Settings{}, ObjectType: "sms_settings", Handler: s.putSMSSettings})

	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/sms/optouts", Summary: "The tenant's opt-out list (numbers that sent STOP, TD or 退订, or were added by hand)", Tag: tag,
		Roles: rolesSupervisor, Response: []store.SMSOptOut{}, Handler: s.listSMSOptOuts})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/sms/optouts", Summary: "Add a number to the opt-out list", Tag: tag,
		Roles: rolesSupervisor, Request: smsOptOutBody{}, Response: store.SMSOptOut{}, Status: http.StatusCreated, ObjectType: "sms_optout", Handler: s.addSMSOptOut})
	s.Add(&Route{Method: http.MethodDelete, Path: "/api/v1/sms/optouts/:number", Summary: "Take a number off the opt-out list", Tag: tag,
		Roles: rolesAdmin, Status: http.StatusNoContent, ObjectType: "sms_optout", Handler: s.removeSMSOptOut})

	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/sms/messages", Summary: "Messages sent and received, newest first (query number, direction in|out, status, call_id, limit ≤ 1000); agents see the messages they sent", Tag: tag,
		Roles: rolesAnyone, Response: []store.SMSMessage{}, Handler: s.listSMSMessages})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/sms/messages/:id", Summary: "One message with its delivery status", Tag: tag,
		Roles: rolesAnyone, Response: store.SMSMessage{}, Handler: s.getSMSMessage})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/sms/messages", Summary: "Send a message: to and a template with vars (agents must use a template) or text; 409 when the number opted out, 429 at a rate limit, 503 without a provider. The answer's status is sent, queued (retried after a temporary failure) or failed", Tag: tag,
		Roles: rolesAnyone, Request: smsSendBody{}, Response: store.SMSMessage{}, Status: http.StatusCreated, ObjectType: "sms_message", Handler: s.sendSMS})

	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/sms/hooks/:token/report", Summary: "Delivery reports from an HTTP gateway (JSON object, JSON array or form, read with the provider's report mapping). The token in the path names the provider (see report_url); no other credentials", Tag: tag,
		Response: smsHookResult{}, Handler: s.smsHookReport})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/sms/hooks/:token/inbound", Summary: "Inbound messages from an HTTP gateway (read with the provider's inbound mapping); STOP, TD and 退订 opt the sender out", Tag: tag,
		Response: smsHookResult{}, Handler: s.smsHookInbound})
}

var errSMSUnavailable = &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "SMS is not running on this controller"}

func (s *Server) smsService() (*sms.Service, error) {
	if s.opt.SMS == nil {
		return nil, errSMSUnavailable
	}
	return s.opt.SMS, nil
}

func viewSMSProvider(p store.SMSProvider) smsProviderView {
	v := smsProviderView{SMSProvider: p, Config: map[string]any{},
		ReportURL: "/api/v1/sms/hooks/" + p.HookToken + "/report", InboundURL: "/api/v1/sms/hooks/" + p.HookToken + "/inbound"}
	_ = json.Unmarshal([]byte(p.Config), &v.Config)
	if _, ok := v.Config["password"]; ok {
		v.Config["password"] = secretMask
	}
	if sig, ok := v.Config["signature"].(map[string]any); ok {
		if _, ok := sig["secret"]; ok {
			sig["secret"] = secretMask
		}
	}
	if p.Kind != sms.KindHTTP {
		v.ReportURL, v.InboundURL = "", ""
	}
	return v
}

// keepSecrets puts the stored secrets back where the new config has the mask.
func keepSecrets(newCfg json.RawMessage, old string) (json.RawMessage, error) {
	var n, o map[string]any
	if err := json.Unmarshal(newCfg, &n); err != nil {
		return nil, errInvalid("config", "not a JSON object: %v", err)
	}
	_ = json.Unmarshal([]byte(old), &o)
	if n["password"] == secretMask {
		n["password"] = o["password"]
	}
	if sig, ok := n["signature"].(map[string]any); ok && sig["secret"] == secretMask {
		if os, ok := o["signature"].(map[string]any); ok {
			sig["secret"] = os["secret"]
		}
	}
	return json.Marshal(n)
}

func (s *Server) checkSMSProvider(c echo.Context, b *smsProviderBody) (*store.SMSProvider, error) {
	if err := sms.ValidName("id", b.ID); err != nil {
		return nil, errInvalid("id", "%s", strings.TrimPrefix(err.Error(), "id: "))
	}
	var err error
	switch b.Kind {
	case sms.KindHTTP:
		_, err = sms.ParseHTTPConfig(b.Config)
	case sms.KindSMPP:
		_, err = sms.ParseSMPPConfig(b.Config)
	default:
		return nil, errInvalid("kind", "%q is not http or smpp", b.Kind)
	}
	if err != nil {
		field := "config"
		if f, _, ok := strings.Cut(err.Error(), ":"); ok && strings.HasPrefix(f, "config.") {
			field = f
		}
		return nil, errInvalid(field, "%s", err.Error())
	}
	if len(b.SenderID) > 20 {
		return nil, errInvalid("sender_id", "at most 20 characters")
	}
	if len(b.Name) > 100 {
		return nil, errInvalid("name", "at most 100 characters")
	}
	enabled := b.Enabled == nil || *b.Enabled
	return &store.SMSProvider{ID: b.ID, Kind: b.Kind, Name: b.Name, SenderID: b.SenderID, IsDefault: b.IsDefault, Enabled: enabled, Config: string(b.Config)}, nil
}

func (s *Server) listSMSProviders(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ps, err := s.opt.Store.ListSMSProviders(c.Request().Context(), tenant)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, views(ps, viewSMSProvider))
}

func (s *Server) getSMSProvider(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	p, err := s.opt.Store.GetSMSProvider(c.Request().Context(), tenant, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewSMSProvider(*p))
}

func (s *Server) createSMSProvider(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var b smsProviderBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	p, err := s.checkSMSProvider(c, &b)
	if err != nil {
		return err
	}
	p.TenantID = tenant
	if err := s.opt.Store.CreateSMSProvider(c.Request().Context(), p); err != nil {
		return err
	}
	setAudit(c, p.ID, map[string]any{"kind": p.Kind})
	return c.JSON(http.StatusCreated, viewSMSProvider(*p))
}

func (s *Server) putSMSProvider(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	old, err := s.opt.Store.GetSMSProvider(ctx, tenant, c.Param("id"))
	if err != nil {
		return err
	}
	var b smsProviderBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	if b.ID != "" && b.ID != old.ID {
		return errInvalid("id", "the id is in the path and cannot change")
	}
	b.ID = old.ID
	if b.Config, err = keepSecrets(b.Config, old.Config); err != nil {
		return err
	}
	p, err := s.checkSMSProvider(c, &b)
	if err != nil {
		return err
	}
	p.TenantID, p.HookToken, p.CreatedAt = tenant, old.HookToken, old.CreatedAt
	if err := s.opt.Store.UpdateSMSProvider(ctx, p); err != nil {
		return err
	}
	setAudit(c, p.ID, map[string]any{"kind": p.Kind})
	return c.JSON(http.StatusOK, viewSMSProvider(*p))
}

func (s *Server) deleteSMSProvider(c echo.Context) error {
	return tenantDelete(c, s.opt.Store.DeleteSMSProvider)
}

func viewSMSTemplate(t store.SMSTemplate) smsTemplateView {
	v := smsTemplateView{SMSTemplate: t, Texts: map[string]string{}, Variables: []string{}}
	_ = json.Unmarshal([]byte(t.Texts), &v.Texts)
	seen := map[string]bool{}
	for _, txt := range v.Texts {
		for _, name := range sms.Variables(txt) {
			if !seen[name] {
				seen[name] = true
				v.Variables = append(v.Variables, name)
			}
		}
	}
	slices.Sort(v.Variables)
	return v
}

func (s *Server) listSMSTemplates(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ts, err := s.opt.Store.ListSMSTemplates(c.Request().Context(), tenant)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, views(ts, viewSMSTemplate))
}

func (s *Server) putSMSTemplate(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	name := c.Param("name")
	if err := sms.ValidName("name", name); err != nil {
		return errInvalid("name", "%s", strings.TrimPrefix(err.Error(), "name: "))
	}
	var b smsTemplateBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	if b.Purpose == "" {
		b.Purpose = "custom"
	}
	if !slices.Contains(sms.Purposes, b.Purpose) {
		return errInvalid("purpose", "%q is not one of %s", b.Purpose, strings.Join(sms.Purposes, ", "))
	}
	if err := sms.CheckTexts(b.Texts); err != nil {
		field, _, _ := strings.Cut(err.Error(), ":")
		return errInvalid(field, "%s", err.Error())
	}
	raw, _ := json.Marshal(b.Texts)
	t := &store.SMSTemplate{TenantID: tenant, Name: name, Purpose: b.Purpose, Texts: string(raw)}
	if err := s.opt.Store.PutSMSTemplate(c.Request().Context(), t); err != nil {
		return err
	}
	setAudit(c, name, map[string]any{"purpose": b.Purpose})
	return c.JSON(http.StatusOK, viewSMSTemplate(*t))
}

func (s *Server) deleteSMSTemplate(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	if err := s.opt.Store.DeleteSMSTemplate(c.Request().Context(), tenant, c.Param("name")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) smsTemplateDefaults(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	have, err := s.opt.Store.ListSMSTemplates(ctx, tenant)
	if err != nil {
		return err
	}
	names := map[string]bool{}
	for _, t := range have {
		names[t.Name] = true
	}
	var added []string
	for _, d := range sms.Defaults {
		if names[d.Name] {
			continue
		}
		raw, _ := json.Marshal(d.Texts)
		if err := s.opt.Store.PutSMSTemplate(ctx, &store.SMSTemplate{TenantID: tenant, Name: d.Name, Purpose: d.Purpose, Texts: string(raw)}); err != nil {
			return err
		}
		added = append(added, d.Name)
	}
	setAudit(c, "defaults", map[string]any{"added": added})
	return s.listSMSTemplates(c)
}

func (s *Server) getSMSSettings(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	svc, err := s.smsService()
	if err != nil {
		return err
	}
	st, err := svc.LoadSettings(c.Request().Context(), tenant)
	if err != nil {
		return err
	}
	if st.Rules == nil {
		st.Rules = []sms.Rule{}
	}
	return c.JSON(http.StatusOK, st)
}

func (s *Server) putSMSSettings(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	svc, err := s.smsService()
	if err != nil {
		return err
	}
	var st sms.Settings
	if err := decodeJSON(c, &st); err != nil {
		return err
	}
	if err := st.Validate(); err != nil {
		field, _, _ := strings.Cut(err.Error(), ":")
		return errInvalid(field, "%s", err.Error())
	}
	if st.Rules == nil {
		st.Rules = []sms.Rule{}
	}
	if err := svc.SaveSettings(c.Request().Context(), tenant, &st); err != nil {
		return err
	}
	setAudit(c, "sms", nil)
	return c.JSON(http.StatusOK, st)
}

func (s *Server) listSMSOptOuts(c echo.Context) error {
	return tenantList(c, s.opt.Store.ListSMSOptOuts)
}

func (s *Server) addSMSOptOut(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var b smsOptOutBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	n, err := sms.NormalizeNumber("number", b.Number)
	if err != nil {
		return errInvalid("number", "%s", err.Error())
	}
	if len(b.Note) > 200 {
		return errInvalid("note", "at most 200 characters")
	}
	o := &store.SMSOptOut{TenantID: tenant, Number: n, Source: "manual", Note: b.Note}
	added, err := s.opt.Store.AddSMSOptOut(c.Request().Context(), o)
	if err != nil {
		return err
	}
	if !added {
		return &Error{Status: http.StatusConflict, Code: "conflict", Message: n + " is already on the opt-out list"}
	}
	setAudit(c, n, nil)
	return c.JSON(http.StatusCreated, o)
}

func (s *Server) removeSMSOptOut(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	if err := s.opt.Store.RemoveSMSOptOut(c.Request().Context(), tenant, c.Param("number")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func isAgentOnly(c echo.Context) (string, bool) {
	p := principalOf(c)
	if p != nil && p.Role == auth.RoleAgent {
		return p.ID, true
	}
	return "", false
}

func (s *Server) listSMSMessages(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	q := c.QueryParams()
	f := store.SMSFilter{Number: q.Get("number"), Direction: q.Get("direction"), Status: q.Get("status"), CallID: q.Get("call_id")}
	if f.Direction != "" && f.Direction != store.SMSIn && f.Direction != store.SMSOut {
		return errInvalid("direction", "%q is not in or out", f.Direction)
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return errInvalid("limit", "%q is not a number from 1 to 1000", v)
		}
		f.Limit = n
	}
	if agent, only := isAgentOnly(c); only {
		f.AgentID = agent
	}
	ms, err := s.opt.Store.ListSMSMessages(c.Request().Context(), tenant, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ms)
}

func (s *Server) getSMSMessage(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	m, err := s.opt.Store.GetSMSMessage(c.Request().Context(), tenant, c.Param("id"))
	if err != nil {
		return err
	}
	if agent, only := isAgentOnly(c); only && m.AgentID != agent {
		return errNotFound("message")
	}
	return c.JSON(http.StatusOK, m)
}

func (s *Server) sendSMS(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	svc, err := s.smsService()
	if err != nil {
		return err
	}
	var b smsSendBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	p := principalOf(c)
	req := sms.Request{Tenant: tenant, To: b.To, Text: b.Text, Template: b.Template, Language: b.Language, Vars: b.Vars, Provider: b.Provider, CallID: b.CallID, Source: "api"}
	if p != nil && p.Kind == "user" {
		req.AgentID, req.Source = p.ID, "agent"
	}
	if _, only := isAgentOnly(c); only && b.Template == "" {
		return errInvalid("template", "agents send with a template")
	}
	if b.Text != "" && b.Template != "" {
		return errInvalid("text", "give text or template, not both")
	}
	m, err := svc.Send(c.Request().Context(), req)
	switch {
	case errors.Is(err, sms.ErrOptedOut):
		return &Error{Status: http.StatusConflict, Code: "opted_out", Message: err.Error(), Field: "to"}
	case errors.Is(err, sms.ErrRateLimited):
		return &Error{Status: http.StatusTooManyRequests, Code: "rate_limited", Message: err.Error()}
	case errors.Is(err, sms.ErrNoProvider):
		return &Error{Status: http.StatusServiceUnavailable, Code: "no_provider", Message: err.Error()}
	case store.IsNotFound(err):
		field := "template"
		if strings.HasPrefix(err.Error(), "provider") {
			field = "provider"
		}
		return errInvalid(field, "%s", err.Error())
	case err != nil:
		msg := err.Error()
		field, _, _ := strings.Cut(msg, ":")
		if strings.HasPrefix(msg, "template") {
			field = "vars"
		}
		return errInvalid(field, "%s", msg)
	}
	setAudit(c, m.ID, map[string]any{"to": m.Number, "template": m.Template, "status": m.Status})
	return c.JSON(http.StatusCreated, m)
}

// smsHook reads the documents a gateway posted for the provider named by
// the path's token.
func (s *Server) smsHook(c echo.Context) (*sms.Service, *store.SMSProvider, *sms.HTTPConfig, []any, error) {
	svc, err := s.smsService()
	if err != nil {
		return nil, nil, nil, nil, err
	}
	p, err := s.opt.Store.SMSProviderByHookToken(c.Request().Context(), c.Param("token"))
	if err != nil || p.Kind != sms.KindHTTP {
		return nil, nil, nil, nil, errNotFound("provider")
	}
	cfg, err := sms.ParseHTTPConfig([]byte(p.Config))
	if err != nil {
		return nil, nil, nil, nil, errInvalid("", "provider settings: %v", err)
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, 1<<20))
	if err != nil {
		return nil, nil, nil, nil, errInvalid("", "body: %v", err)
	}
	docs, err := sms.Documents(c.Request().Header.Get("Content-Type"), body, c.QueryParams())
	if err != nil {
		return nil, nil, nil, nil, errInvalid("", "%s", err.Error())
	}
	return svc, p, cfg, docs, nil
}

func (s *Server) smsHookReport(c echo.Context) error {
	svc, p, cfg, docs, err := s.smsHook(c)
	if err != nil {
		return err
	}
	res := smsHookResult{Errors: []string{}}
	for i, d := range docs {
		r, err := cfg.ParseReport(d)
		if err != nil {
			res.Errors = append(res.Errors, "["+strconv.Itoa(i)+"] "+err.Error())
			continue
		}
		svc.Report(c.Request().Context(), p.TenantID, p.ID, r)
		res.Accepted++
	}
	if res.Accepted == 0 && len(res.Errors) > 0 {
		return errInvalid("", "%s", strings.Join(res.Errors, "; "))
	}
	return c.JSON(http.StatusOK, res)
}

func (s *Server) smsHookInbound(c echo.Context) error {
	svc, p, cfg, docs, err := s.smsHook(c)
	if err != nil {
		return err
	}
	res := smsHookResult{Errors: []string{}}
	for i, d := range docs {
		in, err := cfg.ParseInbound(d)
		if err == nil {
			_, err = svc.Receive(c.Request().Context(), p.TenantID, p.ID, in)
		}
		if err != nil {
			res.Errors = append(res.Errors, "["+strconv.Itoa(i)+"] "+err.Error())
			continue
		}
		res.Accepted++
	}
	if res.Accepted == 0 && len(res.Errors) > 0 {
		return errInvalid("", "%s", strings.Join(res.Errors, "; "))
	}
	return c.JSON(http.StatusOK, res)
}
