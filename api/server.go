// Package api is ipcc's HTTP face: REST under /api/v1, the OpenAPI document,
// health and metrics, authentication, role checks, tenant scoping and the
// audit trail. It holds no business rules: handlers decode, check, call the
// owning package and encode.
package api

import (
	"context"
	"errors"
	"fmt"
	"github.com/ipcc/ipcc/outroute"
	"github.com/ipcc/ipcc/webhook"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/crm"
	"github.com/ipcc/ipcc/quota"
	"github.com/ipcc/ipcc/recording"
	"github.com/ipcc/ipcc/sms"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/tts"
)

// Options wire a Server.
type Options struct {
	Addr            string
	ReadTimeout     time.Duration
	WriteTimeout    time.Duration
	ShutdownTimeout time.Duration
	BodyLimit       int64 // bytes
	Store           *store.Store
	Auth            *auth.Service
	Logger          *slog.Logger
	// Registry receives the API's metrics and is served at /metrics; nil
	// makes a fresh one with Go and process collectors.
	Registry *prometheus.Registry
	// ReadyChecks are run by /readyz besides the database ping (e.g. switch
	// connections); a failing one makes /readyz answer 503 naming it.
	ReadyChecks map[string]func(context.Context) error
	// Version is reported by /api/v1/version.
	Version string
	// ACD runs the tenants' queues (agent and supervisor routes); nil makes
	// those routes answer 503.
	ACD ACD
	// Supervision performs listen / whisper / barge / hang-up on live calls;
	// nil makes those routes answer 503.
	Supervision Supervision
	// Events feeds the /api/v1/ws stream; nil makes it answer 503.
	Events Events
	// AgentCalls acts on agents' connected calls (hold, transfer, ...).
	AgentCalls AgentCalls
	// DefaultTrunk is media.default_trunk, for the outbound dry-run of a
	// tenant without routes.
	DefaultTrunk string
	// TrunkGateways is the platform's restriction of the gateways tenants'
	// trunks (and campaigns' trunk setting) may name (nil: any).
	TrunkGateways outroute.GatewayPolicy
	// GatewayRules is that restriction live: the configuration's overlaid
	// by the superadmins' (/api/v1/platform/trunk-gateways). nil: built
	// from TrunkGateways.
	GatewayRules *outroute.GatewayRules
	// Switches are the configured switch names a trunk may name (empty: not
	// checked).
	Switches []string
	// Campaigns works outbound campaigns for agents (preview, dial, skip,
	// disposition); nil makes those routes answer 503 (campaign
	// administration works without it).
	Campaigns Campaigns
	// Webhooks receives the events the API itself causes (campaign
	// started, paused, finished); nil sends none.
	Webhooks webhook.Emitter
	// Retention runs the recording retention job on demand
	// (POST /api/v1/retention/run); nil makes that route answer 503.
	Retention *recording.Retention
	// MediaRoots are the directories audio is served from and voicemail
	// deleted in (media.recording_dir, media.voicemail_dir). A stored path
	// outside them is refused; empty means no check (tests).
	MediaRoots []string
	// FlowHTTP is the client of flow http nodes in simulations, through the
	// platform's egress policy; nil is the default policy's (public
	// addresses only).
	FlowHTTP *http.Client
	// OnChange is told after every successful change through the API
	// (tenant, object type), so running parts reload what they cache.
	OnChange func(tenant, objectType string)

	// SMS sends and receives text messages; nil makes the send, settings
	// and gateway hook routes answer 503 (providers, templates, opt-outs and
	// the message log are managed without it).
	SMS *sms.Service

	// PromptDir holds the tenants' uploaded prompts (media.prompt_dir), one
	// directory per tenant; empty refuses uploads.
	PromptDir string
	// TTS synthesises TTS prompts for preview; nil answers 503.
	TTS *tts.Cache

	// CRM runs work orders (validation, history, escalation rules,
	// notifications); nil makes one on Store without notifications.
	CRM *crm.Service

	// UI serves the web console at / (GET and HEAD of every path no API
	// route takes); nil serves nothing there.
	UI http.Handler

	// Quota enforces the tenants' quotas (agent sign-ins, flows) and
	// reports their live usage; nil enforces none (quotas are still
	// stored and shown).
	Quota *quota.Service

	// LoginThrottle slows down password guessing (see auth.Throttle); nil
	// makes one with the defaults.
	LoginThrottle *auth.Throttle
	// TrustedProxies are the addresses (CIDRs or IPs) of reverse proxies
	// whose X-Forwarded-For / X-Real-IP are believed. From any other peer
	// the client address is the peer's own; empty believes no header.
	TrustedProxies []string
}

// Server is the HTTP API.
type Server struct {
	opt     Options
	e       *echo.Echo
	log     *slog.Logger
	routes  []*Route
	reqs    *prometheus.CounterVec
	latency *prometheus.HistogramVec
	httpSrv *http.Server
	// sockets are the open WebSocket streams by tenant (suspension cuts
	// them).
	sockets wsSockets
	// signIns serializes agents' sign-ins, so two agents signing in at once
	// cannot both take a tenant's last place (checkAgentSignIn).
	signIns sync.Mutex
	// newFlows serializes flow creation under a flow quota, so two creates
	// at once cannot both take a tenant's last place (insertFlow).
	newFlows sync.Mutex
}

// New builds the server and registers every route.
func New(opt Options) (*Server, error) {
	if opt.Store == nil || opt.Auth == nil {
		return nil, errors.New("api: store and auth are required")
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.BodyLimit <= 0 {
		opt.BodyLimit = 1 << 20
	}
	if opt.GatewayRules == nil {
		opt.GatewayRules = outroute.NewGatewayRules(opt.TrunkGateways)
	}
	// Endpoints may subscribe by name to the events of the features
	// present (family.* filters work regardless).
	if opt.SMS != nil {
		if err := webhook.RegisterEventTypes(sms.EventTypes...); err != nil {
			return nil, fmt.Errorf("api: %w", err)
		}
	}
	if err := webhook.RegisterEventTypes(crm.WebhookEvents...); err != nil { // work orders are always served
		return nil, fmt.Errorf("api: %w", err)
	}
	if opt.LoginThrottle == nil {
		opt.LoginThrottle = auth.NewThrottle(auth.ThrottleOptions{})
	}
	extractIP, err := ipExtractor(opt.TrustedProxies)
	if err != nil {
		return nil, err
	}
	if opt.ShutdownTimeout <= 0 {
		opt.ShutdownTimeout = 15 * time.Second
	}
	if opt.Registry == nil {
		opt.Registry = prometheus.NewRegistry()
		opt.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	s := &Server{opt: opt, log: opt.Logger}
	s.reqs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ipcc_http_requests_total", Help: "HTTP requests by method, route and status."}, []string{"method", "route", "status"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "ipcc_http_request_duration_seconds", Help: "HTTP request latency by route.", Buckets: prometheus.DefBuckets}, []string{"method", "route"})
	if err := opt.Registry.Register(s.reqs); err != nil {
		return nil, fmt.Errorf("api: register metrics: %w", err)
	}
	if err := opt.Registry.Register(s.latency); err != nil {
		return nil, fmt.Errorf("api: register metrics: %w", err)
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.IPExtractor = extractIP
	e.HTTPErrorHandler = s.handleError
	e.Use(dropBadRequestID)
	e.Use(middleware.RequestIDWithConfig(middleware.RequestIDConfig{TargetHeader: echo.HeaderXRequestID}))
	e.Use(s.observe)
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: strconv.FormatInt(opt.BodyLimit, 10) + "B",
		// Lead lists and prompt audio are uploaded as files; their routes
		// apply their own limits.
		Skipper: func(c echo.Context) bool {
			return c.Request().Method == http.MethodPost && (strings.HasSuffix(c.Request().URL.Path, "/leads/import") ||
				c.Request().URL.Path == "/api/v1/customers/import" || strings.HasSuffix(c.Request().URL.Path, "/attachments") ||
				c.Request().URL.Path == "/api/v1/prompts" && !strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), "application/json"))
		}}))
	e.Use(s.recoverPanics)
	s.e = e

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(opt.Registry, promhttp.HandlerOpts{})))
	s.registerRoutes()
	if opt.UI != nil {
		// API routes keep priority: echo matches static and longer prefixes
		// first, and an unknown /api/ path stays a JSON 404.
		ui := echo.WrapHandler(opt.UI)
		e.GET("/*", ui)
		e.HEAD("/*", ui)
		e.Any("/api/*", func(c echo.Context) error { return errNotFound("route " + c.Request().URL.Path) })
	}
	return s, nil
}

// Echo exposes the router so later packages (and tests) can mount more
// routes through Add.
func (s *Server) Echo() *echo.Echo { return s.e }

// Handler is the server's http.Handler.
func (s *Server) Handler() http.Handler { return s.e }

// Run serves on opt.Addr until ctx is cancelled, then shuts down gracefully:
// in-flight requests get ShutdownTimeout to finish.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.opt.Addr)
	if err != nil {
		return fmt.Errorf("api: listen on %s: %w", s.opt.Addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve is Run on an existing listener.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.httpSrv = &http.Server{
		Handler:           s.e,
		ReadTimeout:       s.opt.ReadTimeout,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      s.opt.WriteTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	s.log.Info("http listening", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- s.httpSrv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("api: serve: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("http shutting down", "grace", s.opt.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), s.opt.ShutdownTimeout)
	defer cancel()
	if err := s.httpSrv.Shutdown(sctx); err != nil {
		return fmt.Errorf("api: shutdown: %w", err)
	}
	<-errc
	return nil
}

func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	ae := toAPIError(err)
	if ae.Status >= 500 {
		s.log.Error("request failed", "err", err, "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "path", c.Path())
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(ae.Status)
		return
	}
	_ = c.JSON(ae.Status, errorBody{Error: ae})
}

func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("panic in handler", "panic", fmt.Sprint(r), "path", c.Path())
				err = &Error{Status: 500, Code: "internal", Message: "internal error"}
			}
		}()
		return next(c)
	}
}

// observe logs each request (never bodies) and counts it.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		status := c.Response().Status
		s.reqs.WithLabelValues(c.Request().Method, route, strconv.Itoa(status)).Inc()
		s.latency.WithLabelValues(c.Request().Method, route).Observe(time.Since(start).Seconds())
		attrs := []any{"method", c.Request().Method, "route", route, "status", status,
			"duration_ms", float64(time.Since(start).Microseconds()) / 1000, "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "remote", c.RealIP()}
		if p := principalOf(c); p != nil {
			attrs = append(attrs, "tenant", p.TenantID, "actor", p.Name)
		}
		if route == "/healthz" || route == "/readyz" || route == "/metrics" {
			s.log.Debug("http request", attrs...)
		} else {
			s.log.Info("http request", attrs...)
		}
		return nil
	}
}

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	checks := map[string]string{}
	ok := true
	if err := s.opt.Store.Ping(ctx); err != nil {
		checks["database"], ok = err.Error(), false
	} else {
		checks["database"] = "ok"
	}
	for name, f := range s.opt.ReadyChecks {
		if err := f(ctx); err != nil {
			checks[name], ok = err.Error(), false
		} else {
			checks[name] = "ok"
		}
	}
	status := http.StatusOK
	if !ok {
		status = http.StatusServiceUnavailable
	}
	return c.JSON(status, map[string]any{"ready": ok, "checks": checks})
}
