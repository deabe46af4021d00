package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/crm"
	"github.com/ipcc/ipcc/reports"
	"github.com/ipcc/ipcc/store"
)

// customerRequest creates or replaces a customer.
type customerRequest struct {
	Name    string         `json:"name"`
	Company string         `json:"company"`
	Numbers []string       `json:"numbers"`
	Tags    []string       `json:"tags"`
	Fields  map[string]any `json:"fields"`
}

// customerHistory is a customer's calls, work orders and text messages.
type customerHistory struct {
	Calls      []callSummary      `json:"calls"`
	WorkOrders []workOrderView    `json:"work_orders"`
	SMS        []store.SMSMessage `json:"sms"`
}

// internationalForms are the forms a customer's number may take in other
// records: as typed, and in E.164 for a Chinese number typed nationally
// (13812345678 → +8613812345678, 01088880000 → +861088880000).
func internationalForms(n string) []string {
	forms := []string{n}
	switch {
	case strings.HasPrefix(n, "+"):
	case len(n) == 11 && n[0] == '1':
		forms = append(forms, "+86"+n)
	case strings.HasPrefix(n, "0") && !strings.HasPrefix(n, "00"):
		forms = append(forms, "+86"+n[1:])
	}
	return forms
}

// customerImportResult answers a CSV import.
type customerImportResult struct {
	Imported int `json:"imported"`
}

// maxCustomerCSV bounds an import upload.
const maxCustomerCSV = 20 << 20

func (s *Server) addCRMRoutes() {
	const tag = "customers"
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/customer-settings", Summary: "The tenant's customer custom fields ({name, label, type: text|number|date|select|bool, options, required, max_length}) and mask_numbers (agents see 138****5678)", Tag: tag,
		Roles: rolesAnyone, Response: crm.CustomerSettings{}, Handler: s.getCustomerSettings})
	s.Add(&Route{Method: http.MethodPut, Path: "/api/v1/customer-settings", Summary: "Replace the customer custom fields and number masking; 400 names the bad field definition", Tag: tag,
		Roles: rolesAdmin, Request: crm.CustomerSettings{}, Response: crm.CustomerSettings{}, ObjectType: "customer_settings", Handler: s.putCustomerSettings})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/customers", Summary: "Search customers: q (name, company or number), tag, limit (default 100, at most 1000), offset", Tag: tag,
		Roles: rolesAnyone, Response: []store.Customer{}, Handler: s.listCustomers})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/customers", Summary: "Create a customer: name, company, numbers (each belongs to one customer; 409 names the owner), tags, fields (validated against the custom fields)", Tag: tag,
		Roles: rolesAnyone, Request: customerRequest{}, Response: store.Customer{}, Status: http.StatusCreated, ObjectType: "customer", Handler: s.createCustomer})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/customers/lookup", Summary: "The customer owning a number (query number, e.g. the caller's); 404 when none", Tag: tag,
		Roles: rolesAnyone, Response: store.Customer{}, Handler: s.lookupCustomer})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/customers/export", Summary: "All customers as CSV (the import format; numbers masked for agents when mask_numbers is set)", Tag: tag,
		Roles: rolesSupervisor, Handler: s.exportCustomers})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/customers/import", Summary: "Import customers from CSV (text/csv body or multipart field file): header name,company,numbers,tags and custom field names; numbers and tags separated by ';'. All or nothing: a bad row is named (line N) and nothing is imported. At most 20 MiB", Tag: tag,
		Roles: rolesSupervisor, Response: customerImportResult{}, ObjectType: "customer", Handler: s.importCustomers})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/customers/:id", Summary: "Get a customer", Tag: tag,
		Roles: rolesAnyone, Response: store.Customer{}, Handler: s.getCustomer})
	s.Add(&Route{Method: http.MethodPut, Path: "/api/v1/customers/:id", Summary: "Replace a customer", Tag: tag,
		Roles: rolesAnyone, Request: customerRequest{}, Response: store.Customer{}, ObjectType: "customer", Handler: s.putCustomer})
	s.Add(&Route{Method: http.MethodDelete, Path: "/api/v1/customers/:id", Summary: "Delete a customer", Tag: tag,
		Roles: rolesSupervisor, Status: http.StatusNoContent, ObjectType: "customer", Handler: s.deleteCustomer})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/customers/:id/history", Summary: "A customer's calls (from or to any of their numbers, newest first, at most 200) and work orders (agents: those they may see)", Tag: tag,
		Roles: rolesAnyone, Response: customerHistory{}, Handler: s.customerHistory})
	s.addWorkOrderRoutes()
	s.addSummaryRoutes()
}

func (s *Server) customerSettings(c echo.Context, tenant string) (crm.CustomerSettings, error) {
	var cs crm.CustomerSettings
	raw, err := s.opt.Store.GetCustomerFields(c.Request().Context(), tenant)
	if err != nil {
		return cs, err
	}
	if err := json.Unmarshal([]byte(raw), &cs); err != nil {
		return cs, err
	}
	if cs.Fields == nil {
		cs.Fields = []crm.Field{}
	}
	return cs, nil
}

// masker is how numbers are shown to the caller (nil: whole).
func (s *Server) masker(c echo.Context, cs crm.CustomerSettings) func(string) string {
	if p := principalOf(c); cs.MaskNumbers && p != nil && p.Role == auth.RoleAgent {
		return crm.Mask
	}
	return nil
}

func maskCustomer(cu *store.Customer, mask func(string) string) {
	if mask == nil {
		return
	}
	ns := make([]string, len(cu.Numbers))
	for i, n := range cu.Numbers {
		ns[i] = mask(n)
	}
	cu.Numbers = ns
}

func (s *Server) getCustomerSettings(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	cs, err := s.customerSettings(c, tenant)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, cs)
}

func (s *Server) putCustomerSettings(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var cs crm.CustomerSettings
	if err := decodeJSON(c, &cs); err != nil {
		return err
	}
	if cs.Fields == nil {
		cs.Fields = []crm.Field{}
	}
	if err := crm.ValidateFields("fields", cs.Fields); err != nil {
		return errInvalid("fields", "%v", err)
	}
	b, _ := json.Marshal(cs)
	if err := s.opt.Store.PutCustomerFields(c.Request().Context(), tenant, string(b)); err != nil {
		return err
	}
	setAudit(c, tenant, map[string]any{"fields": len(cs.Fields), "mask_numbers": cs.MaskNumbers})
	return c.JSON(http.StatusOK, cs)
}

func crmError(err error) error {
	if errors.Is(err, crm.ErrInvalid) {
		msg := strings.TrimPrefix(err.Error(), crm.ErrInvalid.Error()+": ")
		field, _, _ := strings.Cut(msg, ":")
		if strings.ContainsAny(field, " \"") {
			field = ""
		}
		return errInvalid(field, "%s", msg)
	}
	return err
}

func pathInt(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errInvalid(name, "%s %q is not a positive number", name, c.Param(name))
	}
	return id, nil
}

// tenantAndID are the request's tenant and the positive number of its
// path's id.
func tenantAndID(c echo.Context) (string, int64, error) {
	tenant, err := tenantRequired(c)
	if err != nil {
		return "", 0, err
	}
	id, err := pathInt(c, "id")
	if err != nil {
		return "", 0, err
	}
	return tenant, id, nil
}

func queryLimit(c echo.Context, def, most int) (int, int, error) {
	limit, offset := def, 0
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > most {
			return 0, 0, errInvalid("limit", "limit %q: must be 1-%d", v, most)
		}
		limit = n
	}
	if v := c.QueryParam("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, 0, errInvalid("offset", "offset %q: must be 0 or more", v)
		}
		offset = n
	}
	return limit, offset, nil
}

func (s *Server) listCustomers(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	limit, offset, err := queryLimit(c, 100, 1000)
	if err != nil {
		return err
	}
	cs, err := s.customerSettings(c, tenant)
	if err != nil {
		return err
	}
	q := c.QueryParam("q")
	mask := s.masker(c, cs)
	if mask != nil && strings.ContainsAny(q, "0123456789") {
		// An agent who may not see numbers may not search by them either.
		return &Error{Status: http.StatusForbidden, Code: "forbidden", Message: "numbers are masked for agents: search by name or company", Field: "q"}
	}
	out, err := s.opt.Store.ListCustomers(c.Request().Context(), tenant, store.CustomerFilter{Q: q, Tag: c.QueryParam("tag"), Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	for i := range out {
		maskCustomer(&out[i], mask)
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) customerFromRequest(c echo.Context, tenant string) (*store.Customer, error) {
	var r customerRequest
	if err := decodeJSON(c, &r); err != nil {
		return nil, err
	}
	cs, err := s.customerSettings(c, tenant)
	if err != nil {
		return nil, err
	}
	cu := &store.Customer{TenantID: tenant, Name: r.Name, Company: r.Company, Numbers: r.Numbers, Tags: r.Tags, Fields: r.Fields}
	if err := crm.CheckCustomer(cs.Fields, cu); err != nil {
		return nil, crmError(err)
	}
	return cu, nil
}

func (s *Server) createCustomer(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	cu, err := s.customerFromRequest(c, tenant)
	if err != nil {
		return err
	}
	if err := s.opt.Store.CreateCustomer(c.Request().Context(), cu); err != nil {
		return err
	}
	setAudit(c, strconv.FormatInt(cu.ID, 10), map[string]any{"name": cu.Name})
	return c.JSON(http.StatusCreated, cu)
}

func (s *Server) putCustomer(c echo.Context) error {
	tenant, id, err := tenantAndID(c)
	if err != nil {
		return err
	}
	cu, err := s.customerFromRequest(c, tenant)
	if err != nil {
		return err
	}
	cs, err := s.customerSettings(c, tenant)
	if err != nil {
		return err
	}
	if s.masker(c, cs) != nil {
		// Agents see masked numbers, so they keep the stored ones.
		old, err := s.opt.Store.GetCustomer(c.Request().Context(), tenant, id)
		if err != nil {
			return err
		}
		cu.Numbers = old.Numbers
	}
	cu.ID = id
	if err := s.opt.Store.UpdateCustomer(c.Request().Context(), cu); err != nil {
		return err
	}
	maskCustomer(cu, s.masker(c, cs))
	return c.JSON(http.StatusOK, cu)
}

func (s *Server) deleteCustomer(c echo.Context) error {
	tenant, id, err := tenantAndID(c)
	if err != nil {
		return err
	}
	if err := s.opt.Store.DeleteCustomer(c.Request().Context(), tenant, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// answerCustomer answers a customer, numbers masked for those who may not
// see them.
func (s *Server) answerCustomer(c echo.Context, tenant string, cu *store.Customer) error {
	cs, err := s.customerSettings(c, tenant)
	if err != nil {
		return err
	}
	maskCustomer(cu, s.masker(c, cs))
	return c.JSON(http.StatusOK, cu)
}

func (s *Server) getCustomer(c echo.Context) error {
	tenant, id, err := tenantAndID(c)
	if err != nil {
		return err
	}
	cu, err := s.opt.Store.GetCustomer(c.Request().Context(), tenant, id)
	if err != nil {
		return err
	}
	return s.answerCustomer(c, tenant, cu)
}

func (s *Server) lookupCustomer(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	n, err := crm.CleanNumber(c.QueryParam("number"))
	if err != nil {
		return errInvalid("number", "%v", err)
	}
	ctx := c.Request().Context()
	cu, err := s.opt.Store.CustomerByNumber(ctx, tenant, n)
	if store.IsNotFound(err) && strings.HasPrefix(n, "+86") {
		// Callers arrive as +86...; customers are often typed nationally.
		nat := n[3:]
		if len(nat) != 11 || nat[0] != '1' {
			nat = "0" + nat
		}
		cu, err = s.opt.Store.CustomerByNumber(ctx, tenant, nat)
	}
	if err != nil {
		if store.IsNotFound(err) {
			return errNotFound("customer with number " + n)
		}
		return err
	}
	return s.answerCustomer(c, tenant, cu)
}

func (s *Server) exportCustomers(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	cs, err := s.customerSettings(c, tenant)
	if err != nil {
		return err
	}
	all, err := s.opt.Store.ListCustomers(c.Request().Context(), tenant, store.CustomerFilter{})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	if err := crm.WriteCSV(&buf, cs.Fields, all, s.masker(c, cs)); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="customers.csv"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// uploadBody reads an upload: the multipart field "file" (and its file
// name) or the raw body, at most limit bytes.
func uploadBody(c echo.Context, limit int64) (data []byte, name, contentType string, err error) {
	req := c.Request()
	req.Body = http.MaxBytesReader(c.Response(), req.Body, limit+1<<16)
	ct := req.Header.Get(echo.HeaderContentType)
	if strings.HasPrefix(ct, "multipart/form-data") {
		f, h, ferr := req.FormFile("file")
		if ferr != nil {
			return nil, "", "", errInvalid("file", "multipart upload needs a file field: %v", ferr)
		}
		defer f.Close()
		data, err = io.ReadAll(io.LimitReader(f, limit+1))
		name, contentType = h.Filename, h.Header.Get(echo.HeaderContentType)
	} else {
		data, err = io.ReadAll(io.LimitReader(req.Body, limit+1))
		contentType = ct
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, "", "", &Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: "upload larger than " + strconv.FormatInt(limit, 10) + " bytes"}
		}
		return nil, "", "", errInvalid("file", "reading the upload: %v", err)
	}
	if int64(len(data)) > limit {
		return nil, "", "", &Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: "upload larger than " + strconv.FormatInt(limit, 10) + " bytes"}
	}
	return data, name, contentType, nil
}

func (s *Server) importCustomers(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	data, _, _, err := uploadBody(c, maxCustomerCSV)
	if err != nil {
		return err
	}
	cs, err := s.customerSettings(c, tenant)
	if err != nil {
		return err
	}
	list, lines, err := crm.ParseCSV(bytes.NewReader(data), cs.Fields, tenant)
	if err != nil {
		return errInvalid("file", "%s", strings.TrimPrefix(strings.Replace(err.Error(), crm.ErrInvalid.Error()+": ", "", 1), crm.ErrInvalid.Error()+": "))
	}
	if err := s.opt.Store.ImportCustomers(c.Request().Context(), list, lines); err != nil {
		var ie *store.ImportError
		if errors.As(err, &ie) {
			status, code := http.StatusBadRequest, "invalid"
			if store.IsConflict(err) {
				status, code = http.StatusConflict, "conflict"
			}
			return &Error{Status: status, Code: code, Field: "file", Message: "line " + strconv.Itoa(ie.Row) + ": " + strings.TrimPrefix(ie.Err.Error(), "store: ") + "; nothing was imported"}
		}
		return err
	}
	setAudit(c, tenant, map[string]any{"imported": len(list)})
	return c.JSON(http.StatusOK, customerImportResult{Imported: len(list)})
}

func (s *Server) customerHistory(c echo.Context) error {
	tenant, id, err := tenantAndID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	cu, err := s.opt.Store.GetCustomer(ctx, tenant, id)
	if err != nil {
		return err
	}
	label, err := reports.AgentLabels(ctx, s.opt.Store, tenant)
	if err != nil {
		return err
	}
	cs, err := s.customerSettings(c, tenant)
	if err != nil {
		return err
	}
	mask := s.masker(c, cs)
	h := customerHistory{Calls: []callSummary{}, WorkOrders: []workOrderView{}}
	seen := map[string]bool{}
	for _, n := range cu.Numbers {
		calls, err := s.opt.Store.ListCalls(ctx, tenant, store.CallFilter{Number: n, Limit: 200})
		if err != nil {
			return err
		}
		for _, r := range calls {
			if !seen[r.ID] {
				seen[r.ID] = true
				if mask != nil {
					r.ANI, r.DNIS = mask(r.ANI), mask(r.DNIS)
				}
				h.Calls = append(h.Calls, summarize(r, label))
			}
		}
	}
	// Text messages to and from the customer's numbers; an agent sees the
	// ones they sent, as on the SMS log.
	h.SMS = []store.SMSMessage{}
	agentOnly, only := isAgentOnly(c)
	for _, n := range cu.Numbers {
		for _, form := range internationalForms(n) {
			sf := store.SMSFilter{Number: form, Limit: 200}
			if only {
				sf.AgentID = agentOnly
			}
			ms, err := s.opt.Store.ListSMSMessages(ctx, tenant, sf)
			if err != nil {
				return err
			}
			for _, m := range ms {
				if mask != nil {
					m.Number = mask(m.Number)
				}
				h.SMS = append(h.SMS, m)
			}
		}
	}
	f := store.WorkOrderFilter{CustomerID: id, Limit: 200}
	if err := s.restrictWorkOrders(c, tenant, &f); err != nil {
		return err
	}
	ws, err := s.opt.Store.ListWorkOrders(ctx, tenant, f)
	if err != nil {
		return err
	}
	for _, w := range ws {
		h.WorkOrders = append(h.WorkOrders, viewWorkOrder(w))
	}
	return c.JSON(http.StatusOK, h)
}
