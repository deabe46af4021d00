package ivrflows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ipcc/ipcc/egress"
)

// maxHTTPResponse is the largest response body an http node reads.
const maxHTTPResponse = 1 << 20

func (r *run) http(n *Node) step {
	method := n.Method
	if method == "" {
		method = http.MethodGet
		if n.Body != "" {
			method = http.MethodPost
		}
	}
	target, err := render(n.URL, r.vars, url.QueryEscape)
	if err != nil {
		return r.httpError(n, "url: "+err.Error())
	}
	var body io.Reader
	if n.Body != "" {
		b, err := render(n.Body, r.vars, jsonEscape)
		if err != nil {
			return r.httpError(n, "body: "+err.Error())
		}
		body = strings.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(r.ctx, orDefault(n.Timeout, 5*time.Second))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return r.httpError(n, "bad request: "+err.Error())
	}
	if n.Body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "ipcc-ivr")
	for _, k := range sortedKeys(n.Headers) {
		v, err := render(n.Headers[k], r.vars, nil)
		if err == nil && hasControl(v) {
			err = fmt.Errorf("value has a control character")
		}
		if err != nil {
			return r.httpError(n, fmt.Sprintf("header %s: %v", k, err))
		}
		req.Header.Set(k, v)
	}
	resp, err := r.in.opt.HTTP.Do(req)
	if err != nil {
		if r.ctx.Err() != nil {
			return r.end(n.ID, err)
		}
		return r.httpFailed(n, req, err)
	}
	defer resp.Body.Close()
	_ = r.setVar("http_status", resp.StatusCode)
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxHTTPResponse+1))
	if err != nil {
		if r.ctx.Err() != nil {
			return r.end(n.ID, err)
		}
		return r.httpFailed(n, req, fmt.Errorf("reading the response: %w", err))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return r.httpError(n, fmt.Sprintf("%s %s: status %d", method, redactURL(req.URL), resp.StatusCode))
	}
	if len(raw) > maxHTTPResponse {
		return r.httpError(n, fmt.Sprintf("%s %s: response larger than %d bytes", method, redactURL(req.URL), maxHTTPResponse))
	}
	if len(n.Response) == 0 {
		return step{edge: "next", to: n.Next, detail: fmt.Sprintf("%s %s: status %d", method, redactURL(req.URL), resp.StatusCode),
			note: note("http", "method", method, "url", redactURL(req.URL), "status", strconv.Itoa(resp.StatusCode))}
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return r.httpError(n, fmt.Sprintf("%s %s: response is not JSON: %s", method, redactURL(req.URL), truncate(err.Error(), 100)))
	}
	got := map[string]any{}
	for _, name := range sortedKeys(n.Response) {
		v, ok := lookupPath(doc, n.Response[name])
		if !ok {
			return r.httpError(n, fmt.Sprintf("%s %s: response has no %s", method, redactURL(req.URL), n.Response[name]))
		}
		got[name] = v
	}
	var parts []string
	for _, name := range sortedKeys(got) {
		v := got[name]
		if err := r.setVar(name, v); err != nil {
			return r.httpError(n, fmt.Sprintf("%s %s: response %s: %v", method, redactURL(req.URL), n.Response[name], err))
		}
		parts = append(parts, fmt.Sprintf("%s=%s", name, truncate(formatValue(v), 40)))
	}
	sort.Strings(parts)
	return step{edge: "next", to: n.Next, detail: fmt.Sprintf("%s %s: status %d, %s", method, redactURL(req.URL), resp.StatusCode, strings.Join(parts, " ")),
		note: note("http_values", "method", method, "url", redactURL(req.URL), "status", strconv.Itoa(resp.StatusCode), "values", strings.Join(parts, " "))}
}

// httpFailed is a request that got no (complete) answer. Whether the
// egress policy denied it, the connection was refused or it timed out, the
// trace, the http_error variable and simulations all say the same
// (egress.Failed): telling them apart would let whoever writes or simulates
// flows map the controller's network. The reason goes to the server log.
func (r *run) httpFailed(n *Node, req *http.Request, err error) step {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	r.in.log.Warn("flow http request failed", "tenant", r.in.opt.Tenant, "call", r.call.ID(), "flow", r.flow.ID,
		"node", n.ID, "method", req.Method, "url", redactURL(req.URL), "denied", egress.Denied(err), "err", err)
	return r.httpError(n, fmt.Sprintf("%s %s: %s", req.Method, redactURL(req.URL), egress.Failed))
}

func (r *run) httpError(n *Node, detail string) step {
	_ = r.setVar("http_error", detail)
	return step{edge: "error", to: n.Error, detail: detail, note: note("http_error", "error", detail)}
}

// redactURL drops the query and user info, which may carry secrets or
// caller data, from trace lines.
func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	c.RawQuery = ""
	c.Fragment = ""
	return c.String()
}
