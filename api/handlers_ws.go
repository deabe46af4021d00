package api

import (
	"context"
	"net/http"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/dispatch"
)

// Events is the live event source behind /api/v1/ws.
type Events interface {
	Subscribe(buf int) (<-chan dispatch.Event, func())
}

func (s *Server) addWSRoutes() {
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/ws", Tag: "events",
		Summary: "WebSocket event stream (JSON objects). Agents receive their own events (offered with caller number, queue, waited time and IVR variables; answered; state changes); supervisors and admins every event of the tenant. Browsers may pass the token as ?access_token=.",
		Roles:   rolesAgents, QueryToken: true, Response: dispatch.Event{}, Handler: s.events})
}

// events streams the caller's events until either side closes.
func (s *Server) events(c echo.Context) error {
	if s.opt.Events == nil {
		return &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "the event stream is not running in this controller"}
	}
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	p := principalOf(c)
	all := p.Superadmin() || p.Role == auth.RoleAdmin || p.Role == auth.RoleSupervisor
	// The stream outlives the server's request timeouts.
	rc := http.NewResponseController(c.Response())
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	conn, err := websocket.Accept(c.Response(), c.Request(), nil)
	if err != nil {
		return nil // Accept has answered the client already
	}
	defer conn.CloseNow()
	ch, cancel := s.opt.Events.Subscribe(256)
	defer cancel()
	// The client only reads; CloseRead notices when it goes away.
	ctx := conn.CloseRead(c.Request().Context())
	ping := time.NewTicker(30 * time.Second)
	defer ping.Stop()
	_ = wsjson.Write(ctx, conn, map[string]any{"type": "hello", "tenant": tenant, "agent": p.ID, "all": all})
	for {
		select {
		case <-ctx.Done():
			conn.Close(websocket.StatusNormalClosure, "")
			return nil
		case <-ping.C:
			pctx, cancelPing := context.WithTimeout(ctx, 10*time.Second)
			err := conn.Ping(pctx)
			cancelPing()
			if err != nil {
				return nil
			}
		case ev, ok := <-ch:
			if !ok {
				conn.Close(websocket.StatusGoingAway, "server stopping")
				return nil
			}
			if ev.Tenant != tenant || (!all && ev.Agent != p.ID) {
				continue
			}
			wctx, cancelWrite := context.WithTimeout(ctx, 10*time.Second)
			err := wsjson.Write(wctx, conn, ev)
			cancelWrite()
			if err != nil {
				return nil
			}
		}
	}
}
