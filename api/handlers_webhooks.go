package api

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/webhook"
)

type webhookRequest struct {
	URL         string   `json:"url"`
	Secret      string   `json:"secret"`
	Events      []string `json:"events"`
	Enabled     *bool    `json:"enabled"`
	Description string   `json:"description"`
}

// webhookCreated shows the signing secret once, at creation.
type webhookCreated struct {
	store.Webhook
	Secret string `json:"secret"`
}

func (s *Server) addWebhookRoutes() {
	const tag = "webhooks"
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/webhooks", Summary: "List the tenant's webhook endpoints (secrets are never shown again)", Tag: tag,
		Roles: rolesAdmin, Response: []store.Webhook{}, Handler: s.listWebhooks})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/webhooks", Summary: "Add an endpoint (url, events: voicemail.new; secret of 16+ characters or omitted to generate one, returned once). Deliveries are signed: X-IPCC-Signature: sha256=HMAC(secret, timestamp + \".\" + body), X-IPCC-Timestamp", Tag: tag,
		Roles: rolesAdmin, Request: webhookRequest{}, Response: webhookCreated{}, Status: http.StatusCreated, ObjectType: "webhook", Handler: s.createWebhook})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/webhooks/:id", Summary: "One webhook endpoint", Tag: tag,
		Roles: rolesAdmin, Response: store.Webhook{}, Handler: func(c echo.Context) error { return tenantGet(c, s.opt.Store.GetWebhook) }})
	s.Add(&Route{Method: http.MethodPut, Path: "/api/v1/webhooks/:id", Summary: "Change an endpoint (an omitted secret keeps the current one)", Tag: tag,
		Roles: rolesAdmin, Request: webhookRequest{}, Response: store.Webhook{}, ObjectType: "webhook", Handler: s.updateWebhook})
	s.Add(&Route{Method: http.MethodDelete, Path: "/api/v1/webhooks/:id", Summary: "Remove an endpoint; its pending deliveries are marked failed", Tag: tag,
		Roles: rolesAdmin, Status: http.StatusNoContent, ObjectType: "webhook", Handler: func(c echo.Context) error { return tenantDelete(c, s.opt.Store.DeleteWebhook) }})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/webhooks/:id/test", Summary: "Queue a signed ping event to the endpoint (sent within webhooks.poll_interval, retried like any event); follow it in the deliveries", Tag: tag,
		Roles: rolesAdmin, Response: store.WebhookDelivery{}, Status: http.StatusAccepted, ObjectType: "webhook", Handler: s.testWebhook})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/webhooks/:id/deliveries", Summary: "Recent deliveries of an endpoint with their outcome (pending, delivered, failed; attempts, last HTTP status and error), newest first (query: limit)", Tag: tag,
		Roles: rolesAdmin, Response: []store.WebhookDelivery{}, Handler: s.listWebhookDeliveries})
}

func (s *Server) listWebhooks(c echo.Context) error { return tenantList(c, s.opt.Store.ListWebhooks) }

// checkWebhook validates a request into w; a secret is required unless
// keepSecret (update) or generated (create, omitted).
func checkWebhook(req *webhookRequest, w *store.Webhook) error {
	u, err := url.Parse(req.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errInvalid("url", "url must be an absolute http(s) URL such as https://crm.example.com/ipcc, got %q", req.URL)
	}
	if u.User != nil {
		return errInvalid("url", "url must not carry credentials: deliveries are authenticated by their signature")
	}
	if len(req.Events) == 0 {
		return errInvalid("events", "events must list at least one of: %s", strings.Join(webhook.EventTypes, ", "))
	}
	for i, e := range req.Events {
		if !slices.Contains(webhook.EventTypes, e) {
			return errInvalid("events", "events[%d]: unknown event %q (known: %s)", i, e, strings.Join(webhook.EventTypes, ", "))
		}
	}
	if req.Secret != "" && len(req.Secret) < 16 {
		return errInvalid("secret", "secret must be at least 16 characters (or omitted to generate one)")
	}
	if len(req.Description) > 500 {
		return errInvalid("description", "description must be at most 500 characters")
	}
	w.URL, w.Description = req.URL, req.Description
	w.Events = slices.Compact(slices.Sorted(slices.Values(req.Events)))
	if req.Secret != "" {
		w.Secret = req.Secret
	}
	if req.Enabled != nil {
		w.Enabled = *req.Enabled
	}
	return nil
}

func (s *Server) createWebhook(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var req webhookRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	w := &store.Webhook{TenantID: tenant, ID: uuid.NewString(), Enabled: true}
	if err := checkWebhook(&req, w); err != nil {
		return err
	}
	if w.Secret == "" {
		b := make([]byte, 24)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		w.Secret = hex.EncodeToString(b)
	}
	setAudit(c, w.ID, map[string]any{"url": w.URL, "events": w.Events})
	if err := s.opt.Store.CreateWebhook(c.Request().Context(), w); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, webhookCreated{Webhook: *w, Secret: w.Secret})
}

func (s *Server) updateWebhook(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	w, err := s.opt.Store.GetWebhook(ctx, tenant, c.Param("id"))
	if err != nil {
		return err
	}
	var req webhookRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := checkWebhook(&req, w); err != nil {
		return err
	}
	setAudit(c, w.ID, map[string]any{"url": w.URL, "events": w.Events, "enabled": w.Enabled, "secret_changed": req.Secret != ""})
	if err := s.opt.Store.UpdateWebhook(ctx, w); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, w)
}

func (s *Server) listWebhookDeliveries(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := s.opt.Store.GetWebhook(ctx, tenant, c.Param("id")); err != nil {
		return err
	}
	limit := 100
	if err := limitParam(c, &limit); err != nil {
		return err
	}
	ds, err := s.opt.Store.ListWebhookDeliveries(ctx, tenant, c.Param("id"), limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ds)
}

func (s *Server) testWebhook(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	w, err := s.opt.Store.GetWebhook(ctx, tenant, c.Param("id"))
	if err != nil {
		return err
	}
	if !w.Enabled {
		return &Error{Status: http.StatusConflict, Code: "disabled", Message: "the webhook is disabled: enable it to test it", Field: "enabled"}
	}
	id, body, err := webhook.Ping(tenant, w.ID, time.Now())
	if err != nil {
		return err
	}
	d := &store.WebhookDelivery{TenantID: tenant, WebhookID: w.ID, EventID: id, EventType: webhook.EventPing, Payload: body}
	setAudit(c, w.ID, map[string]any{"event_id": id})
	if err := s.opt.Store.QueueDelivery(ctx, d); err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, d)
}
