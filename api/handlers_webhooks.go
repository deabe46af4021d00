package api

import (
	"context"
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
	URL string `json:"url"`
	// Secret: whsec_<base64 key of 24-64 bytes> (or 16+ characters of
	// text); omitted: generated on create, kept on update.
	Secret string `json:"secret"`
	// Events: event types, families ("call.*") or "*".
	Events      []string `json:"events"`
	Enabled     *bool    `json:"enabled"`
	Description string   `json:"description"`
}

// webhookCreated shows the signing secret once, at creation or rotation.
type webhookCreated struct {
	store.Webhook
	Secret string `json:"secret"`
}

type rotateRequest struct {
	// Secret is the new secret (omitted: generated).
	Secret string `json:"secret"`
	// OverlapHours is how long the old secret keeps signing too (default
	// 24, 0 = it stops at once, at most 168).
	OverlapHours *int `json:"overlap_hours"`
}

type replayRequest struct {
	// IDs of dead letters to replay; empty replays every dead letter of
	// the endpoint.
	IDs []int64 `json:"ids"`
}

type replayResult struct {
	Replayed int `json:"replayed"`
}

type webhookEventTypes struct {
	Types    []string `json:"types"`
	Families []string `json:"families"`
}

func (s *Server) addWebhookRoutes() {
	const tag = "webhooks"
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/webhook-events", Summary: "The event types and families (for filters such as call.*) an endpoint may subscribe to", Tag: tag,
		Roles: rolesAdmin, Response: webhookEventTypes{}, Handler: func(c echo.Context) error {
			return c.JSON(http.StatusOK, webhookEventTypes{Types: webhook.EventTypes(), Families: webhook.Families()})
		}})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/webhooks", Summary: "List the tenant's webhook endpoints (secrets are never shown again)", Tag: tag,
		Roles: rolesAdmin, Response: []store.Webhook{}, Handler: s.listWebhooks})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/webhooks", Summary: "Add an endpoint (url; events: types, family.* or *; secret whsec_<base64> or omitted to generate one, returned once). Deliveries follow Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body> (docs/crm.md)", Tag: tag,
		Roles: rolesAdmin, Request: webhookRequest{}, Response: webhookCreated{}, Status: http.StatusCreated, ObjectType: "webhook", Handler: s.createWebhook})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/webhooks/:id", Summary: "One webhook endpoint", Tag: tag,
		Roles: rolesAdmin, Response: store.Webhook{}, Handler: func(c echo.Context) error { return tenantGet(c, s.opt.Store.GetWebhook) }})
	s.Add(&Route{Method: http.MethodPut, Path: "/api/v1/webhooks/:id", Summary: "Change an endpoint (an omitted secret keeps the current one; to change it without breaking receivers, rotate)", Tag: tag,
		Roles: rolesAdmin, Request: webhookRequest{}, Response: store.Webhook{}, ObjectType: "webhook", Handler: s.updateWebhook})
	s.Add(&Route{Method: http.MethodDelete, Path: "/api/v1/webhooks/:id", Summary: "Remove an endpoint; its pending deliveries become dead letters", Tag: tag,
		Roles: rolesAdmin, Status: http.StatusNoContent, ObjectType: "webhook", Handler: func(c echo.Context) error { return tenantDelete(c, s.opt.Store.DeleteWebhook) }})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/webhooks/:id/rotate", Summary: "Rotate the signing secret: the new one (given or generated, returned once) signs from now on, the old one also signs for overlap_hours (default 24) so receivers can switch over", Tag: tag,
		Roles: rolesAdmin, Request: rotateRequest{}, Response: webhookCreated{}, ObjectType: "webhook", Handler: s.rotateWebhook})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/webhooks/:id/test", Summary: "Queue a signed ping event to the endpoint (retried like any event); follow it in the deliveries", Tag: tag,
		Roles: rolesAdmin, Response: store.WebhookDelivery{}, Status: http.StatusAccepted, ObjectType: "webhook", Handler: s.testWebhook})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/webhooks/:id/deliveries", Summary: "Delivery log of an endpoint, newest first: status (pending, delivered, dead), attempts, last HTTP status and error, latency (enqueue → delivered) and the attempt's round trip (query: status, call_id, limit)", Tag: tag,
		Roles: rolesAdmin, Response: []store.WebhookDelivery{}, Handler: s.listWebhookDeliveries})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/webhooks/:id/stats", Summary: "Deliveries of an endpoint by status, and p50/p99 latency of the last hour's", Tag: tag,
		Roles: rolesAdmin, Response: store.DeliveryStats{}, Handler: s.webhookStats})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/webhooks/:id/replay", Summary: "Put dead letters back into the outbox (ids, or all of the endpoint's when empty): due now, retried for another 24 h", Tag: tag,
		Roles: rolesAdmin, Request: replayRequest{}, Response: replayResult{}, ObjectType: "webhook", Handler: s.replayWebhook})
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
		return errInvalid("events", "events must list at least one of: %s (or family.*, or *)", strings.Join(webhook.EventTypes(), ", "))
	}
	for i, e := range req.Events {
		if err := webhook.CheckFilter(e); err != nil {
			return errInvalid("events", "events[%d]: %v", i, err)
		}
	}
	if req.Secret != "" {
		if err := webhook.CheckSecret(req.Secret); err != nil {
			return errInvalid("secret", "secret: %v", strings.TrimPrefix(err.Error(), "webhook: "))
		}
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
		if w.Secret, err = webhook.NewSecret(); err != nil {
			return err
		}
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

func (s *Server) rotateWebhook(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	w, err := s.opt.Store.GetWebhook(ctx, tenant, c.Param("id"))
	if err != nil {
		return err
	}
	var req rotateRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	overlap := 24
	if req.OverlapHours != nil {
		overlap = *req.OverlapHours
	}
	if overlap < 0 || overlap > 168 {
		return errInvalid("overlap_hours", "overlap_hours must be between 0 and 168, got %d", overlap)
	}
	secret := req.Secret
	if secret == "" {
		if secret, err = webhook.NewSecret(); err != nil {
			return err
		}
	} else if err := webhook.CheckSecret(secret); err != nil {
		return errInvalid("secret", "secret: %v", strings.TrimPrefix(err.Error(), "webhook: "))
	}
	if secret == w.Secret {
		return errInvalid("secret", "the new secret must differ from the current one")
	}
	w.PreviousSecret, w.PreviousUntil = "", nil
	if overlap > 0 {
		until := time.Now().Add(time.Duration(overlap) * time.Hour).UTC()
		w.PreviousSecret, w.PreviousUntil = w.Secret, &until
	}
	w.Secret = secret
	setAudit(c, w.ID, map[string]any{"overlap_hours": overlap})
	if err := s.opt.Store.UpdateWebhook(ctx, w); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, webhookCreated{Webhook: *w, Secret: w.Secret})
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
	f := store.DeliveryFilter{Limit: 100, Status: c.QueryParam("status"), CallID: c.QueryParam("call_id")}
	if err := limitParam(c, &f.Limit); err != nil {
		return err
	}
	switch f.Status {
	case "", store.DeliveryPending, store.DeliveryDelivered, store.DeliveryDead:
	default:
		return errInvalid("status", "status must be pending, delivered or dead, got %q", f.Status)
	}
	ds, err := s.opt.Store.FindWebhookDeliveries(ctx, tenant, c.Param("id"), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ds)
}

func (s *Server) webhookStats(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := s.opt.Store.GetWebhook(ctx, tenant, c.Param("id")); err != nil {
		return err
	}
	st, err := s.opt.Store.WebhookDeliveryStats(ctx, tenant, c.Param("id"), time.Now().Add(-time.Hour))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

func (s *Server) replayWebhook(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := s.opt.Store.GetWebhook(ctx, tenant, c.Param("id")); err != nil {
		return err
	}
	var req replayRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if len(req.IDs) > 1000 {
		return errInvalid("ids", "at most 1000 ids at once, got %d", len(req.IDs))
	}
	n, err := s.opt.Store.ReplayDeliveries(ctx, tenant, c.Param("id"), req.IDs)
	if err != nil {
		return err
	}
	setAudit(c, c.Param("id"), map[string]any{"ids": req.IDs, "replayed": n})
	return c.JSON(http.StatusOK, replayResult{Replayed: n})
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

// emit sends a webhook event from an API action (campaign lifecycle); a
// failure is logged, the action stands.
func (s *Server) emit(ctx context.Context, tenant, event, callID string, data any) {
	if s.opt.Webhooks == nil {
		return
	}
	if err := s.opt.Webhooks.Emit(context.WithoutCancel(ctx), tenant, event, callID, data); err != nil {
		s.log.Error("webhook event not written", "tenant", tenant, "event", event, "err", err)
	}
}
