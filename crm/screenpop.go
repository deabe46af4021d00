package crm

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/ipcc/ipcc/store"
)

// PopVars are what a screen pop or lookup template may use.
type PopVars struct {
	Tenant     string
	CallID     string
	Caller     string
	DID        string
	Queue      string
	Agent      string
	WorkNumber string // the agent's work number (工号)
	CallerName string
	// Vars are the call's IVR variables ({var.NAME}).
	Vars map[string]string
}

// Template variables (docs/crm.md).
var popNames = []string{"tenant", "call_id", "call", "caller", "did", "queue", "agent", "work_number", "caller_name"}

var placeholder = regexp.MustCompile(`\{([a-z_]+(?:\.[A-Za-z0-9_.-]+)?)\}`)

func (v PopVars) value(name string) (string, bool) {
	switch name {
	case "tenant":
		return v.Tenant, true
	case "call_id", "call":
		return v.CallID, true
	case "work_number":
		return v.WorkNumber, true
	case "caller":
		return v.Caller, true
	case "did":
		return v.DID, true
	case "queue":
		return v.Queue, true
	case "agent":
		return v.Agent, true
	case "caller_name":
		if v.CallerName == "" {
			return v.Vars["caller_name"], true
		}
		return v.CallerName, true
	}
	if k, ok := strings.CutPrefix(name, "var."); ok {
		return v.Vars[k], true
	}
	return "", false
}

// Render fills a template's {name} placeholders with the call's values,
// each escaped for a URL query (a missing IVR variable is empty). The
// result must be an absolute http(s) URL.
func Render(tmpl string, v PopVars) (string, error) {
	var bad error
	out := placeholder.ReplaceAllStringFunc(tmpl, func(m string) string {
		name := m[1 : len(m)-1]
		val, ok := v.value(name)
		if !ok && bad == nil {
			bad = fmt.Errorf("unknown variable {%s} (known: {%s}, {var.NAME})", name, strings.Join(popNames, "}, {"))
		}
		return url.QueryEscape(val)
	})
	if bad != nil {
		return "", bad
	}
	u, err := url.Parse(out)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("the template must give an absolute http(s) URL, got %q", out)
	}
	if u.User != nil {
		return "", errors.New("the URL must not carry credentials")
	}
	return out, nil
}

// CheckTemplate validates a template by rendering it with sample values.
func CheckTemplate(tmpl string) error {
	_, err := Render(tmpl, PopVars{Tenant: "t", CallID: "c", Caller: "13800138000", DID: "4008001234", Queue: "q", Agent: "1001", Vars: map[string]string{}})
	return err
}

// Pop is what an agent's desktop opens for a call.
type Pop struct {
	URL   string `json:"url"`
	Mode  string `json:"mode"`
	Queue string `json:"queue_id"` // the row it came from ("" = the tenant's)
}

// Modes of a screen pop.
const (
	ModeLink   = "link"
	ModeIframe = "iframe"
)

// ErrNoPop: neither the queue nor the tenant has a screen pop template.
var ErrNoPop = errors.New("crm: no screen pop configured")

// PopFor renders the screen pop of a call: the queue's template, else the
// tenant's.
func PopFor(ctx context.Context, st *store.Store, v PopVars) (*Pop, error) {
	var row *store.ScreenPop
	for _, q := range []string{v.Queue, ""} {
		p, err := st.GetScreenPop(ctx, v.Tenant, q)
		if err == nil && p.URLTemplate != "" {
			row = p
			break
		}
		if err != nil && !store.IsNotFound(err) {
			return nil, err
		}
		if q == "" {
			break
		}
	}
	if row == nil {
		return nil, ErrNoPop
	}
	u, err := Render(row.URLTemplate, v)
	if err != nil {
		return nil, fmt.Errorf("crm: screen pop of %s: %w", scopeName(row.QueueID), err)
	}
	return &Pop{URL: u, Mode: row.Mode, Queue: row.QueueID}, nil
}

func scopeName(queue string) string {
	if queue == "" {
		return "the tenant"
	}
	return "queue " + queue
}

// SortedVarNames lists the template variables for documentation and UI.
func SortedVarNames() []string {
	out := append([]string(nil), popNames...)
	sort.Strings(out)
	return append(out, "var.NAME")
}
