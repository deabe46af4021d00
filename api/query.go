package api

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/store"
)

// tenantGet answers GET .../:id with the object load finds in the caller's
// tenant (404 when it belongs to another).
func tenantGet[T any](c echo.Context, load func(ctx context.Context, tenant, id string) (T, error)) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	v, err := load(c.Request().Context(), tenant, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

// tenantList answers the tenant's list of some objects.
func tenantList[E any](c echo.Context, list func(ctx context.Context, tenant string) ([]E, error)) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	es, err := list(c.Request().Context(), tenant)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, es)
}

// tenantDelete answers DELETE .../:id by deleting in the caller's tenant.
func tenantDelete(c echo.Context, del func(ctx context.Context, tenant, id string) error) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	if err := del(c.Request().Context(), tenant, c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// timeRange reads the since and until query parameters (RFC 3339).
func timeRange(c echo.Context, since, until *time.Time) error {
	for _, q := range []struct {
		name string
		dst  *time.Time
	}{{"since", since}, {"until", until}} {
		if v := c.QueryParam(q.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return errInvalid(q.name, "%s must be an RFC 3339 time such as 2026-11-22T08:00:00+08:00", q.name)
			}
			*q.dst = t
		}
	}
	return nil
}

// limitParam reads the limit query parameter (1-1000).
func limitParam(c echo.Context, dst *int) error {
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return errInvalid("limit", "limit must be 1-1000")
		}
		*dst = n
	}
	return nil
}

// serveAudio audits the access and streams a WAV file with HTTP Range
// support. hint tells an admin what to share when the file is not here.
func (s *Server) serveAudio(c echo.Context, tenant, objectType, objectID, path, hint string) error {
	if !s.inMedia(path) {
		s.log.Warn("audio path outside the media directories refused", "tenant", tenant, "object", objectType, "id", objectID, "path", path)
		return &Error{Status: http.StatusNotFound, Code: "not_found", Message: "the audio file is not in a media directory of this controller (" + hint + ")"}
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return &Error{Status: http.StatusNotFound, Code: "not_found", Message: "the audio file is not on this controller (" + hint + ")"}
		}
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	// Every access is audited; no audit row, no audio.
	p := principalOf(c)
	if err := s.opt.Store.AddAudit(c.Request().Context(), &store.AuditEntry{TenantID: tenant, ActorID: p.ID, ActorName: p.Name, ActorKind: p.Kind,
		Action: c.Request().Method + " " + c.Path(), ObjectType: objectType, ObjectID: objectID, Status: 200,
		RemoteAddr: c.RealIP(), RequestID: c.Response().Header().Get(echo.HeaderXRequestID)}); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentType, "audio/wav")
	c.Response().Header().Set("Content-Disposition", `inline; filename="`+strings.ReplaceAll(filepath.Base(path), `"`, "")+`"`)
	http.ServeContent(c.Response(), c.Request(), filepath.Base(path), st.ModTime(), f)
	return nil
}

// inMedia reports whether path lies inside one of the media roots (always
// true when none is configured). Paths come from the database, where a
// switch or an import wrote them: a row must not make ipcc read or delete
// any file it can reach.
func (s *Server) inMedia(path string) bool {
	if !slices.ContainsFunc(s.opt.MediaRoots, func(r string) bool { return r != "" }) {
		return true
	}
	p, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	for _, root := range s.opt.MediaRoots {
		if root == "" {
			continue
		}
		r, err := filepath.Abs(root)
		if err != nil {
			continue
		}
		if rel, err := filepath.Rel(r, p); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel) {
			return true
		}
	}
	return false
}
