package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/store"
)

// Text that reaches the database must be valid UTF-8 without NUL bytes:
// PostgreSQL refuses both (a 500, and a request that should have been
// audited was not), and SQLite would store what no report can show. Every
// input is checked where it enters: JSON bodies (decodeJSON and WebSocket
// frames), query and path parameters (checkParams, run for every route
// added through Add) and the headers the API reads. A bad one is a 400
// naming the field; nothing is silently changed except identification data
// at login, which fails as a wrong password does (see login).

// badText says what is wrong with s, or "" when it may be stored.
func badText(s string) string {
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return "a NUL character"
	case !utf8.ValidString(s):
		return "invalid UTF-8"
	}
	return ""
}

// printable renders a field name that may itself be bad text.
func printable(s string) string {
	if badText(s) == "" {
		return s
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// checkParams refuses query and path parameters holding NUL or invalid
// UTF-8, naming the parameter.
func checkParams(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		for i, name := range c.ParamNames() {
			if i < len(c.ParamValues()) {
				if why := badText(c.ParamValues()[i]); why != "" {
					return errInvalid(name, "path parameter %s holds %s", name, why)
				}
			}
		}
		for name, vs := range c.QueryParams() {
			if why := badText(name); why != "" {
				return errInvalid(printable(name), "a query parameter name holds %s", why)
			}
			for _, v := range vs {
				if why := badText(v); why != "" {
					return errInvalid(name, "query parameter %s holds %s", name, why)
				}
			}
		}
		return next(c)
	}
}

// readBody reads a request body whole; a body over the limit is a 413 in
// the API's error shape whether it announced its length or came chunked
// (echo's limit reader then fails the read with its own 413 error).
func readBody(c echo.Context) ([]byte, error) {
	body := c.Request().Body
	if body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return nil, bodyError(err)
	}
	return b, nil
}

// errTooLarge is the answer to a body over http.body_limit.
var errTooLarge = &Error{Status: http.StatusRequestEntityTooLarge, Code: "request_entity_too_large", Message: "request body too large"}

// bodyError maps a failed body read.
func bodyError(err error) error {
	var mbe *http.MaxBytesError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &mbe):
		return errTooLarge
	case errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge:
		return errTooLarge
	}
	return errInvalid("", "reading the request body: %v", err)
}

// checkJSONText walks a JSON document and reports the first string (object
// key or value) holding NUL or invalid UTF-8 as a 400 naming its path
// (name, queues[2], options.1). A document that is not valid JSON passes:
// the decoder reports that with its position.
func checkJSONText(b []byte) error {
	// Fast path: nothing that could decode to NUL and nothing invalid.
	if utf8.Valid(b) && !bytes.Contains(b, []byte(`\u0000`)) && bytes.IndexByte(b, 0) < 0 {
		return nil
	}
	type frame struct {
		object    bool
		key       string
		index     int
		expectKey bool
	}
	var stack []frame
	path := func(last string) string {
		var sb strings.Builder
		for i, f := range stack {
			switch {
			case f.object && i == len(stack)-1 && last != "":
				if sb.Len() > 0 {
					sb.WriteByte('.')
				}
				sb.WriteString(printable(last))
			case f.object:
				if sb.Len() > 0 {
					sb.WriteByte('.')
				}
				sb.WriteString(printable(f.key))
			default:
				fmt.Fprintf(&sb, "[%d]", f.index)
			}
		}
		return sb.String()
	}
	// valueDone moves the innermost container past a finished value.
	valueDone := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].object {
				stack[n-1].expectKey = true
			} else {
				stack[n-1].index++
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil // EOF, or a syntax error the real decode reports
		}
		raw := b[start:dec.InputOffset()]
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, frame{object: true, expectKey: true})
			case '[':
				stack = append(stack, frame{})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			why := ""
			if !utf8.Valid(raw) {
				why = "invalid UTF-8"
			} else if strings.IndexByte(t, 0) >= 0 {
				why = "a NUL character"
			}
			n := len(stack)
			if n > 0 && stack[n-1].object && stack[n-1].expectKey {
				if why != "" {
					return errInvalid(path(t), "field name \"%s\" holds %s", printable(t), why)
				}
				stack[n-1].key, stack[n-1].expectKey = t, false
				continue
			}
			if why != "" {
				p := path("")
				return errInvalid(p, "field %s holds %s", p, why)
			}
			valueDone()
		default:
			valueDone()
		}
	}
}

// cleanAudit makes an audit row storable whatever the request carried: the
// row of a refused request is the one that must not be lost. (The JSON
// detail is safe: encoding/json escapes NUL and replaces invalid UTF-8.)
func cleanAudit(e *store.AuditEntry) {
	for _, f := range []*string{&e.TenantID, &e.ActorID, &e.ActorName, &e.ObjectID, &e.RemoteAddr, &e.RequestID} {
		*f = controller.CleanText(*f, 256)
	}
}

// requestIDOK is what a client-supplied X-Request-ID may be: 1-128
// printable ASCII characters. Anything else is replaced by a generated id,
// so logs and audit rows only carry ids that are plain text.
func requestIDOK(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// dropBadRequestID removes a client request id that is not plain text
// before the request-id middleware adopts it.
func dropBadRequestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header
		if v := h.Get(echo.HeaderXRequestID); v != "" && !requestIDOK(v) {
			h.Del(echo.HeaderXRequestID)
		}
		return next(c)
	}
}
