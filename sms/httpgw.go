package sms

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ipcc/ipcc/egress"
)

// HTTPConfig describes a generic HTTP SMS gateway: how to send (a request
// built from templates), how to read its answer, and how to read the
// delivery reports and inbound messages it posts back to ipcc.
type HTTPConfig struct {
	// URL and Body may use ${to}, ${from}, ${text}, ${id} (ipcc's message
	// id) and ${timestamp} (Unix seconds). In URL the values are
	// query-escaped; in Body they are escaped for ContentType: JSON string
	// escapes for application/json (write the quotes in the template),
	// form escapes for application/x-www-form-urlencoded.
	URL         string            `json:"url"`
	Method      string            `json:"method,omitempty"` // default POST
	ContentType string            `json:"content_type,omitempty"`
	Body        string            `json:"body,omitempty"`
	Headers     map[string]string `json:"headers,omitempty"`
	Signature   *Signature        `json:"signature,omitempty"`
	Response    ResponseMap       `json:"response"`
	Report      ReportMap         `json:"report"`
	Inbound     InboundMap        `json:"inbound"`
	TimeoutMS   int               `json:"timeout_ms,omitempty"` // default 10000
}

// Signature signs each request with HMAC-SHA256 of the body (or of
// "<timestamp>.<body>" when TimestampHeader is set, the timestamp being
// Unix seconds sent in that header), hex or base64, in Header with an
// optional Prefix ("sha256=").
type Signature struct {
	Header          string `json:"header"`
	Secret          string `json:"secret"`
	Encoding        string `json:"encoding,omitempty"` // hex (default) or base64
	Prefix          string `json:"prefix,omitempty"`
	TimestampHeader string `json:"timestamp_header,omitempty"`
}

// ResponseMap reads the gateway's answer to a send (JSON). MessageID is
// the path of the gateway's id ("data.id", "result[0].msgid"); when Status
// is set, its value must be one of Accepted (otherwise the send failed),
// or one of Temporary (tried again later). Without Status any 2xx answer
// is accepted. HTTP 429 and 5xx are temporary, other non-2xx failures.
type ResponseMap struct {
	MessageID string   `json:"message_id,omitempty"`
	Status    string   `json:"status,omitempty"`
	Accepted  []string `json:"accepted,omitempty"`
	Temporary []string `json:"temporary,omitempty"`
}

// ReportMap reads a delivery report the gateway posts (JSON, a JSON array
// of them, or a form): paths of the gateway's message id, its status and
// an error text, and the status values of each outcome.
type ReportMap struct {
	MessageID string   `json:"message_id,omitempty"`
	Status    string   `json:"status,omitempty"`
	Error     string   `json:"error,omitempty"`
	Delivered []string `json:"delivered,omitempty"`
	Buffered  []string `json:"buffered,omitempty"`
	Failed    []string `json:"failed,omitempty"`
}

// InboundMap reads an inbound message the gateway posts: paths of the
// sender's number, the number it was sent to and the text.
type InboundMap struct {
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	Text string `json:"text,omitempty"`
}

// ParseHTTPConfig reads and checks a gateway's settings; errors name the
// field.
func ParseHTTPConfig(raw []byte) (*HTTPConfig, error) {
	var c HTTPConfig
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("http gateway config: %w", err)
	}
	return &c, c.Validate()
}

// Validate checks the settings.
func (c *HTTPConfig) Validate() error {
	u, err := url.Parse(strings.NewReplacer("${", "", "}", "").Replace(c.URL))
	if c.URL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("config.url: %q is not an http(s) URL", c.URL)
	}
	if c.Method == "" {
		c.Method = http.MethodPost
	}
	c.Method = strings.ToUpper(c.Method)
	if !slices.Contains([]string{http.MethodGet, http.MethodPost, http.MethodPut}, c.Method) {
		return fmt.Errorf("config.method: %q is not GET, POST or PUT", c.Method)
	}
	if c.Method == http.MethodGet && c.Body != "" {
		return fmt.Errorf("config.body: a GET request has no body")
	}
	for _, f := range []struct{ name, v string }{{"config.url", c.URL}, {"config.body", c.Body}} {
		if err := checkVars(f.v); err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
	}
	for k, v := range c.Headers {
		if k == "" || strings.ContainsAny(k+v, "\r\n") || strings.ContainsAny(k, " :") {
			return fmt.Errorf("config.headers: %q is not a valid header", k)
		}
	}
	if s := c.Signature; s != nil {
		switch {
		case s.Header == "":
			return fmt.Errorf("config.signature.header: required")
		case len(s.Secret) < 8:
			return fmt.Errorf("config.signature.secret: at least 8 characters")
		case s.Encoding != "" && s.Encoding != "hex" && s.Encoding != "base64":
			return fmt.Errorf("config.signature.encoding: %q is not hex or base64", s.Encoding)
		}
	}
	if c.Response.Status != "" && len(c.Response.Accepted) == 0 {
		return fmt.Errorf("config.response.accepted: required when config.response.status is set")
	}
	if c.Report.MessageID != "" && (c.Report.Status == "" || len(c.Report.Delivered) == 0) {
		return fmt.Errorf("config.report: status and delivered are required with message_id")
	}
	if c.TimeoutMS < 0 || c.TimeoutMS > 60000 {
		return fmt.Errorf("config.timeout_ms: %d is not within 0..60000", c.TimeoutMS)
	}
	return nil
}

var varRe = regexp.MustCompile(`\$\{([^}]*)\}`)

var gatewayVars = []string{"to", "from", "text", "id", "timestamp"}

func checkVars(s string) error {
	for _, m := range varRe.FindAllStringSubmatch(s, -1) {
		if !slices.Contains(gatewayVars, m[1]) {
			return fmt.Errorf("unknown variable ${%s} (known: %s)", m[1], strings.Join(gatewayVars, ", "))
		}
	}
	return nil
}

// HTTPGateway sends through a generic HTTP gateway.
type HTTPGateway struct {
	cfg    *HTTPConfig
	client *http.Client
	now    func() time.Time
}

// NewHTTPGateway returns a provider sending with client (the egress
// policy's client: tenants' URLs are untrusted).
func NewHTTPGateway(cfg *HTTPConfig, client *http.Client, now func() time.Time) *HTTPGateway {
	return &HTTPGateway{cfg: cfg, client: client, now: now}
}

func expand(tpl string, vals map[string]string, esc func(string) string) string {
	return varRe.ReplaceAllStringFunc(tpl, func(m string) string {
		return esc(vals[m[2:len(m)-1]])
	})
}

func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// Send implements Provider.
func (g *HTTPGateway) Send(ctx context.Context, m Outgoing) ([]string, error) {
	c := g.cfg
	ts := g.now().Unix()
	vals := map[string]string{"to": m.To, "from": m.From, "text": m.Text, "id": m.ID, "timestamp": strconv.FormatInt(ts, 10)}
	u := expand(c.URL, vals, url.QueryEscape)
	esc := func(s string) string { return s }
	switch ct := strings.ToLower(c.ContentType); {
	case strings.Contains(ct, "json"):
		esc = jsonEscape
	case strings.Contains(ct, "x-www-form-urlencoded"):
		esc = url.QueryEscape
	}
	body := expand(c.Body, vals, esc)
	timeout := time.Duration(c.TimeoutMS) * time.Millisecond
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var rd io.Reader
	if c.Method != http.MethodGet {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, c.Method, u, rd)
	if err != nil {
		return nil, fmt.Errorf("http gateway: request: %w", err)
	}
	if c.ContentType != "" && rd != nil {
		req.Header.Set("Content-Type", c.ContentType)
	}
	for k, v := range c.Headers {
		req.Header.Set(k, v)
	}
	if s := c.Signature; s != nil {
		signed := body
		if s.TimestampHeader != "" {
			signed = strconv.FormatInt(ts, 10) + "." + body
			req.Header.Set(s.TimestampHeader, strconv.FormatInt(ts, 10))
		}
		req.Header.Set(s.Header, s.Prefix+Sign(s.Secret, s.Encoding, []byte(signed)))
	}
	resp, err := g.client.Do(req)
	if err != nil {
		if egress.Denied(err) {
			return nil, fmt.Errorf("http gateway %s: %w", req.URL.Host, err) // asking again changes nothing
		}
		return nil, temporary("http gateway %s: %w", req.URL.Host, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, temporary("http gateway %s: reading the answer: %w", req.URL.Host, err)
	}
	snippet := strings.TrimSpace(string(raw[:min(len(raw), 200)]))
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return nil, temporary("http gateway %s: HTTP %d: %s", req.URL.Host, resp.StatusCode, snippet)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return nil, fmt.Errorf("http gateway %s: HTTP %d: %s", req.URL.Host, resp.StatusCode, snippet)
	}
	if c.Response.MessageID == "" && c.Response.Status == "" {
		return []string{m.ID}, nil
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("http gateway %s: the answer is not JSON (%s): %q", req.URL.Host, err, snippet)
	}
	if p := c.Response.Status; p != "" {
		st, ok := Lookup(doc, p)
		switch {
		case !ok:
			return nil, fmt.Errorf("http gateway %s: no %q in the answer %q", req.URL.Host, p, snippet)
		case slices.Contains(c.Response.Temporary, st):
			return nil, temporary("http gateway %s: status %q (temporary): %s", req.URL.Host, st, snippet)
		case !slices.Contains(c.Response.Accepted, st):
			return nil, fmt.Errorf("http gateway %s: status %q: %s", req.URL.Host, st, snippet)
		}
	}
	if p := c.Response.MessageID; p != "" {
		id, ok := Lookup(doc, p)
		if !ok || id == "" {
			return nil, fmt.Errorf("http gateway %s: no message id at %q in the answer %q", req.URL.Host, p, snippet)
		}
		return []string{id}, nil
	}
	return []string{m.ID}, nil
}

// Sign is the HMAC-SHA256 of msg, hex ("" or "hex") or base64.
func Sign(secret, encoding string, msg []byte) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write(msg)
	if encoding == "base64" {
		return base64.StdEncoding.EncodeToString(h.Sum(nil))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Lookup reads a dotted path ("data.items[0].id", "data.items.0.id") in a
// decoded JSON document, rendering numbers and booleans as text.
func Lookup(doc any, path string) (string, bool) {
	path = strings.NewReplacer("[", ".", "]", "").Replace(path)
	cur := doc
	for _, k := range strings.Split(path, ".") {
		if k == "" {
			continue
		}
		switch v := cur.(type) {
		case map[string]any:
			n, ok := v[k]
			if !ok {
				return "", false
			}
			cur = n
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(v) {
				return "", false
			}
			cur = v[i]
		default:
			return "", false
		}
	}
	switch v := cur.(type) {
	case string:
		return v, true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(v), true
	case nil:
		return "", false
	}
	b, _ := json.Marshal(cur)
	return string(b), true
}

// Documents reads a posted body as the documents it holds: a JSON object,
// each element of a JSON array, or a form (and the query) as an object of
// strings.
func Documents(contentType string, body []byte, query url.Values) ([]any, error) {
	t := bytes.TrimSpace(body)
	if strings.Contains(contentType, "json") || (len(t) > 0 && (t[0] == '{' || t[0] == '[')) {
		var doc any
		if err := json.Unmarshal(t, &doc); err != nil {
			return nil, fmt.Errorf("body: not JSON: %w", err)
		}
		if arr, ok := doc.([]any); ok {
			return arr, nil
		}
		return []any{doc}, nil
	}
	vals, err := url.ParseQuery(string(t))
	if err != nil {
		return nil, fmt.Errorf("body: not a form: %w", err)
	}
	obj := map[string]any{}
	for k, v := range query {
		obj[k] = v[0]
	}
	for k, v := range vals {
		obj[k] = v[0]
	}
	return []any{obj}, nil
}

// ParseReport reads one delivery report document.
func (c *HTTPConfig) ParseReport(doc any) (Receipt, error) {
	m := c.Report
	if m.MessageID == "" {
		return Receipt{}, fmt.Errorf("this provider has no report mapping (config.report)")
	}
	id, ok := Lookup(doc, m.MessageID)
	if !ok || id == "" {
		return Receipt{}, fmt.Errorf("report: no message id at %q", m.MessageID)
	}
	st, ok := Lookup(doc, m.Status)
	if !ok {
		return Receipt{}, fmt.Errorf("report: no status at %q", m.Status)
	}
	r := Receipt{ProviderMsgID: id}
	switch {
	case slices.Contains(m.Delivered, st):
		r.Outcome = Delivered
	case slices.Contains(m.Buffered, st):
		r.Outcome = Buffered
	case slices.Contains(m.Failed, st) || len(m.Failed) == 0:
		r.Outcome = Failed
		r.Error = st
	default:
		return Receipt{}, fmt.Errorf("report: status %q is none of delivered %v, buffered %v, failed %v", st, m.Delivered, m.Buffered, m.Failed)
	}
	if m.Error != "" {
		if e, ok := Lookup(doc, m.Error); ok && e != "" && r.Outcome == Failed {
			r.Error = st + ": " + e
		}
	}
	return r, nil
}

// ParseInbound reads one inbound message document.
func (c *HTTPConfig) ParseInbound(doc any) (Inbound, error) {
	m := c.Inbound
	if m.From == "" || m.Text == "" {
		return Inbound{}, fmt.Errorf("this provider has no inbound mapping (config.inbound.from and .text)")
	}
	var in Inbound
	var ok bool
	if in.From, ok = Lookup(doc, m.From); !ok || in.From == "" {
		return Inbound{}, fmt.Errorf("inbound: no sender at %q", m.From)
	}
	if in.Text, ok = Lookup(doc, m.Text); !ok {
		return Inbound{}, fmt.Errorf("inbound: no text at %q", m.Text)
	}
	if m.To != "" {
		in.To, _ = Lookup(doc, m.To)
	}
	return in, nil
}
