package api

import (
	"encoding"
	"encoding/json"
	"net/http"
	"path"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/ivrflows"
)

// The OpenAPI 3 document is generated from the route table, so a route that
// is served is documented with its roles and body shapes. Routes added to
// echo directly (not through Server.Add) are caught by a test.

func (s *Server) openAPI(c echo.Context) error {
	return c.JSON(http.StatusOK, s.OpenAPI())
}

// OpenAPI builds the document.
func (s *Server) OpenAPI() map[string]any {
	paths := map[string]any{}
	schemas := map[string]any{}
	for _, r := range s.routes {
		p := openAPIPath(r.Path)
		item, _ := paths[p].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[p] = item
		}
		op := map[string]any{
			"summary":     r.Summary,
			"operationId": operationID(r),
			"tags":        []string{r.Tag},
		}
		var params []any
		for _, seg := range strings.Split(r.Path, "/") {
			if strings.HasPrefix(seg, ":") {
				params = append(params, map[string]any{"name": seg[1:], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
			}
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if r.Roles == nil {
			op["security"] = []any{}
		} else {
			roles := make([]string, len(r.Roles))
			for i, ro := range r.Roles {
				roles[i] = string(ro)
			}
			op["x-roles"] = roles
		}
		if r.Request != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(r.Request), schemas)}}}
		}
		status := r.Status
		if status == 0 {
			status = http.StatusOK
		}
		resp := map[string]any{"description": http.StatusText(status)}
		if r.Response != nil {
			resp["content"] = map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(r.Response), schemas)}}
		}
		responses := map[string]any{itoa(status): resp, "default": map[string]any{"description": "Error", "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}}
		op["responses"] = responses
		item[strings.ToLower(r.Method)] = op
	}
	schemas["Error"] = map[string]any{"type": "object", "properties": map[string]any{"error": map[string]any{"type": "object", "properties": map[string]any{
		"code": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"}, "field": map[string]any{"type": "string"}}}}}
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		paths[p] = map[string]any{"get": map[string]any{"summary": map[string]string{"/healthz": "Liveness", "/readyz": "Readiness: database reachable, every switch held by this controller (lease) and connected; 503 on a standby, naming the holder", "/metrics": "Prometheus metrics"}[p], "security": []any{}, "responses": map[string]any{"200": map[string]any{"description": "OK"}}}}
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info":    map[string]any{"title": "ipcc API", "version": s.opt.Version, "description": "IP contact-center controller. Authenticate with POST /api/v1/auth/login and send Authorization: Bearer <token>, or send X-API-Key. A superadmin acts inside a tenant with the X-IPCC-Tenant header."},
		"paths":   paths,
		"components": map[string]any{
			"schemas": schemas,
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
				"apiKey": map[string]any{"type": "apiKey", "in": "header", "name": "X-API-Key"},
			},
		},
		"security": []any{map[string]any{"bearer": []any{}}, map[string]any{"apiKey": []any{}}},
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func openAPIPath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, ":") {
			segs[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(segs, "/")
}

func operationID(r *Route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(r.Method))
	for _, s := range strings.Split(strings.TrimPrefix(r.Path, "/api/v1/"), "/") {
		s = strings.TrimPrefix(s, ":")
		for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

var timeType = reflect.TypeOf(time.Time{})

// Types whose JSON is not what their Go kind says. API durations are whole
// milliseconds in fields named *_ms (acd.Duration); flow documents keep
// Go duration strings, as their YAML files do (ivrflows.Duration).
var customSchemas = map[reflect.Type]map[string]any{
	reflect.TypeOf(acd.Duration(0)): {"type": "integer", "format": "int64", "description": "milliseconds"},
	reflect.TypeOf(ivrflows.Duration(0)): {"type": "string", "example": "20s",
		"description": `a duration such as "20s" or "1m30s" (a number is taken as seconds); flow documents keep the form of their YAML files`},
}

var (
	marshalerType     = reflect.TypeOf((*json.Marshaler)(nil)).Elem()
	textMarshalerType = reflect.TypeOf((*encoding.TextMarshaler)(nil)).Elem()
	rawMessageType    = reflect.TypeOf(json.RawMessage(nil))
)

// marshaledKind is the JSON type a custom marshaler writes for t's zero
// value ("" when it cannot tell).
func marshaledKind(t reflect.Type) string {
	if !t.Implements(marshalerType) {
		if t.Implements(textMarshalerType) {
			return "string"
		}
		return ""
	}
	b, err := reflect.Zero(t).Interface().(json.Marshaler).MarshalJSON()
	if err != nil || len(b) == 0 {
		return ""
	}
	switch c := b[0]; {
	case c == '"':
		return "string"
	case c == '-' || c >= '0' && c <= '9':
		return "number"
	case c == 't' || c == 'f':
		return "boolean"
	}
	return ""
}

// typeName makes a generic type's name usable in a $ref:
// "reportPage[*github.com/ipcc/ipcc/reports.CallRow]" → "reportPage_CallRow".
func typeName(n string) string {
	base, args, ok := strings.Cut(n, "[")
	if !ok {
		return n
	}
	parts := []string{base}
	for _, a := range strings.Split(strings.TrimSuffix(args, "]"), ",") {
		a = strings.TrimLeft(strings.TrimSpace(a), "*[]")
		if i := strings.LastIndexByte(a, '.'); i >= 0 {
			a = a[i+1:]
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, "_")
}

// schemaOf renders a JSON schema for t, naming struct types in components.
func schemaOf(t reflect.Type, schemas map[string]any) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if s, ok := customSchemas[t]; ok {
		out := make(map[string]any, len(s))
		for k, v := range s {
			out[k] = v
		}
		return out
	}
	if t == rawMessageType {
		return map[string]any{"description": "any JSON value"}
	}
	if t != timeType {
		// A type with its own JSON is documented as what it writes.
		switch marshaledKind(t) {
		case "string":
			return map[string]any{"type": "string"}
		case "number":
			return map[string]any{"type": "number"}
		case "boolean":
			return map[string]any{"type": "boolean"}
		}
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t.Kind() == reflect.Struct:
		if t.Name() == "" {
			return structSchema(t, schemas)
		}
		// Qualified by package: ivrflows.Result and schedule.Result differ.
		name := path.Base(t.PkgPath()) + "." + typeName(t.Name())
		if _, ok := schemas[name]; !ok {
			schemas[name] = map[string]any{} // break recursion
			schemas[name] = structSchema(t, schemas)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), schemas)}
	case t.Kind() == reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), schemas)}
	case t.Kind() == reflect.String:
		return map[string]any{"type": "string"}
	case t.Kind() == reflect.Bool:
		return map[string]any{"type": "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return map[string]any{"type": "integer"}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return map[string]any{"type": "number"}
	}
	return map[string]any{}
}

func structSchema(t reflect.Type, schemas map[string]any) map[string]any {
	props := map[string]any{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		// Embedded structs count even when their type is unexported, as
		// encoding/json promotes their fields.
		if !f.IsExported() && !(f.Anonymous && f.Type.Kind() == reflect.Struct) {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			if sub, ok := structSchema(f.Type, schemas)["properties"].(map[string]any); ok {
				for k, v := range sub {
					props[k] = v
				}
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		fs := schemaOf(f.Type, schemas)
		if strings.HasSuffix(name, "_ms") && fs["type"] == "integer" && fs["description"] == nil {
			fs["description"] = "milliseconds"
		}
		props[name] = fs
	}
	return map[string]any{"type": "object", "properties": props}
}
