package api

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/crm"
	"github.com/ipcc/ipcc/reports"
	"github.com/ipcc/ipcc/store"
)

// workOrderTypeView is a type as the API shows it.
type workOrderTypeView struct {
	crm.TypeConfig
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// workOrderView is an order with its custom field values.
type workOrderView struct {
	store.WorkOrder
	Fields map[string]any `json:"fields"`
}

// workOrderEventView is one history entry with its detail.
type workOrderEventView struct {
	store.WorkOrderEvent
	Detail map[string]any `json:"detail"`
	// ActorName is the user's display name ("" for the system).
	ActorName string `json:"actor_name"`
}

// workOrderDetail is an order with its history and attachments.
type workOrderDetail struct {
	workOrderView
	AssigneeName  string                      `json:"assignee_name"`
	CreatedByName string                      `json:"created_by_name"`
	History       []workOrderEventView        `json:"history"`
	Attachments   []store.WorkOrderAttachment `json:"attachments"`
}

type commentRequest struct {
	Text string `json:"text"`
}

// workOrderReport counts orders by status, type, agent and priority.
type workOrderReport struct {
	Total      int                    `json:"total"`
	Breached   int                    `json:"breached"`
	ByStatus   []store.WorkOrderCount `json:"by_status"`
	ByType     []store.WorkOrderCount `json:"by_type"`
	ByAgent    []store.WorkOrderCount `json:"by_agent"`
	ByPriority []store.WorkOrderCount `json:"by_priority"`
}

func viewWorkOrder(w store.WorkOrder) workOrderView {
	v := workOrderView{WorkOrder: w, Fields: map[string]any{}}
	_ = json.Unmarshal([]byte(w.Fields), &v.Fields)
	return v
}

func (s *Server) crmService() *crm.Service {
	if s.opt.CRM != nil {
		return s.opt.CRM
	}
	return &crm.Service{Store: s.opt.Store, Log: s.log}
}

const woQuery = " Query: status, type, agent (assignee), queue, customer_id, call_id, q (title/description), open=1 (unresolved), breached=1, from, to (created, RFC 3339 or date), limit (default 100, at most 1000), offset."

func (s *Server) addWorkOrderRoutes() {
	const tag = "workorders"
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/workorder-types", Summary: "Work-order types: custom fields, statuses, transitions, SLA (resolve_hours), escalations (time rules) and conditions (condition rules)", Tag: tag,
		Roles: rolesAnyone, Response: []workOrderTypeView{}, Handler: s.listWorkOrderTypes})
	s.Add(&Route{Method: http.MethodPut, Path: "/api/v1/workorder-types/:id", Summary: "Create or replace a work-order type; 400 names the bad status, transition, field or rule (conditions are expressions such as priority == \"urgent\" && type == \"complaint\")", Tag: tag,
		Roles: rolesAdmin, Request: crm.TypeConfig{}, Response: workOrderTypeView{}, ObjectType: "workorder_type", Handler: s.putWorkOrderType})
	s.Add(&Route{Method: http.MethodDelete, Path: "/api/v1/workorder-types/:id", Summary: "Delete a work-order type; 409 while work orders use it", Tag: tag,
		Roles: rolesAdmin, Status: http.StatusNoContent, ObjectType: "workorder_type", Handler: s.deleteWorkOrderType})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/workorders", Summary: "Search work orders, newest first (agents: those assigned to them or their queues, or created by them)." + woQuery, Tag: tag,
		Roles: rolesAnyone, Response: []workOrderView{}, Handler: s.listWorkOrders})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/workorders", Summary: "Create a work order (from a call with call_id, or on its own): type, title, description, priority (low, normal, high, urgent), customer_id, assignee_agent or assignee_queue, fields. Condition rules run at once", Tag: tag,
		Roles: rolesAnyone, Request: crm.NewWorkOrder{}, Response: workOrderView{}, Status: http.StatusCreated, ObjectType: "workorder", Handler: s.createWorkOrder})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/workorders/report", Summary: "Work-order counts by status, type, assignee and priority with SLA breaches (query as the search); format=csv for CSV", Tag: tag,
		Roles: rolesSupervisor, Response: workOrderReport{}, Handler: s.workOrderReport})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/workorders/:id", Summary: "A work order with its full history and attachments", Tag: tag,
		Roles: rolesAnyone, Response: workOrderDetail{}, Handler: s.getWorkOrder})
	s.Add(&Route{Method: http.MethodPatch, Path: "/api/v1/workorders/:id", Summary: "Change a work order: title, description, status (only the type's transitions), priority, customer_id, assignee_agent, assignee_queue, fields (merged). Each change is a history entry", Tag: tag,
		Roles: rolesAnyone, Request: crm.Change{}, Response: workOrderView{}, ObjectType: "workorder", Handler: s.patchWorkOrder})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/workorders/:id/comments", Summary: "Comment on a work order (1-5000 characters)", Tag: tag,
		Roles: rolesAnyone, Request: commentRequest{}, Response: workOrderEventView{}, Status: http.StatusCreated, ObjectType: "workorder", Handler: s.commentWorkOrder})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/workorders/:id/attachments", Summary: "Attach a file (multipart field file, or the raw body with query name and its Content-Type): at most 5 MiB; PNG, JPEG, GIF, PDF, text, CSV, DOCX, XLSX, WAV or MP3", Tag: tag,
		Roles: rolesAnyone, Response: store.WorkOrderAttachment{}, Status: http.StatusCreated, ObjectType: "workorder", Handler: s.attachWorkOrder})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/workorders/:id/attachments/:file", Summary: "Download an attachment", Tag: tag,
		Roles: rolesAnyone, Handler: s.getWorkOrderAttachment})
}

func (s *Server) listWorkOrderTypes(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	rows, err := s.opt.Store.ListWorkOrderTypes(c.Request().Context(), tenant)
	if err != nil {
		return err
	}
	out := []workOrderTypeView{}
	for i := range rows {
		t, err := crm.DecodeType(&rows[i])
		if err != nil {
			return err
		}
		out = append(out, workOrderTypeView{TypeConfig: *t, CreatedAt: rows[i].CreatedAt, UpdatedAt: rows[i].UpdatedAt})
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) putWorkOrderType(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var t crm.TypeConfig
	if err := decodeJSON(c, &t); err != nil {
		return err
	}
	if t.ID == "" {
		t.ID = c.Param("id")
	}
	if t.ID != c.Param("id") {
		return errInvalid("id", "id %q differs from the path's %q", t.ID, c.Param("id"))
	}
	if err := t.Validate(); err != nil {
		field, _, _ := strings.Cut(err.Error(), " ")
		return errInvalid(strings.TrimSuffix(field, ":"), "%v", err)
	}
	b, _ := json.Marshal(t)
	row := &store.WorkOrderType{TenantID: tenant, ID: t.ID, Name: t.Name, Config: string(b)}
	if err := s.opt.Store.PutWorkOrderType(c.Request().Context(), row); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, workOrderTypeView{TypeConfig: t, CreatedAt: row.CreatedAt, UpdatedAt: row.UpdatedAt})
}

func (s *Server) deleteWorkOrderType(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	if err := s.opt.Store.DeleteWorkOrderType(c.Request().Context(), tenant, c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// restrictWorkOrders limits an agent to the orders assigned to them or
// their queues, or created by them.
func (s *Server) restrictWorkOrders(c echo.Context, tenant string, f *store.WorkOrderFilter) error {
	p := principalOf(c)
	if p == nil || p.Role != auth.RoleAgent {
		return nil
	}
	qs, err := s.opt.Store.AgentQueueIDs(c.Request().Context(), tenant, p.ID)
	if err != nil {
		return err
	}
	f.VisibleTo, f.Queues = p.ID, qs
	return nil
}

// visibleWorkOrder loads an order of the request's tenant that the caller
// may see (404 otherwise), with the tenant.
func (s *Server) visibleWorkOrder(c echo.Context) (string, *store.WorkOrder, error) {
	tenant, id, err := tenantAndID(c)
	if err != nil {
		return "", nil, err
	}
	w, err := s.opt.Store.GetWorkOrder(c.Request().Context(), tenant, id)
	if err != nil {
		return "", nil, err
	}
	var f store.WorkOrderFilter
	if err := s.restrictWorkOrders(c, tenant, &f); err != nil {
		return "", nil, err
	}
	if f.VisibleTo != "" && w.AssigneeAgent != f.VisibleTo && w.CreatedBy != f.VisibleTo && (w.AssigneeQueue == "" || !slices.Contains(f.Queues, w.AssigneeQueue)) {
		return "", nil, errNotFound("work order " + c.Param("id"))
	}
	return tenant, w, nil
}

func workOrderFilter(c echo.Context) (store.WorkOrderFilter, error) {
	f := store.WorkOrderFilter{Status: c.QueryParam("status"), Type: c.QueryParam("type"), Agent: c.QueryParam("agent"), Queue: c.QueryParam("queue"),
		CallID: c.QueryParam("call_id"), Q: c.QueryParam("q"), Open: c.QueryParam("open") == "1" || c.QueryParam("open") == "true",
		Breached: c.QueryParam("breached") == "1" || c.QueryParam("breached") == "true"}
	if v := c.QueryParam("customer_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return f, errInvalid("customer_id", "customer_id %q is not a positive number", v)
		}
		f.CustomerID = n
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		v := c.QueryParam(p.name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			if t, err = time.Parse("2006-01-02", v); err != nil {
				return f, errInvalid(p.name, "%s %q: RFC 3339 time or YYYY-MM-DD", p.name, v)
			}
		}
		*p.dst = t
	}
	return f, nil
}

func (s *Server) listWorkOrders(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	f, err := workOrderFilter(c)
	if err != nil {
		return err
	}
	if f.Limit, f.Offset, err = queryLimit(c, 100, 1000); err != nil {
		return err
	}
	if err := s.restrictWorkOrders(c, tenant, &f); err != nil {
		return err
	}
	ws, err := s.opt.Store.ListWorkOrders(c.Request().Context(), tenant, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, views(ws, viewWorkOrder))
}

func (s *Server) createWorkOrder(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var in crm.NewWorkOrder
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	w, err := s.crmService().Create(c.Request().Context(), tenant, principalOf(c).ID, in)
	if err != nil {
		return crmError(err)
	}
	setAudit(c, strconv.FormatInt(w.ID, 10), map[string]any{"type": w.TypeID, "call_id": w.CallID})
	return c.JSON(http.StatusCreated, viewWorkOrder(*w))
}

func (s *Server) getWorkOrder(c echo.Context) error {
	tenant, w, err := s.visibleWorkOrder(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	evs, err := s.opt.Store.ListWorkOrderEvents(ctx, tenant, w.ID)
	if err != nil {
		return err
	}
	as, err := s.opt.Store.ListWorkOrderAttachments(ctx, tenant, w.ID)
	if err != nil {
		return err
	}
	label, err := reports.AgentLabels(ctx, s.opt.Store, tenant)
	if err != nil {
		return err
	}
	d := workOrderDetail{workOrderView: viewWorkOrder(*w), History: []workOrderEventView{}, Attachments: as,
		AssigneeName: label(w.AssigneeAgent).AgentName, CreatedByName: label(w.CreatedBy).AgentName}
	for _, e := range evs {
		v := viewWOEvent(e)
		v.ActorName = label(e.Actor).AgentName
		d.History = append(d.History, v)
	}
	return c.JSON(http.StatusOK, d)
}

func viewWOEvent(e store.WorkOrderEvent) workOrderEventView {
	v := workOrderEventView{WorkOrderEvent: e, Detail: map[string]any{}}
	_ = json.Unmarshal([]byte(e.Detail), &v.Detail)
	return v
}

func (s *Server) patchWorkOrder(c echo.Context) error {
	tenant, w, err := s.visibleWorkOrder(c)
	if err != nil {
		return err
	}
	var ch crm.Change
	if err := decodeJSON(c, &ch); err != nil {
		return err
	}
	nw, err := s.crmService().Update(c.Request().Context(), tenant, principalOf(c).ID, w.ID, ch)
	if err != nil {
		return crmError(err)
	}
	return c.JSON(http.StatusOK, viewWorkOrder(*nw))
}

func (s *Server) commentWorkOrder(c echo.Context) error {
	tenant, w, err := s.visibleWorkOrder(c)
	if err != nil {
		return err
	}
	var r commentRequest
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	ev, err := s.crmService().Comment(c.Request().Context(), tenant, principalOf(c).ID, w.ID, r.Text)
	if err != nil {
		return crmError(err)
	}
	return c.JSON(http.StatusCreated, viewWOEvent(*ev))
}

func (s *Server) attachWorkOrder(c echo.Context) error {
	tenant, w, err := s.visibleWorkOrder(c)
	if err != nil {
		return err
	}
	data, name, ct, err := uploadBody(c, crm.MaxAttachment)
	if err != nil {
		return err
	}
	if name == "" {
		name = c.QueryParam("name")
	}
	a, err := s.crmService().Attach(c.Request().Context(), tenant, principalOf(c).ID, w.ID, name, ct, data)
	if err != nil {
		return crmError(err)
	}
	return c.JSON(http.StatusCreated, a)
}

func (s *Server) getWorkOrderAttachment(c echo.Context) error {
	tenant, w, err := s.visibleWorkOrder(c)
	if err != nil {
		return err
	}
	id, err := pathInt(c, "file")
	if err != nil {
		return err
	}
	a, err := s.opt.Store.GetWorkOrderAttachment(c.Request().Context(), tenant, w.ID, id)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+strings.ReplaceAll(a.Name, `"`, "_")+`"`)
	c.Response().Header().Set("X-Content-Type-Options", "nosniff")
	return c.Blob(http.StatusOK, a.ContentType, a.Data)
}

func (s *Server) workOrderReport(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	f, err := workOrderFilter(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	r := workOrderReport{}
	for _, g := range []struct {
		by  string
		dst *[]store.WorkOrderCount
	}{{"status", &r.ByStatus}, {"type_id", &r.ByType}, {"assignee_agent", &r.ByAgent}, {"priority", &r.ByPriority}} {
		if *g.dst, err = s.opt.Store.CountWorkOrders(ctx, tenant, g.by, f); err != nil {
			return err
		}
	}
	for _, x := range r.ByStatus {
		r.Total += x.Count
		r.Breached += x.Breached
	}
	if c.QueryParam("format") == "csv" || strings.Contains(c.Request().Header.Get(echo.HeaderAccept), "text/csv") {
		var buf bytes.Buffer
		buf.WriteString("\ufeff")
		w := csv.NewWriter(&buf)
		_ = w.Write([]string{"group", "key", "count", "sla_breached"})
		for _, g := range []struct {
			name string
			rows []store.WorkOrderCount
		}{{"status", r.ByStatus}, {"type", r.ByType}, {"agent", r.ByAgent}, {"priority", r.ByPriority}} {
			for _, x := range g.rows {
				_ = w.Write([]string{g.name, x.Key, strconv.Itoa(x.Count), strconv.Itoa(x.Breached)})
			}
		}
		_ = w.Write([]string{"total", "", strconv.Itoa(r.Total), strconv.Itoa(r.Breached)})
		w.Flush()
		c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="workorders.csv"`)
		return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
	}
	return c.JSON(http.StatusOK, r)
}
