package api

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/recording"
	"github.com/ipcc/ipcc/store"
)

type retentionSettingsRequest struct {
	RecordingDays *int `json:"recording_days"`
	VoicemailDays *int `json:"voicemail_days"`
}

// retentionRunView is a stored run with its summary decoded.
type retentionRunView struct {
	store.RetentionRun
	Summary json.RawMessage `json:"summary"`
}

// maxRetentionDays is 100 years: anything longer is a typo.
const maxRetentionDays = 36500

func (s *Server) addRetentionRoutes() {
	const tag = "retention"
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/retention/settings", Summary: "The tenant's retention: maximum age in days of recordings and voicemail (0 = keep forever)", Tag: tag,
		Roles: rolesSupervisor, Response: store.RetentionSettings{}, Handler: s.getRetentionSettings})
	s.Add(&Route{Method: http.MethodPut, Path: "/api/v1/retention/settings", Summary: "Set the tenant's retention (recording_days, voicemail_days: 0-36500, 0 = keep forever)", Tag: tag,
		Roles: rolesAdmin, Request: retentionSettingsRequest{}, Response: store.RetentionSettings{}, ObjectType: "retention_settings", Handler: s.putRetentionSettings})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/retention/run", Summary: "Run retention now and return its summary: a tenant admin runs backup and age deletion for the tenant; a superadmin without X-IPCC-Tenant runs the global job (also the disk high-water mark)", Tag: tag,
		Roles: []auth.Role{auth.RoleAdmin, auth.RoleSuperadmin}, Response: recording.Summary{}, ObjectType: "retention_run", Handler: s.runRetention})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/retention/runs", Summary: "Recent retention runs of the tenant and global runs, newest first (query: limit)", Tag: tag,
		Roles: rolesAdmin, Response: []retentionRunView{}, Handler: s.listRetentionRuns})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/retention/log", Summary: "Files of the tenant that retention backed up or deleted, or failed to, newest first (query: run, limit)", Tag: tag,
		Roles: rolesAdmin, Response: []store.RetentionLogEntry{}, Handler: s.listRetentionLog})
}

func (s *Server) getRetentionSettings(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	r, err := s.opt.Store.GetRetentionSettings(c.Request().Context(), tenant)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (s *Server) putRetentionSettings(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var req retentionSettingsRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	cur, err := s.opt.Store.GetRetentionSettings(ctx, tenant)
	if err != nil {
		return err
	}
	if req.RecordingDays == nil && req.VoicemailDays == nil {
		return errInvalid("recording_days", "set recording_days and/or voicemail_days")
	}
	for _, f := range []struct {
		name string
		v    *int
		dst  *int
	}{{"recording_days", req.RecordingDays, &cur.RecordingDays}, {"voicemail_days", req.VoicemailDays, &cur.VoicemailDays}} {
		if f.v == nil {
			continue
		}
		if *f.v < 0 || *f.v > maxRetentionDays {
			return errInvalid(f.name, "%s must be 0 (keep forever) to %d days, got %d", f.name, maxRetentionDays, *f.v)
		}
		*f.dst = *f.v
	}
	cur.TenantID, cur.UpdatedBy = tenant, principalOf(c).Name
	setAudit(c, tenant, map[string]any{"recording_days": cur.RecordingDays, "voicemail_days": cur.VoicemailDays})
	if err := s.opt.Store.PutRetentionSettings(ctx, cur); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, cur)
}

func (s *Server) runRetention(c echo.Context) error {
	if s.opt.Retention == nil {
		return &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "retention is not running in this controller"}
	}
	tenant := tenantOf(c)
	sum, err := s.opt.Retention.Run(c.Request().Context(), recording.RunRequest{Tenant: tenant, Trigger: recording.TriggerAPI, Actor: principalOf(c).Name})
	if err != nil {
		return err
	}
	setAudit(c, strconv.FormatInt(sum.RunID, 10), map[string]any{"tenant": tenant, "recordings_deleted": sum.RecordingsDeletedAge + sum.RecordingsDeletedDisk,
		"voicemail_deleted": sum.VoicemailDeletedAge + sum.VoicemailDeletedDisk, "backed_up": sum.BackedUp})
	return c.JSON(http.StatusOK, sum)
}

func (s *Server) listRetentionRuns(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	limit := 100
	if err := limitParam(c, &limit); err != nil {
		return err
	}
	runs, err := s.opt.Store.ListRetentionRuns(c.Request().Context(), tenant, limit)
	if err != nil {
		return err
	}
	super := principalOf(c).Superadmin()
	out := make([]retentionRunView, 0, len(runs))
	for _, r := range runs {
		v := retentionRunView{RetentionRun: r, Summary: json.RawMessage(r.Summary)}
		if r.TenantID == "" && !super {
			// A global run's figures cover every tenant: a tenant sees that
			// it ran, and its own files in the retention log.
			v.Summary = json.RawMessage(`{}`)
		}
		out = append(out, v)
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) listRetentionLog(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var run int64
	if v := c.QueryParam("run"); v != "" {
		if run, err = strconv.ParseInt(v, 10, 64); err != nil || run < 1 {
			return errInvalid("run", "run must be a run id (a positive number)")
		}
	}
	limit := 100
	if err := limitParam(c, &limit); err != nil {
		return err
	}
	es, err := s.opt.Store.ListRetentionLog(c.Request().Context(), tenant, run, limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, es)
}
