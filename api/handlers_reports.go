package api

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/reports"
)

// Report readers: admins, supervisors and QA see every row; agents reach the
// agent-scoped reports and see only their own rows there.
var rolesReportReaders = []auth.Role{auth.RoleAdmin, auth.RoleSupervisor, auth.RoleQA}

// reportPage is a listing report's answer: one page and the cursor of the
// next ("" at the end).
type reportPage[R any] struct {
	Rows       []R    `json:"rows"`
	NextCursor string `json:"next_cursor"`
}

type (
	// The aggregate reports answer their range in the tenant's zone and
	// the rows.
	queuesReport struct {
		From     time.Time          `json:"from"`
		To       time.Time          `json:"to"`
		Timezone string             `json:"timezone"`
		Rows     []reports.QueueRow `json:"rows"`
	}
	agentCallsReport struct {
		From     time.Time               `json:"from"`
		To       time.Time               `json:"to"`
		Timezone string                  `json:"timezone"`
		Rows     []reports.AgentCallsRow `json:"rows"`
	}
	serviceReport struct {
		From     time.Time            `json:"from"`
		To       time.Time            `json:"to"`
		Timezone string               `json:"timezone"`
		Rows     []reports.ServiceRow `json:"rows"`
	}
	satisfactionReport struct {
		From     time.Time                 `json:"from"`
		To       time.Time                 `json:"to"`
		Timezone string                    `json:"timezone"`
		Rows     []reports.SatisfactionRow `json:"rows"`
	}
)

// reportFiltersNotApplicable lists, per report, the filters it has no use
// for (an abandoned call has no agent; traffic by hour is not per agent).
var reportFiltersNotApplicable = map[string][]string{
	"abandoned":         {"agent"},
	"agents/operations": {"number"},
	"hourly":            {"agent"},
	"queues":            {"agent", "number"},
	"agents/calls":      {"number"},
	"agents/service":    {"queue", "number"},
	"satisfaction":      {"number"},
}

const reportParams = " Query: from, to (date, local time or RFC 3339, in the tenant's time zone; to exclusive), queue, agent, number; format=csv (or Accept: text/csv) streams CSV."

func (s *Server) addReportRoutes() {
	rep := reports.New(s.opt.Store, nil)
	add := func(path, summary string, agents bool, resp any, h func(echo.Context, *reports.Service, reports.Query, bool) error) {
		roles := rolesReportReaders
		if agents {
			roles = rolesAgents
			summary += "; agents see their own rows"
		}
		notApplicable := reportFiltersNotApplicable[path]
		s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/reports/" + path, Summary: summary + "." + reportParams, Tag: "reports", Roles: roles, Response: resp,
			Handler: func(c echo.Context) error {
				// A filter the report cannot apply is refused rather than
				// silently ignored, so nobody reads unfiltered figures as filtered.
				for _, p := range notApplicable {
					if c.QueryParam(p) != "" {
						return errInvalid(p, "%s does not apply to the %s report", p, path)
					}
				}
				q, asCSV, err := s.reportQuery(c, rep, agents)
				if err != nil {
					return err
				}
				return h(c, rep, q, asCSV)
			}})
	}
	add("calls", "Call detail search (通话详单), newest first, partial number match; limit, cursor", false, reportPage[*reports.CallRow]{},
		func(c echo.Context, r *reports.Service, q reports.Query, asCSV bool) error {
			return listing(s, c, q, asCSV, "calls", reports.CallHeader, r.Calls)
		})
	add("waits", "Wait-time detail (来电等候时长): per inbound call the time in the IVR, the queue and ringing; limit, cursor", false, reportPage[*reports.WaitRow]{},
		func(c echo.Context, r *reports.Service, q reports.Query, asCSV bool) error {
			return listing(s, c, q, asCSV, "waits", reports.WaitHeader, r.Waits)
		})
	add("abandoned", "Abandoned calls for call-back (呼损明细), each with the click-to-dial request (dial_back); include=ivr adds IVR hang-ups; limit, cursor", false, reportPage[*reports.AbandonedRow]{},
		func(c echo.Context, r *reports.Service, q reports.Query, asCSV bool) error {
			return listing(s, c, q, asCSV, "abandoned", reports.AbandonedHeader, r.Abandoned)
		})
	add("agents/operations", "Agent operation log (坐席操作明细): login, logout, break, resume, wrap-up, forced changes; include=calls adds offers and answers; limit, cursor", true, reportPage[*reports.OperationRow]{},
		func(c echo.Context, r *reports.Service, q reports.Query, asCSV bool) error {
			return listing(s, c, q, asCSV, "agent-operations", reports.OperationHeader, r.Operations)
		})
	add("satisfaction/surveys", "Satisfaction detail: each survey with links to the call's recordings; limit, cursor", true, reportPage[*reports.SurveyRow]{},
		func(c echo.Context, r *reports.Service, q reports.Query, asCSV bool) error {
			return listing(s, c, q, asCSV, "surveys", reports.SurveyHeader, r.Surveys)
		})
	add("hourly", "Inbound traffic by hour (来电流量分布): offered and answered in 24 local hours per day and in total", false, reports.Hourly{},
		func(c echo.Context, r *reports.Service, q reports.Query, asCSV bool) error {
			h, err := r.Hourly(c.Request().Context(), q)
			if err != nil {
				return err
			}
			if asCSV {
				return writeCSV(s.log, c, q, "hourly", reports.HourlyHeader, h.CSV)
			}
			return c.JSON(http.StatusOK, h)
		})
	add("queues", "Queue statistics (队列统计): offered, answered, abandoned, abandon rate, waits, talk, service level (sl_ms: threshold in milliseconds, default 20000)", false, queuesReport{},
		func(c echo.Context, r *reports.Service, q reports.Query, asCSV bool) error {
			return aggregate(s, c, q, asCSV, "queues", reports.QueueHeader, r.Queues, func(x *reports.QueueRow) []string { return x.CSV() },
				func(rows []reports.QueueRow) any {
					return queuesReport{q.From.In(q.Loc), q.To.In(q.Loc), q.Loc.String(), rows}
				})
		})
	add("agents/calls", "Agent call statistics (话量统计): offered, inbound answered, connect rate, outbound made and connected, talk time", true, agentCallsReport{},
		func(c echo.Context, r *reports.Service, q reports.Query, asCSV bool) error {
			return aggregate(s, c, q, asCSV, "agent-calls", reports.AgentCallsHeader, r.AgentCalls, func(x *reports.AgentCallsRow) []string { return x.CSV() },
				func(rows []reports.AgentCallsRow) any {
					return agentCallsReport{q.From.In(q.Loc), q.To.In(q.Loc), q.Loc.String(), rows}
				})
		})
	add("agents/service", "Agent service time (坐席服务时长): logged in, ready, not ready by reason, ringing, on call, wrap-up; by=day splits per day", true, serviceReport{},
		func(c echo.Context, r *reports.Service, q reports.Query, asCSV bool) error {
			return aggregate(s, c, q, asCSV, "agent-service", reports.ServiceHeader, r.AgentService, func(x *reports.ServiceRow) []string { return x.CSV() },
				func(rows []reports.ServiceRow) any {
					return serviceReport{q.From.In(q.Loc), q.To.In(q.Loc), q.Loc.String(), rows}
				})
		})
	add("satisfaction", "Satisfaction per agent (满意度): calls handled, surveys, participation, score distribution, average", true, satisfactionReport{},
		func(c echo.Context, r *reports.Service, q reports.Query, asCSV bool) error {
			return aggregate(s, c, q, asCSV, "satisfaction", reports.SatisfactionHeader, r.Satisfaction, func(x *reports.SatisfactionRow) []string { return x.CSV() },
				func(rows []reports.SatisfactionRow) any {
					return satisfactionReport{q.From.In(q.Loc), q.To.In(q.Loc), q.Loc.String(), rows}
				})
		})
}

// reportQuery reads the parameters in the tenant's zone, limits agents to
// their own rows, and tells whether CSV was asked for.
func (s *Server) reportQuery(c echo.Context, rep *reports.Service, agentScoped bool) (reports.Query, bool, error) {
	tenant, err := tenantRequired(c)
	if err != nil {
		return reports.Query{}, false, err
	}
	asCSV := false
	switch f := c.QueryParam("format"); f {
	case "csv":
		asCSV = true
	case "json":
	case "":
		asCSV = strings.Contains(c.Request().Header.Get(echo.HeaderAccept), "text/csv")
	default:
		return reports.Query{}, false, errInvalid("format", "format must be json or csv, got %q", f)
	}
	loc, err := rep.Location(c.Request().Context(), tenant)
	if err != nil {
		return reports.Query{}, false, err
	}
	q, err := reports.ParseQuery(c.QueryParams(), tenant, loc, time.Now())
	var pe *reports.ParamError
	if errors.As(err, &pe) {
		return q, false, errInvalid(pe.Param, "%s", pe.Msg)
	}
	if err != nil {
		return q, false, err
	}
	if p := principalOf(c); p.Role == auth.RoleAgent && agentScoped {
		if len(q.Agents) > 0 && (len(q.Agents) != 1 || q.Agents[0] != p.ID) {
			return q, false, &Error{Status: http.StatusForbidden, Code: "forbidden", Message: "agents may report on themselves only", Field: "agent"}
		}
		q.Agents = []string{p.ID}
	}
	return q, asCSV, nil
}

// listing answers a page of a listing report, or every row as CSV.
func listing[R interface{ CSV() []string }](s *Server, c echo.Context, q reports.Query, asCSV bool, name string, header []string,
	run func(ctx context.Context, q reports.Query, emit func(R) error) (string, error)) error {
	if asCSV {
		q.Limit = 0
		return writeCSV(s.log, c, q, name, header, func(emit func([]string) error) error {
			_, err := run(c.Request().Context(), q, func(r R) error { return emit(r.CSV()) })
			return err
		})
	}
	rows := make([]R, 0, q.Limit)
	next, err := run(c.Request().Context(), q, func(r R) error { rows = append(rows, r); return nil })
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, reportPage[R]{Rows: rows, NextCursor: next})
}

// aggregate answers an aggregate report as JSON or CSV.
func aggregate[T any](s *Server, c echo.Context, q reports.Query, asCSV bool, name string, header []string,
	run func(ctx context.Context, q reports.Query) ([]T, error), record func(*T) []string, wrap func([]T) any) error {
	rows, err := run(c.Request().Context(), q)
	if err != nil {
		return err
	}
	if asCSV {
		return writeCSV(s.log, c, q, name, header, func(emit func([]string) error) error {
			for i := range rows {
				if err := emit(record(&rows[i])); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return c.JSON(http.StatusOK, wrap(rows))
}

// writeCSV streams a header row and the records, flushing as it goes. An
// error after the first bytes cannot change the status any more: it is
// logged and the body ends short.
func writeCSV(log *slog.Logger, c echo.Context, q reports.Query, name string, header []string, body func(emit func([]string) error) error) error {
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	res.Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s-%s.csv"`, name, q.From.In(q.Loc).Format("2006-01-02")))
	res.WriteHeader(http.StatusOK)
	w := csv.NewWriter(res)
	if c.QueryParam("bom") == "1" {
		_, _ = res.Write([]byte("\uFEFF")) // for spreadsheet programs that guess the encoding
	}
	_ = w.Write(header)
	n := 0
	err := body(func(rec []string) error {
		if err := w.Write(reports.SafeCSVRecord(rec)); err != nil {
			return err
		}
		if n++; n%500 == 0 {
			w.Flush()
			res.Flush()
		}
		return w.Error()
	})
	w.Flush()
	if err != nil {
		log.Error("report CSV cut short", "report", name, "tenant", q.Tenant, "err", err)
		return nil
	}
	return w.Error()
}
