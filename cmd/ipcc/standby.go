package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/cluster"
	"github.com/ipcc/ipcc/store"
)

// standbyAPI handles, on a controller that does not hold the switch leases
// (a standby), the requests only the active controller can serve: live
// state (agent desktops and their calls, the supervisors' live calls, the
// wallboard, the WebSocket event stream) and every change (its caches —
// queues, routes, flows — and its ACD live in the active controller). They
// are forwarded to the active controller's advertised URL
// (cluster.advertise_url, kept in the platform settings), WebSocket
// included; without one they are answered 503 with who is active. Reads of
// what is stored (calls, reports, configuration, recordings) and sign-in
// are served from the database as on the active controller.
// docs/cluster.md.
type standbyAPI struct {
	member *cluster.Member
	lease  string // the first switch's lease: all are in one hand
	// st holds the controllers' advertised URLs (nil: never forward).
	st  *store.Store
	log *slog.Logger

	mu      sync.Mutex
	proxies map[string]*httputil.ReverseProxy
}

// forwardedBy marks a request a standby forwarded: it is never forwarded
// again (two controllers that each believe the other active would
// otherwise bounce it).
const forwardedBy = "X-IPCC-Forwarded-By"

// apiURLSetting names the platform setting holding a controller's
// advertised API URL.
func apiURLSetting(controller string) string { return "cluster/api_url/" + controller }

// advertise stores this controller's API URL for the standbys.
func advertise(ctx context.Context, st *store.Store, controller, apiURL string) error {
	if apiURL == "" {
		return st.DeleteSetting(ctx, store.PlatformTenant, apiURLSetting(controller))
	}
	return st.PutSetting(ctx, store.PlatformTenant, apiURLSetting(controller), strings.TrimSuffix(apiURL, "/"))
}

// liveOnly are the /api/v1 paths whose reads too need the active
// controller's live state.
var liveOnly = []string{"/api/v1/agent/", "/api/v1/supervisor/", "/api/v1/ws", "/api/v1/wallboard"}

// signIn are the changes a standby serves: sessions are in the database.
var signIn = []string{"/api/v1/auth/"}

func (s *standbyAPI) needsActive(r *http.Request) bool {
	p := r.URL.Path
	if !strings.HasPrefix(p, "/api/v1/") {
		return false // health, readiness, metrics, the console's files
	}
	for _, pre := range liveOnly {
		if strings.HasPrefix(p, pre) {
			return true
		}
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	for _, pre := range signIn {
		if strings.HasPrefix(p, pre) {
			return false
		}
	}
	return true
}

// proxy returns the reverse proxy to the active controller's advertised
// URL, or nil when it has none (or it is not known).
func (s *standbyAPI) proxy(ctx context.Context, holder string) *httputil.ReverseProxy {
	if s.st == nil || holder == "" {
		return nil
	}
	raw, err := s.st.GetSetting(ctx, store.PlatformTenant, apiURLSetting(holder))
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.log.Warn("standby: read the active controller's API URL", "controller", holder, "err", err)
		}
		return nil
	}
	target, err := url.Parse(raw)
	if err != nil || target.Host == "" {
		s.log.Warn("standby: the active controller's API URL is not a URL", "controller", holder, "url", raw)
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.proxies[raw]; p != nil {
		return p
	}
	p := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			// The client's Host stays (the WebSocket's origin check and
			// links compare against it); who forwarded is said.
			r.Out.Host = r.In.Host
			r.SetXForwarded()
			r.Out.Header.Set(forwardedBy, s.member.ID())
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			s.log.Warn("standby: forward to the active controller", "controller", holder, "url", raw, "path", r.URL.Path, "err", err)
			writeStandby(w, holder, "", "this controller is a standby and the active controller "+holder+" did not answer at "+raw+": "+err.Error())
		},
	}
	if s.proxies == nil {
		s.proxies = map[string]*httputil.ReverseProxy{}
	}
	s.proxies[raw] = p
	return p
}

// Middleware forwards (or refuses) what needs the active controller while
// this one is a standby.
func (s *standbyAPI) Middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if s.member == nil || s.member.Holds(s.lease) || !s.needsActive(r) {
			return next(c)
		}
		l, _ := s.member.Status(s.lease)
		holder, host := l.Holder, l.Host
		if !l.Mine && l.Blocker != nil {
			holder, host = l.Blocker.Holder, l.Blocker.Host
		}
		if r.Header.Get(forwardedBy) == "" {
			if p := s.proxy(r.Context(), holder); p != nil {
				p.ServeHTTP(c.Response(), r)
				return nil
			}
		}
		writeStandby(c.Response(), holder, host, "this controller is a standby; the active controller serves this request: "+s.member.Why(s.lease))
		return nil
	}
}

// writeStandby answers 503 naming the active controller.
func writeStandby(w http.ResponseWriter, holder, host, msg string) {
	body := map[string]any{"error": map[string]any{"code": "standby", "message": msg}}
	if holder != "" {
		w.Header().Set("X-IPCC-Active-Controller", holder)
		body["active_controller"] = holder
		if host != "" {
			w.Header().Set("X-IPCC-Active-Host", host)
			body["active_host"] = host
		}
	}
	w.Header().Set("Retry-After", "1")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusServiceUnavailable)
	_ = json.NewEncoder(w).Encode(body)
}
