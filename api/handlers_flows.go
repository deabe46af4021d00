package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/ivrflows"
	"github.com/ipcc/ipcc/prompts"
	"github.com/ipcc/ipcc/store"
)

// flowView is a flow as the API shows it: the draft document, whether it
// is valid, and which version is live.
type flowView struct {
	ID               string                     `json:"id"`
	Name             string                     `json:"name"`
	PublishedVersion int                        `json:"published_version"`
	CreatedAt        time.Time                  `json:"created_at"`
	UpdatedAt        time.Time                  `json:"updated_at"`
	UpdatedBy        string                     `json:"updated_by"`
	Draft            json.RawMessage            `json:"draft,omitempty"`
	Valid            bool                       `json:"valid"`
	Errors           []ivrflows.ValidationError `json:"errors"`
}

type flowValidation struct {
	Valid  bool                       `json:"valid"`
	Errors []ivrflows.ValidationError `json:"errors"`
}

type flowVersionView struct {
	Version   int             `json:"version"`
	Published bool            `json:"published"`
	CreatedAt time.Time       `json:"created_at"`
	CreatedBy string          `json:"created_by"`
	Document  json.RawMessage `json:"document,omitempty"`
}

type flowPublished struct {
	Version int      `json:"version"`
	Flow    flowView `json:"flow"`
}

type flowRollbackRequest struct {
	Version int `json:"version"`
}

// flowSimulateRequest runs the draft (version 0) or a stored version on a
// simulated call. Schedules answer schedule nodes by id ("*" = any other;
// default every schedule is open).
type flowSimulateRequest struct {
	Caller    string            `json:"caller"`
	DID       string            `json:"did"`
	DTMF      string            `json:"dtmf"`
	At        string            `json:"at"`
	Version   int               `json:"version"`
	Schedules map[string]string `json:"schedules"`
	Vars      map[string]string `json:"vars"`
	SMS       bool              `json:"sms"`
}

// flowInvalidBody is the 400 body of a refused publish: the usual error
// object plus every validation error.
type flowInvalidBody struct {
	Error struct {
		Code    string                     `json:"code"`
		Message string                     `json:"message"`
		Field   string                     `json:"field,omitempty"`
		Errors  []ivrflows.ValidationError `json:"errors"`
	} `json:"error"`
}

// flowImportRequest carries a flow document as text: YAML (as exported)
// or JSON.
type flowImportRequest struct {
	Document string `json:"document"`
}

// flowExport is a flow document rendered as YAML.
type flowExport struct {
	ID string `json:"id"`
	// Version is the exported version, 0 for the draft.
	Version int    `json:"version"`
	YAML    string `json:"yaml"`
}

func (s *Server) addFlowRoutes() {
	const tag = "flows"
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/flow-schema", Summary: "The flow language's JSON Schema: node types, their fields and their edges (built from the Go definitions)", Tag: tag, Roles: rolesSupervisor, Response: ivrflows.JSONSchema{}, Handler: s.flowSchema})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/flows/validate", Summary: "Validate a flow document without saving it and list every problem", Tag: tag, Roles: rolesSupervisor, Request: ivrflows.Flow{}, Response: flowValidation{}, Handler: s.validateFlowDoc})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/flows/import", Summary: "Import a flow document (YAML or JSON text): creates the flow or replaces its draft", Tag: tag, Roles: rolesAdmin, Request: flowImportRequest{}, Response: flowView{}, ObjectType: "flow", Handler: s.importFlow})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/flows/:id/export", Summary: "Export the draft (or ?version=N) as YAML", Tag: tag, Roles: rolesSupervisor, Response: flowExport{}, Handler: s.exportFlow})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/flows", Summary: "List IVR flows with whether each draft is valid (documents not included)", Tag: tag, Roles: rolesSupervisor, Response: []flowView{}, Handler: s.listFlows})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/flows", Summary: "Create a flow from a flow document (the draft may still have validation errors)", Tag: tag, Roles: rolesAdmin, Request: ivrflows.Flow{}, Response: flowView{}, Status: http.StatusCreated, ObjectType: "flow", Handler: s.createFlow})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/flows/:id", Summary: "Get a flow with its draft and the draft's validation errors", Tag: tag, Roles: rolesSupervisor, Response: flowView{}, Handler: s.getFlow})
	s.Add(&Route{Method: http.MethodPut, Path: "/api/v1/flows/:id", Summary: "Replace a flow's draft (the published version is untouched)", Tag: tag, Roles: rolesAdmin, Request: ivrflows.Flow{}, Response: flowView{}, ObjectType: "flow", Handler: s.updateFlow})
	s.Add(&Route{Method: http.MethodDelete, Path: "/api/v1/flows/:id", Summary: "Delete a flow and all its versions", Tag: tag, Roles: rolesAdmin, Status: http.StatusNoContent, ObjectType: "flow", Handler: s.deleteFlow})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/flows/:id/validate", Summary: "Validate a flow's draft and list every problem", Tag: tag, Roles: rolesSupervisor, Response: flowValidation{}, Handler: s.validateFlow})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/flows/:id/publish", Summary: "Publish the draft as the next version; refused with every validation error when invalid", Tag: tag, Roles: rolesAdmin, Response: flowPublished{}, ObjectType: "flow", Handler: s.publishFlow})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/flows/:id/versions", Summary: "List a flow's published versions, newest first", Tag: tag, Roles: rolesSupervisor, Response: []flowVersionView{}, Handler: s.listFlowVersions})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/flows/:id/versions/:version", Summary: "Get one published version with its document", Tag: tag, Roles: rolesSupervisor, Response: flowVersionView{}, Handler: s.getFlowVersion})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/flows/:id/rollback", Summary: "Make an earlier version live again", Tag: tag, Roles: rolesAdmin, Request: flowRollbackRequest{}, Response: flowView{}, ObjectType: "flow", Handler: s.rollbackFlow})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/flows/:id/simulate", Summary: "Dry-run the draft (version 0) or a version on a simulated call", Tag: tag, Roles: rolesSupervisor, Request: flowSimulateRequest{}, Response: ivrflows.DryRunResult{}, Handler: s.simulateFlow})
}

// viewFlow builds the API view with the draft's validation; withDraft adds
// the document itself.
func viewFlow(f *store.Flow, withDraft bool) flowView {
	v := flowView{ID: f.ID, Name: f.Name, PublishedVersion: f.PublishedVersion, CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt,
		UpdatedBy: f.UpdatedBy}
	if withDraft {
		v.Draft = json.RawMessage(f.Draft)
	}
	res := validateDoc(f.Draft)
	v.Valid, v.Errors = res.Valid, res.Errors
	return v
}

func validateDoc(doc string) flowValidation {
	fl, err := ivrflows.ParseJSON([]byte(doc))
	if err != nil {
		return flowValidation{Errors: []ivrflows.ValidationError{{Message: err.Error()}}}
	}
	errs := ivrflows.Validate(fl)
	if errs == nil {
		return flowValidation{Valid: true, Errors: []ivrflows.ValidationError{}}
	}
	return flowValidation{Errors: errs}
}

// readFlowDoc decodes a flow document body strictly and returns the
// parsed flow with its canonical JSON.
func readFlowDoc(c echo.Context) (*ivrflows.Flow, string, error) {
	var raw json.RawMessage
	if err := decodeJSON(c, &raw); err != nil {
		return nil, "", err
	}
	fl, err := ivrflows.ParseJSON(raw)
	if err != nil {
		return nil, "", errInvalid("", "%v", err)
	}
	pruneLayout(fl)
	b, err := fl.Marshal()
	if err != nil {
		return nil, "", fmt.Errorf("api: render flow: %w", err)
	}
	return fl, string(b), nil
}

func actorName(c echo.Context) string {
	if p := principalOf(c); p != nil {
		return p.Name
	}
	return ""
}

func (s *Server) listFlows(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	fs, err := s.opt.Store.ListFlows(c.Request().Context(), tenant)
	if err != nil {
		return err
	}
	out := make([]flowView, 0, len(fs))
	for i := range fs {
		out = append(out, viewFlow(&fs[i], false))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) createFlow(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	fl, doc, err := readFlowDoc(c)
	if err != nil {
		return err
	}
	if !flowIDOK(fl.ID) {
		return errInvalid("id", "flow id must be 1-64 letters, digits, '_', '.' or '-'")
	}
	f := &store.Flow{TenantID: tenant, ID: fl.ID, Name: fl.Name, Draft: doc, UpdatedBy: actorName(c)}
	setAudit(c, fl.ID, map[string]any{"name": fl.Name, "nodes": len(fl.Nodes)})
	if err := s.insertFlow(c.Request().Context(), f); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, viewFlow(f, true))
}

func flowIDOK(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r == '_' || r == '.' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

func (s *Server) getFlow(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	f, err := s.opt.Store.GetFlow(c.Request().Context(), tenant, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewFlow(f, true))
}

func (s *Server) updateFlow(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	fl, _, err := readFlowDoc(c)
	if err != nil {
		return err
	}
	id := c.Param("id")
	if fl.ID == "" {
		fl.ID = id
	}
	if fl.ID != id {
		return errInvalid("id", "the document's id %q is not the flow %q being updated", fl.ID, id)
	}
	b, err := fl.Marshal()
	if err != nil {
		return fmt.Errorf("api: render flow: %w", err)
	}
	setAudit(c, id, map[string]any{"name": fl.Name, "nodes": len(fl.Nodes)})
	f, err := s.opt.Store.UpdateFlowDraft(c.Request().Context(), tenant, id, fl.Name, string(b), actorName(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewFlow(f, true))
}

func (s *Server) deleteFlow(c echo.Context) error { return tenantDelete(c, s.opt.Store.DeleteFlow) }

func (s *Server) validateFlow(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	f, err := s.opt.Store.GetFlow(c.Request().Context(), tenant, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, validateDoc(f.Draft))
}

func (s *Server) publishFlow(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	id := c.Param("id")
	f, err := s.opt.Store.GetFlow(ctx, tenant, id)
	if err != nil {
		return err
	}
	res := validateDoc(f.Draft)
	if res.Valid {
		if res.Errors, err = s.checkLibraryRefs(c, tenant, f.Draft); err != nil {
			return err
		}
		res.Valid = len(res.Errors) == 0
	}
	if !res.Valid {
		var body flowInvalidBody
		body.Error.Code = "invalid_flow"
		body.Error.Message = fmt.Sprintf("flow %q has %d validation errors; nothing was published", id, len(res.Errors))
		body.Error.Field = "draft"
		body.Error.Errors = res.Errors
		setAudit(c, id, map[string]any{"errors": len(res.Errors)})
		return c.JSON(http.StatusBadRequest, body)
	}
	v, err := s.opt.Store.PublishFlow(ctx, tenant, id, f.Draft, actorName(c))
	if err != nil {
		return err
	}
	setAudit(c, id, map[string]any{"version": v})
	f, err = s.opt.Store.GetFlow(ctx, tenant, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, flowPublished{Version: v, Flow: viewFlow(f, false)})
}

func (s *Server) listFlowVersions(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	f, err := s.opt.Store.GetFlow(ctx, tenant, c.Param("id"))
	if err != nil {
		return err
	}
	vs, err := s.opt.Store.ListFlowVersions(ctx, tenant, f.ID)
	if err != nil {
		return err
	}
	out := make([]flowVersionView, 0, len(vs))
	for _, v := range vs {
		out = append(out, flowVersionView{Version: v.Version, Published: v.Version == f.PublishedVersion, CreatedAt: v.CreatedAt, CreatedBy: v.CreatedBy})
	}
	return c.JSON(http.StatusOK, out)
}

func versionParam(c echo.Context) (int, error) {
	v, err := strconv.Atoi(c.Param("version"))
	if err != nil || v < 1 {
		return 0, errInvalid("version", "version must be a positive number")
	}
	return v, nil
}

func (s *Server) getFlowVersion(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	n, err := versionParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	f, err := s.opt.Store.GetFlow(ctx, tenant, c.Param("id"))
	if err != nil {
		return err
	}
	v, err := s.opt.Store.GetFlowVersion(ctx, tenant, f.ID, n)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, flowVersionView{Version: v.Version, Published: v.Version == f.PublishedVersion, CreatedAt: v.CreatedAt,
		CreatedBy: v.CreatedBy, Document: json.RawMessage(v.Document)})
}

func (s *Server) rollbackFlow(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var req flowRollbackRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Version < 1 {
		return errInvalid("version", "version must be a positive number")
	}
	ctx := c.Request().Context()
	id := c.Param("id")
	setAudit(c, id, map[string]any{"version": req.Version})
	if err := s.opt.Store.SetPublishedFlowVersion(ctx, tenant, id, req.Version, actorName(c)); err != nil {
		if store.IsNotFound(err) {
			return errNotFound(fmt.Sprintf("flow %q version %d", id, req.Version))
		}
		return err
	}
	f, err := s.opt.Store.GetFlow(ctx, tenant, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewFlow(f, false))
}

func (s *Server) simulateFlow(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var req flowSimulateRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	id := c.Param("id")
	doc := ""
	if req.Version == 0 {
		f, err := s.opt.Store.GetFlow(ctx, tenant, id)
		if err != nil {
			return err
		}
		doc = f.Draft
	} else {
		v, err := s.opt.Store.GetFlowVersion(ctx, tenant, id, req.Version)
		if err != nil {
			return err
		}
		doc = v.Document
	}
	fl, err := ivrflows.ParseJSON([]byte(doc))
	if err != nil {
		return errInvalid("draft", "%v", err)
	}
	opt := ivrflows.DryRunOptions{Tenant: tenant, Caller: req.Caller, DID: req.DID, DTMF: req.DTMF, Version: req.Version,
		Flows: ivrflows.StoreBackend{S: s.opt.Store}, Library: prompts.Library{Store: s.opt.Store, Dir: s.opt.PromptDir},
		HTTP: s.opt.FlowHTTP, Logger: s.log, Vars: map[string]any{}}
	if req.At != "" {
		if opt.At, err = time.Parse(time.RFC3339, req.At); err != nil {
			return errInvalid("at", "at must be RFC 3339 such as 2026-10-01T12:30:00+08:00")
		}
	}
	sched := ivrflows.StaticSchedules{"*": "open"}
	for k, b := range req.Schedules {
		if !scheduleBranchOK(b) {
			return errInvalid("schedules."+k, "branch must be open, lunch, holiday or closed")
		}
		sched[k] = b
	}
	opt.Schedules = sched
	for k, v := range req.Vars {
		opt.Vars[k] = v
	}
	if req.SMS {
		opt.SMS = &ivrflows.MemoryLog{}
	}
	// The simulated clock makes a run fast; the real-time bound covers
	// slow http nodes.
	sctx, cancel := context.WithTimeout(ctx, simulateTimeout)
	defer cancel()
	res, err := ivrflows.DryRun(sctx, fl, opt)
	var verrs ivrflows.ValidationErrors
	if errors.As(err, &verrs) {
		var body flowInvalidBody
		body.Error.Code = "invalid_flow"
		body.Error.Message = fmt.Sprintf("flow %q has %d validation errors; fix them before simulating", id, len(verrs))
		body.Error.Errors = verrs
		return c.JSON(http.StatusBadRequest, body)
	}
	if err != nil {
		return errInvalid("dtmf", "%v", err)
	}
	for _, l := range res.Lines {
		if p := l.Prompt; p != nil {
			p.AudioURL = "/api/v1/prompts/" + url.PathEscape(p.Library) + "/audio"
			if p.Kind == "tts" {
				p.AudioURL += "?lang=" + url.QueryEscape(p.Lang)
			}
		}
	}
	return c.JSON(http.StatusOK, res)
}

// simulateTimeout bounds one simulation in real time.
const simulateTimeout = 30 * time.Second

func scheduleBranchOK(b string) bool {
	for _, x := range ivrflows.ScheduleBranches {
		if b == x {
			return true
		}
	}
	return false
}

// pruneLayout drops the positions of nodes the flow no longer has.
func pruneLayout(fl *ivrflows.Flow) {
	for id := range fl.Layout {
		if fl.Node(id) == nil {
			delete(fl.Layout, id)
		}
	}
	if len(fl.Layout) == 0 {
		fl.Layout = nil
	}
}

func (s *Server) flowSchema(c echo.Context) error {
	sch, err := ivrflows.Schema()
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sch)
}

func (s *Server) validateFlowDoc(c echo.Context) error {
	if _, err := tenantRequired(c); err != nil {
		return err
	}
	var raw json.RawMessage
	if err := decodeJSON(c, &raw); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, validateDoc(string(raw)))
}

func (s *Server) importFlow(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var req flowImportRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	fl, err := ivrflows.Parse([]byte(req.Document))
	if err != nil {
		return errInvalid("document", "%v", err)
	}
	if !flowIDOK(fl.ID) {
		return errInvalid("document", "flow id must be 1-64 letters, digits, '_', '.' or '-'")
	}
	pruneLayout(fl)
	b, err := fl.Marshal()
	if err != nil {
		return fmt.Errorf("api: render flow: %w", err)
	}
	ctx := c.Request().Context()
	setAudit(c, fl.ID, map[string]any{"name": fl.Name, "nodes": len(fl.Nodes), "import": true})
	if _, err := s.opt.Store.GetFlow(ctx, tenant, fl.ID); store.IsNotFound(err) {
		f := &store.Flow{TenantID: tenant, ID: fl.ID, Name: fl.Name, Draft: string(b), UpdatedBy: actorName(c)}
		if err := s.insertFlow(ctx, f); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, viewFlow(f, true))
	} else if err != nil {
		return err
	}
	f, err := s.opt.Store.UpdateFlowDraft(ctx, tenant, fl.ID, fl.Name, string(b), actorName(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewFlow(f, true))
}

func (s *Server) exportFlow(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	f, err := s.opt.Store.GetFlow(ctx, tenant, c.Param("id"))
	if err != nil {
		return err
	}
	out := flowExport{ID: f.ID}
	doc := f.Draft
	if q := c.QueryParam("version"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil || n < 1 {
			return errInvalid("version", "version must be a positive number")
		}
		v, err := s.opt.Store.GetFlowVersion(ctx, tenant, f.ID, n)
		if err != nil {
			return err
		}
		out.Version, doc = n, v.Document
	}
	fl, err := ivrflows.ParseJSON([]byte(doc))
	if err != nil {
		return errInvalid("version", "stored document does not parse: %v", err)
	}
	y, err := fl.YAML()
	if err != nil {
		return err
	}
	out.YAML = string(y)
	return c.JSON(http.StatusOK, out)
}
