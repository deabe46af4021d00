package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/store"
)

// Error is the one JSON error shape of the API:
// {"error":{"code":"...","message":"...","field":"..."}}.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	// Rule names the outbound rule that refused a call (outbound_refused).
	Rule string `json:"rule,omitempty"`
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (field %s)", e.Code, e.Message, e.Field)
	}
	return e.Code + ": " + e.Message
}

type errorBody struct {
	Error *Error `json:"error"`
}

func errInvalid(field, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "invalid", Message: fmt.Sprintf(format, args...), Field: field}
}

func errNotFound(what string) *Error {
	return &Error{Status: http.StatusNotFound, Code: "not_found", Message: what + " not found"}
}

var (
	errUnauthenticated = &Error{Status: http.StatusUnauthorized, Code: "unauthenticated", Message: "missing or invalid credentials: send Authorization: Bearer <token> or X-API-Key"}
	errForbidden       = &Error{Status: http.StatusForbidden, Code: "forbidden", Message: "your role may not do this"}
)

// toAPIError maps any error a handler returned to the API shape.
func toAPIError(err error) *Error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	if re := refusalError(err); re != nil {
		return re
	}
	if qe := quotaError(err); qe != nil {
		return qe
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		msg := fmt.Sprint(he.Message)
		code := strings.ToLower(strings.ReplaceAll(http.StatusText(he.Code), " ", "_"))
		switch he.Code {
		case http.StatusRequestEntityTooLarge:
			msg = "request body too large"
		case http.StatusNotFound:
			msg = "no such route"
		case http.StatusMethodNotAllowed:
			msg = "method not allowed on this route"
		}
		return &Error{Status: he.Code, Code: code, Message: msg}
	}
	switch {
	case store.IsNotFound(err):
		return &Error{Status: http.StatusNotFound, Code: "not_found", Message: "not found"}
	case store.IsConflict(err):
		return &Error{Status: http.StatusConflict, Code: "conflict", Message: conflictMessage(err)}
	case errors.Is(err, auth.ErrBadCredentials), errors.Is(err, auth.ErrBadToken), errors.Is(err, auth.ErrBadAPIKey):
		return &Error{Status: http.StatusUnauthorized, Code: "unauthenticated", Message: err.Error()}
	case errors.Is(err, auth.ErrDisabled):
		return &Error{Status: http.StatusForbidden, Code: "disabled", Message: err.Error()}
	}
	return &Error{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error"}
}

func conflictMessage(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, store.ErrConflict.Error()); i >= 0 {
		return msg[i:]
	}
	return "already exists"
}

// decodeJSON reads a JSON body strictly: unknown fields, wrong types, trailing
// data, syntax errors, NUL characters and invalid UTF-8 give a 400 naming
// the field or position; a body over the limit a 413.
func decodeJSON(c echo.Context, dst any) error {
	b, err := readBody(c)
	if err != nil {
		return err
	}
	if err := checkJSONText(b); err != nil {
		return err
	}
	return decodeJSONBytes(b, dst)
}

// decodeJSONBytes decodes a body already read, strictly as decodeJSON does
// but without the text check (login cleans its identification data itself).
func decodeJSONBytes(b []byte, dst any) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return errInvalid("", "request body required")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return errInvalid("", "request body has data after the JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return errInvalid("", "request body has data after the JSON object")
	}
	return nil
}

// renamedDurations are request fields that took seconds or "20s" before
// every API duration became milliseconds in a *_ms field.
var renamedDurations = map[string]string{
	"ring_timeout": "ring_timeout_ms", "wrap_up": "wrap_up_ms", "max_wrap_up_extension": "max_wrap_up_extension_ms",
	"service_level": "service_level_ms", "default_handle_time": "default_handle_time_ms",
	"position_interval": "position_interval_ms", "max_wait": "max_wait_ms", "seconds": "extend_ms",
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return errTooLarge
	case errors.Is(err, io.EOF):
		return errInvalid("", "request body required")
	case errors.As(err, &syn):
		return errInvalid("", "malformed JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		return errInvalid(typ.Field, "field %q must be %s, got %s", typ.Field, typ.Type, typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		if now, ok := renamedDurations[f]; ok {
			return errInvalid(f, "unknown field %q: durations are whole milliseconds in fields named *_ms (use %s)", f, now)
		}
		return errInvalid(f, "unknown field %q", f)
	}
	return errInvalid("", "malformed JSON: %v", err)
}
